use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_reports_the_database() {
    let app = spawn_app().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        v,
        serde_json::json!({"status": "ok", "database": "ok", "writable": "ok"})
    );
}

#[tokio::test]
async fn congress_list_has_the_fields_of_the_spec() {
    let app = spawn_app().await;
    assert_eq!(app.json("/api/v1/congresses").await, serde_json::json!([]));
    let slug = app.load_demo();
    let list = app.json("/api/v1/congresses").await;
    let c = &list[0];
    let mut keys: Vec<&str> = c.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["first_day", "last_day", "slug", "time_zone", "title"]
    );
    assert_eq!(c["slug"], slug.as_str());
    assert_eq!(c["time_zone"], "Europe/Berlin");
}

#[tokio::test]
async fn congress_detail_has_days_rooms_tracks_and_sessions() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let r = app.get(&format!("/api/v1/congresses/{slug}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let c: serde_json::Value = r.json().await.unwrap();
    assert_eq!(c["days"].as_array().unwrap().len(), 2);
    let rooms = c["rooms"].as_array().unwrap();
    assert_eq!(rooms.len(), 14);
    for r in rooms {
        assert!(r["id"].is_i64() && r["name"].is_string() && r["capacity"].is_i64());
    }
    assert!(!c["tracks"].as_array().unwrap().is_empty());
    let sessions = c["sessions"].as_array().unwrap();
    for s in sessions {
        for key in [
            "id",
            "title",
            "kind",
            "room_id",
            "start",
            "end",
            "capacity",
            "enrolled",
            "waitlisted",
            "speakers",
        ] {
            assert!(s.get(key).is_some(), "session lacks {key}: {s}");
        }
        // RFC 3339 with the congress's offset (winter: +01:00).
        let start = s["start"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(start).is_ok(),
            "{start}"
        );
        assert!(start.ends_with("+01:00"), "{start}");
        for sp in s["speakers"].as_array().unwrap() {
            assert!(sp["name"].is_string());
            assert!(["speaker", "moderator", "panelist"].contains(&sp["role"].as_str().unwrap()));
        }
    }
    // Day 2: two slots of eleven parallel workshops, each with 25–40 seats.
    let mut slots: std::collections::BTreeMap<&str, Vec<&serde_json::Value>> = Default::default();
    for s in sessions.iter().filter(|s| s["kind"] == "workshop") {
        slots
            .entry(s["start"].as_str().unwrap())
            .or_default()
            .push(s);
    }
    assert_eq!(slots.len(), 2);
    for (start, ws) in &slots {
        assert_eq!(ws.len(), 11, "slot {start}");
        let rooms: std::collections::HashSet<i64> =
            ws.iter().map(|w| w["room_id"].as_i64().unwrap()).collect();
        assert_eq!(rooms.len(), 11, "each workshop in its own room");
        for w in ws {
            let cap = w["capacity"].as_i64().unwrap();
            assert!((25..=40).contains(&cap));
            assert_eq!(w["enrolled"], 0);
        }
    }
}

#[tokio::test]
async fn unknown_or_unpublished_congress_is_a_problem_404() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/congresses/nope").await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["status"], 404);
}

mod v1 {
    use diesel::prelude::*;
    use kongress::db::schema::{api_tokens, congresses, rooms, sessions};
    use kongress::services::api_tokens as tokens;

    use crate::helpers::{spawn_app, TestApp};

    fn congress_id(app: &TestApp, slug: &str) -> kongress::domain::CongressId {
        let mut conn = app.conn();
        congresses::table
            .filter(congresses::slug.eq(slug))
            .select(congresses::id)
            .first(&mut *conn)
            .unwrap()
    }

    fn token_for(app: &TestApp, slug: &str) -> String {
        let owner = app.organizer(&format!("api-{slug}@example.org"), false);
        app.grant(owner, slug, "owner");
        let mut conn = app.conn();
        tokens::create(&mut conn, congress_id(app, slug), owner, "test", false)
            .unwrap()
            .1
    }

    async fn call(
        app: &TestApp,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let mut r = app.client.request(method, app.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let (s, h) = (r.status().as_u16(), r.headers().clone());
        (s, h, r.text().await.unwrap())
    }

    fn assert_problem(
        h: &reqwest::header::HeaderMap,
        body: &str,
        status: u16,
    ) -> serde_json::Value {
        assert_eq!(h["content-type"], "application/problem+json", "{body}");
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["status"], status, "{body}");
        assert!(v["title"].is_string() && v["detail"].is_string() && v["type"].is_string());
        v
    }

    #[tokio::test]
    async fn the_openapi_document_covers_every_api_route() {
        let app = spawn_app().await;
        let doc = app.json("/api/v1/openapi.json").await;
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let paths = doc["paths"].as_object().unwrap();
        // Every API route and method of the route table is described, and those that need a
        // token say so.
        for r in kongress::web::SITE_ROUTES {
            if r.path.starts_with("/api/v1/") && r.path != "/api/v1/openapi.json" {
                let op = &paths[r.path][r.method];
                assert!(
                    op.is_object(),
                    "{} {} missing from openapi.json",
                    r.method,
                    r.path
                );
                let bearer = op["security"][0]["bearer"].is_array();
                assert_eq!(
                    bearer,
                    r.access == kongress::web::auth::SiteAccess::ApiToken,
                    "{} {}: security of the document and access rule of the table agree",
                    r.method,
                    r.path
                );
            }
        }
        for (path, method) in [
            ("/api/v1/congresses/{slug}/sessions", "post"),
            ("/api/v1/congresses/{slug}/sessions/{id}", "put"),
            ("/api/v1/congresses/{slug}/sessions/{id}/schedule", "put"),
            ("/api/v1/congresses/{slug}/sessions/{id}/schedule", "delete"),
            ("/api/v1/congresses/{slug}/registrations", "get"),
            ("/api/v1/congresses/{slug}/registrations.csv", "get"),
        ] {
            let op = &paths[path][method];
            assert!(op.is_object(), "{method} {path}");
            assert!(
                op["security"][0]["bearer"].is_array(),
                "{method} {path} needs a token"
            );
        }
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        assert!(doc["components"]["schemas"]["SessionOut"].is_object());
    }

    #[tokio::test]
    async fn public_reads_of_sessions_speakers_and_rooms() {
        let app = spawn_app().await;
        let slug = app.load_demo();
        let sessions = app
            .json(&format!("/api/v1/congresses/{slug}/sessions"))
            .await;
        let first = &sessions[0];
        let id = first["id"].as_i64().unwrap();
        let one = app
            .json(&format!("/api/v1/congresses/{slug}/sessions/{id}"))
            .await;
        assert_eq!(&one, first);
        assert!(first["start"].as_str().unwrap().ends_with("+01:00"));
        let speakers = app
            .json(&format!("/api/v1/congresses/{slug}/speakers"))
            .await;
        let sp = speakers
            .as_array()
            .unwrap()
            .iter()
            .find(|s| !s["sessions"].as_array().unwrap().is_empty())
            .unwrap();
        assert!(sp.get("email").is_none(), "never the email");
        let sid = sp["id"].as_i64().unwrap();
        assert_eq!(
            &app.json(&format!("/api/v1/congresses/{slug}/speakers/{sid}"))
                .await,
            sp
        );
        let rooms = app.json(&format!("/api/v1/congresses/{slug}/rooms")).await;
        assert_eq!(rooms.as_array().unwrap().len(), 14);
        for path in [
            "/api/v1/congresses/nope/sessions".to_string(),
            format!("/api/v1/congresses/{slug}/sessions/999999"),
            format!("/api/v1/congresses/{slug}/speakers/x"),
            "/api/v1/nothing-here".to_string(),
        ] {
            let (s, h, body) = call(&app, reqwest::Method::GET, &path, None, None).await;
            assert_eq!(s, 404, "{path}");
            assert_problem(&h, &body, 404);
        }
    }

    #[tokio::test]
    async fn writes_need_a_valid_token_of_the_congress() {
        let app = spawn_app().await;
        let slug = app.load_demo();
        let other = {
            let mut conn = app.conn();
            crate::programme::make_congress(
                &mut conn,
                "anderer-kongress",
                "Europe/Berlin",
                chrono::NaiveDate::from_ymd_opt(2027, 9, 1).unwrap(),
                chrono::NaiveDate::from_ymd_opt(2027, 9, 2).unwrap(),
            );
            "anderer-kongress"
        };
        let mine = token_for(&app, &slug);
        let theirs = token_for(&app, other);
        let body = serde_json::json!({"title": "Neu", "kind": "talk"});
        let post = format!("/api/v1/congresses/{slug}/sessions");
        let list = format!("/api/v1/congresses/{slug}/registrations");
        for path in [&post, &list] {
            let method = if path == &post {
                reqwest::Method::POST
            } else {
                reqwest::Method::GET
            };
            let (s, h, b) = call(&app, method.clone(), path, None, Some(body.clone())).await;
            assert_eq!(s, 401, "no token: {path}");
            assert!(h["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer"));
            assert_problem(&h, &b, 401);
            let (s, h, b) = call(
                &app,
                method.clone(),
                path,
                Some(&"ab".repeat(32)),
                Some(body.clone()),
            )
            .await;
            assert_eq!(s, 401, "unknown token");
            assert_problem(&h, &b, 401);
            let (s, h, b) = call(
                &app,
                method.clone(),
                path,
                Some(&theirs),
                Some(body.clone()),
            )
            .await;
            assert_eq!(s, 403, "another congress's token");
            assert_problem(&h, &b, 403);
        }
        let (s, _, _) = call(&app, reqwest::Method::GET, &list, Some(&mine), None).await;
        assert_eq!(s, 200);
        // Revoked: refused at once.
        {
            let mut conn = app.conn();
            let id: kongress::domain::ApiTokenId = api_tokens::table
                .filter(api_tokens::congress_id.eq(congress_id(&app, &slug)))
                .select(api_tokens::id)
                .first(&mut *conn)
                .unwrap();
            tokens::revoke(
                &mut conn,
                congress_id(&app, &slug),
                id,
                kongress::services::audit::Actor::System,
            )
            .unwrap();
        }
        let (s, h, b) = call(&app, reqwest::Method::GET, &list, Some(&mine), None).await;
        assert_eq!(s, 401);
        assert_problem(&h, &b, 401);
        // Stored as a hash only.
        let mut conn = app.conn();
        let hashes: Vec<String> = api_tokens::table
            .select(api_tokens::token_hash)
            .load(&mut *conn)
            .unwrap();
        assert!(hashes.iter().all(|h| h != &mine && h != &theirs));
    }

    #[tokio::test]
    async fn sessions_are_created_updated_and_scheduled_through_the_api() {
        let app = spawn_app().await;
        let slug = app.load_demo();
        let token = token_for(&app, &slug);
        let base = format!("/api/v1/congresses/{slug}/sessions");
        // Bad bodies: 422 problems naming the fields; nothing stored.
        let (s, h, b) = call(
            &app,
            reqwest::Method::POST,
            &base,
            Some(&token),
            Some(serde_json::json!({"title": "", "kind": "lecture", "capacity": 0})),
        )
        .await;
        assert_eq!(s, 422);
        let p = assert_problem(&h, &b, 422);
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["title", "kind", "capacity"]);
        let r = app
            .client
            .post(app.url(&base))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        // Create.
        let (s, h, b) = call(
            &app,
            reqwest::Method::POST,
            &base,
            Some(&token),
            Some(serde_json::json!({
                "title": "API-Werkstatt", "kind": "workshop", "capacity": 20, "language": "de"
            })),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let created: serde_json::Value = serde_json::from_str(&b).unwrap();
        let id = created["id"].as_i64().unwrap();
        assert_eq!(h["location"].to_str().unwrap(), format!("{base}/{id}"));
        assert_eq!(created["status"], "draft");
        // Update.
        let (s, _, b) = call(
            &app,
            reqwest::Method::PUT,
            &format!("{base}/{id}"),
            Some(&token),
            Some(serde_json::json!({
                "title": "API-Werkstatt: Daten", "kind": "workshop", "capacity": 25
            })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert!(b.contains("API-Werkstatt: Daten"));
        // Schedule into a taken room: 409 with the rule and the other session.
        let (room, start, end): (i64, chrono::NaiveDateTime, chrono::NaiveDateTime) = {
            let mut conn = app.conn();
            sessions::table
                .filter(sessions::title.eq("Keynote: Daseinsvorsorge 2040"))
                .select((
                    sessions::room_id.assume_not_null(),
                    sessions::starts_at.assume_not_null(),
                    sessions::ends_at.assume_not_null(),
                ))
                .first(&mut *conn)
                .unwrap()
        };
        let at = |t: chrono::NaiveDateTime| t.and_utc().to_rfc3339();
        let slot = format!("{base}/{id}/schedule");
        let (s, h, b) = call(
            &app,
            reqwest::Method::PUT,
            &slot,
            Some(&token),
            Some(serde_json::json!({"room_id": room, "start": at(start), "end": at(end)})),
        )
        .await;
        assert_eq!(s, 409, "{b}");
        let p = assert_problem(&h, &b, 409);
        assert_eq!(p["conflicts"][0]["kind"], "room_double_booked");
        assert!(p["conflicts"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Keynote: Daseinsvorsorge 2040"));
        let (s, _, b) = call(
            &app,
            reqwest::Method::PUT,
            &slot,
            Some(&token),
            Some(serde_json::json!({"room_id": room, "start": "gestern", "end": at(end)})),
        )
        .await;
        assert_eq!(s, 422, "{b}");
        // A free slot: the end of the first day in the same room.
        let later = end + chrono::Duration::hours(8);
        let (s, _, b) = call(&app, reqwest::Method::PUT, &slot, Some(&token), Some(serde_json::json!({"room_id": room, "start": at(later), "end": at(later + chrono::Duration::minutes(90))}))).await;
        assert_eq!(s, 200, "{b}");
        let v: serde_json::Value = serde_json::from_str(&b).unwrap();
        assert_eq!(v["status"], "scheduled");
        {
            let mut conn = app.conn();
            let n: i64 = rooms::table.count().get_result(&mut *conn).unwrap();
            assert!(n > 0);
        }
        // Unschedule.
        let (s, _, _) = call(&app, reqwest::Method::DELETE, &slot, Some(&token), None).await;
        assert_eq!(s, 204);
        let (s, h, b) = call(
            &app,
            reqwest::Method::PUT,
            &format!("{base}/999999"),
            Some(&token),
            Some(serde_json::json!({"title": "x", "kind": "talk"})),
        )
        .await;
        assert_eq!(s, 404);
        assert_problem(&h, &b, 404);
    }

    #[tokio::test]
    async fn registrations_are_listed_and_exported_with_a_token() {
        let app = spawn_app().await;
        let slug = app.load_demo_with_people();
        let token = token_for(&app, &slug);
        let (s, _, b) = call(
            &app,
            reqwest::Method::GET,
            &format!("/api/v1/congresses/{slug}/registrations?status=confirmed&page=1"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(s, 200);
        let v: serde_json::Value = serde_json::from_str(&b).unwrap();
        assert!(v["total"].as_i64().unwrap() > 50);
        assert_eq!(v["items"].as_array().unwrap().len(), 50);
        assert!(v["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "confirmed"));
        let r = app
            .client
            .get(app.url(&format!("/api/v1/congresses/{slug}/registrations.csv")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
        let body = r.bytes().await.unwrap();
        assert!(body.starts_with(b"\xef\xbb\xbf"), "UTF-8 with BOM");
        let text = String::from_utf8(body[3..].to_vec()).unwrap();
        assert!(text.lines().count() > 100);
    }

    #[tokio::test]
    async fn an_owner_creates_and_revokes_tokens_in_the_back_office() {
        let app = spawn_app().await;
        let slug = app.load_demo();
        let owner = app.organizer("owner@example.org", false);
        app.grant(owner, &slug, "owner");
        let (b, csrf) = app.login("owner@example.org").await;
        let r = b
            .post(app.url(&format!("/admin/{slug}/api-tokens")))
            .form(&[("csrf_token", csrf.as_str()), ("name", "Programmheft")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        let start = page.find("id=\"f-new-token\" readonly value=\"").unwrap() + 33;
        let token = &page[start..start + 64];
        let (s, _, _) = call(
            &app,
            reqwest::Method::GET,
            &format!("/api/v1/congresses/{slug}/registrations"),
            Some(token),
            None,
        )
        .await;
        assert_eq!(s, 200);
        // The list never shows it again.
        let list = b
            .get(app.url(&format!("/admin/{slug}/api-tokens")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(list.contains("Programmheft") && !list.contains(token));
        let id: i64 = {
            let mut conn = app.conn();
            api_tokens::table
                .select(api_tokens::id)
                .first(&mut *conn)
                .unwrap()
        };
        let r = b
            .post(app.url(&format!("/admin/{slug}/api-tokens/{id}/revoke")))
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let (s, _, _) = call(
            &app,
            reqwest::Method::GET,
            &format!("/api/v1/congresses/{slug}/registrations"),
            Some(token),
            None,
        )
        .await;
        assert_eq!(s, 401);
        // An editor cannot manage tokens.
        let editor = app.organizer("editor@example.org", false);
        app.grant(editor, &slug, "editor");
        let (e, _) = app.login("editor@example.org").await;
        let r = e
            .get(app.url(&format!("/admin/{slug}/api-tokens")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }

    /// The document is valid OpenAPI 3 in the parts a validator rejects most often: every
    /// response has a description, every `{name}` of a path is a declared path parameter, and
    /// no two operations share an operationId.
    #[tokio::test]
    async fn the_openapi_document_is_complete() {
        let app = spawn_app().await;
        let doc = app.json("/api/v1/openapi.json").await;
        assert!(
            doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
            "openapi: {}",
            doc["openapi"]
        );
        assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
        let paths = doc["paths"].as_object().expect("paths");
        assert!(!paths.is_empty());
        const METHODS: [&str; 8] = [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ];
        let path_params = |params: &serde_json::Value| -> Vec<String> {
            params
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path" && p["required"] == true)
                .filter_map(|p| p["name"].as_str().map(String::from))
                .collect()
        };
        let mut missing = vec![];
        let mut operation_ids = std::collections::HashSet::new();
        for (path, item) in paths {
            let names: Vec<&str> = path
                .split('{')
                .skip(1)
                .filter_map(|s| s.split_once('}').map(|(name, _)| name))
                .collect();
            let shared = path_params(&item["parameters"]);
            let mut operations = 0;
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                operations += 1;
                let at = format!("{method} {path}");
                match op["responses"].as_object() {
                    Some(responses) if !responses.is_empty() => {
                        for (status, response) in responses {
                            let described = response["description"]
                                .as_str()
                                .is_some_and(|d| !d.trim().is_empty());
                            if !described {
                                missing.push(format!("{at}: response {status} has no description"));
                            }
                        }
                    }
                    _ => missing.push(format!("{at}: no responses")),
                }
                let declared = path_params(&op["parameters"]);
                for name in &names {
                    if !declared.iter().chain(&shared).any(|d| d == name) {
                        missing.push(format!("{at}: path parameter {{{name}}} not declared"));
                    }
                }
                match op["operationId"].as_str() {
                    Some(id) if !operation_ids.insert(id.to_string()) => {
                        missing.push(format!("{at}: operationId {id} used twice"))
                    }
                    _ => {}
                }
            }
            assert!(operations > 0, "{path} has no operation");
        }
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }
}
