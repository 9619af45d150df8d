use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use kongress::app::AppState;
use kongress::config::Settings;
use kongress::db::{DbConnection, DbPool, PooledConn, QueryCounter};
use kongress::startup;

mod actions;
pub mod office;
pub use actions::Applicant;

/// A database of its own for one test.
pub struct TestDb {
    pub url: String,
    admin_url: Option<String>,
    name: Option<String>,
    _dir: Option<tempfile::TempDir>,
    /// Set once the test dropped this database under the app's feet (`drop_database`): what is
    /// there afterwards is not the app's schema, so the outbox cannot be checked.
    replaced: AtomicBool,
}

impl TestDb {
    pub fn new() -> TestDb {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(admin_url) if admin_url.starts_with("postgres") => {
                let name = format!("kongress_test_{}", uuid::Uuid::new_v4().simple());
                let mut c = diesel::pg::PgConnection::establish(&admin_url)
                    .expect("TEST_DATABASE_URL must reach PostgreSQL");
                c.batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b)
                    .unwrap_or(&admin_url);
                TestDb {
                    url: format!("{base}/{name}"),
                    admin_url: Some(admin_url.clone()),
                    name: Some(name),
                    _dir: None,
                    replaced: AtomicBool::new(false),
                }
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDb {
                    url,
                    admin_url: None,
                    name: None,
                    _dir: Some(dir),
                    replaced: AtomicBool::new(false),
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.name.is_some()
    }

    /// False for an app instance that borrows another one's database (`instance_sharing`).
    fn is_owned(&self) -> bool {
        self.name.is_some() || self._dir.is_some()
    }

    /// The SQLite file (None on PostgreSQL).
    #[allow(dead_code)]
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        self.url
            .strip_prefix("sqlite://")
            .filter(|_| !self.is_postgres())
            .map(std::path::PathBuf::from)
    }

    /// PostgreSQL only: drops the database under the app's feet, as an operator's mistake or a
    /// restore would (`WITH (FORCE)` ends the app's connections).
    #[allow(dead_code)]
    pub fn drop_database(&self) {
        let (admin, name) = (
            self.admin_url.as_ref().unwrap(),
            self.name.as_ref().unwrap(),
        );
        let mut c = diesel::pg::PgConnection::establish(admin).expect("admin connection");
        self.replaced.store(true, Ordering::SeqCst);
        c.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .expect("drop test database");
    }

    /// PostgreSQL only: creates the database again, empty.
    #[allow(dead_code)]
    pub fn create_empty_database(&self) {
        let (admin, name) = (
            self.admin_url.as_ref().unwrap(),
            self.name.as_ref().unwrap(),
        );
        let mut c = diesel::pg::PgConnection::establish(admin).expect("admin connection");
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let (Some(admin), Some(name)) = (&self.admin_url, &self.name) {
            if let Ok(mut c) = diesel::pg::PgConnection::establish(admin) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

pub fn test_settings(db: &TestDb) -> Settings {
    let mut s = Settings::from_lookup(|k| match k {
        "DATABASE_URL" => Some(db.url.clone()),
        "KONGRESS_BIND" => Some("127.0.0.1:0".into()),
        _ => None,
    })
    .expect("test settings");
    s.workers = Some(1);
    s.pool_size = 4;
    s
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub pool: DbPool,
    pub queries: QueryCounter,
    #[allow(dead_code)]
    pub state: Arc<AppState>,
    #[allow(dead_code)]
    pub db: TestDb,
    pub mailer: kongress::mail::Mailer,
    pub _mail_dir: tempfile::TempDir,
    server: actix_web::dev::ServerHandle,
    /// Why this test may end with mail left in the outbox (see `allow_undelivered`).
    undelivered_allowed: Mutex<Option<&'static str>>,
}

impl TestApp {
    pub fn conn(&self) -> PooledConn {
        self.pool.get().expect("pooled connection")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// GET and return (status, body).
    pub async fn text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let s = r.status().as_u16();
        (s, r.text().await.expect("body"))
    }

    pub async fn json(&self, path: &str) -> serde_json::Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.expect("json body")
    }

    /// Links and message ids as this app writes them.
    #[allow(dead_code)]
    pub fn mail_context(&self) -> kongress::services::Ctx {
        self.state.ctx.clone()
    }

    /// Loads the demo as `kongress demo` does: with its ~150 fictional registrations and the
    /// speakers' links (their emails are not sent); returns the slug.
    #[allow(dead_code)]
    pub fn load_demo_with_people(&self) -> String {
        let mut conn = self.conn();
        let today = chrono::Utc::now().date_naive();
        kongress::services::demo::load(&mut conn, today, Some(&self.mail_context()))
            .expect("demo loads")
            .slug
    }

    /// Loads the demo programme (without its fictional registrations, so tests count their
    /// own) and returns its slug.
    pub fn load_demo(&self) -> String {
        let mut conn = self.conn();
        let today = chrono::Utc::now().date_naive();
        kongress::services::demo::load(&mut conn, today, None)
            .expect("demo loads")
            .slug
    }
}

impl TestApp {
    /// Lets this test end with mail in the outbox that was never sent; `reason` says why (a
    /// test about queueing, an outage left unresolved, mail that is only set-up). Without it,
    /// a test that leaves undelivered mail behind fails when its app is dropped.
    pub fn allow_undelivered(&self, reason: &'static str) {
        assert!(
            !reason.trim().is_empty(),
            "allow_undelivered needs a reason"
        );
        *self
            .undelivered_allowed
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(reason);
    }

    /// The outbox guard: what the test left unsent, as a failure message (None: all is well,
    /// or the test said so, or this instance does not own the database).
    fn undelivered_mail(&self) -> Option<String> {
        use diesel::prelude::*;
        use kongress::db::schema::outbox;
        let allowed = *self
            .undelivered_allowed
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if allowed.is_some() || !self.db.is_owned() || self.db.replaced.load(Ordering::SeqCst) {
            return None;
        }
        let rows: Vec<(String, String, String, i32)> = match self.pool.get() {
            Ok(mut conn) => match outbox::table
                .filter(outbox::status.ne("sent"))
                .order(outbox::id)
                .select((
                    outbox::kind,
                    outbox::recipient,
                    outbox::status,
                    outbox::attempts,
                ))
                .load(&mut *conn)
            {
                Ok(rows) => rows,
                Err(e) => return Some(format!("outbox guard: cannot read the outbox: {e}")),
            },
            Err(e) => return Some(format!("outbox guard: no database connection: {e}")),
        };
        if rows.is_empty() {
            return None;
        }
        // Per kind: how many rows, to how many recipients, in which states.
        let mut kinds: Vec<(String, usize, Vec<String>, Vec<String>)> = Vec::new();
        for (kind, recipient, status, attempts) in rows.iter().cloned() {
            let at = match kinds.iter().position(|k| k.0 == kind) {
                Some(at) => at,
                None => {
                    kinds.push((kind, 0, vec![], vec![]));
                    kinds.len() - 1
                }
            };
            let k = &mut kinds[at];
            k.1 += 1;
            if !k.2.contains(&recipient) {
                k.2.push(recipient);
            }
            let state = if attempts > 0 {
                format!("{status} after {attempts} attempt(s)")
            } else {
                status
            };
            if !k.3.contains(&state) {
                k.3.push(state);
            }
        }
        let listed: Vec<String> = kinds
            .iter()
            .map(|(kind, n, recipients, states)| {
                format!(
                    "{kind} x{n} to {} recipient(s) ({})",
                    recipients.len(),
                    states.join(", ")
                )
            })
            .collect();
        Some(format!(
            "the test left {} undelivered outbox row(s): {}. Deliver them with \
             `app.mailer.drain().await` (and check them), or call \
             `app.allow_undelivered(\"why\")` if leaving them is the point",
            rows.len(),
            listed.join("; ")
        ))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the database (and its file or PostgreSQL database) goes with `db`.
        // The stop command is sent on the call; the future only reports completion.
        drop(self.server.stop(false));
        // A test that failed already says why; a second panic here would abort the run.
        if std::thread::panicking() {
            return;
        }
        if let Some(failure) = self.undelivered_mail() {
            panic!("{failure}");
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns the app after `configure` adjusted its settings (e.g. an SMTP server).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDb::new();
    let mail_dir = tempfile::tempdir().expect("mail dir");
    let mut settings = test_settings(&db);
    settings.mail_dir = mail_dir.path().to_path_buf();
    configure(&mut settings);
    let app = startup::build(settings).expect("app builds");
    let handle = app.server.handle();
    tokio::spawn(app.server);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // Below the server's keep-alive (5 s): a connection the server closed while idle is
        // never reused (hyper would fail the request with IncompleteMessage).
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap();
    TestApp {
        base: format!("http://127.0.0.1:{}", app.port),
        client,
        pool: app.pool,
        queries: app.queries,
        state: app.state,
        db,
        mailer: app.mailer,
        _mail_dir: mail_dir,
        server: handle,
        undelivered_allowed: Mutex::new(None),
    }
}

/// A plain connection to a test database (for tests that need no server).
pub fn connect(url: &str) -> DbConnection {
    kongress::db::connection::establish(url).expect("connect")
}

/// A browser of its own (cookie jar, no redirects followed).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // Below the server's keep-alive (5 s): a connection the server closed while idle is
        // never reused (hyper would fail the request with IncompleteMessage).
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap()
}

/// The CSRF token in a page's forms.
pub fn csrf_in(html: &str) -> String {
    html.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("page has a CSRF token")
        .to_string()
}

impl TestApp {
    /// Creates an organizer directly (as `create-organizer` would).
    pub fn organizer(&self, email: &str, admin: bool) -> kongress::domain::OrganizerId {
        let mut conn = self.conn();
        kongress::services::organizers::create_organizer(
            &mut conn,
            email,
            "correct horse battery staple",
            admin,
            kongress::services::audit::Actor::System,
        )
        .expect("organizer created")
    }

    pub fn grant(&self, organizer: kongress::domain::OrganizerId, slug: &str, role: &str) {
        use diesel::prelude::*;
        use kongress::db::schema::congresses;
        let mut conn = self.conn();
        let id: kongress::domain::CongressId = congresses::table
            .filter(congresses::slug.eq(slug))
            .select(congresses::id)
            .first(&mut *conn)
            .unwrap();
        kongress::services::organizers::grant_role(&mut conn, organizer, id, role).unwrap();
    }

    /// Logs a new browser in and returns it with its CSRF token.
    pub async fn login(&self, email: &str) -> (reqwest::Client, String) {
        let b = browser();
        let page = b
            .get(self.url("/admin/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = csrf_in(&page);
        let r = b
            .post(self.url("/admin/login"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", email),
                ("password", "correct horse battery staple"),
                ("next", "/admin"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "login of {email}");
        // The login rotated the CSRF token: the forms from now on carry the new one.
        let page = b
            .get(self.url("/admin"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let fresh = csrf_in(&page);
        assert_ne!(fresh, token, "login rotates the CSRF token");
        (b, fresh)
    }

    /// A browser that has a CSRF cookie but no session.
    pub async fn anonymous(&self) -> (reqwest::Client, String) {
        let b = browser();
        let page = b
            .get(self.url("/admin/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = csrf_in(&page);
        (b, token)
    }
}

/// A second app instance on the same database (as behind a load balancer).
pub async fn second_instance(first: &TestApp, smtp_url: &str) -> TestApp {
    instance_sharing(first, |settings| {
        settings.workers = Some(2);
        settings.pool_size = 8;
        settings.smtp_url = Some(smtp_url.to_string());
        settings.registration_limit = 10_000;
    })
    .await
}

/// Another app instance on the first one's database, its settings adjusted by `configure`.
pub async fn instance_sharing(first: &TestApp, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let url = first.db.url.clone();
    let mail_dir = tempfile::tempdir().expect("mail dir");
    let mut settings = Settings::from_lookup(|k| match k {
        "DATABASE_URL" => Some(url.clone()),
        "KONGRESS_BIND" => Some("127.0.0.1:0".into()),
        _ => None,
    })
    .expect("settings");
    settings.workers = Some(1);
    settings.mail_dir = mail_dir.path().to_path_buf();
    settings.secret_key = None;
    configure(&mut settings);
    let app = startup::build(settings).expect("another instance builds");
    let handle = app.server.handle();
    tokio::spawn(app.server);
    TestApp {
        base: format!("http://127.0.0.1:{}", app.port),
        client: browser(),
        pool: app.pool,
        queries: app.queries,
        state: app.state,
        // The database belongs to the first instance; this one only borrows it.
        db: TestDb {
            url: first.db.url.clone(),
            admin_url: None,
            name: None,
            _dir: None,
            replaced: AtomicBool::new(false),
        },
        mailer: app.mailer,
        _mail_dir: mail_dir,
        server: handle,
        undelivered_allowed: Mutex::new(None),
    }
}

/// The token of the newest confirmation link mailed to `email`, read from the outbox.
#[allow(dead_code)]
pub fn confirm_token(app: &TestApp, email: &str) -> String {
    use diesel::prelude::*;
    use kongress::db::schema::outbox;
    let mut conn = app.conn();
    let body: String = outbox::table
        .filter(outbox::recipient.eq(email))
        .filter(outbox::kind.eq("confirm-your-registration"))
        .order(outbox::id.desc())
        .select(outbox::body_text)
        .first(&mut *conn)
        .expect("a confirmation email");
    body.split("/r/confirm/")
        .nth(1)
        .expect("a confirmation link")
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect()
}
