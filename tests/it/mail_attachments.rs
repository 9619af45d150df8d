//! Attachments made by the mail worker (issue 12): a mail that gives a place stores a recipe,
//! not the files, and the worker renders it when it sends; rows that hold ready files (as older
//! rows do) go out as before; attachments that cannot be made count as a failed attempt.

use std::time::Duration;

use diesel::prelude::*;
use kongress::db::schema::{outbox, outbox_attempts};
use kongress::domain::MailKind;
use kongress::i18n::Lang;
use kongress::services::outbox::{queue, Mail, Recipe};
use kongress::services::registration as reg;
use kongress::services::{now_utc, ServiceError};

use crate::helpers::{confirm_token, spawn_app_with, Applicant, TestApp};
use crate::smtp::SmtpSink;

async fn app_with_smtp(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |s| s.smtp_url = Some(url)).await
}

fn mail<'a>(kind: MailKind, key: &str, attachments: &'a [Recipe]) -> Mail<'a> {
    Mail {
        congress_id: None,
        kind,
        key: key.into(),
        to: "ada@example.org",
        lang: Lang::De,
        name: "Ada Lovelace",
        congress: "Kongress",
        detail: "Hallo",
        link: "http://example.org/r/x",
        extra: &[],
        lines: &[],
        attachments,
    }
}

fn row_of(app: &TestApp, key: &str) -> (i64, String) {
    outbox::table
        .filter(outbox::idempotency_key.eq(key))
        .select((outbox::id, outbox::attachments))
        .first(&mut *app.conn())
        .unwrap()
}

#[tokio::test]
async fn a_place_mail_stores_a_recipe_and_goes_out_with_the_rendered_files() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(&sink).await;
    app.load_demo();
    let id = app.register_directly(Applicant::new("Ada", "Lovelace", "ada@example.org"));
    let token = confirm_token(&app, "ada@example.org");
    let ctx = app.mail_context();
    let confirmed = reg::confirm(&mut app.conn(), &token, &ctx, now_utc()).unwrap();
    assert!(matches!(confirmed, reg::Confirmation::Done { .. }));

    let stored: Vec<(String, String)> = outbox::table
        .order(outbox::id)
        .select((outbox::kind, outbox::attachments))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(
        stored,
        [
            ("confirm-your-registration".to_string(), "[]".to_string()),
            (
                "registration-confirmed".to_string(),
                format!(r#"[{{"place_of_registration":{id}}}]"#)
            ),
        ],
        "the transaction stores the recipe, not the files"
    );

    assert_eq!(app.mailer.drain().await.unwrap(), 2);
    let mails = sink.wait_for_async(2, Duration::from_secs(5)).await;
    assert!(mails[0].attachments().is_empty());
    let att = mails[1].attachments();
    let names: Vec<&str> = att.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(names, ["checkin-qr.png", "agenda.ics"]);
    assert!(att[0].2.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(String::from_utf8_lossy(&att[1].2).starts_with("BEGIN:VCALENDAR"));
}

#[tokio::test]
async fn a_row_with_ready_files_is_sent_with_them() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(&sink).await;
    let ctx = app.mail_context();
    assert!(queue(&mut app.conn(), &ctx, mail(MailKind::Bulk, "old", &[])).unwrap());
    // As rows queued before recipes existed hold them: the files, base64-encoded.
    let (id, _) = row_of(&app, "old");
    diesel::update(outbox::table.find(id))
        .set(outbox::attachments.eq(
            r#"[{"filename":"hallo.txt","content_type":"text/plain","base64":"SGFsbG8gV2VsdA=="}]"#,
        ))
        .execute(&mut *app.conn())
        .unwrap();
    assert_eq!(app.mailer.drain().await.unwrap(), 1);
    let mails = sink.wait_for_async(1, Duration::from_secs(5)).await;
    assert_eq!(
        mails[0].attachments(),
        [(
            "hallo.txt".to_string(),
            "text/plain".to_string(),
            b"Hallo Welt".to_vec()
        )]
    );
}

#[tokio::test]
async fn attachments_that_cannot_be_made_count_as_a_failed_attempt() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(&sink).await;
    app.allow_undelivered("the message waits for its retry on purpose");
    let ctx = app.mail_context();
    // A registration that is gone (deleted between queuing and sending, say).
    let gone = [Recipe::PlaceOfRegistration(999_999)];
    assert!(queue(
        &mut app.conn(),
        &ctx,
        mail(MailKind::RegistrationConfirmed, "gone", &gone)
    )
    .unwrap());
    let (id, _) = row_of(&app, "gone");
    assert_eq!(app.mailer.drain_once().await.unwrap(), 0);
    let (status, attempts, error): (String, i32, Option<String>) = outbox::table
        .find(id)
        .select((outbox::status, outbox::attempts, outbox::last_error))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!((status.as_str(), attempts), ("pending", 1), "retried later");
    let error = error.unwrap();
    assert!(
        error.starts_with("attachments: place attachments of registration 999999"),
        "{error}"
    );
    assert!(
        !error.contains("ada@") && !error.contains("Lovelace"),
        "{error}"
    );
    let tried: Vec<bool> = outbox_attempts::table
        .filter(outbox_attempts::outbox_id.eq(id))
        .select(outbox_attempts::succeeded)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(tried, [false]);
    assert!(sink.messages().is_empty(), "nothing half-made was sent");
}

#[tokio::test]
async fn recipes_are_given_exactly_for_the_kinds_that_carry_attachments() {
    let app = spawn_app_with(|_| {}).await;
    let ctx = app.mail_context();
    let place = [Recipe::PlaceOfRegistration(1)];
    let refused = [
        mail(MailKind::RegistrationConfirmed, "without", &[]),
        mail(MailKind::Bulk, "with", &place),
    ];
    for m in refused {
        assert!(matches!(
            queue(&mut app.conn(), &ctx, m),
            Err(ServiceError::Internal(_))
        ));
    }
    let n: i64 = outbox::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(n, 0);
}
