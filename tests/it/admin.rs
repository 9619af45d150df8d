//! The back office: the authorization matrix generated from the route table, CSRF, login.

use diesel::prelude::*;
use kongress::db::schema::{congresses, rooms};
use kongress::web::admin::ADMIN_ROUTES;
use kongress::web::auth::{Access, Role};

use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use kongress::domain::CongressId;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Persona {
    Anonymous,
    OwnerOfOther,
    Checkin,
    Editor,
    Owner,
    InstanceAdmin,
}

const PERSONAS: [Persona; 6] = [
    Persona::Anonymous,
    Persona::OwnerOfOther,
    Persona::Checkin,
    Persona::Editor,
    Persona::Owner,
    Persona::InstanceAdmin,
];

/// Whether the persona passes the route's access rule.
fn allowed(access: Access, p: Persona) -> bool {
    let role = match p {
        Persona::Anonymous => return access == Access::Public,
        Persona::InstanceAdmin => return true,
        Persona::Checkin => Some(Role::Checkin),
        Persona::Editor => Some(Role::Editor),
        Persona::Owner => Some(Role::Owner),
        Persona::OwnerOfOther => None,
    };
    match access {
        Access::Public | Access::Organizer => true,
        Access::Admin => false,
        Access::Congress(needed) => role.is_some_and(|r| r >= needed),
    }
}

fn first_id(app: &TestApp, table: &str, congress: CongressId) -> i64 {
    let mut conn = app.conn();
    match table {
        "room" => rooms::table
            .filter(rooms::congress_id.eq(congress))
            .select(rooms::id)
            .first(&mut *conn)
            .unwrap(),
        "track" => kongress::db::schema::tracks::table
            .filter(kongress::db::schema::tracks::congress_id.eq(congress))
            .select(kongress::db::schema::tracks::id)
            .first(&mut *conn)
            .unwrap(),
        "category" => kongress::db::schema::categories::table
            .filter(kongress::db::schema::categories::congress_id.eq(congress))
            .select(kongress::db::schema::categories::id)
            .first(&mut *conn)
            .unwrap(),
        "question" => kongress::db::schema::questions::table
            .filter(kongress::db::schema::questions::congress_id.eq(congress))
            .select(kongress::db::schema::questions::id)
            .first(&mut *conn)
            .unwrap(),
        "speaker" => kongress::db::schema::speakers::table
            .filter(kongress::db::schema::speakers::congress_id.eq(congress))
            .select(kongress::db::schema::speakers::id)
            .first(&mut *conn)
            .unwrap(),
        "session" => kongress::db::schema::sessions::table
            .filter(kongress::db::schema::sessions::congress_id.eq(congress))
            .select(kongress::db::schema::sessions::id)
            .first(&mut *conn)
            .unwrap(),
        "registration" => crate::people::any_registration(app, congress).get(),
        "group" => kongress::db::schema::slot_groups::table
            .filter(kongress::db::schema::slot_groups::congress_id.eq(congress))
            .select(kongress::db::schema::slot_groups::id)
            .first(&mut *conn)
            .unwrap(),
        // A check-in code that matches nobody: the page says so (200), like an empty search.
        "code" => 0,
        other => panic!("the matrix has no sample for {{{other}}}: add one"),
    }
}

/// The concrete path to request: real ids for GET (the page must render), an id that does not
/// exist for POST (an allowed persona then gets 404 from the handler, changing nothing).
fn sample(app: &TestApp, pattern: &str, slug: &str, congress: CongressId, method: &str) -> String {
    let mut path = pattern.replace("{slug}", slug);
    while let Some(start) = path.find('{') {
        let end = path[start..].find('}').unwrap() + start;
        let name = path[start + 1..end].to_string();
        let id = if method == "post" {
            999_999
        } else {
            first_id(app, &name, congress)
        };
        path.replace_range(start..=end, &id.to_string());
    }
    path
}

#[tokio::test]
async fn authorization_matrix_covers_every_admin_route() {
    let app = spawn_app().await;
    app.allow_undelivered(
        "the matrix's requests queue speaker links and a confirmation; it checks access only",
    );
    let slug = app.load_demo();
    let congress: CongressId = {
        let mut conn = app.conn();
        congresses::table
            .filter(congresses::slug.eq(&slug))
            .select(congresses::id)
            .first(&mut *conn)
            .unwrap()
    };
    {
        let mut conn = app.conn();
        kongress::services::setup::add_question(
            &mut conn,
            congress,
            &kongress::services::setup::QuestionInput {
                label: "Anreise".into(),
                kind: "single_choice".into(),
                options: vec!["Bahn".into(), "Auto".into()],
                required: false,
                position: 0,
            },
            kongress::services::audit::Actor::System,
        )
        .unwrap();
    }
    // A second congress with its own owner.
    let other_owner = app.organizer("other@example.org", false);
    {
        let mut conn = app.conn();
        let c = crate::programme::make_congress(
            &mut conn,
            "anderer-kongress",
            "Europe/Berlin",
            chrono::NaiveDate::from_ymd_opt(2027, 9, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2027, 9, 2).unwrap(),
        );
        kongress::services::organizers::grant_role(&mut conn, other_owner, c, "owner").unwrap();
    }
    let checkin = app.organizer("checkin@example.org", false);
    app.grant(checkin, &slug, "checkin");
    let editor = app.organizer("editor@example.org", false);
    app.grant(editor, &slug, "editor");
    let owner = app.organizer("owner@example.org", false);
    app.grant(owner, &slug, "owner");
    app.organizer("admin@example.org", true);

    let mut browsers = vec![];
    for p in PERSONAS {
        let b = match p {
            Persona::Anonymous => app.anonymous().await,
            Persona::OwnerOfOther => app.login("other@example.org").await,
            Persona::Checkin => app.login("checkin@example.org").await,
            Persona::Editor => app.login("editor@example.org").await,
            Persona::Owner => app.login("owner@example.org").await,
            Persona::InstanceAdmin => app.login("admin@example.org").await,
        };
        browsers.push((p, b));
    }

    // Logging out ends the persona's session: check it last.
    let mut routes: Vec<_> = ADMIN_ROUTES.iter().collect();
    routes.sort_by_key(|r| r.path == "/admin/logout");
    let mut cells = 0;
    for route in routes {
        let path = sample(&app, route.path, &slug, congress, route.method);
        for (persona, (browser, token)) in &browsers {
            let request = match route.method {
                "get" => browser.get(app.url(&path)),
                "post" => browser
                    .post(app.url(&path))
                    .form(&[("csrf_token", token.as_str())]),
                m => panic!("method {m} has no rule in the matrix"),
            };
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            let location = r
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let to_login = status == 303 && location.starts_with("/admin/login");
            let cell = format!(
                "{} {path} as {persona:?}: {status} {location}",
                route.method
            );
            if allowed(route.access, *persona) {
                assert_ne!(status, 403, "{cell}");
                assert!(route.access == Access::Public || !to_login, "{cell}");
                assert!(status < 500, "{cell}");
                if route.method == "get" {
                    assert_eq!(status, 200, "{cell}");
                }
            } else if *persona == Persona::Anonymous {
                assert!(to_login, "{cell}");
            } else {
                assert_eq!(status, 403, "{cell}");
            }
            cells += 1;
        }
    }
    assert_eq!(cells, ADMIN_ROUTES.len() * PERSONAS.len());
    eprintln!(
        "authorization matrix: {} routes x {} personas = {cells} cells",
        ADMIN_ROUTES.len(),
        PERSONAS.len()
    );
}

fn room_count(app: &TestApp) -> i64 {
    let mut conn = app.conn();
    rooms::table.count().get_result(&mut *conn).unwrap()
}

#[tokio::test]
async fn posts_without_the_right_csrf_token_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    app.organizer("admin@example.org", true);
    let (b, token) = app.login("admin@example.org").await;
    let before = room_count(&app);
    let url = app.url(&format!("/admin/{slug}/rooms"));
    let r = b
        .post(&url)
        .form(&[("name", "Ohne Token")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Formular ist abgelaufen"));
    let r = b
        .post(&url)
        .form(&[
            ("csrf_token", "0".repeat(64).as_str()),
            ("name", "Falsches Token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A token that is right for another browser is wrong for this one.
    let (_, other_token) = app.anonymous().await;
    let r = b
        .post(&url)
        .form(&[
            ("csrf_token", other_token.as_str()),
            ("name", "Fremdes Token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(room_count(&app), before);
    let r = b
        .post(&url)
        .form(&[
            ("csrf_token", token.as_str()),
            ("name", "Mit Token"),
            ("capacity", "12"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(room_count(&app), before + 1);
    // Logout is a POST too.
    let r = b.post(app.url("/admin/logout")).send().await.unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn login_failures_keep_the_email_and_slow_down_only_their_own_address() {
    // Behind a reverse proxy on 127.0.0.1, as a town hall runs it.
    let app = spawn_app_with(|s| s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    app.organizer("admin@example.org", true);
    let (b, token) = app.anonymous().await;
    let login = |from: &'static str, password: &'static str| {
        let (b, token) = (b.clone(), token.clone());
        let url = app.url("/admin/login");
        async move {
            b.post(url)
                .header("x-forwarded-for", from)
                .form(&[
                    ("csrf_token", token.as_str()),
                    ("email", "admin@example.org"),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    for attempt in 0..5 {
        let r = login("198.51.100.1", "wrong password!").await;
        assert_eq!(r.status(), 401, "attempt {attempt}");
        let page = r.text().await.unwrap();
        assert!(page.contains("value=\"admin@example.org\""), "email kept");
        assert!(page.contains("stimmen nicht"));
    }
    // Five failures in a row: that address waits, growing with each further failure. (The
    // count is raised here so the wait outlasts a slow test machine: 2^(9-4) = 32 s.)
    {
        use kongress::db::schema::rate_limits;
        diesel::update(rate_limits::table.filter(rate_limits::bucket.like("login-account-ip:%")))
            .set(rate_limits::hits.eq(9))
            .execute(&mut *app.conn())
            .unwrap();
    }
    let r = login("198.51.100.1", "correct horse battery staple").await;
    assert_eq!(r.status(), 429);
    // The organizer, from their own address, is not locked out.
    let r = login("203.0.113.7", "correct horse battery staple").await;
    assert_eq!(r.status(), 303);
    // A forged X-Forwarded-For from an untrusted peer is ignored: the same app without
    // trusted proxies sees every request as 127.0.0.1.
    let plain = spawn_app().await;
    plain.organizer("admin@example.org", true);
    let (b2, token2) = plain.anonymous().await;
    for from in [
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.3",
        "198.51.100.4",
        "198.51.100.5",
    ] {
        let r = b2
            .post(plain.url("/admin/login"))
            .header("x-forwarded-for", from)
            .form(&[
                ("csrf_token", token2.as_str()),
                ("email", "admin@example.org"),
                ("password", "wrong password!"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let n: i64 = {
        use kongress::db::schema::rate_limits;
        rate_limits::table
            .filter(rate_limits::bucket.like("login-account-ip:%"))
            .count()
            .get_result(&mut *plain.conn())
            .unwrap()
    };
    assert_eq!(n, 1, "one bucket: the header did not make five addresses");
}

#[tokio::test]
async fn successful_logins_do_not_count_against_the_address() {
    let app = spawn_app().await;
    app.organizer("admin@example.org", true);
    let (b, mut token) = app.anonymous().await;
    // More than the failures an address may have (`LOGIN_FAILURES_PER_IP`).
    for n in 0..kongress::services::organizers::LOGIN_FAILURES_PER_IP + 5 {
        let r = b
            .post(app.url("/admin/login"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", "admin@example.org"),
                ("password", "correct horse battery staple"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "login {n}");
        // Each login sets a new CSRF token.
        let page = b.get(app.url("/admin/login")).send().await.unwrap();
        token = crate::helpers::csrf_in(&page.text().await.unwrap());
    }
}

#[tokio::test]
async fn login_sets_a_safe_cookie_and_never_redirects_elsewhere() {
    let app = spawn_app().await;
    app.organizer("admin@example.org", true);
    let (b, token) = app.anonymous().await;
    let r = b
        .post(app.url("/admin/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "Admin@Example.org"),
            ("password", "correct horse battery staple"),
            ("next", "https://evil.example/admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("kongress_session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("admin@example.org"));
    assert_eq!(b.get(app.url("/admin")).send().await.unwrap().status(), 200);
    // A forged or tampered cookie is no session.
    let forged = crate::helpers::browser();
    let r = forged
        .get(app.url("/admin"))
        .header(
            "cookie",
            "kongress_session=eyJvIjoxLCJlIjo5OTk5OTk5OTk5LCJwIjoiIn0",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn changing_the_password_logs_out_other_sessions() {
    let app = spawn_app().await;
    app.organizer("admin@example.org", true);
    let (first, token) = app.login("admin@example.org").await;
    let (second, _) = app.login("admin@example.org").await;
    let r = first
        .post(app.url("/admin/password"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("current", "correct horse battery staple"),
            ("new", "an even better passphrase"),
            ("repeat", "an even better passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        first.get(app.url("/admin")).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        second.get(app.url("/admin")).send().await.unwrap().status(),
        303
    );
    let r = first
        .post(app.url("/admin/password"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("current", "nope"),
            ("new", "short"),
            ("repeat", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("mindestens 12 Zeichen"));
}

#[tokio::test]
async fn an_admin_creates_a_congress_and_sets_it_up() {
    let app = spawn_app().await;
    app.organizer("admin@example.org", true);
    let (b, token) = app.login("admin@example.org").await;
    let t = token.as_str();
    // Bad input: 422, messages beside the fields, input kept.
    let r = b
        .post(app.url("/admin/congresses/new"))
        .form(&[
            ("csrf_token", t),
            ("title", "Stadtwerk 2027"),
            ("slug", "Admin"),
            ("time_zone", "Mars/Olympus"),
            ("first_day", "2027-06-02"),
            ("last_day", "2027-06-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("value=\"Stadtwerk 2027\""));
    assert!(
        page.contains("id=\"e-slug\"")
            && page.contains("id=\"e-time_zone\"")
            && page.contains("id=\"e-last_day\"")
    );
    assert!(page.contains("aria-invalid=\"true\""));

    let r = b
        .post(app.url("/admin/congresses/new"))
        .form(&[
            ("csrf_token", t),
            ("title", "Stadtwerk 2027"),
            ("slug", "stadtwerk-2027"),
            ("time_zone", "Europe/Berlin"),
            ("first_day", "2027-06-01"),
            ("last_day", "2027-06-02"),
            ("lang_de", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/admin/stadtwerk-2027/settings?saved=1"
    );
    let page = b
        .get(app.url("/admin/stadtwerk-2027/settings?saved=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Gespeichert.") && page.contains("name=\"day_label\""));
    assert_eq!(
        page.matches("name=\"day\"").count(),
        2,
        "one label row per day"
    );

    // The same slug again is refused on the form.
    let r = b
        .post(app.url("/admin/congresses/new"))
        .form(&[
            ("csrf_token", t),
            ("title", "Doppelt"),
            ("slug", "stadtwerk-2027"),
            ("time_zone", "Europe/Berlin"),
            ("first_day", "2027-06-01"),
            ("last_day", "2027-06-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("schon vergeben"));

    // Rooms: add, duplicate name refused, edit, delete.
    let rooms_url = app.url("/admin/stadtwerk-2027/rooms");
    let r = b
        .post(&rooms_url)
        .form(&[("csrf_token", t), ("name", "Saal"), ("capacity", "200")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = b
        .post(&rooms_url)
        .form(&[("csrf_token", t), ("name", "Saal"), ("capacity", "-3")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("ganze Zahl"));
    let room: i64 = {
        let mut conn = app.conn();
        rooms::table
            .filter(rooms::name.eq("Saal"))
            .select(rooms::id)
            .first(&mut *conn)
            .unwrap()
    };
    let r = b
        .post(app.url(&format!("/admin/stadtwerk-2027/rooms/{room}")))
        .form(&[
            ("csrf_token", t),
            ("name", "Großer Saal"),
            ("capacity", "250"),
            ("accessibility_note", "Rampe am Eingang"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = b
        .get(&rooms_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Großer Saal") && page.contains("Rampe am Eingang"));
    let r = b
        .post(app.url(&format!("/admin/stadtwerk-2027/rooms/{room}/delete")))
        .form(&[("csrf_token", t)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(!b
        .get(&rooms_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .contains("Großer Saal"));

    // Every change is in the audit log with who did it.
    let mut conn = app.conn();
    use kongress::db::schema::audit_log;
    let kinds: Vec<String> = audit_log::table
        .filter(audit_log::organizer_id.is_not_null())
        .order(audit_log::id)
        .select(audit_log::kind)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(
        kinds,
        [
            "congress.created",
            "room.created",
            "room.updated",
            "room.deleted"
        ]
    );
}

/// Every back-office page of a congress has a `<title>` of its own (they shared one).
#[tokio::test]
async fn back_office_pages_have_titles_of_their_own() {
    let app = crate::helpers::spawn_app().await;
    let slug = app.load_demo();
    let o = crate::helpers::office::admin(&app).await;
    let mut seen: std::collections::HashMap<String, String> = Default::default();
    for route in kongress::web::admin::ADMIN_ROUTES {
        let path = route.path.replace("{slug}", &slug);
        if route.method != "get"
            || path.contains('{')
            || !path.starts_with(&format!("/admin/{slug}"))
        {
            continue;
        }
        let (status, page) = o.get(&path).await;
        assert_eq!(status, 200, "{path}");
        if !page.contains("<title>") {
            continue; // the CSV export
        }
        let title =
            page[page.find("<title>").unwrap() + 7..page.find("</title>").unwrap()].to_string();
        if let Some(other) = seen.insert(title.clone(), path.clone()) {
            panic!("{path} and {other} share the title {title}");
        }
    }
    assert!(seen.len() >= 20, "{}", seen.len());
}

/// The session list names roles in German, not by their stored codes.
#[tokio::test]
async fn the_session_list_names_roles_in_the_pages_language() {
    let app = crate::helpers::spawn_app().await;
    let slug = app.load_demo();
    let o = crate::helpers::office::admin(&app).await;
    let (_, page) = o.get(&format!("/admin/{slug}/sessions")).await;
    assert!(!page.contains("(moderator)") && !page.contains("(panelist)"));
    assert!(page.contains("(Moderation)"), "{page}");
}
