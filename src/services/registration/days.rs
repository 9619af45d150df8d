//! The days a person attends, and the workshop seats that must lie on them: changing one's days
//! on the private page (seats on a day given up are released, after a confirmation), and the
//! organizer's repair view of seats held on days not attended.

use super::*;
use crate::domain::blocks::{attends, parse_days};
use crate::domain::{EnrollmentStatus, OrganizerId};

/// What a change of days did, or would do.
#[derive(Debug, PartialEq, Eq)]
pub enum DaysChange {
    /// Stored; these seats and waiting-list places (titles) were given up.
    Saved { released: Vec<String> },
    /// Not stored: it would give up these (titles); ask the person first.
    WouldRelease(Vec<String>),
}

/// A seat or waiting-list place held on a day its holder does not attend.
#[derive(Debug, Clone)]
pub struct OffDaySeat {
    pub registration: RegistrationId,
    pub name: String,
    pub days: Vec<NaiveDate>,
    pub session: SessionId,
    pub title: String,
    pub day: NaiveDate,
    pub status: EnrollmentStatus,
}

/// (session, title, day) of the seats and waiting-list places `r` holds outside `days`.
fn held_off(
    conn: &mut DbConnection,
    r: &rows::Registration,
    days: &[NaiveDate],
) -> Result<Vec<(SessionId, String)>, ServiceError> {
    let held: Vec<(SessionId, String, Option<NaiveDateTime>)> = enrollments::table
        .inner_join(sessions::table)
        .filter(enrollments::registration_id.eq(r.id))
        .filter(enrollments::status.ne(EnrollmentStatus::Cancelled))
        .order(sessions::starts_at)
        .select((sessions::id, sessions::title, sessions::starts_at))
        .load(conn)?;
    let mut off = vec![];
    for (id, title, start) in held {
        let day = seats::session_day(conn, r.congress_id, start)?;
        if !attends(days, day) {
            off.push((id, title));
        }
    }
    Ok(off)
}

/// Changes the days a registration attends. Seats and waiting-list places on a day no longer
/// attended are released (the next in line moves up) — but only with `confirmed`; without it a
/// change that would release something stores nothing and says what it would release. Choices
/// in blocks still to be allocated on such a day are dropped with them.
pub fn change_days(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: RegistrationId,
    days: &[NaiveDate],
    confirmed: bool,
    now: NaiveDateTime,
) -> Result<DaysChange, ServiceError> {
    write_retrying(conn, |conn| {
        let r = load_locked(conn, id)?;
        if matches!(
            r.status,
            RegistrationStatus::Cancelled | RegistrationStatus::Expired
        ) {
            return Err(ServiceError::Conflict("not active".into()));
        }
        let congress_days = crate::db::queries::days(conn, r.congress_id)?;
        if days.is_empty() && !congress_days.is_empty()
            || days
                .iter()
                .any(|d| !congress_days.iter().any(|x| x.day == *d))
        {
            return Err(ServiceError::invalid("days", "not days of the congress"));
        }
        let off = held_off(conn, &r, days)?;
        if !off.is_empty() && !confirmed {
            return Ok(DaysChange::WouldRelease(
                off.into_iter().map(|o| o.1).collect(),
            ));
        }
        let mut sorted = days.to_vec();
        sorted.sort_unstable();
        let text = sorted
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(",");
        // Compare-and-set on the version read (the row lock serializes this person's requests;
        // the version catches anything that slipped past it).
        let changed = diesel::update(
            registrations::table
                .find(id)
                .filter(registrations::state_version.eq(r.state_version)),
        )
        .set((
            registrations::days_attending.eq(&text),
            registrations::state_version.eq(r.state_version + 1),
            registrations::updated_at.eq(now),
        ))
        .execute(conn)?;
        if changed != 1 {
            return Err(ServiceError::Conflict(
                "registration changed meanwhile".into(),
            ));
        }
        let mut released = vec![];
        for (session, title) in off {
            if seats::leave(conn, ctx, &r, session, now)? {
                released.push(title);
            }
        }
        drop_choices_off(conn, &r, &sorted)?;
        audit::record(
            conn,
            Actor::Participant,
            AuditEvent {
                congress_id: Some(r.congress_id),
                kind: "registration.days",
                entity: "registration",
                entity_id: Some(id.get()),
                before: Some(serde_json::json!({ "days": r.days_attending })),
                after: Some(serde_json::json!({ "days": text, "released": released.len() })),
            },
        )?;
        Ok(DaysChange::Saved { released })
    })
}

/// Drops the person's choices in blocks not yet allocated whose sessions lie on a day they no
/// longer attend (the allocation would otherwise seat them there).
fn drop_choices_off(
    conn: &mut DbConnection,
    r: &rows::Registration,
    days: &[NaiveDate],
) -> Result<(), ServiceError> {
    let chosen: Vec<(crate::domain::SlotGroupId, Option<NaiveDateTime>)> = preferences::table
        .inner_join(sessions::table)
        .inner_join(slot_groups::table)
        .filter(preferences::registration_id.eq(r.id))
        .filter(slot_groups::allocated_at.is_null())
        .select((preferences::slot_group_id, sessions::starts_at))
        .load(conn)?;
    for (group, start) in chosen {
        if !attends(days, seats::session_day(conn, r.congress_id, start)?) {
            diesel::delete(
                preferences::table
                    .filter(preferences::registration_id.eq(r.id))
                    .filter(preferences::slot_group_id.eq(group)),
            )
            .execute(conn)?;
        }
    }
    Ok(())
}

/// Every seat or waiting-list place of the congress held on a day its holder does not attend
/// (two queries).
pub fn off_day_seats(
    conn: &mut DbConnection,
    congress: CongressId,
) -> Result<Vec<OffDaySeat>, ServiceError> {
    let tz: String = congresses::table
        .find(congress)
        .select(congresses::time_zone)
        .first(conn)?;
    let tz = crate::domain::time::parse_time_zone(&tz).unwrap_or(chrono_tz::UTC);
    type Row = (
        RegistrationId,
        String,
        String,
        String,
        SessionId,
        String,
        Option<NaiveDateTime>,
        EnrollmentStatus,
    );
    let rows: Vec<Row> = enrollments::table
        .inner_join(sessions::table)
        .inner_join(registrations::table)
        .filter(sessions::congress_id.eq(congress))
        .filter(enrollments::status.ne(EnrollmentStatus::Cancelled))
        .filter(registrations::days_attending.ne(""))
        .order((
            sessions::starts_at,
            sessions::title,
            registrations::last_name,
        ))
        .select((
            registrations::id,
            registrations::first_name,
            registrations::last_name,
            registrations::days_attending,
            sessions::id,
            sessions::title,
            sessions::starts_at,
            enrollments::status,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(rid, first, last, days, sid, title, start, status)| {
            let day = crate::domain::local_date_of(tz, start?.and_utc());
            let days = parse_days(&days);
            (!attends(&days, Some(day))).then(|| OffDaySeat {
                registration: rid,
                name: format!("{first} {last}"),
                days,
                session: sid,
                title,
                day,
                status,
            })
        })
        .collect())
}

/// Releases one seat (or waiting-list place) held on a day not attended, from the repair view:
/// the next in line moves up and is told. `false` when there was nothing to release (any more):
/// a repeated click changes nothing.
pub fn release_off_day(
    conn: &mut DbConnection,
    ctx: &Ctx,
    congress: CongressId,
    registration: RegistrationId,
    session: SessionId,
    organizer: OrganizerId,
    now: NaiveDateTime,
) -> Result<bool, ServiceError> {
    write_retrying(conn, |conn| {
        let r = match load_locked(conn, registration) {
            Err(diesel::result::Error::NotFound) => return Err(ServiceError::NotFound),
            other => other?,
        };
        if r.congress_id != congress {
            return Err(ServiceError::NotFound);
        }
        let off = held_off(conn, &r, &parse_days(&r.days_attending))?;
        if !off.iter().any(|(s, _)| *s == session) {
            return Ok(false);
        }
        let released = seats::leave(conn, ctx, &r, session, now)?;
        if released {
            audit::record(
                conn,
                Actor::Organizer(organizer),
                AuditEvent {
                    congress_id: Some(congress),
                    kind: "enrollment.released_off_day",
                    entity: "registration",
                    entity_id: Some(registration.get()),
                    before: Some(serde_json::json!({ "session_id": session })),
                    after: None,
                },
            )?;
        }
        Ok(released)
    })
}
