//! The published programme: the immutable snapshot a schedule version stores, and the changelog
//! between two snapshots. Public pages, exports and change digests are computed from these.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{CongressId, RoomId, SessionId, SlotGroupId, SpeakerId, TrackId};

/// Kinds of session (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    Keynote,
    Talk,
    Panel,
    Workshop,
    Break,
    Social,
    Other,
}

impl SessionKind {
    pub const ALL: [SessionKind; 7] = [
        SessionKind::Keynote,
        SessionKind::Talk,
        SessionKind::Panel,
        SessionKind::Workshop,
        SessionKind::Break,
        SessionKind::Social,
        SessionKind::Other,
    ];

    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Keynote => "keynote",
            SessionKind::Talk => "talk",
            SessionKind::Panel => "panel",
            SessionKind::Workshop => "workshop",
            SessionKind::Break => "break",
            SessionKind::Social => "social",
            SessionKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<SessionKind> {
        SessionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Roles of a person in a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeakerRole {
    Speaker,
    Moderator,
    Panelist,
}

impl SpeakerRole {
    pub fn as_str(self) -> &'static str {
        match self {
            SpeakerRole::Speaker => "speaker",
            SpeakerRole::Moderator => "moderator",
            SpeakerRole::Panelist => "panelist",
        }
    }

    pub fn parse(s: &str) -> Option<SpeakerRole> {
        match s {
            "speaker" => Some(SpeakerRole::Speaker),
            "moderator" => Some(SpeakerRole::Moderator),
            "panelist" => Some(SpeakerRole::Panelist),
            _ => None,
        }
    }
}

/// Where a session stands in the programme. Stored as text ([`SessionStatus::as_str`]); the
/// database's CHECK holds the same three names, and a scheduled session always has a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Being prepared; not in the programme.
    Draft,
    /// Has a time (and usually a room); in the next published version.
    Scheduled,
    /// Called off; stays in the published programme struck through if it had a slot.
    Cancelled,
}

impl SessionStatus {
    pub const ALL: [SessionStatus; 3] = [
        SessionStatus::Draft,
        SessionStatus::Scheduled,
        SessionStatus::Cancelled,
    ];

    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Draft => "draft",
            SessionStatus::Scheduled => "scheduled",
            SessionStatus::Cancelled => "cancelled",
        }
    }

    /// Reads a stored or sent name back; `None` for anything [`as_str`](Self::as_str) never
    /// writes.
    pub fn parse(s: &str) -> Option<SessionStatus> {
        SessionStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Where a congress stands: a draft is visible only in the back office, a published congress
/// has its public pages, an archived one keeps them read-only. Stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CongressStatus {
    Draft,
    Published,
    Archived,
}

impl CongressStatus {
    pub const ALL: [CongressStatus; 3] = [
        CongressStatus::Draft,
        CongressStatus::Published,
        CongressStatus::Archived,
    ];

    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            CongressStatus::Draft => "draft",
            CongressStatus::Published => "published",
            CongressStatus::Archived => "archived",
        }
    }

    /// Reads a stored or sent name back; `None` for anything else.
    pub fn parse(s: &str) -> Option<CongressStatus> {
        CongressStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

macro_rules! display_as_str {
    ($($name:ident),+) => {$(
        impl std::fmt::Display for $name {
            /// Writes the stored name, so logs, audit entries and the API match the database.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}

display_as_str!(SessionKind, SessionStatus, CongressStatus);

/// What the public sees of the congress itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotCongress {
    pub id: CongressId,
    pub guid: String,
    pub slug: String,
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub venue_name: String,
    pub venue_address: String,
    pub time_zone: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub languages: Vec<String>,
}

/// A congress day with its optional labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotDay {
    pub date: NaiveDate,
    pub label: String,
    pub label_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRoom {
    pub id: RoomId,
    pub guid: String,
    pub name: String,
    pub capacity: Option<i32>,
    pub accessibility_note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotTrack {
    pub id: TrackId,
    pub name: String,
    pub colour: String,
}

/// A speaker as shown publicly: never the email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotSpeaker {
    pub id: SpeakerId,
    pub guid: String,
    pub name: String,
    pub organization: String,
    pub position: String,
    pub bio: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRole {
    pub speaker_id: SpeakerId,
    pub role: SpeakerRole,
}

/// A session with its time: only scheduled (or cancelled after being scheduled) sessions are
/// in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotSession {
    pub id: SessionId,
    pub guid: String,
    pub title: String,
    pub subtitle: String,
    #[serde(rename = "abstract")]
    pub abstract_: String,
    pub description: String,
    pub kind: SessionKind,
    pub language: String,
    pub track_id: Option<TrackId>,
    pub room_id: Option<RoomId>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub cancelled: bool,
    /// Seats for enrollment: min(session capacity, room capacity), when it needs enrollment.
    pub capacity: Option<i32>,
    pub speakers: Vec<SnapshotRole>,
    /// The workshop block it belongs to (one of `ProgrammeSnapshot::blocks`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<SlotGroupId>,
    /// iCalendar SEQUENCE: how often the session changed in a published version since it
    /// first appeared (0 until then). Set by [`carry_sequences`] when publishing.
    #[serde(default)]
    pub sequence: u32,
}

/// The whole published programme; rooms, tracks and speakers in display order, sessions by
/// start time then room order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgrammeSnapshot {
    pub congress: SnapshotCongress,
    pub days: Vec<SnapshotDay>,
    pub rooms: Vec<SnapshotRoom>,
    pub tracks: Vec<SnapshotTrack>,
    pub speakers: Vec<SnapshotSpeaker>,
    pub sessions: Vec<SnapshotSession>,
    /// Workshop blocks: sessions in parallel of which a person attends one.
    #[serde(default)]
    pub blocks: Vec<SnapshotBlock>,
}

/// A workshop block as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotBlock {
    pub id: SlotGroupId,
    pub name: String,
    pub day: Option<NaiveDate>,
}

/// One line of a changelog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    Added {
        session: SessionId,
        title: String,
    },
    /// Time changed (maybe the room too).
    Moved {
        session: SessionId,
        title: String,
        old_start: DateTime<Utc>,
        old_end: DateTime<Utc>,
        new_start: DateTime<Utc>,
        new_end: DateTime<Utc>,
    },
    RoomChanged {
        session: SessionId,
        title: String,
        old_room: Option<String>,
        new_room: Option<String>,
    },
    Cancelled {
        session: SessionId,
        title: String,
    },
    /// Cancelled before and back in the programme now.
    Reinstated {
        session: SessionId,
        title: String,
    },
    Removed {
        session: SessionId,
        title: String,
    },
    Retitled {
        session: SessionId,
        old_title: String,
        new_title: String,
    },
    SpeakersChanged {
        session: SessionId,
        title: String,
    },
}

impl Change {
    /// The session the change is about.
    pub fn session(&self) -> SessionId {
        match self {
            Change::Added { session, .. }
            | Change::Moved { session, .. }
            | Change::RoomChanged { session, .. }
            | Change::Cancelled { session, .. }
            | Change::Reinstated { session, .. }
            | Change::Removed { session, .. }
            | Change::Retitled { session, .. }
            | Change::SpeakersChanged { session, .. } => *session,
        }
    }
}

/// Sets each session's SEQUENCE in `next`: the previous version's value, plus one when the
/// changelog has a line about the session (a new session starts at 0). Calendar apps then
/// replace exactly the events that changed.
pub fn carry_sequences(
    previous: Option<&ProgrammeSnapshot>,
    next: &mut ProgrammeSnapshot,
    changes: &[Change],
) {
    let old: BTreeMap<SessionId, u32> = previous
        .map(|p| p.sessions.iter().map(|s| (s.id, s.sequence)).collect())
        .unwrap_or_default();
    let changed: std::collections::BTreeSet<SessionId> =
        changes.iter().map(Change::session).collect();
    for s in &mut next.sessions {
        s.sequence = match old.get(&s.id) {
            Some(seq) if changed.contains(&s.id) => seq + 1,
            Some(seq) => *seq,
            None => 0,
        };
    }
}

/// What changed from `previous` (None for the first version) to `next`, sessions in the
/// order of `next` followed by removed ones. A session can contribute several lines.
pub fn changelog(previous: Option<&ProgrammeSnapshot>, next: &ProgrammeSnapshot) -> Vec<Change> {
    let room_name = |snap: &ProgrammeSnapshot, id: Option<RoomId>| {
        id.and_then(|id| snap.rooms.iter().find(|r| r.id == id))
            .map(|r| r.name.clone())
    };
    let old: BTreeMap<SessionId, &SnapshotSession> = previous
        .map(|p| p.sessions.iter().map(|s| (s.id, s)).collect())
        .unwrap_or_default();
    let mut changes = Vec::new();
    for s in &next.sessions {
        let Some(o) = old.get(&s.id) else {
            changes.push(if s.cancelled {
                Change::Cancelled {
                    session: s.id,
                    title: s.title.clone(),
                }
            } else {
                Change::Added {
                    session: s.id,
                    title: s.title.clone(),
                }
            });
            continue;
        };
        if s.cancelled && !o.cancelled {
            changes.push(Change::Cancelled {
                session: s.id,
                title: s.title.clone(),
            });
            continue;
        }
        if !s.cancelled && o.cancelled {
            changes.push(Change::Reinstated {
                session: s.id,
                title: s.title.clone(),
            });
        }
        if o.title != s.title {
            changes.push(Change::Retitled {
                session: s.id,
                old_title: o.title.clone(),
                new_title: s.title.clone(),
            });
        }
        if o.start != s.start || o.end != s.end {
            changes.push(Change::Moved {
                session: s.id,
                title: s.title.clone(),
                old_start: o.start,
                old_end: o.end,
                new_start: s.start,
                new_end: s.end,
            });
        }
        let (old_room, new_room) = (
            room_name(
                previous.expect("old session implies a previous snapshot"),
                o.room_id,
            ),
            room_name(next, s.room_id),
        );
        if o.room_id != s.room_id || old_room != new_room {
            changes.push(Change::RoomChanged {
                session: s.id,
                title: s.title.clone(),
                old_room,
                new_room,
            });
        }
        if o.speakers != s.speakers {
            changes.push(Change::SpeakersChanged {
                session: s.id,
                title: s.title.clone(),
            });
        }
    }
    if let Some(p) = previous {
        let present: std::collections::BTreeSet<SessionId> =
            next.sessions.iter().map(|s| s.id).collect();
        for o in &p.sessions {
            if !present.contains(&o.id) {
                changes.push(Change::Removed {
                    session: o.id,
                    title: o.title.clone(),
                });
            }
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, 20, h, m, 0).unwrap()
    }

    fn session(id: i64, room: i64, start: DateTime<Utc>, end: DateTime<Utc>) -> SnapshotSession {
        SnapshotSession {
            sequence: 0,
            id: SessionId::from(id),
            guid: format!("g{id}"),
            title: format!("Session {id}"),
            subtitle: String::new(),
            abstract_: String::new(),
            description: String::new(),
            kind: SessionKind::Talk,
            language: "de".into(),
            track_id: None,
            room_id: Some(RoomId::from(room)),
            start,
            end,
            cancelled: false,
            capacity: None,
            speakers: vec![],
            block: None,
        }
    }

    fn snap(sessions: Vec<SnapshotSession>) -> ProgrammeSnapshot {
        ProgrammeSnapshot {
            congress: SnapshotCongress {
                id: CongressId::from(1),
                guid: "c".into(),
                slug: "c".into(),
                title: "C".into(),
                subtitle: String::new(),
                description: String::new(),
                venue_name: String::new(),
                venue_address: String::new(),
                time_zone: "Europe/Berlin".into(),
                first_day: NaiveDate::from_ymd_opt(2027, 1, 20).unwrap(),
                last_day: NaiveDate::from_ymd_opt(2027, 1, 21).unwrap(),
                languages: vec!["de".into()],
            },
            days: vec![],
            rooms: (1..=3)
                .map(|i| SnapshotRoom {
                    id: RoomId::from(i),
                    guid: format!("r{i}"),
                    name: format!("Raum {i}"),
                    capacity: None,
                    accessibility_note: String::new(),
                })
                .collect(),
            tracks: vec![],
            speakers: vec![],
            sessions,
            blocks: vec![],
        }
    }

    #[test]
    fn sequences_rise_only_for_sessions_that_changed() {
        let v1 = {
            let mut v = snap(vec![
                session(1, 1, at(9, 0), at(10, 0)),
                session(2, 2, at(9, 0), at(10, 0)),
            ]);
            let changes = changelog(None, &v);
            carry_sequences(None, &mut v, &changes);
            v
        };
        assert!(v1.sessions.iter().all(|s| s.sequence == 0));
        let mut v2 = snap(vec![
            session(1, 1, at(11, 0), at(12, 0)),
            session(2, 2, at(9, 0), at(10, 0)),
            session(3, 3, at(9, 0), at(10, 0)),
        ]);
        let changes = changelog(Some(&v1), &v2);
        carry_sequences(Some(&v1), &mut v2, &changes);
        let seq: Vec<u32> = v2.sessions.iter().map(|s| s.sequence).collect();
        assert_eq!(seq, [1, 0, 0]);
        // A publish without changes keeps every sequence.
        let mut v3 = v2.clone();
        let changes = changelog(Some(&v2), &v3);
        assert!(changes.is_empty());
        carry_sequences(Some(&v2), &mut v3, &changes);
        assert_eq!(v3, v2);
    }

    #[test]
    fn first_version_lists_everything_as_added() {
        let next = snap(vec![session(1, 1, at(9, 0), at(10, 0))]);
        assert_eq!(
            changelog(None, &next),
            vec![Change::Added {
                session: SessionId::from(1),
                title: "Session 1".into()
            }]
        );
    }

    #[test]
    fn unchanged_programme_has_empty_changelog() {
        let a = snap(vec![session(1, 1, at(9, 0), at(10, 0))]);
        assert!(changelog(Some(&a), &a.clone()).is_empty());
    }

    #[test]
    fn moves_reroomings_cancellations_and_removals() {
        let a = snap(vec![
            session(1, 1, at(9, 0), at(10, 0)),
            session(2, 2, at(9, 0), at(10, 0)),
            session(3, 3, at(9, 0), at(10, 0)),
            session(4, 3, at(11, 0), at(12, 0)),
        ]);
        let mut cancelled = session(3, 3, at(9, 0), at(10, 0));
        cancelled.cancelled = true;
        let b = snap(vec![
            session(1, 1, at(10, 0), at(11, 0)),
            session(2, 3, at(9, 0), at(10, 0)),
            cancelled,
            session(5, 1, at(14, 0), at(15, 0)),
        ]);
        let log = changelog(Some(&a), &b);
        assert_eq!(log.len(), 5, "{log:?}");
        assert!(
            matches!(&log[0], Change::Moved { old_start, new_start, .. } if *old_start == at(9,0) && *new_start == at(10,0))
        );
        assert!(
            matches!(&log[1], Change::RoomChanged { old_room: Some(o), new_room: Some(n), .. } if o == "Raum 2" && n == "Raum 3")
        );
        assert!(matches!(&log[2], Change::Cancelled { .. }));
        assert!(matches!(&log[3], Change::Added { session, .. } if session.get() == 5));
        assert!(matches!(&log[4], Change::Removed { session, .. } if session.get() == 4));
    }

    #[test]
    fn snapshot_round_trips_through_json() {
        let a = snap(vec![session(1, 1, at(9, 0), at(10, 0))]);
        let json = serde_json::to_string(&a).unwrap();
        assert!(json.contains("\"abstract\""));
        let back: ProgrammeSnapshot = serde_json::from_str(&json).unwrap();
        assert_eq!(a, back);
    }
}
