//! Issue 6: schedule.xml / schedule.json / schedule.ics exports and HTTP caching behaviour.
//! The XML and JSON are checked against the upstream schemas' rules and consistency checks by
//! `schedule_check`, in this test binary; CI also runs the upstream validator on a served demo.

use std::path::Path;

use chrono::{NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use kongress::db::schema::{congresses, schedule_versions, sessions};
use kongress::services::audit::Actor;
use kongress::services::publish;

use crate::helpers::{spawn_app, TestApp};
use crate::programme::{add_room, add_session, make_congress};
use crate::schedule_check::assert_valid;

/// Checks each schedule.xml / schedule.json file; panics with every problem of the first one
/// that fails.
pub fn validate(files: &[&Path]) {
    assert!(!files.is_empty());
    for f in files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert_valid(&f.display().to_string(), &text);
    }
}

async fn fetch(app: &TestApp, path: &str) -> (reqwest::header::HeaderMap, String) {
    let r = app.get(path).await;
    assert_eq!(r.status(), 200, "GET {path}");
    let h = r.headers().clone();
    (h, r.text().await.unwrap())
}

/// A congress across the spring DST switch in Berlin (28 March 2027), published.
fn dst_congress(app: &TestApp) -> String {
    let mut conn = app.conn();
    let c = make_congress(
        &mut conn,
        "dst-test",
        "Europe/Berlin",
        NaiveDate::from_ymd_opt(2027, 3, 27).unwrap(),
        NaiveDate::from_ymd_opt(2027, 3, 28).unwrap(),
    );
    let room = add_room(&mut conn, c, "Saal & Bühne <1>", 0);
    // 27 March 10:00 +01:00 and 28 March 10:00 +02:00 (clocks went forward at 02:00).
    add_session(
        &mut conn,
        c,
        "Vor der Umstellung: \"Zeit\" & <Raum>",
        Some(room),
        None,
        Utc.with_ymd_and_hms(2027, 3, 27, 9, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2027, 3, 27, 10, 30, 0).unwrap(),
        None,
    );
    add_session(
        &mut conn,
        c,
        "Nach der Umstellung",
        Some(room),
        None,
        Utc.with_ymd_and_hms(2027, 3, 28, 8, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2027, 3, 28, 9, 45, 0).unwrap(),
        Some(20),
    );
    diesel::update(congresses::table.find(c))
        .set(congresses::status.eq("published"))
        .execute(&mut *conn)
        .unwrap();
    publish::publish(&mut conn, c, Actor::System, None).unwrap();
    "dst-test".into()
}

#[tokio::test]
async fn exports_validate_against_the_upstream_schemas() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let dst = dst_congress(&app);
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![];
    for s in [&slug, &dst] {
        for ext in ["xml", "json"] {
            let (_, body) = fetch(&app, &format!("/{s}/schedule.{ext}")).await;
            let f = dir.path().join(format!("{s}.{ext}"));
            std::fs::write(&f, body).unwrap();
            files.push(f);
        }
    }
    for pair in files.chunks(2) {
        validate(&[&pair[0], &pair[1]]);
    }

    // What the schemas cannot see: the DST offsets, escaping, durations, stable guids.
    let (_, xml) = fetch(&app, &format!("/{dst}/schedule.xml")).await;
    assert!(
        xml.contains("<date>2027-03-27T10:00:00+01:00</date>"),
        "{xml}"
    );
    assert!(xml.contains("<date>2027-03-28T10:00:00+02:00</date>"));
    assert!(
        xml.contains("<duration>01:30</duration>") && xml.contains("<duration>01:45</duration>")
    );
    assert!(xml.contains("Vor der Umstellung: &quot;Zeit&quot; &amp; &lt;Raum&gt;"));
    assert!(xml.contains("<acronym>dst_test</acronym>"));
    let (_, json) = fetch(&app, &format!("/{dst}/schedule.json")).await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let conf = &v["schedule"]["conference"];
    assert_eq!(conf["time_zone_name"], "Europe/Berlin");
    assert_eq!(
        conf["days"][1]["rooms"]["Saal & Bühne <1>"][0]["start"],
        "10:00"
    );
    assert_eq!(
        conf["days"][1]["rooms"]["Saal & Bühne <1>"][0]["duration"],
        "01:45"
    );
    let guid: String = {
        let mut conn = app.conn();
        sessions::table
            .filter(sessions::title.eq("Nach der Umstellung"))
            .select(sessions::guid)
            .first(&mut *conn)
            .unwrap()
    };
    assert_eq!(
        conf["days"][1]["rooms"]["Saal & Bühne <1>"][0]["guid"],
        guid.as_str()
    );

    // The demo's persons are pretalx-shaped (guid, name; no integer id) and the version
    // names the published version.
    let (_, json) = fetch(&app, &format!("/{slug}/schedule.json")).await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["schedule"]["version"]
        .as_str()
        .unwrap()
        .starts_with("1 ("));
    let persons: Vec<&serde_json::Value> = v["schedule"]["conference"]["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["rooms"].as_object().unwrap().values())
        .flat_map(|evs| evs.as_array().unwrap())
        .flat_map(|e| e["persons"].as_array().unwrap())
        .collect();
    assert!(persons.len() > 20);
    assert!(persons
        .iter()
        .all(|p| p.get("id").is_none() && p["guid"].is_string()));
}

#[tokio::test]
async fn the_ics_export_is_rfc5545() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let (h, ics) = fetch(&app, &format!("/{slug}/schedule.ics")).await;
    assert_eq!(h["content-type"], "text/calendar; charset=utf-8");
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(ics.lines().all(|l| l.len() <= 75), "folded at 75 octets");
    assert!(!ics.replace("\r\n", "").contains('\n'), "CRLF only");
    let cal: icalendar::Calendar = ics.parse().unwrap();
    let n: i64 = {
        let mut conn = app.conn();
        sessions::table
            .filter(sessions::starts_at.is_not_null())
            .filter(sessions::status.eq_any(["scheduled", "cancelled"]))
            .count()
            .get_result(&mut *conn)
            .unwrap()
    };
    assert_eq!(cal.components.len() as i64, n);
    assert!(
        ics.contains("STATUS:CANCELLED"),
        "the demo's cancelled talk is marked"
    );
    assert!(ics.contains("DTSTAMP:") && ics.contains("SEQUENCE:0"));
}

#[tokio::test]
async fn exports_and_pages_answer_304_until_something_changes() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    for (ext, ctype) in [
        ("xml", "application/xml; charset=utf-8"),
        ("json", "application/json"),
        ("ics", "text/calendar; charset=utf-8"),
    ] {
        let path = format!("/{slug}/schedule.{ext}");
        let r = app.get(&path).await;
        assert_eq!(r.headers()["content-type"], ctype);
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        assert!(r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("public"));
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        let modified = r.headers()["last-modified"].to_str().unwrap().to_string();
        let again = app
            .client
            .get(app.url(&path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert_eq!(again.headers()["access-control-allow-origin"], "*");
        assert!(again.bytes().await.unwrap().is_empty());
        let since = app
            .client
            .get(app.url(&path))
            .header("If-Modified-Since", &modified)
            .send()
            .await
            .unwrap();
        assert_eq!(since.status(), 304);
    }
    // A new version changes the validators.
    let path = format!("/{slug}/schedule.xml");
    let old = app.get(&path).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    {
        let mut conn = app.conn();
        let id: kongress::domain::CongressId = congresses::table
            .filter(congresses::slug.eq(&slug))
            .select(congresses::id)
            .first(&mut *conn)
            .unwrap();
        diesel::update(sessions::table.filter(sessions::title.eq("Begrüßung zum Werkstatttag")))
            .set(sessions::title.eq("Begrüßung am zweiten Tag"))
            .execute(&mut *conn)
            .unwrap();
        publish::publish(&mut conn, id, Actor::System, None).unwrap();
        let n: i64 = schedule_versions::table
            .filter(schedule_versions::congress_id.eq(id))
            .count()
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(n, 2);
    }
    let r = app
        .client
        .get(app.url(&path))
        .header("If-None-Match", &old)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_ne!(r.headers()["etag"].to_str().unwrap(), old);
    assert!(r.text().await.unwrap().contains("Begrüßung am zweiten Tag"));

    // The programme page: 304 while nothing changes, 200 when a seat is taken.
    let page = format!("/{slug}/program");
    let r = app.get(&page).await;
    let tag = r.headers()["etag"].to_str().unwrap().to_string();
    let r = app
        .client
        .get(app.url(&page))
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    {
        let mut conn = app.conn();
        diesel::update(sessions::table.filter(sessions::capacity.is_not_null()))
            .set(sessions::enrolled_count.eq(sessions::enrolled_count + 1))
            .execute(&mut *conn)
            .unwrap();
    }
    let r = app
        .client
        .get(app.url(&page))
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "live seat counts are part of the validator"
    );
    // Another language is another representation.
    let r = app
        .client
        .get(app.url(&format!("{page}?lang=en")))
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
