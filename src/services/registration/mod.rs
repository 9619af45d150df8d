//! Registration, double opt-in, congress places and workshop seats with FIFO waitlists
//! (SPEC §2 rules 1, 2, 3, 5, 6), one file per concern:
//!
//! - [`lifecycle`]: register, confirm, cancel, approve, decline, expire — every status change
//!   goes through `domain::registration::transition` and is stored as a compare-and-set on the
//!   status it expects;
//! - [`seats`]: congress places and workshop seats (one conditional UPDATE per counter), enroll
//!   and leave;
//! - [`waitlist`]: promotion from the workshop and congress waitlists, in the domain's order;
//! - [`data`]: what the participant's page and form show, their data download and deletion;
//! - [`days`]: the days a person attends and the seats that must lie on them;
//! - [`profile`]: the details a person corrects on their private page.
//!
//! Seats are taken with one conditional UPDATE each, so they are exact under any number of
//! concurrent requests and app instances; a person's own repeated or concurrent requests are
//! serialized by locking their registration row first (see `crate::db::locks`).

mod data;
mod days;
mod lifecycle;
mod organizer;
mod profile;
mod seats;
mod waitlist;

pub use data::*;
pub use days::*;
pub use lifecycle::*;
pub use organizer::*;
pub use profile::*;
pub use seats::*;
pub use waitlist::*;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::audit::{self, Actor, AuditEvent};

use super::outbox::{self, Attachment, Mail, Recipe};
use super::{tokens, Ctx, ServiceError};
use crate::db::rows;
use crate::db::schema::{
    answers, categories, congresses, enrollments, preferences, questions, registrations, rooms,
    sessions, slot_groups,
};
use crate::db::{write_transaction, DbConnection};
use crate::domain::registration::{
    confirmation_deadline, transition, Effect, MailKind, RegistrationEvent, RegistrationStatus,
};
use crate::domain::seats::{Admission, WaitlistReason};
use crate::domain::CategoryId;
use crate::domain::{CongressId, QuestionId, RegistrationId, SessionId};
use crate::i18n::Lang;

/// Runs a registration command as one write transaction, and runs it again (up to three times
/// in all) when PostgreSQL aborted it to break a deadlock between two people's transitions, or
/// when a concurrent request inserted the same row first: the retry reads the state that
/// request left and answers as a repeat.
pub(super) fn write_retrying<T>(
    conn: &mut DbConnection,
    mut f: impl FnMut(&mut DbConnection) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let mut attempt = 1;
    loop {
        match write_transaction(conn, &mut f) {
            Err(ServiceError::Db(e)) if attempt < 3 && crate::db::locks::is_retryable(&e) => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(5 * attempt));
            }
            other => return other,
        }
    }
}

/// Locks a registration row for the rest of the transaction (PostgreSQL) and reads it.
pub(super) fn load_locked(
    conn: &mut DbConnection,
    id: RegistrationId,
) -> QueryResult<rows::Registration> {
    crate::db::locks::lock_row(conn, crate::db::locks::Lockable::Registration, id.get())?;
    load(conn, id)
}

/// A registration as entered on the public form (already parsed).
#[derive(Debug, Clone)]
pub struct RegistrationInput {
    pub category_id: CategoryId,
    pub first_name: String,
    pub last_name: String,
    /// Case-folded ([`crate::domain::EmailAddress::case_folded`]): one person, one registration.
    pub email: crate::domain::EmailAddress,
    pub organization: String,
    pub position: String,
    pub days: Vec<NaiveDate>,
    pub dietary: String,
    pub accessibility: String,
    pub language: Lang,
    pub answers: Vec<(QuestionId, String)>,
    pub consent_public: bool,
    /// (slot group, chosen session) for first-come-first-served blocks.
    pub picks: Vec<(crate::domain::SlotGroupId, SessionId)>,
    /// (slot group, sessions best first) for blocks allocated by ranked preferences.
    pub rankings: Vec<(crate::domain::SlotGroupId, Vec<SessionId>)>,
}

/// The participant's manage link (the same in every email).
pub fn manage_token(ctx: &Ctx, r: &rows::Registration) -> String {
    tokens::derived(&ctx.secret, "manage", r.id.get(), &r.created_at.to_string())
}

/// The code on the participant's badge and QR code.
pub fn checkin_token(ctx: &Ctx, r: &rows::Registration) -> String {
    tokens::derived(
        &ctx.secret,
        "checkin",
        r.id.get(),
        &r.created_at.to_string(),
    )
}

pub(super) fn lang_of(r: &rows::Registration) -> Lang {
    Lang::parse(&r.language).unwrap_or(Lang::De)
}

pub(super) fn load(conn: &mut DbConnection, id: RegistrationId) -> QueryResult<rows::Registration> {
    registrations::table
        .find(id)
        .select(rows::Registration::as_select())
        .first(conn)
}

pub(super) fn congress_title(conn: &mut DbConnection, id: CongressId) -> QueryResult<String> {
    congresses::table
        .find(id)
        .select(congresses::title)
        .first(conn)
}

pub(super) fn audit_status(
    conn: &mut DbConnection,
    actor: Actor,
    r: &rows::Registration,
    from: RegistrationStatus,
    to: RegistrationStatus,
    event: &str,
) -> QueryResult<()> {
    audit::record(
        conn,
        actor,
        AuditEvent {
            congress_id: Some(r.congress_id),
            kind: "registration.status",
            entity: "registration",
            entity_id: Some(r.id.get()),
            before: Some(serde_json::json!({ "status": from.as_str() })),
            after: Some(serde_json::json!({ "status": to.as_str(), "event": event })),
        },
    )
}

/// Queues a registration email (rule 6: in the caller's transaction). A mail that gives a
/// place carries the person's check-in code and agenda, made when it is sent.
pub(super) fn queue_mail(
    conn: &mut DbConnection,
    ctx: &Ctx,
    r: &rows::Registration,
    kind: MailKind,
    link: &str,
    lines: Vec<String>,
    key: &str,
) -> Result<(), ServiceError> {
    let title = congress_title(conn, r.congress_id)?;
    let name = format!("{} {}", r.first_name, r.last_name);
    let place = [Recipe::PlaceOfRegistration(r.id.get())];
    outbox::queue(
        conn,
        ctx,
        Mail {
            congress_id: Some(r.congress_id),
            kind,
            key: format!("{}:{}:{}", kind.as_str(), r.id, key),
            to: &r.email,
            lang: lang_of(r),
            name: &name,
            congress: &title,
            detail: "",
            link,
            extra: &[],
            lines: &lines,
            attachments: if kind.has_attachments() { &place } else { &[] },
        },
    )?;
    Ok(())
}

/// The check-in QR code as a PNG and the person's agenda as iCalendar (SPEC §4), the
/// attachments of a mail that gives registration `id` a place. The agenda is left out while
/// nothing is published.
pub fn place_attachments(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: RegistrationId,
) -> Result<Vec<Attachment>, ServiceError> {
    let r = load(conn, id).optional()?.ok_or(ServiceError::NotFound)?;
    let slug: String = congresses::table
        .find(r.congress_id)
        .select(congresses::slug)
        .first(conn)?;
    let checkin_url = format!(
        "{}/admin/{slug}/checkin/code/{}",
        ctx.base_url,
        checkin_token(ctx, &r)
    );
    let mut out = vec![];
    if let Some(png) = crate::services::qr::png(&checkin_url) {
        out.push(Attachment::new("checkin-qr.png", "image/png", &png));
    }
    if let Some(p) = crate::services::programme::latest_by_id(conn, &ctx.programmes, r.congress_id)?
    {
        let enrolled = enrolled_sessions(conn, r.id)?;
        let events =
            crate::formats::ical::agenda_events(&p, &r.days_attending, &enrolled, &ctx.base_url);
        let ics = crate::formats::ical::feed(&p.snapshot.congress.title, &events);
        out.push(Attachment::new(
            "agenda.ics",
            "text/calendar; charset=utf-8",
            ics.as_bytes(),
        ));
    }
    Ok(out)
}

/// A registration of this congress, or `NotFound`.
pub(super) fn load_in(
    conn: &mut DbConnection,
    congress: CongressId,
    id: RegistrationId,
) -> Result<rows::Registration, ServiceError> {
    registrations::table
        .filter(registrations::id.eq(id))
        .filter(registrations::congress_id.eq(congress))
        .select(rows::Registration::as_select())
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)
}

/// Makes the attachments the outbox stores as recipes, for the mail worker (`startup` hands it
/// to the `Mailer`). Its `ctx` should be the application's, so the programme cache is shared.
pub struct PlaceAttachments {
    pub ctx: Ctx,
}

impl crate::mail::attachment::AttachmentRenderer for PlaceAttachments {
    fn render(
        &self,
        conn: &mut DbConnection,
        recipe: &crate::mail::attachment::Recipe,
    ) -> Result<Vec<Attachment>, String> {
        match *recipe {
            // The id and the error kind only: no names or addresses in the stored error.
            crate::mail::attachment::Recipe::PlaceOfRegistration(id) => {
                place_attachments(conn, &self.ctx, RegistrationId::from(id))
                    .map_err(|e| format!("place attachments of registration {id}: {e}"))
            }
        }
    }
}
