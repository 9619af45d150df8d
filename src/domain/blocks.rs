//! Workshop blocks (slot groups): sessions that run in parallel and between which a person
//! picks one. What makes a block sound, which workshops could form one, and whether a choice
//! falls on a day the person attends.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::time::local_date_of;
use super::{SessionId, SlotGroupId};

/// A session as the block rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub session: SessionId,
    pub block: Option<SlotGroupId>,
    /// Start and end when scheduled.
    pub slot: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// What is wrong with a block, if anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    /// Sessions of the block without a time.
    pub untimed: usize,
    /// Not every two timed sessions overlap: a person could attend two of them, so "one per
    /// block" is not what the programme says.
    pub apart: bool,
    /// The local days its timed sessions fall on.
    pub days: Vec<NaiveDate>,
    /// The block names a day and a session lies on another.
    pub off_day: bool,
}

impl Shape {
    pub fn is_sound(&self) -> bool {
        self.untimed == 0 && !self.apart && !self.off_day
    }
}

/// Checks the sessions of one block. Intervals overlap pairwise exactly when they share an
/// instant (the latest start is before the earliest end), so one pass suffices.
pub fn shape(tz: Tz, day: Option<NaiveDate>, members: &[Member]) -> Shape {
    let timed: Vec<_> = members.iter().filter_map(|m| m.slot).collect();
    let latest_start = timed.iter().map(|s| s.0).max();
    let earliest_end = timed.iter().map(|s| s.1).min();
    let mut days: Vec<NaiveDate> = timed.iter().map(|s| local_date_of(tz, s.0)).collect();
    days.sort_unstable();
    days.dedup();
    Shape {
        untimed: members.len() - timed.len(),
        apart: matches!((latest_start, earliest_end), (Some(s), Some(e)) if s >= e),
        off_day: day.is_some_and(|d| days.iter().any(|x| *x != d)),
        days,
    }
}

/// Workshops that start together and could be made one block: for each start instant with at
/// least two workshops of which at least one is in no block yet, the sessions starting then.
pub fn parallel_starts(members: &[Member]) -> Vec<(DateTime<Utc>, Vec<SessionId>)> {
    let mut by_start: BTreeMap<DateTime<Utc>, Vec<&Member>> = BTreeMap::new();
    for m in members {
        if let Some((start, _)) = m.slot {
            by_start.entry(start).or_default().push(m);
        }
    }
    by_start
        .into_iter()
        .filter(|(_, ms)| ms.len() >= 2 && ms.iter().any(|m| m.block.is_none()))
        .map(|(start, ms)| (start, ms.iter().map(|m| m.session).collect()))
        .collect()
}

/// The day a session belongs to: the local date of its start (the block's day when unplaced).
pub fn day_of(
    tz: Tz,
    start: Option<DateTime<Utc>>,
    block_day: Option<NaiveDate>,
) -> Option<NaiveDate> {
    start.map(|s| local_date_of(tz, s)).or(block_day)
}

/// Whether a person attending `attended` may hold a seat in a session on `day`. A congress
/// without day choice (no days stored) lets everybody in; a session without a day too.
pub fn attends(attended: &[NaiveDate], day: Option<NaiveDate>) -> bool {
    match day {
        None => true,
        Some(d) => attended.is_empty() || attended.contains(&d),
    }
}

/// The days stored on a registration (comma-separated ISO dates).
pub fn parse_days(stored: &str) -> Vec<NaiveDate> {
    stored
        .split(',')
        .filter_map(|d| d.trim().parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 2, h, m, 0).unwrap()
    }

    fn member(id: i64, block: Option<i64>, slot: Option<(u32, u32)>) -> Member {
        Member {
            session: SessionId::from(id),
            block: block.map(SlotGroupId::from),
            slot: slot.map(|(a, b)| (at(a, 0), at(b, 0))),
        }
    }

    #[test]
    fn a_block_of_overlapping_sessions_is_sound() {
        let tz = chrono_tz::Europe::Berlin;
        let s = shape(
            tz,
            None,
            &[
                member(1, Some(1), Some((8, 10))),
                member(2, Some(1), Some((9, 11))),
            ],
        );
        assert!(s.is_sound(), "{s:?}");
        assert_eq!(s.days, vec![NaiveDate::from_ymd_opt(2026, 6, 2).unwrap()]);
    }

    #[test]
    fn sessions_one_after_the_other_are_flagged() {
        let tz = chrono_tz::Europe::Berlin;
        // 8–10 and 10–12 touch but do not overlap: a person could attend both.
        let s = shape(
            tz,
            None,
            &[
                member(1, Some(1), Some((8, 10))),
                member(2, Some(1), Some((10, 12))),
            ],
        );
        assert!(s.apart);
        // Three sessions that overlap two by two in a chain, but not all at once.
        let s = shape(
            tz,
            None,
            &[
                member(1, None, Some((8, 10))),
                member(2, None, Some((9, 11))),
                member(3, None, Some((10, 12))),
            ],
        );
        assert!(s.apart);
    }

    #[test]
    fn untimed_and_off_day_sessions_are_flagged() {
        let tz = chrono_tz::Europe::Berlin;
        let s = shape(
            tz,
            NaiveDate::from_ymd_opt(2026, 6, 1),
            &[member(1, Some(1), Some((8, 10))), member(2, Some(1), None)],
        );
        assert_eq!(s.untimed, 1);
        assert!(s.off_day);
        assert!(!s.is_sound());
        // An empty block is sound: nothing in it contradicts it.
        assert!(shape(tz, None, &[]).is_sound());
    }

    #[test]
    fn local_day_decides_across_midnight_utc() {
        // 23:30 UTC on 1 June is 01:30 on 2 June in Berlin (summer time).
        let tz = chrono_tz::Europe::Berlin;
        let late = Utc.with_ymd_and_hms(2026, 6, 1, 23, 30, 0).unwrap();
        assert_eq!(
            day_of(tz, Some(late), None),
            NaiveDate::from_ymd_opt(2026, 6, 2)
        );
        assert_eq!(
            day_of(tz, None, NaiveDate::from_ymd_opt(2026, 6, 1)),
            NaiveDate::from_ymd_opt(2026, 6, 1)
        );
    }

    #[test]
    fn parallel_workshops_are_offered_until_all_are_in_a_block() {
        let ms = [
            member(1, None, Some((8, 10))),
            member(2, None, Some((8, 9))),
            member(3, Some(7), Some((11, 12))),
            member(4, Some(7), Some((11, 12))),
            member(5, None, Some((13, 14))),
            member(6, None, None),
        ];
        let p = parallel_starts(&ms);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, at(8, 0));
        assert_eq!(p[0].1, vec![SessionId::from(1), SessionId::from(2)]);
    }

    #[test]
    fn choices_must_fall_on_days_attended() {
        let d1 = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let d2 = NaiveDate::from_ymd_opt(2026, 6, 2).unwrap();
        assert!(attends(&[d1, d2], Some(d2)));
        assert!(!attends(&[d1], Some(d2)));
        assert!(attends(&[], Some(d2)));
        assert!(attends(&[d1], None));
        assert_eq!(parse_days("2026-06-01,2026-06-02"), vec![d1, d2]);
        assert_eq!(parse_days(""), vec![]);
    }
}
