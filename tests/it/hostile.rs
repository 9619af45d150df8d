//! Issue 11: memory stays bounded under hostile load. Bodies are capped at 256 KiB (the
//! programme upload at the import limit, and only for an editor of the congress); the CSRF
//! check never reads an upload; password hashes run on a bounded pool.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use diesel::prelude::*;
use kongress::db::schema::organizers;

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

const SIXTEEN_MB: usize = 16 * 1024 * 1024;
const CSRF: &str = "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed";

/// How a hostile request sends its body.
#[derive(Clone, Copy)]
enum Body {
    /// Declares this length, sends only the first 64 KiB.
    Declared(usize),
    /// Chunked, sends this much without the final chunk.
    Chunked(usize),
}

/// Sends a request head and part of its body over a raw connection, then reads the status the
/// server answers. The body is never completed: an answer proves the server did not wait for
/// (or buffer) the rest.
async fn answer_before_the_body_is_sent(
    app: &TestApp,
    path: &str,
    content_type: &str,
    extra_headers: &str,
    body: Body,
) -> u16 {
    let port = app.base.rsplit(':').next().unwrap().to_string();
    let path = path.to_string();
    let content_type = content_type.to_string();
    let extra = extra_headers.to_string();
    tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
        let framing = match body {
            Body::Declared(n) => format!("Content-Length: {n}\r\n"),
            Body::Chunked(_) => "Transfer-Encoding: chunked\r\n".to_string(),
        };
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n\
             {framing}{extra}\r\n"
        );
        s.write_all(head.as_bytes()).unwrap();
        let part = vec![b'a'; 16 * 1024];
        // A write may fail once the server has answered and closed: that is a refusal too.
        let _ = match body {
            Body::Declared(_) => (0..4).try_for_each(|_| s.write_all(&part)),
            Body::Chunked(total) => (0..total / part.len()).try_for_each(|_| {
                s.write_all(format!("{:x}\r\n", part.len()).as_bytes())?;
                s.write_all(&part)?;
                s.write_all(b"\r\n")
            }),
        };
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => panic!("no answer to POST {path} while its body was unsent: {e}"),
            }
        }
        let head = String::from_utf8_lossy(&got);
        head.split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("POST {path}: no status line in {head:?}"))
    })
    .await
    .unwrap()
}

/// A session cookie as the login would set it, for a raw request.
fn session_of(app: &TestApp, organizer: kongress::domain::OrganizerId) -> String {
    let hash: String = organizers::table
        .find(organizer)
        .select(organizers::password_hash)
        .first(&mut *app.conn())
        .unwrap();
    let c = kongress::web::auth::session_cookie(&app.state, organizer, &hash, 0);
    format!("{}={}", c.name(), c.value())
}

const MULTIPART: &str = "multipart/form-data; boundary=xyz";

#[tokio::test]
async fn a_large_upload_is_refused_before_it_is_read_unless_an_editor_sends_it() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let import = format!("/admin/{slug}/import");
    let import_with_token = format!("{import}?csrf_token={CSRF}");
    let csrf_cookie = format!("Cookie: kongress_csrf={CSRF}\r\n");
    let checker = app.organizer("checkin@example.org", false);
    app.grant(checker, &slug, "checkin");
    let editor = app.organizer("editor@example.org", false);
    app.grant(editor, &slug, "editor");
    let cases: Vec<(&str, String, String, Body, u16)> = vec![
        // No cookie at all: beyond the cap, or no CSRF token to match.
        (
            "anywhere",
            "/nowhere/at/all".into(),
            String::new(),
            Body::Declared(SIXTEEN_MB),
            413,
        ),
        (
            "register",
            format!("/{slug}/register"),
            String::new(),
            Body::Declared(SIXTEEN_MB),
            413,
        ),
        (
            "import",
            import.clone(),
            String::new(),
            Body::Declared(SIXTEEN_MB),
            403,
        ),
        (
            "chunked",
            format!("/{slug}/register"),
            String::new(),
            Body::Chunked(1 << 20),
            403,
        ),
        (
            "chunked import",
            import.clone(),
            String::new(),
            Body::Chunked(1 << 20),
            403,
        ),
        // A made-up CSRF pair passes the CSRF check, but not the cap or the access rule.
        (
            "made-up csrf",
            format!("/{slug}/register?csrf_token={CSRF}"),
            csrf_cookie.clone(),
            Body::Declared(SIXTEEN_MB),
            413,
        ),
        (
            "made-up session",
            import_with_token.clone(),
            format!("Cookie: kongress_csrf={CSRF}; kongress_session=forged\r\n"),
            Body::Chunked(1 << 20),
            303,
        ),
        (
            "check-in role",
            import_with_token.clone(),
            format!(
                "Cookie: kongress_csrf={CSRF}; {}\r\n",
                session_of(&app, checker)
            ),
            Body::Declared(SIXTEEN_MB),
            403,
        ),
        // Even an editor's upload stops at the import limit.
        (
            "editor, too large",
            import_with_token.clone(),
            format!(
                "Cookie: kongress_csrf={CSRF}; {}\r\n",
                session_of(&app, editor)
            ),
            Body::Declared(25 * 1024 * 1024),
            413,
        ),
    ];
    for (what, path, headers, body, expected) in cases {
        let started = std::time::Instant::now();
        let status = answer_before_the_body_is_sent(&app, &path, MULTIPART, &headers, body).await;
        assert_eq!(status, expected, "{what}: POST {path}");
        assert!(started.elapsed() < Duration::from_secs(5), "{what}: slow");
    }
    // A chunked form past the cap is cut off at 256 KiB, with a page, not an error.
    let status = answer_before_the_body_is_sent(
        &app,
        &format!("/{slug}/register"),
        "application/x-www-form-urlencoded",
        &format!("{csrf_cookie}X-CSRF-Token: {CSRF}\r\n"),
        Body::Chunked(512 * 1024),
    )
    .await;
    assert_eq!(status, 413);
}

#[tokio::test]
async fn over_cap_bodies_answer_413_with_a_readable_message() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let (b, token) = app.anonymous().await;
    let big = "x".repeat(300 * 1024);
    let r = b
        .post(app.url(&format!("/{slug}/register")))
        .form(&[("csrf_token", token.as_str()), ("first_name", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body = r.text().await.unwrap();
    assert!(body.contains("höchstens 256 KB"), "{body}");
    // Under the old buffering limit of the form extractor (16 KiB), above it now: accepted.
    let answers = "y".repeat(40 * 1024);
    let r = b
        .post(app.url(&format!("/{slug}/register")))
        .form(&[
            ("csrf_token", token.as_str()),
            ("organization", answers.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 413);
    assert!(r.status().as_u16() < 500, "{}", r.status());
    // The API answers with a problem document.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/congresses/{slug}/sessions")))
        .header("Authorization", "Bearer nothing")
        .header("Content-Type", "application/json")
        .body(format!("{{\"title\":\"{big}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
}

/// A login with a wrong password for an account that does not exist (each its own, so the
/// per-account limit never kicks in).
async fn wrong_login(app: &TestApp, n: usize) -> reqwest::Response {
    let (b, token) = app.anonymous().await;
    b.post(app.url("/admin/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", &format!("nobody{n}@example.org")),
            ("password", "not the password at all"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn logins_beyond_the_hashing_pool_wait_briefly_then_get_503_with_retry_after() {
    let app = spawn_app_with(|s| {
        s.hash_threads = 1;
        s.hash_wait = Duration::from_millis(100);
    })
    .await;
    // Something else holds the only hashing slot for longer than a login waits.
    let state = app.state.clone();
    let (taken_tx, taken_rx) = tokio::sync::oneshot::channel();
    let hold = tokio::spawn(async move {
        state
            .hashing
            .run(move || {
                let _ = taken_tx.send(());
                std::thread::sleep(Duration::from_millis(1500));
            })
            .await
    });
    taken_rx.await.unwrap();
    let r = wrong_login(&app, 0).await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    let body = r.text().await.unwrap();
    assert!(body.contains("in ein paar Sekunden"), "{body}");
    assert!(
        body.contains("nobody0@example.org"),
        "the form keeps the email"
    );
    hold.await.unwrap().unwrap();
    assert_eq!(wrong_login(&app, 1).await.status(), 401);

    // Many at once: never more than one hash running, every answer a page (401 or 503).
    let logins: Vec<_> = (2..10).map(|n| wrong_login(&app, n)).collect();
    for r in futures_util::future::join_all(logins).await {
        assert!(matches!(r.status().as_u16(), 401 | 503), "{}", r.status());
    }
    assert_eq!(app.state.hashing.high_water(), 1);
    // And a right password still logs in.
    let id = app.organizer("owner@example.org", false);
    assert!(id.get() > 0);
    app.login("owner@example.org").await;
}
