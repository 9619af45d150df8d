//! Open formats of a published version (SPEC §6, `shared/formats/README.md`): frab/c3voc
//! `schedule.xml` and `schedule.json`, and the whole programme as iCalendar.
//!
//! Rules the clients rely on: stable guids (the sessions', rooms' and speakers' own), a
//! `version` that changes with every publish, zero-padded `HH:MM` durations, an offset on
//! every date-time (the congress zone's offset at that instant, so it changes at a DST
//! switch), `start` equal to the local time of `date`, an acronym and slugs that pass both
//! schemas, and no empty URL elements. Cancelled sessions are left out of the XML and JSON
//! (as pretalx does) and marked CANCELLED in the calendar.
//!
//! XML is written by hand: the format is small and fixed, and all text goes through
//! [`xml_escape`]; no XML writer crate is needed for that.

use std::fmt::Write as _;
use std::sync::OnceLock;

use bytes::Bytes;

use chrono::{DateTime, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::programme::PublishedProgramme;
use crate::domain::programme::SnapshotSession;

/// Rendered exports of one version, built once per instance (the base URL is fixed).
#[derive(Default)]
pub struct Rendered {
    xml: OnceLock<Bytes>,
    json: OnceLock<Bytes>,
    ics: OnceLock<Bytes>,
}

/// One of the three exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
    Ics,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xml => "application/xml; charset=utf-8",
            Format::Json => "application/json",
            Format::Ics => "text/calendar; charset=utf-8",
        }
    }
}

/// The export in `format`, rendered on first use and kept with the version.
pub fn rendered(p: &PublishedProgramme, format: Format, base_url: &str) -> Bytes {
    let cell = match format {
        Format::Xml => &p.exports.xml,
        Format::Json => &p.exports.json,
        Format::Ics => &p.exports.ics,
    };
    cell.get_or_init(|| {
        match format {
            Format::Xml => schedule_xml(p, base_url),
            Format::Json => schedule_json(p, base_url),
            Format::Ics => schedule_ics(p, base_url),
        }
        .into_bytes()
        .into()
    })
    .clone()
}

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

/// Escapes text and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// One congress day of the export with its sessions per room (rooms in display order).
struct Day<'a> {
    index: usize,
    date: NaiveDate,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    rooms: Vec<(String, Option<String>, Vec<&'a SnapshotSession>)>,
}

fn local_at(tz: Tz, date: NaiveDate, hour: u32) -> DateTime<Utc> {
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
fn days(p: &PublishedProgramme) -> Vec<Day<'_>> {
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

fn congress_url(base_url: &str, p: &PublishedProgramme) -> String {
    format!("{base_url}/{}", p.snapshot.congress.slug)
}

fn session_url(base_url: &str, p: &PublishedProgramme, s: &SnapshotSession) -> String {
    format!("{}/sessions/{}", congress_url(base_url, p), s.id)
}

/// A track's slug for the XSD's `[a-z][a-z0-9-]+` and the JSON schema's pattern.
fn track_slug(name: &str, id: i64) -> String {
    let s = slugify(name);
    if s.len() >= 2 && s.starts_with(|c: char| c.is_ascii_lowercase()) {
        s
    } else {
        format!("track-{id}")
    }
}

fn hex_colour(c: &str) -> Option<&str> {
    (c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|c| c.is_ascii_hexdigit()))
        .then_some(c)
}

/// The version string clients compare to see whether the schedule changed.
fn version(p: &PublishedProgramme) -> String {
    format!(
        "{} ({})",
        p.number,
        p.published_at.format("%Y-%m-%d %H:%M UTC")
    )
}

/// `schedule.xml` valid against `formats/schedule.xml.xsd`.
pub fn schedule_xml(p: &PublishedProgramme, base_url: &str) -> String {
    let c = &p.snapshot.congress;
    let tz = p.tz;
    let acr = acronym(&c.slug);
    let curl = congress_url(base_url, p);
    let days = days(p);
    let mut x = String::with_capacity(4096 + p.snapshot.sessions.len() * 1200);
    let e = xml_escape;
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<schedule>\n");
    let _ = writeln!(
        x,
        "  <generator name=\"kongress\" version=\"{}\"/>",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(x, "  <url>{}</url>", e(&format!("{curl}/schedule.xml")));
    let _ = writeln!(x, "  <version>{}</version>", e(&version(p)));
    x.push_str("  <conference>\n");
    let _ = writeln!(x, "    <acronym>{}</acronym>", e(&acr));
    let _ = writeln!(x, "    <title>{}</title>", e(&c.title));
    let _ = writeln!(x, "    <start>{}</start>", c.first_day);
    let _ = writeln!(x, "    <end>{}</end>", c.last_day);
    let _ = writeln!(x, "    <days>{}</days>", days.len());
    x.push_str("    <timeslot_duration>00:05</timeslot_duration>\n");
    let _ = writeln!(x, "    <base_url>{}</base_url>", e(&format!("{curl}/")));
    let _ = writeln!(x, "    <url>{}</url>", e(&curl));
    let _ = writeln!(
        x,
        "    <time_zone_name>{}</time_zone_name>",
        e(&c.time_zone)
    );
    for t in &p.snapshot.tracks {
        let _ = write!(
            x,
            "    <track name=\"{}\" slug=\"{}\"",
            e(&t.name),
            track_slug(&t.name, t.id.get())
        );
        if let Some(colour) = hex_colour(&t.colour) {
            let _ = write!(x, " color=\"{colour}\"");
        }
        x.push_str("/>\n");
    }
    x.push_str("  </conference>\n");
    for d in &days {
        let _ = writeln!(
            x,
            "  <day index=\"{}\" date=\"{}\" start=\"{}\" end=\"{}\">",
            d.index,
            d.date,
            local_rfc3339(tz, d.start),
            local_rfc3339(tz, d.end)
        );
        for (room, guid, sessions) in &d.rooms {
            let _ = write!(x, "    <room name=\"{}\"", e(room));
            if let Some(g) = guid {
                let _ = write!(x, " guid=\"{}\"", e(g));
            }
            x.push_str(">\n");
            for s in sessions {
                event_xml(&mut x, p, base_url, &acr, room, s);
            }
            x.push_str("    </room>\n");
        }
        x.push_str("  </day>\n");
    }
    x.push_str("</schedule>\n");
    x
}

fn event_xml(
    x: &mut String,
    p: &PublishedProgramme,
    base_url: &str,
    acr: &str,
    room: &str,
    s: &SnapshotSession,
) {
    let e = xml_escape;
    let tz = p.tz;
    let local = s.start.with_timezone(&tz);
    let _ = writeln!(x, "      <event id=\"{}\" guid=\"{}\">", s.id, e(&s.guid));
    let _ = writeln!(x, "        <room>{}</room>", e(room));
    let _ = writeln!(x, "        <title>{}</title>", e(&s.title));
    if !s.subtitle.is_empty() {
        let _ = writeln!(x, "        <subtitle>{}</subtitle>", e(&s.subtitle));
    }
    let _ = writeln!(x, "        <type>{}</type>", s.kind.as_str());
    let _ = writeln!(x, "        <date>{}</date>", local_rfc3339(tz, s.start));
    let _ = writeln!(x, "        <start>{}</start>", local.format("%H:%M"));
    let _ = writeln!(
        x,
        "        <duration>{}</duration>",
        duration(s.start, s.end)
    );
    let _ = writeln!(x, "        <abstract>{}</abstract>", e(&s.abstract_));
    let _ = writeln!(x, "        <slug>{}</slug>", e(&event_slug(acr, s)));
    let track = s
        .track_id
        .and_then(|t| p.track(t))
        .map(|t| t.name.as_str())
        .unwrap_or("");
    let _ = writeln!(x, "        <track>{}</track>", e(track));
    if !s.language.is_empty() {
        let _ = writeln!(x, "        <language>{}</language>", e(&s.language));
    }
    if !s.description.is_empty() {
        let _ = writeln!(
            x,
            "        <description>{}</description>",
            e(&s.description)
        );
    }
    x.push_str("        <persons>\n");
    for r in &s.speakers {
        if let Some(sp) = p.speaker(r.speaker_id) {
            let _ = writeln!(
                x,
                "          <person id=\"{}\" guid=\"{}\">{}</person>",
                sp.id,
                e(&sp.guid),
                e(&sp.name)
            );
        }
    }
    x.push_str("        </persons>\n");
    let _ = writeln!(x, "        <url>{}</url>", e(&session_url(base_url, p, s)));
    x.push_str("      </event>\n");
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    generator: JsonGenerator,
    schedule: JsonSchedule<'a>,
}

#[derive(Serialize)]
struct JsonGenerator {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonSchedule<'a> {
    url: String,
    version: String,
    base_url: String,
    conference: JsonConference<'a>,
}

#[derive(Serialize)]
struct JsonConference<'a> {
    acronym: String,
    title: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    start: String,
    end: String,
    #[serde(rename = "daysCount")]
    days_count: usize,
    timeslot_duration: &'static str,
    time_zone_name: &'a str,
    url: String,
    tracks: Vec<JsonTrack<'a>>,
    rooms: Vec<JsonRoom<'a>>,
    days: Vec<JsonDay<'a>>,
}

#[derive(Serialize)]
struct JsonTrack<'a> {
    name: &'a str,
    slug: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonRoom<'a> {
    name: &'a str,
    guid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity: Option<i32>,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
}

#[derive(Serialize)]
struct JsonDay<'a> {
    index: usize,
    date: String,
    day_start: String,
    day_end: String,
    rooms: serde_json::Map<String, serde_json::Value>,
    #[serde(skip)]
    _p: std::marker::PhantomData<&'a ()>,
}

#[derive(Serialize)]
struct JsonEvent<'a> {
    guid: &'a str,
    id: i64,
    date: String,
    start: String,
    end: String,
    duration: String,
    room: &'a str,
    slug: String,
    url: String,
    title: &'a str,
    subtitle: &'a str,
    track: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
    language: Option<&'a str>,
    #[serde(rename = "abstract")]
    abstract_: &'a str,
    description: Option<&'a str>,
    persons: Vec<JsonPerson<'a>>,
    links: Vec<serde_json::Value>,
}

#[derive(Serialize)]
struct JsonPerson<'a> {
    guid: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    biography: Option<&'a str>,
}

/// `schedule.json` valid against `formats/schema.json`.
pub fn schedule_json(p: &PublishedProgramme, base_url: &str) -> String {
    let c = &p.snapshot.congress;
    let tz = p.tz;
    let acr = acronym(&c.slug);
    let curl = congress_url(base_url, p);
    let days: Vec<JsonDay<'_>> = days(p)
        .into_iter()
        .map(|d| {
            let mut rooms = serde_json::Map::new();
            for (room, _, sessions) in &d.rooms {
                let events: Vec<serde_json::Value> = sessions
                    .iter()
                    .map(|s| serde_json::to_value(event_json(p, base_url, &acr, room, s)))
                    .collect::<Result<_, _>>()
                    .unwrap_or_default();
                rooms.insert(room.clone(), serde_json::Value::Array(events));
            }
            JsonDay {
                index: d.index,
                date: d.date.to_string(),
                day_start: local_rfc3339(tz, d.start),
                day_end: local_rfc3339(tz, d.end),
                rooms,
                _p: std::marker::PhantomData,
            }
        })
        .collect();
    let doc = JsonDoc {
        schema: "https://c3voc.de/schedule/schema.json",
        generator: JsonGenerator {
            name: "kongress",
            version: env!("CARGO_PKG_VERSION"),
        },
        schedule: JsonSchedule {
            url: format!("{curl}/schedule.json"),
            version: version(p),
            base_url: format!("{curl}/"),
            conference: JsonConference {
                acronym: acr.clone(),
                title: &c.title,
                description: &c.description,
                start: c.first_day.to_string(),
                end: c.last_day.to_string(),
                days_count: days.len(),
                timeslot_duration: "00:05",
                time_zone_name: &c.time_zone,
                url: curl.clone(),
                tracks: p
                    .snapshot
                    .tracks
                    .iter()
                    .map(|t| JsonTrack {
                        name: &t.name,
                        slug: track_slug(&t.name, t.id.get()),
                        color: hex_colour(&t.colour),
                    })
                    .collect(),
                rooms: p
                    .snapshot
                    .rooms
                    .iter()
                    .map(|r| JsonRoom {
                        name: &r.name,
                        guid: &r.guid,
                        capacity: r.capacity,
                        description: &r.accessibility_note,
                    })
                    .collect(),
                days,
            },
        },
    };
    serde_json::to_string(&doc).unwrap_or_default()
}

fn event_json<'a>(
    p: &'a PublishedProgramme,
    base_url: &str,
    acr: &str,
    room: &'a str,
    s: &'a SnapshotSession,
) -> JsonEvent<'a> {
    let tz = p.tz;
    JsonEvent {
        guid: &s.guid,
        id: s.id.get(),
        date: local_rfc3339(tz, s.start),
        start: s.start.with_timezone(&tz).format("%H:%M").to_string(),
        end: local_rfc3339(tz, s.end),
        duration: duration(s.start, s.end),
        room,
        slug: event_slug(acr, s),
        url: session_url(base_url, p, s),
        title: &s.title,
        subtitle: &s.subtitle,
        track: s.track_id.and_then(|t| p.track(t)).map(|t| t.name.as_str()),
        kind: s.kind.as_str(),
        language: (!s.language.is_empty()).then_some(s.language.as_str()),
        abstract_: &s.abstract_,
        description: (!s.description.is_empty()).then_some(s.description.as_str()),
        persons: s
            .speakers
            .iter()
            .filter_map(|r| p.speaker(r.speaker_id))
            .map(|sp| JsonPerson {
                guid: &sp.guid,
                name: &sp.name,
                biography: (!sp.bio.is_empty()).then_some(sp.bio.as_str()),
            })
            .collect(),
        links: vec![],
    }
}

/// The whole programme as iCalendar, cancelled sessions marked as such.
pub fn schedule_ics(p: &PublishedProgramme, base_url: &str) -> String {
    let events: Vec<super::calendar::CalEvent> = p
        .snapshot
        .sessions
        .iter()
        .map(|s| super::calendar::CalEvent {
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
    super::calendar::feed(&p.snapshot.congress.title, &events)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(
            xml_escape("a<b & \"c\" 'd'\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;"
        );
    }
}
