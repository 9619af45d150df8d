//! iCalendar (RFC 5545): the whole programme (`schedule.ics`), a participant's agenda and a
//! speaker's slots. Times in UTC, stable UIDs from the sessions' guids, SEQUENCE from the
//! published version, escaping and line folding by the `icalendar` crate.

use chrono::{DateTime, NaiveDate, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

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

/// A calendar named `name` with the events, as text with CRLF line ends.
pub fn feed(name: &str, events: &[CalEvent]) -> String {
    let mut cal = Calendar::new();
    cal.name(name);
    for e in events {
        let mut ev = Event::new();
        ev.uid(&e.uid)
            .summary(&e.summary)
            .starts(e.start)
            .ends(e.end)
            .sequence(e.sequence);
        if !e.description.is_empty() {
            ev.description(&e.description);
        }
        if !e.location.is_empty() {
            ev.location(&e.location);
        }
        if !e.url.is_empty() {
            ev.url(&e.url);
        }
        if e.cancelled {
            ev.status(EventStatus::Cancelled);
        }
        cal.push(ev.done());
    }
    cal.done().to_string()
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
        let parsed: icalendar::Calendar = text.parse().unwrap();
        assert_eq!(parsed.components.len(), 1);
    }
}
