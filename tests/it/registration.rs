//! Registration over real SMTP: double opt-in, workshop seats, waitlists and promotion, an SMTP
//! outage, and seat races with many concurrent confirmations (and two app instances).

use std::time::Duration;

use diesel::prelude::*;
use kongress::db::schema::{
    congresses, enrollments, outbox, outbox_attempts, registrations, sessions, slot_groups,
};

use crate::helpers::{browser, csrf_in, spawn_app_with, TestApp};
use crate::smtp::SmtpSink;

async fn app_with_smtp(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |s| {
        s.smtp_url = Some(url);
        s.registration_limit = 10_000;
        s.workers = Some(2);
        s.pool_size = 8;
    })
    .await
}

struct Visitor {
    b: reqwest::Client,
    token: String,
}

async fn visitor(app: &TestApp, slug: &str) -> Visitor {
    let (b, token) = app.visitor(slug).await;
    Visitor { b, token }
}

fn category(app: &TestApp) -> String {
    use kongress::db::schema::categories;
    let mut conn = app.conn();
    categories::table
        .filter(categories::needs_approval.eq(false))
        .filter(categories::quota.is_null())
        .order(categories::id)
        .select(categories::id)
        .first::<i64>(&mut *conn)
        .unwrap()
        .to_string()
}

async fn register(
    app: &TestApp,
    v: &Visitor,
    slug: &str,
    email: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let cat = category(app);
    let mut form = vec![
        ("csrf_token", v.token.as_str()),
        ("category", cat.as_str()),
        ("first_name", "Anna"),
        ("last_name", "Müller"),
        ("email", email),
        ("organization", "Stadt Beispiel"),
        ("consent_privacy", "on"),
    ];
    let days: Vec<String> = {
        let mut conn = app.conn();
        let id: kongress::domain::CongressId = congresses::table
            .select(congresses::id)
            .first(&mut *conn)
            .unwrap();
        kongress::services::congress::days(&mut conn, id)
            .unwrap()
            .into_iter()
            .map(|d| d.day.to_string())
            .collect()
    };
    for d in &days {
        form.push(("days", d));
    }
    form.extend_from_slice(extra);
    v.b.post(app.url(&format!("/{slug}/register")))
        .form(&form)
        .send()
        .await
        .unwrap()
}

fn path_of(link: &str) -> String {
    let rest = link.split("://").nth(1).unwrap();
    format!("/{}", rest.split_once('/').unwrap().1)
}

#[tokio::test]
async fn a_participant_registers_confirms_and_gets_a_workshop_over_smtp() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(&sink).await;
    let slug = app.load_demo();
    let workshop = app.session_id("Digitale Zwillinge für die Stadtplanung");
    let group = app.slot_group_of(workshop).to_string();
    let field = format!("workshop_{group}");
    let v = visitor(&app, &slug).await;
    let page =
        v.b.get(app.url(&format!("/{slug}/register")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(
        page.contains("Digitale Zwillinge für die Stadtplanung") && page.contains("Plätzen frei")
    );

    let r = register(
        &app,
        &v,
        &slug,
        "anna@example.org",
        &[(field.as_str(), &workshop.to_string())],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.mailer.drain().await.unwrap(), 1);
    let mails = sink.wait_for_async(1, Duration::from_secs(5)).await;
    let m = &mails[0];
    assert_eq!(m.to, ["anna@example.org"]);
    assert!(m
        .header("Subject")
        .unwrap()
        .starts_with("Bitte bestätigen Sie Ihre Anmeldung"));
    assert!(m.header("Message-ID").unwrap().starts_with('<'));
    assert!(m.header("From").unwrap().contains("noreply@localhost"));
    assert!(m.text().unwrap().contains("Guten Tag Anna Müller"));
    assert!(m.html().unwrap().contains("Anmeldung bestätigen"));
    let link = m
        .links()
        .into_iter()
        .find(|l| l.contains("/r/confirm/"))
        .expect("confirmation link");
    assert!(
        link.starts_with(&app.base),
        "absolute link to this server: {link}"
    );

    // Following the link shows a page with a button (mail scanners that fetch links confirm nothing).
    let page = v.b.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let r =
        v.b.post(&link)
            .form(&[("csrf_token", csrf_in(&page))])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 303);
    let manage = r.headers()["location"].to_str().unwrap().to_string();
    assert!(manage.starts_with("/r/"));
    // The used link stays a way in: it leads the same person to their private page.
    let again = v.b.get(&link).send().await.unwrap();
    assert_eq!(again.status(), 303);
    assert_eq!(again.headers()["location"].to_str().unwrap(), manage);

    assert_eq!(app.mailer.drain().await.unwrap(), 1);
    let mails = sink.wait_for_async(2, Duration::from_secs(5)).await;
    let confirmed = &mails[1];
    assert!(confirmed
        .header("Subject")
        .unwrap()
        .starts_with("Ihre Anmeldung ist bestätigt"));
    assert!(confirmed
        .text()
        .unwrap()
        .contains("Digitale Zwillinge für die Stadtplanung: Platz sicher"));
    // SPEC §4: the confirmation carries the check-in QR code and the person's agenda.
    assert!(mails[0].attachments().is_empty());
    let att = confirmed.attachments();
    let names: Vec<&str> = att.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(names, ["checkin-qr.png", "agenda.ics"]);
    assert_eq!(att[0].1, "image/png");
    assert!(att[0].2.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(att[1].1, "text/calendar");
    let ics = String::from_utf8(att[1].2.clone()).unwrap();
    let cal: icalendar::Calendar = ics.parse().unwrap();
    let unfolded = ics.replace("\r\n ", "");
    assert!(unfolded.contains("SUMMARY:Digitale Zwillinge für die Stadtplanung"));
    // Day-2 workshops they did not pick are not in it; the plenary of the days they attend is.
    assert!(cal.components.len() > 1);
    assert!(!unfolded.contains("SUMMARY:Open Data"), "{unfolded}");
    let manage_link = confirmed
        .links()
        .into_iter()
        .find(|l| l.contains("/r/"))
        .unwrap();
    assert_eq!(
        path_of(&manage_link),
        manage,
        "the email links the same private page"
    );
    let page =
        v.b.get(app.url(&manage))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(page.contains("Bestätigt") && page.contains("Angemeldet"));
    let title = &page[page.find("<title>").unwrap() + 7..page.find("</title>").unwrap()];
    assert!(
        title.starts_with("Ihre Anmeldung") && !title.contains('<'),
        "{title}"
    );
    assert_eq!(page.matches("/agenda.ics\"").count(), 1, "one agenda link");
    let mut conn = app.conn();
    let n: i32 = sessions::table
        .find(workshop)
        .select(sessions::enrolled_count)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(n, 1);
    // Tokens are stored as hashes only.
    let stored: String = registrations::table
        .select(registrations::manage_token_hash)
        .first(&mut *conn)
        .unwrap();
    assert!(!manage.contains(&stored));
}

#[tokio::test]
async fn no_category_is_chosen_for_the_person() {
    let app = crate::helpers::spawn_app().await;
    let slug = app.load_demo();
    let (_, page) = app.text(&format!("/{slug}/register")).await;
    let radios: Vec<&str> = page
        .split("<input")
        .filter(|i| i.contains("name=\"category\""))
        .collect();
    assert!(radios.len() > 1, "the demo has several categories");
    assert!(
        radios.iter().all(|i| !i.contains("checked")),
        "none pre-selected"
    );
    // Sent without one: the form again, with the message at the category.
    let v = visitor(&app, &slug).await;
    let r =
        v.b.post(app.url(&format!("/{slug}/register")))
            .form(&[
                ("csrf_token", v.token.as_str()),
                ("first_name", "Bernd"),
                ("last_name", "Brot"),
                ("email", "bernd@example.org"),
                ("consent_privacy", "on"),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    let fieldset = page.split("<fieldset").nth(1).unwrap();
    assert!(
        fieldset.contains("class=\"error\""),
        "message at the category"
    );
    assert!(page.contains("value=\"Bernd\""));
}

#[tokio::test]
async fn bad_input_is_shown_on_the_form_and_nothing_is_stored() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(&sink).await;
    let slug = app.load_demo();
    let v = visitor(&app, &slug).await;
    let r =
        v.b.post(app.url(&format!("/{slug}/register")))
            .form(&[
                ("csrf_token", v.token.as_str()),
                ("first_name", "Bernd"),
                ("email", "kein-at-zeichen"),
                ("organization", "Gemeinde Almtal"),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("value=\"Bernd\"")
            && page.contains("value=\"Gemeinde Almtal\"")
            && page.contains("value=\"kein-at-zeichen\"")
    );
    for e in ["e-email", "e-last_name", "e-consent_privacy"] {
        assert!(page.contains(&format!("id=\"{e}\"")), "{e}");
    }
    // The honeypot: a bot gets the same answer as a person, and nothing happens.
    let r = register(
        &app,
        &v,
        &slug,
        "bot@example.org",
        &[("website", "http://spam.example")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let mut conn = app.conn();
    let n: i64 = registrations::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(n, 0);
    let queued: i64 = outbox::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(queued, 0);
}

#[tokio::test]
async fn registering_again_sends_the_link_again_instead_of_a_second_registration() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(&sink).await;
    let slug = app.load_demo();
    let v = visitor(&app, &slug).await;
    assert_eq!(
        register(&app, &v, &slug, "anna@example.org", &[])
            .await
            .status(),
        303
    );
    assert_eq!(
        register(&app, &v, &slug, "Anna@EXAMPLE.org", &[])
            .await
            .status(),
        303
    );
    assert_eq!(app.mailer.drain().await.unwrap(), 2);
    let mails = sink.wait_for_async(2, Duration::from_secs(5)).await;
    let links: Vec<String> = mails
        .iter()
        .map(|m| {
            m.links()
                .into_iter()
                .find(|l| l.contains("/r/confirm/"))
                .unwrap()
        })
        .collect();
    assert_ne!(links[0], links[1], "a fresh link");
    let mut conn = app.conn();
    let n: i64 = registrations::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(n, 1);
    drop(conn);
    // Only the newest link works.
    assert_eq!(v.b.get(&links[0]).send().await.unwrap().status(), 404);
    assert_eq!(v.b.get(&links[1]).send().await.unwrap().status(), 200);
}

/// Registers and confirms `email` through HTTP; returns the manage path.
async fn confirmed_participant(
    app: &TestApp,
    sink: &SmtpSink,
    slug: &str,
    email: &str,
    extra: &[(&str, &str)],
) -> (Visitor, String) {
    let v = visitor(app, slug).await;
    assert_eq!(register(app, &v, slug, email, extra).await.status(), 303);
    app.mailer.drain().await.unwrap();
    let before = sink.messages().len();
    let mails = sink
        .wait_for_async(before.max(1), Duration::from_secs(5))
        .await;
    let link = mails
        .iter()
        .rev()
        .filter(|m| m.to == [email])
        .find_map(|m| m.links().into_iter().find(|l| l.contains("/r/confirm/")))
        .unwrap();
    let page = v.b.get(&link).send().await.unwrap().text().await.unwrap();
    let r =
        v.b.post(&link)
            .form(&[("csrf_token", csrf_in(&page))])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 303);
    let manage = r.headers()["location"].to_str().unwrap().to_string();
    app.mailer.drain().await.unwrap();
    (v, manage)
}

#[tokio::test]
async fn full_workshops_waitlist_and_promote_in_order_when_someone_leaves() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(&sink).await;
    let slug = app.load_demo();
    let w = app.session_id("Sensorik im Straßenraum");
    app.set_session_capacity(w, 1);
    let (a, a_page) = confirmed_participant(&app, &sink, &slug, "a@example.org", &[]).await;
    let (b, b_page) = confirmed_participant(&app, &sink, &slug, "b@example.org", &[]).await;
    let (c, c_page) = confirmed_participant(&app, &sink, &slug, "c@example.org", &[]).await;
    let enroll = |v: &Visitor, page: &str| {
        let f =
            v.b.post(app.url(&format!("{page}/enroll")))
                .form(&[("csrf_token", v.token.clone()), ("session", w.to_string())])
                .send();
        async move {
            f.await.unwrap().headers()["location"]
                .to_str()
                .unwrap()
                .to_string()
        }
    };
    assert!(enroll(&a, &a_page).await.contains("done=enrolled"));
    assert!(enroll(&b, &b_page).await.contains("done=waitlisted"));
    assert!(enroll(&c, &c_page).await.contains("done=waitlisted"));
    let page =
        c.b.get(app.url(&c_page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(page.contains("Warteliste, Platz 2"), "visible position");
    // An overlapping workshop in the same block is refused (rule 3): a swap is offered.
    let other = app.session_id("Urbane Datenplattformen in der Praxis");
    let r =
        a.b.post(app.url(&format!("{a_page}/enroll")))
            .form(&[
                ("csrf_token", a.token.clone()),
                ("session", other.to_string()),
            ])
            .send()
            .await
            .unwrap();
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains(&format!("done=swap&with={w}&want={other}")));

    let sent_before = sink.messages().len();
    let r =
        a.b.post(app.url(&format!("{a_page}/leave")))
            .form(&[("csrf_token", a.token.clone()), ("session", w.to_string())])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 303);
    app.mailer.drain().await.unwrap();
    let mails = sink
        .wait_for_async(sent_before + 1, Duration::from_secs(5))
        .await;
    let promoted = mails.last().unwrap();
    assert_eq!(promoted.to, ["b@example.org"], "the first in line moves up");
    assert!(promoted
        .header("Subject")
        .unwrap()
        .contains("Sensorik im Straßenraum"));
    let page =
        c.b.get(app.url(&c_page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(page.contains("Warteliste, Platz 1"));
    let page =
        b.b.get(app.url(&b_page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(page.contains("Platz freigeben"));
    // Cancelling the whole registration frees the seat for the next.
    let r =
        b.b.post(app.url(&format!("{b_page}/cancel")))
            .form(&[("csrf_token", b.token.clone())])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 303);
    let mut conn = app.conn();
    let enrolled: Vec<i64> = enrollments::table
        .filter(enrollments::session_id.eq(w))
        .filter(enrollments::status.eq("enrolled"))
        .select(enrollments::registration_id)
        .load(&mut *conn)
        .unwrap();
    let c_id: i64 = registrations::table
        .filter(registrations::email.eq("c@example.org"))
        .select(registrations::id)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(enrolled, [c_id]);
    let counts: (i32, i32) = sessions::table
        .find(w)
        .select((sessions::enrolled_count, sessions::waitlisted_count))
        .first(&mut *conn)
        .unwrap();
    assert_eq!(counts, (1, 0));
    drop(conn);
    app.mailer.drain().await.unwrap();
}

#[tokio::test]
async fn an_smtp_outage_delays_mail_with_backoff_and_delivers_each_message_once() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(&sink).await;
    let slug = app.load_demo();
    sink.pause();
    let v = visitor(&app, &slug).await;
    for i in 0..3 {
        assert_eq!(
            register(&app, &v, &slug, &format!("p{i}@example.org"), &[])
                .await
                .status(),
            303
        );
    }
    assert_eq!(
        app.mailer.drain().await.unwrap(),
        0,
        "server down: nothing sent"
    );
    {
        let mut conn = app.conn();
        let rows: Vec<(String, i32, chrono::NaiveDateTime, Option<String>)> = outbox::table
            .select((
                outbox::status,
                outbox::attempts,
                outbox::next_attempt_at,
                outbox::last_error,
            ))
            .load(&mut *conn)
            .unwrap();
        assert_eq!(rows.len(), 3);
        for (status, attempts, next, err) in rows {
            assert_eq!((status.as_str(), attempts), ("pending", 1));
            assert!(next > kongress::services::now_utc(), "backed off");
            assert!(err.is_some());
        }
    }
    // Nothing is due during the backoff, even with the server back.
    sink.resume();
    assert_eq!(app.mailer.drain().await.unwrap(), 0);
    // Fast-forward the clock of the queue: the retry delivers each message once.
    {
        let mut conn = app.conn();
        diesel::update(outbox::table)
            .set(
                outbox::next_attempt_at
                    .eq(kongress::services::now_utc() - chrono::Duration::seconds(1)),
            )
            .execute(&mut *conn)
            .unwrap();
    }
    assert_eq!(app.mailer.drain().await.unwrap(), 3);
    assert_eq!(app.mailer.drain().await.unwrap(), 0);
    let mails = sink.wait_for_async(3, Duration::from_secs(5)).await;
    assert_eq!(mails.len(), 3);
    let mut ids: Vec<String> = mails
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    let mut conn = app.conn();
    let attempts: Vec<bool> = outbox_attempts::table
        .order(outbox_attempts::id)
        .select(outbox_attempts::succeeded)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(
        attempts,
        [false, false, false, true, true, true],
        "every attempt recorded"
    );
}

/// Confirmation links of all queued confirmation emails, read from the outbox.
fn confirm_links(app: &TestApp) -> Vec<String> {
    let mut conn = app.conn();
    let bodies: Vec<String> = outbox::table
        .filter(outbox::kind.eq("confirm-your-registration"))
        .order(outbox::id)
        .select(outbox::body_text)
        .load(&mut *conn)
        .unwrap();
    bodies
        .iter()
        .map(|b| {
            b.lines()
                .find(|l| l.contains("/r/confirm/"))
                .unwrap()
                .trim()
                .to_string()
        })
        .collect()
}

/// Creates `n` pending registrations that picked `workshop`, without HTTP (the race is about
/// the confirmations).
fn pending_with_pick(app: &TestApp, n: usize, workshop: Option<i64>) {
    let c = app.congress_row();
    let cat: kongress::domain::CategoryId = category(app).parse().unwrap();
    let group = workshop.map(|w| app.slot_group_of(w));
    let mut conn = app.conn();
    let ctx = app.state.ctx.clone();
    for i in 0..n {
        let input = kongress::services::registration::RegistrationInput {
            category_id: cat,
            first_name: "Race".into(),
            last_name: format!("{i}"),
            email: kongress::domain::EmailAddress::parse(&format!("race{i}@example.org")).unwrap(),
            organization: String::new(),
            position: String::new(),
            days: vec![c.first_day, c.last_day],
            dietary: String::new(),
            accessibility: String::new(),
            language: kongress::i18n::Lang::De,
            answers: vec![],
            consent_public: false,
            picks: group
                .zip(workshop.map(kongress::domain::SessionId::from))
                .into_iter()
                .collect(),
            rankings: vec![],
        };
        kongress::services::registration::register(
            &mut conn,
            &c,
            &input,
            &ctx,
            kongress::services::now_utc(),
        )
        .unwrap();
    }
}

/// Fires all confirmations at once, spread over the given app instances.
async fn confirm_all_at_once(apps: &[&TestApp], links: &[String]) -> Vec<u16> {
    let b = browser();
    let page = b
        .get(apps[0].url("/admin/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_in(&page);
    let futures: Vec<_> = links
        .iter()
        .enumerate()
        .map(|(i, link)| {
            let app = apps[i % apps.len()];
            let url = app.url(&path_of(link));
            let req = b.post(url).form(&[("csrf_token", token.clone())]);
            async move { req.send().await.map(|r| r.status().as_u16()).unwrap_or(0) }
        })
        .collect();
    futures_util::future::join_all(futures).await
}

async fn seat_race(apps: &[&TestApp]) {
    let app = apps[0];
    app.allow_undelivered("200 confirmations' mails; the race is about seats, not sending");
    app.load_demo();
    let w = app.session_id("Beschaffung agil gestalten");
    app.set_session_capacity(w, 25);
    pending_with_pick(app, 200, Some(w));
    let links = confirm_links(app);
    assert_eq!(links.len(), 200);
    let statuses = confirm_all_at_once(apps, &links).await;
    assert!(
        statuses.iter().all(|s| *s == 303),
        "every confirmation answered: {statuses:?}"
    );
    let mut conn = app.conn();
    let counts: (i32, i32) = sessions::table
        .find(w)
        .select((sessions::enrolled_count, sessions::waitlisted_count))
        .first(&mut *conn)
        .unwrap();
    assert_eq!(counts, (25, 175));
    let rows: Vec<(i64, String, i64)> = enrollments::table
        .filter(enrollments::session_id.eq(w))
        .order(enrollments::id)
        .select((enrollments::id, enrollments::status, enrollments::position))
        .load(&mut *conn)
        .unwrap();
    assert_eq!(rows.iter().filter(|r| r.1 == "enrolled").count(), 25);
    // Arrival order: the first 25 to commit hold the seats; the waitlist continues in commit order.
    assert!(rows[..25].iter().all(|r| r.1 == "enrolled"));
    let positions: Vec<i64> = rows[25..].iter().map(|r| r.2).collect();
    assert_eq!(positions, (1..=175).collect::<Vec<i64>>());
    let n: i64 = registrations::table
        .filter(registrations::status.eq("confirmed"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(n, 200);
}

#[tokio::test]
async fn two_hundred_concurrent_confirmations_for_twenty_five_seats() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(&sink).await;
    seat_race(&[&app]).await;
}

#[tokio::test]
async fn the_seat_race_with_two_app_instances_on_one_database() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(&sink).await;
    let second = crate::helpers::second_instance(&app, &sink.url()).await;
    seat_race(&[&app, &second]).await;
}

#[tokio::test]
async fn the_congress_capacity_race_and_waitlist_promotion_on_cancellation() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(&sink).await;
    app.load_demo();
    {
        let mut conn = app.conn();
        diesel::update(congresses::table)
            .set(congresses::capacity.eq(Some(10)))
            .execute(&mut *conn)
            .unwrap();
        diesel::update(slot_groups::table)
            .set(slot_groups::allocation_mode.eq("fcfs"))
            .execute(&mut *conn)
            .unwrap();
    }
    pending_with_pick(&app, 30, None);
    let links = confirm_all_at_once(&[&app], &confirm_links(&app)).await;
    assert!(links.iter().all(|s| *s == 303));
    let mut conn = app.conn();
    let by_status = |conn: &mut kongress::db::PooledConn, s: &str| -> i64 {
        registrations::table
            .filter(registrations::status.eq(s))
            .count()
            .get_result(&mut **conn)
            .unwrap()
    };
    assert_eq!(
        (
            by_status(&mut conn, "confirmed"),
            by_status(&mut conn, "waitlisted")
        ),
        (10, 20)
    );
    let count: i32 = congresses::table
        .select(congresses::confirmed_count)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(count, 10);
    // A confirmed person cancels: the first on the congress waitlist moves up, with an email.
    let first_waiting: i64 = registrations::table
        .filter(registrations::status.eq("waitlisted"))
        .order((registrations::confirmed_at, registrations::id))
        .select(registrations::id)
        .first(&mut *conn)
        .unwrap();
    let leaving: kongress::domain::RegistrationId = registrations::table
        .filter(registrations::status.eq("confirmed"))
        .select(registrations::id)
        .first(&mut *conn)
        .unwrap();
    let ctx = app.state.ctx.clone();
    kongress::services::registration::cancel(
        &mut conn,
        &ctx,
        leaving,
        None,
        kongress::services::now_utc(),
    )
    .unwrap();
    let status: String = registrations::table
        .find(first_waiting)
        .select(registrations::status)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(status, "confirmed");
    assert_eq!(by_status(&mut conn, "confirmed"), 10);
    let kinds: Vec<String> = outbox::table
        .order(outbox::id.desc())
        .limit(2)
        .select(outbox::kind)
        .load(&mut *conn)
        .unwrap();
    assert!(
        kinds.contains(&"promoted-from-waitlist".to_string())
            && kinds.contains(&"cancelled".to_string()),
        "{kinds:?}"
    );
    drop(conn);
    app.mailer.drain().await.unwrap();
}

#[tokio::test]
async fn participants_see_their_qr_code_download_their_data_and_can_delete_it() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(&sink).await;
    let slug = app.load_demo();
    let w = app.session_id("Sensorik im Straßenraum");
    app.set_session_capacity(w, 1);
    let (a, a_page) = confirmed_participant(&app, &sink, &slug, "a@example.org", &[]).await;
    let (b, b_page) = confirmed_participant(&app, &sink, &slug, "b@example.org", &[]).await;
    for (v, p) in [(&a, &a_page), (&b, &b_page)] {
        v.b.post(app.url(&format!("{p}/enroll")))
            .form(&[("csrf_token", v.token.clone()), ("session", w.to_string())])
            .send()
            .await
            .unwrap();
    }
    let page =
        a.b.get(app.url(&a_page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(
        page.contains("src=\"data:image/svg+xml;base64,"),
        "QR code for check-in"
    );
    let r =
        a.b.get(app.url(&format!("{a_page}/data.json")))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let data: serde_json::Value = r.json().await.unwrap();
    assert_eq!(data["email"], "a@example.org");
    assert_eq!(data["workshops"][0]["session"], "Sensorik im Straßenraum");
    assert_eq!(data["workshops"][0]["status"], "enrolled");

    let r =
        a.b.post(app.url(&format!("{a_page}/delete")))
            .form(&[("csrf_token", a.token.clone())])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("gelöscht"));
    assert_eq!(
        a.b.get(app.url(&a_page)).send().await.unwrap().status(),
        404
    );
    let mut conn = app.conn();
    let left: i64 = registrations::table
        .filter(registrations::email.eq("a@example.org"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(left, 0);
    // The freed seat went to the next in line.
    let counts: (i32, i32) = sessions::table
        .find(w)
        .select((sessions::enrolled_count, sessions::waitlisted_count))
        .first(&mut *conn)
        .unwrap();
    assert_eq!(counts, (1, 0));
    drop(conn);
    let page =
        b.b.get(app.url(&b_page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(page.contains("Platz freigeben"));
    app.mailer.drain().await.unwrap();
}

#[tokio::test]
async fn unconfirmed_registrations_expire_after_48_hours_and_can_register_again() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(&sink).await;
    app.allow_undelivered("confirmation links are read from the outbox; this test is about expiry");
    let slug = app.load_demo();
    let v = visitor(&app, &slug).await;
    assert_eq!(
        register(&app, &v, &slug, "late@example.org", &[])
            .await
            .status(),
        303
    );
    let ctx = app.state.ctx.clone();
    let now = kongress::services::now_utc();
    {
        let mut conn = app.conn();
        // Not yet: 47 hours later nothing expires.
        assert_eq!(
            kongress::services::registration::expire_due(
                &mut conn,
                &ctx,
                now + chrono::Duration::hours(47)
            )
            .unwrap(),
            0
        );
        assert_eq!(
            kongress::services::registration::expire_due(
                &mut conn,
                &ctx,
                now + chrono::Duration::hours(49)
            )
            .unwrap(),
            1
        );
        let status: String = registrations::table
            .select(registrations::status)
            .first(&mut *conn)
            .unwrap();
        assert_eq!(status, "expired");
    }
    let link = confirm_links(&app).pop().unwrap();
    assert_eq!(
        v.b.get(&link).send().await.unwrap().status(),
        410,
        "the old link says it expired"
    );
    // Registering again reuses the record with a fresh link.
    assert_eq!(
        register(&app, &v, &slug, "late@example.org", &[])
            .await
            .status(),
        303
    );
    let mut conn = app.conn();
    let rows: Vec<String> = registrations::table
        .select(registrations::status)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(rows, ["pending"]);
}

/// Many first registrations at once (one IP): the per-IP counter must not race on its insert,
/// and the same address sent twice at once ends as one registration.
#[tokio::test]
async fn many_people_register_at_the_same_moment_without_errors() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(&sink).await;
    app.allow_undelivered("the crowd's confirmation mails; this test is about the registrations");
    let slug = app.load_demo();
    let v = visitor(&app, &slug).await;
    let mut emails: Vec<String> = (0..30).map(|i| format!("crowd{i}@example.org")).collect();
    emails.push("twice@example.org".into());
    emails.push("twice@example.org".into());
    let futures: Vec<_> = emails
        .iter()
        .map(|e| register(&app, &v, &slug, e, &[]))
        .collect();
    let statuses: Vec<u16> = futures_util::future::join_all(futures)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    let mut conn = app.conn();
    let n: i64 = registrations::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(n, 31);
}
