//! Schedule conflicts (SPEC §2 rules 3 and 4).
//!
//! The scheduler shows hard conflicts (a room or speaker in two places at once, a session
//! outside the congress days) as errors that block saving, and soft ones (more seats than the
//! room holds, a move that makes enrolled participants' sessions overlap) as warnings that the
//! organizer may accept.

use std::collections::BTreeMap;

use super::ids::{RoomId, SessionId, SpeakerId};
use super::time::TimeRange;

/// A session as the scheduler sees it: where and when it is, who speaks, how many seats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The session being placed.
    pub session: SessionId,
    /// Its title, so conflicts can name the other session without another lookup.
    pub title: String,
    /// Its room; unplaced sessions (`None`) clash with no room.
    pub room: Option<RoomId>,
    /// When it takes place.
    pub range: TimeRange,
    /// Its speakers, moderators and panelists.
    pub speakers: Vec<SpeakerId>,
    /// Its own enrollment capacity, if it needs enrollment.
    pub enrollment_capacity: Option<i32>,
    /// The capacity of its room, if known.
    pub room_capacity: Option<i32>,
}

/// Whether a conflict blocks saving.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Shown, but the organizer may save anyway.
    Warning,
    /// Must be resolved before saving; ordered above `Warning`, so `max()` over a session's
    /// conflicts gives the badge to show.
    Error,
}

/// One problem with a session's placement, as shown beside it in the scheduler.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Conflict {
    /// Another session uses the same room at an overlapping time.
    RoomDoubleBooked {
        /// The other session.
        other: SessionId,
        /// Its title.
        other_title: String,
    },
    /// A speaker is also in another session at an overlapping time.
    SpeakerDoubleBooked {
        /// The speaker in both sessions.
        speaker: SpeakerId,
        /// The other session.
        other: SessionId,
        /// Its title.
        other_title: String,
    },
    /// The session does not lie entirely within the congress days.
    OutsideCongressDays,
    /// The session offers more seats than its room holds; harmless in effect because the
    /// smaller number applies (see `effective_capacity`), but probably a mistake.
    CapacityAboveRoom {
        /// The session's enrollment capacity.
        enrollment: i32,
        /// The room's capacity.
        room: i32,
    },
    /// Participants enrolled in this session are also enrolled in an overlapping one.
    ParticipantOverlap {
        /// The other session.
        other: SessionId,
        /// Its title.
        other_title: String,
        /// How many participants hold both.
        participants: usize,
    },
}

impl Conflict {
    /// Errors block saving (rule 4's hard constraints); warnings are the soft issues.
    pub fn severity(&self) -> Severity {
        match self {
            Conflict::RoomDoubleBooked { .. }
            | Conflict::SpeakerDoubleBooked { .. }
            | Conflict::OutsideCongressDays => Severity::Error,
            Conflict::CapacityAboveRoom { .. } | Conflict::ParticipantOverlap { .. } => {
                Severity::Warning
            }
        }
    }
}

/// Checks one session against the rest of the programme, e.g. before saving a move.
///
/// `others` may include the candidate's own (old) placement; it is skipped by session id so
/// callers can pass the whole programme. Conflicts come in a stable order: outside the
/// congress days first, then clashes in the order of `others`, then the capacity warning.
pub fn check_placement(
    candidate: &Placement,
    others: &[Placement],
    window: &TimeRange,
) -> Vec<Conflict> {
    let mut conflicts = Vec::new();
    if !window.contains(&candidate.range) {
        conflicts.push(Conflict::OutsideCongressDays);
    }
    let speakers = distinct(&candidate.speakers);
    for other in overlapping(candidate, others) {
        if shares_room(candidate, other) {
            conflicts.push(room_clash(other));
        }
        for speaker in &speakers {
            if other.speakers.contains(speaker) {
                conflicts.push(speaker_clash(*speaker, other));
            }
        }
    }
    conflicts.extend(capacity_warning(candidate));
    conflicts
}

/// Warns about overlapping sessions that share enrolled participants (the soft side of rule 3:
/// moving a session must not silently put someone into two places at once).
///
/// The count comes from `shared_participants`, called only for sessions that overlap the
/// candidate, so the caller can answer from one pre-computed query.
pub fn participant_overlaps(
    candidate: &Placement,
    others: &[Placement],
    shared_participants: impl Fn(SessionId) -> usize,
) -> Vec<Conflict> {
    overlapping(candidate, others)
        .filter_map(|other| {
            let participants = shared_participants(other.session);
            (participants > 0).then(|| Conflict::ParticipantOverlap {
                other: other.session,
                other_title: other.title.clone(),
                participants,
            })
        })
        .collect()
}

/// Every room, speaker, window and capacity conflict in a whole programme, for the scheduler
/// overview.
///
/// A clash between two sessions is reported once for each of them, naming the other. The
/// result is ordered by session start (then id), and per session in the same order as
/// [`check_placement`], so it equals running that on each session.
///
/// Sessions are sorted by start once and then swept per room and per speaker, keeping only the
/// sessions still running; a 1,000-session programme costs O(n log n + k) for k clashing pairs
/// instead of comparing all half-million pairs.
pub fn all_conflicts(placements: &[Placement], window: &TimeRange) -> Vec<(SessionId, Conflict)> {
    let mut order: Vec<usize> = (0..placements.len()).collect();
    order.sort_by_key(|&i| (placements[i].range.start(), placements[i].session));

    // Buckets filled in start order, so each is already sorted for its sweep.
    let mut by_room: BTreeMap<RoomId, Vec<usize>> = BTreeMap::new();
    let mut by_speaker: BTreeMap<SpeakerId, Vec<usize>> = BTreeMap::new();
    for &i in &order {
        if let Some(room) = placements[i].room {
            by_room.entry(room).or_default().push(i);
        }
        for speaker in distinct(&placements[i].speakers) {
            by_speaker.entry(speaker).or_default().push(i);
        }
    }

    // (position in start order, phase, conflict); sorted at the end so each session's
    // conflicts appear together and in check_placement's order.
    let mut rank = vec![0; placements.len()];
    for (position, &i) in order.iter().enumerate() {
        rank[i] = position;
    }
    let mut found: Vec<(usize, u8, usize, Conflict)> = Vec::new();
    for (i, placement) in placements.iter().enumerate() {
        if !window.contains(&placement.range) {
            found.push((rank[i], 0, 0, Conflict::OutsideCongressDays));
        }
        if let Some(warning) = capacity_warning(placement) {
            found.push((rank[i], 2, 0, warning));
        }
    }
    for bucket in by_room.values() {
        sweep(placements, bucket, |a, b| {
            found.push((rank[a], 1, rank[b], room_clash(&placements[b])));
            found.push((rank[b], 1, rank[a], room_clash(&placements[a])));
        });
    }
    for (&speaker, bucket) in &by_speaker {
        sweep(placements, bucket, |a, b| {
            found.push((rank[a], 1, rank[b], speaker_clash(speaker, &placements[b])));
            found.push((rank[b], 1, rank[a], speaker_clash(speaker, &placements[a])));
        });
    }
    // Within a session and phase, clashes follow the other session's start order, room before
    // speakers for the same pair (the room sweep ran first and the sort is stable).
    found.sort_by_key(|&(session, phase, other, _)| (session, phase, other));
    found
        .into_iter()
        .map(|(position, _, _, conflict)| (placements[order[position]].session, conflict))
        .collect()
}

/// Rule 3: a participant cannot hold two overlapping workshops. Returns the first held session
/// that overlaps `new`, to name it in the refusal.
///
/// The caller leaves out the session being enrolled in (a re-enrollment is not a clash).
pub fn first_overlap(new: &TimeRange, held: &[(SessionId, TimeRange)]) -> Option<SessionId> {
    held.iter()
        .find(|(_, range)| range.overlaps(new))
        .map(|(session, _)| *session)
}

/// Calls `clash(a, b)` once for every overlapping pair in `bucket` (indices sorted by start).
fn sweep(placements: &[Placement], bucket: &[usize], mut clash: impl FnMut(usize, usize)) {
    let mut running: Vec<usize> = Vec::new();
    for &next in bucket {
        let range = placements[next].range;
        running.retain(|&earlier| placements[earlier].range.end() > range.start());
        for &earlier in &running {
            // Same id twice in the input is one session, not a clash.
            if placements[earlier].session != placements[next].session {
                clash(earlier, next);
            }
        }
        running.push(next);
    }
}

fn overlapping<'a>(
    candidate: &'a Placement,
    others: &'a [Placement],
) -> impl Iterator<Item = &'a Placement> + 'a {
    others.iter().filter(move |other| {
        other.session != candidate.session && other.range.overlaps(&candidate.range)
    })
}

fn shares_room(a: &Placement, b: &Placement) -> bool {
    matches!((a.room, b.room), (Some(x), Some(y)) if x == y)
}

fn room_clash(other: &Placement) -> Conflict {
    Conflict::RoomDoubleBooked {
        other: other.session,
        other_title: other.title.clone(),
    }
}

fn speaker_clash(speaker: SpeakerId, other: &Placement) -> Conflict {
    Conflict::SpeakerDoubleBooked {
        speaker,
        other: other.session,
        other_title: other.title.clone(),
    }
}

fn capacity_warning(placement: &Placement) -> Option<Conflict> {
    match (placement.enrollment_capacity, placement.room_capacity) {
        (Some(enrollment), Some(room)) if enrollment > room => {
            Some(Conflict::CapacityAboveRoom { enrollment, room })
        }
        _ => None,
    }
}

/// Speakers in id order without repeats, so a speaker listed twice (e.g. as speaker and
/// moderator) yields one clash, not two.
fn distinct(speakers: &[SpeakerId]) -> Vec<SpeakerId> {
    let mut speakers = speakers.to_vec();
    speakers.sort_unstable();
    speakers.dedup();
    speakers
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeDelta, Utc};

    fn at(minutes: i64) -> DateTime<Utc> {
        "2026-05-04T07:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(minutes)
    }

    fn span(from: i64, to: i64) -> TimeRange {
        TimeRange::new(at(from), at(to)).unwrap()
    }

    fn window() -> TimeRange {
        span(0, 24 * 60)
    }

    fn session(id: i64, room: Option<i64>, from: i64, to: i64, speakers: &[i64]) -> Placement {
        Placement {
            session: SessionId::from(id),
            title: format!("Session {id}"),
            room: room.map(RoomId::from),
            range: span(from, to),
            speakers: speakers.iter().copied().map(SpeakerId::from).collect(),
            enrollment_capacity: None,
            room_capacity: None,
        }
    }

    fn room(id: i64) -> Conflict {
        Conflict::RoomDoubleBooked {
            other: SessionId::from(id),
            other_title: format!("Session {id}"),
        }
    }

    fn speaker(speaker: i64, id: i64) -> Conflict {
        Conflict::SpeakerDoubleBooked {
            speaker: SpeakerId::from(speaker),
            other: SessionId::from(id),
            other_title: format!("Session {id}"),
        }
    }

    #[test]
    fn severity_of_each_kind() {
        let cases = [
            (room(1), Severity::Error),
            (speaker(1, 1), Severity::Error),
            (Conflict::OutsideCongressDays, Severity::Error),
            (
                Conflict::CapacityAboveRoom {
                    enrollment: 50,
                    room: 40,
                },
                Severity::Warning,
            ),
            (
                Conflict::ParticipantOverlap {
                    other: SessionId::from(1),
                    other_title: "x".into(),
                    participants: 2,
                },
                Severity::Warning,
            ),
        ];
        for (conflict, severity) in cases {
            assert_eq!(conflict.severity(), severity, "{conflict:?}");
        }
        assert!(Severity::Error > Severity::Warning);
    }

    #[test]
    fn check_placement_table() {
        // The candidate: session 1 in room 10, 60–120, speakers 100 and 101.
        let candidate = session(1, Some(10), 60, 120, &[100, 101]);
        let cases: Vec<(&str, Vec<Placement>, Vec<Conflict>)> = vec![
            ("empty programme", vec![], vec![]),
            (
                "own old placement is ignored",
                vec![session(1, Some(10), 60, 120, &[100])],
                vec![],
            ),
            (
                "same room, overlapping",
                vec![session(2, Some(10), 90, 150, &[])],
                vec![room(2)],
            ),
            (
                "same room, back to back",
                vec![
                    session(2, Some(10), 0, 60, &[]),
                    session(3, Some(10), 120, 180, &[]),
                ],
                vec![],
            ),
            (
                "other room, overlapping",
                vec![session(2, Some(11), 60, 120, &[])],
                vec![],
            ),
            (
                "unplaced sessions never share a room",
                vec![session(2, None, 60, 120, &[])],
                vec![],
            ),
            (
                "speaker in another room",
                vec![session(2, Some(11), 100, 130, &[101])],
                vec![speaker(101, 2)],
            ),
            (
                "two shared speakers in the same room",
                vec![session(2, Some(10), 100, 130, &[101, 100, 7])],
                vec![room(2), speaker(100, 2), speaker(101, 2)],
            ),
            (
                "shared speaker, no overlap",
                vec![session(2, Some(11), 120, 130, &[101])],
                vec![],
            ),
            (
                "several others in input order",
                vec![
                    session(3, Some(11), 110, 130, &[100]),
                    session(2, Some(10), 50, 70, &[]),
                ],
                vec![speaker(100, 3), room(2)],
            ),
        ];
        for (name, others, expected) in cases {
            assert_eq!(
                check_placement(&candidate, &others, &window()),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn candidate_listing_a_speaker_twice_clashes_once() {
        let candidate = session(1, None, 0, 60, &[5, 5]);
        let others = [session(2, None, 30, 90, &[5, 5])];
        assert_eq!(
            check_placement(&candidate, &others, &window()),
            vec![speaker(5, 2)]
        );
    }

    #[test]
    fn outside_congress_days() {
        let cases = [
            (0, 60, false),
            (24 * 60 - 60, 24 * 60, false),
            (-30, 30, true),
            (24 * 60 - 30, 24 * 60 + 30, true),
            (-120, -60, true),
        ];
        for (from, to, outside) in cases {
            let got = check_placement(&session(1, None, from, to, &[]), &[], &window());
            assert_eq!(
                got.contains(&Conflict::OutsideCongressDays),
                outside,
                "{from}–{to}"
            );
        }
    }

    #[test]
    fn capacity_above_room_warning() {
        let cases = [
            (None, None, None),
            (Some(50), None, None),
            (None, Some(40), None),
            (Some(40), Some(40), None),
            (Some(30), Some(40), None),
            (
                Some(50),
                Some(40),
                Some(Conflict::CapacityAboveRoom {
                    enrollment: 50,
                    room: 40,
                }),
            ),
        ];
        for (enrollment, room_capacity, expected) in cases {
            let mut candidate = session(1, Some(10), 0, 60, &[]);
            candidate.enrollment_capacity = enrollment;
            candidate.room_capacity = room_capacity;
            let got = check_placement(&candidate, &[], &window());
            assert_eq!(got, expected.into_iter().collect::<Vec<_>>());
        }
    }

    #[test]
    fn participant_overlap_warnings() {
        let candidate = session(1, Some(10), 60, 120, &[]);
        let others = [
            session(1, Some(10), 60, 120, &[]),  // itself
            session(2, Some(11), 90, 150, &[]),  // overlaps, 3 shared
            session(3, Some(12), 60, 120, &[]),  // overlaps, none shared
            session(4, Some(11), 120, 180, &[]), // touches, 5 shared
        ];
        let shared = |id: SessionId| match id.get() {
            1 => 99,
            2 => 3,
            4 => 5,
            _ => 0,
        };
        let got = participant_overlaps(&candidate, &others, shared);
        assert_eq!(
            got,
            vec![Conflict::ParticipantOverlap {
                other: SessionId::from(2),
                other_title: "Session 2".into(),
                participants: 3,
            }]
        );
        assert!(got.iter().all(|c| c.severity() == Severity::Warning));
    }

    #[test]
    fn first_overlap_table() {
        let held = [
            (SessionId::from(1), span(0, 60)),
            (SessionId::from(2), span(120, 180)),
            (SessionId::from(3), span(150, 240)),
        ];
        let cases = [
            (span(60, 120), None),
            (span(30, 90), Some(1)),
            (span(170, 200), Some(2)),
            (span(200, 300), Some(3)),
            (span(240, 300), None),
            (span(-60, 0), None),
        ];
        for (new, expected) in cases {
            assert_eq!(
                first_overlap(&new, &held),
                expected.map(SessionId::from),
                "{new:?}"
            );
        }
        assert_eq!(first_overlap(&span(0, 60), &[]), None);
    }

    #[test]
    fn all_conflicts_reports_each_clash_for_both_sessions() {
        let mut big = session(4, Some(11), 300, 360, &[]);
        big.enrollment_capacity = Some(50);
        big.room_capacity = Some(40);
        let placements = vec![
            session(2, Some(10), 90, 150, &[100]),
            session(1, Some(10), 60, 120, &[100]),
            session(3, Some(11), 60, 120, &[]),
            big,
            session(5, None, -60, 30, &[]),
        ];
        let sid = SessionId::from;
        let expected = vec![
            (sid(5), Conflict::OutsideCongressDays),
            (sid(1), room(2)),
            (sid(1), speaker(100, 2)),
            (sid(2), room(1)),
            (sid(2), speaker(100, 1)),
            (
                sid(4),
                Conflict::CapacityAboveRoom {
                    enrollment: 50,
                    room: 40,
                },
            ),
        ];
        assert_eq!(all_conflicts(&placements, &window()), expected);
    }

    /// Small deterministic generator, so the cross-check below needs no extra dependency.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: u64) -> i64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) % n) as i64
        }
    }

    fn random_programme(seed: u64, sessions: i64, rooms: u64, speakers: u64) -> Vec<Placement> {
        let mut rng = Lcg(seed);
        (0..sessions)
            .map(|id| {
                let from = rng.below(26 * 60) - 60;
                let to = from + 15 + rng.below(120);
                let room = match rng.below(10) {
                    0 => None,
                    _ => Some(rng.below(rooms)),
                };
                let speaker_ids: Vec<i64> =
                    (0..rng.below(3)).map(|_| rng.below(speakers)).collect();
                let mut p = session(id, room, from, to, &speaker_ids);
                p.enrollment_capacity = (rng.below(3) == 0).then(|| 20 + rng.below(40) as i32);
                p.room_capacity = room.map(|_| 25 + rng.below(20) as i32);
                p
            })
            .collect()
    }

    #[test]
    fn all_conflicts_matches_check_placement_per_session() {
        for seed in 0..20 {
            let programme = random_programme(seed, 120, 6, 25);
            let mut expected: Vec<(SessionId, Conflict)> = Vec::new();
            let mut sorted: Vec<&Placement> = programme.iter().collect();
            sorted.sort_by_key(|p| (p.range.start(), p.session));
            for candidate in sorted {
                // check_placement lists clashes in the order of `others`: give it start order.
                let mut others = programme.clone();
                others.sort_by_key(|p| (p.range.start(), p.session));
                for conflict in check_placement(candidate, &others, &window()) {
                    expected.push((candidate.session, conflict));
                }
            }
            assert_eq!(
                all_conflicts(&programme, &window()),
                expected,
                "seed {seed}"
            );
        }
    }

    #[test]
    fn all_conflicts_handles_a_large_programme() {
        // 1,000 sessions in 40 rooms over two days: must finish instantly in a debug build.
        let mut programme = Vec::new();
        for id in 0..1000_i64 {
            let room = id % 40;
            let slot = id / 40; // 25 slots of 90 minutes, back to back per room
            let from = slot * 90;
            programme.push(session(id, Some(room), from, from + 90, &[id % 300]));
        }
        let window = span(0, 48 * 60);
        let conflicts = all_conflicts(&programme, &window);
        // Speakers 0..300 recur every 300 sessions, i.e. 7.5 slots apart: never at once.
        assert!(conflicts.is_empty(), "{:?}", conflicts.first());
        // Double-book one room slot and one speaker.
        programme.push(session(5000, Some(3), 0, 90, &[3]));
        let conflicts = all_conflicts(&programme, &window);
        assert_eq!(conflicts.len(), 4);
    }
}
