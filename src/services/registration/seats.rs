//! Congress places and workshop seats: taken and given back with one conditional UPDATE each.

use super::*;
use crate::domain::enrollment::{self, CounterEffect, EnrollmentEvent, EnrollmentStatus};
use crate::domain::CategoryId;
use crate::domain::CongressId;
use crate::domain::RegistrationId;
use crate::domain::SessionStatus;
use crate::domain::{EnrollmentId, SessionId};

/// Takes a congress place (and category quota) atomically, or says why not (rule 1).
pub fn take_place(
    conn: &mut DbConnection,
    congress: CongressId,
    category: CategoryId,
) -> QueryResult<Admission> {
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
    if !take_quota(conn, category)? {
        diesel::update(congresses::table.find(congress))
            .set(congresses::confirmed_count.eq(congresses::confirmed_count - 1))
            .execute(conn)?;
        return Ok(Admission::Waitlist(WaitlistReason::CategoryFull));
    }
    Ok(Admission::Confirm)
}

/// Takes one place of a category's quota atomically; `false` when the quota is full.
pub(super) fn take_quota(conn: &mut DbConnection, category: CategoryId) -> QueryResult<bool> {
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
    Ok(got == 1)
}

pub(super) fn give_back_place(
    conn: &mut DbConnection,
    congress: CongressId,
    category: CategoryId,
) -> QueryResult<()> {
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
    /// Overlaps only the person's seat in another workshop of the same block: they may swap
    /// (wait for this one and keep that seat until a seat here frees). That seat's session.
    SwapOffered {
        with: SessionId,
        title: String,
    },
    /// Not a session that takes enrollments.
    NotOffered,
    /// On a day the person does not attend (their registration's days).
    NotAttending,
}

/// The local day of a session of the congress (`None` when it has no time).
pub(super) fn session_day(
    conn: &mut DbConnection,
    congress: crate::domain::CongressId,
    start: Option<NaiveDateTime>,
) -> QueryResult<Option<chrono::NaiveDate>> {
    let Some(start) = start else { return Ok(None) };
    let tz: String = congresses::table
        .find(congress)
        .select(congresses::time_zone)
        .first(conn)?;
    let tz = crate::domain::time::parse_time_zone(&tz).unwrap_or(chrono_tz::UTC);
    Ok(Some(crate::domain::local_date_of(tz, start.and_utc())))
}

/// Takes one seat of a session atomically: never more than min(session, room) capacity.
pub(super) fn take_seat(conn: &mut DbConnection, session: SessionId) -> QueryResult<bool> {
    let n = diesel::sql_query(
        "UPDATE sessions SET enrolled_count = enrolled_count + 1 \
         WHERE id = $1 AND capacity IS NOT NULL AND enrolled_count < capacity \
           AND (room_id IS NULL OR enrolled_count < COALESCE((SELECT r.capacity FROM rooms r WHERE r.id = sessions.room_id), enrolled_count + 1))",
    )
    .bind::<BigInt, _>(session)
    .execute(conn)?;
    Ok(n == 1)
}

/// session id, title, enrollment status, start, end
type HeldSession = (
    SessionId,
    String,
    String,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

/// A person's row for one session: id, status, state version.
type EnrollmentRow = (EnrollmentId, String, i64);

fn enrollment_of(
    conn: &mut DbConnection,
    registration: RegistrationId,
    session: SessionId,
) -> QueryResult<Option<EnrollmentRow>> {
    enrollments::table
        .filter(enrollments::registration_id.eq(registration))
        .filter(enrollments::session_id.eq(session))
        .select((
            enrollments::id,
            enrollments::status,
            enrollments::state_version,
        ))
        .first(conn)
        .optional()
}

/// Enrolls a confirmed registration in a session, or puts it on the session's waitlist. The
/// caller's transaction holds the registration's row lock, so the person's own requests are
/// serialized; the enrollment row is written with a compare-and-set on the state read.
pub fn enroll(
    conn: &mut DbConnection,
    r: &rows::Registration,
    session: SessionId,
    now: NaiveDateTime,
) -> Result<SeatOutcome, ServiceError> {
    enroll_inner(conn, r, session, None, now)
}

/// [`enroll`], where `swap` (a session of the same block in which the person holds a seat) may
/// overlap: a seat taken here is stored, a waiting-list place remembers `swap` as the seat to
/// give up when it moves up. The caller releases `swap` itself when a seat was taken.
fn enroll_inner(
    conn: &mut DbConnection,
    r: &rows::Registration,
    session: SessionId,
    swap: Option<SessionId>,
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
        s.capacity.is_some()
            && s.status == SessionStatus::Scheduled
            && mode.as_deref() != Some("ranked")
    }) else {
        return Ok(SeatOutcome::NotOffered);
    };
    let day = session_day(conn, r.congress_id, s.starts_at)?;
    if !crate::domain::blocks::attends(&crate::domain::blocks::parse_days(&r.days_attending), day) {
        return Ok(SeatOutcome::NotAttending);
    }
    let held: Vec<HeldSession> = enrollments::table
        .inner_join(sessions::table)
        .filter(enrollments::registration_id.eq(r.id))
        .filter(enrollments::status.ne(EnrollmentStatus::Cancelled))
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
        let clashes: Vec<&HeldSession> = held
            .iter()
            .filter(|h| matches!((h.3, h.4), (Some(x), Some(y)) if x < b && a < y))
            .filter(|h| Some(h.0) != swap)
            .collect();
        match clashes.as_slice() {
            [] => {}
            // The only clash is a seat in another workshop of this block: a swap is possible.
            [h] if swap.is_none()
                && h.2 == EnrollmentStatus::Enrolled.as_str()
                && s.slot_group_id.is_some()
                && block_of(conn, h.0)? == s.slot_group_id =>
            {
                return Ok(SeatOutcome::SwapOffered {
                    with: h.0,
                    title: h.1.clone(),
                })
            }
            [h, ..] => return Ok(SeatOutcome::Overlaps(h.1.clone())),
        }
    }
    let existing = enrollment_of(conn, r.id, session)?;
    let current = existing
        .as_ref()
        .map(|e| EnrollmentStatus::parse(&e.1).unwrap_or(EnrollmentStatus::Cancelled));
    // Ask the rule before taking a seat, so a refused request holds nothing even for a moment.
    if enrollment::transition(current, EnrollmentEvent::Join { seat_taken: true }).is_err() {
        return Ok(SeatOutcome::Already);
    }
    let seat_taken = take_seat(conn, session)?;
    let t = enrollment::transition(current, EnrollmentEvent::Join { seat_taken })
        .map_err(|e| ServiceError::Conflict(e.to_string()))?;
    let mut position = 0;
    for effect in &t.effects {
        count(conn, session, *effect)?;
        if *effect == CounterEffect::JoinQueue {
            let highest: Option<i64> = enrollments::table
                .filter(enrollments::session_id.eq(session))
                .select(diesel::dsl::max(enrollments::position))
                .first(conn)?;
            position = enrollment::next_queue_number(highest);
        }
    }
    let status = t.to.as_str();
    let id = match existing {
        Some((id, from, version)) => {
            let changed = diesel::update(
                enrollments::table
                    .filter(enrollments::id.eq(id))
                    .filter(enrollments::status.eq(&from))
                    .filter(enrollments::state_version.eq(version)),
            )
            .set((
                enrollments::status.eq(status),
                enrollments::position.eq(position),
                enrollments::state_version.eq(version + 1),
                enrollments::created_at.eq(now),
                enrollments::updated_at.eq(now),
                enrollments::swap_from.eq(swap.filter(|_| !seat_taken)),
            ))
            .execute(conn)?;
            if changed != 1 {
                // Someone else changed the row since it was read: undo the seat with the rest.
                return Err(ServiceError::Conflict(format!(
                    "enrollment {id} changed meanwhile"
                )));
            }
            id
        }
        // UNIQUE (registration_id, session_id) refuses a second row.
        None => diesel::insert_into(enrollments::table)
            .values((
                enrollments::registration_id.eq(r.id),
                enrollments::session_id.eq(session),
                enrollments::status.eq(status),
                enrollments::position.eq(position),
                enrollments::created_at.eq(now),
                enrollments::updated_at.eq(now),
                enrollments::swap_from.eq(swap.filter(|_| !seat_taken)),
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
            entity_id: Some(id.get()),
            before: None,
            after: Some(
                serde_json::json!({ "session_id": session, "status": status, "swap_from": swap }),
            ),
        },
    )?;
    if seat_taken {
        Ok(SeatOutcome::Enrolled)
    } else {
        Ok(SeatOutcome::Waitlisted(waitlist_position(
            conn, session, position, id,
        )?))
    }
}

/// The block a session belongs to.
fn block_of(
    conn: &mut DbConnection,
    session: SessionId,
) -> QueryResult<Option<crate::domain::SlotGroupId>> {
    sessions::table
        .find(session)
        .select(sessions::slot_group_id)
        .first(conn)
}

/// A swap asked for on the private page: the person holds a seat in `with` and wants
/// `session` of the same block. With a seat free in `session` it is taken and the seat in
/// `with` released at once (its first waiting person moves up); otherwise the person waits for
/// `session` and keeps `with` until a seat frees there ([`promote_workshop_waitlist`] then
/// swaps). At most one such wait per block: a second one overlaps the first and is refused.
pub fn participant_swap(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: RegistrationId,
    session: SessionId,
    with: SessionId,
    now: NaiveDateTime,
) -> Result<SeatOutcome, ServiceError> {
    write_retrying(conn, |conn| {
        let r = load_locked(conn, id)?;
        if !crate::domain::registration::may_enroll(r.status) {
            return Err(ServiceError::Conflict("not confirmed".into()));
        }
        // The seat given up must be the person's, in the same block.
        let holds = enrollment_of(conn, r.id, with)?
            .is_some_and(|e| e.1 == EnrollmentStatus::Enrolled.as_str());
        let same_block =
            block_of(conn, with)?.is_some() && block_of(conn, with)? == block_of(conn, session)?;
        if !holds || !same_block {
            return Ok(SeatOutcome::NotOffered);
        }
        let outcome = enroll_inner(conn, &r, session, Some(with), now)?;
        if outcome == SeatOutcome::Enrolled {
            leave(conn, ctx, &r, with, now)?;
        }
        Ok(outcome)
    })
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
        (Lang::De, SeatOutcome::SwapOffered { title: o, .. }) => {
            format!("{title}: nicht möglich, Sie haben schon „{o}“ im selben Block")
        }
        (Lang::En, SeatOutcome::SwapOffered { title: o, .. }) => {
            format!("{title}: not possible, you hold “{o}” in the same block")
        }
        (_, SeatOutcome::Already) => title.to_string(),
        (Lang::De, SeatOutcome::NotOffered) => format!("{title}: keine Anmeldung möglich"),
        (Lang::En, SeatOutcome::NotOffered) => format!("{title}: not open for enrollment"),
        (Lang::De, SeatOutcome::NotAttending) => {
            format!("{title}: nicht möglich, Sie nehmen an diesem Tag nicht teil")
        }
        (Lang::En, SeatOutcome::NotAttending) => {
            format!("{title}: not possible, you do not attend that day")
        }
    }
}

/// Enrolls in the first-come-first-served picks made at registration; one line per pick.
pub(super) fn enroll_chosen(
    conn: &mut DbConnection,
    _ctx: &Ctx,
    r: &rows::Registration,
    now: NaiveDateTime,
) -> Result<Vec<String>, ServiceError> {
    let picks: Vec<(SessionId, String)> = preferences::table
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

/// Leaves a session (seat or waitlist); a freed seat goes to the first in line (rule 2). The
/// enrollment is cancelled with a compare-and-set on the status read: a repeated or concurrent
/// request that finds it changed does nothing and answers `false`, so a seat is given back
/// once and one person moves up.
pub fn leave(
    conn: &mut DbConnection,
    ctx: &Ctx,
    r: &rows::Registration,
    session: SessionId,
    now: NaiveDateTime,
) -> Result<bool, ServiceError> {
    let Some((id, from, version)) = enrollment_of(conn, r.id, session)? else {
        return Ok(false);
    };
    let current = EnrollmentStatus::parse(&from).unwrap_or(EnrollmentStatus::Cancelled);
    let Ok(t) = enrollment::transition(Some(current), EnrollmentEvent::Leave) else {
        return Ok(false);
    };
    if !store_enrollment(conn, id, &from, version, t.to, now)? {
        return Ok(false);
    }
    // A wait elsewhere that was to give up this seat is now an ordinary wait; a wait given up
    // forgets its swap.
    diesel::update(
        enrollments::table
            .filter(enrollments::registration_id.eq(r.id))
            .filter(
                enrollments::swap_from
                    .eq(session.get())
                    .or(enrollments::id.eq(id)),
            ),
    )
    .set(enrollments::swap_from.eq(None::<i64>))
    .execute(conn)?;
    for effect in &t.effects {
        count(conn, session, *effect)?;
        if *effect == CounterEffect::FreeSeat {
            promote_workshop_waitlist(conn, ctx, session, now)?;
        }
    }
    audit::record(
        conn,
        Actor::Participant,
        AuditEvent {
            congress_id: Some(r.congress_id),
            kind: "enrollment.cancelled",
            entity: "enrollment",
            entity_id: Some(id.get()),
            before: Some(serde_json::json!({ "session_id": session, "status": from })),
            after: None,
        },
    )?;
    Ok(true)
}

pub(super) fn leave_all(
    conn: &mut DbConnection,
    ctx: &Ctx,
    r: &rows::Registration,
    now: NaiveDateTime,
) -> Result<(), ServiceError> {
    let held: Vec<SessionId> = enrollments::table
        .filter(enrollments::registration_id.eq(r.id))
        .filter(enrollments::status.ne(EnrollmentStatus::Cancelled))
        .select(enrollments::session_id)
        .load(conn)?;
    for s in held {
        leave(conn, ctx, r, s, now)?;
    }
    Ok(())
}

/// A participant's own action on their manage page.
pub fn participant_enroll(
    conn: &mut DbConnection,
    id: RegistrationId,
    session: SessionId,
    now: NaiveDateTime,
) -> Result<SeatOutcome, ServiceError> {
    write_retrying(conn, |conn| {
        let r = load_locked(conn, id)?;
        let status = r.status;
        if !crate::domain::registration::may_enroll(status) {
            return Err(ServiceError::Conflict("not confirmed".into()));
        }
        enroll(conn, &r, session, now)
    })
}

pub fn participant_leave(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: RegistrationId,
    session: SessionId,
    now: NaiveDateTime,
) -> Result<bool, ServiceError> {
    write_retrying(conn, |conn| {
        let r = load_locked(conn, id)?;
        leave(conn, ctx, &r, session, now)
    })
}

/// Sessions a registration holds a seat in.
pub fn enrolled_sessions(
    conn: &mut DbConnection,
    registration: RegistrationId,
) -> QueryResult<Vec<i64>> {
    enrollments::table
        .filter(enrollments::registration_id.eq(registration))
        .filter(enrollments::status.eq(EnrollmentStatus::Enrolled))
        .select(enrollments::session_id)
        .load(conn)
}

/// Where a person stands in one session (`None`: never asked for it).
pub fn seat_status(
    conn: &mut DbConnection,
    registration: RegistrationId,
    session: SessionId,
) -> QueryResult<Option<EnrollmentStatus>> {
    Ok(enrollment_of(conn, registration, session)?
        .and_then(|(_, status, _)| EnrollmentStatus::parse(&status)))
}

/// Stores an enrollment's new status as a compare-and-set on the status and state version it
/// was read with; `false` when another transaction changed the row first (nothing written).
pub(super) fn store_enrollment(
    conn: &mut DbConnection,
    id: EnrollmentId,
    from: &str,
    version: i64,
    to: EnrollmentStatus,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        enrollments::table
            .filter(enrollments::id.eq(id))
            .filter(enrollments::status.eq(from))
            .filter(enrollments::state_version.eq(version)),
    )
    .set((
        enrollments::status.eq(to),
        enrollments::state_version.eq(version + 1),
        enrollments::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Carries out one counter effect of an enrollment transition on the session's counters
/// (never below zero).
pub(super) fn count(
    conn: &mut DbConnection,
    session: SessionId,
    effect: CounterEffect,
) -> QueryResult<()> {
    let target = sessions::table.find(session);
    match effect {
        CounterEffect::JoinQueue => diesel::update(target)
            .set(sessions::waitlisted_count.eq(sessions::waitlisted_count + 1))
            .execute(conn)?,
        CounterEffect::LeaveQueue => {
            diesel::update(target.filter(sessions::waitlisted_count.gt(0)))
                .set(sessions::waitlisted_count.eq(sessions::waitlisted_count - 1))
                .execute(conn)?
        }
        CounterEffect::FreeSeat => diesel::update(target.filter(sessions::enrolled_count.gt(0)))
            .set(sessions::enrolled_count.eq(sessions::enrolled_count - 1))
            .execute(conn)?,
    };
    Ok(())
}
