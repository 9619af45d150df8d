//! The people side of the back office, driven like a browser: the registration list with search,
//! filters and pages; one registration with answers, workshops and history; approve, decline
//! and cancel with their emails and waitlist promotion; the CSV export; workshop seats; check-in
//! by search and by QR code; the outbox with retry; bulk mail.

use diesel::prelude::*;
use kongress::db::rows;
use kongress::db::schema::{audit_log, categories, outbox, registrations, sessions};
use kongress::domain::registration::RegistrationStatus;
use kongress::services::registration::{self as reg, Confirmation};

use crate::helpers::{spawn_app, Applicant, TestApp};
use kongress::domain::CongressId;

const WORKSHOP: &str = "Digitale Zwillinge für die Stadtplanung";

/// A demo programme (no registrations), an editor logged in.
struct Office {
    app: TestApp,
    slug: String,
    b: reqwest::Client,
    token: String,
}

async fn office() -> Office {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let editor = app.organizer("editor@example.org", false);
    app.grant(editor, &slug, "editor");
    let (b, token) = app.login("editor@example.org").await;
    Office {
        app,
        slug,
        b,
        token,
    }
}

impl Office {
    async fn page(&self, path: &str) -> (u16, String) {
        let r = self.b.get(self.app.url(path)).send().await.unwrap();
        let s = r.status().as_u16();
        (s, r.text().await.unwrap())
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form = vec![("csrf_token", self.token.as_str())];
        form.extend_from_slice(fields);
        self.b
            .post(self.app.url(path))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    fn admin(&self, rest: &str) -> String {
        format!("/admin/{}{rest}", self.slug)
    }
}

/// Opens the confirmation link of the newest confirmation email to `email`.
fn confirm(app: &TestApp, email: &str) -> RegistrationStatus {
    let token = crate::helpers::confirm_token(app, email);
    let mut conn = app.conn();
    let ctx = app.mail_context();
    match reg::confirm(&mut conn, &token, &ctx, kongress::services::now_utc()).unwrap() {
        Confirmation::Done { status, .. } => status,
        other => panic!("confirmation failed: {other:?}"),
    }
}

fn signed_up(app: &TestApp, who: Applicant<'_>) -> kongress::domain::RegistrationId {
    let email = who.email.to_string();
    let id = app.register_directly(who);
    confirm(app, &email);
    id
}

/// (kind, recipient) of every queued message, oldest first.
fn mails(app: &TestApp) -> Vec<(String, String)> {
    let mut conn = app.conn();
    outbox::table
        .order(outbox::id)
        .select((outbox::kind, outbox::recipient))
        .load(&mut *conn)
        .unwrap()
}

fn rows_listed(page: &str, slug: &str) -> usize {
    page.matches(&format!(
        "<th scope=\"row\"><a href=\"/admin/{slug}/registrations/"
    ))
    .count()
}

/// For the authorization matrix: a registration of the congress (made if there is none).
pub fn any_registration(app: &TestApp, congress: CongressId) -> kongress::domain::RegistrationId {
    let found: Option<kongress::domain::RegistrationId> = {
        let mut conn = app.conn();
        registrations::table
            .filter(registrations::congress_id.eq(congress))
            .order(registrations::id)
            .select(registrations::id)
            .first(&mut *conn)
            .optional()
            .unwrap()
    };
    found.unwrap_or_else(|| {
        app.register_directly(Applicant::new(
            "Matrix",
            "Probe",
            "matrix-probe@example.org",
        ))
    })
}

#[tokio::test]
async fn the_list_searches_filters_and_pages_with_a_fixed_number_of_queries() {
    let o = office().await;
    let app = &o.app;
    app.allow_undelivered("the registrations' mails; this test is about the list");
    let w = app.session_id(WORKSHOP);
    let anna = signed_up(
        app,
        Applicant {
            organization: "Stadt Beispiel",
            workshop: Some(w),
            ..Applicant::new("Anna", "Müller", "anna@example.org")
        },
    );
    let bernd = signed_up(
        app,
        Applicant {
            organization: "Open Urban Lab",
            category: "Modellprojekt Smart Cities",
            ..Applicant::new("Bernd", "Schulz", "bernd@example.org")
        },
    );
    let clara = app.register_directly(Applicant::new("Clara", "Öztürk", "clara@example.org"));

    let (status, page) = o.page(&o.admin("/registrations")).await;
    assert_eq!(status, 200);
    assert_eq!(rows_listed(&page, &o.slug), 3);
    assert!(page.contains("Bestätigt: 2") && page.contains("E-Mail unbestätigt: 1"));
    assert!(
        page.contains("<label for=\"f-q\">"),
        "labelled search field"
    );

    let listed = |page: &str, id: kongress::domain::RegistrationId| {
        page.contains(&format!("/registrations/{id}\""))
    };
    // Any case, any part of the name, email address or organization.
    for (q, expected) in [
        ("müller", vec![anna]),
        ("ANNA MÜ", vec![anna]),
        ("beispiel", vec![anna]),
        ("BERND@EXAMPLE", vec![bernd]),
        ("urban lab", vec![bernd]),
        ("öztürk", vec![clara]),
        ("example.org", vec![anna, bernd, clara]),
        ("%", vec![]),
        ("_", vec![]),
    ] {
        let (status, page) = o
            .page(&format!(
                "{}?q={}",
                o.admin("/registrations"),
                urlencoding::encode(q)
            ))
            .await;
        assert_eq!(status, 200, "{q}");
        for id in [anna, bernd, clara] {
            assert_eq!(listed(&page, id), expected.contains(&id), "{q}: {id}");
        }
    }
    let (_, page) = o.page(&o.admin("/registrations?status=pending")).await;
    assert!(listed(&page, clara) && !listed(&page, anna) && !listed(&page, bernd));
    let modellprojekt = app.category_id("Modellprojekt Smart Cities");
    let (_, page) = o
        .page(&o.admin(&format!("/registrations?category={modellprojekt}")))
        .await;
    assert!(listed(&page, bernd) && !listed(&page, anna) && !listed(&page, clara));
    let (_, page) = o
        .page(&o.admin(&format!("/registrations?workshop={w}&q=anna")))
        .await;
    assert!(listed(&page, anna) && !listed(&page, bernd) && !listed(&page, clara));
    assert!(page.contains(&format!("<option value=\"{w}\" selected>")));
    // Nonsense in the query string is ignored, never an error.
    let (status, page) = o
        .page(&o.admin("/registrations?status=bogus&category=x&workshop=-&page=zwei"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(rows_listed(&page, &o.slug), 3);

    // 50 to a page; the page costs the same number of queries however full it is.
    for i in 0..50 {
        let email = format!("person{i}@example.org");
        app.register_directly(Applicant::new("Person", "Nummer", &email));
    }
    let before = app.queries.get();
    let (_, first) = o.page(&o.admin("/registrations")).await;
    let full_page = app.queries.get() - before;
    assert_eq!(rows_listed(&first, &o.slug), 50);
    assert!(first.contains("Seite 1 von 2") && first.contains("page=2"));
    let before = app.queries.get();
    let (_, second) = o.page(&o.admin("/registrations?page=2")).await;
    assert_eq!(app.queries.get() - before, full_page);
    assert_eq!(rows_listed(&second, &o.slug), 3);
    assert!(second.contains("Seite 2 von 2"));
    let (_, filtered) = o.page(&o.admin("/registrations?q=nummer&page=2")).await;
    assert_eq!(rows_listed(&filtered, &o.slug), 0);
    assert!(filtered.contains("Keine Treffer"));

    // English too.
    let (status, page) = o.page(&o.admin("/registrations?lang=en")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Confirmed: 2") && page.contains("Export as a CSV file"));
}

#[tokio::test]
async fn a_registration_shows_answers_workshops_and_its_history() {
    let o = office().await;
    let app = &o.app;
    app.allow_undelivered("the registration's mails; this test is about its page");
    let c = app.congress_row();
    let question = {
        let mut conn = app.conn();
        kongress::services::setup::add_question(
            &mut conn,
            c.id,
            &kongress::services::setup::QuestionInput {
                label: "Anreise".into(),
                kind: "single_choice".into(),
                options: vec!["Bahn".into(), "Auto".into()],
                required: false,
                position: 0,
            },
            kongress::services::audit::Actor::System,
        )
        .unwrap()
    };
    let w = app.session_id(WORKSHOP);
    let id = signed_up(
        app,
        Applicant {
            organization: "Stadt Beispiel",
            workshop: Some(w),
            answers: vec![(question, "Bahn".into())],
            ..Applicant::new("Anna", "Müller", "anna@example.org")
        },
    );
    let (status, page) = o.page(&o.admin(&format!("/registrations/{id}"))).await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1><bdi>Anna Müller</bdi></h1>"));
    assert!(page.contains("<dt>Anreise</dt><dd>Bahn</dd>"), "answer");
    assert!(page.contains("Stadt Beispiel") && page.contains("vegetarisch"));
    assert!(page.contains(WORKSHOP) && page.contains("Platz sicher"));
    for kind in [
        "registration.created",
        "registration.status",
        "enrollment.created",
    ] {
        assert!(page.contains(kind), "history has {kind}");
    }
    assert!(page.contains("email_confirmed"));
    // Headings in order, every table header with a scope.
    assert!(page.find("<h1>").unwrap() < page.find("<h2>").unwrap());
    assert!(!page.contains("<th>"));

    for bad in ["999999", "abc", "-1"] {
        let (status, _) = o.page(&o.admin(&format!("/registrations/{bad}"))).await;
        assert_eq!(status, 404, "{bad}");
    }
    let (status, _) = o
        .page(&o.admin(&format!("/registrations/{id}?lang=en")))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn press_registrations_are_approved_or_declined_with_an_email() {
    let o = office().await;
    let app = &o.app;
    let press = |first: &'static str, email: &'static str| Applicant {
        category: "Presse",
        organization: "Tagblatt",
        ..Applicant::new(first, "Presse", email)
    };
    let ida = app.register_directly(press("Ida", "ida@example.org"));
    assert_eq!(
        confirm(app, "ida@example.org"),
        RegistrationStatus::AwaitingApproval
    );
    let jan = app.register_directly(press("Jan", "jan@example.org"));
    confirm(app, "jan@example.org");

    let (_, page) = o
        .page(&o.admin("/registrations?status=awaiting_approval"))
        .await;
    assert_eq!(rows_listed(&page, &o.slug), 2);
    let (_, page) = o.page(&o.admin(&format!("/registrations/{ida}"))).await;
    assert!(page.contains("Wartet auf Freigabe") && page.contains("/approve\""));

    let r = o
        .post(&o.admin(&format!("/registrations/{ida}/approve")), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.registration_status(ida), "confirmed");
    let r = o
        .post(&o.admin(&format!("/registrations/{jan}/decline")), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.registration_status(jan), "cancelled");
    let queued = mails(app);
    assert!(queued.contains(&("approval-granted".into(), "ida@example.org".into())));
    assert!(queued.contains(&("approval-declined".into(), "jan@example.org".into())));
    let places_taken = |app: &TestApp| -> i32 {
        let mut conn = app.conn();
        categories::table
            .find(app.category_id("Presse"))
            .select(categories::confirmed_count)
            .first(&mut *conn)
            .unwrap()
    };
    assert_eq!(places_taken(app), 1, "the approved one holds a press place");

    // Approving twice (a double-click) answers as the first did and changes nothing.
    let r = o
        .post(&o.admin(&format!("/registrations/{ida}/approve")), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(mails(app).len(), queued.len());
    assert_eq!(places_taken(app), 1, "no second place");
    let r = o
        .post(&o.admin(&format!("/registrations/{jan}/approve")), &[])
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(app.registration_status(jan), "cancelled");
    for bad in ["999999", "x"] {
        let r = o
            .post(&o.admin(&format!("/registrations/{bad}/approve")), &[])
            .await;
        assert_eq!(r.status(), 404);
    }
    // The history says who decided.
    let (_, page) = o.page(&o.admin(&format!("/registrations/{ida}"))).await;
    assert!(page.contains("editor@example.org") && page.contains("approved"));
    app.mailer.drain().await.unwrap();
}

#[tokio::test]
async fn an_organizer_cancellation_moves_the_next_person_up() {
    let o = office().await;
    let app = &o.app;
    let w = app.session_id(WORKSHOP);
    app.set_session_capacity(w, 1);
    let first = signed_up(
        app,
        Applicant {
            workshop: Some(w),
            ..Applicant::new("Erste", "Person", "first@example.org")
        },
    );
    let second = signed_up(
        app,
        Applicant {
            workshop: Some(w),
            ..Applicant::new("Zweite", "Person", "second@example.org")
        },
    );
    assert_eq!(app.seat(first, w).unwrap(), "enrolled");
    assert_eq!(app.seat(second, w).unwrap(), "waitlisted");
    let (_, page) = o.page(&o.admin(&format!("/registrations/{second}"))).await;
    assert!(page.contains("Warteliste, Platz 1"));

    let r = o
        .post(&o.admin(&format!("/registrations/{first}/cancel")), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.registration_status(first), "cancelled");
    assert_eq!(app.seat(second, w).unwrap(), "enrolled");
    let queued = mails(app);
    assert!(queued.contains(&("cancelled".into(), "first@example.org".into())));
    assert!(queued.contains(&("enrollment-promoted".into(), "second@example.org".into())));
    let who: Option<i64> = {
        let mut conn = app.conn();
        audit_log::table
            .filter(audit_log::entity.eq("registration"))
            .filter(audit_log::entity_id.eq(first))
            .filter(audit_log::after_value.like("%cancelled%"))
            .select(audit_log::organizer_id)
            .first(&mut *conn)
            .unwrap()
    };
    assert!(who.is_some(), "the cancellation is the organizer's");
    // Cancelling again answers as the first did, with no second email.
    let before = mails(app).len();
    let r = o
        .post(&o.admin(&format!("/registrations/{first}/cancel")), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(mails(app).len(), before);
    app.mailer.drain().await.unwrap();
}

#[tokio::test]
async fn seats_show_every_workshop_and_promotion_waits_for_a_free_seat() {
    let o = office().await;
    let app = &o.app;
    let w = app.session_id(WORKSHOP);
    app.set_session_capacity(w, 1);
    signed_up(
        app,
        Applicant {
            workshop: Some(w),
            ..Applicant::new("Erste", "Person", "first@example.org")
        },
    );
    let waiting = signed_up(
        app,
        Applicant {
            workshop: Some(w),
            ..Applicant::new("Zweite", "Person", "second@example.org")
        },
    );
    let (status, page) = o.page(&o.admin("/seats")).await;
    assert_eq!(status, 200);
    let workshops: i64 = {
        let mut conn = app.conn();
        sessions::table
            .filter(sessions::capacity.is_not_null())
            .count()
            .get_result(&mut *conn)
            .unwrap()
    };
    assert_eq!(
        page.matches("<th scope=\"row\">").count(),
        workshops as usize,
        "one row per workshop"
    );
    assert!(page.contains("1/1") && page.contains(&format!("/seats/{w}/promote")));

    // No free seat: nothing happens.
    let before = mails(app).len();
    let r = o.post(&o.admin(&format!("/seats/{w}/promote")), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        o.admin("/seats?promoted=0").as_str()
    );
    assert_eq!(app.seat(waiting, w).unwrap(), "waitlisted");
    assert_eq!(mails(app).len(), before);
    let (_, page) = o.page(&o.admin("/seats?promoted=0")).await;
    assert!(page.contains("Kein Platz frei"));

    // A seat more: the first in line moves up, with an email.
    app.set_session_capacity(w, 2);
    let r = o.post(&o.admin(&format!("/seats/{w}/promote")), &[]).await;
    assert_eq!(
        r.headers()["location"],
        o.admin("/seats?promoted=1").as_str()
    );
    assert_eq!(app.seat(waiting, w).unwrap(), "enrolled");
    assert_eq!(
        mails(app).last().unwrap(),
        &("enrollment-promoted".into(), "second@example.org".into())
    );
    let (_, page) = o.page(&o.admin("/seats")).await;
    assert!(page.contains("2/2"));
    let (status, page) = o.page(&o.admin("/seats?lang=en")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Workshop seats"));
    for bad in ["999999", "nope"] {
        let r = o
            .post(&o.admin(&format!("/seats/{bad}/promote")), &[])
            .await;
        assert_eq!(r.status(), 404);
    }
    app.mailer.drain().await.unwrap();
}

#[tokio::test]
async fn the_csv_export_parses_back_with_a_header_and_every_row() {
    let o = office().await;
    let app = &o.app;
    app.allow_undelivered("the registrations' mails; this test is about the export");
    let c = app.congress_row();
    let question = {
        let mut conn = app.conn();
        kongress::services::setup::add_question(
            &mut conn,
            c.id,
            &kongress::services::setup::QuestionInput {
                label: "Themen".into(),
                kind: "multiple_choice".into(),
                options: vec!["Energie".into(), "Mobilität".into()],
                required: false,
                position: 0,
            },
            kongress::services::audit::Actor::System,
        )
        .unwrap()
    };
    let w = app.session_id(WORKSHOP);
    let anna = signed_up(
        app,
        Applicant {
            organization: "Stadt \"Beispiel\", Amt für Daten",
            workshop: Some(w),
            answers: vec![(question, "Energie\nMobilität".into())],
            ..Applicant::new("Anna", "Müller", "anna@example.org")
        },
    );
    signed_up(
        app,
        Applicant {
            organization: "=HYPERLINK(\"http://evil.example\")",
            ..Applicant::new("Eve", "Formel", "eve@example.org")
        },
    );
    app.register_directly(Applicant::new("Clara", "Öztürk", "clara@example.org"));

    let r =
        o.b.get(app.url(&o.admin("/registrations.csv")))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert_eq!(
        r.headers()["content-disposition"].to_str().unwrap(),
        format!("attachment; filename=\"{}-registrations.csv\"", o.slug)
    );
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte-order mark");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
            "id",
            "status",
            "category",
            "first_name",
            "last_name",
            "email",
            "organization",
            "position",
            "days",
            "dietary",
            "accessibility",
            "public_listing",
            "confirmed_at",
            "checked_in_at",
            "workshops",
            "waitlists",
            "Themen",
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let row = rows.iter().find(|r| &r[5] == "anna@example.org").unwrap();
    assert_eq!(&row[0], anna.to_string().as_str());
    assert_eq!(&row[1], "confirmed");
    assert_eq!(&row[3], "Anna");
    assert_eq!(&row[4], "Müller");
    assert_eq!(&row[6], "Stadt \"Beispiel\", Amt für Daten");
    assert_eq!(&row[14], WORKSHOP);
    assert_eq!(&row[16], "Energie; Mobilität");
    assert!(!row[12].is_empty(), "confirmed at");
    let eve = rows.iter().find(|r| &r[5] == "eve@example.org").unwrap();
    assert!(eve[6].starts_with("'="), "formula defused: {}", &eve[6]);

    // The list's filters apply.
    let r =
        o.b.get(app.url(&o.admin("/registrations.csv?status=pending")))
            .send()
            .await
            .unwrap();
    let bytes = r.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let emails: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[5].to_string())
        .collect();
    assert_eq!(emails, ["clara@example.org"]);
}

#[tokio::test]
async fn check_in_by_search_and_by_code_happens_once_and_the_door_sees_nothing_else() {
    let o = office().await;
    let app = &o.app;
    app.allow_undelivered("the registrations' mails; checking in sends none");
    let checkin = app.organizer("door@example.org", false);
    app.grant(checkin, &o.slug, "checkin");
    let (door, door_token) = app.login("door@example.org").await;
    let anna = signed_up(
        app,
        Applicant {
            organization: "Stadt Beispiel",
            ..Applicant::new("Anna", "Müller", "anna@example.org")
        },
    );
    let bernd = signed_up(app, Applicant::new("Bernd", "Schulz", "bernd@example.org"));
    let clara = app.register_directly(Applicant::new("Clara", "Öztürk", "clara@example.org"));

    // The check-in role reaches the door page and nothing else.
    let get = |path: String| {
        let door = door.clone();
        let url = app.url(&path);
        async move {
            let r = door.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    assert_eq!(get(o.admin("/registrations")).await.0, 403);
    assert_eq!(get(o.admin(&format!("/registrations/{anna}"))).await.0, 403);
    let (status, page) = get(o.admin("/checkin?q=m%C3%BCller")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Anna Müller") && page.contains("Einchecken"));
    assert!(!page.contains("Bernd Schulz"));
    assert!(
        !page.contains(&format!("/admin/{}/registrations\"", o.slug)),
        "no links the role cannot use"
    );
    assert!(page.contains("0</strong> von 2 eingecheckt"));
    // Only confirmed people are listed.
    let (_, page) = get(o.admin("/checkin?q=example.org")).await;
    assert!(page.contains("Bernd Schulz") && !page.contains("Clara"));

    let tap = |id: kongress::domain::RegistrationId, fields: Vec<(&'static str, String)>| {
        let door = door.clone();
        let url = app.url(&o.admin(&format!("/checkin/{id}")));
        let token = door_token.clone();
        async move {
            let mut form = vec![("csrf_token", token)];
            form.extend(fields);
            door.post(url).form(&form).send().await.unwrap()
        }
    };
    let checked_in_at = |id: kongress::domain::RegistrationId| -> Option<chrono::NaiveDateTime> {
        let mut conn = app.conn();
        registrations::table
            .find(id)
            .select(registrations::checked_in_at)
            .first(&mut *conn)
            .unwrap()
    };
    let r = tap(anna, vec![("q", "müller".into()), ("code", String::new())]).await;
    assert_eq!(r.status(), 303);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert!(back.contains("first=1"), "{back}");
    let first_time = checked_in_at(anna).expect("checked in");
    let (_, page) = get(back).await;
    assert!(page.contains("Anna Müller ist eingecheckt."));
    assert!(page.contains("Eingecheckt um"));
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let r = tap(anna, vec![("q", "müller".into())]).await;
    assert_eq!(r.status(), 303);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert!(back.contains("first=0"));
    assert_eq!(
        checked_in_at(anna),
        Some(first_time),
        "the first time is kept"
    );
    let (_, page) = get(back).await;
    assert!(page.contains("war schon eingecheckt um"));

    // By the code in the participant's QR code.
    let code = |id: kongress::domain::RegistrationId| {
        let mut conn = app.conn();
        let r: rows::Registration = registrations::table
            .find(id)
            .select(rows::Registration::as_select())
            .first(&mut *conn)
            .unwrap();
        reg::checkin_token(&app.mail_context(), &r)
    };
    let bernd_code = code(bernd);
    let (status, page) = get(o.admin(&format!("/checkin/code/{bernd_code}"))).await;
    assert_eq!(status, 200);
    assert!(page.contains("Bernd Schulz") && page.contains("Einchecken"));
    let r = tap(bernd, vec![("code", bernd_code.clone())]).await;
    assert_eq!(r.status(), 303);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with(&o.admin(&format!("/checkin/code/{bernd_code}"))));
    assert!(checked_in_at(bernd).is_some());
    let (_, page) = get(back).await;
    assert!(page.contains("Bernd Schulz ist eingecheckt.") && !page.contains(">Einchecken<"));
    // A pending registration's code shows the person without a button; a tap is refused.
    let (status, page) = get(o.admin(&format!("/checkin/code/{}", code(clara)))).await;
    assert_eq!(status, 200);
    assert!(page.contains("Clara Öztürk") && page.contains("kein Einlass"));
    let r = tap(clara, vec![]).await;
    assert_eq!(r.status(), 409);
    assert!(checked_in_at(clara).is_none());
    // Codes that match nobody.
    for bad in ["abc", &"0".repeat(64)] {
        let (status, page) = get(o.admin(&format!("/checkin/code/{bad}"))).await;
        assert_eq!(status, 200);
        assert!(page.contains("gehört zu keiner Anmeldung"));
    }
    assert_eq!(
        tap(kongress::domain::RegistrationId::from(999_999), vec![])
            .await
            .status(),
        404
    );

    // Two check-ins, two audit entries, by the door's account.
    let audited: Vec<(Option<i64>, Option<kongress::domain::OrganizerId>)> = {
        let mut conn = app.conn();
        audit_log::table
            .filter(audit_log::kind.eq("registration.checked_in"))
            .order(audit_log::id)
            .select((audit_log::entity_id, audit_log::organizer_id))
            .load(&mut *conn)
            .unwrap()
    };
    assert_eq!(
        audited,
        [
            (Some(anna.get()), Some(checkin)),
            (Some(bernd.get()), Some(checkin))
        ]
    );
    // An editor sees the time on the registration.
    let (_, page) = o.page(&o.admin(&format!("/registrations/{anna}"))).await;
    assert!(page.contains("registration.checked_in"));
    let (_, page) = o.page(&o.admin("/checkin?q=Anna")).await;
    assert!(
        page.contains(&format!("/admin/{}/registrations\"", o.slug)),
        "editors keep the full menu"
    );
    // The door page in English (the choice sticks, so it comes last).
    let (status, page) = get(o.admin("/checkin?q=bernd&lang=en")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Bernd Schulz") && page.contains("Checked in at"));
}

#[tokio::test]
async fn the_outbox_lists_a_failed_message_and_retry_makes_it_due() {
    let o = office().await;
    let app = &o.app;
    app.register_directly(Applicant::new("Anna", "Müller", "anna@example.org"));
    let message: i64 = {
        let mut conn = app.conn();
        let id = outbox::table.select(outbox::id).first(&mut *conn).unwrap();
        diesel::update(outbox::table.find(id))
            .set((
                outbox::status.eq("failed"),
                outbox::attempts.eq(30),
                outbox::last_error.eq(Some("550 mailbox unavailable")),
                outbox::next_attempt_at
                    .eq(kongress::services::now_utc() + chrono::Duration::hours(1)),
            ))
            .execute(&mut *conn)
            .unwrap();
        id
    };
    let (status, page) = o.page(&o.admin("/mail?status=failed")).await;
    assert_eq!(status, 200);
    assert!(page.contains("550 mailbox unavailable") && page.contains("Fehlgeschlagen"));
    assert!(page.contains("anna@example.org"));
    assert!(page.contains(&format!("/mail/{message}/retry")));

    let r = o
        .post(&o.admin(&format!("/mail/{message}/retry")), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (status, due): (String, chrono::NaiveDateTime) = {
        let mut conn = app.conn();
        outbox::table
            .find(message)
            .select((outbox::status, outbox::next_attempt_at))
            .first(&mut *conn)
            .unwrap()
    };
    assert_eq!(status, "pending");
    assert!(due <= kongress::services::now_utc());
    let (_, page) = o.page(&o.admin("/mail?retried=1")).await;
    assert!(page.contains("gleich erneut gesendet"));
    // The worker sends it; a sent message cannot be retried.
    assert_eq!(app.mailer.drain().await.unwrap(), 1);
    let r = o
        .post(&o.admin(&format!("/mail/{message}/retry")), &[])
        .await;
    assert_eq!(r.status(), 409);
    for bad in ["999999", "zz"] {
        let r = o.post(&o.admin(&format!("/mail/{bad}/retry")), &[]).await;
        assert_eq!(r.status(), 404);
    }
    let (status, _) = o
        .page(&o.admin("/mail?status=nonsense&page=-4&lang=en"))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn bulk_mail_to_a_workshop_reaches_each_enrolled_person_once() {
    let o = office().await;
    let app = &o.app;
    let w = app.session_id(WORKSHOP);
    app.set_session_capacity(w, 2);
    let mut enrolled = vec![];
    for (first, email) in [("Anna", "anna@example.org"), ("Bernd", "bernd@example.org")] {
        enrolled.push(signed_up(
            app,
            Applicant {
                workshop: Some(w),
                ..Applicant::new(first, "Teilnehmend", email)
            },
        ));
    }
    let waiting = signed_up(
        app,
        Applicant {
            workshop: Some(w),
            ..Applicant::new("Clara", "Wartend", "clara@example.org")
        },
    );
    assert_eq!(app.seat(waiting, w).unwrap(), "waitlisted");
    signed_up(app, Applicant::new("Dora", "Anderswo", "dora@example.org"));
    assert!(app.mailer.drain().await.unwrap() > 0);

    let (status, page) = o.page(&o.admin("/mail")).await;
    assert_eq!(status, 200);
    let batch = page
        .split("name=\"batch\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let group = format!("workshop-{w}");
    assert!(page.contains(&format!("value=\"{group}\"")));
    let body = "Bitte bringen Sie Ihren Laptop mit.\n\nDer Raum ist im ersten Stock.";
    let send = |fields: Vec<(&'static str, String)>| {
        let mut form: Vec<(&str, String)> = vec![("csrf_token", o.token.clone())];
        form.extend(fields);
        o.b.post(app.url(&o.admin("/mail"))).form(&form).send()
    };
    let form = vec![
        ("group", group.clone()),
        ("subject", "Ihre Werkstatt morgen".to_string()),
        ("body", body.to_string()),
        ("batch", batch.clone()),
    ];
    let r = send(form.clone()).await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], o.admin("/mail?queued=2").as_str());
    let bulk = || -> Vec<(String, String, String, String)> {
        let mut conn = app.conn();
        outbox::table
            .filter(outbox::kind.eq("bulk"))
            .order(outbox::id)
            .select((
                outbox::recipient,
                outbox::idempotency_key,
                outbox::body_text,
                outbox::body_html,
            ))
            .load(&mut *conn)
            .unwrap()
    };
    let queued = bulk();
    let recipients: Vec<&str> = queued.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(recipients, ["anna@example.org", "bernd@example.org"]);
    for (m, id) in queued.iter().zip(&enrolled) {
        assert_eq!(m.1, format!("bulk:{batch}:{id}"));
        assert!(m.2.contains("Guten Tag") && m.2.contains("Laptop") && m.2.contains("/r/"));
        assert!(m.3.contains("<p>Der Raum ist im ersten Stock.</p>"));
    }
    // The same form sent twice (a double click) queues nothing more.
    let r = send(form).await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(bulk().len(), 2);
    let audited: Vec<Option<String>> = {
        let mut conn = app.conn();
        audit_log::table
            .filter(audit_log::kind.eq("mail.bulk"))
            .select(audit_log::after_value)
            .load(&mut *conn)
            .unwrap()
    };
    assert!(audited[0].as_deref().unwrap().contains("\"recipients\":2"));
    assert_eq!(app.mailer.drain().await.unwrap(), 2);

    // Mistakes come back on the form, with what was typed.
    let r = send(vec![
        ("group", group.clone()),
        ("subject", "  ".into()),
        ("body", "Nur Text".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"e-subject\"") && page.contains(">Nur Text</textarea>"));
    assert!(page.contains(&format!("value=\"{group}\" selected")));
    let presse = app.category_id("Presse");
    for (g, message) in [
        ("workshop-999999".to_string(), "Bitte wählen Sie"),
        ("speakers".to_string(), "Bitte wählen Sie"),
        (format!("category-{presse}"), "niemand"),
    ] {
        let r = send(vec![
            ("group", g.clone()),
            ("subject", "Betreff".into()),
            ("body", "Text".into()),
        ])
        .await
        .unwrap();
        assert_eq!(r.status(), 422, "{g}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("id=\"e-group\"") && page.contains(message),
            "{g}"
        );
    }
    assert_eq!(bulk().len(), 2);
}
