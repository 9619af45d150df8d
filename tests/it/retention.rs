//! Issue 13: the retention period. An owner sets it in the back office; at the deadline (a
//! fixed clock, not the wall clock) the sweep anonymises every registration of the congress,
//! and every figure an evaluation uses stays the same.

use chrono::Duration;
use diesel::prelude::*;
use kongress::db::rows;
use kongress::db::schema::{answers, audit_log, congresses, enrollments, outbox, registrations};
use kongress::services::registration::manage_token;
use kongress::services::retention;

use crate::helpers::{csrf_in, spawn_app, TestApp};

type Figures = (
    Vec<(i64, String, String, bool)>,
    Vec<(i64, String)>,
    Vec<(i64, i64)>,
);

/// What an evaluation counts: registrations by category, status and days, check-ins,
/// enrollments by session and status, and the non-empty answers per question.
fn figures(app: &TestApp) -> Figures {
    let mut conn = app.conn();
    let regs: Vec<(
        kongress::domain::CategoryId,
        String,
        String,
        Option<chrono::NaiveDateTime>,
    )> = registrations::table
        .order(registrations::id)
        .select((
            registrations::category_id,
            registrations::status,
            registrations::days_attending,
            registrations::checked_in_at,
        ))
        .load(&mut *conn)
        .unwrap();
    let regs = regs
        .into_iter()
        .map(|(c, s, d, t)| (c.get(), s, d, t.is_some()))
        .collect();
    let enr: Vec<(i64, String)> = enrollments::table
        .order(enrollments::id)
        .select((enrollments::session_id, enrollments::status))
        .load(&mut *conn)
        .unwrap();
    let choice_answers: Vec<(i64, i64)> = answers::table
        .filter(answers::value.ne(""))
        .inner_join(kongress::db::schema::questions::table)
        .filter(kongress::db::schema::questions::kind.ne_all(["short_text", "long_text"]))
        .order((answers::registration_id, answers::question_id))
        .select((answers::registration_id, answers::question_id))
        .load(&mut *conn)
        .unwrap();
    (regs, enr, choice_answers)
}

#[tokio::test]
async fn registrations_are_anonymised_at_the_deadline_and_the_figures_stay() {
    let app = spawn_app().await;
    let slug = app.load_demo_with_people();
    let owner = app.organizer("owner@example.org", false);
    app.grant(owner, &slug, "owner");

    // The owner sets the period in the back office (a bad value comes back on the form).
    let (b, _) = app.login("owner@example.org").await;
    let page = b
        .get(app.url(&format!("/admin/{slug}/privacy")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("value=\"90\""), "90 days unless changed");
    let csrf = csrf_in(&page);
    let r = b
        .post(app.url(&format!("/admin/{slug}/privacy")))
        .form(&[("csrf_token", csrf.as_str()), ("retention_days", "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("value=\"3\""));
    let r = b
        .post(app.url(&format!("/admin/{slug}/privacy")))
        .form(&[("csrf_token", csrf.as_str()), ("retention_days", "30")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let c: rows::Congress = congresses::table
        .filter(congresses::slug.eq(&slug))
        .select(rows::Congress::as_select())
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(c.retention_days, 30);

    // The dry run shows what will go.
    let page = b
        .get(app.url(&format!("/admin/{slug}/privacy")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let total: i64 = registrations::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert!(total > 100);
    assert!(
        page.contains(&format!("<dd>{total}</dd>")),
        "the count of registrations"
    );

    let before = figures(&app);
    let deadline = retention::deadline(&c);
    // The start of the local day after last day + 30 (Europe/Berlin).
    assert_eq!(
        deadline.date(),
        retention::removal_day(c.last_day, 30) - chrono::Days::new(1)
    );
    let one: rows::Registration = registrations::table
        .filter(registrations::status.eq("confirmed"))
        .select(rows::Registration::as_select())
        .first(&mut *app.conn())
        .unwrap();
    let link = format!("/r/{}", manage_token(&app.state.ctx, &one));
    assert_eq!(app.text(&link).await.0, 200);

    // A second before: nothing.
    let done = retention::sweep(&mut app.conn(), deadline - Duration::seconds(1)).unwrap();
    assert!(done.is_empty());
    let named: i64 = registrations::table
        .filter(registrations::first_name.ne(""))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(named, total);

    // At the deadline: every registration of the congress.
    let done = retention::sweep(&mut app.conn(), deadline).unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].0, slug);
    assert_eq!(done[0].1.registrations as i64, total);
    let mut conn = app.conn();
    let left: Vec<(String, String, String, String, String, String)> = registrations::table
        .select((
            registrations::first_name,
            registrations::last_name,
            registrations::email,
            registrations::organization,
            registrations::dietary_needs,
            registrations::accessibility_needs,
        ))
        .load(&mut *conn)
        .unwrap();
    assert!(left.iter().all(|(f, l, e, o, d, a)| f.is_empty()
        && l.is_empty()
        && e.ends_with("@invalid")
        && o.is_empty()
        && d.is_empty()
        && a.is_empty()));
    let free_text: i64 = answers::table
        .inner_join(kongress::db::schema::questions::table)
        .filter(kongress::db::schema::questions::kind.eq_any(["short_text", "long_text"]))
        .filter(answers::value.ne(""))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(free_text, 0);
    let sent_with_body: i64 = outbox::table
        .filter(outbox::status.eq("sent"))
        .filter(outbox::body_text.ne("").or(outbox::recipient.ne("")))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(sent_with_body, 0);
    let audit_values: i64 = audit_log::table
        .filter(audit_log::entity.eq("registration"))
        .filter(
            audit_log::before_value
                .is_not_null()
                .or(audit_log::after_value.is_not_null()),
        )
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(audit_values, 0);
    drop(conn);
    assert_eq!(figures(&app), before, "every figure stays the same");
    // The private link is dead.
    assert_eq!(app.text(&link).await.0, 404);

    // Later: nothing more to do.
    let done = retention::sweep(&mut app.conn(), deadline + Duration::days(1)).unwrap();
    assert!(done.is_empty());
    app.allow_undelivered("the demo's mails are not sent");
}
