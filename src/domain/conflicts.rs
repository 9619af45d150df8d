//! Schedule conflicts (SPEC §2 rules 3 and 4).
//!
//! The scheduler shows hard conflicts (a room or speaker in two places at once, a session
//! outside the congress days) as errors that block saving, and soft ones (more seats than the
//! room holds, a move that makes enrolled participants' sessions overlap) as warnings that the
//! organizer may accept.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

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

/// How many conflicts the overview pages list by default; the rest are counted ("and 1,234
/// more"). Enough to work through, small enough that a hostile programme cannot make a page
/// large.
pub const SHOWN_CONFLICTS: usize = 200;

/// The conflicts of a whole programme, bounded: the first `cap` of them in the order of
/// [`conflict_report`], how many more there are, and each affected session's worst severity.
///
/// Memory is O(sessions + shown), whatever the number of clashing pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConflictReport {
    /// The conflicts listed, at most `cap`.
    pub shown: Vec<(SessionId, Conflict)>,
    /// Conflicts found but not listed.
    pub more: usize,
    /// What each session with any conflict (listed or not) has: its badge in the grid.
    pub badges: BTreeMap<SessionId, Badge>,
    cap: usize,
}

impl ConflictReport {
    /// An empty report that lists at most `cap` conflicts.
    pub fn new(cap: usize) -> ConflictReport {
        ConflictReport {
            cap,
            ..Default::default()
        }
    }

    /// All conflicts found, listed or not.
    pub fn total(&self) -> usize {
        self.shown.len() + self.more
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// Adds one conflict found elsewhere (e.g. participants' overlaps, which need the
    /// enrollments): listed while there is room, counted otherwise.
    pub fn add(&mut self, session: SessionId, conflict: Conflict) {
        self.mark(session, conflict.severity());
        if self.shown.len() < self.cap {
            self.shown.push((session, conflict));
        } else {
            self.more += 1;
        }
    }

    /// How many sessions have at least one conflict of this severity.
    pub fn sessions_with(&self, severity: Severity) -> usize {
        self.badges.values().filter(|b| b.has(severity)).count()
    }

    fn mark(&mut self, session: SessionId, severity: Severity) {
        let badge = self.badges.entry(session).or_default();
        match severity {
            Severity::Error => badge.errors = true,
            Severity::Warning => badge.warnings = true,
        }
    }
}

/// Whether a session has errors and whether it has warnings, listed or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Badge {
    /// At least one conflict that blocks saving.
    pub errors: bool,
    /// At least one warning.
    pub warnings: bool,
}

impl Badge {
    /// Whether the session has a conflict of this severity.
    pub fn has(&self, severity: Severity) -> bool {
        match severity {
            Severity::Error => self.errors,
            Severity::Warning => self.warnings,
        }
    }

    /// The badge to show: the worst severity, if any.
    pub fn worst(&self) -> Option<Severity> {
        if self.errors {
            Some(Severity::Error)
        } else if self.warnings {
            Some(Severity::Warning)
        } else {
            None
        }
    }
}

/// Every room, speaker, window and capacity conflict of a whole programme, for the scheduler
/// overview and the dashboard, listing at most `cap` of them. `window` is the congress days
/// (none: no window conflicts).
///
/// A clash between two sessions is a conflict of each of them, naming the other. Conflicts are
/// ordered by session start (then id), and per session in the same order as
/// [`check_placement`], so with an unlimited cap the list equals running that on each session.
/// A session id given twice counts once (its first placement).
///
/// Cost: sessions are sorted by start once and grouped per room and per speaker; overlapping
/// pairs are counted per group by binary search over the sorted ends (a session's earlier
/// overlapping neighbours are those that started before it minus those that ended by its
/// start), and only the listed ones are ever built. O(n log n + cap) time, O(n + cap) memory
/// for n sessions and their speakers, even when every pair of sessions clashes.
pub fn conflict_report(
    placements: &[Placement],
    window: Option<&TimeRange>,
    cap: usize,
) -> ConflictReport {
    report(placements, window, cap, true)
}

/// The errors of [`conflict_report`] only (room or speaker double-booked, outside the congress
/// days), without the capacity warnings: what refuses an import.
pub fn hard_conflicts(
    placements: &[Placement],
    window: Option<&TimeRange>,
    cap: usize,
) -> ConflictReport {
    report(placements, window, cap, false)
}

fn report(
    placements: &[Placement],
    window: Option<&TimeRange>,
    cap: usize,
    warnings: bool,
) -> ConflictReport {
    let capacity_warning = |p: &Placement| capacity_warning(p).filter(|_| warnings);
    let mut report = ConflictReport::new(cap);
    // Start order, first placement per session id.
    let mut order: Vec<usize> = (0..placements.len()).collect();
    order.sort_by_key(|&i| (placements[i].session, i));
    order.dedup_by_key(|i| placements[*i].session);
    order.sort_by_key(|&i| (placements[i].range.start(), placements[i].session));

    // Groups filled in start order, so each is already sorted for the search. The room group
    // of a session comes before its speakers' groups (ordered by speaker id), which is the
    // order check_placement names clashes with the same other session in.
    let mut rooms: BTreeMap<RoomId, usize> = BTreeMap::new();
    let mut speakers: BTreeMap<SpeakerId, usize> = BTreeMap::new();
    let mut groups: Vec<Group> = Vec::new();
    // Per session in start order: (group, position in it), room first.
    let mut member_of: Vec<Vec<(usize, usize)>> = Vec::with_capacity(order.len());
    for (rank, &i) in order.iter().enumerate() {
        let p = &placements[i];
        let mut mine = Vec::new();
        let keys = p
            .room
            .map(GroupKey::Room)
            .into_iter()
            .chain(distinct(&p.speakers).into_iter().map(GroupKey::Speaker));
        for key in keys {
            let map_entry = match key {
                GroupKey::Room(r) => rooms.entry(r).or_insert(groups.len()),
                GroupKey::Speaker(s) => speakers.entry(s).or_insert(groups.len()),
            };
            let g = *map_entry;
            if g == groups.len() {
                groups.push(Group::new(key));
            }
            mine.push((g, groups[g].ranks.len()));
            groups[g].ranks.push(rank);
            groups[g].starts.push(p.range.start());
            groups[g].ends.push(p.range.end());
        }
        member_of.push(mine);
    }
    drop((rooms, speakers));
    for g in &mut groups {
        g.finish();
    }

    // Counting and badges: no pair is built.
    let mut total = 0usize;
    for (rank, &i) in order.iter().enumerate() {
        let p = &placements[i];
        let mut errors = 0;
        if window.is_some_and(|w| !w.contains(&p.range)) {
            errors += 1;
        }
        for &(g, at) in &member_of[rank] {
            errors += groups[g].overlapping_count(at);
        }
        if errors > 0 {
            total += errors;
            report.mark(p.session, Severity::Error);
        }
        if capacity_warning(p).is_some() {
            total += 1;
            report.mark(p.session, Severity::Warning);
        }
    }

    // Listing: sessions in start order until the cap is reached.
    for (rank, &i) in order.iter().enumerate() {
        let remaining = cap - report.shown.len();
        if remaining == 0 {
            break;
        }
        let p = &placements[i];
        let mut mine: Vec<Conflict> = Vec::new();
        if window.is_some_and(|w| !w.contains(&p.range)) {
            mine.push(Conflict::OutsideCongressDays);
        }
        // (other's rank, group order of this session, group): merged below.
        let mut clashes: Vec<(usize, usize, usize)> = Vec::new();
        for (nth, &(g, at)) in member_of[rank].iter().enumerate() {
            for other in groups[g].overlapping(at, remaining) {
                clashes.push((other, nth, g));
            }
        }
        clashes.sort_unstable();
        clashes.truncate(remaining.saturating_sub(mine.len()));
        for (other, _, g) in clashes {
            let other = &placements[order[other]];
            mine.push(match groups[g].key {
                GroupKey::Room(_) => room_clash(other),
                GroupKey::Speaker(s) => speaker_clash(s, other),
            });
        }
        mine.extend(capacity_warning(p));
        mine.truncate(remaining);
        report
            .shown
            .extend(mine.into_iter().map(|c| (p.session, c)));
    }
    report.more = total - report.shown.len();
    report
}

#[derive(Debug, Clone, Copy)]
enum GroupKey {
    Room(RoomId),
    Speaker(SpeakerId),
}

/// The sessions of one room or one speaker, in start order, with what the searches need.
struct Group {
    key: GroupKey,
    /// Each member's rank in the programme's start order.
    ranks: Vec<usize>,
    starts: Vec<DateTime<Utc>>,
    /// Ends in member order.
    ends: Vec<DateTime<Utc>>,
    /// Ends sorted, for counting the members that ended by a time.
    sorted_ends: Vec<DateTime<Utc>>,
    /// Max-end segment tree over member positions (leaves from `leaves`), for listing the
    /// earlier members still running without looking at those that ended.
    tree: Vec<DateTime<Utc>>,
    leaves: usize,
}

impl Group {
    fn new(key: GroupKey) -> Group {
        Group {
            key,
            ranks: Vec::new(),
            starts: Vec::new(),
            ends: Vec::new(),
            sorted_ends: Vec::new(),
            tree: Vec::new(),
            leaves: 0,
        }
    }

    fn finish(&mut self) {
        self.sorted_ends = self.ends.clone();
        self.sorted_ends.sort_unstable();
        self.leaves = self.ends.len().next_power_of_two();
        self.tree = vec![DateTime::<Utc>::MIN_UTC; 2 * self.leaves];
        self.tree[self.leaves..self.leaves + self.ends.len()].copy_from_slice(&self.ends);
        for node in (1..self.leaves).rev() {
            self.tree[node] = self.tree[2 * node].max(self.tree[2 * node + 1]);
        }
    }

    /// Members before `at` that are still running when it starts: all that started earlier
    /// (or at the same time with a smaller id), minus those that ended by its start (which
    /// necessarily started earlier).
    fn earlier_count(&self, at: usize) -> usize {
        let start = self.starts[at];
        at - self.sorted_ends.partition_point(|end| *end <= start)
    }

    /// Members after `at` that start before it ends: a run right after it.
    fn later_end(&self, at: usize) -> usize {
        let end = self.ends[at];
        at + 1 + self.starts[at + 1..].partition_point(|start| *start < end)
    }

    /// How many members overlap the one at `at`.
    fn overlapping_count(&self, at: usize) -> usize {
        self.earlier_count(at) + (self.later_end(at) - at - 1)
    }

    /// The ranks of the first `limit` members overlapping the one at `at`, in start order.
    fn overlapping(&self, at: usize, limit: usize) -> Vec<usize> {
        let mut found = Vec::new();
        self.still_running(1, 0, self.leaves, at, self.starts[at], limit, &mut found);
        let later = (at + 1..self.later_end(at)).take(limit.saturating_sub(found.len()));
        found.extend(later);
        found
            .into_iter()
            .map(|position| self.ranks[position])
            .collect()
    }

    /// Positions in `[lo, hi)` of `node`, below `before`, whose end is after `start`, left to
    /// right, until `limit` are found. Visits only subtrees that hold one: O((k + 1) log n).
    #[allow(clippy::too_many_arguments)]
    fn still_running(
        &self,
        node: usize,
        lo: usize,
        hi: usize,
        before: usize,
        start: DateTime<Utc>,
        limit: usize,
        found: &mut Vec<usize>,
    ) {
        if found.len() >= limit || lo >= before || self.tree[node] <= start {
            return;
        }
        if hi - lo == 1 {
            found.push(lo);
            return;
        }
        let mid = (lo + hi) / 2;
        self.still_running(2 * node, lo, mid, before, start, limit, found);
        self.still_running(2 * node + 1, mid, hi, before, start, limit, found);
    }
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
mod tests;
