//! iCalendar (RFC 5545): the whole programme (`schedule.ics`), a participant's agenda and a
//! speaker's slots. Times in UTC, stable UIDs from the sessions' guids, SEQUENCE from the
//! published version.
//!
//! Written by hand rather than through a calendar crate because every text — the calendar's
//! name too, which the crate wrote raw — must pass one escaping and folding function (issue 13:
//! a title with CR/LF split the public feed in two). The tests read the feeds back with two
//! independent parsers.

use chrono::{DateTime, NaiveDate, Utc};

use super::schedule::session_url;
use super::ScheduleFormat;
use crate::domain::published::PublishedProgramme;

/// One event of a feed.
pub struct CalEvent {
    pub uid: String,
    pub summary: String,
    pub description: String,
    pub location: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub sequence: u32,
    pub url: String,
    pub cancelled: bool,
}

/// A participant's own programme from a published version: the sessions open to everyone on
/// the days they attend (`days_attending` as stored, comma-separated ISO dates) and the
/// workshops they hold a seat in.
pub fn agenda_events(
    p: &PublishedProgramme,
    days_attending: &str,
    enrolled: &[i64],
    base_url: &str,
) -> Vec<CalEvent> {
    let days: Vec<NaiveDate> = days_attending
        .split(',')
        .filter_map(|d| d.parse().ok())
        .collect();
    p.snapshot
        .sessions
        .iter()
        .filter(|s| {
            if s.capacity.is_some() {
                enrolled.contains(&s.id.get())
            } else {
                days.contains(&p.local_date(s.start))
            }
        })
        .map(|s| CalEvent {
            uid: s.guid.clone(),
            summary: s.title.clone(),
            description: s.abstract_.clone(),
            location: s
                .room_id
                .and_then(|id| p.room(id))
                .map(|room| room.name.clone())
                .unwrap_or_default(),
            start: s.start,
            end: s.end,
            sequence: s.sequence,
            url: format!("{base_url}/{}/sessions/{}", p.snapshot.congress.slug, s.id),
            cancelled: s.cancelled,
        })
        .collect()
}

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, every line end
/// (LF, CR, CRLF) written as `\n`, other control characters dropped. The only way text gets
/// into a feed.
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\t' => out.push('\t'),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A value that is not TEXT (a URI, a date-time): control characters dropped, nothing escaped.
fn raw(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

/// One content line, folded so that no line is longer than 75 octets (a continuation starts
/// with a space, which counts), never inside a UTF-8 sequence, ended by CRLF.
fn line(out: &mut String, name: &str, value: &str) {
    let mut width = 0;
    for c in name.chars().chain([':']).chain(value.chars()) {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// What the feeds call themselves (`PRODID`).
pub const PRODID: &str = concat!("-//kongress//kongress ", env!("CARGO_PKG_VERSION"), "//DE");

/// A calendar named `name` with the events, as text with CRLF line ends.
pub fn feed(name: &str, events: &[CalEvent]) -> String {
    let mut out = String::with_capacity(256 + events.len() * 400);
    let name = text(name);
    line(&mut out, "BEGIN", "VCALENDAR");
    line(&mut out, "VERSION", "2.0");
    line(&mut out, "PRODID", PRODID);
    line(&mut out, "CALSCALE", "GREGORIAN");
    line(&mut out, "METHOD", "PUBLISH");
    line(&mut out, "NAME", &name);
    line(&mut out, "X-WR-CALNAME", &name);
    let now = stamp(Utc::now());
    for e in events {
        line(&mut out, "BEGIN", "VEVENT");
        line(&mut out, "UID", &text(&e.uid));
        line(&mut out, "DTSTAMP", &now);
        line(&mut out, "DTSTART", &stamp(e.start));
        line(&mut out, "DTEND", &stamp(e.end));
        line(&mut out, "SEQUENCE", &e.sequence.to_string());
        line(&mut out, "SUMMARY", &text(&e.summary));
        if !e.description.is_empty() {
            line(&mut out, "DESCRIPTION", &text(&e.description));
        }
        if !e.location.is_empty() {
            line(&mut out, "LOCATION", &text(&e.location));
        }
        if !e.url.is_empty() {
            line(&mut out, "URL", &raw(&e.url));
        }
        if e.cancelled {
            line(&mut out, "STATUS", "CANCELLED");
        }
        line(&mut out, "END", "VEVENT");
    }
    line(&mut out, "END", "VCALENDAR");
    out
}

pub const FORMAT: ScheduleFormat = ScheduleFormat {
    ext: "ics",
    content_type: "text/calendar; charset=utf-8",
    render: schedule_ics,
};

/// The whole programme as iCalendar, cancelled sessions marked as such.
pub fn schedule_ics(p: &PublishedProgramme, base_url: &str) -> String {
    let events: Vec<CalEvent> = p
        .snapshot
        .sessions
        .iter()
        .map(|s| CalEvent {
            uid: s.guid.clone(),
            summary: s.title.clone(),
            description: s.abstract_.clone(),
            location: s
                .room_id
                .and_then(|r| p.room(r))
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            start: s.start,
            end: s.end,
            sequence: s.sequence,
            url: session_url(base_url, p, s),
            cancelled: s.cancelled,
        })
        .collect();
    feed(&p.snapshot.congress.title, &events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn feeds_are_rfc5545() {
        let text = feed(
            "Smart City Kongress 2027",
            &[CalEvent {
                uid: "0f0e0d0c-0000-4000-8000-000000000001@kongress".into(),
                summary: "Werkstatt: Daten; Plattformen, Städte".into(),
                description: "Eine sehr lange Beschreibung, die über fünfundsiebzig Oktette hinausgeht und deshalb gefaltet werden muss.".into(),
                location: "Raum Isar".into(),
                start: Utc.with_ymd_and_hms(2027, 1, 22, 8, 30, 0).unwrap(),
                end: Utc.with_ymd_and_hms(2027, 1, 22, 10, 30, 0).unwrap(),
                sequence: 3,
                url: "http://127.0.0.1:8080/x".into(),
                cancelled: false,
            }],
        );
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(text.contains("DTSTART:20270122T083000Z\r\n"));
        assert!(text.contains("SEQUENCE:3\r\n"));
        assert!(text.contains("DTSTAMP:"));
        assert!(text.contains("SUMMARY:Werkstatt: Daten\\; Plattformen\\, Städte"));
        assert!(text.lines().all(|l| l.len() <= 75), "folded at 75 octets");
        assert!(text.contains(&format!("PRODID:{PRODID}\r\n")));
        assert!(PRODID.starts_with("-//kongress//kongress "));
        let parsed: icalendar::Calendar = text.parse().unwrap();
        assert_eq!(parsed.components.len(), 1);
    }

    #[test]
    fn a_title_cannot_end_the_calendar() {
        let text = feed(
            "Kongress\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR",
            &[event("a\rb", "x\r\ny")],
        );
        assert_eq!(
            text.split("\r\n")
                .filter(|l| *l == "BEGIN:VCALENDAR")
                .count(),
            1
        );
        assert!(text.contains("NAME:Kongress\\nEND:VCALENDAR\\nBEGIN:VCALENDAR\r\n"));
        assert!(text.contains("SUMMARY:a\\nb\r\n"));
        assert!(text.contains("DESCRIPTION:x\\ny\r\n"));
        let bare = text.replace("\r\n", "");
        assert!(
            !bare.contains('\r') && !bare.contains('\n'),
            "no bare line end"
        );
    }

    fn event(summary: &str, description: &str) -> CalEvent {
        CalEvent {
            uid: "0f0e0d0c-0000-4000-8000-000000000001@kongress".into(),
            summary: summary.into(),
            description: description.into(),
            location: "Raum".into(),
            start: Utc.with_ymd_and_hms(2027, 1, 22, 8, 30, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2027, 1, 22, 10, 30, 0).unwrap(),
            sequence: 1,
            url: "http://127.0.0.1:8080/x".into(),
            cancelled: false,
        }
    }

    /// What a text reads as after the trip through a feed: line ends as LF, other control
    /// characters gone.
    fn expected(s: &str) -> String {
        let s = s.replace("\r\n", "\n").replace('\r', "\n");
        s.chars()
            .filter(|c| {
                *c == '\n'
                    || *c == '\t'
                    || !(c.is_control() || *c == '\u{2028}' || *c == '\u{2029}')
            })
            .collect()
    }

    /// RFC 5545 TEXT unescaping, written here for the second parser (which leaves it to the
    /// caller), independently of `text`.
    fn unescape(v: &str) -> String {
        let mut out = String::new();
        let mut it = v.chars();
        while let Some(c) = it.next() {
            if c == '\\' {
                match it.next() {
                    Some('n') | Some('N') => out.push('\n'),
                    Some(o) => out.push(o),
                    None => {}
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn any_text_reads_back_the_same_with_two_parsers(
            name in proptest::prelude::any::<String>(),
            summary in proptest::prelude::any::<String>(),
            description in "\\PC{1,200}|[\\x00-\\x7f]{1,200}",
            location in proptest::prelude::any::<String>(),
        ) {
            let mut e = event(&summary, &description);
            e.location = location.clone();
            let text = feed(&name, &[e]);
            proptest::prop_assert!(text.split("\r\n").all(|l| l.len() <= 75));
            proptest::prop_assert!(!text.replace("\r\n", "").contains(['\r', '\n']));

            // 1: the `icalendar` crate.
            let cal: icalendar::Calendar = text.parse().unwrap();
            proptest::prop_assert_eq!(cal.components.len(), 1);
            let ev = cal.components[0].as_event().unwrap();
            use icalendar::Component;
            proptest::prop_assert_eq!(ev.get_summary().unwrap_or(""), expected(&summary));
            proptest::prop_assert_eq!(ev.get_description().unwrap_or(""), expected(&description));
            // It leaves NAME escaped (it knows it as no TEXT property).
            proptest::prop_assert_eq!(unescape(cal.get_name().unwrap_or("")), expected(&name));

            // 2: the `ical` crate: one calendar, one event, exactly our properties.
            let mut parser = ical::IcalParser::new(text.as_bytes());
            let c = parser.next().unwrap().unwrap();
            proptest::prop_assert!(parser.next().is_none());
            proptest::prop_assert_eq!(c.events.len(), 1);
            let names: Vec<&str> = c.properties.iter().map(|p| p.name.as_str()).collect();
            proptest::prop_assert_eq!(
                names,
                vec!["VERSION", "PRODID", "CALSCALE", "METHOD", "NAME", "X-WR-CALNAME"]
            );
            // This parser trims every physical line before unfolding, so a space or tab next
            // to a fold is lost; its comparison leaves blanks out (the first parser checks
            // them, and the NAME of both).
            let blanks = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            let value = |props: &[ical::property::Property], n: &str| {
                props
                    .iter()
                    .find(|p| p.name == n)
                    .and_then(|p| p.value.clone())
                    .map(|v| blanks(&unescape(&v)))
                    .unwrap_or_default()
            };
            // It also drops the colons a value starts with.
            let expected = |s: &str| blanks(expected(s).trim_start_matches(':'));
            proptest::prop_assert_eq!(value(&c.properties, "NAME"), expected(&name));
            proptest::prop_assert_eq!(value(&c.properties, "X-WR-CALNAME"), expected(&name));
            let ep = &c.events[0].properties;
            proptest::prop_assert_eq!(value(ep, "SUMMARY"), expected(&summary));
            proptest::prop_assert_eq!(value(ep, "DESCRIPTION"), expected(&description));
            if !location.is_empty() {
                proptest::prop_assert_eq!(value(ep, "LOCATION"), expected(&location));
            }
        }
    }
}
