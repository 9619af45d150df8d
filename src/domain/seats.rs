//! Seat arithmetic for workshop seats and registration quotas (SPEC §2 rules 1–2).
//!
//! These functions decide; they do not enforce. The database makes the decision atomic with a
//! conditional update on the counter (STYLE, "A seat is taken with one conditional
//! statement"); the waitlist promotion uses them to know how many people to try to move up.

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

/// Free seats ("3 seats left", and how many may move up from a waitlist); `None` when
/// unlimited.
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
}
