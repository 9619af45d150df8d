//! Registration, double opt-in, congress places and workshop seats with FIFO waitlists
//! (SPEC §2 rules 1, 2, 3, 5, 6). Every status change goes through
//! `domain::registration::transition`; seats are taken with one conditional UPDATE each, so
//! they are exact under any number of concurrent requests and app instances.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::audit::{self, Actor, AuditEvent};
use std::sync::Arc;

use super::outbox::{self, Attachment, Email};
use super::programme::ProgrammeCache;
use super::{tokens, ServiceError};
use crate::db::rows;
use crate::db::schema::{
    answers, categories, congresses, enrollments, preferences, questions, registrations, rooms,
    sessions, slot_groups,
};
use crate::db::{write_transaction, DbConnection};
use crate::domain::registration::{
    confirmation_deadline, transition, Effect, EmailKind, RegistrationEvent, RegistrationStatus,
};
use crate::domain::seats::{Admission, WaitlistReason};
use crate::i18n::Lang;
use crate::mail::compose::{self, RegistrationMail};

/// What the services need to write links and messages.
#[derive(Clone)]
pub struct MailContext {
    pub base_url: String,
    pub id_domain: String,
    pub secret: Vec<u8>,
    /// Parsed published versions (the agenda attached to confirmation emails).
    pub programmes: Arc<ProgrammeCache>,
}

/// A registration as entered on the public form (already parsed).
#[derive(Debug, Clone)]
pub struct RegistrationInput {
    pub category_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub organization: String,
    pub position: String,
    pub days: Vec<NaiveDate>,
    pub dietary: String,
    pub accessibility: String,
    pub language: Lang,
    pub answers: Vec<(i64, String)>,
    pub consent_public: bool,
    /// (slot group, chosen session) for first-come-first-served blocks.
    pub picks: Vec<(i64, i64)>,
    /// (slot group, sessions best first) for blocks allocated by ranked preferences.
    pub rankings: Vec<(i64, Vec<i64>)>,
}

/// The participant's manage link (the same in every email).
pub fn manage_token(ctx: &MailContext, r: &rows::Registration) -> String {
    tokens::derived(&ctx.secret, "manage", r.id, &r.created_at.to_string())
}

/// The code on the participant's badge and QR code.
pub fn checkin_token(ctx: &MailContext, r: &rows::Registration) -> String {
    tokens::derived(&ctx.secret, "checkin", r.id, &r.created_at.to_string())
}

fn lang_of(r: &rows::Registration) -> Lang {
    Lang::parse(&r.language).unwrap_or(Lang::De)
}

fn load(conn: &mut DbConnection, id: i64) -> QueryResult<rows::Registration> {
    registrations::table
        .find(id)
        .select(rows::Registration::as_select())
        .first(conn)
}

fn congress_title(conn: &mut DbConnection, id: i64) -> QueryResult<String> {
    congresses::table
        .find(id)
        .select(congresses::title)
        .first(conn)
}

fn audit_status(
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
            entity_id: Some(r.id),
            before: Some(serde_json::json!({ "status": from.as_str() })),
            after: Some(serde_json::json!({ "status": to.as_str(), "event": event })),
        },
    )
}

/// Queues a registration email (rule 6: in the caller's transaction).
fn queue_mail(
    conn: &mut DbConnection,
    ctx: &MailContext,
    r: &rows::Registration,
    kind: EmailKind,
    link: &str,
    lines: Vec<String>,
    key: &str,
) -> Result<(), ServiceError> {
    let title = congress_title(conn, r.congress_id)?;
    let lang = lang_of(r);
    let c = compose::registration(&RegistrationMail {
        kind,
        lang,
        congress: &title,
        first_name: &r.first_name,
        last_name: &r.last_name,
        link,
        lines,
    })
    .map_err(|e| ServiceError::Internal(format!("email template: {e}")))?;
    let attachments = if gives_place(kind) {
        place_attachments(conn, ctx, r)?
    } else {
        vec![]
    };
    outbox::enqueue(
        conn,
        &Email {
            attachments,
            ..Email::composed(
                Some(r.congress_id),
                kind.as_str(),
                format!("{}:{}:{}", kind.as_str(), r.id, key),
                &r.email,
                lang,
                c,
            )
        },
        &ctx.id_domain,
    )?;
    Ok(())
}

/// Whether an email tells a person they now have a place (and carries their check-in code).
fn gives_place(kind: EmailKind) -> bool {
    matches!(
        kind,
        EmailKind::RegistrationConfirmed
            | EmailKind::PromotedFromWaitlist
            | EmailKind::ApprovalGranted
    )
}

/// The check-in QR code as a PNG and the person's agenda as iCalendar (SPEC §4). The agenda
/// is left out while nothing is published.
fn place_attachments(
    conn: &mut DbConnection,
    ctx: &MailContext,
    r: &rows::Registration,
) -> Result<Vec<Attachment>, ServiceError> {
    let slug: String = congresses::table
        .find(r.congress_id)
        .select(congresses::slug)
        .first(conn)?;
    let checkin_url = format!(
        "{}/admin/{slug}/checkin/code/{}",
        ctx.base_url,
        checkin_token(ctx, r)
    );
    let mut out = vec![];
    if let Some(png) = crate::services::qr::png(&checkin_url) {
        out.push(Attachment::new("checkin-qr.png", "image/png", &png));
    }
    if let Some(p) = crate::services::programme::latest_by_id(conn, &ctx.programmes, r.congress_id)?
    {
        let enrolled = enrolled_sessions(conn, r.id)?;
        let events = crate::services::calendar::agenda_events(
            &p,
            &r.days_attending,
            &enrolled,
            &ctx.base_url,
        );
        let ics = crate::services::calendar::feed(&p.snapshot.congress.title, &events);
        out.push(Attachment::new(
            "agenda.ics",
            "text/calendar; charset=utf-8",
            ics.as_bytes(),
        ));
    }
    Ok(out)
}

/// How a registration attempt ended (the page says the same in both cases, so nobody can find
/// out whether an address is registered).
#[derive(Debug, PartialEq, Eq)]
pub enum Registered {
    New(i64),
    LinkSentAgain(i64),
}

fn check_input(
    conn: &mut DbConnection,
    congress: &rows::Congress,
    input: &RegistrationInput,
) -> Result<(), ServiceError> {
    let category_ok: i64 = categories::table
        .filter(categories::id.eq(input.category_id))
        .filter(categories::congress_id.eq(congress.id))
        .count()
        .get_result(conn)?;
    if category_ok == 0 {
        return Err(ServiceError::invalid("category", "unknown"));
    }
    for d in &input.days {
        if *d < congress.first_day || *d > congress.last_day {
            return Err(ServiceError::invalid("days", "outside"));
        }
    }
    for (group, session) in &input.picks {
        let ok: i64 = sessions::table
            .inner_join(slot_groups::table)
            .filter(sessions::id.eq(session))
            .filter(sessions::slot_group_id.eq(group))
            .filter(slot_groups::congress_id.eq(congress.id))
            .filter(sessions::status.eq("scheduled"))
            .filter(sessions::capacity.is_not_null())
            .count()
            .get_result(conn)?;
        if ok == 0 {
            return Err(ServiceError::invalid("picks", "unknown"));
        }
    }
    for (group, ranking) in &input.rankings {
        let (mode, depth, allocated): (String, i32, Option<NaiveDateTime>) = slot_groups::table
            .find(group)
            .filter(slot_groups::congress_id.eq(congress.id))
            .select((
                slot_groups::allocation_mode,
                slot_groups::rank_depth,
                slot_groups::allocated_at,
            ))
            .first(conn)
            .optional()?
            .ok_or_else(|| ServiceError::invalid("rankings", "unknown block"))?;
        if mode != "ranked" || allocated.is_some() || ranking.len() > depth as usize {
            return Err(ServiceError::invalid("rankings", "not taking choices"));
        }
        let ok: i64 = sessions::table
            .filter(sessions::id.eq_any(ranking))
            .filter(sessions::slot_group_id.eq(group))
            .filter(sessions::status.eq("scheduled"))
            .count()
            .get_result(conn)?;
        let mut distinct = ranking.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if ok as usize != ranking.len() || distinct.len() != ranking.len() {
            return Err(ServiceError::invalid(
                "rankings",
                "unknown or repeated workshop",
            ));
        }
    }
    Ok(())
}

/// Creates a pending registration and queues the confirmation email. Registering again with the
/// same address sends the link again instead (a new confirmation link while pending, the manage
/// link otherwise); a cancelled or expired registration is reused.
pub fn register(
    conn: &mut DbConnection,
    congress: &rows::Congress,
    input: &RegistrationInput,
    ctx: &MailContext,
    now: NaiveDateTime,
) -> Result<Registered, ServiceError> {
    write_transaction(conn, |conn| {
        check_input(conn, congress, input)?;
        let existing: Option<rows::Registration> = registrations::table
            .filter(registrations::congress_id.eq(congress.id))
            .filter(registrations::email.eq(&input.email))
            .select(rows::Registration::as_select())
            .first(conn)
            .optional()?;
        let confirm = tokens::new_token();
        let deadline = confirmation_deadline(now);
        if let Some(r) = &existing {
            let status =
                RegistrationStatus::parse(&r.status).unwrap_or(RegistrationStatus::Cancelled);
            if crate::domain::registration::blocks_reregistration(status) {
                if status == RegistrationStatus::Pending {
                    diesel::update(registrations::table.find(r.id))
                        .set((
                            registrations::confirm_token_hash.eq(Some(tokens::hash(&confirm))),
                            registrations::confirm_expires_at.eq(Some(deadline)),
                            registrations::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                    let link = format!("{}/r/confirm/{confirm}", ctx.base_url);
                    queue_mail(
                        conn,
                        ctx,
                        r,
                        EmailKind::ConfirmYourRegistration,
                        &link,
                        vec![],
                        &tokens::hash(&confirm)[..16],
                    )?;
                } else {
                    let link = format!("{}/r/{}", ctx.base_url, manage_token(ctx, r));
                    let kind = match status {
                        RegistrationStatus::Waitlisted => EmailKind::Waitlisted,
                        RegistrationStatus::AwaitingApproval => EmailKind::AwaitingApproval,
                        _ => EmailKind::RegistrationConfirmed,
                    };
                    queue_mail(
                        conn,
                        ctx,
                        r,
                        kind,
                        &link,
                        vec![],
                        &format!("again-{}", now.and_utc().timestamp_micros()),
                    )?;
                }
                return Ok(Registered::LinkSentAgain(r.id));
            }
        }
        let id = match existing {
            Some(r) => {
                // A cancelled or expired registration is filled in anew.
                diesel::delete(answers::table.filter(answers::registration_id.eq(r.id)))
                    .execute(conn)?;
                diesel::delete(preferences::table.filter(preferences::registration_id.eq(r.id)))
                    .execute(conn)?;
                diesel::update(registrations::table.find(r.id))
                    .set((
                        registrations::category_id.eq(input.category_id),
                        registrations::first_name.eq(&input.first_name),
                        registrations::last_name.eq(&input.last_name),
                        registrations::organization.eq(&input.organization),
                        registrations::position.eq(&input.position),
                        registrations::days_attending.eq(days_text(&input.days)),
                        registrations::dietary_needs.eq(&input.dietary),
                        registrations::accessibility_needs.eq(&input.accessibility),
                        registrations::language.eq(input.language.code()),
                        registrations::consent_privacy_at.eq(now),
                        registrations::consent_public_listing.eq(input.consent_public),
                        registrations::status.eq("pending"),
                        registrations::confirm_token_hash.eq(Some(tokens::hash(&confirm))),
                        registrations::confirm_expires_at.eq(Some(deadline)),
                        registrations::confirmed_at.eq(None::<NaiveDateTime>),
                        registrations::cancelled_at.eq(None::<NaiveDateTime>),
                        registrations::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                r.id
            }
            None => {
                // The manage and check-in hashes are placeholders until the id exists.
                let placeholder = tokens::new_token();
                let id: i64 = diesel::insert_into(registrations::table)
                    .values((
                        registrations::congress_id.eq(congress.id),
                        registrations::category_id.eq(input.category_id),
                        registrations::first_name.eq(&input.first_name),
                        registrations::last_name.eq(&input.last_name),
                        registrations::email.eq(&input.email),
                        registrations::organization.eq(&input.organization),
                        registrations::position.eq(&input.position),
                        registrations::days_attending.eq(days_text(&input.days)),
                        registrations::dietary_needs.eq(&input.dietary),
                        registrations::accessibility_needs.eq(&input.accessibility),
                        registrations::language.eq(input.language.code()),
                        registrations::consent_privacy_at.eq(now),
                        registrations::consent_public_listing.eq(input.consent_public),
                        registrations::status.eq("pending"),
                        registrations::manage_token_hash.eq(format!("m{placeholder}")),
                        registrations::confirm_token_hash.eq(Some(tokens::hash(&confirm))),
                        registrations::confirm_expires_at.eq(Some(deadline)),
                        registrations::checkin_token_hash.eq(format!("c{placeholder}")),
                        registrations::created_at.eq(now),
                        registrations::updated_at.eq(now),
                    ))
                    .returning(registrations::id)
                    .get_result(conn)?;
                id
            }
        };
        let r = load(conn, id)?;
        diesel::update(registrations::table.find(id))
            .set((
                registrations::manage_token_hash.eq(tokens::hash(&manage_token(ctx, &r))),
                registrations::checkin_token_hash.eq(tokens::hash(&checkin_token(ctx, &r))),
            ))
            .execute(conn)?;
        for (question, value) in &input.answers {
            let ok: i64 = questions::table
                .filter(questions::id.eq(question))
                .filter(questions::congress_id.eq(congress.id))
                .count()
                .get_result(conn)?;
            if ok == 0 {
                return Err(ServiceError::invalid("answers", "unknown question"));
            }
            diesel::insert_into(answers::table)
                .values((
                    answers::registration_id.eq(id),
                    answers::question_id.eq(question),
                    answers::value.eq(value),
                ))
                .execute(conn)?;
        }
        for (group, ranking) in &input.rankings {
            for (i, session) in ranking.iter().enumerate() {
                diesel::insert_into(preferences::table)
                    .values((
                        preferences::registration_id.eq(id),
                        preferences::slot_group_id.eq(group),
                        preferences::session_id.eq(session),
                        preferences::rank.eq(i as i32 + 1),
                    ))
                    .execute(conn)?;
            }
        }
        for (group, session) in &input.picks {
            diesel::insert_into(preferences::table)
                .values((
                    preferences::registration_id.eq(id),
                    preferences::slot_group_id.eq(group),
                    preferences::session_id.eq(session),
                    preferences::rank.eq(1),
                ))
                .execute(conn)?;
        }
        let link = format!("{}/r/confirm/{confirm}", ctx.base_url);
        queue_mail(
            conn,
            ctx,
            &r,
            EmailKind::ConfirmYourRegistration,
            &link,
            vec![],
            &tokens::hash(&confirm)[..16],
        )?;
        audit::record(
            conn,
            Actor::Participant,
            AuditEvent {
                congress_id: Some(congress.id),
                kind: "registration.created",
                entity: "registration",
                entity_id: Some(id),
                before: None,
                after: Some(
                    serde_json::json!({ "status": "pending", "category_id": input.category_id }),
                ),
            },
        )?;
        Ok(Registered::New(id))
    })
}

fn days_text(days: &[NaiveDate]) -> String {
    days.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The registration a confirmation link belongs to, if the link is valid and pending.
pub fn pending_by_confirm_token(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<rows::Registration>, ServiceError> {
    if !tokens::plausible(token) {
        return Ok(None);
    }
    Ok(registrations::table
        .filter(registrations::confirm_token_hash.eq(tokens::hash(token)))
        .select(rows::Registration::as_select())
        .first(conn)
        .optional()?)
}

/// Outcome of opening the confirmation link.
#[derive(Debug)]
pub enum Confirmation {
    Done {
        manage_token: String,
        status: RegistrationStatus,
    },
    Expired,
    Invalid,
}

/// Takes a congress place (and category quota) atomically, or says why not (rule 1).
pub fn take_place(conn: &mut DbConnection, congress: i64, category: i64) -> QueryResult<Admission> {
    let got = diesel::update(
        congresses::table
            .filter(congresses::id.eq(congress))
            .filter(
                congresses::capacity
                    .is_null()
                    .or(congresses::confirmed_count
                        .nullable()
                        .lt(congresses::capacity)),
            ),
    )
    .set(congresses::confirmed_count.eq(congresses::confirmed_count + 1))
    .execute(conn)?;
    if got == 0 {
        return Ok(Admission::Waitlist(WaitlistReason::CongressFull));
    }
    let got = diesel::update(
        categories::table
            .filter(categories::id.eq(category))
            .filter(
                categories::quota
                    .is_null()
                    .or(categories::confirmed_count.nullable().lt(categories::quota)),
            ),
    )
    .set(categories::confirmed_count.eq(categories::confirmed_count + 1))
    .execute(conn)?;
    if got == 0 {
        diesel::update(congresses::table.find(congress))
            .set(congresses::confirmed_count.eq(congresses::confirmed_count - 1))
            .execute(conn)?;
        return Ok(Admission::Waitlist(WaitlistReason::CategoryFull));
    }
    Ok(Admission::Confirm)
}

fn give_back_place(conn: &mut DbConnection, congress: i64, category: i64) -> QueryResult<()> {
    diesel::update(
        congresses::table
            .find(congress)
            .filter(congresses::confirmed_count.gt(0)),
    )
    .set(congresses::confirmed_count.eq(congresses::confirmed_count - 1))
    .execute(conn)?;
    diesel::update(
        categories::table
            .find(category)
            .filter(categories::confirmed_count.gt(0)),
    )
    .set(categories::confirmed_count.eq(categories::confirmed_count - 1))
    .execute(conn)?;
    Ok(())
}

/// Opens the confirmation link: double opt-in completes (rule 5).
pub fn confirm(
    conn: &mut DbConnection,
    token: &str,
    ctx: &MailContext,
    now: NaiveDateTime,
) -> Result<Confirmation, ServiceError> {
    if !tokens::plausible(token) {
        return Ok(Confirmation::Invalid);
    }
    write_transaction(conn, |conn| {
        let Some(r) = pending_by_confirm_token(conn, token)? else {
            return Ok(Confirmation::Invalid);
        };
        let status = RegistrationStatus::parse(&r.status).unwrap_or(RegistrationStatus::Cancelled);
        if status != RegistrationStatus::Pending {
            return Ok(Confirmation::Invalid);
        }
        if r.confirm_expires_at.is_some_and(|d| now >= d) {
            apply(
                conn,
                ctx,
                &r,
                &RegistrationEvent::Expire {
                    now,
                    deadline: r.confirm_expires_at.unwrap_or(now),
                },
                Actor::System,
                now,
            )?;
            return Ok(Confirmation::Expired);
        }
        let to = confirm_pending(conn, ctx, &r, now)?;
        Ok(Confirmation::Done {
            manage_token: manage_token(ctx, &r),
            status: to,
        })
    })
}

/// Completes the double opt-in of a pending registration (in the caller's transaction).
pub fn confirm_pending(
    conn: &mut DbConnection,
    ctx: &MailContext,
    r: &rows::Registration,
    now: NaiveDateTime,
) -> Result<RegistrationStatus, ServiceError> {
    let needs_approval: bool = categories::table
        .find(r.category_id)
        .select(categories::needs_approval)
        .first(conn)?;
    let event = if needs_approval {
        RegistrationEvent::EmailConfirmedNeedsApproval
    } else {
        RegistrationEvent::EmailConfirmed(take_place(conn, r.congress_id, r.category_id)?)
    };
    let to = apply(conn, ctx, r, &event, Actor::Participant, now)?;
    diesel::update(registrations::table.find(r.id))
        .set((
            registrations::confirm_token_hash.eq(None::<String>),
            registrations::confirmed_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(to)
}

/// Runs one transition and its effects in the caller's transaction; returns the new status.
fn apply(
    conn: &mut DbConnection,
    ctx: &MailContext,
    r: &rows::Registration,
    event: &RegistrationEvent,
    actor: Actor,
    now: NaiveDateTime,
) -> Result<RegistrationStatus, ServiceError> {
    let from = RegistrationStatus::parse(&r.status).unwrap_or(RegistrationStatus::Cancelled);
    let t = transition(from, event).map_err(|e| ServiceError::Conflict(e.to_string()))?;
    let mut set_cancelled = None;
    if t.to == RegistrationStatus::Cancelled {
        set_cancelled = Some(now);
    }
    diesel::update(registrations::table.find(r.id))
        .set((
            registrations::status.eq(t.to.as_str()),
            registrations::updated_at.eq(now),
            registrations::cancelled_at.eq(set_cancelled.or(r.cancelled_at)),
        ))
        .execute(conn)?;
    audit_status(conn, actor, r, t.from, t.to, event.name())?;
    // Seats and places first, then the emails (which report the outcome).
    let mut lines = vec![];
    let mut release_place = false;
    for effect in &t.effects {
        match effect {
            Effect::EnrollChosenWorkshops => lines = enroll_chosen(conn, ctx, r, now)?,
            Effect::ReleaseWorkshopSeats => leave_all(conn, ctx, r, now)?,
            Effect::ReleasePlace => {
                give_back_place(conn, r.congress_id, r.category_id)?;
                release_place = true;
            }
            Effect::JoinCongressWaitlist | Effect::SendEmail(_) => {}
        }
    }
    let link = format!("{}/r/{}", ctx.base_url, manage_token(ctx, r));
    for effect in &t.effects {
        if let Effect::SendEmail(kind) = effect {
            let key = format!("{}-{}", t.to.as_str(), now.and_utc().timestamp_micros());
            queue_mail(conn, ctx, r, *kind, &link, lines.clone(), &key)?;
        }
    }
    if release_place {
        promote_congress_waitlist(conn, ctx, r.congress_id, now)?;
    }
    Ok(t.to)
}

/// Outcome of asking for a workshop seat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeatOutcome {
    Enrolled,
    /// On the waitlist at this position (1 = next).
    Waitlisted(i64),
    /// Already enrolled or waiting there.
    Already,
    /// Overlaps a session the person holds or waits for (rule 3): its title.
    Overlaps(String),
    /// Not a session that takes enrollments.
    NotOffered,
}

/// Takes one seat of a session atomically: never more than min(session, room) capacity.
fn take_seat(conn: &mut DbConnection, session: i64) -> QueryResult<bool> {
    let n = diesel::sql_query(
        "UPDATE sessions SET enrolled_count = enrolled_count + 1 \
         WHERE id = $1 AND capacity IS NOT NULL AND enrolled_count < capacity \
           AND (room_id IS NULL OR enrolled_count < COALESCE((SELECT r.capacity FROM rooms r WHERE r.id = sessions.room_id), enrolled_count + 1))",
    )
    .bind::<BigInt, _>(session)
    .execute(conn)?;
    Ok(n == 1)
}

/// Waitlist position of an enrollment (1-based), counting only people ahead in the queue.
pub fn waitlist_position(
    conn: &mut DbConnection,
    session: i64,
    position: i64,
    id: i64,
) -> QueryResult<i64> {
    let ahead: i64 = enrollments::table
        .filter(enrollments::session_id.eq(session))
        .filter(enrollments::status.eq("waitlisted"))
        .filter(
            enrollments::position.lt(position).or(enrollments::position
                .eq(position)
                .and(enrollments::id.lt(id))),
        )
        .count()
        .get_result(conn)?;
    Ok(ahead + 1)
}

/// session id, title, enrollment status, start, end
type HeldSession = (
    i64,
    String,
    String,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

/// Enrolls a confirmed registration in a session, or puts it on the session's waitlist.
pub fn enroll(
    conn: &mut DbConnection,
    r: &rows::Registration,
    session: i64,
    now: NaiveDateTime,
) -> Result<SeatOutcome, ServiceError> {
    // The session with its block's mode, in one query.
    let s: Option<(rows::Session, Option<String>)> = sessions::table
        .left_join(slot_groups::table)
        .filter(sessions::id.eq(session))
        .filter(sessions::congress_id.eq(r.congress_id))
        .select((
            rows::Session::as_select(),
            slot_groups::allocation_mode.nullable(),
        ))
        .first(conn)
        .optional()?;
    // Seats of a block allocated by ranked preferences are not taken one by one.
    let Some((s, _)) = s.filter(|(s, mode)| {
        s.capacity.is_some() && s.status == "scheduled" && mode.as_deref() != Some("ranked")
    }) else {
        return Ok(SeatOutcome::NotOffered);
    };
    let held: Vec<HeldSession> = enrollments::table
        .inner_join(sessions::table)
        .filter(enrollments::registration_id.eq(r.id))
        .filter(enrollments::status.ne("cancelled"))
        .select((
            sessions::id,
            sessions::title,
            enrollments::status,
            sessions::starts_at,
            sessions::ends_at,
        ))
        .load(conn)?;
    if held.iter().any(|h| h.0 == session) {
        return Ok(SeatOutcome::Already);
    }
    if let (Some(a), Some(b)) = (s.starts_at, s.ends_at) {
        if let Some(h) = held
            .iter()
            .find(|h| matches!((h.3, h.4), (Some(x), Some(y)) if x < b && a < y))
        {
            return Ok(SeatOutcome::Overlaps(h.1.clone()));
        }
    }
    let enrolled = take_seat(conn, session)?;
    let (status, position) = if enrolled {
        ("enrolled", 0i64)
    } else {
        diesel::update(sessions::table.find(session))
            .set(sessions::waitlisted_count.eq(sessions::waitlisted_count + 1))
            .execute(conn)?;
        let max: Option<i64> = enrollments::table
            .filter(enrollments::session_id.eq(session))
            .select(diesel::dsl::max(enrollments::position))
            .first(conn)?;
        ("waitlisted", max.unwrap_or(0) + 1)
    };
    let existing: Option<i64> = enrollments::table
        .filter(enrollments::registration_id.eq(r.id))
        .filter(enrollments::session_id.eq(session))
        .select(enrollments::id)
        .first(conn)
        .optional()?;
    let id = match existing {
        Some(id) => {
            diesel::update(enrollments::table.find(id))
                .set((
                    enrollments::status.eq(status),
                    enrollments::position.eq(position),
                    enrollments::created_at.eq(now),
                    enrollments::updated_at.eq(now),
                ))
                .execute(conn)?;
            id
        }
        None => diesel::insert_into(enrollments::table)
            .values((
                enrollments::registration_id.eq(r.id),
                enrollments::session_id.eq(session),
                enrollments::status.eq(status),
                enrollments::position.eq(position),
                enrollments::created_at.eq(now),
                enrollments::updated_at.eq(now),
            ))
            .returning(enrollments::id)
            .get_result(conn)?,
    };
    audit::record(
        conn,
        Actor::Participant,
        AuditEvent {
            congress_id: Some(r.congress_id),
            kind: "enrollment.created",
            entity: "enrollment",
            entity_id: Some(id),
            before: None,
            after: Some(serde_json::json!({ "session_id": session, "status": status })),
        },
    )?;
    if enrolled {
        Ok(SeatOutcome::Enrolled)
    } else {
        Ok(SeatOutcome::Waitlisted(waitlist_position(
            conn, session, position, id,
        )?))
    }
}

fn seat_line(lang: Lang, title: &str, o: &SeatOutcome) -> String {
    match (lang, o) {
        (Lang::De, SeatOutcome::Enrolled) => format!("{title}: Platz sicher"),
        (Lang::En, SeatOutcome::Enrolled) => format!("{title}: seat confirmed"),
        (Lang::De, SeatOutcome::Waitlisted(p)) => format!("{title}: Warteliste, Platz {p}"),
        (Lang::En, SeatOutcome::Waitlisted(p)) => format!("{title}: waiting list, position {p}"),
        (Lang::De, SeatOutcome::Overlaps(o)) => {
            format!("{title}: nicht möglich, überschneidet sich mit „{o}“")
        }
        (Lang::En, SeatOutcome::Overlaps(o)) => format!("{title}: not possible, overlaps “{o}”"),
        (_, SeatOutcome::Already) => title.to_string(),
        (Lang::De, SeatOutcome::NotOffered) => format!("{title}: keine Anmeldung möglich"),
        (Lang::En, SeatOutcome::NotOffered) => format!("{title}: not open for enrollment"),
    }
}

/// Enrolls in the first-come-first-served picks made at registration; one line per pick.
fn enroll_chosen(
    conn: &mut DbConnection,
    _ctx: &MailContext,
    r: &rows::Registration,
    now: NaiveDateTime,
) -> Result<Vec<String>, ServiceError> {
    let picks: Vec<(i64, String)> = preferences::table
        .inner_join(slot_groups::table)
        .inner_join(sessions::table)
        .filter(preferences::registration_id.eq(r.id))
        .filter(preferences::rank.eq(1))
        .filter(slot_groups::allocation_mode.eq("fcfs"))
        .order(sessions::starts_at)
        .select((preferences::session_id, sessions::title))
        .load(conn)?;
    let lang = lang_of(r);
    let mut lines = vec![];
    for (session, title) in picks {
        let o = enroll(conn, r, session, now)?;
        lines.push(seat_line(lang, &title, &o));
    }
    Ok(lines)
}

/// Leaves a session (seat or waitlist); a freed seat goes to the first in line (rule 2).
pub fn leave(
    conn: &mut DbConnection,
    ctx: &MailContext,
    r: &rows::Registration,
    session: i64,
    now: NaiveDateTime,
) -> Result<bool, ServiceError> {
    let e: Option<(i64, String)> = enrollments::table
        .filter(enrollments::registration_id.eq(r.id))
        .filter(enrollments::session_id.eq(session))
        .filter(enrollments::status.ne("cancelled"))
        .select((enrollments::id, enrollments::status))
        .first(conn)
        .optional()?;
    let Some((id, status)) = e else {
        return Ok(false);
    };
    diesel::update(enrollments::table.find(id))
        .set((
            enrollments::status.eq("cancelled"),
            enrollments::updated_at.eq(now),
        ))
        .execute(conn)?;
    if status == "enrolled" {
        diesel::update(
            sessions::table
                .find(session)
                .filter(sessions::enrolled_count.gt(0)),
        )
        .set(sessions::enrolled_count.eq(sessions::enrolled_count - 1))
        .execute(conn)?;
        promote_workshop_waitlist(conn, ctx, session, now)?;
    } else {
        diesel::update(
            sessions::table
                .find(session)
                .filter(sessions::waitlisted_count.gt(0)),
        )
        .set(sessions::waitlisted_count.eq(sessions::waitlisted_count - 1))
        .execute(conn)?;
    }
    audit::record(
        conn,
        Actor::Participant,
        AuditEvent {
            congress_id: Some(r.congress_id),
            kind: "enrollment.cancelled",
            entity: "enrollment",
            entity_id: Some(id),
            before: Some(serde_json::json!({ "session_id": session, "status": status })),
            after: None,
        },
    )?;
    Ok(true)
}

fn leave_all(
    conn: &mut DbConnection,
    ctx: &MailContext,
    r: &rows::Registration,
    now: NaiveDateTime,
) -> Result<(), ServiceError> {
    let held: Vec<i64> = enrollments::table
        .filter(enrollments::registration_id.eq(r.id))
        .filter(enrollments::status.ne("cancelled"))
        .select(enrollments::session_id)
        .load(conn)?;
    for s in held {
        leave(conn, ctx, r, s, now)?;
    }
    Ok(())
}

/// Moves the first waitlisted people of a session into free seats, in FIFO order, and emails them.
pub fn promote_workshop_waitlist(
    conn: &mut DbConnection,
    ctx: &MailContext,
    session: i64,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    let mut promoted = 0;
    loop {
        let next: Option<(i64, i64)> = enrollments::table
            .filter(enrollments::session_id.eq(session))
            .filter(enrollments::status.eq("waitlisted"))
            .order((enrollments::position, enrollments::id))
            .select((enrollments::id, enrollments::registration_id))
            .first(conn)
            .optional()?;
        let Some((id, reg)) = next else {
            return Ok(promoted);
        };
        if !take_seat(conn, session)? {
            return Ok(promoted);
        }
        diesel::update(enrollments::table.find(id))
            .set((
                enrollments::status.eq("enrolled"),
                enrollments::updated_at.eq(now),
            ))
            .execute(conn)?;
        diesel::update(
            sessions::table
                .find(session)
                .filter(sessions::waitlisted_count.gt(0)),
        )
        .set(sessions::waitlisted_count.eq(sessions::waitlisted_count - 1))
        .execute(conn)?;
        promoted += 1;
        let r = load(conn, reg)?;
        let title: String = sessions::table
            .find(session)
            .select(sessions::title)
            .first(conn)?;
        let lang = lang_of(&r);
        let congress = congress_title(conn, r.congress_id)?;
        let link = format!("{}/r/{}", ctx.base_url, manage_token(ctx, &r));
        let name = format!("{} {}", r.first_name, r.last_name);
        let c = compose::compose(
            "enrollment-promoted",
            lang,
            &compose::WordsIn {
                lang: lang.code(),
                name: &name,
                congress: &congress,
                detail: &title,
            },
            &link,
            &[],
            &[],
        )
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
        outbox::enqueue(
            conn,
            &Email::composed(
                Some(r.congress_id),
                "enrollment-promoted",
                format!(
                    "enrollment-promoted:{id}:{}",
                    now.and_utc().timestamp_micros()
                ),
                &r.email,
                lang,
                c,
            ),
            &ctx.id_domain,
        )?;
        audit::record(
            conn,
            Actor::System,
            AuditEvent {
                congress_id: Some(r.congress_id),
                kind: "enrollment.promoted",
                entity: "enrollment",
                entity_id: Some(id),
                before: Some(serde_json::json!({ "status": "waitlisted" })),
                after: Some(serde_json::json!({ "status": "enrolled" })),
            },
        )?;
    }
}

/// Moves waitlisted registrations into free congress places, first confirmed first.
pub fn promote_congress_waitlist(
    conn: &mut DbConnection,
    ctx: &MailContext,
    congress: i64,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    let waiting: Vec<i64> = registrations::table
        .filter(registrations::congress_id.eq(congress))
        .filter(registrations::status.eq("waitlisted"))
        .order((registrations::confirmed_at.asc(), registrations::id))
        .select(registrations::id)
        .load(conn)?;
    let mut promoted = 0;
    for id in waiting {
        let r = load(conn, id)?;
        match take_place(conn, congress, r.category_id)? {
            Admission::Confirm => {
                apply(
                    conn,
                    ctx,
                    &r,
                    &RegistrationEvent::Promoted,
                    Actor::System,
                    now,
                )?;
                promoted += 1;
            }
            Admission::Waitlist(WaitlistReason::CongressFull) => break,
            Admission::Waitlist(WaitlistReason::CategoryFull) => continue,
        }
    }
    Ok(promoted)
}

/// The registration a manage link belongs to.
pub fn by_manage_token(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Option<rows::Registration>, ServiceError> {
    if !tokens::plausible(token) {
        return Ok(None);
    }
    Ok(registrations::table
        .filter(registrations::manage_token_hash.eq(tokens::hash(token)))
        .select(rows::Registration::as_select())
        .first(conn)
        .optional()?)
}

/// A participant's own action on their manage page.
pub fn participant_enroll(
    conn: &mut DbConnection,
    id: i64,
    session: i64,
    now: NaiveDateTime,
) -> Result<SeatOutcome, ServiceError> {
    write_transaction(conn, |conn| {
        let r = load(conn, id)?;
        let status = RegistrationStatus::parse(&r.status).unwrap_or(RegistrationStatus::Cancelled);
        if !crate::domain::registration::may_enroll(status) {
            return Err(ServiceError::Conflict("not confirmed".into()));
        }
        enroll(conn, &r, session, now)
    })
}

pub fn participant_leave(
    conn: &mut DbConnection,
    ctx: &MailContext,
    id: i64,
    session: i64,
    now: NaiveDateTime,
) -> Result<bool, ServiceError> {
    write_transaction(conn, |conn| {
        let r = load(conn, id)?;
        leave(conn, ctx, &r, session, now)
    })
}

/// Cancels a registration (participant or organizer), releasing its place and seats.
pub fn cancel(
    conn: &mut DbConnection,
    ctx: &MailContext,
    id: i64,
    by_organizer: Option<i64>,
    now: NaiveDateTime,
) -> Result<RegistrationStatus, ServiceError> {
    write_transaction(conn, |conn| {
        let r = load(conn, id)?;
        let actor = by_organizer
            .map(Actor::Organizer)
            .unwrap_or(Actor::Participant);
        apply(
            conn,
            ctx,
            &r,
            &RegistrationEvent::Cancelled {
                by_organizer: by_organizer.is_some(),
            },
            actor,
            now,
        )
    })
}

/// Expires pending registrations whose confirmation deadline passed (the worker's sweep).
pub fn expire_due(
    conn: &mut DbConnection,
    ctx: &MailContext,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    let due: Vec<i64> = registrations::table
        .filter(registrations::status.eq("pending"))
        .filter(registrations::confirm_expires_at.le(now))
        .select(registrations::id)
        .limit(500)
        .load(conn)?;
    let mut n = 0;
    for id in due {
        write_transaction(conn, |conn| {
            let r = load(conn, id)?;
            if r.status != "pending" {
                return Ok::<_, ServiceError>(());
            }
            let deadline = r.confirm_expires_at.unwrap_or(now);
            apply(
                conn,
                ctx,
                &r,
                &RegistrationEvent::Expire { now, deadline },
                Actor::System,
                now,
            )?;
            diesel::update(registrations::table.find(id))
                .set(registrations::confirm_token_hash.eq(None::<String>))
                .execute(conn)?;
            n += 1;
            Ok(())
        })?;
    }
    Ok(n)
}

/// A line of the manage page: a session that takes enrollments, and where the person stands.
pub struct WorkshopLine {
    pub session: rows::Session,
    pub room: Option<String>,
    /// "enrolled", "waitlisted" or "" (not yet)
    pub status: String,
    pub position: Option<i64>,
}

/// Everything the manage page shows (a fixed number of queries).
pub fn overview(
    conn: &mut DbConnection,
    r: &rows::Registration,
) -> Result<Vec<WorkshopLine>, ServiceError> {
    let sessions: Vec<rows::Session> = sessions::table
        .filter(sessions::congress_id.eq(r.congress_id))
        .filter(sessions::capacity.is_not_null())
        .filter(sessions::status.eq("scheduled"))
        .order((sessions::starts_at, sessions::title))
        .select(rows::Session::as_select())
        .load(conn)?;
    let mine: Vec<(i64, i64, String, i64)> = enrollments::table
        .filter(enrollments::registration_id.eq(r.id))
        .filter(enrollments::status.ne("cancelled"))
        .select((
            enrollments::id,
            enrollments::session_id,
            enrollments::status,
            enrollments::position,
        ))
        .load(conn)?;
    let room_names: std::collections::HashMap<i64, String> = rooms::table
        .filter(rooms::congress_id.eq(r.congress_id))
        .select((rooms::id, rooms::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let mut out = vec![];
    for s in sessions {
        let m = mine.iter().find(|m| m.1 == s.id);
        let position = match m {
            Some((id, session, status, pos)) if status == "waitlisted" => {
                Some(waitlist_position(conn, *session, *pos, *id)?)
            }
            _ => None,
        };
        out.push(WorkshopLine {
            room: s.room_id.and_then(|id| room_names.get(&id).cloned()),
            status: m.map(|m| m.2.clone()).unwrap_or_default(),
            position,
            session: s,
        });
    }
    Ok(out)
}

/// Confirmation links live this long (rule 5).
pub fn confirmation_window() -> Duration {
    Duration::hours(crate::domain::registration::CONFIRMATION_HOURS)
}

/// What the registration form offers (a fixed number of queries).
pub struct FormData {
    pub categories: Vec<(i64, String)>,
    pub questions: Vec<super::setup::QuestionRow>,
    pub days: Vec<rows::CongressDay>,
    /// First-come-first-served slot groups with their sessions: (group id, name, sessions).
    pub groups: Vec<(i64, String, Vec<rows::Session>)>,
    /// Blocks taking ranked choices now: (group id, name, depth, sessions).
    pub ranked: Vec<(i64, String, i32, Vec<rows::Session>)>,
}

pub fn form_data(conn: &mut DbConnection, congress: i64) -> Result<FormData, ServiceError> {
    let categories = categories::table
        .filter(categories::congress_id.eq(congress))
        .order((categories::position, categories::id))
        .select((categories::id, categories::name))
        .load(conn)?;
    let questions = super::setup::questions_of(conn, congress)?;
    let days = super::congress::days(conn, congress)?;
    let group_rows: Vec<(i64, String)> = slot_groups::table
        .filter(slot_groups::congress_id.eq(congress))
        .filter(slot_groups::allocation_mode.eq("fcfs"))
        .order(slot_groups::id)
        .select((slot_groups::id, slot_groups::name))
        .load(conn)?;
    let grouped: Vec<rows::Session> = sessions::table
        .filter(sessions::congress_id.eq(congress))
        .filter(sessions::slot_group_id.is_not_null())
        .filter(sessions::capacity.is_not_null())
        .filter(sessions::status.eq("scheduled"))
        .order((sessions::starts_at, sessions::title))
        .select(rows::Session::as_select())
        .load(conn)?;
    let now = super::now_utc();
    let ranked_rows: Vec<(i64, String, i32, Option<NaiveDateTime>)> = slot_groups::table
        .filter(slot_groups::congress_id.eq(congress))
        .filter(slot_groups::allocation_mode.eq("ranked"))
        .filter(slot_groups::allocated_at.is_null())
        .order(slot_groups::id)
        .select((
            slot_groups::id,
            slot_groups::name,
            slot_groups::rank_depth,
            slot_groups::preference_deadline,
        ))
        .load(conn)?;
    let ranked = ranked_rows
        .into_iter()
        .filter(|(_, _, _, deadline)| deadline.is_none_or(|d| now < d))
        .map(|(id, name, depth, _)| {
            let s: Vec<rows::Session> = grouped
                .iter()
                .filter(|s| s.slot_group_id == Some(id))
                .cloned()
                .collect();
            (id, name, depth, s)
        })
        .filter(|g| !g.3.is_empty())
        .collect();
    let groups = group_rows
        .into_iter()
        .map(|(id, name)| {
            let s = grouped
                .iter()
                .filter(|s| s.slot_group_id == Some(id))
                .cloned()
                .collect();
            (id, name, s)
        })
        .filter(|(_, _, s): &(i64, String, Vec<rows::Session>)| !s.is_empty())
        .collect();
    Ok(FormData {
        categories,
        questions,
        days,
        groups,
        ranked,
    })
}

/// Everything stored about a registration, for the participant's download (SPEC §5).
pub fn export_data(
    conn: &mut DbConnection,
    r: &rows::Registration,
) -> Result<serde_json::Value, ServiceError> {
    let answers: Vec<(String, String)> = answers::table
        .inner_join(questions::table)
        .filter(answers::registration_id.eq(r.id))
        .order(questions::position)
        .select((questions::label, answers::value))
        .load(conn)?;
    let seats: Vec<(String, String, i64)> = enrollments::table
        .inner_join(sessions::table)
        .filter(enrollments::registration_id.eq(r.id))
        .order(enrollments::id)
        .select((sessions::title, enrollments::status, enrollments::position))
        .load(conn)?;
    let picks: Vec<(String, i32)> = preferences::table
        .inner_join(sessions::table)
        .filter(preferences::registration_id.eq(r.id))
        .order(preferences::rank)
        .select((sessions::title, preferences::rank))
        .load(conn)?;
    let category: String = categories::table
        .find(r.category_id)
        .select(categories::name)
        .first(conn)?;
    let congress = congress_title(conn, r.congress_id)?;
    Ok(serde_json::json!({
        "congress": congress,
        "status": r.status,
        "category": category,
        "first_name": r.first_name,
        "last_name": r.last_name,
        "email": r.email,
        "organization": r.organization,
        "position": r.position,
        "days_attending": r.days_attending.split(',').filter(|d| !d.is_empty()).collect::<Vec<_>>(),
        "dietary_needs": r.dietary_needs,
        "accessibility_needs": r.accessibility_needs,
        "language": r.language,
        "consent_privacy_at": r.consent_privacy_at,
        "consent_public_listing": r.consent_public_listing,
        "registered_at": r.created_at,
        "confirmed_at": r.confirmed_at,
        "cancelled_at": r.cancelled_at,
        "checked_in_at": r.checked_in_at,
        "answers": answers.into_iter().map(|(q, a)| serde_json::json!({"question": q, "answer": a})).collect::<Vec<_>>(),
        "workshops": seats.into_iter().map(|(t, s, p)| serde_json::json!({"session": t, "status": s, "queue_number": p})).collect::<Vec<_>>(),
        "choices": picks.into_iter().map(|(t, rank)| serde_json::json!({"session": t, "rank": rank})).collect::<Vec<_>>(),
    }))
}

/// Deletes a registration and its personal data for good (SPEC §5): its place and seats are
/// released first (promoting others), then the row and everything hanging on it go. The audit
/// log keeps only that a registration was deleted.
pub fn delete_registration(
    conn: &mut DbConnection,
    ctx: &MailContext,
    id: i64,
    now: NaiveDateTime,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let r = load(conn, id)?;
        let status = RegistrationStatus::parse(&r.status).unwrap_or(RegistrationStatus::Cancelled);
        if !matches!(
            status,
            RegistrationStatus::Cancelled | RegistrationStatus::Expired
        ) {
            // Released like a cancellation, without the cancellation email: the person asked
            // for their data to be gone.
            leave_all(conn, ctx, &r, now)?;
            if crate::domain::registration::holds_place(status) {
                give_back_place(conn, r.congress_id, r.category_id)?;
                promote_congress_waitlist(conn, ctx, r.congress_id, now)?;
            }
        }
        diesel::delete(registrations::table.find(id)).execute(conn)?;
        // Queued mail to the person goes too.
        diesel::delete(
            crate::db::schema::outbox::table
                .filter(crate::db::schema::outbox::recipient.eq(&r.email))
                .filter(crate::db::schema::outbox::congress_id.eq(r.congress_id))
                .filter(crate::db::schema::outbox::status.ne("sent")),
        )
        .execute(conn)?;
        audit::record(
            conn,
            Actor::Participant,
            AuditEvent {
                congress_id: Some(r.congress_id),
                kind: "registration.deleted",
                entity: "registration",
                entity_id: Some(id),
                before: Some(serde_json::json!({ "status": r.status })),
                after: None,
            },
        )?;
        Ok(())
    })
}

/// An organizer approves a registration that awaits approval: it takes a congress place if one
/// is free (rule 1), else joins the congress waitlist; the email follows from the transition.
/// Another congress's registration is `NotFound`; one in any other status is a `Conflict`.
pub fn approve(
    conn: &mut DbConnection,
    ctx: &MailContext,
    congress: i64,
    id: i64,
    organizer: i64,
    now: NaiveDateTime,
) -> Result<RegistrationStatus, ServiceError> {
    write_transaction(conn, |conn| {
        let r = load_in(conn, congress, id)?;
        let from = RegistrationStatus::parse(&r.status).unwrap_or(RegistrationStatus::Cancelled);
        // Ask the rule before taking a place, so a refused approval holds nothing even for a
        // moment; `apply` asks it again with the real admission.
        transition(from, &RegistrationEvent::Approved(Admission::Confirm))
            .map_err(|e| ServiceError::Conflict(e.to_string()))?;
        let admission = take_place(conn, r.congress_id, r.category_id)?;
        apply(
            conn,
            ctx,
            &r,
            &RegistrationEvent::Approved(admission),
            Actor::Organizer(organizer),
            now,
        )
    })
}

/// An organizer declines a registration that awaits approval (it holds no place yet).
pub fn decline(
    conn: &mut DbConnection,
    ctx: &MailContext,
    congress: i64,
    id: i64,
    organizer: i64,
    now: NaiveDateTime,
) -> Result<RegistrationStatus, ServiceError> {
    write_transaction(conn, |conn| {
        let r = load_in(conn, congress, id)?;
        apply(
            conn,
            ctx,
            &r,
            &RegistrationEvent::Declined,
            Actor::Organizer(organizer),
            now,
        )
    })
}

/// An organizer moves people up from a workshop's waitlist into free seats (after raising the
/// capacity, say); with no free seat it changes nothing. Returns how many moved up.
pub fn organizer_promote(
    conn: &mut DbConnection,
    ctx: &MailContext,
    congress: i64,
    session: i64,
    organizer: i64,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    write_transaction(conn, |conn| {
        let status: String = sessions::table
            .filter(sessions::id.eq(session))
            .filter(sessions::congress_id.eq(congress))
            .filter(sessions::capacity.is_not_null())
            .select(sessions::status)
            .first(conn)
            .optional()?
            .ok_or(ServiceError::NotFound)?;
        if status != "scheduled" {
            return Err(ServiceError::Conflict(format!(
                "session {session} is {status}"
            )));
        }
        let promoted = promote_workshop_waitlist(conn, ctx, session, now)?;
        audit::record(
            conn,
            Actor::Organizer(organizer),
            AuditEvent {
                congress_id: Some(congress),
                kind: "session.waitlist_promoted",
                entity: "session",
                entity_id: Some(session),
                before: None,
                after: Some(serde_json::json!({ "promoted": promoted })),
            },
        )?;
        Ok(promoted)
    })
}

/// A registration of this congress, or `NotFound`.
fn load_in(
    conn: &mut DbConnection,
    congress: i64,
    id: i64,
) -> Result<rows::Registration, ServiceError> {
    registrations::table
        .filter(registrations::id.eq(id))
        .filter(registrations::congress_id.eq(congress))
        .select(rows::Registration::as_select())
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)
}

/// Sessions a registration holds a seat in.
pub fn enrolled_sessions(conn: &mut DbConnection, registration: i64) -> QueryResult<Vec<i64>> {
    enrollments::table
        .filter(enrollments::registration_id.eq(registration))
        .filter(enrollments::status.eq("enrolled"))
        .select(enrollments::session_id)
        .load(conn)
}
