//! Issue 7: ranked preferences for a slot group, preview, commit with emails over SMTP.

use std::time::Duration;

use diesel::prelude::*;
use kongress::db::schema::{categories, congresses, enrollments, registrations, sessions};
use kongress::services::allocation;
use kongress::services::audit::Actor;
use kongress::services::registration::{self as reg, RegistrationInput};
use kongress::services::{now_utc, ServiceError};

use crate::helpers::spawn_app_with;
use crate::smtp::SmtpSink;
use kongress::domain::CongressId;

type Conn = kongress::db::DbConnection;

/// The first category that needs neither quota nor approval.
fn open_category(conn: &mut Conn, congress: CongressId) -> kongress::domain::CategoryId {
    categories::table
        .filter(categories::congress_id.eq(congress))
        .filter(categories::quota.is_null())
        .filter(categories::needs_approval.eq(false))
        .select(categories::id)
        .first(conn)
        .unwrap()
}

/// Registers one person through the service (no workshop picks) and confirms them as the
/// emailed link would; returns the registration as it is then.
fn sign_up(
    conn: &mut Conn,
    ctx: &kongress::services::Ctx,
    c: &kongress::db::rows::Congress,
    category: kongress::domain::CategoryId,
    email: &str,
    days: Vec<chrono::NaiveDate>,
    language: kongress::i18n::Lang,
) -> kongress::db::rows::Registration {
    let input = RegistrationInput {
        category_id: category,
        first_name: "Rang".into(),
        last_name: email.split('@').next().unwrap_or_default().into(),
        email: kongress::domain::EmailAddress::parse(email).unwrap(),
        organization: String::new(),
        position: String::new(),
        days,
        dietary: String::new(),
        accessibility: String::new(),
        language,
        answers: vec![],
        consent_public: false,
        picks: vec![],
        rankings: vec![],
    };
    reg::register(conn, c, &input, ctx, now_utc()).unwrap();
    let load = |conn: &mut Conn| -> kongress::db::rows::Registration {
        registrations::table
            .filter(registrations::congress_id.eq(c.id))
            .filter(registrations::email.eq(email))
            .select(kongress::db::rows::Registration::as_select())
            .first(conn)
            .unwrap()
    };
    let r = load(conn);
    kongress::db::write_transaction(conn, |conn| reg::confirm_pending(conn, ctx, &r, now_utc()))
        .unwrap();
    load(conn)
}

#[tokio::test]
async fn two_hundred_people_rank_a_block_and_the_allocation_commits() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(move |s| s.smtp_url = Some(url)).await;
    let slug = app.load_demo();
    let ctx = app.mail_context();
    let mut conn = app.conn();
    let c: kongress::db::rows::Congress = congresses::table
        .filter(congresses::slug.eq(&slug))
        .select(kongress::db::rows::Congress::as_select())
        .first(&mut *conn)
        .unwrap();
    let groups = allocation::groups(&mut conn, c.id).unwrap();
    let g = groups[0].clone();
    allocation::set_mode(&mut conn, c.id, g.id, "ranked", 3, None, Actor::System).unwrap();
    let workshops: Vec<i64> = sessions::table
        .filter(sessions::slot_group_id.eq(g.id))
        .order(sessions::id)
        .select(sessions::id)
        .load(&mut *conn)
        .unwrap();
    let cat = open_category(&mut conn, c.id);
    // 200 confirmed participants; the first four workshops are everybody's favourites.
    for i in 0..200usize {
        let lang = if i % 5 == 0 {
            kongress::i18n::Lang::En
        } else {
            kongress::i18n::Lang::De
        };
        let days = vec![c.first_day, c.last_day];
        sign_up(
            &mut conn,
            &ctx,
            &c,
            cat,
            &format!("rang{i}@example.org"),
            days,
            lang,
        );
    }
    let confirmed: Vec<kongress::domain::RegistrationId> = registrations::table
        .filter(registrations::congress_id.eq(c.id))
        .filter(registrations::status.eq("confirmed"))
        .select(registrations::id)
        .load(&mut *conn)
        .unwrap();
    assert!(confirmed.len() >= 150, "{}", confirmed.len());
    for (i, r) in confirmed.iter().enumerate() {
        let a = i % 4;
        // Every second person wants only the two biggest favourites: some of them will wait.
        let ranking = if i % 2 == 0 {
            vec![workshops[a % 2], workshops[(a + 1) % 2]]
        } else {
            vec![workshops[a], workshops[(a + 1) % 4], workshops[4 + i % 7]]
        };
        allocation::set_ranking(&mut conn, *r, g.id, &ranking, now_utc()).unwrap();
    }
    // Refusals: a session of another group, more than the depth.
    let other: i64 = sessions::table
        .filter(sessions::slot_group_id.eq(groups[1].id))
        .select(sessions::id)
        .first(&mut *conn)
        .unwrap();
    assert!(matches!(
        allocation::set_ranking(&mut conn, confirmed[0], g.id, &[other], now_utc()),
        Err(ServiceError::Invalid { .. })
    ));
    assert!(
        allocation::set_ranking(&mut conn, confirmed[0], g.id, &workshops[..4], now_utc()).is_err()
    );

    // The preview is reproducible and has the figures.
    let p1 = allocation::preview(&mut conn, c.id, g.id, 7).unwrap();
    let p2 = allocation::preview(&mut conn, c.id, g.id, 7).unwrap();
    assert_eq!(p1.allocation, p2.allocation);
    let placed: usize = p1.stats.by_rank.iter().sum();
    assert_eq!(placed + p1.stats.unplaced, confirmed.len());
    assert!(
        p1.stats.by_rank[0] > 0 && p1.stats.unplaced > 0,
        "{:?}",
        p1.stats
    );
    // Nobody waits while a workshop they ranked has a seat.
    for (p, placed) in p1.allocation.placed.iter().enumerate() {
        if placed.is_none() {
            for &w in &p1.problem.instance.people[p].choices {
                assert_eq!(p1.stats.fill[w], p1.problem.instance.seats[w]);
            }
        }
    }

    // The registration emails are not what this test is about.
    diesel::delete(kongress::db::schema::outbox::table)
        .execute(&mut *conn)
        .unwrap();
    // Commit: seats, waitlists, one email each; then first come, first served.
    let done = allocation::commit(&mut conn, &ctx, c.id, g.id, 7, Actor::System).unwrap();
    assert_eq!(done.enrolled, placed);
    assert_eq!(done.enrolled + done.waitlisted, confirmed.len());
    assert_eq!(done.emails, confirmed.len());
    let after = allocation::groups(&mut conn, c.id).unwrap();
    assert_eq!(after[0].mode, "fcfs");
    assert_eq!(after[0].seed, Some(7));
    assert!(matches!(
        allocation::commit(&mut conn, &ctx, c.id, g.id, 7, Actor::System),
        Err(ServiceError::Conflict(_))
    ));
    // No workshop over its seats; the counters match the rows.
    let rows: Vec<(i64, Option<i32>, i32)> = sessions::table
        .filter(sessions::slot_group_id.eq(g.id))
        .select((sessions::id, sessions::capacity, sessions::enrolled_count))
        .load(&mut *conn)
        .unwrap();
    for (id, cap, count) in rows {
        assert!(count <= cap.unwrap(), "session {id}");
        let n: i64 = enrollments::table
            .filter(enrollments::session_id.eq(id))
            .filter(enrollments::status.eq("enrolled"))
            .count()
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(n, count as i64);
    }
    // Nobody holds two seats in the block.
    let per_person: Vec<i64> = enrollments::table
        .inner_join(sessions::table)
        .filter(sessions::slot_group_id.eq(g.id))
        .filter(enrollments::status.eq("enrolled"))
        .select(enrollments::registration_id)
        .load(&mut *conn)
        .unwrap();
    let mut unique = per_person.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), per_person.len());
    drop(conn);

    // The emails: one per participant over SMTP, with their result.
    let before = sink.messages().len();
    app.mailer.drain().await.unwrap();
    let mails = sink
        .wait_for_async(before + confirmed.len(), Duration::from_secs(20))
        .await;
    let results: Vec<_> = mails
        .iter()
        .filter(|m| {
            let s = m.header("Subject").unwrap_or_default();
            s.starts_with("Ihre Werkstatt") || s.starts_with("Your workshop")
        })
        .collect();
    assert_eq!(results.len(), confirmed.len());
    let mut to: Vec<&String> = results.iter().map(|m| &m.to[0]).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), confirmed.len(), "one each");
    assert!(results
        .iter()
        .any(|m| m.text().unwrap().contains("Platz sicher (Ihre 1. Wahl)")));
    assert_eq!(done.waitlisted, p1.stats.unplaced);
    {
        assert!(results
            .iter()
            .any(|m| m.text().unwrap().contains("Warteliste, Platz 1")
                || m.text().unwrap().contains("waiting list, position 1")));
    }

    // The second block of the day as well: the same people rank it and it is allocated;
    // nobody ends up in two overlapping workshops (rule 3), no workshop over its seats.
    let mut conn = app.conn();
    let g2 = groups[1].clone();
    app.allow_undelivered("the second block's results; the first block's were checked over SMTP");
    allocation::set_mode(&mut conn, c.id, g2.id, "ranked", 3, None, Actor::System).unwrap();
    let ws2: Vec<i64> = sessions::table
        .filter(sessions::slot_group_id.eq(g2.id))
        .order(sessions::id)
        .select(sessions::id)
        .load(&mut *conn)
        .unwrap();
    for (i, r) in confirmed.iter().enumerate() {
        let ranking = [ws2[i % 3], ws2[3 + i % 5], ws2[8 + i % 3]];
        allocation::set_ranking(&mut conn, *r, g2.id, &ranking, now_utc()).unwrap();
    }
    let done2 = allocation::commit(&mut conn, &ctx, c.id, g2.id, 8, Actor::System).unwrap();
    assert_eq!(done2.enrolled + done2.waitlisted, confirmed.len());
    let held: Vec<(i64, chrono::NaiveDateTime, chrono::NaiveDateTime)> = enrollments::table
        .inner_join(sessions::table)
        .filter(enrollments::status.ne("cancelled"))
        .select((
            enrollments::registration_id,
            sessions::starts_at.assume_not_null(),
            sessions::ends_at.assume_not_null(),
        ))
        .load(&mut *conn)
        .unwrap();
    for (i, a) in held.iter().enumerate() {
        for b in &held[i + 1..] {
            assert!(
                a.0 != b.0 || a.2 <= b.1 || b.2 <= a.1,
                "registration {} holds two overlapping workshops",
                a.0
            );
        }
    }
    let over: i64 = sessions::table
        .filter(sessions::enrolled_count.gt(sessions::capacity.assume_not_null()))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(over, 0);
}

#[tokio::test]
async fn an_organizer_switches_a_block_previews_and_commits_in_the_back_office() {
    let app = crate::helpers::spawn_app().await;
    let slug = app.load_demo();
    let editor = app.organizer("editor@example.org", false);
    app.grant(editor, &slug, "editor");
    let (b, csrf) = app.login("editor@example.org").await;
    let (cid, g, workshops) = {
        let mut conn = app.conn();
        let cid: kongress::domain::CongressId = congresses::table
            .filter(congresses::slug.eq(&slug))
            .select(congresses::id)
            .first(&mut *conn)
            .unwrap();
        let g = allocation::groups(&mut conn, cid).unwrap()[1].id;
        let ws: Vec<i64> = sessions::table
            .filter(sessions::slot_group_id.eq(g))
            .order(sessions::id)
            .select(sessions::id)
            .load(&mut *conn)
            .unwrap();
        (cid, g, ws)
    };
    let r = b
        .post(app.url(&format!("/admin/{slug}/allocation/{g}/mode")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("mode", "ranked"),
            ("rank_depth", "2"),
            ("deadline", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // Thirty people who all want the first workshop, then the second.
    {
        let mut conn = app.conn();
        let ctx = app.mail_context();
        let c: kongress::db::rows::Congress = congresses::table
            .find(cid)
            .select(kongress::db::rows::Congress::as_select())
            .first(&mut *conn)
            .unwrap();
        let cat = open_category(&mut conn, cid);
        for i in 0..30 {
            let email = format!("block{i}@example.org");
            let de = kongress::i18n::Lang::De;
            let r = sign_up(&mut conn, &ctx, &c, cat, &email, vec![c.last_day], de);
            allocation::set_ranking(&mut conn, r.id, g, &workshops[..2], now_utc()).unwrap();
        }
    }
    let page = b
        .get(app.url(&format!("/admin/{slug}/allocation?group={g}&seed=99")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Vorschau (Losnummer 99)"), "{page}");
    assert!(page.contains("30 Teilnehmende mit Wünschen"));
    assert!(page.contains("name=\"seed\" value=\"99\""));
    let r = b
        .post(app.url(&format!("/admin/{slug}/allocation/{g}/commit")))
        .form(&[("csrf_token", csrf.as_str()), ("seed", "99")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = b
        .get(app.url(&format!("/admin/{slug}/allocation")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Verteilt am") && page.contains("Losnummer 99"));
    let mut conn = app.conn();
    let n: i64 = kongress::db::schema::outbox::table
        .filter(kongress::db::schema::outbox::kind.eq("allocation-result"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(n, 30);
    // A second commit is refused.
    drop(conn);
    let r = b
        .post(app.url(&format!("/admin/{slug}/allocation/{g}/commit")))
        .form(&[("csrf_token", csrf.as_str()), ("seed", "99")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    app.mailer.drain().await.unwrap();
}

#[tokio::test]
async fn a_participant_ranks_on_the_private_page_and_sees_the_result() {
    let app = crate::helpers::spawn_app().await;
    app.allow_undelivered("the sign-up and allocation mails; this test is about the private page");
    let slug = app.load_demo();
    let ctx = app.mail_context();
    let (cid, g, workshops, token) = {
        let mut conn = app.conn();
        let c: kongress::db::rows::Congress = congresses::table
            .filter(congresses::slug.eq(&slug))
            .select(kongress::db::rows::Congress::as_select())
            .first(&mut *conn)
            .unwrap();
        let g = allocation::groups(&mut conn, c.id).unwrap()[0].id;
        allocation::set_mode(&mut conn, c.id, g, "ranked", 3, None, Actor::System).unwrap();
        let ws: Vec<i64> = sessions::table
            .filter(sessions::slot_group_id.eq(g))
            .order(sessions::id)
            .select(sessions::id)
            .load(&mut *conn)
            .unwrap();
        let cat = open_category(&mut conn, c.id);
        let de = kongress::i18n::Lang::De;
        let r = sign_up(
            &mut conn,
            &ctx,
            &c,
            cat,
            "rosa@example.org",
            vec![c.last_day],
            de,
        );
        (c.id, g, ws, reg::manage_token(&ctx, &r))
    };
    let b = crate::helpers::browser();
    let page = b
        .get(app.url(&format!("/r/{token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Ihre Werkstattwünsche"), "{page}");
    assert!(page.contains(&format!("id=\"f-choice-{g}-3\"")));
    let csrf = crate::helpers::csrf_in(&page);
    // First come, first served is closed for this block.
    let r = b
        .post(app.url(&format!("/r/{token}/enroll")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("session", &workshops[0].to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // The same workshop twice is refused on the form; a proper ranking is saved.
    let r = b
        .post(app.url(&format!("/r/{token}/ranking")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("group", &g.to_string()),
            ("choice_1", &workshops[2].to_string()),
            ("choice_2", &workshops[2].to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "back on the form with the choices as sent");
    let r = b
        .post(app.url(&format!("/r/{token}/ranking")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("group", &g.to_string()),
            ("choice_1", &workshops[2].to_string()),
            ("choice_2", &workshops[0].to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = b
        .get(app.url(&format!("/r/{token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("<option value=\"{}\" selected>", workshops[2])));
    // Allocation: the first choice, shown with the seed.
    {
        let mut conn = app.conn();
        let done = allocation::commit(&mut conn, &ctx, cid, g, 314, Actor::System).unwrap();
        assert_eq!(done.enrolled, 1);
    }
    let page = b
        .get(app.url(&format!("/r/{token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Die Plätze sind verteilt") && page.contains("314"),
        "{page}"
    );
    let title: String = {
        let mut conn = app.conn();
        sessions::table
            .find(workshops[2])
            .select(sessions::title)
            .first(&mut *conn)
            .unwrap()
    };
    assert!(
        page.contains(&format!("<li>{title}</li>")),
        "the ranking stays visible"
    );
}

#[tokio::test]
async fn the_registration_form_takes_a_ranking_for_a_ranked_block() {
    use kongress::db::schema::preferences;
    let app = crate::helpers::spawn_app().await;
    app.allow_undelivered("the confirmation mail; this test is about the stored ranking");
    let slug = app.load_demo();
    let (g, ws, cat, days) = {
        let mut conn = app.conn();
        let c: kongress::db::rows::Congress = congresses::table
            .filter(congresses::slug.eq(&slug))
            .select(kongress::db::rows::Congress::as_select())
            .first(&mut *conn)
            .unwrap();
        let g = allocation::groups(&mut conn, c.id).unwrap()[0].id;
        allocation::set_mode(&mut conn, c.id, g, "ranked", 2, None, Actor::System).unwrap();
        let ws: Vec<i64> = sessions::table
            .filter(sessions::slot_group_id.eq(g))
            .order(sessions::id)
            .select(sessions::id)
            .load(&mut *conn)
            .unwrap();
        let cat = open_category(&mut conn, c.id);
        (
            g,
            ws,
            cat,
            vec![c.first_day.to_string(), c.last_day.to_string()],
        )
    };
    let b = crate::helpers::browser();
    let page = b
        .get(app.url(&format!("/{slug}/register")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("name=\"rank_{g}_1\""))
            && page.contains(&format!("name=\"rank_{g}_2\""))
    );
    assert!(
        !page.contains(&format!("name=\"workshop_{g}\"")),
        "no first-come pick for a ranked block"
    );
    let csrf = crate::helpers::csrf_in(&page);
    let post = |email: &'static str, first: i64, second: i64| {
        let mut form: Vec<(String, String)> = vec![
            ("csrf_token".into(), csrf.clone()),
            ("category".into(), cat.to_string()),
            ("first_name".into(), "Rosa".into()),
            ("last_name".into(), "Rang".into()),
            ("email".into(), email.into()),
            ("consent_privacy".into(), "on".into()),
            (format!("rank_{g}_1"), first.to_string()),
            (format!("rank_{g}_2"), second.to_string()),
        ];
        for d in &days {
            form.push(("days".into(), d.clone()));
        }
        b.post(app.url(&format!("/{slug}/register")))
            .form(&form)
            .send()
    };
    // The same workshop twice: the form comes back with the message and the input.
    let r = post("twice@example.org", ws[1], ws[1]).await.unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("nur einmal") && body.contains("value=\"twice@example.org\""));
    let r = post("rosa@example.org", ws[3], ws[1]).await.unwrap();
    assert_eq!(r.status(), 303);
    let mut conn = app.conn();
    let stored: Vec<(i64, i32)> = preferences::table
        .filter(preferences::slot_group_id.eq(g))
        .order(preferences::rank)
        .select((preferences::session_id, preferences::rank))
        .load(&mut *conn)
        .unwrap();
    assert_eq!(stored, vec![(ws[3], 1), (ws[1], 2)]);
}

#[tokio::test]
async fn people_seated_before_the_switch_keep_their_seat_and_take_no_part() {
    let app = crate::helpers::spawn_app().await;
    let slug = app.load_demo_with_people();
    let mut conn = app.conn();
    let cid: kongress::domain::CongressId = congresses::table
        .filter(congresses::slug.eq(&slug))
        .select(congresses::id)
        .first(&mut *conn)
        .unwrap();
    let g = allocation::groups(&mut conn, cid).unwrap()[0].id;
    // The demo's people took seats first come, first served; now the block switches.
    let (seated, session): (
        kongress::domain::RegistrationId,
        kongress::domain::SessionId,
    ) = enrollments::table
        .inner_join(sessions::table)
        .filter(sessions::slot_group_id.eq(g))
        .filter(enrollments::status.eq("enrolled"))
        .select((enrollments::registration_id, enrollments::session_id))
        .first(&mut *conn)
        .unwrap();
    allocation::set_mode(&mut conn, cid, g, "ranked", 1, None, Actor::System).unwrap();
    allocation::set_ranking(&mut conn, seated, g, &[session.get()], now_utc()).unwrap();
    let p = allocation::preview(&mut conn, cid, g, 1).unwrap();
    assert!(!p.problem.registrations.contains(&seated));
    // Seats left are the seats minus those taken.
    let (cap, taken): (Option<i32>, i32) = sessions::table
        .find(session)
        .select((sessions::capacity, sessions::enrolled_count))
        .first(&mut *conn)
        .unwrap();
    let left = p
        .problem
        .workshops
        .iter()
        .find(|w| w.0 == session)
        .unwrap()
        .2;
    assert!(left as i32 <= cap.unwrap() - taken);
}
