//! The transactional outbox (SPEC §2 rule 6): an email is a row written in the same transaction
//! as the change that causes it; the mail worker sends it later, with retries.
//!
//! Attachments are not made in that transaction: the row stores a recipe (e.g.
//! `[{"place_of_registration": 7}]`) and the worker renders it when it sends the message, with
//! [`crate::services::registration::PlaceAttachments`] (handed to the worker at start-up), so a confirmation does not hold the
//! database's write lock while a QR code and an agenda are drawn.

use diesel::prelude::*;

use super::{now_utc, Ctx, ServiceError};
use crate::db::schema::outbox;
use crate::db::DbConnection;
use crate::domain::CongressId;
use crate::domain::MailKind;
use crate::i18n::Lang;
use crate::mail::attachment::{self, Stored};
use crate::mail::compose;

pub use super::ctx::message_id_domain;
pub use crate::mail::attachment::{Attachment, AttachmentRenderer, Recipe};

/// One email to queue: who gets it, the words of its kind filled in, and its attachments.
pub struct Mail<'a> {
    pub congress_id: Option<CongressId>,
    pub kind: MailKind,
    /// The idempotency key, unique per intended message: queuing the same key twice queues
    /// the message once (a retried request, a second publish).
    pub key: String,
    /// The recipient's address.
    pub to: &'a str,
    pub lang: Lang,
    /// Whom the greeting names.
    pub name: &'a str,
    /// The congress's title (subject and signature).
    pub congress: &'a str,
    /// Kind-specific words: a session title, the subject of a bulk mail, …
    pub detail: &'a str,
    /// What the button leads to; ignored by a kind without a button.
    pub link: &'a str,
    /// Paragraphs after the kind's own (a bulk mail's text).
    pub extra: &'a [String],
    /// A list below the paragraphs (workshop outcomes, changed sessions).
    pub lines: &'a [String],
    /// How to make the attachments, given exactly for the kinds that carry them
    /// ([`MailKind::has_attachments`]); stored as they are and rendered by the mail worker.
    pub attachments: &'a [Recipe],
}

/// Composes `mail` and queues it in the caller's transaction (SPEC §2 rule 6). Returns false
/// when a message with the same idempotency key is queued already.
pub fn queue(conn: &mut DbConnection, ctx: &Ctx, mail: Mail<'_>) -> Result<bool, ServiceError> {
    if mail.kind.has_attachments() == mail.attachments.is_empty() {
        return Err(ServiceError::Internal(format!(
            "email kind {} queued with {} attachment recipe(s)",
            mail.kind,
            mail.attachments.len()
        )));
    }
    if queued_already(conn, &mail.key)? {
        return Ok(false);
    }
    let c = compose::compose(
        mail.kind,
        mail.lang,
        &compose::WordsIn {
            lang: mail.lang.code(),
            name: mail.name,
            congress: mail.congress,
            detail: mail.detail,
        },
        mail.link,
        mail.extra,
        mail.lines,
    )
    .map_err(|e| ServiceError::Internal(format!("email template: {e}")))?;
    insert(
        conn,
        &Email {
            congress_id: mail.congress_id,
            kind: mail.kind,
            idempotency_key: &mail.key,
            recipient: mail.to,
            language: mail.lang,
            subject: c.subject,
            text: c.text,
            html: c.html,
            attachments: mail
                .attachments
                .iter()
                .copied()
                .map(Stored::Recipe)
                .collect(),
        },
        &ctx.id_domain,
    )?;
    Ok(true)
}

/// A composed email, as the outbox row stores it.
struct Email<'a> {
    congress_id: Option<CongressId>,
    kind: MailKind,
    idempotency_key: &'a str,
    recipient: &'a str,
    language: Lang,
    subject: String,
    text: String,
    html: String,
    attachments: Vec<Stored>,
}

fn queued_already(conn: &mut DbConnection, key: &str) -> QueryResult<bool> {
    let n: i64 = outbox::table
        .filter(outbox::idempotency_key.eq(key))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Writes the outbox row, with a Message-ID of its own that every attempt reuses.
fn insert(conn: &mut DbConnection, email: &Email<'_>, id_domain: &str) -> QueryResult<()> {
    let now = now_utc();
    let message_id = format!("<{}@{}>", uuid::Uuid::new_v4().simple(), id_domain);
    let attachments = attachment::write_column(&email.attachments);
    diesel::insert_into(outbox::table)
        .values((
            outbox::congress_id.eq(email.congress_id),
            outbox::kind.eq(email.kind.as_str()),
            outbox::idempotency_key.eq(email.idempotency_key),
            outbox::message_id.eq(&message_id),
            outbox::recipient.eq(email.recipient),
            outbox::language.eq(email.language.code()),
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
    Ok(())
}

/// Counts of the outbox by status (for dashboards and health).
pub fn counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    outbox::table
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .load(conn)
}
