//! What the frab/c3voc schedule formats (`schedule.xml`, `schedule.json`) share: the acronym,
//! slugs, durations, local times with offsets, the days with their rooms, URLs and the version
//! string (`shared/formats/README.md` has the rules the clients rely on).

use chrono::{DateTime, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::domain::programme::SnapshotSession;
use crate::domain::published::PublishedProgramme;

/// The conference acronym: the slug with `_` for `-`, which passes the XSD's
/// `[a-z0-9_-]{4,}` and the JSON schema's stricter pattern; padded to four characters.
pub fn acronym(slug: &str) -> String {
    let mut a: String = slug
        .chars()
        .map(|c| {
            if c == '-' {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
        .collect();
    while a.len() < 4 {
        a.push('_');
    }
    a
}

/// Lowercase ASCII words joined by `-` (German umlauts transliterated), at most 60 characters.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.chars() {
        let piece: &str = match c {
            'ä' | 'Ä' => "ae",
            'ö' | 'Ö' => "oe",
            'ü' | 'Ü' => "ue",
            'ß' => "ss",
            'é' | 'è' | 'ê' | 'É' => "e",
            'á' | 'à' | 'â' => "a",
            _ => "",
        };
        if !piece.is_empty() {
            out.push_str(piece);
            dash = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
        if out.len() >= 60 {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

/// `{acronym}-{id}-{title}`: passes the XSD's `voc-slug-new` and the JSON schema's pattern.
pub fn event_slug(acronym: &str, s: &SnapshotSession) -> String {
    let title = slugify(&s.title);
    let title = if title.is_empty() {
        "session".to_string()
    } else {
        title
    };
    format!("{acronym}-{}-{title}", s.id)
}

/// Zero-padded `HH:MM` between two instants.
pub fn duration(start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    let minutes = (end - start).num_minutes().max(0);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// RFC 3339 with the zone's offset at that instant, seconds included.
pub fn local_rfc3339(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// One congress day of the export with its sessions per room (rooms in display order).
pub(super) struct Day<'a> {
    pub index: usize,
    pub date: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub rooms: Vec<(String, Option<String>, Vec<&'a SnapshotSession>)>,
}

pub(super) fn local_at(tz: Tz, date: NaiveDate, hour: u32) -> DateTime<Utc> {
    let naive = date.and_hms_opt(hour.min(23), 0, 0).unwrap_or_default();
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(naive + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// The days with their sessions. A day runs from the hour of its first session to the hour
/// after its last one ends (09:00–18:00 local when empty), so every event's `date` lies in it.
pub(super) fn days(p: &PublishedProgramme) -> Vec<Day<'_>> {
    let tz = p.tz;
    let shown: Vec<&SnapshotSession> = p
        .snapshot
        .sessions
        .iter()
        .filter(|s| !s.cancelled)
        .collect();
    let mut dates: Vec<NaiveDate> = p.snapshot.days.iter().map(|d| d.date).collect();
    if dates.is_empty() {
        dates = p.days.clone();
    }
    dates
        .iter()
        .enumerate()
        .map(|(i, date)| {
            let on_day: Vec<&SnapshotSession> = shown
                .iter()
                .copied()
                .filter(|s| p.local_date(s.start) == *date)
                .collect();
            let start = on_day
                .iter()
                .map(|s| s.start)
                .min()
                .map(|t| {
                    let l = t.with_timezone(&tz);
                    local_at(tz, *date, l.hour())
                })
                .unwrap_or_else(|| local_at(tz, *date, 9));
            let end = on_day
                .iter()
                .map(|s| s.end)
                .max()
                .map(|t| {
                    // Up to the next full hour.
                    let rounded = t + chrono::Duration::minutes(59);
                    rounded
                        .with_minute(0)
                        .and_then(|t| t.with_second(0))
                        .unwrap_or(rounded)
                })
                .unwrap_or_else(|| local_at(tz, *date, 18));
            let mut rooms: Vec<(String, Option<String>, Vec<&SnapshotSession>)> = p
                .snapshot
                .rooms
                .iter()
                .map(|r| (r.name.clone(), Some(r.guid.clone()), vec![]))
                .collect();
            for s in &on_day {
                match s.room_id.and_then(|r| p.room_position(r)) {
                    Some(i) => rooms[i].2.push(s),
                    None => match rooms.iter_mut().find(|r| r.1.is_none()) {
                        Some(r) => r.2.push(s),
                        None => rooms.push(("–".into(), None, vec![s])),
                    },
                }
            }
            rooms.retain(|r| !r.2.is_empty());
            Day {
                index: i + 1,
                date: *date,
                start,
                end: end.max(start + chrono::Duration::hours(1)),
                rooms,
            }
        })
        .collect()
}

pub(super) fn congress_url(base_url: &str, p: &PublishedProgramme) -> String {
    format!("{base_url}/{}", p.snapshot.congress.slug)
}

pub fn session_url(base_url: &str, p: &PublishedProgramme, s: &SnapshotSession) -> String {
    format!("{}/sessions/{}", congress_url(base_url, p), s.id)
}

/// A track's slug for the XSD's `[a-z][a-z0-9-]+` and the JSON schema's pattern.
pub(super) fn track_slug(name: &str, id: i64) -> String {
    let s = slugify(name);
    if s.len() >= 2 && s.starts_with(|c: char| c.is_ascii_lowercase()) {
        s
    } else {
        format!("track-{id}")
    }
}

pub(super) fn hex_colour(c: &str) -> Option<&str> {
    (c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|c| c.is_ascii_hexdigit()))
        .then_some(c)
}

/// The version string clients compare to see whether the schedule changed.
pub(super) fn version(p: &PublishedProgramme) -> String {
    format!(
        "{} ({})",
        p.number,
        p.published_at.format("%Y-%m-%d %H:%M UTC")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn acronyms_and_slugs_pass_both_schemas() {
        let json = regex_lite_acronym;
        for slug in ["smart-city-2027", "ab", "x-1", "kongress"] {
            let a = acronym(slug);
            assert!(
                a.len() >= 4
                    && a.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{a}"
            );
            assert!(json(&a), "{a}");
        }
        assert_eq!(
            slugify("Digitale Zwillinge für die Stadtplanung!"),
            "digitale-zwillinge-fuer-die-stadtplanung"
        );
        assert_eq!(slugify("  ––  "), "");
        assert_eq!(slugify("Größe & Maß"), "groesse-mass");
    }

    /// `^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$` for the acronyms we make (no suffix).
    fn regex_lite_acronym(a: &str) -> bool {
        let mut chars = a.chars();
        let first = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        let rest: Vec<char> = chars.collect();
        first
            && rest.len() >= 3
            && rest
                .iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
    }

    #[test]
    fn durations_are_zero_padded_and_offsets_follow_dst() {
        let a = Utc.with_ymd_and_hms(2027, 3, 28, 0, 30, 0).unwrap();
        assert_eq!(duration(a, a + chrono::Duration::minutes(95)), "01:35");
        assert_eq!(duration(a, a + chrono::Duration::minutes(5)), "00:05");
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // 28 March 2027: clocks go forward at 01:00 UTC.
        assert_eq!(local_rfc3339(tz, a), "2027-03-28T01:30:00+01:00");
        assert_eq!(
            local_rfc3339(tz, a + chrono::Duration::hours(2)),
            "2027-03-28T04:30:00+02:00"
        );
    }
}
