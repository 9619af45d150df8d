//! `/healthz` and pages during database outages (issue 11): the check must fail when pages
//! would, pages answer 503 with `Retry-After` rather than 500, and the pool recovers by itself
//! once the database is back.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::helpers::{instance_sharing, spawn_app, TestApp};

/// A file this process cannot write, even as root (for whom permission bits do not count: then
/// the immutable attribute). Made writable again on `restore` or drop.
struct ReadOnlyFile {
    path: PathBuf,
    immutable: bool,
}

impl ReadOnlyFile {
    fn make(path: &Path) -> Option<ReadOnlyFile> {
        use std::os::unix::fs::PermissionsExt;
        let writable = |p: &Path| std::fs::OpenOptions::new().write(true).open(p).is_ok();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444)).ok()?;
        let mut guard = ReadOnlyFile {
            path: path.to_path_buf(),
            immutable: false,
        };
        if writable(path) {
            guard.immutable = std::process::Command::new("chattr")
                .arg("+i")
                .arg(path)
                .status()
                .is_ok_and(|s| s.success());
        }
        (!writable(path)).then_some(guard)
    }

    fn restore(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.immutable {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&self.path)
                .status();
            self.immutable = false;
        }
        let _ = std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o644));
    }
}

impl Drop for ReadOnlyFile {
    fn drop(&mut self) {
        self.restore();
    }
}

async fn health(app: &TestApp) -> (u16, serde_json::Value) {
    let r = app.get("/healthz").await;
    (
        r.status().as_u16(),
        r.json().await.expect("healthz is JSON"),
    )
}

/// Polls `/healthz` until `done` holds for its answer; panics after `limit`.
async fn health_until(
    app: &TestApp,
    limit: Duration,
    done: impl Fn(u16, &serde_json::Value) -> bool,
) -> serde_json::Value {
    let start = Instant::now();
    loop {
        let (status, v) = health(app).await;
        if done(status, &v) {
            return v;
        }
        assert!(start.elapsed() < limit, "healthz still {status} {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A login attempt: a page that writes (it counts against the rate limit) before anything else.
async fn try_login(app: &TestApp) -> reqwest::Response {
    let (browser, token) = app.anonymous().await;
    browser
        .post(app.url("/admin/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "nobody@example.org"),
            ("password", "wrong"),
            ("next", "/admin"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_read_only_sqlite_file_fails_health_and_writes_until_it_is_writable_again() {
    let first = spawn_app().await;
    let Some(path) = first.db.sqlite_path() else {
        return; // SQLite only; PostgreSQL has its own outage test below.
    };
    let Some(mut read_only) = ReadOnlyFile::make(&path) else {
        eprintln!("skipped: this machine cannot make a file read-only");
        return;
    };
    // Started on a read-only file: SQLite opens it read-only without a word, reads work.
    let app = instance_sharing(&first, |_| {}).await;
    let (status, v) = health(&app).await;
    assert_eq!(status, 503, "{v}");
    assert_eq!(v["status"], "error");
    assert_eq!(v["database"], "ok");
    assert!(
        v["writable"].as_str().unwrap().starts_with("read-only"),
        "{v}"
    );
    let r = try_login(&app).await;
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Vorübergehend nicht erreichbar") && page.contains("Temporarily unavailable")
    );

    // Writable again: the pool drops its read-only connections and recovers by itself.
    read_only.restore();
    let v = health_until(&app, Duration::from_secs(10), |s, _| s == 200).await;
    assert_eq!(v["writable"], "ok");
    assert_eq!(
        try_login(&app).await.status(),
        401,
        "the write goes through again"
    );
}

#[tokio::test]
async fn a_dropped_postgres_database_is_503_until_its_schema_is_back() {
    let app = spawn_app().await;
    if !app.db.is_postgres() {
        return; // PostgreSQL only.
    }
    assert_eq!(health(&app).await.0, 200);
    app.db.drop_database();
    let (status, v) = health(&app).await;
    assert_eq!(status, 503, "{v}");
    assert_eq!(v["database"], "unavailable");
    let r = app.get("/").await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    assert!(r.text().await.unwrap().contains("Temporarily unavailable"));

    // An empty database of the same name answers `SELECT 1`, but it is not ours.
    app.db.create_empty_database();
    let v = health_until(&app, Duration::from_secs(15), |_, v| {
        v["database"] == "schema missing"
    })
    .await;
    assert_eq!(v["status"], "error");
    assert_eq!(health(&app).await.0, 503);
}
