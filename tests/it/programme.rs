//! Publishing and the published programme: versions, unpublished changes, time zones at DST
//! edges, and a constant number of queries however large the programme is.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use kongress::db::rows::{NewCongress, NewRoom, NewSession, NewSpeaker, NewTrack, SessionSpeaker};
use kongress::db::schema::{
    congresses, rooms, schedule_versions, session_speakers, sessions, speakers, tracks,
};
use kongress::db::DbConnection;
use kongress::domain::time::{local_to_utc, parse_time_zone};
use kongress::services::audit::Actor;
use kongress::services::publish;

use crate::helpers::spawn_app;
use kongress::domain::{
    CongressId, CongressStatus, RoomId, SessionId, SessionKind, SessionStatus, TrackId,
};

fn now() -> chrono::NaiveDateTime {
    kongress::services::now_utc()
}

pub fn make_congress(
    conn: &mut DbConnection,
    slug: &str,
    tz: &str,
    first: NaiveDate,
    last: NaiveDate,
) -> CongressId {
    let guid = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(congresses::table)
        .values(NewCongress {
            slug: &kongress::domain::Slug::parse(slug).unwrap(),
            title: &format!("Congress {slug}"),
            subtitle: "",
            description: "",
            venue_name: "",
            venue_address: "",
            time_zone: tz,
            first_day: first,
            last_day: last,
            languages: "de,en",
            registration_opens_at: None,
            registration_closes_at: None,
            capacity: None,
            status: CongressStatus::Draft,
            guid: &guid,
            created_at: now(),
            updated_at: now(),
        })
        .returning(congresses::id)
        .get_result(conn)
        .unwrap()
}

pub fn add_room(
    conn: &mut DbConnection,
    congress: CongressId,
    name: &str,
    position: i32,
) -> RoomId {
    let guid = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(rooms::table)
        .values(NewRoom {
            congress_id: congress,
            name,
            capacity: Some(100),
            accessibility_note: "",
            position,
            guid: &guid,
        })
        .returning(rooms::id)
        .get_result(conn)
        .unwrap()
}

#[allow(clippy::too_many_arguments)]
pub fn add_session(
    conn: &mut DbConnection,
    congress: CongressId,
    title: &str,
    room: Option<RoomId>,
    track: Option<TrackId>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    capacity: Option<i32>,
) -> SessionId {
    let guid = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(sessions::table)
        .values(NewSession {
            congress_id: congress,
            guid: &guid,
            title,
            subtitle: "",
            abstract_: "",
            description: "",
            kind: if capacity.is_some() {
                SessionKind::Workshop
            } else {
                SessionKind::Talk
            },
            language: "de",
            track_id: track,
            room_id: room,
            slot_group_id: None,
            starts_at: Some(start.naive_utc()),
            ends_at: Some(end.naive_utc()),
            status: SessionStatus::Scheduled,
            capacity,
            created_at: now(),
            updated_at: now(),
        })
        .returning(sessions::id)
        .get_result(conn)
        .unwrap()
}

fn local(tz: &str, date: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    local_to_utc(
        parse_time_zone(tz).unwrap(),
        date,
        NaiveTime::from_hms_opt(h, m, 0).unwrap(),
    )
    .unwrap()
}

/// A congress of `n` sessions over `days` days and `n_rooms` rooms, with speakers and tracks.
fn build_programme(
    conn: &mut DbConnection,
    slug: &str,
    n: usize,
    n_rooms: usize,
    days: u64,
) -> CongressId {
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        let first = NaiveDate::from_ymd_opt(2027, 5, 10).unwrap();
        let last = first + chrono::Days::new(days - 1);
        let c = make_congress(conn, slug, "Europe/Berlin", first, last);
        let room_ids: Vec<RoomId> = (0..n_rooms)
            .map(|i| add_room(conn, c, &format!("Room {i}"), i as i32))
            .collect();
        let track_ids: Vec<TrackId> = (0..5)
            .map(|i| {
                diesel::insert_into(tracks::table)
                    .values(NewTrack {
                        congress_id: c,
                        name: &format!("Track {i}"),
                        colour: "#336699",
                        position: i,
                    })
                    .returning(tracks::id)
                    .get_result(conn)
                    .unwrap()
            })
            .collect();
        let speaker_ids: Vec<kongress::domain::SpeakerId> = (0..(n / 2).max(1))
            .map(|i| {
                let guid = uuid::Uuid::new_v4().to_string();
                diesel::insert_into(speakers::table)
                    .values(NewSpeaker {
                        congress_id: c,
                        guid: &guid,
                        name: &format!("Speaker {i}"),
                        organization: "Org",
                        position: "",
                        bio: "",
                        email: None,
                        created_at: now(),
                        updated_at: now(),
                    })
                    .returning(speakers::id)
                    .get_result(conn)
                    .unwrap()
            })
            .collect();
        let per_room_per_day = n.div_ceil(n_rooms * days as usize);
        for i in 0..n {
            let room = i % n_rooms;
            let slot = i / n_rooms;
            let day = first + chrono::Days::new((slot / per_room_per_day) as u64 % days);
            let k = (slot % per_room_per_day) as u32;
            let start =
                local("Europe/Berlin", day, 8, 0) + chrono::Duration::minutes(30 * k as i64);
            let end = start + chrono::Duration::minutes(25);
            let s = add_session(
                conn,
                c,
                &format!("Session {i}"),
                Some(room_ids[room]),
                Some(track_ids[i % 5]),
                start,
                end,
                if i % 3 == 0 { Some(30) } else { None },
            );
            diesel::insert_into(session_speakers::table)
                .values(SessionSpeaker {
                    session_id: s,
                    speaker_id: speaker_ids[i % speaker_ids.len()],
                    role: "speaker".into(),
                    position: 0,
                    confirmation: "confirmed".into(),
                })
                .execute(conn)
                .unwrap();
        }
        Ok(c)
    })
    .unwrap()
}

/// Queries issued by the second GET of `path` (the first warms the version cache).
async fn queries_for(app: &crate::helpers::TestApp, path: &str) -> u64 {
    let (status, _) = app.text(path).await;
    assert_eq!(status, 200, "{path}");
    let before = app.queries.get();
    let (status, _) = app.text(path).await;
    assert_eq!(status, 200, "{path}");
    app.queries.get() - before
}

#[tokio::test]
async fn pages_and_api_issue_a_constant_number_of_queries() {
    let app = spawn_app().await;
    let (small, large) = {
        let mut conn = app.conn();
        let small = build_programme(&mut conn, "small", 10, 4, 1);
        let large = build_programme(&mut conn, "large", 1000, 40, 3);
        publish::publish(&mut conn, small, Actor::System, None).unwrap();
        publish::publish(&mut conn, large, Actor::System, None).unwrap();
        (small, large)
    };
    let sid = |c: CongressId| {
        let mut conn = app.conn();
        sessions::table
            .filter(sessions::congress_id.eq(c))
            .select(sessions::id)
            .first::<i64>(&mut *conn)
            .unwrap()
    };
    let spid = |c: CongressId| {
        let mut conn = app.conn();
        speakers::table
            .filter(speakers::congress_id.eq(c))
            .select(speakers::id)
            .first::<i64>(&mut *conn)
            .unwrap()
    };
    let (page, _) = app.text("/large/program").await;
    assert_eq!(page, 200);
    let big = app.json("/api/v1/congresses/large").await;
    assert_eq!(big["sessions"].as_array().unwrap().len(), 1000);
    assert_eq!(big["rooms"].as_array().unwrap().len(), 40);
    for (small_path, large_path) in [
        ("/small/program".to_string(), "/large/program".to_string()),
        ("/small/program?day=1".into(), "/large/program?day=2".into()),
        (
            "/api/v1/congresses/small".into(),
            "/api/v1/congresses/large".into(),
        ),
        ("/small".into(), "/large".into()),
        ("/small/speakers".into(), "/large/speakers".into()),
        (
            format!("/small/sessions/{}", sid(small)),
            format!("/large/sessions/{}", sid(large)),
        ),
        (
            format!("/small/speakers/{}", spid(small)),
            format!("/large/speakers/{}", spid(large)),
        ),
        ("/small/program.css".into(), "/large/program.css".into()),
        ("/small/schedule.xml".into(), "/large/schedule.xml".into()),
        ("/small/schedule.json".into(), "/large/schedule.json".into()),
        ("/small/schedule.ics".into(), "/large/schedule.ics".into()),
        (
            "/api/v1/congresses/small/sessions".into(),
            "/api/v1/congresses/large/sessions".into(),
        ),
        (
            "/api/v1/congresses/small/speakers".into(),
            "/api/v1/congresses/large/speakers".into(),
        ),
    ] {
        let a = queries_for(&app, &small_path).await;
        let b = queries_for(&app, &large_path).await;
        assert_eq!(a, b, "{small_path} vs {large_path}");
        assert!(b <= 4, "{large_path}: {b} queries");
    }
}

#[tokio::test]
async fn unpublished_changes_stay_private_until_publish() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let before = app.json(&format!("/api/v1/congresses/{slug}")).await;
    assert_eq!(before["version"], 1);
    let keynote = before["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "keynote")
        .unwrap()
        .clone();
    let id = keynote["id"].as_i64().unwrap();
    let congress_id;
    {
        let mut conn = app.conn();
        let (start, end): (Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>) =
            sessions::table
                .find(id)
                .select((sessions::starts_at, sessions::ends_at))
                .first(&mut *conn)
                .unwrap();
        let hour = chrono::Duration::hours(1);
        diesel::update(sessions::table.find(id))
            .set((
                sessions::title.eq("Keynote, verschoben"),
                sessions::starts_at.eq(start.map(|t| t + hour)),
                sessions::ends_at.eq(end.map(|t| t + hour)),
            ))
            .execute(&mut *conn)
            .unwrap();
        congress_id = congresses::table
            .select(congresses::id)
            .first::<kongress::domain::CongressId>(&mut *conn)
            .unwrap();
    }
    let (_, page) = app.text(&format!("/{slug}/sessions/{id}")).await;
    assert!(
        !page.contains("Keynote, verschoben"),
        "draft change is not public"
    );
    assert_eq!(
        app.json(&format!("/api/v1/congresses/{slug}")).await["sessions"],
        before["sessions"]
    );

    let preview = {
        let mut conn = app.conn();
        publish::preview(&mut conn, congress_id).unwrap()
    };
    assert_eq!(preview.len(), 2, "{preview:?}");
    let outcome = {
        let mut conn = app.conn();
        publish::publish(&mut conn, congress_id, Actor::System, None).unwrap()
    };
    assert_eq!(outcome.number, 2);
    assert_eq!(outcome.changes, preview);
    let after = app.json(&format!("/api/v1/congresses/{slug}")).await;
    assert_eq!(after["version"], 2);
    let moved = after["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap();
    assert_eq!(moved["title"], "Keynote, verschoben");
    let old = chrono::DateTime::parse_from_rfc3339(keynote["start"].as_str().unwrap()).unwrap();
    let new = chrono::DateTime::parse_from_rfc3339(moved["start"].as_str().unwrap()).unwrap();
    assert_eq!(new - old, chrono::Duration::hours(1));
    let (_, page) = app.text(&format!("/{slug}/sessions/{id}")).await;
    assert!(page.contains("Keynote, verschoben"));

    // Publishing again without changes makes a version with an empty changelog.
    let again = {
        let mut conn = app.conn();
        publish::publish(&mut conn, congress_id, Actor::System, None).unwrap()
    };
    assert_eq!(again.number, 3);
    assert!(again.changes.is_empty());
    let mut conn = app.conn();
    let logs: Vec<(i32, String)> = schedule_versions::table
        .filter(schedule_versions::congress_id.eq(congress_id))
        .order(schedule_versions::number)
        .select((schedule_versions::number, schedule_versions::changelog))
        .load(&mut *conn)
        .unwrap();
    assert_eq!(logs.len(), 3);
    assert!(logs[1].1.contains("\"moved\"") && logs[1].1.contains("\"retitled\""));
    assert_eq!(logs[2].1, "[]");
}

#[tokio::test]
async fn draft_congresses_are_invisible() {
    let app = spawn_app().await;
    {
        let mut conn = app.conn();
        let c = make_congress(
            &mut conn,
            "entwurf",
            "Europe/Berlin",
            NaiveDate::from_ymd_opt(2027, 6, 1).unwrap(),
            NaiveDate::from_ymd_opt(2027, 6, 1).unwrap(),
        );
        let r = add_room(&mut conn, c, "Saal", 0);
        add_session(
            &mut conn,
            c,
            "Geheim",
            Some(r),
            None,
            local(
                "Europe/Berlin",
                NaiveDate::from_ymd_opt(2027, 6, 1).unwrap(),
                10,
                0,
            ),
            local(
                "Europe/Berlin",
                NaiveDate::from_ymd_opt(2027, 6, 1).unwrap(),
                11,
                0,
            ),
            None,
        );
    }
    assert_eq!(app.text("/entwurf").await.0, 404);
    assert_eq!(app.text("/entwurf/program").await.0, 404);
    assert_eq!(app.get("/api/v1/congresses/entwurf").await.status(), 404);
    assert_eq!(app.json("/api/v1/congresses").await, serde_json::json!([]));
}

#[tokio::test]
async fn times_are_shown_in_the_congress_zone_across_dst_changes() {
    let app = spawn_app().await;
    let tz = "Europe/Berlin";
    let spring = NaiveDate::from_ymd_opt(2027, 3, 28).unwrap();
    let autumn = NaiveDate::from_ymd_opt(2027, 10, 31).unwrap();
    {
        let mut conn = app.conn();
        let c = make_congress(&mut conn, "spring", tz, spring, spring);
        let r = add_room(&mut conn, c, "Saal", 0);
        // 01:30 CET to 03:30 CEST is one real hour.
        add_session(
            &mut conn,
            c,
            "Nachtschicht",
            Some(r),
            None,
            local(tz, spring, 1, 30),
            local(tz, spring, 3, 30),
            None,
        );
        publish::publish(&mut conn, c, Actor::System, None).unwrap();
        let c = make_congress(&mut conn, "autumn", tz, autumn, autumn);
        let r = add_room(&mut conn, c, "Saal", 0);
        // 02:30 happens twice; the first (summer time) is meant. Until 03:30 CET: two hours.
        add_session(
            &mut conn,
            c,
            "Zeitumstellung",
            Some(r),
            None,
            local(tz, autumn, 2, 30),
            local(tz, autumn, 3, 30),
            None,
        );
        publish::publish(&mut conn, c, Actor::System, None).unwrap();
    }
    let s = &app.json("/api/v1/congresses/spring").await["sessions"][0];
    assert_eq!(s["start"], "2027-03-28T01:30:00+01:00");
    assert_eq!(s["end"], "2027-03-28T03:30:00+02:00");
    let (_, page) = app.text("/spring/program").await;
    assert!(page.contains("01:30–03:30"));
    assert!(page.contains("Sonntag, 28. März 2027"));

    let s = &app.json("/api/v1/congresses/autumn").await["sessions"][0];
    assert_eq!(s["start"], "2027-10-31T02:30:00+02:00");
    assert_eq!(s["end"], "2027-10-31T03:30:00+01:00");
    let (_, page) = app.text("/autumn/program").await;
    assert!(page.contains("02:30–03:30"));
    // The grid spans the real two hours: 24 rows of five minutes.
    let css = app.text("/autumn/program.css").await.1;
    assert!(css.contains("repeat(24,minmax"), "{css}");
}
