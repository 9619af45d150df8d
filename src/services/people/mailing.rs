//! A congress's outbox as organizers see it (what went out, what waits, what failed and why),
//! a manual retry, and bulk mail to a group of participants: one outbox message per person,
//! all queued in one transaction (SPEC §2 rule 6).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::rows;
use crate::db::schema::{categories, enrollments, outbox, registrations, sessions};
use crate::db::{write_transaction, DbConnection};
use crate::domain::registration::RegistrationStatus;
use crate::domain::CongressId;
use crate::domain::EnrollmentStatus;
use crate::domain::MailKind;
use crate::domain::OrganizerId;
use crate::i18n::Lang;
use crate::services::audit::{self, Actor, AuditEvent};
use crate::services::outbox::{queue, Mail};
use crate::services::registration::manage_token;
use crate::services::Ctx;
use crate::services::ServiceError;

/// Outbox messages per page.
pub const OUTBOX_PAGE: i64 = 50;

/// One outbox message for the list.
#[derive(Debug, Clone, Queryable)]
pub struct OutboxLine {
    pub id: i64,
    pub created_at: NaiveDateTime,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
}

/// A page of the outbox and its counts.
pub struct OutboxPage {
    pub lines: Vec<OutboxLine>,
    /// Messages matching the status filter (all pages).
    pub total: i64,
    /// (status, count) for the whole congress.
    pub counts: Vec<(String, i64)>,
}

/// The statuses an outbox message goes through, in order.
pub const OUTBOX_STATUSES: [&str; 4] = ["pending", "sending", "sent", "failed"];

/// One page (0-based) of a congress's outbox, newest first (three queries).
pub fn outbox_page(
    conn: &mut DbConnection,
    congress: CongressId,
    status: Option<&str>,
    page: i64,
) -> Result<OutboxPage, ServiceError> {
    let of_congress = || {
        let mut q = outbox::table
            .filter(outbox::congress_id.eq(congress))
            .into_boxed();
        if let Some(s) = status {
            q = q.filter(outbox::status.eq(s.to_string()));
        }
        q
    };
    let lines = of_congress()
        .order(outbox::id.desc())
        .limit(OUTBOX_PAGE)
        .offset(page.max(0).saturating_mul(OUTBOX_PAGE))
        .select((
            outbox::id,
            outbox::created_at,
            outbox::kind,
            outbox::recipient,
            outbox::subject,
            outbox::status,
            outbox::attempts,
            outbox::next_attempt_at,
            outbox::last_error,
            outbox::sent_at,
        ))
        .load(conn)?;
    let total = of_congress().count().get_result(conn)?;
    let found: Vec<(String, i64)> = outbox::table
        .filter(outbox::congress_id.eq(congress))
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .load(conn)?;
    let counts = OUTBOX_STATUSES
        .iter()
        .map(|s| {
            let n = found.iter().find(|(f, _)| f == s).map_or(0, |(_, n)| *n);
            (s.to_string(), n)
        })
        .collect();
    Ok(OutboxPage {
        lines,
        total,
        counts,
    })
}

/// Makes a pending or failed message of this congress due now; the worker sends it on its next
/// round. A sent (or just now sending) message is refused with `Conflict`.
pub fn retry(
    conn: &mut DbConnection,
    congress: CongressId,
    message: crate::domain::OutboxMessageId,
    organizer: OrganizerId,
    now: NaiveDateTime,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let status: String = outbox::table
            .filter(outbox::id.eq(message))
            .filter(outbox::congress_id.eq(congress))
            .select(outbox::status)
            .first(conn)
            .optional()?
            .ok_or(ServiceError::NotFound)?;
        if status != "failed" && status != "pending" {
            return Err(ServiceError::Conflict(format!(
                "outbox message {message} is {status}"
            )));
        }
        // Compare-and-set: the worker may have claimed the message since it was read.
        let changed = diesel::update(
            outbox::table
                .find(message)
                .filter(outbox::status.eq(&status)),
        )
        .set((
            outbox::status.eq("pending"),
            outbox::next_attempt_at.eq(now),
        ))
        .execute(conn)?;
        if changed != 1 {
            return Err(ServiceError::Conflict(format!(
                "outbox message {message} changed meanwhile"
            )));
        }
        audit::record(
            conn,
            Actor::Organizer(organizer),
            AuditEvent {
                congress_id: Some(congress),
                kind: "outbox.retry",
                entity: "outbox",
                entity_id: Some(message.get()),
                before: Some(serde_json::json!({ "status": status })),
                after: Some(serde_json::json!({ "status": "pending" })),
            },
        )?;
        Ok(())
    })
}

/// Who gets a bulk mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Every confirmed registration.
    Confirmed,
    /// Confirmed registrations of one participant category.
    Category(i64),
    /// Confirmed registrations holding a seat in one workshop (session id).
    Workshop(i64),
    /// Registrations waiting for a congress place.
    Waitlisted,
}

impl Group {
    /// Reads the form value (`confirmed`, `waitlisted`, `category-3`, `workshop-17`).
    pub fn parse(s: &str) -> Option<Group> {
        match s {
            "confirmed" => Some(Group::Confirmed),
            "waitlisted" => Some(Group::Waitlisted),
            _ => {
                let (kind, id) = s.split_once('-')?;
                let id: i64 = id.parse().ok()?;
                match kind {
                    "category" => Some(Group::Category(id)),
                    "workshop" => Some(Group::Workshop(id)),
                    _ => None,
                }
            }
        }
    }

    /// The form value.
    pub fn value(self) -> String {
        match self {
            Group::Confirmed => "confirmed".into(),
            Group::Waitlisted => "waitlisted".into(),
            Group::Category(id) => format!("category-{id}"),
            Group::Workshop(id) => format!("workshop-{id}"),
        }
    }
}

/// The registrations a group names, in id order (one query, after checking that a named
/// category or workshop is this congress's).
pub fn recipients(
    conn: &mut DbConnection,
    congress: CongressId,
    group: Group,
) -> Result<Vec<rows::Registration>, ServiceError> {
    let confirmed = RegistrationStatus::Confirmed.as_str();
    let mut q = registrations::table
        .filter(registrations::congress_id.eq(congress))
        .into_boxed();
    match group {
        Group::Confirmed => q = q.filter(registrations::status.eq(confirmed)),
        Group::Waitlisted => q = q.filter(registrations::status.eq(RegistrationStatus::Waitlisted)),
        Group::Category(id) => {
            let ours: i64 = categories::table
                .filter(categories::id.eq(id))
                .filter(categories::congress_id.eq(congress))
                .count()
                .get_result(conn)?;
            if ours == 0 {
                return Err(ServiceError::invalid("group", "unknown category"));
            }
            q = q
                .filter(registrations::status.eq(confirmed))
                .filter(registrations::category_id.eq(id));
        }
        Group::Workshop(id) => {
            let ours: i64 = sessions::table
                .filter(sessions::id.eq(id))
                .filter(sessions::congress_id.eq(congress))
                .count()
                .get_result(conn)?;
            if ours == 0 {
                return Err(ServiceError::invalid("group", "unknown workshop"));
            }
            q = q.filter(registrations::status.eq(confirmed)).filter(
                registrations::id.eq_any(
                    enrollments::table
                        .filter(enrollments::session_id.eq(id))
                        .filter(enrollments::status.eq(EnrollmentStatus::Enrolled))
                        .select(enrollments::registration_id),
                ),
            );
        }
    }
    Ok(q.order(registrations::id)
        .select(rows::Registration::as_select())
        .load(conn)?)
}

/// A bulk mail as the organizer wrote it.
#[derive(Debug, Clone)]
pub struct BulkMail {
    pub group: Group,
    pub subject: String,
    /// Plain text; blank lines separate paragraphs.
    pub body: String,
    /// One per form (a hidden field): sending the same form twice queues each message once.
    pub batch: uuid::Uuid,
}

/// The paragraphs of a typed text.
fn paragraphs(body: &str) -> Vec<String> {
    let mut out = vec![];
    let mut current: Vec<&str> = vec![];
    for line in body.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line.trim_end());
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

/// Queues one message per recipient of the group, in one transaction, each in the recipient's
/// language frame (greeting, link to their registration) around the organizer's text; audits
/// the mailing with its number of recipients. Returns that number; an empty group is refused
/// (`Invalid` on `group`), so nobody believes a mail went out that did not.
pub fn send_bulk(
    conn: &mut DbConnection,
    ctx: &Ctx,
    congress: &rows::Congress,
    mail: &BulkMail,
    organizer: OrganizerId,
) -> Result<usize, ServiceError> {
    let paras = paragraphs(&mail.body);
    write_transaction(conn, |conn| {
        let people = recipients(conn, congress.id, mail.group)?;
        if people.is_empty() {
            return Err(ServiceError::invalid("group", "no recipients"));
        }
        let mut queued = 0;
        for r in &people {
            let lang = Lang::parse(&r.language).unwrap_or(Lang::De);
            let link = format!("{}/r/{}", ctx.base_url, manage_token(ctx, r));
            let name = format!("{} {}", r.first_name, r.last_name);
            let new = queue(
                conn,
                ctx,
                Mail {
                    congress_id: Some(congress.id),
                    kind: MailKind::Bulk,
                    key: format!("bulk:{}:{}", mail.batch, r.id),
                    to: &r.email,
                    lang,
                    name: &name,
                    congress: &congress.title,
                    detail: &mail.subject,
                    link: &link,
                    extra: &paras,
                    lines: &[],
                    attachments: &[],
                },
            )?;
            if new {
                queued += 1;
            }
        }
        audit::record(
            conn,
            Actor::Organizer(organizer),
            AuditEvent {
                congress_id: Some(congress.id),
                kind: "mail.bulk",
                entity: "congress",
                entity_id: Some(congress.id.get()),
                before: None,
                after: Some(serde_json::json!({
                    "group": mail.group.value(),
                    "subject": mail.subject,
                    "batch": mail.batch.to_string(),
                    "recipients": people.len(),
                    "queued": queued,
                })),
            },
        )?;
        Ok(people.len())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_round_trip_through_the_form() {
        for g in [
            Group::Confirmed,
            Group::Waitlisted,
            Group::Category(3),
            Group::Workshop(17),
        ] {
            assert_eq!(Group::parse(&g.value()), Some(g));
        }
        for bad in [
            "",
            "all",
            "category-",
            "workshop-x",
            "speaker-1",
            "category-1-2",
        ] {
            assert_eq!(Group::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn blank_lines_separate_paragraphs() {
        assert_eq!(
            paragraphs("Hallo\nzusammen\n\n \nZweiter Absatz  \n"),
            ["Hallo\nzusammen", "Zweiter Absatz"]
        );
        assert!(paragraphs("  \n").is_empty());
    }
}
