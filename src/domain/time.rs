//! Instants, wall-clock times and congress days.
//!
//! Sessions are stored as UTC instants and shown in the congress time zone (SPEC §2). Organizers
//! think in local wall-clock times and local days, so every conversion between the two lives
//! here, where daylight-saving edges can be tested once instead of in every handler.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// A non-empty, half-open span of time `[start, end)`.
///
/// Half-open so that a session ending at 10:30 and the next one starting at 10:30 in the same room
/// do not clash, and so that consecutive days tile without sharing an instant. The fields are
/// private: a range whose end is not after its start cannot exist, which spares every consumer
/// (overlap checks, durations, exports) from handling it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "RawTimeRange")]
pub struct TimeRange {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// Unchecked wire form, so that deserialization goes through [`TimeRange::new`] too.
#[derive(serde::Deserialize)]
struct RawTimeRange {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl TryFrom<RawTimeRange> for TimeRange {
    type Error = TimeRangeError;

    fn try_from(raw: RawTimeRange) -> Result<Self, Self::Error> {
        TimeRange::new(raw.start, raw.end)
    }
}

/// Why a time range was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimeRangeError {
    /// The end equals or precedes the start; a zero-length session is almost always a typo.
    #[error("The end must be after the start.")]
    EndNotAfterStart,
}

impl TimeRange {
    /// Builds a range, refusing empty and reversed ones.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<TimeRange, TimeRangeError> {
        if end <= start {
            return Err(TimeRangeError::EndNotAfterStart);
        }
        Ok(TimeRange { start, end })
    }

    /// First instant inside the range.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// First instant after the range.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// Elapsed time, which differs from the wall-clock difference across a DST change.
    pub fn duration(&self) -> TimeDelta {
        self.end - self.start
    }

    /// Elapsed whole minutes (truncated), the unit programmes and exports use.
    pub fn duration_minutes(&self) -> i64 {
        self.duration().num_minutes()
    }

    /// Whether the two ranges share at least one instant; touching ranges do not.
    pub fn overlaps(&self, other: &TimeRange) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// Whether `other` lies entirely within this range (edges included).
    pub fn contains(&self, other: &TimeRange) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// The congress time zone setting did not name an IANA zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeZoneError {
    /// Not in the IANA database bundled with this build.
    #[error("'{0}' is not a known time zone; please use a name such as Europe/Berlin.")]
    Unknown(String),
}

/// Parses an IANA zone name such as `Europe/Berlin`.
///
/// Names are matched exactly (case-sensitive), as the database spells them, so that what is
/// stored round-trips unchanged into `.ics` `TZID`s and exports.
pub fn parse_time_zone(name: &str) -> Result<Tz, TimeZoneError> {
    name.parse::<Tz>()
        .map_err(|_| TimeZoneError::Unknown(name.to_owned()))
}

/// A wall-clock time entered by an organizer cannot be turned into an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LocalTimeError {
    /// The time falls into the gap when clocks are put forward, so no such instant exists.
    #[error("{date} {time} does not exist in the congress time zone because the clocks are put forward then; please choose another time.")]
    Nonexistent {
        /// The local date as entered.
        date: NaiveDate,
        /// The local time as entered.
        time: NaiveTime,
    },
}

/// Turns a local wall-clock date and time in `tz` into an instant.
///
/// A time inside the spring-forward gap is refused rather than shifted: guessing would silently
/// move a session by an hour. A time that occurs twice (the autumn fold) resolves to the earlier
/// instant, the first occurrence, still in summer time: organizers type wall-clock times as
/// they would print them in a programme, and a reader of a printed "02:30" on that night would
/// take it to mean the first 02:30 they live through.
pub fn local_to_utc(
    tz: Tz,
    date: NaiveDate,
    time: NaiveTime,
) -> Result<DateTime<Utc>, LocalTimeError> {
    match tz.from_local_datetime(&date.and_time(time)) {
        LocalResult::Single(local) => Ok(local.with_timezone(&Utc)),
        LocalResult::Ambiguous(earlier, _later) => Ok(earlier.with_timezone(&Utc)),
        LocalResult::None => Err(LocalTimeError::Nonexistent { date, time }),
    }
}

/// Shows an instant as the wall-clock time of the congress.
pub fn utc_to_local(tz: Tz, instant: DateTime<Utc>) -> DateTime<Tz> {
    instant.with_timezone(&tz)
}

/// The local calendar day an instant falls on, e.g. to group sessions into programme days.
pub fn local_date_of(tz: Tz, instant: DateTime<Utc>) -> NaiveDate {
    utc_to_local(tz, instant).date_naive()
}

/// All congress days from `first` to `last`, both included; empty if `last` precedes `first`,
/// so that a half-edited congress renders an empty programme instead of failing.
pub fn congress_days(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    first.iter_days().take_while(|day| *day <= last).collect()
}

/// The instants belonging to local day `date` in `tz`: from its first local instant to the
/// first local instant of the next day.
///
/// This is 23 hours on a spring-forward day and 25 on an autumn one, which is exactly what
/// "sessions on that day" has to mean.
pub fn day_range_utc(tz: Tz, date: NaiveDate) -> TimeRange {
    let start = start_of_local_day(tz, date);
    let end = match date.succ_opt() {
        Some(next) => start_of_local_day(tz, next),
        // Only at chrono's calendar limit; a day still has to be a valid, non-empty range.
        None => start + TimeDelta::days(1),
    };
    debug_assert!(start < end);
    TimeRange { start, end }
}

/// The whole congress from the start of its first local day to the end of its last; `None`
/// when the dates are reversed, as a congress without days has no window.
pub fn congress_window_utc(tz: Tz, first: NaiveDate, last: NaiveDate) -> Option<TimeRange> {
    if last < first {
        return None;
    }
    let start = day_range_utc(tz, first).start();
    let end = day_range_utc(tz, last).end();
    Some(TimeRange { start, end })
}

/// The first instant whose local date is `date`.
///
/// Usually local midnight. Some zones (e.g. America/Santiago) put the clocks forward at
/// midnight, so 00:00 does not exist and the day begins at the end of the gap; that instant
/// is the transition itself, found by bisection over the seconds around midnight.
fn start_of_local_day(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    if let Ok(instant) = local_to_utc(tz, date, NaiveTime::MIN) {
        return instant;
    }
    // No zone is more than 14 h off UTC, so 36 h either side of naive midnight read as UTC
    // certainly lies on the previous day and on the day itself (or later) respectively.
    // Bisect over whole seconds: transitions in the tz database fall on whole seconds.
    let midnight = date.and_time(NaiveTime::MIN).and_utc().timestamp();
    let at =
        |seconds: i64| DateTime::from_timestamp(seconds, 0).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let mut before = midnight - 36 * 3600;
    let mut after = midnight + 36 * 3600;
    while after - before > 1 {
        let middle = before + (after - before) / 2;
        if local_date_of(tz, at(middle)) < date {
            before = middle;
        } else {
            after = middle;
        }
    }
    at(after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Berlin;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn range(start: &str, end: &str) -> TimeRange {
        TimeRange::new(utc(start), utc(end)).unwrap()
    }

    #[test]
    fn new_refuses_empty_and_reversed_ranges() {
        let cases = [
            ("2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z", true),
            ("2026-05-01T10:00:00Z", "2026-05-01T10:00:01Z", true),
            ("2026-05-01T10:00:00Z", "2026-05-01T10:00:00Z", false),
            ("2026-05-01T11:00:00Z", "2026-05-01T10:00:00Z", false),
        ];
        for (start, end, ok) in cases {
            let got = TimeRange::new(utc(start), utc(end));
            match ok {
                true => assert_eq!(got.unwrap().start(), utc(start)),
                false => assert_eq!(got, Err(TimeRangeError::EndNotAfterStart)),
            }
        }
    }

    #[test]
    fn overlaps_is_half_open_and_symmetric() {
        let base = range("2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z");
        let cases = [
            ("2026-05-01T09:00:00Z", "2026-05-01T10:00:00Z", false), // touches start
            ("2026-05-01T11:00:00Z", "2026-05-01T12:00:00Z", false), // touches end
            ("2026-05-01T08:00:00Z", "2026-05-01T09:00:00Z", false), // before
            ("2026-05-01T09:30:00Z", "2026-05-01T10:01:00Z", true),  // laps start
            ("2026-05-01T10:59:00Z", "2026-05-01T12:00:00Z", true),  // laps end
            ("2026-05-01T10:15:00Z", "2026-05-01T10:45:00Z", true),  // inside
            ("2026-05-01T09:00:00Z", "2026-05-01T12:00:00Z", true),  // around
            ("2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z", true),  // equal
        ];
        for (start, end, expected) in cases {
            let other = range(start, end);
            assert_eq!(base.overlaps(&other), expected, "{start}–{end}");
            assert_eq!(other.overlaps(&base), expected, "{start}–{end} reversed");
        }
    }

    #[test]
    fn contains_includes_edges() {
        let base = range("2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z");
        let cases = [
            ("2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z", true),
            ("2026-05-01T10:15:00Z", "2026-05-01T10:45:00Z", true),
            ("2026-05-01T09:59:00Z", "2026-05-01T10:45:00Z", false),
            ("2026-05-01T10:15:00Z", "2026-05-01T11:01:00Z", false),
            ("2026-05-01T12:00:00Z", "2026-05-01T13:00:00Z", false),
        ];
        for (start, end, expected) in cases {
            assert_eq!(base.contains(&range(start, end)), expected, "{start}–{end}");
        }
    }

    #[test]
    fn serde_round_trip_and_validation() {
        let r = range("2026-05-01T10:00:00Z", "2026-05-01T11:30:00Z");
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json,
            r#"{"start":"2026-05-01T10:00:00Z","end":"2026-05-01T11:30:00Z"}"#
        );
        assert_eq!(serde_json::from_str::<TimeRange>(&json).unwrap(), r);
        let reversed = r#"{"start":"2026-05-01T11:00:00Z","end":"2026-05-01T10:00:00Z"}"#;
        assert!(serde_json::from_str::<TimeRange>(reversed).is_err());
    }

    #[test]
    fn parses_iana_names_only() {
        let cases = [
            ("Europe/Berlin", true),
            ("America/Santiago", true),
            ("UTC", true),
            ("", false),
            ("Mars/Olympus_Mons", false),
            ("CEST+2", false),
        ];
        for (name, ok) in cases {
            assert_eq!(parse_time_zone(name).is_ok(), ok, "{name:?}");
        }
        assert_eq!(parse_time_zone("Europe/Berlin").unwrap(), Berlin);
        assert_eq!(
            parse_time_zone("Nowhere"),
            Err(TimeZoneError::Unknown("Nowhere".into()))
        );
    }

    #[test]
    fn local_to_utc_in_berlin_around_dst() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            // Winter and summer time on ordinary days.
            ("2026-01-15", "10:00", Some("2026-01-15T09:00:00Z")),
            ("2026-06-15", "10:00", Some("2026-06-15T08:00:00Z")),
            // Spring forward: 02:00–03:00 local does not exist.
            ("2026-03-29", "01:59", Some("2026-03-29T00:59:00Z")),
            ("2026-03-29", "02:00", None),
            ("2026-03-29", "02:30", None),
            ("2026-03-29", "02:59", None),
            ("2026-03-29", "03:00", Some("2026-03-29T01:00:00Z")),
            // Fall back: 02:00–03:00 local happens twice; the first (summer time) wins.
            ("2026-10-25", "01:59", Some("2026-10-24T23:59:00Z")),
            ("2026-10-25", "02:00", Some("2026-10-25T00:00:00Z")),
            ("2026-10-25", "02:30", Some("2026-10-25T00:30:00Z")),
            ("2026-10-25", "02:59", Some("2026-10-25T00:59:00Z")),
            ("2026-10-25", "03:00", Some("2026-10-25T02:00:00Z")),
        ];
        for (date, time, expected) in cases {
            let got = local_to_utc(Berlin, d(date), t(time));
            match expected {
                Some(instant) => assert_eq!(got, Ok(utc(instant)), "{date} {time}"),
                None => assert_eq!(
                    got,
                    Err(LocalTimeError::Nonexistent {
                        date: d(date),
                        time: t(time)
                    }),
                    "{date} {time}"
                ),
            }
        }
    }

    #[test]
    fn round_trips_local_times() {
        let cases = [
            ("2026-01-15", "10:00", "+01:00"),
            ("2026-03-29", "01:59", "+01:00"),
            ("2026-03-29", "03:00", "+02:00"),
            ("2026-06-15", "23:59", "+02:00"),
            ("2026-10-25", "02:30", "+02:00"), // ambiguous: back as the first occurrence
            ("2026-10-25", "03:00", "+01:00"),
        ];
        for (date, time, offset) in cases {
            let instant = local_to_utc(Berlin, d(date), t(time)).unwrap();
            let local = utc_to_local(Berlin, instant);
            assert_eq!(
                local.naive_local(),
                d(date).and_time(t(time)),
                "{date} {time}"
            );
            assert_eq!(local.format("%:z").to_string(), offset, "{date} {time}");
            assert_eq!(local_date_of(Berlin, instant), d(date));
        }
    }

    #[test]
    fn both_fold_instants_show_the_same_wall_clock() {
        for instant in ["2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"] {
            let local = utc_to_local(Berlin, utc(instant));
            assert_eq!(local.naive_local(), d("2026-10-25").and_time(t("02:30")));
        }
    }

    #[test]
    fn session_across_spring_forward_lasts_one_hour() {
        let start = local_to_utc(Berlin, d("2026-03-29"), t("01:30")).unwrap();
        let end = local_to_utc(Berlin, d("2026-03-29"), t("03:30")).unwrap();
        let session = TimeRange::new(start, end).unwrap();
        assert_eq!(session.duration_minutes(), 60);
    }

    #[test]
    fn day_lengths_in_berlin() {
        let cases = [
            ("2026-03-28", "2026-03-27T23:00:00Z", 24),
            ("2026-03-29", "2026-03-28T23:00:00Z", 23),
            ("2026-03-30", "2026-03-29T22:00:00Z", 24),
            ("2026-06-15", "2026-06-14T22:00:00Z", 24),
            ("2026-10-25", "2026-10-24T22:00:00Z", 25),
            ("2026-10-26", "2026-10-25T23:00:00Z", 24),
        ];
        for (date, start, hours) in cases {
            let day = day_range_utc(Berlin, d(date));
            assert_eq!(day.start(), utc(start), "{date}");
            assert_eq!(day.duration_minutes(), hours * 60, "{date}");
        }
    }

    #[test]
    fn day_starts_after_a_midnight_gap() {
        // Chile puts its clocks forward at 24:00 on Saturday: Sunday 00:00 never happens
        // and the day begins at 01:00 -03, i.e. 04:00 UTC.
        let santiago = parse_time_zone("America/Santiago").unwrap();
        let day = day_range_utc(santiago, d("2026-09-06"));
        assert_eq!(day.start(), utc("2026-09-06T04:00:00Z"));
        assert_eq!(day.duration_minutes(), 23 * 60);
        // Autumn: Saturday gets its 23:00 hour twice and lasts 25 hours.
        let day = day_range_utc(santiago, d("2026-04-04"));
        assert_eq!(day.start(), utc("2026-04-04T03:00:00Z"));
        assert_eq!(day.duration_minutes(), 25 * 60);
    }

    #[test]
    fn consecutive_days_tile_without_gaps() {
        let days = congress_days(d("2026-03-27"), d("2026-10-27"));
        for pair in days.windows(2) {
            let (a, b) = (
                day_range_utc(Berlin, pair[0]),
                day_range_utc(Berlin, pair[1]),
            );
            assert_eq!(a.end(), b.start(), "{} / {}", pair[0], pair[1]);
            assert!(!a.overlaps(&b));
        }
    }

    #[test]
    fn congress_days_inclusive() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("2026-05-04", "2026-05-05", &["2026-05-04", "2026-05-05"]),
            ("2026-05-04", "2026-05-04", &["2026-05-04"]),
            ("2026-05-05", "2026-05-04", &[]),
            (
                "2026-02-27",
                "2026-03-02",
                &["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"],
            ),
        ];
        for (first, last, expected) in cases {
            let expected: Vec<NaiveDate> = expected.iter().map(|s| d(s)).collect();
            assert_eq!(congress_days(d(first), d(last)), expected, "{first}–{last}");
        }
    }

    #[test]
    fn congress_window_spans_whole_local_days() {
        let cases = [
            (
                "2026-03-28",
                "2026-03-29",
                Some(("2026-03-27T23:00:00Z", "2026-03-29T22:00:00Z")),
            ),
            (
                "2026-05-04",
                "2026-05-04",
                Some(("2026-05-03T22:00:00Z", "2026-05-04T22:00:00Z")),
            ),
            ("2026-05-05", "2026-05-04", None),
        ];
        for (first, last, expected) in cases {
            let got = congress_window_utc(Berlin, d(first), d(last));
            let expected = expected.map(|(s, e)| range(s, e));
            assert_eq!(got, expected, "{first}–{last}");
        }
        let window = congress_window_utc(Berlin, d("2026-03-28"), d("2026-03-29")).unwrap();
        assert_eq!(window.duration_minutes(), 47 * 60);
    }

    #[test]
    fn local_date_depends_on_zone() {
        let cases = [
            ("2026-03-28T22:59:00Z", "2026-03-28"),
            ("2026-03-28T23:00:00Z", "2026-03-29"),
            ("2026-10-24T22:00:00Z", "2026-10-25"),
            ("2026-10-25T22:59:00Z", "2026-10-25"),
            ("2026-10-25T23:00:00Z", "2026-10-26"),
        ];
        for (instant, date) in cases {
            assert_eq!(local_date_of(Berlin, utc(instant)), d(date), "{instant}");
        }
        assert_eq!(
            local_date_of(chrono_tz::UTC, utc("2026-03-28T23:00:00Z")),
            d("2026-03-28")
        );
    }
}
