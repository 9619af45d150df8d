//! Issue 6: importing schedule.xml / schedule.json (frab, pretalx, c3voc), idempotent by guid,
//! refusing bad files without changing anything; round trips through our own exports.

use std::collections::BTreeMap;
use std::path::PathBuf;

use diesel::prelude::*;
use kongress::db::schema::{congresses, rooms, schedule_versions, sessions, speakers};
use kongress::services::audit::Actor;
use kongress::services::import::{self, ImportError};

use crate::formats::validate;
use crate::helpers::{spawn_app, TestApp, TestDb};

fn shared(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/formats")
        .join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(shared(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn import(app: &TestApp, slug: &str, text: &str) -> Result<import::Imported, ImportError> {
    let mut conn = app.conn();
    import::import_file(&mut conn, slug, text, Actor::System, false, None)
}

/// Every event of a file as (guid → start, end, title, room, persons), in UTC.
fn events(text: &str) -> BTreeMap<String, (String, String, String, String, Vec<String>)> {
    import::parse(text)
        .unwrap()
        .events
        .into_iter()
        .map(|e| {
            (
                e.guid,
                (
                    e.start.to_rfc3339(),
                    e.end.to_rfc3339(),
                    e.title,
                    e.room,
                    e.persons.into_iter().map(|p| p.name).collect(),
                ),
            )
        })
        .collect()
}

fn counts(app: &TestApp) -> (i64, i64, i64, i64, i64) {
    let mut conn = app.conn();
    (
        congresses::table.count().get_result(&mut *conn).unwrap(),
        sessions::table.count().get_result(&mut *conn).unwrap(),
        speakers::table.count().get_result(&mut *conn).unwrap(),
        rooms::table.count().get_result(&mut *conn).unwrap(),
        schedule_versions::table
            .count()
            .get_result(&mut *conn)
            .unwrap(),
    )
}

async fn save(app: &TestApp, path: &str, dir: &std::path::Path, name: &str) -> (PathBuf, String) {
    let r = app.get(path).await;
    assert_eq!(r.status(), 200, "{path}");
    let body = r.text().await.unwrap();
    let f = dir.join(name);
    std::fs::write(&f, &body).unwrap();
    (f, body)
}

#[tokio::test]
async fn a_pretalx_export_imports_and_exports_validly_and_reimports_idempotently() {
    let app = spawn_app().await;
    let text = read("examples/pretalx-democon.json");
    let done = import(&app, "democon", &text).unwrap();
    assert!(done.congress_created);
    assert_eq!((done.sessions_created, done.speakers_created), (36, 27));
    assert_eq!(done.rooms_created, 2);
    assert_eq!(done.published, Some(1));
    assert!(
        done.warnings
            .iter()
            .any(|w| w.contains("guid") && w.contains("Tan Room")),
        "the file's two rooms share a guid: {:?}",
        done.warnings
    );
    assert!(done.warnings.iter().any(|w| w.contains("offsets")));

    // Our exports of it pass the schemas (the source file does not quite: see formats/README).
    let dir = tempfile::tempdir().unwrap();
    let (xml, _) = save(&app, "/democon/schedule.xml", dir.path(), "democon.xml").await;
    let (json, exported) = save(&app, "/democon/schedule.json", dir.path(), "democon.json").await;
    validate(&[&xml, &json]);
    // Same events, times and people; the file's guids are kept.
    assert_eq!(events(&exported), events(&text));
    let xml_text = std::fs::read_to_string(&xml).unwrap();
    assert_eq!(events(&xml_text), events(&text));

    // Again: nothing new, nothing duplicated, no new version.
    let before = counts(&app);
    let again = import(&app, "democon", &text).unwrap();
    assert_eq!(
        (
            again.sessions_created,
            again.sessions_updated,
            again.sessions_unchanged
        ),
        (0, 0, 36)
    );
    assert_eq!((again.speakers_created, again.rooms_created), (0, 0));
    assert_eq!(again.published, None);
    assert_eq!(counts(&app), before);

    // A changed file updates in place and publishes a version with the change.
    let moved = text.replacen(
        "Focused 5thgeneration hardware",
        "Focused hardware, renamed",
        1,
    );
    let third = import(&app, "democon", &moved).unwrap();
    assert_eq!((third.sessions_created, third.sessions_updated), (0, 1));
    assert_eq!(third.published, Some(2));
    let (c, s, sp, r, v) = counts(&app);
    assert_eq!(
        (c, s, sp, r, v),
        (before.0, before.1, before.2, before.3, before.4 + 1)
    );
    let (_, page) = app.text("/democon/changelog").await;
    assert!(page.contains("Focused hardware, renamed"));
}

#[tokio::test]
async fn our_export_round_trips_through_import_into_another_instance() {
    let source = spawn_app().await;
    let slug = source.load_demo();
    let dir = tempfile::tempdir().unwrap();
    for ext in ["xml", "json"] {
        let (_, exported) = save(
            &source,
            &format!("/{slug}/schedule.{ext}"),
            dir.path(),
            &format!("a.{ext}"),
        )
        .await;
        let target = spawn_app().await;
        let done = import(&target, "kopie-2027", &exported).unwrap();
        assert!(done.congress_created, "{done}");
        assert_eq!(done.sessions_created, events(&exported).len(), "{done}");
        assert!(done.warnings.is_empty(), "{:?}", done.warnings);
        let (f, again) = save(
            &target,
            &format!("/kopie-2027/schedule.{ext}"),
            dir.path(),
            &format!("b.{ext}"),
        )
        .await;
        validate(&[&f]);
        assert_eq!(
            events(&again),
            events(&exported),
            "{ext}: same events, times and people"
        );
        // The congress took title, days and zone from the file.
        let mut conn = target.conn();
        let (title, tz, first): (String, String, chrono::NaiveDate) = congresses::table
            .filter(congresses::slug.eq("kopie-2027"))
            .select((
                congresses::title,
                congresses::time_zone,
                congresses::first_day,
            ))
            .first(&mut *conn)
            .unwrap();
        assert_eq!(title, "Smart City Kongress 2027");
        assert_eq!(tz, "Europe/Berlin");
        let id: i64 = congresses::table
            .filter(congresses::slug.eq("kopie-2027"))
            .select(congresses::id)
            .first(&mut *conn)
            .unwrap();
        let days = kongress::services::congress::days(&mut conn, id).unwrap();
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].day, first);
    }
}

#[tokio::test]
async fn bad_files_are_refused_with_their_place_and_change_nothing() {
    let app = spawn_app().await;
    import(&app, "democon", &read("examples/pretalx-democon.json")).unwrap();
    let before = counts(&app);
    let good = read("examples/pretalx-democon.json");
    // A file that changes the first event and breaks a later one: all or nothing.
    let half = good
        .replacen("Focused 5thgeneration hardware", "Changed title", 1)
        .replacen("\"duration\": \"01:30\"", "\"duration\": \"1h30\"", 1);
    let cases: Vec<(&str, String, &str)> = vec![
        ("democon", read("samples/schedule-invalid.xml"), "line "),
        ("neu-1", read("samples/schedule-invalid.xml"), "line "),
        (
            "neu-2",
            read("samples/schedule-invalid.json"),
            "schedule.conference.days[1]",
        ),
        ("neu-3", "{\"schedule\": {\"conference\": ".into(), "line 1"),
        (
            "neu-4",
            "<schedule><conference><title>x</title></conference><day>".into(),
            "line 1",
        ),
        ("neu-5", "just text".into(), "line 1"),
        ("democon", half, ".duration"),
    ];
    for (slug, text, at) in cases {
        match import(&app, slug, &text) {
            Err(ImportError::Bad(b)) => assert!(b.at.contains(at), "{slug}: {b}"),
            other => panic!("{slug}: expected a refusal, got {other:?}"),
        }
        assert_eq!(counts(&app), before, "{slug}: nothing changed");
    }
    let mut conn = app.conn();
    let n: i64 = sessions::table
        .filter(sessions::title.eq("Changed title"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(n, 0);
    // Someone else's guids: importing the same sessions into a second congress is refused.
    drop(conn);
    match import(&app, "democon-kopie", &good) {
        Err(ImportError::Bad(b)) => assert!(b.message.contains("another congress"), "{b}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(counts(&app), before);
}

#[test]
fn the_import_command_prints_what_it_did_and_refuses_bad_files() {
    let db = TestDb::new();
    let sample = shared("samples/schedule.xml");
    let (ok, out, err) = crate::cli::kongress(
        &db,
        &[
            "import",
            "--congress",
            "examplecon",
            sample.to_str().unwrap(),
            "--draft",
        ],
        None,
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("congress examplecon (created)"), "{out}");
    assert!(out.contains("sessions: 2 created"), "{out}");
    assert!(out.contains("not published"), "{out}");
    let mut conn = crate::helpers::connect(&db.url);
    let versions: i64 = schedule_versions::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(versions, 0, "--draft publishes nothing");
    let (ok, out, _) = crate::cli::kongress(
        &db,
        &[
            "import",
            "--congress",
            "examplecon",
            sample.to_str().unwrap(),
        ],
        None,
    );
    assert!(ok && out.contains("published as version 1"), "{out}");
    let bad = shared("samples/schedule-invalid.xml");
    let (ok, _, err) = crate::cli::kongress(
        &db,
        &["import", "--congress", "examplecon", bad.to_str().unwrap()],
        None,
    );
    assert!(!ok);
    assert!(
        err.contains("line 50") && err.contains("nothing was changed"),
        "{err}"
    );
}

#[tokio::test]
async fn an_organizer_uploads_a_schedule_in_the_back_office() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let owner = app.organizer("owner@example.org", false);
    app.grant(owner, &slug, "editor");
    let (b, token) = app.login("owner@example.org").await;
    let page = b
        .get(app.url(&format!("/admin/{slug}/import")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("enctype=\"multipart/form-data\""));
    // Our own export of the demo, with one title changed: one session updated, a new version.
    let exported = app.text(&format!("/{slug}/schedule.json")).await.1;
    let changed = exported.replacen("Begrüßung zum Werkstatttag", "Begrüßung, neu", 1);
    // The token rides in the form's action, so the CSRF check never reads the upload.
    let action = page
        .split("enctype=\"multipart/form-data\"")
        .next()
        .and_then(|before| before.rsplit("action=\"").next())
        .and_then(|a| a.split('"').next())
        .unwrap()
        .to_string();
    assert_eq!(action, format!("/admin/{slug}/import?csrf_token={token}"));
    let upload = |text: String, token: &str, draft: bool| {
        let mut form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(text.into_bytes()).file_name("schedule.json"),
        );
        if draft {
            form = form.text("draft", "1");
        }
        b.post(app.url(&format!("/admin/{slug}/import?csrf_token={token}")))
            .multipart(form)
            .send()
    };
    let r = upload(changed.clone(), &token, false).await.unwrap();
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains("Import abgeschlossen"), "{body}");
    assert!(body.contains("1 geändert"), "{body}");
    assert!(body.contains("Veröffentlicht als Version 2"), "{body}");
    assert!(app
        .text(&format!("/{slug}/program"))
        .await
        .1
        .contains("Begrüßung, neu"));
    // A broken file: 422 with the place, nothing changed.
    let mut doc: serde_json::Value = serde_json::from_str(&changed).unwrap();
    let first_room = doc["schedule"]["conference"]["days"][0]["rooms"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .next()
        .unwrap();
    first_room[0]["date"] = "gestern".into();
    let broken = doc.to_string();
    let r = upload(broken, &token, false).await.unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("[0].date") && body.contains("Es wurde nichts geändert"),
        "{body}"
    );
    // Without the CSRF token the upload is refused before anything is read; a token in the
    // multipart body does not count (reading it would mean reading the upload).
    let r = upload(changed.clone(), "forged", true).await.unwrap();
    assert_eq!(r.status(), 403);
    let in_body = reqwest::multipart::Form::new()
        .text("csrf_token", token.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(changed.clone().into_bytes()).file_name("s.json"),
        );
    let r = b
        .post(app.url(&format!("/admin/{slug}/import")))
        .multipart(in_body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A file past the import limit: 413 with the reason on the import page.
    let padded = format!("{changed}{}", " ".repeat(20 * 1024 * 1024));
    let r = upload(padded, &token, true).await.unwrap();
    assert_eq!(r.status(), 413);
    let body = r.text().await.unwrap();
    assert!(body.contains("zu groß (höchstens 20 MB)"), "{body}");
}
