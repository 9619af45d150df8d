//! One published version of a programme with lookup tables built once: the read model every
//! public page, export and agenda is computed from. Pure data; the services load it and keep
//! it in memory until the next publish.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::ids::{RoomId, SessionId, SpeakerId, TrackId};
use super::programme::{ProgrammeSnapshot, SnapshotSession};
use super::time::{local_date_of, parse_time_zone};

/// Memo cells for rendered exports of one version, one per export format (numbered by the
/// formats registry): a version never changes, so each export is rendered once per instance.
#[derive(Default)]
pub struct ExportCache {
    cells: [OnceLock<bytes::Bytes>; ExportCache::CELLS],
}

impl ExportCache {
    /// How many formats a version can keep rendered.
    pub const CELLS: usize = 8;

    /// The export in cell `i`, rendered by `render` on first use.
    pub fn get_or_render(&self, i: usize, render: impl FnOnce() -> bytes::Bytes) -> bytes::Bytes {
        self.cells[i].get_or_init(render).clone()
    }
}

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
    /// The exports of this version, rendered on first request (see `crate::formats`).
    pub exports: ExportCache,
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

    pub fn room(&self, id: RoomId) -> Option<&super::programme::SnapshotRoom> {
        self.room_index.get(&id).map(|&i| &self.snapshot.rooms[i])
    }

    pub fn room_position(&self, id: RoomId) -> Option<usize> {
        self.room_index.get(&id).copied()
    }

    pub fn track(&self, id: TrackId) -> Option<&super::programme::SnapshotTrack> {
        self.track_index.get(&id).map(|&i| &self.snapshot.tracks[i])
    }

    pub fn speaker(&self, id: SpeakerId) -> Option<&super::programme::SnapshotSpeaker> {
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
