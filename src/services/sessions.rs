//! Sessions of a congress: content, speakers with roles, cancel/reinstate/delete, and placing
//! them in the schedule with the conflict rules of SPEC §2 rule 4.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, Actor};
use super::{new_guid, now_utc, ServiceError};
use crate::db::rows::{self, NewSession, SessionSpeaker};
use crate::db::schema::{
    congresses, enrollments, rooms, session_speakers, sessions, speakers, tracks,
};
use crate::db::{write_transaction, DbConnection};
use crate::domain::conflicts::{
    check_placement, participant_overlaps, Conflict, ConflictReport, Placement, Severity,
};
use crate::domain::programme::{SessionKind, SpeakerRole};
use crate::domain::time::{congress_window_utc, parse_time_zone, TimeRange};
use crate::domain::CongressId;
use crate::domain::TrackId;
use crate::domain::{EnrollmentStatus, SessionStatus};
use crate::domain::{RoomId, SessionId, SlotGroupId, SpeakerId};
use crate::services::registration::{self, RaisedCapacity};
use crate::services::Ctx;

/// A session's content as entered.
#[derive(Debug, Clone, Serialize)]
pub struct SessionInput {
    pub title: String,
    pub subtitle: String,
    pub abstract_: String,
    pub description: String,
    pub kind: SessionKind,
    pub language: String,
    pub track_id: Option<TrackId>,
    pub capacity: Option<i32>,
    /// The workshop block it belongs to (`services::blocks`).
    pub block: Option<SlotGroupId>,
    /// In order of appearance.
    pub speakers: Vec<(SpeakerId, SpeakerRole)>,
}

/// A session as listed in the back office.
#[derive(Debug, Clone)]
pub struct SessionSummary {
    pub row: rows::Session,
    pub room: Option<String>,
    pub track: Option<String>,
    /// (speaker id, name, role)
    pub speakers: Vec<(SpeakerId, String, String)>,
}

fn session_row(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SessionId,
) -> Result<rows::Session, ServiceError> {
    sessions::table
        .filter(sessions::congress_id.eq(congress))
        .filter(sessions::id.eq(id))
        .select(rows::Session::as_select())
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)
}

fn snapshot_of(s: &rows::Session, speakers: &[(i64, String)]) -> serde_json::Value {
    serde_json::json!({
        "title": s.title, "kind": s.kind, "language": s.language, "track_id": s.track_id,
        "room_id": s.room_id, "starts_at": s.starts_at, "ends_at": s.ends_at,
        "slot_group_id": s.slot_group_id,
        "status": s.status, "capacity": s.capacity, "speakers": speakers,
    })
}

fn speakers_of_session(conn: &mut DbConnection, id: SessionId) -> QueryResult<Vec<(i64, String)>> {
    session_speakers::table
        .filter(session_speakers::session_id.eq(id))
        .order(session_speakers::position)
        .select((session_speakers::speaker_id, session_speakers::role))
        .load(conn)
}

/// All sessions of a congress with room, track and speakers, in a fixed number of queries.
pub fn list(
    conn: &mut DbConnection,
    congress: CongressId,
) -> Result<Vec<SessionSummary>, ServiceError> {
    let rows: Vec<rows::Session> = sessions::table
        .filter(sessions::congress_id.eq(congress))
        .order((sessions::starts_at.asc(), sessions::title))
        .select(rows::Session::as_select())
        .load(conn)?;
    let room_names: HashMap<RoomId, String> = rooms::table
        .filter(rooms::congress_id.eq(congress))
        .select((rooms::id, rooms::name))
        .load::<(RoomId, String)>(conn)?
        .into_iter()
        .collect();
    let track_names: HashMap<TrackId, String> = tracks::table
        .filter(tracks::congress_id.eq(congress))
        .select((tracks::id, tracks::name))
        .load::<(TrackId, String)>(conn)?
        .into_iter()
        .collect();
    let links: Vec<(SessionId, SpeakerId, String, String)> = session_speakers::table
        .inner_join(speakers::table)
        .filter(speakers::congress_id.eq(congress))
        .order((session_speakers::session_id, session_speakers::position))
        .select((
            session_speakers::session_id,
            speakers::id,
            speakers::name,
            session_speakers::role,
        ))
        .load(conn)?;
    let mut by_session: HashMap<SessionId, Vec<(SpeakerId, String, String)>> = HashMap::new();
    for (sid, spid, name, role) in links {
        by_session.entry(sid).or_default().push((spid, name, role));
    }
    Ok(rows
        .into_iter()
        .map(|row| SessionSummary {
            room: row.room_id.and_then(|r| room_names.get(&r).cloned()),
            track: row.track_id.and_then(|t| track_names.get(&t).cloned()),
            speakers: by_session.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// One session with its speakers (for the edit form).
pub fn get(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SessionId,
) -> Result<(rows::Session, Vec<(i64, String)>), ServiceError> {
    let row = session_row(conn, congress, id)?;
    let sp = speakers_of_session(conn, id)?;
    Ok((row, sp))
}

fn check_refs(
    conn: &mut DbConnection,
    congress: CongressId,
    s: &SessionInput,
) -> Result<(), ServiceError> {
    if let Some(t) = s.track_id {
        let n: i64 = tracks::table
            .filter(tracks::id.eq(t))
            .filter(tracks::congress_id.eq(congress))
            .count()
            .get_result(conn)?;
        if n == 0 {
            return Err(ServiceError::invalid("track", "unknown"));
        }
    }
    let ids: Vec<SpeakerId> = s.speakers.iter().map(|(id, _)| *id).collect();
    let known: i64 = speakers::table
        .filter(speakers::id.eq_any(&ids))
        .filter(speakers::congress_id.eq(congress))
        .count()
        .get_result(conn)?;
    if known as usize != ids.len() {
        return Err(ServiceError::invalid("speakers", "unknown"));
    }
    Ok(())
}

fn write_speakers(conn: &mut DbConnection, id: SessionId, s: &SessionInput) -> QueryResult<()> {
    // Confirmations survive an edit for people who stay on the session.
    let old: HashMap<SpeakerId, String> = session_speakers::table
        .filter(session_speakers::session_id.eq(id))
        .select((session_speakers::speaker_id, session_speakers::confirmation))
        .load::<(SpeakerId, String)>(conn)?
        .into_iter()
        .collect();
    diesel::delete(session_speakers::table.filter(session_speakers::session_id.eq(id)))
        .execute(conn)?;
    for (pos, (speaker, role)) in s.speakers.iter().enumerate() {
        diesel::insert_into(session_speakers::table)
            .values(SessionSpeaker {
                session_id: id,
                speaker_id: *speaker,
                role: role.as_str().to_string(),
                position: pos as i32,
                confirmation: old
                    .get(speaker)
                    .cloned()
                    .unwrap_or_else(|| "unconfirmed".into()),
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Creates an unscheduled (draft) session.
pub fn create(
    conn: &mut DbConnection,
    congress: CongressId,
    s: &SessionInput,
    actor: Actor,
) -> Result<SessionId, ServiceError> {
    write_transaction(conn, |conn| {
        check_refs(conn, congress, s)?;
        let now = now_utc();
        let guid = new_guid();
        let id: SessionId = diesel::insert_into(sessions::table)
            .values(NewSession {
                congress_id: congress,
                guid: &guid,
                title: &s.title,
                subtitle: &s.subtitle,
                abstract_: &s.abstract_,
                description: &s.description,
                kind: s.kind,
                language: &s.language,
                track_id: s.track_id,
                room_id: None,
                slot_group_id: None,
                starts_at: None,
                ends_at: None,
                status: SessionStatus::Draft,
                capacity: s.capacity,
                created_at: now,
                updated_at: now,
            })
            .returning(sessions::id)
            .get_result(conn)?;
        write_speakers(conn, id, s)?;
        super::blocks::set_block_in(conn, congress, id, s.block)?;
        audit::change(
            conn,
            actor,
            congress,
            "session.created",
            id,
            None,
            serde_json::to_value(s).ok(),
        )?;
        Ok(id)
    })
}

/// Changes a session's content. A scheduled session keeps its slot; adding a speaker who is
/// elsewhere at that time is refused like a move would be.
pub fn update(
    conn: &mut DbConnection,
    mail: &Ctx,
    congress: CongressId,
    id: SessionId,
    s: &SessionInput,
    actor: Actor,
) -> Result<Vec<Conflict>, ServiceError> {
    write_transaction(conn, |conn| {
        check_refs(conn, congress, s)?;
        let before = session_row(conn, congress, id)?;
        let before_speakers = speakers_of_session(conn, id)?;
        if before.capacity.is_some() && s.capacity.is_some_and(|c| c < before.enrolled_count) {
            return Err(ServiceError::invalid(
                "capacity",
                before.enrolled_count.to_string(),
            ));
        }
        diesel::update(sessions::table.find(id))
            .set((
                sessions::title.eq(&s.title),
                sessions::subtitle.eq(&s.subtitle),
                sessions::abstract_.eq(&s.abstract_),
                sessions::description.eq(&s.description),
                sessions::kind.eq(s.kind),
                sessions::language.eq(&s.language),
                sessions::track_id.eq(s.track_id),
                sessions::capacity.eq(s.capacity),
                sessions::updated_at.eq(now_utc()),
            ))
            .execute(conn)?;
        write_speakers(conn, id, s)?;
        super::blocks::set_block_in(conn, congress, id, s.block)?;
        let mut warnings = vec![];
        if before.status == SessionStatus::Scheduled {
            if let (Some(start), Some(end)) = (before.starts_at, before.ends_at) {
                warnings = check(conn, congress, id, before.room_id, start, end)?;
            }
        }
        // More seats let the first waiting people in at once (SPEC §2 rule 2).
        registration::promote_after_capacity_change(
            conn,
            mail,
            RaisedCapacity::Session(id),
            now_utc(),
        )?;
        audit::change(
            conn,
            actor,
            congress,
            "session.updated",
            id,
            Some(snapshot_of(&before, &before_speakers)),
            serde_json::to_value(s).ok(),
        )?;
        Ok(warnings)
    })
}

/// Cancels a session; it keeps its slot so the public programme can show it struck through.
pub fn cancel(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SessionId,
    actor: Actor,
) -> Result<(), ServiceError> {
    set_status(conn, congress, id, actor, true)
}

/// Brings a cancelled session back (scheduled if it has a slot that is still free).
pub fn reinstate(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SessionId,
    actor: Actor,
) -> Result<(), ServiceError> {
    set_status(conn, congress, id, actor, false)
}

fn set_status(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SessionId,
    actor: Actor,
    cancel: bool,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before = session_row(conn, congress, id)?;
        let status = if cancel {
            SessionStatus::Cancelled
        } else if let (Some(start), Some(end)) = (before.starts_at, before.ends_at) {
            check(conn, congress, id, before.room_id, start, end)?;
            SessionStatus::Scheduled
        } else {
            SessionStatus::Draft
        };
        // Compare-and-set on the status read: of two identical clicks one changes the row, the
        // other finds it changed and records nothing.
        let changed = diesel::update(
            sessions::table
                .find(id)
                .filter(sessions::status.eq(before.status)),
        )
        .set((
            sessions::status.eq(status),
            sessions::updated_at.eq(now_utc()),
        ))
        .execute(conn)?;
        if changed != 1 || before.status == status {
            return Ok(());
        }
        let kind = if cancel {
            "session.cancelled"
        } else {
            "session.reinstated"
        };
        audit::change(
            conn,
            actor,
            congress,
            kind,
            id,
            Some(serde_json::json!({"status": before.status})),
            Some(serde_json::json!({"status": status})),
        )?;
        Ok(())
    })
}

/// Deletes a session that nobody is enrolled in or waiting for.
pub fn delete(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SessionId,
    actor: Actor,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before = session_row(conn, congress, id)?;
        let held: i64 = enrollments::table
            .filter(enrollments::session_id.eq(id))
            .filter(enrollments::status.ne(EnrollmentStatus::Cancelled))
            .count()
            .get_result(conn)?;
        if held > 0 {
            return Err(ServiceError::Conflict("in use".into()));
        }
        let sp = speakers_of_session(conn, id)?;
        diesel::delete(sessions::table.find(id)).execute(conn)?;
        audit::change(
            conn,
            actor,
            congress,
            "session.deleted",
            id,
            Some(snapshot_of(&before, &sp)),
            None,
        )?;
        Ok(())
    })
}

/// id, title, room, start, end, capacity
type PlacementRow = (
    i64,
    String,
    Option<i64>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<i32>,
);

/// Placements of all scheduled sessions of a congress (the input of the conflict rules).
pub fn placements(conn: &mut DbConnection, congress: CongressId) -> QueryResult<Vec<Placement>> {
    let rows: Vec<PlacementRow> = sessions::table
        .filter(sessions::congress_id.eq(congress))
        .filter(sessions::status.eq(SessionStatus::Scheduled))
        .filter(sessions::starts_at.is_not_null())
        .select((
            sessions::id,
            sessions::title,
            sessions::room_id,
            sessions::starts_at,
            sessions::ends_at,
            sessions::capacity,
        ))
        .load(conn)?;
    let room_caps: HashMap<i64, Option<i32>> = rooms::table
        .filter(rooms::congress_id.eq(congress))
        .select((rooms::id, rooms::capacity))
        .load::<(i64, Option<i32>)>(conn)?
        .into_iter()
        .collect();
    let links: Vec<(i64, i64)> = session_speakers::table
        .inner_join(sessions::table)
        .filter(sessions::congress_id.eq(congress))
        .filter(session_speakers::confirmation.ne("declined"))
        .select((session_speakers::session_id, session_speakers::speaker_id))
        .load(conn)?;
    let mut by_session: HashMap<i64, Vec<SpeakerId>> = HashMap::new();
    for (s, sp) in links {
        by_session.entry(s).or_default().push(SpeakerId::from(sp));
    }
    Ok(rows
        .into_iter()
        .filter_map(|(id, title, room, start, end, cap)| {
            let range = TimeRange::new(start?.and_utc(), end?.and_utc()).ok()?;
            Some(Placement {
                session: SessionId::from(id),
                title,
                room: room.map(RoomId::from),
                range,
                speakers: by_session.remove(&id).unwrap_or_default(),
                enrollment_capacity: cap,
                room_capacity: room.and_then(|r| room_caps.get(&r).copied().flatten()),
            })
        })
        .collect())
}

/// The congress days as one UTC window.
pub fn window(
    conn: &mut DbConnection,
    congress: CongressId,
) -> Result<(chrono_tz::Tz, Option<TimeRange>), ServiceError> {
    let (tz, first, last): (String, chrono::NaiveDate, chrono::NaiveDate) = congresses::table
        .find(congress)
        .select((
            congresses::time_zone,
            congresses::first_day,
            congresses::last_day,
        ))
        .first(conn)?;
    let tz = parse_time_zone(&tz).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok((tz, congress_window_utc(tz, first, last)))
}

/// Runs the rules for `id` at (room, start, end): errors refuse (as `ServiceError::Conflict`
/// carrying nothing; the caller gets them from `check_detailed`), warnings are returned.
fn check(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SessionId,
    room: Option<RoomId>,
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> Result<Vec<Conflict>, ServiceError> {
    let (errors, warnings) =
        check_detailed(conn, congress, id, room, start.and_utc(), end.and_utc())?;
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(ServiceError::Refused(errors))
    }
}

/// Errors and warnings of placing session `id` in `room` from `start` to `end`.
pub fn check_detailed(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SessionId,
    room: Option<RoomId>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<(Vec<Conflict>, Vec<Conflict>), ServiceError> {
    let range =
        TimeRange::new(start, end).map_err(|_| ServiceError::invalid("end", "not after start"))?;
    let all = placements(conn, congress)?;
    let (_, window) = window(conn, congress)?;
    let row = session_row(conn, congress, id)?;
    let speakers: Vec<SpeakerId> = speakers_of_session(conn, id)?
        .into_iter()
        .map(|(s, _)| SpeakerId::from(s))
        .collect();
    let room_capacity: Option<i32> = match room {
        Some(r) => rooms::table
            .filter(rooms::id.eq(r))
            .filter(rooms::congress_id.eq(congress))
            .select(rooms::capacity)
            .first::<Option<i32>>(conn)
            .optional()?
            .ok_or_else(|| ServiceError::invalid("room", "unknown"))?,
        None => None,
    };
    let candidate = Placement {
        session: id,
        title: row.title.clone(),
        room,
        range,
        speakers,
        enrollment_capacity: row.capacity,
        room_capacity,
    };
    let window = window.unwrap_or(range);
    let mut conflicts = check_placement(&candidate, &all, &window);
    // Participants enrolled here who hold another overlapping session.
    let shared = shared_participants(conn, id)?;
    conflicts.extend(participant_overlaps(&candidate, &all, |other| {
        shared.get(&other.get()).copied().unwrap_or(0)
    }));
    let (errors, warnings): (Vec<_>, Vec<_>) = conflicts
        .into_iter()
        .partition(|c| c.severity() == Severity::Error);
    Ok((errors, warnings))
}

/// For each other session: how many participants enrolled in `id` are also enrolled there.
fn shared_participants(conn: &mut DbConnection, id: SessionId) -> QueryResult<HashMap<i64, usize>> {
    let mine: Vec<i64> = enrollments::table
        .filter(enrollments::session_id.eq(id))
        .filter(enrollments::status.eq(EnrollmentStatus::Enrolled))
        .select(enrollments::registration_id)
        .load(conn)?;
    if mine.is_empty() {
        return Ok(HashMap::new());
    }
    let others: Vec<i64> = enrollments::table
        .filter(enrollments::registration_id.eq_any(&mine))
        .filter(enrollments::status.eq(EnrollmentStatus::Enrolled))
        .filter(enrollments::session_id.ne(id))
        .select(enrollments::session_id)
        .load(conn)?;
    let mut counts = HashMap::new();
    for s in others {
        *counts.entry(s).or_insert(0) += 1;
    }
    Ok(counts)
}

/// Places (or moves, or resizes) a session. Errors refuse the save; warnings come back.
pub fn place(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SessionId,
    room: Option<RoomId>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    actor: Actor,
) -> Result<Vec<Conflict>, ServiceError> {
    write_transaction(conn, |conn| {
        let before = session_row(conn, congress, id)?;
        let (errors, warnings) = check_detailed(conn, congress, id, room, start, end)?;
        if !errors.is_empty() {
            return Err(ServiceError::Refused(errors));
        }
        let status = if before.status == SessionStatus::Cancelled {
            SessionStatus::Cancelled
        } else {
            SessionStatus::Scheduled
        };
        diesel::update(sessions::table.find(id))
            .set((
                sessions::room_id.eq(room),
                sessions::starts_at.eq(Some(start.naive_utc())),
                sessions::ends_at.eq(Some(end.naive_utc())),
                sessions::status.eq(status),
                sessions::updated_at.eq(now_utc()),
            ))
            .execute(conn)?;
        audit::change(
            conn,
            actor,
            congress,
            "session.scheduled",
            id,
            Some(
                serde_json::json!({"room_id": before.room_id, "starts_at": before.starts_at, "ends_at": before.ends_at}),
            ),
            Some(
                serde_json::json!({"room_id": room, "starts_at": start.naive_utc(), "ends_at": end.naive_utc()}),
            ),
        )?;
        Ok(warnings)
    })
}

/// Takes a session out of the schedule (back to draft).
pub fn unschedule(
    conn: &mut DbConnection,
    congress: CongressId,
    id: SessionId,
    actor: Actor,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let before = session_row(conn, congress, id)?;
        diesel::update(sessions::table.find(id))
            .set((
                sessions::starts_at.eq(None::<NaiveDateTime>),
                sessions::ends_at.eq(None::<NaiveDateTime>),
                sessions::room_id.eq(None::<i64>),
                sessions::status.eq(if before.status == SessionStatus::Cancelled {
                    SessionStatus::Cancelled
                } else {
                    SessionStatus::Draft
                }),
                sessions::updated_at.eq(now_utc()),
            ))
            .execute(conn)?;
        audit::change(
            conn,
            actor,
            congress,
            "session.unscheduled",
            id,
            Some(
                serde_json::json!({"room_id": before.room_id, "starts_at": before.starts_at, "ends_at": before.ends_at}),
            ),
            None,
        )?;
        Ok(())
    })
}

/// The bounded conflict report of a whole congress, as the dashboard and the schedule grid
/// show it: the rules of SPEC §2 rule 4 over all scheduled sessions, plus the warnings for
/// participants enrolled in two overlapping sessions. Lists at most `cap`; counts the rest.
///
/// `placements` are the congress's (from [`placements`]), passed in because the callers need
/// them too.
pub fn conflict_report(
    conn: &mut DbConnection,
    congress: CongressId,
    placements: &[Placement],
    cap: usize,
) -> Result<ConflictReport, ServiceError> {
    let (_, window) = window(conn, congress)?;
    let mut report = crate::domain::conflict_report(placements, window.as_ref(), cap);
    participant_conflicts(conn, congress, placements, &mut report)?;
    Ok(report)
}

/// Warnings of rule 4 for people enrolled in two sessions that overlap, for the whole congress
/// (one query over its enrollments), added to `report`. Each overlapping pair is reported for
/// both sessions.
pub fn participant_conflicts(
    conn: &mut DbConnection,
    congress: CongressId,
    placements: &[Placement],
    report: &mut ConflictReport,
) -> QueryResult<()> {
    let rows: Vec<(i64, i64)> = enrollments::table
        .inner_join(sessions::table)
        .filter(sessions::congress_id.eq(congress))
        .filter(enrollments::status.eq(EnrollmentStatus::Enrolled))
        .select((enrollments::registration_id, enrollments::session_id))
        .load(conn)?;
    let mut by_person: HashMap<i64, Vec<i64>> = HashMap::new();
    for (reg, session) in rows {
        by_person.entry(reg).or_default().push(session);
    }
    let mut pairs: HashMap<(i64, i64), usize> = HashMap::new();
    for sessions in by_person.values_mut() {
        sessions.sort_unstable();
        for (i, a) in sessions.iter().enumerate() {
            for b in &sessions[i + 1..] {
                *pairs.entry((*a, *b)).or_insert(0) += 1;
            }
        }
    }
    let by_id: HashMap<i64, &Placement> = placements.iter().map(|p| (p.session.get(), p)).collect();
    let mut keys: Vec<_> = pairs.into_iter().collect();
    keys.sort_unstable();
    for ((a, b), participants) in keys {
        let (Some(pa), Some(pb)) = (by_id.get(&a), by_id.get(&b)) else {
            continue;
        };
        if pa.range.overlaps(&pb.range) {
            report.add(
                pa.session,
                Conflict::ParticipantOverlap {
                    other: pb.session,
                    other_title: pb.title.clone(),
                    participants,
                },
            );
            report.add(
                pb.session,
                Conflict::ParticipantOverlap {
                    other: pa.session,
                    other_title: pa.title.clone(),
                    participants,
                },
            );
        }
    }
    Ok(())
}
