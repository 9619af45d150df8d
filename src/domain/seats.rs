//! Seat arithmetic for workshop seats and registration quotas (SPEC §2 rules 1–2).
//!
//! These functions decide; they do not enforce. The database makes the decision atomic with a
//! conditional update on the counter (STYLE, "A seat is taken with one conditional
//! statement"), and uses these rules to know what to attempt and what to tell the participant.

/// The number of seats a session can actually offer: the smaller of its own enrollment capacity
/// and its room's capacity, because neither may be exceeded (rule 1).
///
/// `None` means no limit applies, so the session needs no enrollment limit. A room capacity
/// alone still limits: a session in a full room must not overbook it just because the
/// organizer did not repeat the number on the session.
pub fn effective_capacity(
    session_capacity: Option<i32>,
    room_capacity: Option<i32>,
) -> Option<i32> {
    match (session_capacity, room_capacity) {
        (Some(session), Some(room)) => Some(session.min(room)),
        (one, None) | (None, one) => one,
    }
}

/// What happens to a request for a session seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatDecision {
    /// A seat is free: the participant is enrolled.
    Enroll,
    /// All seats are taken: the participant joins the end of the waitlist.
    Waitlist,
}

/// Decides whether one more participant gets a seat, given how many are taken.
pub fn decide_seat(taken: i32, capacity: Option<i32>) -> SeatDecision {
    match capacity {
        Some(capacity) if taken >= capacity => SeatDecision::Waitlist,
        _ => SeatDecision::Enroll,
    }
}

/// Free seats for display ("3 seats left"); `None` when unlimited.
///
/// Never negative: lowering a capacity below the seats already taken leaves people enrolled
/// (they are not thrown out), and the page should say "full", not "-2 left".
pub fn seats_left(taken: i32, capacity: Option<i32>) -> Option<i32> {
    capacity.map(|capacity| capacity.saturating_sub(taken).max(0))
}

/// How many from the head of the waitlist move up when `free_seats` become available (rule 2),
/// e.g. after a cancellation or a raised capacity. Never more than are waiting.
pub fn promotions(free_seats: i32, waitlist_len: usize) -> usize {
    usize::try_from(free_seats).unwrap_or(0).min(waitlist_len)
}

/// A counted limit: confirmed registrations against the congress capacity or a category quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    taken: i32,
    limit: Option<i32>,
}

impl Quota {
    /// A quota with `taken` places used out of `limit` (`None` = unlimited).
    pub fn new(taken: i32, limit: Option<i32>) -> Quota {
        Quota { taken, limit }
    }

    /// Places already used.
    pub fn taken(&self) -> i32 {
        self.taken
    }

    /// The limit, if any.
    pub fn limit(&self) -> Option<i32> {
        self.limit
    }

    /// Whether one more place can be given.
    pub fn has_room(&self) -> bool {
        decide_seat(self.taken, self.limit) == SeatDecision::Enroll
    }

    /// Places still free, for display; `None` when unlimited, never negative.
    pub fn remaining(&self) -> Option<i32> {
        seats_left(self.taken, self.limit)
    }
}

/// Why a registration went onto the waitlist; shown to the participant and to organizers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitlistReason {
    /// The congress has reached its overall capacity.
    CongressFull,
    /// The participant's category has reached its quota.
    CategoryFull,
}

/// The outcome of confirming a registration (after the double opt-in link was followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Admission {
    /// Both the congress and the category have room.
    Confirm,
    /// At least one limit is reached.
    Waitlist(WaitlistReason),
}

/// Decides whether a registration can be confirmed: it needs room in the congress and in its
/// category (rule 1).
///
/// When both are full the congress is named, because that is the limit a freed category place
/// would not cure; telling the participant "your category is full" would suggest that another
/// category might still get them in.
pub fn admit_registration(congress: Quota, category: Quota) -> Admission {
    if !congress.has_room() {
        Admission::Waitlist(WaitlistReason::CongressFull)
    } else if !category.has_room() {
        Admission::Waitlist(WaitlistReason::CategoryFull)
    } else {
        Admission::Confirm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_capacity_is_the_smaller_limit() {
        let cases = [
            (None, None, None),
            (Some(25), None, Some(25)),
            (None, Some(40), Some(40)),
            (Some(25), Some(40), Some(25)),
            (Some(60), Some(40), Some(40)),
            (Some(30), Some(30), Some(30)),
            (Some(0), Some(40), Some(0)),
        ];
        for (session, room, expected) in cases {
            assert_eq!(
                effective_capacity(session, room),
                expected,
                "{session:?}/{room:?}"
            );
        }
    }

    #[test]
    fn decide_seat_waitlists_when_full() {
        use SeatDecision::*;
        let cases = [
            (0, None, Enroll),
            (10_000, None, Enroll),
            (0, Some(25), Enroll),
            (24, Some(25), Enroll),
            (25, Some(25), Waitlist),
            (26, Some(25), Waitlist),
            (0, Some(0), Waitlist),
        ];
        for (taken, capacity, expected) in cases {
            assert_eq!(
                decide_seat(taken, capacity),
                expected,
                "{taken}/{capacity:?}"
            );
        }
    }

    #[test]
    fn seats_left_is_never_negative() {
        let cases = [
            (0, None, None),
            (5, None, None),
            (0, Some(25), Some(25)),
            (20, Some(25), Some(5)),
            (25, Some(25), Some(0)),
            (30, Some(25), Some(0)),
            (i32::MIN, Some(i32::MAX), Some(i32::MAX)),
        ];
        for (taken, capacity, expected) in cases {
            assert_eq!(
                seats_left(taken, capacity),
                expected,
                "{taken}/{capacity:?}"
            );
        }
    }

    #[test]
    fn promotions_are_bounded_by_the_waitlist() {
        let cases = [
            (0, 5, 0),
            (1, 5, 1),
            (3, 5, 3),
            (5, 5, 5),
            (10, 5, 5),
            (3, 0, 0),
            (-2, 5, 0),
        ];
        for (free, waiting, expected) in cases {
            assert_eq!(promotions(free, waiting), expected, "{free}/{waiting}");
        }
    }

    #[test]
    fn quota_has_room_and_remaining() {
        let cases = [
            (Quota::new(0, None), true, None),
            (Quota::new(99, Some(100)), true, Some(1)),
            (Quota::new(100, Some(100)), false, Some(0)),
            (Quota::new(101, Some(100)), false, Some(0)),
            (Quota::new(0, Some(0)), false, Some(0)),
        ];
        for (quota, room, remaining) in cases {
            assert_eq!(quota.has_room(), room, "{quota:?}");
            assert_eq!(quota.remaining(), remaining, "{quota:?}");
        }
        let q = Quota::new(3, Some(7));
        assert_eq!((q.taken(), q.limit()), (3, Some(7)));
    }

    #[test]
    fn admission_needs_room_in_congress_and_category() {
        use Admission::*;
        use WaitlistReason::*;
        let open = Quota::new(10, Some(200));
        let unlimited = Quota::new(10, None);
        let full = Quota::new(200, Some(200));
        let cases = [
            (open, open, Confirm),
            (unlimited, unlimited, Confirm),
            (open, unlimited, Confirm),
            (full, open, Waitlist(CongressFull)),
            (open, full, Waitlist(CategoryFull)),
            (unlimited, full, Waitlist(CategoryFull)),
            (full, full, Waitlist(CongressFull)),
        ];
        for (congress, category, expected) in cases {
            assert_eq!(
                admit_registration(congress, category),
                expected,
                "{congress:?}/{category:?}"
            );
        }
    }
}
