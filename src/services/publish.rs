//! Publishing: freeze the live programme into an immutable, numbered schedule version with its
//! changelog. Public pages and exports read only these versions.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::audit::{self, Actor, AuditEvent};
use super::{now_utc, ServiceError};
use crate::db::rows::{self, NewScheduleVersion};
use crate::db::schema::{
    congress_days, congresses, rooms, schedule_versions, session_speakers, sessions, speakers,
    tracks,
};
use crate::db::{write_transaction, DbConnection};
use crate::domain::programme::{
    carry_sequences, changelog, Change, ProgrammeSnapshot, SnapshotBlock, SnapshotCongress,
    SnapshotDay, SnapshotRole, SnapshotRoom, SnapshotSession, SnapshotSpeaker, SnapshotTrack,
    SpeakerRole,
};
use crate::domain::seats::effective_capacity;
use crate::domain::{CongressId, OrganizerId, RoomId, SessionId, SpeakerId};
use crate::domain::{CongressStatus, SessionStatus};

/// The result of a publish: the new version's number and what changed.
#[derive(Debug, Clone)]
pub struct Published {
    pub number: i32,
    pub changes: Vec<Change>,
    /// Links and digests queued (all zero when publishing without notifications).
    pub notified: super::notify::Notified,
}

/// Reads the live programme of a congress into a snapshot, in a fixed number of queries.
pub fn build_snapshot(
    conn: &mut DbConnection,
    congress_id: CongressId,
) -> Result<ProgrammeSnapshot, ServiceError> {
    let congress: rows::Congress = congresses::table
        .find(congress_id)
        .select(rows::Congress::as_select())
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound)?;
    let days: Vec<rows::CongressDay> = congress_days::table
        .filter(congress_days::congress_id.eq(congress_id))
        .order(congress_days::day)
        .select(rows::CongressDay::as_select())
        .load(conn)?;
    let room_rows: Vec<rows::Room> = rooms::table
        .filter(rooms::congress_id.eq(congress_id))
        .order((rooms::position, rooms::id))
        .select(rows::Room::as_select())
        .load(conn)?;
    let track_rows: Vec<rows::Track> = tracks::table
        .filter(tracks::congress_id.eq(congress_id))
        .order((tracks::position, tracks::id))
        .select(rows::Track::as_select())
        .load(conn)?;
    // Scheduled sessions, and cancelled ones that still have a slot (shown struck through).
    let session_rows: Vec<rows::Session> = sessions::table
        .filter(sessions::congress_id.eq(congress_id))
        .filter(sessions::status.eq_any([SessionStatus::Scheduled, SessionStatus::Cancelled]))
        .filter(sessions::starts_at.is_not_null())
        .order((sessions::starts_at, sessions::id))
        .select(rows::Session::as_select())
        .load(conn)?;
    let links: Vec<rows::SessionSpeaker> = session_speakers::table
        .inner_join(sessions::table)
        .filter(sessions::congress_id.eq(congress_id))
        .order((session_speakers::session_id, session_speakers::position))
        .select(rows::SessionSpeaker::as_select())
        .load(conn)?;
    let speaker_rows: Vec<rows::Speaker> = speakers::table
        .filter(speakers::congress_id.eq(congress_id))
        .order((speakers::name, speakers::id))
        .select(rows::Speaker::as_select())
        .load(conn)?;

    let room_position: std::collections::HashMap<RoomId, usize> = room_rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id, i))
        .collect();
    let room_capacity: std::collections::HashMap<RoomId, Option<i32>> =
        room_rows.iter().map(|r| (r.id, r.capacity)).collect();
    let mut by_session: std::collections::HashMap<SessionId, Vec<SnapshotRole>> =
        Default::default();
    for l in &links {
        if l.confirmation == "declined" {
            continue;
        }
        by_session
            .entry(l.session_id)
            .or_default()
            .push(SnapshotRole {
                speaker_id: l.speaker_id,
                role: SpeakerRole::parse(&l.role).unwrap_or(SpeakerRole::Speaker),
            });
    }
    let mut snapshot_sessions: Vec<SnapshotSession> = session_rows
        .into_iter()
        .filter_map(|s| {
            let (start, end) = (s.starts_at?, s.ends_at?);
            Some(SnapshotSession {
                sequence: 0,
                block: s.slot_group_id,
                id: s.id,
                speakers: by_session.remove(&s.id).unwrap_or_default(),
                guid: s.guid,
                title: s.title,
                subtitle: s.subtitle,
                abstract_: s.abstract_,
                description: s.description,
                kind: s.kind,
                language: s.language,
                track_id: s.track_id,
                room_id: s.room_id,
                start: DateTime::<Utc>::from_naive_utc_and_offset(start, Utc),
                end: DateTime::<Utc>::from_naive_utc_and_offset(end, Utc),
                cancelled: s.status == SessionStatus::Cancelled,
                capacity: s.capacity.map(|c| {
                    effective_capacity(
                        Some(c),
                        s.room_id
                            .and_then(|r| room_capacity.get(&r).copied().flatten()),
                    )
                    .unwrap_or(c)
                }),
            })
        })
        .collect();
    snapshot_sessions.sort_by_key(|s| {
        (
            s.start,
            s.room_id
                .and_then(|r| room_position.get(&r).copied())
                .unwrap_or(usize::MAX),
            s.id,
        )
    });
    let used: std::collections::HashSet<SpeakerId> = snapshot_sessions
        .iter()
        .flat_map(|s| s.speakers.iter().map(|r| r.speaker_id))
        .collect();

    Ok(ProgrammeSnapshot {
        congress: SnapshotCongress {
            id: congress.id,
            guid: congress.guid,
            slug: congress.slug,
            title: congress.title,
            subtitle: congress.subtitle,
            description: congress.description,
            venue_name: congress.venue_name,
            venue_address: congress.venue_address,
            time_zone: congress.time_zone,
            first_day: congress.first_day,
            last_day: congress.last_day,
            languages: congress
                .languages
                .split(',')
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect(),
        },
        days: days
            .into_iter()
            .map(|d| SnapshotDay {
                date: d.day,
                label: d.label,
                label_en: d.label_en,
            })
            .collect(),
        rooms: room_rows
            .into_iter()
            .map(|r| SnapshotRoom {
                id: r.id,
                guid: r.guid,
                name: r.name,
                capacity: r.capacity,
                accessibility_note: r.accessibility_note,
            })
            .collect(),
        tracks: track_rows
            .into_iter()
            .map(|t| SnapshotTrack {
                id: t.id,
                name: t.name,
                colour: t.colour,
            })
            .collect(),
        // Only people who appear in the programme are public.
        speakers: speaker_rows
            .into_iter()
            .filter(|s| used.contains(&s.id))
            .map(|s| SnapshotSpeaker {
                id: s.id,
                guid: s.guid,
                name: s.name,
                organization: s.organization,
                position: s.position,
                bio: s.bio,
            })
            .collect(),
        blocks: {
            let shown: std::collections::HashSet<crate::domain::SlotGroupId> =
                snapshot_sessions.iter().filter_map(|s| s.block).collect();
            crate::db::schema::slot_groups::table
                .filter(crate::db::schema::slot_groups::congress_id.eq(congress_id))
                .order((
                    crate::db::schema::slot_groups::day.asc(),
                    crate::db::schema::slot_groups::name,
                ))
                .select((
                    crate::db::schema::slot_groups::id,
                    crate::db::schema::slot_groups::name,
                    crate::db::schema::slot_groups::day,
                ))
                .load::<(
                    crate::domain::SlotGroupId,
                    String,
                    Option<chrono::NaiveDate>,
                )>(conn)?
                .into_iter()
                .filter(|(id, _, _)| shown.contains(id))
                .map(|(id, name, day)| SnapshotBlock { id, name, day })
                .collect()
        },
        sessions: snapshot_sessions,
    })
}

/// The latest published snapshot of a congress, if any.
pub fn latest_snapshot(
    conn: &mut DbConnection,
    congress_id: CongressId,
) -> Result<Option<(i32, ProgrammeSnapshot)>, ServiceError> {
    let row: Option<(i32, String)> = schedule_versions::table
        .filter(schedule_versions::congress_id.eq(congress_id))
        .order(schedule_versions::number.desc())
        .select((schedule_versions::number, schedule_versions::snapshot))
        .first(conn)
        .optional()?;
    match row {
        None => Ok(None),
        Some((n, json)) => {
            let snap = serde_json::from_str(&json)
                .map_err(|e| ServiceError::Internal(format!("snapshot of version {n}: {e}")))?;
            Ok(Some((n, snap)))
        }
    }
}

/// What publishing now would change, without publishing.
pub fn preview(
    conn: &mut DbConnection,
    congress_id: CongressId,
) -> Result<Vec<Change>, ServiceError> {
    let next = build_snapshot(conn, congress_id)?;
    let previous = latest_snapshot(conn, congress_id)?;
    Ok(changelog(previous.as_ref().map(|(_, s)| s), &next))
}

/// Publishes the live programme as the next version. Runs in one write transaction under the
/// congress's row lock; two organizers publishing at once get consecutive numbers (the unique
/// (congress, number) key is the backstop). With `notify`, the speakers' links and the change digests are queued in
/// the same transaction (rule 7); without it (tests, the demo's fictional people), nobody is
/// written to.
pub fn publish(
    conn: &mut DbConnection,
    congress_id: CongressId,
    actor: Actor,
    notify: Option<&super::Ctx>,
) -> Result<Published, ServiceError> {
    write_transaction(conn, |conn| {
        // Two publishes at once (a double-click, two organizers) take turns on PostgreSQL, so
        // the second reads the version the first wrote instead of writing the same number.
        crate::db::locks::lock_row(
            conn,
            crate::db::locks::Lockable::Congress,
            congress_id.get(),
        )?;
        let mut next = build_snapshot(conn, congress_id)?;
        let previous = latest_snapshot(conn, congress_id)?;
        let changes = changelog(previous.as_ref().map(|(_, s)| s), &next);
        carry_sequences(previous.as_ref().map(|(_, s)| s), &mut next, &changes);
        let number = previous.as_ref().map(|(n, _)| n + 1).unwrap_or(1);
        let snapshot_json =
            serde_json::to_string(&next).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let changelog_json =
            serde_json::to_string(&changes).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let now = now_utc();
        let organizer = match actor {
            Actor::Organizer(id) => Some(id),
            _ => None,
        };
        diesel::insert_into(schedule_versions::table)
            .values(NewScheduleVersion {
                congress_id,
                number,
                published_at: now,
                published_by: organizer.map(OrganizerId::get),
                changelog: &changelog_json,
                snapshot: &snapshot_json,
            })
            .execute(conn)?;
        diesel::update(congresses::table.find(congress_id))
            .filter(congresses::status.eq(CongressStatus::Draft))
            .set((
                congresses::status.eq(CongressStatus::Published),
                congresses::updated_at.eq(now),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            AuditEvent {
                congress_id: Some(congress_id),
                kind: "schedule.published",
                entity: "schedule_version",
                entity_id: Some(number as i64),
                before: previous
                    .as_ref()
                    .map(|(n, _)| serde_json::json!({ "version": n })),
                after: Some(serde_json::json!({ "version": number, "changes": changes.len() })),
            },
        )?;
        let notified = match notify {
            Some(ctx) => super::notify::after_publish(
                conn,
                ctx,
                previous.as_ref().map(|(_, s)| s),
                &next,
                number,
                &changes,
                now,
            )?,
            None => Default::default(),
        };
        Ok(Published {
            number,
            changes,
            notified,
        })
    })
}
