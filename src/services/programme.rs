//! The public read model: the latest published version of a congress's programme, parsed once
//! and shared from memory until the next publish (SPEC §9). The cache is keyed by version
//! number, so several instances stay correct without talking to each other: each asks the
//! database for the latest number (one small query) and reloads only when it moved.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;

use super::ServiceError;
use crate::db::schema::{congresses, schedule_versions, sessions};
use crate::db::DbConnection;
use crate::domain::programme::{ProgrammeSnapshot, SnapshotSession};
use crate::domain::time::{local_date_of, parse_time_zone};
use crate::domain::{RoomId, SessionId, SpeakerId, TrackId};

/// One published version with lookup tables built once.
pub struct PublishedProgramme {
    pub number: i32,
    pub published_at: NaiveDateTime,
    pub snapshot: ProgrammeSnapshot,
    pub tz: Tz,
    room_index: HashMap<RoomId, usize>,
    track_index: HashMap<TrackId, usize>,
    speaker_index: HashMap<SpeakerId, usize>,
    session_index: HashMap<SessionId, usize>,
    sessions_by_speaker: HashMap<SpeakerId, Vec<usize>>,
    /// The congress days that have sessions or are congress days, in order.
    pub days: Vec<NaiveDate>,
    /// schedule.xml/json/ics of this version, rendered on first request.
    pub exports: super::exports::Rendered,
}

impl PublishedProgramme {
    pub fn new(number: i32, published_at: NaiveDateTime, snapshot: ProgrammeSnapshot) -> Self {
        let tz = parse_time_zone(&snapshot.congress.time_zone).unwrap_or(chrono_tz::UTC);
        let room_index = snapshot
            .rooms
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id, i))
            .collect();
        let track_index = snapshot
            .tracks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id, i))
            .collect();
        let speaker_index = snapshot
            .speakers
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id, i))
            .collect();
        let session_index = snapshot
            .sessions
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id, i))
            .collect();
        let mut sessions_by_speaker: HashMap<SpeakerId, Vec<usize>> = HashMap::new();
        for (i, s) in snapshot.sessions.iter().enumerate() {
            for r in &s.speakers {
                sessions_by_speaker.entry(r.speaker_id).or_default().push(i);
            }
        }
        let mut days: Vec<NaiveDate> = snapshot.days.iter().map(|d| d.date).collect();
        for s in &snapshot.sessions {
            let d = local_date_of(tz, s.start);
            if !days.contains(&d) {
                days.push(d);
            }
        }
        days.sort();
        PublishedProgramme {
            number,
            published_at,
            snapshot,
            tz,
            room_index,
            track_index,
            speaker_index,
            session_index,
            sessions_by_speaker,
            days,
            exports: Default::default(),
        }
    }

    pub fn room(&self, id: RoomId) -> Option<&crate::domain::programme::SnapshotRoom> {
        self.room_index.get(&id).map(|&i| &self.snapshot.rooms[i])
    }

    pub fn room_position(&self, id: RoomId) -> Option<usize> {
        self.room_index.get(&id).copied()
    }

    pub fn track(&self, id: TrackId) -> Option<&crate::domain::programme::SnapshotTrack> {
        self.track_index.get(&id).map(|&i| &self.snapshot.tracks[i])
    }

    pub fn speaker(&self, id: SpeakerId) -> Option<&crate::domain::programme::SnapshotSpeaker> {
        self.speaker_index
            .get(&id)
            .map(|&i| &self.snapshot.speakers[i])
    }

    pub fn session(&self, id: SessionId) -> Option<&SnapshotSession> {
        self.session_index
            .get(&id)
            .map(|&i| &self.snapshot.sessions[i])
    }

    pub fn sessions_of(&self, speaker: SpeakerId) -> impl Iterator<Item = &SnapshotSession> {
        self.sessions_by_speaker
            .get(&speaker)
            .into_iter()
            .flatten()
            .map(|&i| &self.snapshot.sessions[i])
    }

    pub fn local_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        local_date_of(self.tz, instant)
    }
}

/// Parsed versions shared by all requests of this instance.
#[derive(Default)]
pub struct ProgrammeCache {
    by_congress: RwLock<HashMap<i64, Arc<PublishedProgramme>>>,
}

impl ProgrammeCache {
    fn get(&self, congress_id: i64, number: i32) -> Option<Arc<PublishedProgramme>> {
        let map = self.by_congress.read().unwrap_or_else(|e| e.into_inner());
        map.get(&congress_id)
            .filter(|p| p.number == number)
            .cloned()
    }

    fn put(&self, congress_id: i64, p: Arc<PublishedProgramme>) {
        let mut map = self.by_congress.write().unwrap_or_else(|e| e.into_inner());
        // Never replace a newer version with an older one loaded by a slower request.
        if map
            .get(&congress_id)
            .is_none_or(|old| old.number < p.number)
        {
            map.insert(congress_id, p);
        }
    }
}

/// The latest published programme of the congress with this slug: one query when cached,
/// two when the version moved. `None` when the slug is unknown or nothing is published.
pub fn latest_by_slug(
    conn: &mut DbConnection,
    cache: &ProgrammeCache,
    slug: &str,
) -> Result<Option<Arc<PublishedProgramme>>, ServiceError> {
    let head: Option<(i64, i32)> = schedule_versions::table
        .inner_join(congresses::table)
        .filter(congresses::slug.eq(slug))
        .filter(congresses::status.ne("draft"))
        .order(schedule_versions::number.desc())
        .select((congresses::id, schedule_versions::number))
        .first(conn)
        .optional()?;
    let Some((congress_id, number)) = head else {
        return Ok(None);
    };
    load_version(conn, cache, congress_id, number).map(Some)
}

/// The latest published programme of a congress by id (for emails written inside a
/// transaction); `None` when nothing is published.
pub fn latest_by_id(
    conn: &mut DbConnection,
    cache: &ProgrammeCache,
    congress_id: i64,
) -> Result<Option<Arc<PublishedProgramme>>, ServiceError> {
    let number: Option<i32> = schedule_versions::table
        .filter(schedule_versions::congress_id.eq(congress_id))
        .order(schedule_versions::number.desc())
        .select(schedule_versions::number)
        .first(conn)
        .optional()?;
    match number {
        Some(n) => load_version(conn, cache, congress_id, n).map(Some),
        None => Ok(None),
    }
}

fn load_version(
    conn: &mut DbConnection,
    cache: &ProgrammeCache,
    congress_id: i64,
    number: i32,
) -> Result<Arc<PublishedProgramme>, ServiceError> {
    if let Some(p) = cache.get(congress_id, number) {
        return Ok(p);
    }
    let (published_at, json): (NaiveDateTime, String) = schedule_versions::table
        .filter(schedule_versions::congress_id.eq(congress_id))
        .filter(schedule_versions::number.eq(number))
        .select((schedule_versions::published_at, schedule_versions::snapshot))
        .first(conn)?;
    let snapshot: ProgrammeSnapshot = serde_json::from_str(&json)
        .map_err(|e| ServiceError::Internal(format!("snapshot {congress_id}/{number}: {e}")))?;
    let p = Arc::new(PublishedProgramme::new(number, published_at, snapshot));
    cache.put(congress_id, p.clone());
    Ok(p)
}

/// Live seat counts of a session that takes enrollments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeatCount {
    pub enrolled: i32,
    pub waitlisted: i32,
}

/// Seat counts of every session of the congress (one query), read fresh: they change with
/// every enrollment, unlike the published programme.
pub fn live_counts(
    conn: &mut DbConnection,
    congress_id: i64,
) -> Result<HashMap<SessionId, SeatCount>, ServiceError> {
    let rows: Vec<(i64, i32, i32)> = sessions::table
        .filter(sessions::congress_id.eq(congress_id))
        .filter(
            sessions::enrolled_count
                .gt(0)
                .or(sessions::waitlisted_count.gt(0))
                .or(sessions::capacity.is_not_null()),
        )
        .select((
            sessions::id,
            sessions::enrolled_count,
            sessions::waitlisted_count,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, enrolled, waitlisted)| {
            (
                SessionId::from(id),
                SeatCount {
                    enrolled,
                    waitlisted,
                },
            )
        })
        .collect())
}

/// Seat count of one session.
pub fn live_count(conn: &mut DbConnection, session: SessionId) -> Result<SeatCount, ServiceError> {
    let row: Option<(i32, i32)> = sessions::table
        .find(session.get())
        .select((sessions::enrolled_count, sessions::waitlisted_count))
        .first(conn)
        .optional()?;
    Ok(row
        .map(|(enrolled, waitlisted)| SeatCount {
            enrolled,
            waitlisted,
        })
        .unwrap_or_default())
}

/// A published congress as listed on `/` and in the API.
#[derive(Debug, Clone)]
pub struct CongressSummary {
    pub slug: String,
    pub title: String,
    pub subtitle: String,
    pub venue_name: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub time_zone: String,
}

/// Published congresses, soonest first (one query).
pub fn published_congresses(conn: &mut DbConnection) -> Result<Vec<CongressSummary>, ServiceError> {
    let rows: Vec<(String, String, String, String, NaiveDate, NaiveDate, String)> =
        congresses::table
            .filter(congresses::status.eq("published"))
            .order((congresses::first_day, congresses::slug))
            .select((
                congresses::slug,
                congresses::title,
                congresses::subtitle,
                congresses::venue_name,
                congresses::first_day,
                congresses::last_day,
                congresses::time_zone,
            ))
            .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(slug, title, subtitle, venue_name, first_day, last_day, time_zone)| CongressSummary {
                slug,
                title,
                subtitle,
                venue_name,
                first_day,
                last_day,
                time_zone,
            },
        )
        .collect())
}

/// The live congress row for its home page (registration window, status).
pub fn congress_by_slug(
    conn: &mut DbConnection,
    slug: &str,
) -> Result<Option<crate::db::rows::Congress>, ServiceError> {
    Ok(congresses::table
        .filter(congresses::slug.eq(slug))
        .select(crate::db::rows::Congress::as_select())
        .first(conn)
        .optional()?)
}
