//! Who moves up when a place or a seat frees (SPEC §2 rule 2), in the domain's waitlist order.

use super::*;
use crate::domain::enrollment::{
    self, CongressQueuePlace, CounterEffect, EnrollmentEvent, EnrollmentStatus, QueuePlace,
};
use crate::domain::seats;
use crate::domain::OrganizerId;
use crate::domain::SessionStatus;
use crate::domain::{CategoryId, CongressId, EnrollmentId, RegistrationId, RoomId, SessionId};

/// Waitlist position of an enrollment (1-based), counting only people ahead in the queue.
pub fn waitlist_position(
    conn: &mut DbConnection,
    session: SessionId,
    position: i64,
    id: EnrollmentId,
) -> QueryResult<i64> {
    let ahead: i64 = enrollments::table
        .filter(enrollments::session_id.eq(session))
        .filter(enrollments::status.eq(EnrollmentStatus::Waitlisted))
        .filter(
            enrollments::position.lt(position).or(enrollments::position
                .eq(position)
                .and(enrollments::id.lt(id))),
        )
        .count()
        .get_result(conn)?;
    Ok(ahead + 1)
}

/// Moves the first waitlisted people of a session into free seats, in the domain's queue order
/// (rule 2), and emails them. How many may move up follows from the seat arithmetic of
/// `domain::seats`; each seat is still taken with the conditional UPDATE, and each promotion is
/// a compare-and-set on the waiting row, so two transactions freeing seats at once never move
/// the same person twice or count a seat twice.
pub fn promote_workshop_waitlist(
    conn: &mut DbConnection,
    ctx: &Ctx,
    session: SessionId,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    let (capacity, enrolled, room_capacity): (Option<i32>, i32, Option<i32>) = sessions::table
        .left_join(rooms::table)
        .filter(sessions::id.eq(session))
        .select((
            sessions::capacity,
            sessions::enrolled_count,
            rooms::capacity.nullable(),
        ))
        .first(conn)?;
    let free = seats::seats_left(enrolled, seats::effective_capacity(capacity, room_capacity))
        .unwrap_or(0);
    if free == 0 {
        return Ok(0);
    }
    let mut queue: Vec<(QueuePlace, RegistrationId, i64)> = enrollments::table
        .filter(enrollments::session_id.eq(session))
        .filter(enrollments::status.eq(EnrollmentStatus::Waitlisted))
        .select((
            enrollments::position,
            enrollments::id,
            enrollments::registration_id,
            enrollments::state_version,
        ))
        .load::<(i64, i64, RegistrationId, i64)>(conn)?
        .into_iter()
        .map(|(position, id, reg, version)| (QueuePlace { position, id }, reg, version))
        .collect();
    queue.sort_by(|a, b| enrollment::workshop_queue_order(&a.0, &b.0));
    let heads = seats::promotions(free, queue.len());
    let mut promoted = 0;
    for (place, reg, version) in queue.into_iter().take(heads) {
        let id = EnrollmentId::from(place.id);
        if !take_seat(conn, session)? {
            break;
        }
        let t =
            enrollment::transition(Some(EnrollmentStatus::Waitlisted), EnrollmentEvent::Promote)
                .map_err(|e| ServiceError::Conflict(e.to_string()))?;
        if !store_enrollment(
            conn,
            id,
            EnrollmentStatus::Waitlisted.as_str(),
            version,
            t.to,
            now,
        )? {
            // The person left the queue (or moved up) meanwhile: the seat goes back.
            count(conn, session, CounterEffect::FreeSeat)?;
            continue;
        }
        for effect in &t.effects {
            count(conn, session, *effect)?;
        }
        promoted += 1;
        let r = load(conn, reg)?;
        let title: String = sessions::table
            .find(session)
            .select(sessions::title)
            .first(conn)?;
        // A swap: the seat the person held in the same block goes in this transaction, so
        // they never hold two seats of one block (rule 3); its first waiting person moves up.
        let swap: Option<i64> = enrollments::table
            .find(id)
            .select(enrollments::swap_from)
            .first(conn)?;
        let mut lines = vec![];
        if let Some(given_up) = swap.map(SessionId::from) {
            diesel::update(enrollments::table.find(id))
                .set(enrollments::swap_from.eq(None::<i64>))
                .execute(conn)?;
            if super::seats::leave(conn, ctx, &r, given_up, now)? {
                let old: String = sessions::table
                    .find(given_up)
                    .select(sessions::title)
                    .first(conn)?;
                lines.push(match lang_of(&r) {
                    Lang::De => format!("Ihr Platz in „{old}“ ist dafür freigegeben."),
                    Lang::En => format!("Your seat in “{old}” is released in exchange."),
                });
            }
        }
        let congress = congress_title(conn, r.congress_id)?;
        let link = format!("{}/r/{}", ctx.base_url, manage_token(ctx, &r));
        let name = format!("{} {}", r.first_name, r.last_name);
        outbox::queue(
            conn,
            ctx,
            Mail {
                congress_id: Some(r.congress_id),
                kind: MailKind::EnrollmentPromoted,
                // The enrollment and the version this promotion made.
                key: format!("enrollment-promoted:{id}:v{}", version + 1),
                to: &r.email,
                lang: lang_of(&r),
                name: &name,
                congress: &congress,
                detail: &title,
                link: &link,
                extra: &[],
                lines: &lines,
                attachments: &[],
            },
        )?;
        audit::record(
            conn,
            Actor::System,
            AuditEvent {
                congress_id: Some(r.congress_id),
                kind: "enrollment.promoted",
                entity: "enrollment",
                entity_id: Some(id.get()),
                before: Some(serde_json::json!({ "status": EnrollmentStatus::Waitlisted })),
                after: Some(serde_json::json!({ "status": EnrollmentStatus::Enrolled })),
            },
        )?;
    }
    Ok(promoted)
}

/// Where a person stands on the congress waiting list, and why they wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// 1 = next. Counted among those who wait for the same thing: the category's people when
    /// its quota is what is full, everybody when the congress is.
    pub position: usize,
    pub reason: WaitlistReason,
    /// The registration's category.
    pub category: String,
}

/// The congress-waitlist standing of a registration (`None` unless it waits), from the
/// counters as they are now (three queries).
pub fn congress_standing(
    conn: &mut DbConnection,
    r: &rows::Registration,
) -> Result<Option<Standing>, ServiceError> {
    if r.status != RegistrationStatus::Waitlisted {
        return Ok(None);
    }
    let (capacity, confirmed): (Option<i32>, i32) = congresses::table
        .find(r.congress_id)
        .select((congresses::capacity, congresses::confirmed_count))
        .first(conn)?;
    let (category, quota, taken): (String, Option<i32>, i32) = categories::table
        .find(r.category_id)
        .select((
            categories::name,
            categories::quota,
            categories::confirmed_count,
        ))
        .first(conn)?;
    let congress_full = capacity.is_some_and(|c| confirmed >= c);
    let reason = if !congress_full && quota.is_some_and(|q| taken >= q) {
        WaitlistReason::CategoryFull
    } else {
        WaitlistReason::CongressFull
    };
    let mut queue: Vec<(CongressQueuePlace, CategoryId)> = registrations::table
        .filter(registrations::congress_id.eq(r.congress_id))
        .filter(registrations::status.eq(RegistrationStatus::Waitlisted))
        .select((
            registrations::confirmed_at,
            registrations::id,
            registrations::category_id,
        ))
        .load::<(Option<NaiveDateTime>, i64, CategoryId)>(conn)?
        .into_iter()
        .filter(|w| reason == WaitlistReason::CongressFull || w.2 == r.category_id)
        .map(|(confirmed_at, id, c)| (CongressQueuePlace { confirmed_at, id }, c))
        .collect();
    queue.sort_by(|a, b| enrollment::congress_queue_order(&a.0, &b.0));
    let position = queue
        .iter()
        .position(|w| w.0.id == r.id.get())
        .map_or(queue.len() + 1, |i| i + 1);
    Ok(Some(Standing {
        position,
        reason,
        category,
    }))
}

/// The standing in words, for the page and the email.
pub fn standing_lines(lang: Lang, s: &Standing) -> Vec<String> {
    let why = match (lang, s.reason) {
        (Lang::De, WaitlistReason::CategoryFull) => format!(
            "Grund: Die Plätze für „{}“ sind vergeben (Kontingent ausgeschöpft).",
            s.category
        ),
        (Lang::De, WaitlistReason::CongressFull) => {
            "Grund: Der Kongress ist ausgebucht.".to_string()
        }
        (Lang::En, WaitlistReason::CategoryFull) => format!(
            "Reason: the places for “{}” are taken (its quota is used up).",
            s.category
        ),
        (Lang::En, WaitlistReason::CongressFull) => {
            "Reason: the congress is fully booked.".to_string()
        }
    };
    let at = match lang {
        Lang::De => format!("Ihr Platz auf der Warteliste: {}", s.position),
        Lang::En => format!("Your place on the waiting list: {}", s.position),
    };
    vec![why, at]
}

/// Moves waitlisted registrations into free congress places, first confirmed first.
pub fn promote_congress_waitlist(
    conn: &mut DbConnection,
    ctx: &Ctx,
    congress: CongressId,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    let mut waiting: Vec<CongressQueuePlace> = registrations::table
        .filter(registrations::congress_id.eq(congress))
        .filter(registrations::status.eq(RegistrationStatus::Waitlisted))
        .select((registrations::confirmed_at, registrations::id))
        .load::<(Option<NaiveDateTime>, i64)>(conn)?
        .into_iter()
        .map(|(confirmed_at, id)| CongressQueuePlace { confirmed_at, id })
        .collect();
    waiting.sort_by(enrollment::congress_queue_order);
    let mut promoted = 0;
    for place in waiting {
        // Locked and read again: the person may have cancelled since the list was read.
        let r = load_locked(conn, RegistrationId::from(place.id))?;
        if r.status != RegistrationStatus::Waitlisted {
            continue;
        }
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

/// An organizer moves people up from a workshop's waitlist into free seats (after raising the
/// capacity, say); with no free seat it changes nothing. Returns how many moved up.
pub fn organizer_promote(
    conn: &mut DbConnection,
    ctx: &Ctx,
    congress: CongressId,
    session: SessionId,
    organizer: OrganizerId,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    write_transaction(conn, |conn| {
        let status: SessionStatus = sessions::table
            .filter(sessions::id.eq(session))
            .filter(sessions::congress_id.eq(congress))
            .filter(sessions::capacity.is_not_null())
            .select(sessions::status)
            .first(conn)
            .optional()?
            .ok_or(ServiceError::NotFound)?;
        if status != SessionStatus::Scheduled {
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
                entity_id: Some(session.get()),
                before: None,
                after: Some(serde_json::json!({ "promoted": promoted })),
            },
        )?;
        Ok(promoted)
    })
}

/// What an organizer's change may have given more room to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RaisedCapacity {
    /// A session's own seats.
    Session(SessionId),
    /// A room's capacity: every session in it.
    Room(RoomId),
    /// The congress's capacity or a category's quota: the congress waitlist.
    Congress(CongressId),
}

/// Moves waiting people up at once after a capacity changed (SPEC §2 rule 2), in the caller's
/// transaction; a lowered capacity frees nothing and moves nobody. Returns how many moved up.
pub fn promote_after_capacity_change(
    conn: &mut DbConnection,
    ctx: &Ctx,
    raised: RaisedCapacity,
    now: NaiveDateTime,
) -> Result<usize, ServiceError> {
    let with_queue = sessions::table
        .filter(sessions::status.eq(SessionStatus::Scheduled))
        .filter(sessions::capacity.is_not_null())
        .filter(sessions::waitlisted_count.gt(0))
        .select(sessions::id)
        .into_boxed();
    let waiting: Vec<SessionId> = match raised {
        RaisedCapacity::Session(id) => with_queue.filter(sessions::id.eq(id)).load(conn)?,
        RaisedCapacity::Room(id) => with_queue
            .filter(sessions::room_id.eq(id))
            .order(sessions::id)
            .load(conn)?,
        RaisedCapacity::Congress(id) => return promote_congress_waitlist(conn, ctx, id, now),
    };
    let mut promoted = 0;
    for session in waiting {
        promoted += promote_workshop_waitlist(conn, ctx, session, now)?;
    }
    Ok(promoted)
}
