//! The route tables, walked: every route of `SITE_ROUTES` answers its access rule (anyone, the
//! holder of a participant's or speaker's link, an API token of the congress), every route of
//! both tables answers a method it does not have with 405 and `Allow`, and the back office's
//! navigation shows each role what the table lets it open.

use std::collections::BTreeMap;

use diesel::prelude::*;
use kongress::db::rows;
use kongress::db::schema::{registrations, speakers};
use kongress::services::registration::{self as reg, Confirmation};
use kongress::services::{allocation, api_tokens, now_utc, speaker_portal};
use kongress::web::admin::ADMIN_ROUTES;
use kongress::web::auth::{SiteAccess, SiteRoute};
use kongress::web::SITE_ROUTES;
use reqwest::{Method, StatusCode};

use crate::helpers::{confirm_token, spawn_app, Applicant, TestApp};

/// A token nobody was given (the right shape, so the lookup runs).
const MADE_UP: &str = "abababababababababababababababababababababababababababababababab";

/// The placeholders samples may use; a test fills each in.
const PLACEHOLDERS: &[&str] = &[
    "{slug}",
    "{session}",
    "{speaker}",
    "{manage_token}",
    "{confirm_token}",
    "{speaker_token}",
];

/// Whether `sample` is a path the pattern `pattern` matches (a `{…}` of the pattern matches
/// anything but `/` and the empty string).
fn matches(pattern: &str, sample: &str) -> bool {
    match pattern.find('{') {
        None => pattern == sample,
        Some(open) => {
            let close = open + pattern[open..].find('}').unwrap();
            let (literal, rest) = (&pattern[..open], &pattern[close + 1..]);
            let Some(tail) = sample.strip_prefix(literal) else {
                return false;
            };
            (1..=tail.len())
                .take_while(|&n| !tail[..n].contains('/'))
                .any(|n| matches(rest, &tail[n..]))
        }
    }
}

/// Routes by path, with their methods in table order.
fn resources<'a>(
    routes: impl Iterator<Item = (&'a str, &'a str)>,
) -> BTreeMap<&'a str, Vec<&'a str>> {
    let mut by_path: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (path, method) in routes {
        let methods = by_path.entry(path).or_default();
        assert!(!methods.contains(&method), "{method} {path} twice");
        methods.push(method);
    }
    by_path
}

#[test]
fn every_site_route_has_samples_of_its_own_pattern() {
    resources(SITE_ROUTES.iter().map(|r| (r.path, r.method)));
    for r in SITE_ROUTES {
        assert!(
            !r.samples.is_empty(),
            "{} {} has no sample: add one to the table in src/web/mod.rs",
            r.method,
            r.path
        );
        for s in r.samples {
            assert!(matches(r.path, s), "{s} is not a path of {}", r.path);
            let mut rest = s.to_string();
            for p in PLACEHOLDERS {
                rest = rest.replace(p, "x");
            }
            assert!(
                !rest.contains('{'),
                "{s}: the route test fills in only {PLACEHOLDERS:?}"
            );
        }
    }
    assert!(matches("/{slug}/schedule.{ext}", "/a-b/schedule.xml"));
    assert!(!matches("/{slug}/schedule.{ext}", "/a/b/schedule.xml"));
    assert!(!matches("/r/{token}", "/r/"));
}

/// What a test of the site needs at hand: the demo, a session with its speaker and that
/// speaker's link, two workshops (one first-come, one in a ranked block) and API tokens.
struct Stage {
    slug: String,
    session: i64,
    speaker: i64,
    speaker_token: String,
    first_come: kongress::domain::SessionId,
    /// Another workshop of the first-come block (what a swap asks for).
    swap_to: kongress::domain::SessionId,
    ranked: (kongress::domain::SlotGroupId, kongress::domain::SessionId),
    api_token: String,
    other_congress_token: String,
    made: std::cell::Cell<usize>,
}

impl Stage {
    async fn new(app: &TestApp) -> Stage {
        let slug = app.load_demo();
        let congress = app.congress_row();
        // A published session with a speaker, from the API (as the public pages show it).
        let c = app.json(&format!("/api/v1/congresses/{slug}")).await;
        let s = c["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| !s["speakers"].as_array().unwrap().is_empty())
            .unwrap();
        let (session, speaker) = (
            s["id"].as_i64().unwrap(),
            s["speakers"][0]["id"].as_i64().unwrap(),
        );
        let ctx = app.mail_context();
        let mut conn = app.conn();
        let sp: rows::Speaker = speakers::table
            .find(speaker)
            .select(rows::Speaker::as_select())
            .first(&mut *conn)
            .unwrap();
        let speaker_token = speaker_portal::issue_link(&mut conn, &ctx, &sp, now_utc()).unwrap();
        let groups = allocation::groups(&mut conn, congress.id).unwrap();
        let first_of = |conn: &mut kongress::db::DbConnection,
                        group: kongress::domain::SlotGroupId|
         -> kongress::domain::SessionId {
            kongress::db::schema::sessions::table
                .filter(kongress::db::schema::sessions::slot_group_id.eq(group))
                .order(kongress::db::schema::sessions::id)
                .select(kongress::db::schema::sessions::id)
                .first(conn)
                .unwrap()
        };
        let first_come = first_of(&mut conn, groups[0].id);
        let swap_to: kongress::domain::SessionId = kongress::db::schema::sessions::table
            .filter(kongress::db::schema::sessions::slot_group_id.eq(groups[0].id))
            .filter(kongress::db::schema::sessions::id.ne(first_come))
            .order(kongress::db::schema::sessions::id)
            .select(kongress::db::schema::sessions::id)
            .first(&mut *conn)
            .unwrap();
        let ranked_group = groups[1].id;
        allocation::set_mode(
            &mut conn,
            congress.id,
            ranked_group,
            "ranked",
            3,
            None,
            kongress::services::audit::Actor::System,
        )
        .unwrap();
        let ranked = (ranked_group, first_of(&mut conn, ranked_group));
        drop(conn);
        let organizer = app.organizer("api@example.org", false);
        app.grant(organizer, &slug, "owner");
        let mut conn = app.conn();
        let (_, api_token) =
            api_tokens::create(&mut conn, congress.id, organizer, "route test", false).unwrap();
        let other = crate::programme::make_congress(
            &mut conn,
            "anderer-kongress",
            "Europe/Berlin",
            chrono::NaiveDate::from_ymd_opt(2027, 9, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2027, 9, 2).unwrap(),
        );
        let (_, other_congress_token) =
            api_tokens::create(&mut conn, other, organizer, "elsewhere", false).unwrap();
        Stage {
            slug,
            session,
            speaker,
            speaker_token,
            first_come,
            swap_to,
            ranked,
            api_token,
            other_congress_token,
            made: std::cell::Cell::new(0),
        }
    }

    /// A new registration, pending: its confirmation token and id.
    fn pending(&self, app: &TestApp) -> (String, kongress::domain::RegistrationId) {
        let n = self.made.get() + 1;
        self.made.set(n);
        let email = format!("route-{n}@example.org");
        let id = app.register_directly(Applicant::new("Route", "Probe", &email));
        (confirm_token(app, &email), id)
    }

    /// A new registration, confirmed and holding a seat in the first-come workshop: the token
    /// of its private page.
    fn confirmed(&self, app: &TestApp) -> String {
        let (token, id) = self.pending(app);
        let ctx = app.mail_context();
        let mut conn = app.conn();
        let Confirmation::Done { manage_token, .. } =
            reg::confirm(&mut conn, &token, &ctx, now_utc()).unwrap()
        else {
            panic!("confirms");
        };
        reg::participant_enroll(&mut conn, id, self.first_come, now_utc()).unwrap();
        manage_token
    }

    /// A sample with everything but the link filled in.
    fn path(&self, sample: &str) -> String {
        sample
            .replace("{slug}", &self.slug)
            .replace("{session}", &self.session.to_string())
            .replace("{speaker}", &self.speaker.to_string())
    }

    /// A sample with a real link of the kind it names.
    fn with_real_link(&self, app: &TestApp, sample: &str) -> String {
        let path = self.path(sample);
        if path.contains("{confirm_token}") {
            path.replace("{confirm_token}", &self.pending(app).0)
        } else if path.contains("{manage_token}") {
            path.replace("{manage_token}", &self.confirmed(app))
        } else {
            path.replace("{speaker_token}", &self.speaker_token)
        }
    }

    /// What a POST sends, so that, with a real link, the handler does what it is for.
    fn form(&self, route: &SiteRoute, csrf: &str) -> Vec<(&'static str, String)> {
        let mut form = vec![("csrf_token", csrf.to_string())];
        match route.path {
            "/r/{token}/enroll" | "/r/{token}/leave" => {
                form.push(("session", self.first_come.to_string()))
            }
            "/r/{token}/swap" => {
                form.push(("session", self.swap_to.to_string()));
                form.push(("with", self.first_come.to_string()));
            }
            "/r/{token}/ranking" => {
                form.push(("group", self.ranked.0.to_string()));
                form.push(("choice_1", self.ranked.1.to_string()));
            }
            "/speaker/{token}/profile" => form.push(("name", "Probe Speaker".into())),
            "/speaker/{token}/sessions/{id}" => form.push(("answer", "confirmed".into())),
            _ => {}
        }
        form
    }
}

fn method_of(m: &str) -> Method {
    Method::from_bytes(m.to_ascii_uppercase().as_bytes()).unwrap()
}

#[tokio::test]
async fn every_site_route_answers_its_access_rule() {
    let app = spawn_app().await;
    let stage = Stage::new(&app).await;
    let (b, csrf) = app.anonymous().await;
    let mut checked = 0;
    for route in SITE_ROUTES {
        let method = method_of(route.method);
        for sample in route.samples {
            let what = format!("{} {sample}", route.method);
            let send = |path: String, token: Option<&str>| {
                let mut r = b.request(method.clone(), app.url(&path));
                if method != Method::GET {
                    r = r.form(&stage.form(route, &csrf));
                }
                if let Some(t) = token {
                    r = r.bearer_auth(t);
                }
                r.send()
            };
            match route.access {
                SiteAccess::Anyone => {
                    let r = send(stage.path(sample), None).await.unwrap();
                    let status = r.status();
                    if method == Method::GET {
                        assert_eq!(status, 200, "{what}");
                        let h = r.headers();
                        assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
                        let csp = h["content-security-policy"].to_str().unwrap();
                        assert!(csp.contains("frame-ancestors 'none'"), "{what}");
                        assert!(!csp.contains("unsafe-inline"), "{what}");
                        assert!(h.contains_key("referrer-policy"), "{what}");
                    } else {
                        // An empty form: refused as a form, not as a request.
                        assert!(
                            !matches!(status.as_u16(), 401 | 403 | 404 | 405)
                                && !status.is_server_error(),
                            "{what}: {status}"
                        );
                    }
                }
                SiteAccess::ParticipantLink | SiteAccess::SpeakerLink => {
                    let token = if route.access == SiteAccess::SpeakerLink {
                        "{speaker_token}"
                    } else if sample.contains("{confirm_token}") {
                        "{confirm_token}"
                    } else {
                        "{manage_token}"
                    };
                    assert!(sample.contains(token), "{what}: the sample names its link");
                    let made_up = stage.path(sample).replace(token, MADE_UP);
                    let r = send(made_up, None).await.unwrap();
                    assert_eq!(r.status(), 404, "{what} with a made-up link");
                    assert!(
                        r.headers()["content-type"]
                            .to_str()
                            .unwrap()
                            .starts_with("text/html"),
                        "{what}: the 404 page"
                    );
                    let real = stage.with_real_link(&app, sample);
                    let r = send(real, None).await.unwrap();
                    // A POST's empty form may also come back as a form with its errors (422).
                    assert!(
                        matches!(r.status().as_u16(), 200 | 303)
                            || (method != Method::GET && r.status() == 422),
                        "{what} with a real link: {}",
                        r.status()
                    );
                    if token == "{confirm_token}" {
                        // An expired confirmation link says so.
                        let (t, id) = stage.pending(&app);
                        let mut conn = app.conn();
                        diesel::update(registrations::table.find(id))
                            .set(
                                registrations::confirm_expires_at
                                    .eq(Some(now_utc() - chrono::Duration::hours(1))),
                            )
                            .execute(&mut *conn)
                            .unwrap();
                        drop(conn);
                        let path = stage.path(sample).replace(token, &t);
                        let r = send(path, None).await.unwrap();
                        assert_eq!(r.status(), 410, "{what} with an expired link");
                    }
                }
                SiteAccess::ApiToken => {
                    let path = stage.path(sample);
                    let r = send(path.clone(), None).await.unwrap();
                    assert_eq!(r.status(), 401, "{what} without a token");
                    assert_eq!(r.headers()["content-type"], "application/problem+json");
                    assert!(r.headers().contains_key("www-authenticate"), "{what}");
                    let r = send(path.clone(), Some(&stage.other_congress_token))
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 403, "{what} with another congress's token");
                    assert_eq!(r.headers()["content-type"], "application/problem+json");
                    let r = send(path, Some(&stage.api_token)).await.unwrap();
                    let status = r.status();
                    if method == Method::GET {
                        assert_eq!(status, 200, "{what} with the congress's token");
                    } else {
                        assert!(
                            !matches!(status.as_u16(), 401 | 403) && !status.is_server_error(),
                            "{what} with the congress's token: {status}"
                        );
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= SITE_ROUTES.len());
    // What no route of the table matches.
    let (s, _) = app.text("/no/such/page").await;
    assert_eq!(s, 404);
    let r = app.get("/api/v1/nothing-here").await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    eprintln!(
        "route table: {} site routes, {checked} samples, {} registrations made",
        SITE_ROUTES.len(),
        stage.made.get()
    );
    app.mailer.drain().await.unwrap();
}

/// A path of `pattern` in the demo's congress, with any id (the handler is not reached).
fn any_ids(pattern: &str, slug: &str) -> String {
    let mut path = pattern.replace("{slug}", slug);
    while let Some(open) = path.find('{') {
        let close = open + path[open..].find('}').unwrap();
        path.replace_range(open..=close, "1");
    }
    path
}

#[tokio::test]
async fn a_method_a_route_does_not_have_is_405_with_allow() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    app.organizer("admin@example.org", true);
    // The back office answers after its access rule: ask as someone who passes every rule.
    let (b, csrf) = app.login("admin@example.org").await;
    let site = resources(SITE_ROUTES.iter().map(|r| (r.path, r.method)));
    let admin = resources(ADMIN_ROUTES.iter().map(|r| (r.path, r.method)));
    // A route without a sample (which the test above refuses) is still asked here.
    let samples: BTreeMap<&str, String> = SITE_ROUTES
        .iter()
        .map(|r| {
            let s = r.samples.first().copied().unwrap_or(r.path);
            let s = PLACEHOLDERS[3..]
                .iter()
                .fold(s.to_string(), |s, p| s.replace(p, MADE_UP));
            (r.path, any_ids(&s, &slug))
        })
        .collect();
    let mut cells = 0;
    for (table, resources) in [("site", &site), ("admin", &admin)] {
        for (pattern, methods) in resources {
            let path = match table {
                "site" => samples[pattern].clone(),
                _ => any_ids(pattern, &slug),
            };
            let allow = kongress::web::http::allow_header(methods);
            for m in ["get", "post", "put", "delete", "patch"] {
                if methods.contains(&m) {
                    continue;
                }
                let r = b
                    .request(method_of(m), app.url(&path))
                    .header("x-csrf-token", &csrf)
                    .send()
                    .await
                    .unwrap();
                let what = format!("{m} {path} ({table} route {pattern})");
                assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{what}");
                assert_eq!(
                    r.headers().get("allow").map(|v| v.to_str().unwrap()),
                    Some(allow.as_str()),
                    "{what}"
                );
                if path.starts_with("/api/") {
                    assert_eq!(r.headers()["content-type"], "application/problem+json");
                    let p: serde_json::Value = r.json().await.unwrap();
                    assert_eq!(p["status"], 405, "{what}");
                }
                cells += 1;
            }
        }
    }
    eprintln!(
        "405 with Allow: {} site and {} admin resources, {cells} requests",
        site.len(),
        admin.len()
    );
}

/// The congress navigation of a back-office page: (href, whether it is the current page).
fn nav_of(html: &str) -> Vec<(String, bool)> {
    let Some(nav) = html.split("<nav class=\"congress office-wide\"").nth(1) else {
        return vec![];
    };
    let nav = nav.split("</nav>").next().unwrap();
    nav.split("<li><a href=\"")
        .skip(1)
        .map(|li| {
            let href = li.split('"').next().unwrap().to_string();
            let current = li
                .split('>')
                .next()
                .unwrap()
                .contains("aria-current=\"page\"");
            (href, current)
        })
        .collect()
}

#[tokio::test]
async fn the_back_office_navigation_shows_each_role_what_the_table_lets_it_open() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    for (who, role) in [
        ("checkin", "checkin"),
        ("editor", "editor"),
        ("owner", "owner"),
    ] {
        let id = app.organizer(&format!("{who}@example.org"), false);
        app.grant(id, &slug, role);
    }
    app.organizer("admin@example.org", true);
    let owner_only = [
        "settings",
        "questions",
        "categories",
        "api-tokens",
        "privacy",
        "team",
    ];
    let all = [
        "",
        "settings",
        "registrations",
        "seats",
        "allocation",
        "checkin",
        "mail",
        "sessions",
        "schedule",
        "blocks",
        "rooms",
        "tracks",
        "speakers",
        "speaker-links",
        "questions",
        "categories",
        "audit",
        "api-tokens",
        "privacy",
        "team",
    ];
    let page = |p: &str| {
        if p.is_empty() {
            format!("/admin/{slug}")
        } else {
            format!("/admin/{slug}/{p}")
        }
    };
    let public = format!("/{slug}");
    for who in ["checkin", "editor", "owner", "admin"] {
        let expected: Vec<String> = match who {
            // The check-in desk sees the check-in and nothing else.
            "checkin" => vec![page("checkin")],
            "editor" => all
                .iter()
                .filter(|p| !owner_only.contains(p))
                .map(|p| page(p))
                .chain([public.clone()])
                .collect(),
            _ => all
                .iter()
                .map(|p| page(p))
                .chain([public.clone()])
                .collect(),
        };
        let (b, _) = app.login(&format!("{who}@example.org")).await;
        // The check-in page is open to every role.
        let html = b
            .get(app.url(&page("checkin")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let nav = nav_of(&html);
        let hrefs: Vec<String> = nav.iter().map(|(h, _)| h.clone()).collect();
        assert_eq!(hrefs, expected, "navigation of the {who}");
        let current: Vec<&String> = nav.iter().filter(|(_, c)| *c).map(|(h, _)| h).collect();
        assert_eq!(
            current,
            [&page("checkin")],
            "{who}: the page shown is marked"
        );
        // Every entry opens for them; what the owner sees more is closed to the editor.
        for href in &hrefs {
            let r = b.get(app.url(href)).send().await.unwrap();
            assert_eq!(r.status(), 200, "{who} opens {href}");
        }
        if who == "editor" {
            for p in owner_only {
                let r = b.get(app.url(&page(p))).send().await.unwrap();
                assert_eq!(r.status(), 403, "{who} opens {p}");
            }
        }
        // Creating a congress is offered to whoever may.
        let index = b
            .get(app.url("/admin"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            index.contains("href=\"/admin/congresses/new\""),
            who == "admin",
            "{who}: the new-congress button"
        );
    }
}

#[tokio::test]
async fn head_answers_every_get_route_like_get_without_a_body() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    app.organizer("admin@example.org", true);
    let (b, _) = app.login("admin@example.org").await;
    let mut paths: Vec<String> = SITE_ROUTES
        .iter()
        .filter(|r| r.method == "get")
        .map(|r| {
            let s = r.samples.first().copied().unwrap_or(r.path);
            let s = PLACEHOLDERS[3..]
                .iter()
                .fold(s.to_string(), |s, p| s.replace(p, MADE_UP));
            any_ids(&s, &slug)
        })
        .collect();
    paths.extend(
        ADMIN_ROUTES
            .iter()
            .filter(|r| r.method == "get")
            .map(|r| any_ids(r.path, &slug)),
    );
    for path in &paths {
        let get = b.get(app.url(path)).send().await.unwrap();
        let head = b.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        assert_eq!(
            head.headers().get("content-type"),
            get.headers().get("content-type"),
            "HEAD {path}"
        );
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path}: no body"
        );
    }
    eprintln!("HEAD like GET on {} routes", paths.len());
}
