//! Issue 14: workshop blocks built by an organizer from an empty database, through the back
//! office only; the registration form's pickers; a ranked allocation; blocks in the JSON
//! export and through the import.

use diesel::prelude::*;
use kongress::db::schema::{enrollments, sessions, slot_groups};

use crate::helpers::office::{admin, create_congress, id_of, new_session, place, Organizer};
use crate::helpers::{browser, confirm_token, csrf_in, spawn_app, TestApp};

const DAY2: &str = "2027-04-15";

fn block_id(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.conn();
    slot_groups::table
        .filter(slot_groups::name.eq(name))
        .select(slot_groups::id)
        .first(&mut *conn)
        .unwrap()
}

fn block_of(app: &TestApp, session: i64) -> Option<i64> {
    let mut conn = app.conn();
    sessions::table
        .find(session)
        .select(sessions::slot_group_id)
        .first(&mut *conn)
        .unwrap()
}

/// A page as a browser `b` gets it.
async fn page_of(b: &reqwest::Client, app: &TestApp, path: &str) -> String {
    b.get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The value of the first `name="start"` field after `after` in a page.
fn start_field_after(page: &str, after: &str) -> String {
    let rest = &page[page
        .find(after)
        .unwrap_or_else(|| panic!("{after}: {page}"))..];
    let v = &rest[rest.find("name=\"start\" value=\"").unwrap() + 20..];
    v[..v.find('"').unwrap()].to_string()
}

/// A congress of two days with eleven rooms, one category and 22 workshops of one seat each,
/// placed on day 2 in two rounds (09:30 and 13:00), all through the back office.
async fn werkstatttag(o: &Organizer<'_>, slug: &str) {
    let app = o.app;
    create_congress(o, slug, "2027-04-14", DAY2).await;
    for i in 1..=11 {
        let r = o
            .post(
                &format!("/admin/{slug}/rooms"),
                &[("name", &format!("Raum {i:02}")), ("capacity", "20")],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    let r = o
        .post(
            &format!("/admin/{slug}/categories"),
            &[("name", "Kommune"), ("quota", ""), ("priority", "0")],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    for n in 1..=22 {
        new_session(
            o,
            slug,
            &[
                ("title", &format!("Werkstatt {n:02}")),
                ("kind", "workshop"),
                ("language", "de"),
                ("capacity", "1"),
            ],
        )
        .await;
        let (start, end) = if n <= 11 {
            ("09:30", "11:30")
        } else {
            ("13:00", "15:00")
        };
        let room = id_of(app, "room", &format!("Raum {:02}", (n - 1) % 11 + 1));
        let session = id_of(app, "session", &format!("Werkstatt {n:02}"));
        let r = place(o, slug, session, DAY2, start, end, room).await;
        assert_eq!(r.status(), 303, "Werkstatt {n}");
    }
}

/// The end-to-end case: an organizer who never saw the demo builds the Werkstätten day
/// in the browser — one block made from the grid in one action, one created on the blocks page
/// and filled from the session form and the grid — and runs a ranked allocation.
#[tokio::test]
async fn an_organizer_builds_two_blocks_from_an_empty_database_and_allocates_one() {
    let app = spawn_app().await;
    let o = admin(&app).await;
    let slug = "werkstatttag";
    werkstatttag(&o, slug).await;
    let w = |n: usize| id_of(&app, "session", &format!("Werkstatt {n:02}"));

    // The grid offers to make a block of each round of parallel workshops.
    let (_, grid) = o.get(&format!("/admin/{slug}/schedule?day={DAY2}")).await;
    assert_eq!(grid.matches(">Block bilden<").count(), 2, "{grid}");
    let start = start_field_after(&grid, "<strong>09:30</strong>");
    let r = o
        .post(
            &format!("/admin/{slug}/blocks/group"),
            &[("start", &start), ("back", "schedule")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to.starts_with(&format!("/admin/{slug}/schedule?day={DAY2}")),
        "{to}"
    );
    let morning = block_of(&app, w(1)).expect("Werkstatt 01 in a block");
    assert!((1..=11).all(|n| block_of(&app, w(n)) == Some(morning)));
    assert!((12..=22).all(|n| block_of(&app, w(n)).is_none()));

    // A block of its own on the blocks page, renamed, and filled one by one.
    let r = o
        .post(
            &format!("/admin/{slug}/blocks"),
            &[("name", "Nachmittag"), ("day", DAY2)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = o
        .post(
            &format!("/admin/{slug}/blocks"),
            &[("name", "Nachmittag"), ("day", "2030-01-01")],
        )
        .await;
    assert_eq!(r.status(), 422, "a name twice, a day outside the congress");
    let page = r.text().await.unwrap();
    assert!(page.contains("value=\"Nachmittag\""), "input kept");
    let afternoon = block_id(&app, "Nachmittag");
    let r = o
        .post(
            &format!("/admin/{slug}/blocks/{morning}"),
            &[("name", "Vormittag"), ("day", DAY2)],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Six from the session form, five from the grid.
    for n in 12..=17 {
        let r = o
            .post(
                &format!("/admin/{slug}/sessions/{}", w(n)),
                &[
                    ("title", &format!("Werkstatt {n:02}")),
                    ("kind", "workshop"),
                    ("language", "de"),
                    ("capacity", "1"),
                    ("block", &afternoon.to_string()),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    }
    let (_, form) = o.get(&format!("/admin/{slug}/sessions/{}", w(12))).await;
    assert!(form.contains(&format!(
        "<option value=\"{afternoon}\" selected>Nachmittag"
    )));
    for n in 18..=22 {
        let r = o
            .post(
                &format!("/admin/{slug}/sessions/{}/block", w(n)),
                &[("block", &afternoon.to_string()), ("back", "schedule")],
            )
            .await;
        assert_eq!(r.status(), 303);
        assert!(r.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with(&format!("#s{}", w(n))));
    }
    assert!((12..=22).all(|n| block_of(&app, w(n)) == Some(afternoon)));
    let (_, grid) = o.get(&format!("/admin/{slug}/schedule?day={DAY2}")).await;
    assert!(!grid.contains(">Block bilden<"), "nothing left to group");

    // The blocks page shows both as sound; a workshop moved out of the round is flagged.
    let (_, blocks) = o.get(&format!("/admin/{slug}/blocks")).await;
    assert!(blocks.contains("Vormittag") && blocks.contains("Nachmittag"));
    assert_eq!(
        blocks
            .matches("Alle Werkstätten laufen gleichzeitig.")
            .count(),
        2
    );
    let room = id_of(&app, "room", "Raum 11");
    let r = place(&o, slug, w(22), DAY2, "15:00", "16:00", room).await;
    assert_eq!(r.status(), 303);
    let (_, blocks) = o.get(&format!("/admin/{slug}/blocks")).await;
    assert!(blocks.contains("Nicht alle Werkstätten dieses Blocks laufen gleichzeitig"));
    let r = place(&o, slug, w(22), DAY2, "13:00", "15:00", room).await;
    assert_eq!(r.status(), 303);

    // Published, the registration form offers one picker per block.
    let r = o.post(&format!("/admin/{slug}/publish"), &[]).await;
    assert_eq!(r.status(), 303);
    let (status, page) = app.text(&format!("/{slug}/register")).await;
    assert_eq!(status, 200);
    for b in [morning, afternoon] {
        assert!(page.contains(&format!("name=\"workshop_{b}\"")), "{page}");
    }
    // The afternoon goes ranked; three people rank its workshops on the form.
    let r = o
        .post(
            &format!("/admin/{slug}/allocation/{afternoon}/mode"),
            &[("mode", "ranked"), ("rank_depth", "2"), ("deadline", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let category = {
        let mut conn = app.conn();
        kongress::db::schema::categories::table
            .select(kongress::db::schema::categories::id)
            .first::<i64>(&mut *conn)
            .unwrap()
            .to_string()
    };
    let b = browser();
    let page = page_of(&b, &app, &format!("/{slug}/register")).await;
    assert!(page.contains(&format!("name=\"rank_{afternoon}_1\"")));
    let csrf = csrf_in(&page);
    let register = |email: String, days: Vec<&'static str>, fields: Vec<(String, String)>| {
        let mut form: Vec<(String, String)> = vec![
            ("csrf_token".into(), csrf.clone()),
            ("category".into(), category.clone()),
            ("first_name".into(), "Rosa".into()),
            ("last_name".into(), "Rang".into()),
            ("email".into(), email),
            ("consent_privacy".into(), "on".into()),
        ];
        form.extend(
            days.into_iter()
                .map(|d| ("days".to_string(), d.to_string())),
        );
        form.extend(fields);
        b.post(app.url(&format!("/{slug}/register")))
            .form(&form)
            .send()
    };
    // Day 1 only, with a workshop of day 2: refused on the form, the input kept.
    let r = register(
        "tag1@example.org".into(),
        vec!["2027-04-14"],
        vec![(format!("workshop_{morning}"), w(3).to_string())],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("an einem Tag, an dem Sie nicht teilnehmen"),
        "{body}"
    );
    assert!(body.contains("value=\"tag1@example.org\""));
    let rank = |a: usize, b: usize| {
        vec![
            (format!("rank_{afternoon}_1"), w(a).to_string()),
            (format!("rank_{afternoon}_2"), w(b).to_string()),
        ]
    };
    for (i, ranking) in [rank(12, 13), rank(12, 13), rank(14, 12)]
        .into_iter()
        .enumerate()
    {
        let email = format!("rang{i}@example.org");
        let r = register(email.clone(), vec!["2027-04-14", DAY2], ranking)
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let token = confirm_token(&app, &email);
        let page = page_of(&b, &app, &format!("/r/confirm/{token}")).await;
        let r = b
            .post(app.url(&format!("/r/confirm/{token}")))
            .form(&[("csrf_token", csrf_in(&page))])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
    }
    let (_, preview) = o
        .get(&format!(
            "/admin/{slug}/allocation?group={afternoon}&seed=7"
        ))
        .await;
    assert!(preview.contains("3 Teilnehmende mit Wünschen"), "{preview}");
    let r = o
        .post(
            &format!("/admin/{slug}/allocation/{afternoon}/commit"),
            &[("seed", "7")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let seated: Vec<i64> = {
        let mut conn = app.conn();
        enrollments::table
            .filter(enrollments::status.eq("enrolled"))
            .order(enrollments::session_id)
            .select(enrollments::session_id)
            .load(&mut *conn)
            .unwrap()
    };
    assert_eq!(
        seated,
        vec![w(12), w(13), w(14)],
        "one seat each, all placed"
    );

    // The export lists the blocks under conference.meta.
    let json = app.json(&format!("/{slug}/schedule.json")).await;
    let meta = &json["schedule"]["conference"]["meta"];
    let names: Vec<&str> = meta["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Nachmittag", "Vormittag"]);
    assert_eq!(meta["blocks"][0]["events"].as_array().unwrap().len(), 11);
    assert_eq!(meta["seats"].as_object().unwrap().len(), 22);
    let api = app.json(&format!("/api/v1/congresses/{slug}")).await;
    assert_eq!(api["blocks"].as_array().unwrap().len(), 2);
    app.mailer.drain().await.unwrap();
}

/// A programme exported and imported elsewhere keeps its blocks and seats; a foreign programme
/// (no meta) gets its parallel workshops grouped when asked; re-importing keeps the blocks.
#[tokio::test]
async fn the_import_keeps_blocks_and_groups_parallel_workshops() {
    use kongress::services::audit::Actor;
    use kongress::services::import::{self, Mode};
    let app = spawn_app().await;
    let slug = app.load_demo();
    let (_, text) = app.text(&format!("/{slug}/schedule.json")).await;
    // Another instance: guids are unique per instance.
    let app = spawn_app().await;
    let run = |app: &TestApp, to: &str, text: &str, group: bool| {
        let mut conn = app.conn();
        import::import_file(
            &mut conn,
            to,
            text,
            &Default::default(),
            Actor::System,
            Mode {
                draft: true,
                group_workshops: group,
            },
            None,
        )
        .unwrap()
    };
    let blocks_of = |app: &TestApp, to: &str| -> Vec<(String, i64)> {
        let mut conn = app.conn();
        slot_groups::table
            .inner_join(kongress::db::schema::congresses::table)
            .inner_join(sessions::table.on(sessions::slot_group_id.eq(slot_groups::id.nullable())))
            .filter(kongress::db::schema::congresses::slug.eq(to))
            .group_by(slot_groups::name)
            .select((slot_groups::name, diesel::dsl::count_star()))
            .order(slot_groups::name)
            .load(&mut *conn)
            .unwrap()
    };
    let done = run(&app, "kopie", &text, false);
    assert_eq!((done.blocks_created, done.sessions_grouped), (2, 22));
    let expected = vec![
        ("Werkstätten, Block 1".to_string(), 11),
        ("Werkstätten, Block 2".to_string(), 11),
    ];
    assert_eq!(blocks_of(&app, "kopie"), expected);
    let seats: i64 = {
        let mut conn = app.conn();
        sessions::table
            .inner_join(kongress::db::schema::congresses::table)
            .filter(kongress::db::schema::congresses::slug.eq("kopie"))
            .filter(sessions::capacity.is_not_null())
            .count()
            .get_result(&mut *conn)
            .unwrap()
    };
    assert_eq!(seats, 22, "the seats came along");
    // Again: nothing new, the blocks stay.
    let again = run(&app, "kopie", &text, false);
    assert_eq!((again.blocks_created, again.sessions_grouped), (0, 0));
    assert_eq!(blocks_of(&app, "kopie"), expected);

    // Without kongress's meta (another tool's export), grouping makes one block per round.
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["schedule"]["conference"]
        .as_object_mut()
        .unwrap()
        .remove("meta");
    let foreign = doc.to_string();
    let app = spawn_app().await;
    let done = run(&app, "fremd", &foreign, false);
    assert_eq!(done.blocks_created, 0);
    assert!(blocks_of(&app, "fremd").is_empty());
    let done = run(&app, "fremd", &foreign, true);
    assert_eq!((done.blocks_created, done.sessions_grouped), (2, 22));
    let grouped = blocks_of(&app, "fremd");
    assert_eq!(grouped.len(), 2);
    assert!(grouped
        .iter()
        .all(|(name, n)| name.starts_with("Werkstätten ") && *n == 11));
}

/// Signs someone up through the service and confirms them; their private page's token.
fn signed_up(
    app: &TestApp,
    email: &'static str,
    workshop: impl Into<Option<i64>>,
) -> (kongress::domain::RegistrationId, String) {
    use kongress::services::registration as reg;
    let mut who = crate::helpers::Applicant::new("Test", email, email);
    who.workshop = workshop.into();
    let id = app.register_directly(who);
    let token = confirm_token(app, email);
    let ctx = app.mail_context();
    let mut conn = app.conn();
    reg::confirm(&mut conn, &token, &ctx, kongress::services::now_utc()).unwrap();
    let row: kongress::db::rows::Registration = kongress::db::schema::registrations::table
        .find(id)
        .select(kongress::db::rows::Registration::as_select())
        .first(&mut *conn)
        .unwrap();
    (id, reg::manage_token(&ctx, &row))
}

/// Day consistency on the private page (a day given up releases its seats after a
/// confirmation; a workshop on a day not attended is refused) and in the repair view.
#[tokio::test]
async fn seats_stay_on_the_days_a_person_attends() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let first_day = app.congress_row().first_day.to_string();
    let w = app.session_id("Beschaffung agil gestalten");
    let w2 = app.session_id("Interkommunale Kooperation");
    app.set_session_capacity(w, 1);
    app.set_session_capacity(w2, 1);
    let (ada, ada_link) = signed_up(&app, "ada@example.org", w);
    let (bea, _) = signed_up(&app, "bea@example.org", w);
    assert_eq!(app.seat(ada, w).as_deref(), Some("enrolled"));
    assert_eq!(app.seat(bea, w).as_deref(), Some("waitlisted"));

    // Ada keeps only day 1: first she is asked, nothing changes.
    let b = browser();
    let page = page_of(&b, &app, &format!("/r/{ada_link}")).await;
    assert!(
        page.contains("Ihre Teilnahmetage"),
        "the private page offers the days"
    );
    let csrf = csrf_in(&page);
    let post_days = |confirm: bool| {
        let mut form = vec![("csrf_token", csrf.as_str()), ("days", first_day.as_str())];
        if confirm {
            form.push(("confirm", "1"));
        }
        b.post(app.url(&format!("/r/{ada_link}/days")))
            .form(&form)
            .send()
    };
    let r = post_days(false).await.unwrap();
    assert_eq!(r.status(), 409);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("<li>Beschaffung agil gestalten</li>"),
        "{body}"
    );
    assert_eq!(app.seat(ada, w).as_deref(), Some("enrolled"));
    let r = post_days(true).await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("done=days_released"));
    assert_eq!(app.seat(ada, w).as_deref(), Some("cancelled"));
    assert_eq!(
        app.seat(bea, w).as_deref(),
        Some("enrolled"),
        "the next moved up"
    );
    // A day-2 workshop is now refused on the private page.
    let r = b
        .post(app.url(&format!("/r/{ada_link}/enroll")))
        .form(&[("csrf_token", csrf.as_str()), ("session", &w2.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("done=not_attending"));
    assert_eq!(app.seat(ada, w2), None);

    // Data from before the check: Carla holds a day-2 seat but attends day 1 only.
    let (carla, _) = signed_up(&app, "carla@example.org", w2);
    let (dora, _) = signed_up(&app, "dora@example.org", w2);
    {
        let mut conn = app.conn();
        diesel::update(kongress::db::schema::registrations::table.find(carla))
            .set(kongress::db::schema::registrations::days_attending.eq(&first_day))
            .execute(&mut *conn)
            .unwrap();
    }
    let o = admin(&app).await;
    let (_, repair) = o.get(&format!("/admin/{slug}/seats/off-day")).await;
    assert_eq!(repair.matches(">Freigeben<").count(), 1, "{repair}");
    assert!(repair.contains("Interkommunale Kooperation"));
    let r = o
        .post(&format!("/admin/{slug}/seats/off-day/{carla}/{w2}"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.seat(carla, w2).as_deref(), Some("cancelled"));
    assert_eq!(app.seat(dora, w2).as_deref(), Some("enrolled"));
    // A second click changes nothing.
    let r = o
        .post(&format!("/admin/{slug}/seats/off-day/{carla}/{w2}"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.seat(dora, w2).as_deref(), Some("enrolled"));
    let (_, repair) = o.get(&format!("/admin/{slug}/seats/off-day")).await;
    assert!(repair.contains("Keine: jeder Werkstattplatz"));
    app.mailer.drain().await.unwrap();
}

/// The demo's people hold seats only on days they attend, and its ranked block has rankings to
/// allocate at once.
#[tokio::test]
async fn the_demo_keeps_seats_on_attended_days_and_ships_a_ranked_block() {
    use kongress::db::schema::preferences;
    let app = spawn_app().await;
    app.load_demo_with_people();
    let c = app.congress_row();
    let mut conn = app.conn();
    let off = kongress::services::registration::off_day_seats(&mut conn, c.id).unwrap();
    assert!(off.is_empty(), "{} seats on days not attended", off.len());
    let seated: i64 = enrollments::table
        .filter(enrollments::status.eq("enrolled"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert!(seated > 40, "{seated}");
    let ranked: Vec<(i64, String)> = slot_groups::table
        .filter(slot_groups::allocation_mode.eq("ranked"))
        .select((slot_groups::id, slot_groups::name))
        .load(&mut *conn)
        .unwrap();
    assert_eq!(ranked.len(), 1);
    let rankings: i64 = preferences::table
        .filter(preferences::slot_group_id.eq(ranked[0].0))
        .filter(preferences::rank.eq(1))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert!(rankings > 30, "{rankings}");
}

/// The block's seats a person holds (enrolled), per person, for the rule-3 check.
fn seats_in(app: &TestApp, sessions_of_block: &[i64]) -> std::collections::HashMap<i64, usize> {
    let mut conn = app.conn();
    let rows: Vec<i64> = enrollments::table
        .filter(enrollments::session_id.eq_any(sessions_of_block))
        .filter(enrollments::status.eq("enrolled"))
        .select(enrollments::registration_id)
        .load(&mut *conn)
        .unwrap();
    let mut by = std::collections::HashMap::new();
    for r in rows {
        *by.entry(r).or_insert(0) += 1;
    }
    by
}

/// Swap waiting under concurrency: 100 people hold seats in A and wait for B; B's 100 holders
/// leave in concurrent waves. After every wave nobody holds two seats of the block, no
/// workshop is over capacity, and at the end every swapper sits in B, A is empty, and each got
/// one promotion mail.
#[tokio::test]
async fn a_hundred_swaps_never_give_anyone_two_seats_of_a_block() {
    use kongress::services::registration as reg;
    const N: usize = 100;
    let app = spawn_app().await;
    app.allow_undelivered("200 confirmation and 100 promotion mails: counted in the outbox");
    app.load_demo();
    let a = app.session_id("Beschaffung agil gestalten");
    let bw = app.session_id("Interkommunale Kooperation");
    let block: Vec<i64> = {
        let mut conn = app.conn();
        let g = app.slot_group_of(a);
        // Rooms big enough; the seats are the sessions' own.
        diesel::update(kongress::db::schema::rooms::table)
            .set(kongress::db::schema::rooms::capacity.eq(None::<i32>))
            .execute(&mut *conn)
            .unwrap();
        sessions::table
            .filter(sessions::slot_group_id.eq(g))
            .select(sessions::id)
            .load(&mut *conn)
            .unwrap()
    };
    app.set_session_capacity(a, N as i32);
    app.set_session_capacity(bw, N as i32);
    let emails: Vec<&'static str> = (0..2 * N)
        .map(|i| &*Box::leak(format!("swap{i}@example.org").into_boxed_str()))
        .collect();
    let mut holders = vec![];
    let mut swappers = vec![];
    for (i, email) in emails.iter().enumerate() {
        let (id, _) = signed_up(&app, email, if i < N { bw } else { a });
        if i < N {
            holders.push(id);
        } else {
            swappers.push(id);
        }
    }
    {
        let ctx = app.mail_context();
        let mut conn = app.conn();
        for s in &swappers {
            let o = reg::participant_swap(
                &mut conn,
                &ctx,
                *s,
                bw.into(),
                a.into(),
                kongress::services::now_utc(),
            )
            .unwrap();
            assert!(matches!(o, reg::SeatOutcome::Waitlisted(_)), "{o:?}");
        }
        // A second wait in the same block is refused, naming the first.
        let other = app.session_id("Smarte Parkraumbewirtschaftung");
        let o = reg::participant_swap(
            &mut conn,
            &ctx,
            swappers[0],
            other.into(),
            a.into(),
            kongress::services::now_utc(),
        )
        .unwrap();
        assert_eq!(
            o,
            reg::SeatOutcome::Overlaps("Interkommunale Kooperation".into())
        );
    }
    assert!(seats_in(&app, &block).values().all(|n| *n == 1));
    for wave in holders.chunks(10) {
        let tasks: Vec<_> = wave
            .iter()
            .map(|h| {
                let (pool, ctx, h) = (app.pool.clone(), app.mail_context(), *h);
                tokio::task::spawn_blocking(move || {
                    let mut conn = pool.get().unwrap();
                    reg::participant_leave(
                        &mut conn,
                        &ctx,
                        h,
                        bw.into(),
                        kongress::services::now_utc(),
                    )
                    .unwrap()
                })
            })
            .collect();
        for t in tasks {
            assert!(t.await.unwrap(), "each holder leaves once");
        }
        let held = seats_in(&app, &block);
        assert!(
            held.values().all(|n| *n == 1),
            "somebody holds two seats of the block"
        );
        let mut conn = app.conn();
        for s in [a, bw] {
            let (cap, enrolled): (Option<i32>, i32) = sessions::table
                .find(s)
                .select((sessions::capacity, sessions::enrolled_count))
                .first(&mut *conn)
                .unwrap();
            let rows: i64 = enrollments::table
                .filter(enrollments::session_id.eq(s))
                .filter(enrollments::status.eq("enrolled"))
                .count()
                .get_result(&mut *conn)
                .unwrap();
            assert_eq!(enrolled as i64, rows, "the counter matches the rows");
            assert!(enrolled <= cap.unwrap());
        }
    }
    for s in &swappers {
        assert_eq!(app.seat(*s, bw).as_deref(), Some("enrolled"));
        assert_eq!(app.seat(*s, a).as_deref(), Some("cancelled"));
    }
    let mut conn = app.conn();
    let promoted: Vec<String> = kongress::db::schema::outbox::table
        .filter(kongress::db::schema::outbox::kind.eq("enrollment-promoted"))
        .select(kongress::db::schema::outbox::recipient)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(promoted.len(), N, "one promotion mail per swap");
    let distinct: std::collections::HashSet<&String> = promoted.iter().collect();
    assert_eq!(distinct.len(), N);
    assert!(promoted.iter().all(|r| emails[N..].contains(&r.as_str())));
}

/// On the private page a refused workshop of the same block names the seat it clashes with and
/// offers the swap; waiting to swap keeps the seat until the other one frees.
#[tokio::test]
async fn the_private_page_offers_a_swap_and_keeps_the_seat_while_waiting() {
    use kongress::services::registration as reg;
    let app = spawn_app().await;
    app.allow_undelivered("confirmation and promotion mails; the swap is what is tested");
    app.load_demo();
    let a = app.session_id("Beschaffung agil gestalten");
    let bw = app.session_id("Interkommunale Kooperation");
    app.set_session_capacity(a, 1);
    app.set_session_capacity(bw, 1);
    let (ada, link) = signed_up(&app, "ada@example.org", a);
    let (bea, _) = signed_up(&app, "bea@example.org", bw);
    let b = browser();
    let page = page_of(&b, &app, &format!("/r/{link}")).await;
    let csrf = csrf_in(&page);
    let r = b
        .post(app.url(&format!("/r/{link}/enroll")))
        .form(&[("csrf_token", csrf.as_str()), ("session", &bw.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to.contains(&format!("done=swap&with={a}&want={bw}")),
        "{to}"
    );
    let page = page_of(&b, &app, &to).await;
    assert!(
        page.contains("wie Ihre Werkstatt „Beschaffung agil gestalten“"),
        "the refusal names the clashing workshop"
    );
    assert!(page.contains("Auf die Warteliste, bisherigen Platz behalten"));
    let r = b
        .post(app.url(&format!("/r/{link}/swap")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("session", &bw.to_string()),
            ("with", &a.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // The message is next to the workshops, where the page is scrolled to.
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let page = page_of(&b, &app, &to).await;
    let after = &page[page.find("id=\"workshops\"").unwrap()..];
    assert!(
        after[..600].contains("behalten Ihren bisherigen Platz"),
        "{after}"
    );
    assert_eq!(app.seat(ada, a).as_deref(), Some("enrolled"), "seat kept");
    assert_eq!(app.seat(ada, bw).as_deref(), Some("waitlisted"));
    let page = page_of(&b, &app, &format!("/r/{link}")).await;
    assert!(page.contains("tauscht gegen „Beschaffung agil gestalten“"));
    {
        let ctx = app.mail_context();
        let mut conn = app.conn();
        reg::participant_leave(
            &mut conn,
            &ctx,
            bea,
            bw.into(),
            kongress::services::now_utc(),
        )
        .unwrap();
    }
    assert_eq!(app.seat(ada, bw).as_deref(), Some("enrolled"));
    assert_eq!(app.seat(ada, a).as_deref(), Some("cancelled"));
    // Cancelling takes a second step on the page; afterwards no calendar is offered.
    let page = page_of(&b, &app, &format!("/r/{link}")).await;
    assert!(page.contains("<details class=\"confirm\"><summary>Anmeldung stornieren</summary>"));
    assert!(page.contains("agenda.ics"));
    let r = b
        .post(app.url(&format!("/r/{link}/cancel")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = page_of(&b, &app, &format!("/r/{link}")).await;
    assert!(
        !page.contains("agenda.ics"),
        "no calendar for a cancelled registration"
    );
}

/// The preview after a block switched to ranked choices, against a small case computed by
/// hand: the people seated first come, first served are named and counted as taken, the picks
/// of that time are not rankings, and bad settings come back on the form.
#[tokio::test]
async fn the_allocation_preview_tells_the_truth_after_a_switch() {
    use kongress::services::allocation;
    let app = spawn_app().await;
    app.allow_undelivered("confirmation mails; the preview writes nothing");
    let slug = app.load_demo();
    let w1 = app.session_id("Urbane Datenplattformen in der Praxis");
    let w2 = app.session_id("Digitale Zwillinge für die Stadtplanung");
    let w3 = app.session_id("Sensorik im Straßenraum");
    let g = app.slot_group_of(w1);
    app.set_session_capacity(w1, 2);
    app.set_session_capacity(w2, 1);
    app.set_session_capacity(w3, 1);
    // First come, first served: P0 in W1, Q1 in W3, Q2 waiting for W3.
    signed_up(&app, "p0@example.org", w1);
    signed_up(&app, "q1@example.org", w3);
    let (q2, _) = signed_up(&app, "q2@example.org", w3);
    assert_eq!(app.seat(q2, w3).as_deref(), Some("waitlisted"));
    let o = admin(&app).await;
    // Bad settings come back on the form, the input kept.
    let r = o
        .post(
            &format!("/admin/{slug}/allocation/{}/mode", g.get()),
            &[
                ("mode", "ranked"),
                ("rank_depth", "9"),
                ("deadline", "morgen"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Anzahl Wünsche von 1 bis 5") && page.contains("value=\"9\""));
    assert!(page.contains("value=\"morgen\""));
    let r = o
        .post(
            &format!("/admin/{slug}/allocation/{}/mode", g.get()),
            &[("mode", "ranked"), ("rank_depth", "2"), ("deadline", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Three people rank: two want W1 then W2, one W2 then W1.
    for (email, ranking) in [
        ("r1@example.org", [w1, w2]),
        ("r2@example.org", [w1, w2]),
        ("r3@example.org", [w2, w1]),
    ] {
        let (id, _) = signed_up(&app, email, None);
        let mut conn = app.conn();
        allocation::set_ranking(&mut conn, id, g, &ranking, kongress::services::now_utc()).unwrap();
    }
    let (_, page) = o
        .get(&format!(
            "/admin/{slug}/allocation?group={}&seed=5",
            g.get()
        ))
        .await;
    assert!(
        page.contains("2 Personen haben in diesem Block schon einen Platz"),
        "P0 and Q1: {page}"
    );
    assert!(
        page.contains("3 Teilnehmende mit Wünschen"),
        "Q2's pick is no ranking"
    );
    assert!(
        page.contains("1. Wunsch: 2 (67 %)") && page.contains("Ohne Platz (Warteliste): 1 (33 %)")
    );
    let row = |title: &str| {
        let at = page
            .find(&format!("<th scope=\"row\">{title}</th>"))
            .unwrap();
        page[at..at + page[at..].find("</tr>").unwrap()].to_string()
    };
    assert!(
        row("Urbane Datenplattformen in der Praxis").contains("<td>1</td><td>1</td><td>2/2</td>")
    );
    assert!(
        row("Digitale Zwillinge für die Stadtplanung").contains("<td>0</td><td>1</td><td>1/1</td>")
    );
    assert!(row("Sensorik im Straßenraum").contains("<td>1</td><td>0</td><td>1/1</td>"));
    assert!(page.contains("Losnummer – für ein nachvollziehbares Ergebnis"));
    assert!(page.contains(">Neu losen<"));
}

/// The congress waiting list: the email and the private page say why and where a person
/// waits; an organizer promotes within the quotas or, logged, beyond them, and a change of
/// category re-checks the quotas and lets the next in line move up.
#[tokio::test]
async fn the_congress_waiting_list_tells_why_and_organizers_promote_within_quotas() {
    use kongress::db::schema::{audit_log, categories, outbox};
    let app = spawn_app().await;
    app.allow_undelivered("registration mails, read in the outbox");
    let slug = app.load_demo();
    let small = "Kommune (kein Mitglied)";
    {
        let mut conn = app.conn();
        diesel::update(categories::table.filter(categories::name.eq(small)))
            .set(categories::quota.eq(Some(1)))
            .execute(&mut *conn)
            .unwrap();
    }
    let sign = |email: &'static str| {
        let mut who = crate::helpers::Applicant::new("Test", email, email);
        who.category = small;
        let id = app.register_directly(who);
        let token = confirm_token(&app, email);
        let ctx = app.mail_context();
        let mut conn = app.conn();
        kongress::services::registration::confirm(
            &mut conn,
            &token,
            &ctx,
            kongress::services::now_utc(),
        )
        .unwrap();
        id
    };
    let a = sign("a@example.org");
    let bb = sign("b@example.org");
    let c = sign("c@example.org");
    assert_eq!(app.registration_status(a), "confirmed");
    assert_eq!(app.registration_status(bb), "waitlisted");
    assert_eq!(app.registration_status(c), "waitlisted");
    let mail_to = |to: &str| -> String {
        let mut conn = app.conn();
        outbox::table
            .filter(outbox::recipient.eq(to))
            .filter(outbox::kind.eq("waitlisted"))
            .select(outbox::body_text)
            .first(&mut *conn)
            .unwrap()
    };
    let m = mail_to("b@example.org");
    assert!(
        m.contains("Grund: Die Plätze für „Kommune (kein Mitglied)“ sind vergeben"),
        "{m}"
    );
    assert!(m.contains("Ihr Platz auf der Warteliste: 1") && !m.contains("ausgebucht"));
    assert!(mail_to("c@example.org").contains("Ihr Platz auf der Warteliste: 2"));

    let o = admin(&app).await;
    let (_, page) = o.get(&format!("/admin/{slug}/registrations/{c}")).await;
    assert!(page.contains("Warteliste des Kongresses") && page.contains("Warteliste: 2"));
    // Within the quota: refused, nothing changes.
    let r = o
        .post(&format!("/admin/{slug}/registrations/{c}/promote"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with("refused=category"), "{to}");
    let (_, page) = o.get(&to).await;
    assert!(page.contains("Kontingent dieser Kategorie ist ausgeschöpft"));
    assert_eq!(app.registration_status(c), "waitlisted");
    // Beyond it, logged.
    let r = o
        .post(
            &format!("/admin/{slug}/registrations/{c}/promote"),
            &[("override", "1")],
        )
        .await;
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("saved=1"));
    assert_eq!(app.registration_status(c), "confirmed");
    {
        let mut conn = app.conn();
        let logged: i64 = audit_log::table
            .filter(audit_log::kind.eq("registration.limits_overridden"))
            .filter(audit_log::entity_id.eq(c.get()))
            .count()
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(logged, 1);
        let taken: i32 = categories::table
            .filter(categories::name.eq(small))
            .select(categories::confirmed_count)
            .first(&mut *conn)
            .unwrap();
        assert_eq!(taken, 2);
    }
    // B moves to a category with room: admitted at once.
    let open = app
        .category_id("Kommune (Mitglied im Netzwerk)")
        .to_string();
    let r = o
        .post(
            &format!("/admin/{slug}/registrations/{bb}/category"),
            &[("category", open.as_str())],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.registration_status(bb), "confirmed");
    // A confirmed person cannot move into a category without room.
    let full = app.category_id("Modellprojekt Smart Cities");
    {
        let mut conn = app.conn();
        diesel::update(categories::table.find(full))
            .set(categories::quota.eq(Some(0)))
            .execute(&mut *conn)
            .unwrap();
    }
    let r = o
        .post(
            &format!("/admin/{slug}/registrations/{a}/category"),
            &[("category", full.to_string().as_str())],
        )
        .await;
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("refused=category"));
    let mut conn = app.conn();
    let still: kongress::domain::CategoryId = kongress::db::schema::registrations::table
        .find(a)
        .select(kongress::db::schema::registrations::category_id)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(still, app.category_id(small));
}

/// A ranking on the private page with a workshop twice, or on a day not attended, comes back
/// on the form with the choices as sent.
#[tokio::test]
async fn ranking_errors_come_back_on_the_private_page() {
    let app = spawn_app().await;
    app.allow_undelivered("confirmation mails");
    app.load_demo();
    // The demo's second block takes ranked choices.
    let w = app.session_id("Datenschutz by Design");
    let w2 = app.session_id("Open Source in Kommunen");
    let g = app.slot_group_of(w).get();
    let (ada, link) = signed_up(&app, "ada@example.org", None);
    let b = browser();
    let page = page_of(&b, &app, &format!("/r/{link}")).await;
    let csrf = csrf_in(&page);
    let send = |first: i64, second: i64| {
        b.post(app.url(&format!("/r/{link}/ranking")))
            .form(&[
                ("csrf_token", csrf.clone()),
                ("group", g.to_string()),
                ("choice_1", first.to_string()),
                ("choice_2", second.to_string()),
            ])
            .send()
    };
    let r = send(w, w).await.unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("nur einmal"), "{body}");
    assert_eq!(
        body.matches(&format!("<option value=\"{w}\" selected>"))
            .count(),
        2,
        "both choices kept"
    );
    // Day 1 only: the block's workshops are on day 2.
    {
        let first = app.congress_row().first_day.to_string();
        let mut conn = app.conn();
        diesel::update(kongress::db::schema::registrations::table.find(ada))
            .set(kongress::db::schema::registrations::days_attending.eq(first))
            .execute(&mut *conn)
            .unwrap();
    }
    let r = send(w, w2).await.unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("an einem Tag, an dem Sie nicht teilnehmen"));
    assert!(body.contains(&format!("<option value=\"{w2}\" selected>")));
}
