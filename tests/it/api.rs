use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_reports_the_database() {
    let app = spawn_app().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v, serde_json::json!({"status": "ok", "database": "ok"}));
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
