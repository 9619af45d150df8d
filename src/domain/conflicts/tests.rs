//! The schedule rules in tables: placements against rooms, speakers, days and shared
//! participants.

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
fn report_reports_each_clash_for_both_sessions() {
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
    assert_eq!(
        conflict_report(&placements, Some(&window()), usize::MAX).shown,
        expected
    );
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
            let speaker_ids: Vec<i64> = (0..rng.below(3)).map(|_| rng.below(speakers)).collect();
            let mut p = session(id, room, from, to, &speaker_ids);
            p.enrollment_capacity = (rng.below(3) == 0).then(|| 20 + rng.below(40) as i32);
            p.room_capacity = room.map(|_| 25 + rng.below(20) as i32);
            p
        })
        .collect()
}

#[test]
fn report_matches_check_placement_per_session() {
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
            conflict_report(&programme, Some(&window()), usize::MAX).shown,
            expected,
            "seed {seed}"
        );
    }
}

#[test]
fn report_handles_a_large_programme() {
    // 1,000 sessions in 40 rooms over two days: must finish instantly in a debug build.
    let mut programme = Vec::new();
    for id in 0..1000_i64 {
        let room = id % 40;
        let slot = id / 40; // 25 slots of 90 minutes, back to back per room
        let from = slot * 90;
        programme.push(session(id, Some(room), from, from + 90, &[id % 300]));
    }
    let window = span(0, 48 * 60);
    let conflicts = conflict_report(&programme, Some(&window), usize::MAX).shown;
    // Speakers 0..300 recur every 300 sessions, i.e. 7.5 slots apart: never at once.
    assert!(conflicts.is_empty(), "{:?}", conflicts.first());
    // Double-book one room slot and one speaker.
    programme.push(session(5000, Some(3), 0, 90, &[3]));
    let conflicts = conflict_report(&programme, Some(&window), usize::MAX).shown;
    assert_eq!(conflicts.len(), 4);
}

/// The report with no cap, and the badges it implies, built the slow way.
fn full(programme: &[Placement]) -> Vec<(SessionId, Conflict)> {
    conflict_report(programme, Some(&window()), usize::MAX).shown
}

fn badges_of(conflicts: &[(SessionId, Conflict)]) -> BTreeMap<SessionId, Badge> {
    let mut report = ConflictReport::new(0);
    for (session, conflict) in conflicts {
        report.mark(*session, conflict.severity());
    }
    report.badges
}

#[test]
fn report_lists_a_prefix_and_counts_the_rest() {
    for seed in 0..10 {
        let programme = random_programme(seed, 150, 4, 20);
        let everything = full(&programme);
        assert!(everything.len() > 20, "seed {seed}: the programme clashes");
        for cap in [0, 1, 2, 7, 20, everything.len(), everything.len() + 5] {
            let report = conflict_report(&programme, Some(&window()), cap);
            let shown = cap.min(everything.len());
            assert_eq!(report.shown, everything[..shown], "seed {seed}, cap {cap}");
            assert_eq!(
                report.more,
                everything.len() - shown,
                "seed {seed}, cap {cap}"
            );
            assert_eq!(report.total(), everything.len());
            assert_eq!(
                report.badges,
                badges_of(&everything),
                "seed {seed}, cap {cap}"
            );
        }
    }
}

#[test]
fn report_without_a_window_has_no_window_conflicts() {
    let programme = [session(1, None, -60, 30, &[])];
    assert!(conflict_report(&programme, None, 10).is_empty());
    let report = conflict_report(&programme, Some(&window()), 10);
    assert_eq!(
        report.shown,
        vec![(SessionId::from(1), Conflict::OutsideCongressDays)]
    );
}

#[test]
fn report_counts_a_session_given_twice_once() {
    let programme = [
        session(1, Some(10), 0, 60, &[7]),
        session(1, Some(10), 0, 60, &[7]),
        session(2, Some(11), 0, 60, &[]),
    ];
    assert!(conflict_report(&programme, Some(&window()), 10).is_empty());
}

#[test]
fn badges_and_counts_per_severity() {
    let mut big = session(3, Some(11), 300, 360, &[]);
    big.enrollment_capacity = Some(50);
    big.room_capacity = Some(40);
    let mut both = session(4, Some(12), 0, 60, &[]);
    both.enrollment_capacity = Some(50);
    both.room_capacity = Some(40);
    let programme = vec![
        session(1, Some(12), 30, 90, &[]),
        session(2, Some(10), 0, 60, &[]),
        big,
        both,
    ];
    let mut report = conflict_report(&programme, Some(&window()), 1);
    let badge = |errors, warnings| Badge { errors, warnings };
    let sid = SessionId::from;
    assert_eq!(
        report.badges,
        BTreeMap::from([
            (sid(1), badge(true, false)),
            (sid(3), badge(false, true)),
            (sid(4), badge(true, true)),
        ])
    );
    assert_eq!(report.sessions_with(Severity::Error), 2);
    assert_eq!(report.sessions_with(Severity::Warning), 2);
    assert_eq!((report.shown.len(), report.more), (1, 3));
    // Conflicts found elsewhere join the count and the badges.
    report.add(
        sid(2),
        Conflict::ParticipantOverlap {
            other: sid(1),
            other_title: "Session 1".into(),
            participants: 1,
        },
    );
    assert_eq!((report.shown.len(), report.more), (1, 4));
    assert_eq!(report.badges[&sid(2)].worst(), Some(Severity::Warning));
    assert_eq!(report.badges[&sid(4)].worst(), Some(Severity::Error));
}

#[test]
fn crowded_programmes_are_counted_without_listing_every_pair() {
    const N: i64 = 5000;
    let n = N as usize;
    // (what, programme, conflicts in total)
    let cases: Vec<(&str, Vec<Placement>, usize)> = vec![
        (
            "all in one room at once",
            (0..N)
                .map(|id| session(id, Some(1), 60, 120, &[]))
                .collect(),
            n * (n - 1),
        ),
        (
            "one room, one speaker, at once",
            (0..N)
                .map(|id| session(id, Some(1), 60, 120, &[9]))
                .collect(),
            2 * n * (n - 1),
        ),
        (
            "one room, staggered by a minute, 10 minutes long",
            (0..N)
                .map(|id| session(id, Some(1), id % 1000, id % 1000 + 10, &[]))
                .collect(),
            // Five sessions start each minute and overlap the four others of their minute
            // and the 5 × 5 pairs of each minute within 9 (none across the wrap at 1000).
            2 * (1000 * 10 + (1..10).map(|d| (1000 - d) * 25).sum::<usize>()),
        ),
        (
            "back to back in one room",
            (0..N)
                .map(|id| session(id, Some(1), id * 10 - 10_000, id * 10 - 9_990, &[]))
                .collect(),
            // Outside the window, but no clash.
            n - 24 * 6,
        ),
    ];
    for (what, programme, total) in cases {
        let started = std::time::Instant::now();
        let report = conflict_report(&programme, Some(&window()), SHOWN_CONFLICTS);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{what}: {:?}",
            started.elapsed()
        );
        assert_eq!(report.total(), total, "{what}");
        assert_eq!(report.shown.len(), SHOWN_CONFLICTS.min(total), "{what}");
        assert_eq!(report.more, total - report.shown.len(), "{what}");
    }
}
