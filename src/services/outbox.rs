//! The transactional outbox (SPEC §2 rule 6): an email is a row written in the same transaction
//! as the change that causes it; the mail worker sends it later, with retries.

use diesel::prelude::*;

use super::now_utc;
use crate::db::schema::outbox;
use crate::db::DbConnection;

pub use crate::mail::attachment::Attachment;

/// An email to queue.
pub struct Email {
    pub congress_id: Option<i64>,
    pub kind: String,
    /// Unique per intended message: queuing the same key twice queues it once.
    pub idempotency_key: String,
    pub recipient: String,
    pub language: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<Attachment>,
}

impl Email {
    /// A composed message to one recipient, without attachments.
    pub fn composed(
        congress_id: Option<i64>,
        kind: &str,
        idempotency_key: String,
        recipient: &str,
        lang: crate::i18n::Lang,
        c: crate::mail::compose::Composed,
    ) -> Email {
        Email {
            congress_id,
            kind: kind.to_string(),
            idempotency_key,
            recipient: recipient.to_string(),
            language: lang.code().to_string(),
            subject: c.subject,
            text: c.text,
            html: c.html,
            attachments: vec![],
        }
    }
}

pub use super::ctx::message_id_domain;

/// Queues an email in the caller's transaction. Returns false when a message with the same
/// idempotency key is queued already (a retried request, a second publish).
pub fn enqueue(conn: &mut DbConnection, email: &Email, id_domain: &str) -> QueryResult<bool> {
    let exists: i64 = outbox::table
        .filter(outbox::idempotency_key.eq(&email.idempotency_key))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    let now = now_utc();
    let message_id = format!("<{}@{}>", uuid::Uuid::new_v4().simple(), id_domain);
    let attachments = serde_json::to_string(&email.attachments).unwrap_or_else(|_| "[]".into());
    diesel::insert_into(outbox::table)
        .values((
            outbox::congress_id.eq(email.congress_id),
            outbox::kind.eq(&email.kind),
            outbox::idempotency_key.eq(&email.idempotency_key),
            outbox::message_id.eq(&message_id),
            outbox::recipient.eq(&email.recipient),
            outbox::language.eq(&email.language),
            outbox::subject.eq(&email.subject),
            outbox::body_text.eq(&email.text),
            outbox::body_html.eq(&email.html),
            outbox::attachments.eq(&attachments),
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Counts of the outbox by status (for dashboards and health).
pub fn counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    outbox::table
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_round_trip() {
        let a = Attachment::new("a.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n");
        assert_eq!(a.bytes(), b"BEGIN:VCALENDAR\r\n");
    }
}
