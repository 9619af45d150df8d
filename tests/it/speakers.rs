//! Issue 5: the speakers' private links and page, change digests on publish, calendars.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use kongress::db::schema::{
    congresses, enrollments, outbox, registrations, rooms, session_speakers, sessions,
    speaker_links, speakers,
};
use kongress::services::audit::Actor;
use kongress::services::publish;

use crate::helpers::{browser, csrf_in, spawn_app_with, TestApp};
use crate::smtp::SmtpSink;

async fn app_with_smtp(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |s| s.smtp_url = Some(url)).await
}

fn congress_id(app: &TestApp, slug: &str) -> kongress::domain::CongressId {
    let mut conn = app.conn();
    congresses::table
        .filter(congresses::slug.eq(slug))
        .select(congresses::id)
        .first(&mut *conn)
        .unwrap()
}

fn path_of(link: &str) -> String {
    let rest = link.split("://").nth(1).unwrap();
    format!("/{}", rest.split_once('/').unwrap().1)
}

/// The speaker links queued in the outbox: recipient → link path (the newest per recipient).
fn queued_links(app: &TestApp) -> BTreeMap<String, String> {
    let mut conn = app.conn();
    let rows: Vec<(String, String)> = outbox::table
        .filter(outbox::kind.eq("speaker-link"))
        .order(outbox::id)
        .select((outbox::recipient, outbox::body_text))
        .load(&mut *conn)
        .unwrap();
    rows.into_iter()
        .map(|(to, text)| {
            let token = text
                .match_indices("/speaker/")
                .map(|(i, _)| {
                    text[i + 9..]
                        .chars()
                        .take_while(|c| c.is_ascii_hexdigit())
                        .collect::<String>()
                })
                .find(|t| t.len() == 64)
                .unwrap_or_else(|| panic!("link in the text: {text}"));
            (to, format!("/speaker/{token}"))
        })
        .collect()
}

/// The demo with its programme published a second time with notifications on, as an organizer
/// would: every speaker with an email gets their first link.
fn demo_with_links(app: &TestApp) -> (String, kongress::domain::CongressId) {
    let slug = app.load_demo();
    let id = congress_id(app, &slug);
    let mut conn = app.conn();
    let p = publish::publish(&mut conn, id, Actor::System, Some(&app.mail_context())).unwrap();
    assert!(p.changes.is_empty());
    assert_eq!(
        p.notified.speaker_digests + p.notified.participant_digests,
        0
    );
    assert!(p.notified.speaker_links > 20, "{:?}", p.notified);
    (slug, id)
}

fn titles_of(app: &TestApp, speaker: i64) -> Vec<String> {
    let mut conn = app.conn();
    session_speakers::table
        .inner_join(sessions::table)
        .filter(session_speakers::speaker_id.eq(speaker))
        .select(sessions::title)
        .load(&mut *conn)
        .unwrap()
}

#[tokio::test]
async fn a_speaker_link_shows_only_their_slots_and_dead_links_are_gone() {
    let app = crate::helpers::spawn_app().await;
    let (slug, congress) = demo_with_links(&app);
    let links = queued_links(&app);
    // A second publish does not send the links again.
    {
        let mut conn = app.conn();
        let p = publish::publish(
            &mut conn,
            congress,
            Actor::System,
            Some(&app.mail_context()),
        )
        .unwrap();
        assert_eq!(p.notified, Default::default());
    }
    assert_eq!(queued_links(&app), links);

    // The keynote speaker (speaker 2 of the demo) and someone else.
    let keynote: i64 = {
        let mut conn = app.conn();
        session_speakers::table
            .inner_join(sessions::table)
            .filter(sessions::title.eq("Keynote: Daseinsvorsorge 2040"))
            .select(session_speakers::speaker_id)
            .first(&mut *conn)
            .unwrap()
    };
    let (email, mine): (String, Vec<String>) = {
        let mut conn = app.conn();
        let e: String = speakers::table
            .find(keynote)
            .select(speakers::email.assume_not_null())
            .first(&mut *conn)
            .unwrap();
        (e, titles_of(&app, keynote))
    };
    let link = &links[&email];
    let (status, page) = app.text(link).await;
    assert_eq!(status, 200);
    for t in &mine {
        assert!(page.contains(t.as_str()), "own slot {t}");
    }
    assert!(page.contains("Keynote: Daseinsvorsorge 2040"));
    assert!(
        !page.contains("Keynote: Die Stadt als Plattform"),
        "not another speaker's slot"
    );
    assert!(page.contains("Saal") || page.contains("Raum"), "room shown");
    // Opening is recorded for the organizers.
    {
        let mut conn = app.conn();
        let opened: Option<chrono::NaiveDateTime> = speaker_links::table
            .filter(speaker_links::speaker_id.eq(keynote))
            .select(speaker_links::last_opened_at)
            .first(&mut *conn)
            .unwrap();
        assert!(opened.is_some());
    }

    // The calendar: parses, one event per slot, UIDs are the sessions' guids and stable.
    let (status, ics) = app.text(&format!("{link}/slots.ics")).await;
    assert_eq!(status, 200);
    let cal: icalendar::Calendar = ics.parse().unwrap();
    assert_eq!(cal.components.len(), mine.len());
    let guid: String = {
        let mut conn = app.conn();
        sessions::table
            .filter(sessions::title.eq("Keynote: Daseinsvorsorge 2040"))
            .select(sessions::guid)
            .first(&mut *conn)
            .unwrap()
    };
    assert!(ics.contains(&format!("UID:{guid}")), "{ics}");
    let (_, again) = app.text(&format!("{link}/slots.ics")).await;
    let uids = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.starts_with("UID:"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(uids(&ics), uids(&again));

    // Unknown and malformed tokens are plain 404s.
    assert_eq!(
        app.text(&format!("/speaker/{}", "ab".repeat(32))).await.0,
        404
    );
    assert_eq!(app.text("/speaker/nope").await.0, 404);
    assert_eq!(
        app.text(&format!("/speaker/{}/slots.ics", "ab".repeat(32)))
            .await
            .0,
        404
    );

    // The organizers' view, then revoke: the link dies; a new one works.
    let owner = app.organizer("owner@example.org", false);
    app.grant(owner, &slug, "owner");
    let (b, token) = app.login("owner@example.org").await;
    let overview = b
        .get(app.url(&format!("/admin/{slug}/speaker-links")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        overview.contains("Link sperren") && overview.contains("Zuletzt geöffnet"),
        "{overview}"
    );
    let r = b
        .post(app.url(&format!("/admin/{slug}/speaker-links/{keynote}/revoke")))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.text(link).await.0, 410, "revoked: gone, not unknown");
    let r = b
        .post(app.url(&format!("/admin/{slug}/speaker-links/{keynote}/send")))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let fresh = queued_links(&app)[&email].clone();
    assert_ne!(&fresh, link);
    assert_eq!(app.text(&fresh).await.0, 200);
    assert_eq!(app.text(link).await.0, 410, "the old link stays dead");
    // Another congress's organizer cannot touch this speaker.
    let r = b
        .post(app.url(&format!("/admin/{slug}/speaker-links/999999/send")))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let _ = keynote_answers_and_profile(&app, &fresh, keynote, &slug, &b).await;
    app.mailer.drain().await.unwrap();
}

/// Confirm/decline and the profile, through the speaker's own page.
async fn keynote_answers_and_profile(
    app: &TestApp,
    link: &str,
    keynote: i64,
    slug: &str,
    organizer: &reqwest::Client,
) {
    let s = browser();
    let page = s
        .get(app.url(link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_in(&page);
    let session: i64 = {
        let mut conn = app.conn();
        sessions::table
            .filter(sessions::title.eq("Keynote: Daseinsvorsorge 2040"))
            .select(sessions::id)
            .first(&mut *conn)
            .unwrap()
    };
    let answer_is = |want: &str| {
        let mut conn = app.conn();
        let c: String = session_speakers::table
            .filter(session_speakers::session_id.eq(session))
            .filter(session_speakers::speaker_id.eq(keynote))
            .select(session_speakers::confirmation)
            .first(&mut *conn)
            .unwrap();
        assert_eq!(c, want);
    };
    let r = s
        .post(app.url(&format!("{link}/sessions/{session}")))
        .form(&[("csrf_token", token.as_str()), ("answer", "declined")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    answer_is("declined");
    let overview = organizer
        .get(app.url(&format!("/admin/{slug}/speaker-links")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let open = &overview[overview.find("Termine mit offenen").unwrap()..];
    assert!(
        open.contains("Keynote: Daseinsvorsorge 2040") && open.contains("(Abgesagt)"),
        "{open}"
    );
    let r = s
        .post(app.url(&format!("{link}/sessions/{session}")))
        .form(&[("csrf_token", token.as_str()), ("answer", "confirmed")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    {
        let mut conn = app.conn();
        let c: String = session_speakers::table
            .filter(session_speakers::session_id.eq(session))
            .filter(session_speakers::speaker_id.eq(keynote))
            .select(session_speakers::confirmation)
            .first(&mut *conn)
            .unwrap();
        assert_eq!(c, "confirmed");
    }
    // The message shows in the slot's own section, where the page is scrolled to.
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let page = s
        .get(app.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let section = &page[page.find(&format!("id=\"s{session}\"")).unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(
        section.contains("Ihre Antwort ist gespeichert."),
        "{section}"
    );
    // Someone else's session, and a made-up answer, change nothing.
    let other: i64 = {
        let mut conn = app.conn();
        sessions::table
            .filter(sessions::title.eq("Keynote: Die Stadt als Plattform – und wem sie gehört"))
            .select(sessions::id)
            .first(&mut *conn)
            .unwrap()
    };
    let r = s
        .post(app.url(&format!("{link}/sessions/{other}")))
        .form(&[("csrf_token", token.as_str()), ("answer", "declined")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = s
        .post(app.url(&format!("{link}/sessions/{session}")))
        .form(&[("csrf_token", token.as_str()), ("answer", "maybe")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Without the CSRF token nothing happens.
    let r = browser()
        .post(app.url(&format!("{link}/sessions/{session}")))
        .form(&[("answer", "declined")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let overview = organizer
        .get(app.url(&format!("/admin/{slug}/speaker-links")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(overview.contains("Zugesagt"));

    // The profile: an empty name is refused with the input kept; a good one is saved.
    let r = s
        .post(app.url(&format!("{link}/profile")))
        .form(&[
            ("csrf_token", token.as_str()),
            ("name", " "),
            ("organization", "Stadt <Beispiel>"),
            ("position", ""),
            ("bio", "Neu"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("Stadt &lt;Beispiel&gt;") || body.contains("Stadt &#60;Beispiel&#62;"));
    assert!(body.contains("aria-invalid=\"true\""));
    let r = s
        .post(app.url(&format!("{link}/profile")))
        .form(&[
            ("csrf_token", token.as_str()),
            ("name", "Dr. Petra Neu"),
            ("organization", "Stadt Beispiel"),
            ("position", "Leitung"),
            ("bio", "Zehn Jahre Daseinsvorsorge."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let mut conn = app.conn();
    let (name, org): (String, String) = speakers::table
        .find(keynote)
        .select((speakers::name, speakers::organization))
        .first(&mut *conn)
        .unwrap();
    assert_eq!(
        (name.as_str(), org.as_str()),
        ("Dr. Petra Neu", "Stadt Beispiel")
    );
}

#[tokio::test]
async fn speaker_login_answers_the_same_for_known_and_unknown_addresses() {
    let app = crate::helpers::spawn_app().await;
    let (_, congress) = demo_with_links(&app);
    let before = queued_links(&app);
    let (_, email) = {
        let mut conn = app.conn();
        speakers::table
            .filter(speakers::congress_id.eq(congress))
            .filter(speakers::email.is_not_null())
            .select((speakers::id, speakers::email.assume_not_null()))
            .first::<(i64, String)>(&mut *conn)
            .unwrap()
    };
    let count = |app: &TestApp| -> i64 {
        let mut conn = app.conn();
        outbox::table
            .filter(outbox::kind.eq("speaker-link"))
            .count()
            .get_result(&mut *conn)
            .unwrap()
    };
    let n0 = count(&app);
    let b = browser();
    let page = b
        .get(app.url("/speaker/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_in(&page);
    let mut answers = vec![];
    for address in [email.as_str(), "nobody@example.org"] {
        let started = std::time::Instant::now();
        let r = b
            .post(app.url("/speaker/login"))
            .form(&[("csrf_token", token.as_str()), ("email", address)])
            .send()
            .await
            .unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(250),
            "answered after a fixed minimum time"
        );
        answers.push((
            r.status().as_u16(),
            r.headers()["location"].to_str().unwrap().to_string(),
            r.text().await.unwrap(),
        ));
    }
    assert_eq!(answers[0], answers[1], "no difference to see");
    assert_eq!(answers[0].0, 303);
    assert_eq!(count(&app), n0 + 1, "only the known address got a link");
    let fresh = &queued_links(&app)[&email];
    assert_ne!(fresh, &before[&email]);
    assert_eq!(app.text(fresh).await.0, 200);
    assert_eq!(
        app.text(&before[&email]).await.0,
        200,
        "earlier links keep working"
    );
    // A malformed address is answered on the form, input kept.
    let r = b
        .post(app.url("/speaker/login"))
        .form(&[("csrf_token", token.as_str()), ("email", "not-an-address")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("value=\"not-an-address\""));
    app.mailer.drain().await.unwrap();
}

/// The "done when": on the demo congress an organizer moves a workshop to another room
/// and time and publishes; its speaker and its enrolled participants each receive one correct
/// digest over SMTP; the speaker's page and calendar show the new slot; a second publish sends
/// nothing.
#[tokio::test]
async fn moving_a_workshop_sends_one_digest_to_each_affected_person() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(&sink).await;
    let slug = app.load_demo_with_people();
    let congress = congress_id(&app, &slug);
    let mut conn = app.conn();
    // The fullest workshop of the first block.
    let (workshop, title, old_room, old_start, old_end): (
        i64,
        String,
        i64,
        chrono::NaiveDateTime,
        chrono::NaiveDateTime,
    ) = sessions::table
        .filter(sessions::congress_id.eq(congress))
        .filter(sessions::capacity.is_not_null())
        .order((
            sessions::starts_at,
            sessions::enrolled_count.desc(),
            sessions::id,
        ))
        .select((
            sessions::id,
            sessions::title,
            sessions::room_id.assume_not_null(),
            sessions::starts_at.assume_not_null(),
            sessions::ends_at.assume_not_null(),
        ))
        .first(&mut *conn)
        .unwrap();
    let enrolled: Vec<String> = enrollments::table
        .inner_join(registrations::table)
        .filter(enrollments::session_id.eq(workshop))
        .filter(enrollments::status.eq("enrolled"))
        .filter(registrations::status.eq("confirmed"))
        .select(registrations::email)
        .load(&mut *conn)
        .unwrap();
    assert!(enrolled.len() >= 3, "a workshop with people in it");
    let waiting: Vec<String> = enrollments::table
        .inner_join(registrations::table)
        .filter(enrollments::session_id.eq(workshop))
        .filter(enrollments::status.ne("enrolled"))
        .select(registrations::email)
        .load(&mut *conn)
        .unwrap();
    let speakers_of: Vec<(String, String)> = session_speakers::table
        .inner_join(speakers::table)
        .filter(session_speakers::session_id.eq(workshop))
        .select((speakers::name, speakers::email.assume_not_null()))
        .load(&mut *conn)
        .unwrap();
    assert!(!speakers_of.is_empty());
    let (new_room, new_room_name): (i64, String) = rooms::table
        .filter(rooms::congress_id.eq(congress))
        .filter(rooms::id.ne(old_room))
        .filter(rooms::capacity.ge(40))
        .order(rooms::position.desc())
        .select((rooms::id, rooms::name))
        .first(&mut *conn)
        .unwrap();
    let old_room_name: String = rooms::table
        .find(old_room)
        .select(rooms::name)
        .first(&mut *conn)
        .unwrap();
    drop(conn);
    let tz = chrono_tz::Europe::Berlin;
    let local = |t: chrono::NaiveDateTime| Utc.from_utc_datetime(&t).with_timezone(&tz);
    let day: NaiveDate = local(old_start).date_naive();
    let before_mails = sink.messages().len();

    // The organizer moves it to 16:15–18:15 in another room and publishes.
    let owner = app.organizer("owner@example.org", false);
    app.grant(owner, &slug, "owner");
    let (b, token) = app.login("owner@example.org").await;
    let r = b
        .post(app.url(&format!("/admin/{slug}/schedule/{workshop}")))
        .form(&[
            ("csrf_token", token.as_str()),
            ("day", &day.to_string()),
            ("start", "16:15"),
            ("end", "18:15"),
            ("room", &new_room.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let r = b
        .post(app.url(&format!("/admin/{slug}/publish")))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let expected = speakers_of.len() + enrolled.len();
    assert!(
        location.contains(&format!("links=0&digests={expected}")),
        "{location}"
    );
    app.mailer.drain().await.unwrap();
    let mails = sink
        .wait_for_async(before_mails + expected, Duration::from_secs(10))
        .await;
    let mails = &mails[before_mails..];
    assert_eq!(mails.len(), expected);
    let mut to: Vec<String> = mails.iter().map(|m| m.to[0].clone()).collect();
    to.sort();
    let mut want: Vec<String> = speakers_of
        .iter()
        .map(|(_, e)| e.clone())
        .chain(enrolled.iter().cloned())
        .collect();
    want.sort();
    assert_eq!(
        to, want,
        "exactly the speakers and enrolled participants, once each"
    );
    for w in &waiting {
        assert!(
            !to.contains(w),
            "waitlisted or cancelled people are not told"
        );
    }
    let old_when = format!(
        "{}–{}",
        local(old_start).format("%H:%M"),
        local(old_end).format("%H:%M")
    );
    for m in mails {
        let text = m.text().unwrap();
        let subject = m.header("Subject").unwrap();
        let (moved, room, subject_start) = if text.starts_with("Dear") {
            (
                format!("Moved: “{title}” from"),
                format!("New room: “{title}” from {old_room_name} to {new_room_name}"),
                ["Changes to your sessions", "Programme change"],
            )
        } else {
            (
                format!("Verschoben: „{title}“ von"),
                format!("Raumwechsel: „{title}“ von {old_room_name} nach {new_room_name}"),
                ["Programmänderung", "Programmänderung"],
            )
        };
        assert!(text.contains(&moved), "{text}");
        assert!(
            text.contains(&old_when) && text.contains("16:15–18:15"),
            "{text}"
        );
        assert!(text.contains(&room), "{text}");
        assert!(m.html().unwrap().contains("16:15–18:15"));
        assert!(
            subject_start.iter().any(|s| subject.starts_with(s)),
            "{subject}"
        );
        // One line per change, nothing about other sessions.
        assert_eq!(text.matches("\n- ").count(), 2, "{text}");
    }
    // The speaker's digest leads to their page, which shows the new slot; so does the calendar.
    let speaker_mail = mails.iter().find(|m| m.to[0] == speakers_of[0].1).unwrap();
    let link = speaker_mail
        .links()
        .into_iter()
        .find(|l| l.contains("/speaker/"))
        .expect("link to the speaker page");
    let (status, page) = app.text(&path_of(&link)).await;
    assert_eq!(status, 200);
    assert!(page.contains(&new_room_name) && page.contains("16:15–18:15"));
    let (_, ics) = app.text(&format!("{}/slots.ics", path_of(&link))).await;
    let start_utc = tz
        .from_local_datetime(&day.and_hms_opt(16, 15, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let unfolded = ics.replace("\r\n ", "");
    assert!(
        unfolded.contains(&format!("DTSTART:{}", start_utc.format("%Y%m%dT%H%M%SZ"))),
        "{unfolded}"
    );
    assert!(
        unfolded.contains("SEQUENCE:1"),
        "the moved event's sequence rose"
    );
    // A participant's digest links their private page.
    let participant_mail = mails.iter().find(|m| m.to[0] == enrolled[0]).unwrap();
    let manage = participant_mail
        .links()
        .into_iter()
        .find(|l| l.contains("/r/"))
        .unwrap();
    assert_eq!(app.text(&path_of(&manage)).await.0, 200);

    // Publishing again without changes sends nothing.
    let r = b
        .post(app.url(&format!("/admin/{slug}/publish")))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("links=0&digests=0"));
    assert_eq!(app.mailer.drain().await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sink.messages().len(), before_mails + expected);
}

/// The page marks what changed since the speaker last looked, once.
#[tokio::test]
async fn the_speaker_page_marks_changes_since_the_last_visit() {
    let app = crate::helpers::spawn_app().await;
    let (_, congress) = demo_with_links(&app);
    let links = queued_links(&app);
    let (session, room, start, end, email): (
        kongress::domain::SessionId,
        Option<kongress::domain::RoomId>,
        chrono::NaiveDateTime,
        chrono::NaiveDateTime,
        String,
    ) = {
        let mut conn = app.conn();
        sessions::table
            .inner_join(session_speakers::table.inner_join(speakers::table))
            .filter(sessions::title.eq("Keynote: Daseinsvorsorge 2040"))
            .select((
                sessions::id,
                sessions::room_id,
                sessions::starts_at.assume_not_null(),
                sessions::ends_at.assume_not_null(),
                speakers::email.assume_not_null(),
            ))
            .first(&mut *conn)
            .unwrap()
    };
    let link = &links[&email];
    let (_, first) = app.text(link).await;
    assert!(!first.contains("Geändert seit Ihrem letzten Besuch"));
    {
        let mut conn = app.conn();
        let later =
            |t: chrono::NaiveDateTime| Utc.from_utc_datetime(&t) + chrono::Duration::minutes(30);
        // Half an hour later; the next plenary item moves too, so nothing overlaps.
        let next: Vec<(
            kongress::domain::SessionId,
            chrono::NaiveDateTime,
            chrono::NaiveDateTime,
            Option<kongress::domain::RoomId>,
        )> = sessions::table
            .filter(sessions::congress_id.eq(congress))
            .filter(sessions::starts_at.ge(end))
            .filter(sessions::room_id.eq(room))
            .order(sessions::starts_at)
            .select((
                sessions::id,
                sessions::starts_at.assume_not_null(),
                sessions::ends_at.assume_not_null(),
                sessions::room_id,
            ))
            .limit(1)
            .load(&mut *conn)
            .unwrap();
        for (id, s, e, r) in next.into_iter().rev() {
            kongress::services::sessions::place(
                &mut conn,
                congress,
                id,
                r,
                later(s),
                later(e),
                Actor::System,
            )
            .unwrap();
        }
        kongress::services::sessions::place(
            &mut conn,
            congress,
            session,
            room,
            later(start),
            later(end),
            Actor::System,
        )
        .unwrap();
        let p = publish::publish(
            &mut conn,
            congress,
            Actor::System,
            Some(&app.mail_context()),
        )
        .unwrap();
        assert!(p.notified.speaker_digests >= 1);
    }
    let (_, second) = app.text(link).await;
    assert!(
        second.contains("Geändert seit Ihrem letzten Besuch"),
        "{second}"
    );
    assert!(second.contains("Verschoben: „Keynote: Daseinsvorsorge 2040“"));
    let (_, third) = app.text(link).await;
    assert!(!third.contains("Geändert seit Ihrem letzten Besuch"));
    app.mailer.drain().await.unwrap();
}
