//! Where a registration stands: register, the double opt-in, cancel, approve, decline, expire.

use super::*;
use crate::domain::CongressId;
use crate::domain::OrganizerId;
use crate::domain::RegistrationId;
use crate::domain::{RegistrationStatus, SessionId, SessionStatus};

/// How a registration attempt ended (the page says the same in both cases, so nobody can find
/// out whether an address is registered).
#[derive(Debug, PartialEq, Eq)]
pub enum Registered {
    New(RegistrationId),
    LinkSentAgain(RegistrationId),
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
            .filter(sessions::status.eq(SessionStatus::Scheduled))
            .filter(sessions::capacity.is_not_null())
            .count()
            .get_result(conn)?;
        if ok == 0 {
            return Err(ServiceError::invalid("picks", "unknown"));
        }
    }
    // Every chosen workshop lies on a day the person attends.
    let chosen: Vec<SessionId> = input
        .picks
        .iter()
        .map(|p| p.1)
        .chain(input.rankings.iter().flat_map(|r| r.1.iter().copied()))
        .collect();
    let starts: Vec<Option<NaiveDateTime>> = sessions::table
        .filter(sessions::id.eq_any(&chosen))
        .select(sessions::starts_at)
        .load(conn)?;
    for start in starts {
        let day = super::seats::session_day(conn, congress.id, start)?;
        if !crate::domain::blocks::attends(&input.days, day) {
            return Err(ServiceError::invalid("picks", "day not attended"));
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
            .filter(sessions::status.eq(SessionStatus::Scheduled))
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
    ctx: &Ctx,
    now: NaiveDateTime,
) -> Result<Registered, ServiceError> {
    write_retrying(conn, |conn| {
        check_input(conn, congress, input)?;
        let existing: Option<rows::Registration> = registrations::table
            .filter(registrations::congress_id.eq(congress.id))
            .filter(registrations::email.eq(&input.email))
            .select(registrations::id)
            .first::<RegistrationId>(conn)
            .optional()?
            .map(|id| load_locked(conn, id))
            .transpose()?;
        let confirm = tokens::new_token();
        let deadline = confirmation_deadline(now);
        if let Some(r) = &existing {
            let status = r.status;
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
                        MailKind::ConfirmYourRegistration,
                        &link,
                        vec![],
                        &tokens::hash(&confirm)[..16],
                    )?;
                } else {
                    let link = format!("{}/r/{}", ctx.base_url, manage_token(ctx, r));
                    let kind = match status {
                        RegistrationStatus::Waitlisted => MailKind::Waitlisted,
                        RegistrationStatus::AwaitingApproval => MailKind::AwaitingApproval,
                        _ => MailKind::RegistrationConfirmed,
                    };
                    queue_mail(
                        conn,
                        ctx,
                        r,
                        kind,
                        &link,
                        vec![],
                        // Once per state and minute: a double-click sends one mail.
                        &format!(
                            "again-v{}-{}",
                            r.state_version,
                            now.and_utc().timestamp() / 60
                        ),
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
                // Compare-and-set on the cancelled or expired state just read.
                let changed = diesel::update(
                    registrations::table
                        .filter(registrations::id.eq(r.id))
                        .filter(registrations::status.eq(&r.status))
                        .filter(registrations::state_version.eq(r.state_version)),
                )
                .set((
                    registrations::state_version.eq(r.state_version + 1),
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
                    registrations::status.eq(RegistrationStatus::Pending),
                    registrations::confirm_token_hash.eq(Some(tokens::hash(&confirm))),
                    registrations::confirm_expires_at.eq(Some(deadline)),
                    registrations::confirmed_at.eq(None::<NaiveDateTime>),
                    registrations::cancelled_at.eq(None::<NaiveDateTime>),
                    registrations::updated_at.eq(now),
                ))
                .execute(conn)?;
                if changed != 1 {
                    return Err(ServiceError::Conflict(format!(
                        "registration {} changed meanwhile",
                        r.id
                    )));
                }
                r.id
            }
            None => {
                // The manage and check-in hashes are placeholders until the id exists.
                let placeholder = tokens::new_token();
                let id: RegistrationId = diesel::insert_into(registrations::table)
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
                        registrations::status.eq(RegistrationStatus::Pending),
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
            MailKind::ConfirmYourRegistration,
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
                entity_id: Some(id.get()),
                before: None,
                after: Some(
                    serde_json::json!({ "status": RegistrationStatus::Pending, "category_id": input.category_id }),
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

/// The registration a confirmation link belongs to, if the link is valid: pending, or already
/// used (its hash is kept, so a second click still finds the person).
fn by_confirm_token(
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
    /// Confirmed now, or earlier by the same link: the person's private page.
    Done {
        manage_token: String,
        status: RegistrationStatus,
    },
    Expired,
    Invalid,
}

/// What a confirmation link is, before the person presses the button.
#[derive(Debug)]
pub enum ConfirmLink {
    /// Waiting to be confirmed.
    Pending,
    /// Already used: it leads to the private page.
    Used {
        manage_token: String,
    },
    Expired,
    Invalid,
}

/// Reads what a confirmation link stands for (the page with the confirm button).
pub fn confirm_link(
    conn: &mut DbConnection,
    token: &str,
    ctx: &Ctx,
    now: NaiveDateTime,
) -> Result<ConfirmLink, ServiceError> {
    let Some(r) = by_confirm_token(conn, token)? else {
        return Ok(ConfirmLink::Invalid);
    };
    Ok(match link_state(&r, now) {
        LinkState::Open => ConfirmLink::Pending,
        LinkState::Used => ConfirmLink::Used {
            manage_token: manage_token(ctx, &r),
        },
        LinkState::Expired => ConfirmLink::Expired,
    })
}

enum LinkState {
    Open,
    Used,
    Expired,
}

/// A confirmation link is open while its registration is pending and the deadline has not
/// passed; once confirmed it stays a way in to the private page; a registration that expired
/// (or one pending past its deadline) makes it an expired link.
fn link_state(r: &rows::Registration, now: NaiveDateTime) -> LinkState {
    match r.status {
        RegistrationStatus::Pending if r.confirm_expires_at.is_some_and(|d| now >= d) => {
            LinkState::Expired
        }
        RegistrationStatus::Pending => LinkState::Open,
        RegistrationStatus::Expired => LinkState::Expired,
        _ if r.confirmed_at.is_some() => LinkState::Used,
        // Cancelled before it was ever confirmed: nothing to lead to.
        _ => LinkState::Expired,
    }
}

/// Opens the confirmation link: double opt-in completes (rule 5). The registration row is
/// locked first, so a second click (or a third, at once) waits for the first, finds the link
/// used and answers the same way: the private page, no second place, no second email.
pub fn confirm(
    conn: &mut DbConnection,
    token: &str,
    ctx: &Ctx,
    now: NaiveDateTime,
) -> Result<Confirmation, ServiceError> {
    if !tokens::plausible(token) {
        return Ok(Confirmation::Invalid);
    }
    write_retrying(conn, |conn| {
        let Some(found) = by_confirm_token(conn, token)? else {
            return Ok(Confirmation::Invalid);
        };
        let r = load_locked(conn, found.id)?;
        if r.confirm_token_hash != found.confirm_token_hash {
            // A new link was sent meanwhile; this one is void.
            return Ok(Confirmation::Invalid);
        }
        match link_state(&r, now) {
            LinkState::Used => {
                return Ok(Confirmation::Done {
                    manage_token: manage_token(ctx, &r),
                    status: r.status,
                })
            }
            LinkState::Expired => {
                if r.status == RegistrationStatus::Pending {
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
                }
                return Ok(Confirmation::Expired);
            }
            LinkState::Open => {}
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
    ctx: &Ctx,
    r: &rows::Registration,
    now: NaiveDateTime,
) -> Result<RegistrationStatus, ServiceError> {
    let event = if needs_approval(conn, r)? {
        RegistrationEvent::EmailConfirmedNeedsApproval
    } else {
        RegistrationEvent::EmailConfirmed(take_place(conn, r.congress_id, r.category_id)?)
    };
    let to = apply(conn, ctx, r, &event, Actor::Participant, now)?;
    // The link's hash stays: a second click leads to the private page (`link_state`).
    diesel::update(registrations::table.find(r.id))
        .set(registrations::confirmed_at.eq(Some(now)))
        .execute(conn)?;
    Ok(to)
}

/// Runs one transition and its effects in the caller's transaction; returns the new status.
///
/// The status is stored with a compare-and-set on the status and state version that `r` was
/// read with; if another transaction changed the registration meanwhile nothing is done and
/// the call fails with `Conflict` (the caller's transaction rolls back whatever it took). The
/// callers lock the row before reading it, so on either backend that is a safety net, not a
/// path taken.
pub(super) fn apply(
    conn: &mut DbConnection,
    ctx: &Ctx,
    r: &rows::Registration,
    event: &RegistrationEvent,
    actor: Actor,
    now: NaiveDateTime,
) -> Result<RegistrationStatus, ServiceError> {
    let from = r.status;
    let t = transition(from, event).map_err(|e| ServiceError::Conflict(e.to_string()))?;
    let mut set_cancelled = None;
    if t.to == RegistrationStatus::Cancelled {
        set_cancelled = Some(now);
    }
    let version = r.state_version + 1;
    let changed = diesel::update(
        registrations::table
            .filter(registrations::id.eq(r.id))
            .filter(registrations::status.eq(t.from))
            .filter(registrations::state_version.eq(r.state_version)),
    )
    .set((
        registrations::status.eq(t.to),
        registrations::state_version.eq(version),
        registrations::updated_at.eq(now),
        registrations::cancelled_at.eq(set_cancelled.or(r.cancelled_at)),
    ))
    .execute(conn)?;
    if changed != 1 {
        return Err(ServiceError::Conflict(format!(
            "registration {} changed meanwhile",
            r.id
        )));
    }
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
            Effect::JoinCongressWaitlist => {
                // The email says where the person stands and why (a category's quota or the
                // congress), read after this transition joined the queue.
                let now_waiting = load(conn, r.id)?;
                if let Some(s) = congress_standing(conn, &now_waiting)? {
                    lines = standing_lines(lang_of(r), &s);
                }
            }
            Effect::SendEmail(_) => {}
        }
    }
    let link = format!("{}/r/{}", ctx.base_url, manage_token(ctx, r));
    for effect in &t.effects {
        if let Effect::SendEmail(kind) = effect {
            // The registration and the version this transition made: one mail per change,
            // whoever asks twice.
            queue_mail(
                conn,
                ctx,
                r,
                *kind,
                &link,
                lines.clone(),
                &format!("v{version}"),
            )?;
        }
    }
    if release_place {
        promote_congress_waitlist(conn, ctx, r.congress_id, now)?;
    }
    Ok(t.to)
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

/// Cancels a registration (participant or organizer), releasing its place and seats.
pub fn cancel(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: RegistrationId,
    by_organizer: Option<OrganizerId>,
    now: NaiveDateTime,
) -> Result<RegistrationStatus, ServiceError> {
    write_retrying(conn, |conn| {
        let r = load_locked(conn, id)?;
        if r.status == RegistrationStatus::Cancelled {
            // A repeat (double-click, second tab): the first request did it all.
            return Ok(RegistrationStatus::Cancelled);
        }
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
    ctx: &Ctx,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    let due: Vec<RegistrationId> = registrations::table
        .filter(registrations::status.eq(RegistrationStatus::Pending))
        .filter(registrations::confirm_expires_at.le(now))
        .select(registrations::id)
        .limit(500)
        .load(conn)?;
    let mut n = 0;
    for id in due {
        write_retrying(conn, |conn| {
            let r = load_locked(conn, id)?;
            // Confirmed (or expired by another instance's sweep) since the list was read.
            if r.status != RegistrationStatus::Pending
                || r.confirm_expires_at.is_none_or(|d| now < d)
            {
                return Ok(());
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
            // The link's hash stays, so opening it later says "expired" (410), not "unknown".
            n += 1;
            Ok(())
        })?;
    }
    Ok(n)
}

/// Confirmation links live this long (rule 5).
pub fn confirmation_window() -> Duration {
    Duration::hours(crate::domain::registration::CONFIRMATION_HOURS)
}

/// An organizer approves a registration that awaits approval: it takes a congress place if one
/// is free (rule 1), else joins the congress waitlist; the email follows from the transition.
/// Another congress's registration is `NotFound`; one in any other status is a `Conflict`,
/// except a repeat: a registration of a category that needs approval which is confirmed or
/// waitlisted already was approved, and the answer is its status, with nothing changed.
pub fn approve(
    conn: &mut DbConnection,
    ctx: &Ctx,
    congress: CongressId,
    id: RegistrationId,
    organizer: OrganizerId,
    now: NaiveDateTime,
) -> Result<RegistrationStatus, ServiceError> {
    write_retrying(conn, |conn| {
        let r = load_in_locked(conn, congress, id)?;
        let from = r.status;
        if matches!(
            from,
            RegistrationStatus::Confirmed | RegistrationStatus::Waitlisted
        ) && needs_approval(conn, &r)?
        {
            return Ok(from);
        }
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

/// An organizer declines a registration that awaits approval (it holds no place yet). A
/// repeat finds it cancelled and answers so, changing nothing.
pub fn decline(
    conn: &mut DbConnection,
    ctx: &Ctx,
    congress: CongressId,
    id: RegistrationId,
    organizer: OrganizerId,
    now: NaiveDateTime,
) -> Result<RegistrationStatus, ServiceError> {
    write_retrying(conn, |conn| {
        let r = load_in_locked(conn, congress, id)?;
        if r.status == RegistrationStatus::Cancelled && needs_approval(conn, &r)? {
            return Ok(RegistrationStatus::Cancelled);
        }
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

/// Whether the registration's category needs an organizer's approval.
fn needs_approval(conn: &mut DbConnection, r: &rows::Registration) -> QueryResult<bool> {
    categories::table
        .find(r.category_id)
        .select(categories::needs_approval)
        .first(conn)
}

/// A registration of this congress, locked for the transaction, or `NotFound`.
pub(super) fn load_in_locked(
    conn: &mut DbConnection,
    congress: CongressId,
    id: RegistrationId,
) -> Result<rows::Registration, ServiceError> {
    load_in(conn, congress, id)?;
    Ok(load_locked(conn, id)?)
}
