//! The mail worker's lease (issue 11): a message left `sending` by a worker that died is sent
//! again once its lease expires, and a worker whose lease was taken over cannot overwrite the
//! new owner's result.

use chrono::Duration;
use diesel::prelude::*;
use kongress::db::outbox::{self as claims, Claim};
use kongress::db::schema::outbox;
use kongress::domain::MailKind;
use kongress::i18n::Lang;
use kongress::mail::worker::LEASE_SECONDS;
use kongress::services::now_utc;
use kongress::services::outbox::{queue as queue_mail, Mail};

use crate::helpers::{spawn_app, TestApp};

fn queue(app: &TestApp, key: &str) -> i64 {
    let mut conn = app.conn();
    let mail = Mail {
        congress_id: None,
        kind: MailKind::Bulk,
        key: key.into(),
        to: "ada@example.org",
        lang: Lang::De,
        name: "Ada Lovelace",
        congress: "Kongress",
        detail: "Hallo",
        link: "http://example.org/r/x",
        extra: &["Text".into()],
        lines: &[],
        attachments: &[],
    };
    assert!(queue_mail(&mut conn, &app.mail_context(), mail).unwrap());
    outbox::table
        .filter(outbox::idempotency_key.eq(key))
        .select(outbox::id)
        .first(&mut *conn)
        .unwrap()
}

fn status(app: &TestApp, id: i64) -> (String, i32) {
    outbox::table
        .find(id)
        .select((outbox::status, outbox::attempts))
        .first(&mut *app.conn())
        .unwrap()
}

#[tokio::test]
async fn a_message_left_sending_is_sent_again_once_its_lease_expired() {
    let app = spawn_app().await;
    app.allow_undelivered("a live lease is left sending on purpose");
    let crashed = queue(&app, "crashed");
    let busy = queue(&app, "busy");
    let now = now_utc();
    // One worker died mid-send a little over a lease ago; another is sending right now.
    for (id, since) in [(crashed, LEASE_SECONDS + 5), (busy, 10)] {
        diesel::update(outbox::table.find(id))
            .set((
                outbox::status.eq("sending"),
                outbox::attempts.eq(1),
                outbox::locked_at.eq(Some(now - Duration::seconds(since))),
            ))
            .execute(&mut *app.conn())
            .unwrap();
    }
    assert_eq!(app.mailer.drain_once().await.unwrap(), 1);
    assert_eq!(status(&app, crashed), ("sent".into(), 2));
    assert_eq!(
        status(&app, busy),
        ("sending".into(), 1),
        "a live lease is left alone"
    );
    // The repeat carries the message's one Message-ID.
    let message_id: String = outbox::table
        .find(crashed)
        .select(outbox::message_id)
        .first(&mut *app.conn())
        .unwrap();
    let files: Vec<_> = std::fs::read_dir(app._mail_dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1);
    let eml = std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap();
    assert!(eml.contains(&message_id), "{eml}");
}

#[tokio::test]
async fn a_worker_whose_lease_was_taken_over_does_not_overwrite_the_result() {
    let app = spawn_app().await;
    app.allow_undelivered("the message is left pending after a failed attempt on purpose");
    let id = queue(&app, "contested");
    let mut conn = app.conn();
    let t0 = now_utc();
    let lease = Duration::seconds(LEASE_SECONDS);
    let first = claims::claim(&mut conn, t0, t0 - lease, 20).unwrap();
    assert_eq!(first, vec![Claim { id, attempts: 1 }]);
    // A live lease is not claimed twice.
    assert!(claims::claim(&mut conn, t0, t0 - lease, 20)
        .unwrap()
        .is_empty());
    // The first worker stalls past its lease; a second one takes the message over.
    let t1 = t0 + lease + Duration::seconds(1);
    let second = claims::claim(&mut conn, t1, t1 - lease, 20).unwrap();
    assert_eq!(second, vec![Claim { id, attempts: 2 }]);

    // The first worker's late renewal, failure and success all miss.
    assert!(!claims::renew(&mut conn, first[0], t1).unwrap());
    assert!(!claims::mark_failed(&mut conn, first[0], "timeout", t1, false).unwrap());
    assert!(!claims::mark_sent(&mut conn, first[0], t1).unwrap());
    drop(conn);
    assert_eq!(status(&app, id), ("sending".into(), 2));

    let mut conn = app.conn();
    assert!(claims::renew(&mut conn, second[0], t1).unwrap());
    assert!(claims::mark_failed(&mut conn, second[0], "421 try later", t1, false).unwrap());
    drop(conn);
    assert_eq!(status(&app, id), ("pending".into(), 2));
}

/// The harness's outbox guard: a test that queues mail and ends without delivering it fails,
/// naming what it left behind.
#[tokio::test]
#[should_panic(
    expected = "the test left 1 undelivered outbox row(s): bulk x1 to 1 recipient(s) (pending)"
)]
async fn a_test_that_leaves_mail_undelivered_fails() {
    let app = spawn_app().await;
    queue(&app, "forgotten");
}

/// Delivered, or left with a reason: both pass the guard.
#[tokio::test]
async fn delivered_or_explicitly_left_mail_passes_the_guard() {
    let delivered = spawn_app().await;
    queue(&delivered, "delivered");
    assert_eq!(delivered.mailer.drain().await.unwrap(), 1);
    let left = spawn_app().await;
    queue(&left, "left");
    left.allow_undelivered("this test is about leaving mail behind");
}
