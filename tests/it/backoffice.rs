//! The organizer's way through the back office, driven like a browser: forms, redirects, cookies.

use diesel::prelude::*;
use kongress::db::schema::sessions;

use crate::helpers::office::{admin, create_congress, id_of, new_session, place};
use crate::helpers::spawn_app;
use kongress::domain::CongressId;

/// The end-to-end case: an empty database to a published programme with two parallel
/// slots of eleven workshops in twelve rooms, and a refused double booking on the way.
#[tokio::test]
async fn an_organizer_builds_and_publishes_a_two_day_congress_in_the_browser() {
    let app = spawn_app().await;
    app.allow_undelivered(
        "publishing mails the speakers their links; this test is about building the programme",
    );
    let o = admin(&app).await;
    let slug = "werkstatttage";
    create_congress(&o, slug, "2027-04-14", "2027-04-15").await;
    let r = o
        .post(
            &format!("/admin/{slug}/settings"),
            &[
                ("title", "Werkstatttage 2027"),
                ("slug", slug),
                ("time_zone", "Europe/Berlin"),
                ("first_day", "2027-04-14"),
                ("last_day", "2027-04-15"),
                ("lang_de", "on"),
                ("status", "draft"),
                ("day", "2027-04-14"),
                ("day_label", "Tag 1: Plenum"),
                ("day_label_en", "Day 1: Plenary"),
                ("day", "2027-04-15"),
                ("day_label", "Tag 2: Werkstätten"),
                ("day_label_en", "Day 2: Workshops"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    for i in 1..=12 {
        let r = o
            .post(
                &format!("/admin/{slug}/rooms"),
                &[
                    ("name", &format!("Raum {i:02}")),
                    ("capacity", "30"),
                    ("position", &i.to_string()),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    let r = o
        .post(
            &format!("/admin/{slug}/tracks"),
            &[("name", "Werkstatt"), ("colour", "#2e7d32")],
        )
        .await;
    assert_eq!(r.status(), 303);
    for i in 1..=22 {
        let r = o
            .post(
                &format!("/admin/{slug}/speakers"),
                &[
                    ("name", &format!("Person {i:02}")),
                    ("email", &format!("p{i}@example.org")),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    for block in 0..2 {
        for w in 1..=11 {
            let n = block * 11 + w;
            let speaker = id_of(&app, "speaker", &format!("Person {n:02}")).to_string();
            new_session(
                &o,
                slug,
                &[
                    ("title", &format!("Werkstatt {n:02}")),
                    ("kind", "workshop"),
                    ("language", "de"),
                    ("capacity", "25"),
                    ("speaker", &speaker),
                    ("role", "speaker"),
                ],
            )
            .await;
        }
    }
    let (status, unscheduled) = o
        .get(&format!("/admin/{slug}/schedule?day=2027-04-15"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        unscheduled.matches("class=\"sched-item").count(),
        22,
        "all unscheduled at first"
    );

    for block in 0..2 {
        let (start, end) = if block == 0 {
            ("09:30", "11:30")
        } else {
            ("13:00", "15:00")
        };
        for w in 1..=11 {
            let n = block * 11 + w;
            let session = id_of(&app, "session", &format!("Werkstatt {n:02}"));
            let room = id_of(&app, "room", &format!("Raum {w:02}"));
            let r = place(&o, slug, session, "2027-04-15", start, end, room).await;
            assert_eq!(r.status(), 303, "Werkstatt {n}");
        }
    }
    // Room 01 is taken 09:30–11:30 by Werkstatt 01: moving Werkstatt 02 there is refused,
    // the message names the other session, the form keeps what was typed.
    let w2 = id_of(&app, "session", "Werkstatt 02");
    let r = place(
        &o,
        slug,
        w2,
        "2027-04-15",
        "10:00",
        "11:00",
        id_of(&app, "room", "Raum 01"),
    )
    .await;
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("schon belegt durch „Werkstatt 01“"),
        "names the other session"
    );
    assert!(page.contains("value=\"10:00\"") && page.contains("value=\"11:00\""));
    assert!(page.contains("<details class=\"place\" open>"));

    let (_, grid) = o
        .get(&format!("/admin/{slug}/schedule?day=2027-04-15"))
        .await;
    assert!(grid.contains("Keine Konflikte."));
    assert_eq!(
        grid.matches("rowspan=\"24\"").count(),
        22,
        "two-hour sessions span 24 five-minute rows"
    );
    assert_eq!(grid.matches("<th scope=\"col\">Raum ").count(), 12);

    // Nothing public before publishing.
    assert_eq!(app.text(&format!("/{slug}/program")).await.0, 404);
    let (_, preview) = o.get(&format!("/admin/{slug}/publish")).await;
    assert_eq!(preview.matches("<li>Neu: ").count(), 22);
    let r = o.post(&format!("/admin/{slug}/publish"), &[]).await;
    assert_eq!(r.status(), 303);

    let (status, program) = app.text(&format!("/{slug}/program?day=2")).await;
    assert_eq!(status, 200);
    assert!(program.contains("Tag 2: Werkstätten"));
    assert_eq!(program.matches("k-workshop").count(), 22);
    let api = app.json(&format!("/api/v1/congresses/{slug}")).await;
    let starts: std::collections::BTreeSet<String> = api["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        starts.into_iter().collect::<Vec<_>>(),
        ["2027-04-15T09:30:00+02:00", "2027-04-15T13:00:00+02:00"]
    );
    let (_, log) = app.text(&format!("/{slug}/changelog")).await;
    assert!(log.contains("Programmversion 1") && log.contains("Neu: „Werkstatt 22“"));
}

#[tokio::test]
async fn every_conflict_rule_is_enforced_or_reported() {
    let app = spawn_app().await;
    let o = admin(&app).await;
    let slug = "regeln";
    create_congress(&o, slug, "2027-04-14", "2027-04-14").await;
    for (name, cap) in [("Saal", "100"), ("Klein", "10")] {
        assert_eq!(
            o.post(
                &format!("/admin/{slug}/rooms"),
                &[("name", name), ("capacity", cap)]
            )
            .await
            .status(),
            303
        );
    }
    assert_eq!(
        o.post(
            &format!("/admin/{slug}/speakers"),
            &[("name", "Ada Beispiel")]
        )
        .await
        .status(),
        303
    );
    let ada = id_of(&app, "speaker", "Ada Beispiel").to_string();
    new_session(
        &o,
        slug,
        &[
            ("title", "Eins"),
            ("kind", "talk"),
            ("language", "de"),
            ("speaker", &ada),
            ("role", "speaker"),
        ],
    )
    .await;
    new_session(
        &o,
        slug,
        &[
            ("title", "Zwei"),
            ("kind", "talk"),
            ("language", "de"),
            ("speaker", &ada),
            ("role", "moderator"),
        ],
    )
    .await;
    new_session(
        &o,
        slug,
        &[
            ("title", "Drei"),
            ("kind", "workshop"),
            ("language", "de"),
            ("capacity", "30"),
        ],
    )
    .await;
    let (saal, klein) = (id_of(&app, "room", "Saal"), id_of(&app, "room", "Klein"));
    let (eins, zwei, drei) = (
        id_of(&app, "session", "Eins"),
        id_of(&app, "session", "Zwei"),
        id_of(&app, "session", "Drei"),
    );
    assert_eq!(
        place(&o, slug, eins, "2027-04-14", "10:00", "11:00", saal)
            .await
            .status(),
        303
    );

    // Room double-booked.
    let r = place(&o, slug, drei, "2027-04-14", "10:30", "11:30", saal).await;
    assert_eq!(r.status(), 409);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("schon belegt durch „Eins“"));
    // Touching is fine.
    assert_eq!(
        place(&o, slug, drei, "2027-04-14", "11:00", "12:00", saal)
            .await
            .status(),
        303
    );
    // Speaker in two places.
    let r = place(&o, slug, zwei, "2027-04-14", "10:15", "10:45", klein).await;
    assert_eq!(r.status(), 409);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Ada Beispiel ist zur selben Zeit in „Eins“ eingeplant."));
    // Outside the congress days: the form offers only congress days, a forged day is refused.
    let r = place(&o, slug, zwei, "2027-04-15", "10:00", "11:00", klein).await;
    assert_eq!(r.status(), 409);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("außerhalb der Kongresstage"));
    // End before start, nonsense times: 422 with the input kept.
    let r = place(&o, slug, zwei, "2027-04-14", "11:00", "10:00", klein).await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Das Ende muss nach dem Beginn liegen."));
    let r = place(&o, slug, zwei, "2027-04-14", "25:99", "x", klein).await;
    assert_eq!(r.status(), 422);

    // Warning only: 30 seats for enrollment in a room for 10.
    assert_eq!(
        place(&o, slug, drei, "2027-04-14", "13:00", "14:00", klein)
            .await
            .status(),
        303
    );
    let (_, grid) = o.get(&format!("/admin/{slug}/schedule")).await;
    assert!(grid.contains("30 Plätze zur Anmeldung, aber der Raum fasst nur 10."));
    assert!(grid.contains("class=\"warning\""));

    // Adding a speaker who is elsewhere at that time to a scheduled session is refused too.
    assert_eq!(
        place(&o, slug, zwei, "2027-04-14", "10:00", "11:00", klein)
            .await
            .status(),
        409
    );
    assert_eq!(
        place(&o, slug, zwei, "2027-04-14", "14:00", "15:00", klein)
            .await
            .status(),
        303
    );
    let r = o
        .post(
            &format!("/admin/{slug}/sessions/{drei}"),
            &[
                ("title", "Drei"),
                ("kind", "workshop"),
                ("language", "de"),
                ("capacity", "30"),
                ("speaker", &ada),
                ("role", "speaker"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        303,
        "13:00–14:00 does not overlap Ada's sessions"
    );

    // Unschedule puts a session back into the list.
    assert_eq!(
        o.post(&format!("/admin/{slug}/schedule/{eins}/unschedule"), &[])
            .await
            .status(),
        303
    );
    let mut conn = app.conn();
    let start: Option<chrono::NaiveDateTime> = sessions::table
        .find(eins)
        .select(sessions::starts_at)
        .first(&mut *conn)
        .unwrap();
    assert!(start.is_none());
}

#[tokio::test]
async fn placing_across_the_dst_change_uses_local_wall_clock_time() {
    let app = spawn_app().await;
    let o = admin(&app).await;
    let slug = "nachtschicht";
    create_congress(&o, slug, "2027-03-28", "2027-03-28").await;
    assert_eq!(
        o.post(&format!("/admin/{slug}/rooms"), &[("name", "Saal")])
            .await
            .status(),
        303
    );
    new_session(
        &o,
        slug,
        &[
            ("title", "Über die Umstellung"),
            ("kind", "talk"),
            ("language", "de"),
        ],
    )
    .await;
    let (s, saal) = (
        id_of(&app, "session", "Über die Umstellung"),
        id_of(&app, "room", "Saal"),
    );
    // 02:30 does not exist on the last Sunday of March in Berlin.
    let r = place(&o, slug, s, "2027-03-28", "02:30", "03:30", saal).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Zeitumstellung"));
    assert_eq!(
        place(&o, slug, s, "2027-03-28", "01:30", "03:30", saal)
            .await
            .status(),
        303
    );
    let mut conn = app.conn();
    let (a, b): (Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>) = sessions::table
        .find(s)
        .select((sessions::starts_at, sessions::ends_at))
        .first(&mut *conn)
        .unwrap();
    assert_eq!(
        b.unwrap() - a.unwrap(),
        chrono::Duration::hours(1),
        "one real hour"
    );
    assert_eq!(a.unwrap().to_string(), "2027-03-28 00:30:00");
    drop(conn);
    let (_, grid) = o.get(&format!("/admin/{slug}/schedule")).await;
    assert!(grid.contains("01:30–03:30"));
}

#[tokio::test]
async fn publishing_twice_and_the_changelog() {
    let app = spawn_app().await;
    app.allow_undelivered(
        "publishing mails the speakers; this test is about versions and the changelog",
    );
    let slug = app.load_demo();
    let o = admin(&app).await;
    let keynote = {
        let mut conn = app.conn();
        sessions::table
            .filter(sessions::kind.eq("keynote"))
            .order(sessions::id)
            .select(sessions::id)
            .first::<i64>(&mut *conn)
            .unwrap()
    };
    let (_, preview) = o.get(&format!("/admin/{slug}/publish")).await;
    assert!(preview.contains("Keine Änderungen."));
    // Cancel a keynote and move a workshop to another room and time.
    assert_eq!(
        o.post(&format!("/admin/{slug}/sessions/{keynote}/cancel"), &[])
            .await
            .status(),
        303
    );
    let workshop = id_of(&app, "session", "Sensorik im Straßenraum");
    let forum = id_of(&app, "room", "Forum");
    let day2 = app.json(&format!("/api/v1/congresses/{slug}")).await["days"][1]["date"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        place(&o, &slug, workshop, &day2, "15:00", "16:00", forum)
            .await
            .status(),
        303
    );
    let (_, preview) = o.get(&format!("/admin/{slug}/publish")).await;
    assert!(
        preview.contains("Abgesagt: „Keynote: Die Stadt als Plattform – und wem sie gehört“"),
        "{preview}"
    );
    assert!(preview.contains("Verschoben: „Sensorik im Straßenraum“"));
    assert!(preview.contains("Raumwechsel: „Sensorik im Straßenraum“ von Raum Loisach nach Forum"));
    // Not public yet.
    let (_, page) = app.text(&format!("/{slug}/sessions/{keynote}")).await;
    assert!(!page.contains(">Abgesagt</p>"));
    assert_eq!(
        o.post(&format!("/admin/{slug}/publish"), &[])
            .await
            .status(),
        303
    );
    assert_eq!(
        o.post(&format!("/admin/{slug}/publish"), &[])
            .await
            .status(),
        303
    );
    let (_, page) = app.text(&format!("/{slug}/sessions/{keynote}")).await;
    assert!(page.contains("Abgesagt"));
    let (_, log) = app.text(&format!("/{slug}/changelog?lang=en")).await;
    assert!(log.contains("Programme version 3") && log.contains("No changes to the programme."));
    assert!(
        log.contains("Programme version 2")
            && log.contains("New room: “Sensorik im Straßenraum” from Raum Loisach to Forum")
    );
    assert_eq!(
        app.json(&format!("/api/v1/congresses/{slug}")).await["version"],
        3
    );
    // The audit log shows who did it, filterable by kind.
    let (_, audit) = o
        .get(&format!("/admin/{slug}/audit?kind=session.cancelled"))
        .await;
    assert!(audit.contains("admin@example.org") && audit.contains("session.cancelled"));
    assert!(!audit.contains("session.scheduled</code>"));
}

#[tokio::test]
async fn the_team_keeps_at_least_one_owner() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let o = admin(&app).await;
    // Created with capitals, added and logged in with other ones: one account all the same.
    app.organizer("Editor@Example.org", false);
    let r = o
        .post(
            &format!("/admin/{slug}/team"),
            &[("email", "nobody@example.org"), ("role", "editor")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("kein Konto"));
    assert_eq!(
        o.post(
            &format!("/admin/{slug}/team"),
            &[("email", "EDITOR@example.org"), ("role", "editor")]
        )
        .await
        .status(),
        303
    );
    let (e, _) = app.login("editor@example.org").await;
    assert_eq!(
        e.get(app.url(&format!("/admin/{slug}/schedule")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        e.get(app.url(&format!("/admin/{slug}/team")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    // The demo's organizer is the only owner: removing them is refused.
    let owner: i64 = {
        use kongress::db::schema::organizers;
        let mut conn = app.conn();
        organizers::table
            .filter(organizers::email.eq("orga@kongress.example"))
            .select(organizers::id)
            .first(&mut *conn)
            .unwrap()
    };
    let r = o
        .post(&format!("/admin/{slug}/team/{owner}/remove"), &[])
        .await;
    assert_eq!(r.status(), 409);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("mindestens eine verantwortliche Person"));
}

#[tokio::test]
async fn session_form_errors_keep_the_input() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let o = admin(&app).await;
    let r = o
        .post(
            &format!("/admin/{slug}/sessions/new"),
            &[
                ("title", "  "),
                ("subtitle", "Untertitel bleibt"),
                ("kind", "nonsense"),
                ("language", "de"),
                ("capacity", "viele"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("value=\"Untertitel bleibt\""));
    assert!(page.contains("id=\"e-title\"") && page.contains("id=\"e-capacity\""));
}

/// Rule 4's last warning: a move that makes sessions overlap for people enrolled in both.
#[tokio::test]
async fn a_move_that_creates_overlaps_for_enrolled_participants_is_a_warning() {
    use kongress::db::schema::{categories, congresses, enrollments, registrations};
    let app = spawn_app().await;
    let slug = app.load_demo();
    let o = admin(&app).await;
    let (a, b) = (
        id_of(&app, "session", "Urbane Datenplattformen in der Praxis"),
        id_of(&app, "session", "Datenschutz by Design"),
    );
    {
        let mut conn = app.conn();
        let congress: CongressId = congresses::table
            .select(congresses::id)
            .first(&mut *conn)
            .unwrap();
        let category: i64 = categories::table
            .select(categories::id)
            .first(&mut *conn)
            .unwrap();
        let now = kongress::services::now_utc();
        for i in 0..3 {
            let reg: i64 = diesel::insert_into(registrations::table)
                .values((
                    registrations::congress_id.eq(congress),
                    registrations::category_id.eq(category),
                    registrations::first_name.eq("Test"),
                    registrations::last_name.eq(format!("Person {i}")),
                    registrations::email.eq(format!("t{i}@example.org")),
                    registrations::consent_privacy_at.eq(now),
                    registrations::status.eq("confirmed"),
                    registrations::manage_token_hash.eq(format!("m{i}")),
                    registrations::checkin_token_hash.eq(format!("c{i}")),
                    registrations::created_at.eq(now),
                    registrations::updated_at.eq(now),
                ))
                .returning(registrations::id)
                .get_result(&mut *conn)
                .unwrap();
            for s in [a, b] {
                diesel::insert_into(enrollments::table)
                    .values((
                        enrollments::registration_id.eq(reg),
                        enrollments::session_id.eq(s),
                        enrollments::status.eq("enrolled"),
                        enrollments::created_at.eq(now),
                        enrollments::updated_at.eq(now),
                    ))
                    .execute(&mut *conn)
                    .unwrap();
            }
        }
    }
    // Move block 2's workshop into block 1's time, in a free room: saved, with a warning.
    let day2 = app.json(&format!("/api/v1/congresses/{slug}")).await["days"][1]["date"]
        .as_str()
        .unwrap()
        .to_string();
    let forum = id_of(&app, "room", "Forum");
    assert_eq!(
        place(&o, &slug, b, &day2, "10:00", "11:00", forum)
            .await
            .status(),
        303
    );
    let (_, grid) = o.get(&format!("/admin/{slug}/schedule?day={day2}")).await;
    let start = grid.find("Konflikte").unwrap();
    assert!(grid.contains("3 angemeldete Personen sind zur selben Zeit in „Urbane Datenplattformen in der Praxis“."), "warning listed: {}", &grid[start..start + 1500]);
}
