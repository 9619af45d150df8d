//! Issue 13: control characters stop at the edge, API tokens speak for their creator as they
//! are today, and a logout ends the session on the server.

use diesel::prelude::*;
use kongress::db::schema::{organizers, registrations, sessions};

use crate::helpers::{browser, csrf_in, spawn_app, TestApp};

fn first_day(app: &TestApp) -> String {
    use kongress::db::schema::congresses;
    let mut conn = app.conn();
    let id: kongress::domain::CongressId = congresses::table
        .select(congresses::id)
        .first(&mut *conn)
        .unwrap();
    kongress::services::congress::days(&mut conn, id).unwrap()[0]
        .day
        .to_string()
}

#[tokio::test]
async fn control_characters_are_refused_at_every_kind_of_input() {
    let app = spawn_app().await;
    let slug = app.load_demo();

    // Paths and query strings: 400, on a page (or a problem under /api/).
    for path in [
        format!("/{slug}%00/program"),
        format!("/{slug}/program?day=%00"),
        "/admin/login?next=/admin%0D%0ASet-Cookie:%20x=1".to_string(),
        format!("/{slug}/sessions/1%0A"),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status(), 400, "{path}");
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
    }
    let r = app
        .get(&format!("/api/v1/congresses/{slug}%00/sessions"))
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");

    // The registration form: 422, the field named, the rest of the input kept, nothing stored.
    let (b, token) = app.visitor(&slug).await;
    let day = first_day(&app);
    let r = b
        .post(app.url(&format!("/{slug}/register")))
        .form(&[
            ("csrf_token", token.as_str()),
            ("first_name", "An\0na"),
            ("last_name", "Mül\u{202E}ler"),
            ("email", "anna@example.org"),
            ("organization", "Stadt\r\nBeispiel"),
            ("consent_privacy", "on"),
            ("days", day.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"e-first_name\""), "the field is named");
    assert!(page.contains("Steuerzeichen"), "the message says why");
    assert!(
        page.contains("value=\"Anna\""),
        "the input kept, without the NUL"
    );
    assert!(page.contains("value=\"Müller\""), "the override dropped");
    assert!(page.contains("value=\"anna@example.org\""));
    let n: i64 = registrations::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 0);

    // The back-office login: 422, no lookup of a different address.
    let (b, token) = app.anonymous().await;
    let r = b
        .post(app.url("/admin/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "admin\0@example.org"),
            ("password", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // A `next` with a line break never reaches `Location`.
    let owner = app.organizer("owner@example.org", false);
    app.grant(owner, &slug, "owner");
    let r = b
        .post(app.url("/admin/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "owner@example.org"),
            ("password", "correct horse battery staple"),
            ("next", "/admin\r\nSet-Cookie: evil=1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin");
    assert!(r
        .headers()
        .get_all("set-cookie")
        .iter()
        .all(|c| !c.to_str().unwrap().starts_with("evil")));

    // A back-office form built through the UI: the new-session form.
    let csrf = csrf_in(
        &b.get(app.url(&format!("/admin/{slug}/sessions/new")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let r = b
        .post(app.url(&format!("/admin/{slug}/sessions/new")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "Daten\0plattform"),
            ("kind", "talk"),
            ("language", "de"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("value=\"Datenplattform\""));
    let stored: i64 = sessions::table
        .filter(sessions::title.like("Daten%plattform"))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(stored, 0);

    // Names are isolated from the text around them, whatever their direction.
    let (_, speakers) = app.text(&format!("/{slug}/speakers")).await;
    assert!(speakers.contains("<bdi>"), "speaker names in <bdi>");

    // The API: a 422 problem naming the field by JSON pointer.
    let (_, token) = owner_token(&app, &b, &slug, false).await;
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/congresses/{slug}/sessions")))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"title":"a\u0000b","kind":"talk"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "/title", "{p}");
}

/// Creates an API token in the back office as the signed-in owner; returns its id and value.
async fn owner_token(
    app: &TestApp,
    b: &reqwest::Client,
    slug: &str,
    read_only: bool,
) -> (i64, String) {
    let list = b
        .get(app.url(&format!("/admin/{slug}/api-tokens")))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let csrf = csrf_in(&list.text().await.unwrap());
    let mut form = vec![("csrf_token", csrf.as_str()), ("name", "Programmheft")];
    if read_only {
        form.push(("read_only", "1"));
    }
    let r = b
        .post(app.url(&format!("/admin/{slug}/api-tokens")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let start = page.find("id=\"f-new-token\" readonly value=\"").unwrap() + 33;
    let token = page[start..start + 64].to_string();
    let id = {
        use kongress::db::schema::api_tokens;
        api_tokens::table
            .select(api_tokens::id)
            .order(api_tokens::id.desc())
            .first::<i64>(&mut *app.conn())
            .unwrap()
    };
    (id, token)
}

async fn csv_status(app: &TestApp, slug: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(app.url(&format!("/api/v1/congresses/{slug}/registrations.csv")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_token_stops_working_when_its_creator_leaves_the_team() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let (anna, berta) = (
        app.organizer("anna@example.org", false),
        app.organizer("berta@example.org", false),
    );
    app.grant(anna, &slug, "owner");
    app.grant(berta, &slug, "owner");
    let (a, _) = app.login("anna@example.org").await;
    let (_, token) = owner_token(&app, &a, &slug, false).await;
    let (_, reader) = owner_token(&app, &a, &slug, true).await;
    assert_eq!(csv_status(&app, &slug, &token).await, 200);
    assert_eq!(csv_status(&app, &slug, &reader).await, 200);

    // The list names who made each token and what it may do.
    let list = a
        .get(app.url(&format!("/admin/{slug}/api-tokens")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("anna@example.org") && list.contains("lesen und ändern"));

    // A read-only token cannot write.
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/congresses/{slug}/sessions")))
        .bearer_auth(&reader)
        .header("content-type", "application/json")
        .body(r#"{"title":"Neu","kind":"talk"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["type"], "/api/v1/problems/token-read-only");

    // Berta removes Anna from the team in the back office: Anna's tokens stop at once.
    let (b, _) = app.login("berta@example.org").await;
    let team = b
        .get(app.url(&format!("/admin/{slug}/team")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&team);
    let r = b
        .post(app.url(&format!("/admin/{slug}/team/{anna}/remove")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    for t in [&token, &reader] {
        let r = reqwest::Client::new()
            .get(app.url(&format!("/api/v1/congresses/{slug}/registrations.csv")))
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let p: serde_json::Value = r.json().await.unwrap();
        assert_eq!(p["type"], "/api/v1/problems/token-creator-without-role");
    }
    // Made an editor again, her token works again: the check is at use, nothing was revoked.
    app.grant(anna, &slug, "editor");
    assert_eq!(csv_status(&app, &slug, &token).await, 200);
    // A check-in role is not enough for the API.
    {
        use kongress::db::schema::congress_roles;
        diesel::update(congress_roles::table.filter(congress_roles::organizer_id.eq(anna)))
            .set(congress_roles::role.eq("checkin"))
            .execute(&mut *app.conn())
            .unwrap();
    }
    assert_eq!(csv_status(&app, &slug, &token).await, 403);
}

fn cookie_value(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers().get_all("set-cookie").iter().find_map(|c| {
        let c = c.to_str().ok()?;
        let (k, rest) = c.split_once('=')?;
        (k == name).then(|| rest.split(';').next().unwrap_or("").to_string())
    })
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server_and_login_rotates_the_csrf_token() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let owner = app.organizer("owner@example.org", false);
    app.grant(owner, &slug, "owner");
    let (b, before) = app.anonymous().await;
    let r = b
        .post(app.url("/admin/login"))
        .form(&[
            ("csrf_token", before.as_str()),
            ("email", "owner@example.org"),
            ("password", "correct horse battery staple"),
            ("next", "/admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let session = cookie_value(&r, "kongress_session").expect("a session cookie");
    let rotated = cookie_value(&r, "kongress_csrf").expect("a new CSRF cookie at login");
    assert_ne!(
        rotated, before,
        "the CSRF token planted before the login is replaced"
    );
    assert_eq!(rotated.len(), 64);

    // A copy of the cookie, as an attacker who read it would replay it.
    let replay = || async {
        browser()
            .get(app.url(&format!("/admin/{slug}")))
            .header("cookie", format!("kongress_session={session}"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(replay().await, 200);
    let page = b
        .get(app.url(&format!("/admin/{slug}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&page);
    assert_eq!(csrf, rotated);
    let r = b
        .post(app.url("/admin/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        replay().await,
        303,
        "the copied cookie is dead after logout"
    );
    let epoch: i64 = organizers::table
        .find(owner)
        .select(organizers::session_epoch)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(epoch, 1);
    // Logging in again works.
    app.login("owner@example.org").await;
}

#[tokio::test]
async fn a_post_to_a_page_without_post_is_405_not_a_csrf_refusal() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    for path in [
        format!("/{slug}/program"),
        format!("/{slug}"),
        "/".to_string(),
    ] {
        let r = reqwest::Client::new()
            .post(app.url(&path))
            .form(&[("a", "b")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "{path}");
        assert_eq!(r.headers()["allow"], "GET, HEAD", "{path}");
    }
    // A page that takes POST still wants the CSRF token.
    let r = reqwest::Client::new()
        .post(app.url(&format!("/{slug}/register")))
        .form(&[("a", "b")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn api_errors_are_problems_and_personal_data_is_not_stored_or_shared() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let owner = app.organizer("owner@example.org", false);
    app.grant(owner, &slug, "owner");
    let (b, _) = app.login("owner@example.org").await;
    let (_, token) = owner_token(&app, &b, &slug, true).await;
    let api = reqwest::Client::new();
    let url = |q: &str| app.url(&format!("/api/v1/congresses/{slug}/registrations{q}"));

    let r = api
        .get(url("?page=99999999999999999999"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");

    let r = api
        .get(url("?page=9223372036854775807"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the last page, clamped");

    let r = api.get(url("")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.headers().get("access-control-allow-origin").is_none());

    // The audit log's pages are clamped too (an offset overflow was a 500 on PostgreSQL).
    let r = b
        .get(app.url(&format!("/admin/{slug}/audit?page=9223372036854775807")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn registrations_are_limited_per_client_address_and_per_email() {
    use crate::helpers::spawn_app_with;
    let app = spawn_app_with(|s| {
        s.registration_limit = 2;
        s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let slug = app.load_demo();
    let day = first_day(&app);
    let category: String = {
        use kongress::db::schema::categories;
        categories::table
            .filter(categories::needs_approval.eq(false))
            .filter(categories::quota.is_null())
            .order(categories::id)
            .select(categories::id)
            .first::<i64>(&mut *app.conn())
            .unwrap()
            .to_string()
    };
    let (b, token) = app.visitor(&slug).await;
    let register = |from: &'static str, email: String| {
        let (b, token, day, category) = (b.clone(), token.clone(), day.clone(), category.clone());
        let url = app.url(&format!("/{slug}/register"));
        async move {
            b.post(url)
                .header("x-forwarded-for", from)
                .form(&[
                    ("csrf_token", token.as_str()),
                    ("category", category.as_str()),
                    ("first_name", "Anna"),
                    ("last_name", "Muster"),
                    ("email", email.as_str()),
                    ("consent_privacy", "on"),
                    ("days", day.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(register("198.51.100.1", "a1@example.org".into()).await, 303);
    assert_eq!(register("198.51.100.1", "a2@example.org".into()).await, 303);
    assert_eq!(register("198.51.100.1", "a3@example.org".into()).await, 429);
    // Another visitor behind the same proxy has a bucket of their own.
    assert_eq!(register("198.51.100.2", "b1@example.org".into()).await, 303);
    // One email address, from many addresses: five in ten minutes.
    let mut statuses = vec![];
    for from in [
        "203.0.113.1",
        "203.0.113.2",
        "203.0.113.3",
        "203.0.113.4",
        "203.0.113.5",
        "203.0.113.6",
    ] {
        statuses.push(register(from, "same@example.org".into()).await);
    }
    assert_eq!(statuses, vec![303, 303, 303, 303, 303, 429]);
    app.allow_undelivered("the confirmation mails are not sent in this test");
}

#[tokio::test]
async fn public_reads_answer_cors_preflights_and_expose_their_validators() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let c = reqwest::Client::new();
    for path in [
        format!("/{slug}/schedule.ics"),
        format!("/{slug}/schedule.json"),
        format!("/api/v1/congresses/{slug}/sessions"),
    ] {
        let r = c
            .request(reqwest::Method::OPTIONS, app.url(&path))
            .header("origin", "https://stadt.example")
            .header("access-control-request-method", "GET")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204, "{path}");
        assert_eq!(r.headers()["access-control-allow-origin"], "*", "{path}");
        assert!(r.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("GET"));
        let r = c.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("ETag"));
    }
    // Personal data and writes: an OPTIONS answer, but no CORS.
    for path in [
        format!("/api/v1/congresses/{slug}/registrations"),
        format!("/{slug}/register"),
    ] {
        let r = c
            .request(reqwest::Method::OPTIONS, app.url(&path))
            .header("origin", "https://stadt.example")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204, "{path}");
        assert!(
            r.headers().get("access-control-allow-origin").is_none(),
            "{path}"
        );
        assert!(r.headers()["allow"].to_str().unwrap().ends_with("OPTIONS"));
    }
}
