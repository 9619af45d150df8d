//! The enrollment state machine: a person's seat or waitlist place in one workshop (SPEC §2
//! rules 1–3), and the order in which waiting people move up.
//!
//! Like [`super::registration::transition`], [`transition`] is the one rule: the service asks
//! it what an event means for the status it read, then stores the new status with a
//! compare-and-set on that status (`UPDATE … WHERE id = ? AND status = ?`) and carries out the
//! counter effects only if its update changed the row. A second, identical request (a
//! double-click, a second instance) finds the status already changed and does nothing.

use std::cmp::Ordering;
use std::fmt;

use chrono::NaiveDateTime;

/// Where a person stands in one workshop. Stored as text ([`EnrollmentStatus::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentStatus {
    /// Holds a seat (counted in the session's `enrolled_count`).
    Enrolled,
    /// Waits for a seat (counted in the session's `waitlisted_count`).
    Waitlisted,
    /// Left the workshop or its waitlist; holds nothing. The row stays so that a later
    /// enrollment reuses it (one row per person and session).
    Cancelled,
}

impl EnrollmentStatus {
    /// Every status.
    pub const ALL: [EnrollmentStatus; 3] = [
        EnrollmentStatus::Enrolled,
        EnrollmentStatus::Waitlisted,
        EnrollmentStatus::Cancelled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EnrollmentStatus::Enrolled => "enrolled",
            EnrollmentStatus::Waitlisted => "waitlisted",
            EnrollmentStatus::Cancelled => "cancelled",
        }
    }

    /// Reads a stored name back; `None` for anything [`as_str`](Self::as_str) never writes.
    pub fn parse(s: &str) -> Option<EnrollmentStatus> {
        EnrollmentStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether the person takes part in the workshop or its queue (not cancelled).
    pub fn is_held(self) -> bool {
        self != EnrollmentStatus::Cancelled
    }
}

impl fmt::Display for EnrollmentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that happens to a person's place in a workshop. Whether a seat was free is
/// decided atomically by the database (a conditional UPDATE on the session's counter) and
/// passed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollmentEvent {
    /// The person asks for a seat; `seat_taken` says whether the counter update got one.
    Join {
        /// A seat was taken for this person.
        seat_taken: bool,
    },
    /// The person (or a cancellation of their registration) leaves the seat or the queue.
    Leave,
    /// A seat freed and this waiting person is first in line (the seat is already taken).
    Promote,
}

/// What the caller must do to the session's counters besides storing the new status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CounterEffect {
    /// `waitlisted_count + 1`.
    JoinQueue,
    /// `waitlisted_count - 1`.
    LeaveQueue,
    /// `enrolled_count - 1`, then promote the first in line (rule 2).
    FreeSeat,
}

/// An allowed change of an enrollment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentTransition {
    /// The status before (`None`: the person never had a row for this session).
    pub from: Option<EnrollmentStatus>,
    /// The status to store.
    pub to: EnrollmentStatus,
    /// Counter updates, in order.
    pub effects: Vec<CounterEffect>,
}

/// Why an enrollment event means nothing now. Both are answers, not failures: a repeated
/// request lands here and changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EnrollmentError {
    /// Joining a workshop the person already holds a seat or a queue place in.
    #[error("already enrolled or waiting")]
    AlreadyHeld,
    /// Leaving or promoting something the person does not hold (any more).
    #[error("an enrollment that is {0:?} cannot take this event")]
    NotAllowed(Option<EnrollmentStatus>),
}

/// The one rule for every enrollment change.
pub fn transition(
    current: Option<EnrollmentStatus>,
    event: EnrollmentEvent,
) -> Result<EnrollmentTransition, EnrollmentError> {
    use CounterEffect::*;
    use EnrollmentEvent as E;
    use EnrollmentStatus as S;
    let (to, effects) = match (current, event) {
        (None | Some(S::Cancelled), E::Join { seat_taken: true }) => (S::Enrolled, vec![]),
        (None | Some(S::Cancelled), E::Join { seat_taken: false }) => {
            (S::Waitlisted, vec![JoinQueue])
        }
        (Some(S::Enrolled | S::Waitlisted), E::Join { .. }) => {
            return Err(EnrollmentError::AlreadyHeld)
        }
        (Some(S::Enrolled), E::Leave) => (S::Cancelled, vec![FreeSeat]),
        (Some(S::Waitlisted), E::Leave) => (S::Cancelled, vec![LeaveQueue]),
        (Some(S::Waitlisted), E::Promote) => (S::Enrolled, vec![LeaveQueue]),
        (other, E::Leave | E::Promote) => return Err(EnrollmentError::NotAllowed(other)),
    };
    Ok(EnrollmentTransition {
        from: current,
        to,
        effects,
    })
}

/// A place in a workshop's queue: the number drawn on joining, then the row id as tie-break
/// (two people who joined at once may draw the same number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuePlace {
    /// The queue number drawn when joining (`max + 1`).
    pub position: i64,
    /// The enrollment's id.
    pub id: i64,
}

/// The waitlist order of a workshop (rule 2): lower queue number first, then the older row.
pub fn workshop_queue_order(a: &QueuePlace, b: &QueuePlace) -> Ordering {
    (a.position, a.id).cmp(&(b.position, b.id))
}

/// The queue number a person joining now draws, given the highest one in use.
pub fn next_queue_number(highest: Option<i64>) -> i64 {
    highest.unwrap_or(0) + 1
}

/// A place on the congress waitlist: people move up in the order they confirmed their email,
/// then by registration id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CongressQueuePlace {
    /// When the person confirmed (joined the waitlist); `None` sorts last (never expected).
    pub confirmed_at: Option<NaiveDateTime>,
    /// The registration's id.
    pub id: i64,
}

/// The congress waitlist order (rule 2): first confirmed first.
pub fn congress_queue_order(a: &CongressQueuePlace, b: &CongressQueuePlace) -> Ordering {
    match (a.confirmed_at, b.confirmed_at) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then(a.id.cmp(&b.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use CounterEffect::*;
    use EnrollmentEvent as E;
    use EnrollmentStatus as S;

    type Case = (
        Option<S>,
        E,
        Result<(S, Vec<CounterEffect>), EnrollmentError>,
    );

    #[test]
    fn the_transition_table() {
        let cases: Vec<Case> = vec![
            (
                None,
                E::Join { seat_taken: true },
                Ok((S::Enrolled, vec![])),
            ),
            (
                None,
                E::Join { seat_taken: false },
                Ok((S::Waitlisted, vec![JoinQueue])),
            ),
            (
                Some(S::Cancelled),
                E::Join { seat_taken: true },
                Ok((S::Enrolled, vec![])),
            ),
            (
                Some(S::Cancelled),
                E::Join { seat_taken: false },
                Ok((S::Waitlisted, vec![JoinQueue])),
            ),
            (
                Some(S::Enrolled),
                E::Join { seat_taken: true },
                Err(EnrollmentError::AlreadyHeld),
            ),
            (
                Some(S::Waitlisted),
                E::Join { seat_taken: false },
                Err(EnrollmentError::AlreadyHeld),
            ),
            (
                Some(S::Enrolled),
                E::Leave,
                Ok((S::Cancelled, vec![FreeSeat])),
            ),
            (
                Some(S::Waitlisted),
                E::Leave,
                Ok((S::Cancelled, vec![LeaveQueue])),
            ),
            (
                Some(S::Waitlisted),
                E::Promote,
                Ok((S::Enrolled, vec![LeaveQueue])),
            ),
            // Repeats and races: nothing to do, nothing counted twice.
            (
                Some(S::Cancelled),
                E::Leave,
                Err(EnrollmentError::NotAllowed(Some(S::Cancelled))),
            ),
            (None, E::Leave, Err(EnrollmentError::NotAllowed(None))),
            (
                Some(S::Enrolled),
                E::Promote,
                Err(EnrollmentError::NotAllowed(Some(S::Enrolled))),
            ),
            (
                Some(S::Cancelled),
                E::Promote,
                Err(EnrollmentError::NotAllowed(Some(S::Cancelled))),
            ),
        ];
        for (from, event, want) in cases {
            let got = transition(from, event).map(|t| (t.to, t.effects));
            assert_eq!(got, want, "{from:?} + {event:?}");
        }
    }

    #[test]
    fn a_seat_is_counted_once_whatever_the_path() {
        // Join with a seat, leave: the seat taken on joining is given back exactly once.
        let mut taken = 0;
        let mut queue = 0;
        let mut status = None;
        for event in [
            E::Join { seat_taken: false },
            E::Promote,
            E::Leave,
            E::Leave,
            E::Join { seat_taken: true },
            E::Join { seat_taken: true },
            E::Leave,
        ] {
            let Ok(t) = transition(status, event) else {
                continue;
            };
            if matches!(event, E::Promote | E::Join { seat_taken: true }) {
                taken += 1;
            }
            for e in &t.effects {
                match e {
                    JoinQueue => queue += 1,
                    LeaveQueue => queue -= 1,
                    FreeSeat => taken -= 1,
                }
            }
            status = Some(t.to);
        }
        assert_eq!((taken, queue, status), (0, 0, Some(S::Cancelled)));
    }

    #[test]
    fn stored_names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert_eq!(S::parse("ENROLLED"), None);
    }

    #[test]
    fn workshop_queue_is_by_number_then_row() {
        let mut q = [
            QueuePlace { position: 2, id: 1 },
            QueuePlace { position: 1, id: 9 },
            QueuePlace { position: 1, id: 3 },
        ];
        q.sort_by(workshop_queue_order);
        assert_eq!(q.iter().map(|p| p.id).collect::<Vec<_>>(), vec![3, 9, 1]);
        assert_eq!(next_queue_number(None), 1);
        assert_eq!(next_queue_number(Some(7)), 8);
    }

    #[test]
    fn congress_queue_is_first_confirmed_first() {
        let t = |h| {
            chrono::NaiveDate::from_ymd_opt(2027, 1, 1)
                .unwrap()
                .and_hms_opt(h, 0, 0)
        };
        let mut q = [
            CongressQueuePlace {
                confirmed_at: t(10),
                id: 1,
            },
            CongressQueuePlace {
                confirmed_at: None,
                id: 0,
            },
            CongressQueuePlace {
                confirmed_at: t(9),
                id: 5,
            },
            CongressQueuePlace {
                confirmed_at: t(9),
                id: 2,
            },
        ];
        q.sort_by(congress_queue_order);
        assert_eq!(q.iter().map(|p| p.id).collect::<Vec<_>>(), vec![2, 5, 1, 0]);
    }
}
