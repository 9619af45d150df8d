//! Building the application from settings: pool, migrations, secret key, the HTTP server and
//! the background jobs (mail worker, expiry sweep). `serve` calls `build` and then
//! `run_until_stopped`; tests call `build` with port 0 and their own database, spawn the server
//! and drive the mail worker themselves.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{web, App as ActixApp, HttpServer};

use crate::app::AppState;
use crate::config::Settings;
use crate::db::{self, DbPool, QueryCounter};
use crate::services::hashing::HashPool;
use crate::services::secret::ensure_secret_key;

/// A built, not yet running, application.
pub struct App {
    pub port: u16,
    pub server: Server,
    pub pool: DbPool,
    pub state: Arc<AppState>,
    pub queries: QueryCounter,
    /// The outbox worker: `serve` runs it in the background; tests drive it with `drain()`.
    pub mailer: crate::mail::Mailer,
}

/// Failures while starting.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error(transparent)]
    Mail(#[from] crate::mail::TransportError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// Opens the pool and runs pending migrations; used by `serve`, `migrate` and the CLI commands.
pub fn open_database(settings: &Settings) -> Result<(DbPool, QueryCounter), db::DbError> {
    let sizing = db::PoolSizing {
        max_size: settings.pool_size,
        min_idle: settings.pool_min_idle,
    };
    let (pool, counter) = db::connection::build_pool(&settings.database_url, sizing)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    Ok((pool, counter))
}

/// Builds the server bound to `settings.bind` (port 0 picks a free port).
pub fn build(mut settings: Settings) -> Result<App, StartupError> {
    let (pool, queries) = open_database(&settings)?;
    let secret_key = {
        let mut conn = pool.get().map_err(db::DbError::Pool)?;
        ensure_secret_key(&mut conn, settings.secret_key.as_deref()).map_err(db::DbError::Query)?
    };
    let listener = TcpListener::bind(&settings.bind).map_err(|source| StartupError::Bind {
        addr: settings.bind.clone(),
        source,
    })?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    // Bound to port 0 (tests): links in emails must carry the port actually taken.
    if settings.bind.ends_with(":0") && settings.base_url == format!("http://{}", settings.bind) {
        let host = settings.bind.trim_end_matches(":0");
        settings.base_url = format!("http://{host}:{port}");
    }
    let transport = crate::mail::MailTransport::from_settings(
        settings.smtp_url.as_deref(),
        &settings.mail_dir,
    )?;
    let ctx = crate::services::Ctx::new(&settings.base_url, secret_key);
    // The worker renders the attachments queued as recipes, with the application's context
    // (the same links, secret and programme cache as the requests).
    let mailer = crate::mail::Mailer::new(
        pool.clone(),
        transport,
        settings.mail_from.clone(),
        Arc::new(crate::services::registration::PlaceAttachments { ctx: ctx.clone() }),
    );
    let workers = settings.workers;
    let hashing = HashPool::new(settings.hash_threads, settings.hash_wait);
    let state = Arc::new(AppState {
        pool: pool.clone(),
        ctx,
        settings,
        hashing,
    });
    let data = web::Data::from(state.clone());
    let mut server = HttpServer::new(move || {
        ActixApp::new()
            .app_data(data.clone())
            .configure(crate::web::routes)
            .wrap(actix_web::middleware::from_fn(
                crate::web::auth::csrf_middleware,
            ))
            .wrap(actix_web::middleware::from_fn(
                crate::web::input::input_guard,
            ))
            .wrap(actix_web::middleware::from_fn(
                crate::web::limits::body_limit,
            ))
            .wrap(actix_web::middleware::from_fn(crate::web::security_headers))
            .wrap(actix_web::middleware::Compress::default())
    });
    if let Some(n) = workers {
        server = server.workers(n);
    }
    let server = server
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            addr: "listener".into(),
            source,
        })?
        .run();
    Ok(App {
        port,
        server,
        pool,
        state,
        queries,
        mailer,
    })
}

impl App {
    /// Runs the HTTP server and the background jobs until the server stops (SIGINT/SIGTERM):
    /// the outbox worker delivers queued mail, and the expiry sweep ends unconfirmed
    /// registrations after their deadline (rule 5), once a minute.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let mailer = actix_web::rt::spawn(self.mailer.clone().run());
        let sweep = actix_web::rt::spawn(sweep_expired(self.state.clone()));
        let result = self.server.await;
        mailer.abort();
        sweep.abort();
        result
    }
}

/// Expires unconfirmed registrations whose confirmation deadline passed, once a minute; and
/// once an hour anonymises the registrations of congresses whose retention period has ended.
async fn sweep_expired(state: Arc<AppState>) {
    let mut minutes = 0u32;
    loop {
        if minutes.is_multiple_of(60) {
            let st = state.clone();
            let result = actix_web::rt::task::spawn_blocking(move || {
                let mut conn = st.pool.get().map_err(|e| e.to_string())?;
                crate::services::retention::sweep(&mut conn, crate::services::now_utc())
                    .map_err(|e| e.to_string())
            })
            .await;
            match result {
                Ok(Ok(done)) => {
                    for (slug, c) in done {
                        tracing::info!(
                            congress = %slug,
                            registrations = c.registrations,
                            "retention period over: registrations anonymised"
                        );
                    }
                }
                Ok(Err(e)) => tracing::error!(error = %e, "retention sweep"),
                Err(_) => {}
            }
        }
        minutes = minutes.wrapping_add(1);
        let st = state.clone();
        let result = actix_web::rt::task::spawn_blocking(move || {
            let mut conn = st.pool.get().map_err(|e| e.to_string())?;
            crate::services::registration::expire_due(
                &mut conn,
                &st.ctx,
                crate::services::now_utc(),
            )
            .map_err(|e| e.to_string())
        })
        .await;
        match result {
            Ok(Ok(n)) if n > 0 => tracing::info!(expired = n, "expired unconfirmed registrations"),
            Ok(Err(e)) => tracing::error!(error = %e, "expiry sweep"),
            _ => {}
        }
        actix_web::rt::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}
