//! How long a login must wait after failed passwords (issue 13). Failures are counted per
//! account *and* client address, so whoever types wrong passwords for an account slows down
//! only themselves: nobody can lock an organizer out from elsewhere.

use chrono::Duration;

/// Failures of one account from one address that cost nothing.
pub const FREE_FAILURES: i32 = 4;

/// The longest wait.
pub fn longest_delay() -> Duration {
    Duration::minutes(15)
}

/// The wait after `failures` failed passwords in a row (counted since the last success or the
/// last quarter of an hour without a failure): none for the first four, then 2 s, doubling
/// with each further failure, at most 15 minutes.
pub fn login_delay(failures: i32) -> Option<Duration> {
    if failures <= FREE_FAILURES {
        return None;
    }
    let exp = (failures - FREE_FAILURES).min(20) as u32;
    Some(Duration::seconds(1i64 << exp).min(longest_delay()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stop_growing() {
        assert_eq!(login_delay(0), None);
        assert_eq!(login_delay(4), None);
        assert_eq!(login_delay(5), Some(Duration::seconds(2)));
        assert_eq!(login_delay(6), Some(Duration::seconds(4)));
        assert_eq!(login_delay(10), Some(Duration::seconds(64)));
        assert_eq!(login_delay(14), Some(Duration::seconds(900)));
        assert_eq!(login_delay(1000), Some(longest_delay()));
        let mut last = Duration::zero();
        for n in 5..40 {
            let d = login_delay(n).unwrap();
            assert!(d >= last);
            last = d;
        }
    }
}
