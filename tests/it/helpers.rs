use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use kongress::config::Settings;
use kongress::db::{DbConnection, DbPool, PooledConn, QueryCounter};
use kongress::startup::{self, AppState};

mod actions;
#[allow(unused_imports)]
pub use actions::Applicant;

/// A database of its own for one test.
pub struct TestDb {
    pub url: String,
    admin_url: Option<String>,
    name: Option<String>,
    _dir: Option<tempfile::TempDir>,
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
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.name.is_some()
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
    pub fn mail_context(&self) -> kongress::services::registration::MailContext {
        kongress::web::participant::mail_context(&self.state)
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

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the database (and its file or PostgreSQL database) goes with `db`.
        // The stop command is sent on the call; the future only reports completion.
        drop(self.server.stop(false));
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
    pub fn organizer(&self, email: &str, admin: bool) -> i64 {
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

    pub fn grant(&self, organizer: i64, slug: &str, role: &str) {
        use diesel::prelude::*;
        use kongress::db::schema::congresses;
        let mut conn = self.conn();
        let id: i64 = congresses::table
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
        (b, token)
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
        },
        mailer: app.mailer,
        _mail_dir: mail_dir,
        server: handle,
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
