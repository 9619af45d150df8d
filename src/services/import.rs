//! Import of frab/c3voc `schedule.xml` and `schedule.json` (as written by frab, pretalx and
//! the c3voc tools) into rooms, tracks, sessions and speakers (SPEC §1 `import`, issue 6).
//!
//! The whole file is read and checked first; a bad file is refused with a message naming the
//! line (XML) or the path (JSON) and nothing is written. Then one transaction matches by guid
//! within the congress: a re-import updates and never duplicates. Guids of the file are kept,
//! so a re-export carries them. Speakers without a guid in the file (frab's and pretalx's
//! XML, pretalx's JSON persons) get a UUIDv5 from the congress and their code, id or name,
//! which is stable across re-imports.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;

use super::audit::{self, Actor, AuditEvent};
use super::{now_utc, ServiceError};
use crate::config::ImportLimits;
use crate::db::rows::{NewCongress, NewRoom, NewSession, NewSpeaker, NewTrack};
use crate::db::schema::{
    congress_days, congresses, rooms, session_speakers, sessions, speakers, tracks,
};
use crate::db::{write_transaction, DbConnection};
use crate::domain::programme::SessionKind;
use crate::domain::{Conflict, SessionId, Slug};

/// A file that cannot be imported: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadFile {
    /// `line 12` (XML) or `schedule.conference.days[0].rooms["Saal"][3].date` (JSON).
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for BadFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

fn bad(at: impl Into<String>, message: impl Into<String>) -> BadFile {
    BadFile {
        at: at.into(),
        message: message.into(),
    }
}

/// The schedule as read from a file, before it touches the database.
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    pub title: String,
    pub acronym: String,
    pub time_zone: Option<String>,
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
    /// (name, colour) in file order.
    pub tracks: Vec<(String, Option<String>)>,
    pub rooms: Vec<RoomIn>,
    pub events: Vec<EventIn>,
}

#[derive(Debug, Clone, Default)]
pub struct RoomIn {
    pub name: String,
    pub guid: Option<String>,
    pub capacity: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct EventIn {
    /// Where the event is in the file, for messages.
    pub at: String,
    pub guid: String,
    pub title: String,
    pub subtitle: String,
    pub abstract_: String,
    pub description: String,
    pub kind: SessionKind,
    pub language: String,
    pub track: Option<String>,
    pub room: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The UTC offset the file wrote with `date`, in seconds (none for a local time).
    pub offset_secs: Option<i32>,
    pub persons: Vec<PersonIn>,
}

#[derive(Debug, Clone, Default)]
pub struct PersonIn {
    pub guid: Option<String>,
    /// Code, id or name: what makes a stable guid when the file has none.
    pub key: String,
    pub name: String,
    pub bio: String,
}

/// A session kind from a file's free `type` ("Talk", "Lightning talk", "Workshop" …).
pub fn kind_of(t: &str) -> SessionKind {
    let t = t.to_lowercase();
    if let Some(k) = SessionKind::parse(&t) {
        return k;
    }
    match () {
        _ if t.contains("keynote") => SessionKind::Keynote,
        _ if t.contains("workshop") || t.contains("werkstatt") => SessionKind::Workshop,
        _ if t.contains("panel") || t.contains("podium") || t.contains("discussion") => {
            SessionKind::Panel
        }
        _ if t.contains("break") || t.contains("pause") || t.contains("lunch") => {
            SessionKind::Break
        }
        _ if t.contains("social") || t.contains("party") || t.contains("abend") => {
            SessionKind::Social
        }
        _ if t.contains("talk") || t.contains("vortrag") || t.contains("lecture") => {
            SessionKind::Talk
        }
        _ => SessionKind::Other,
    }
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36
}

/// `HH:MM`, `H:MM`, `HH:MM:SS`, or pretalx's `D:HH:MM` for events longer than a day.
fn parse_duration(s: &str, pretalx_days: bool) -> Option<chrono::Duration> {
    let parts: Vec<i64> = s
        .trim()
        .split(':')
        .map(|p| p.parse::<i64>().ok().filter(|n| *n >= 0))
        .collect::<Option<_>>()?;
    let minutes = match parts.as_slice() {
        [h, m] if *m < 60 => h * 60 + m,
        [d, h, m] if pretalx_days && *h < 24 && *m < 60 => d * 1440 + h * 60 + m,
        [h, m, s] if *m < 60 && *s < 60 => h * 60 + m + i64::from(*s >= 30),
        _ => return None,
    };
    (minutes > 0).then(|| chrono::Duration::minutes(minutes))
}

/// The offset written with a date-time, in seconds east of UTC.
fn written_offset(s: &str) -> Option<i32> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.offset().local_minus_utc())
}

/// A date-time with an offset; without one, local time in `tz`.
fn parse_instant(s: &str, tz: Option<Tz>) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .ok()?;
    tz?.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

fn parse_day(s: &str) -> Option<NaiveDate> {
    s.get(..10).and_then(|d| d.parse().ok())
}

/// Reads a schedule.xml or schedule.json (told apart by the first character) within the
/// default [`ImportLimits`]; a file over a limit is a bad file like any other.
pub fn parse(text: &str) -> Result<Schedule, BadFile> {
    read(text, &ImportLimits::default()).map_err(|e| match e {
        ImportError::Bad(b) => b,
        other => bad("file", other.to_string()),
    })
}

/// A file over one of the [`ImportLimits`]: refused before it is parsed (or as soon as it is
/// seen), with what was exceeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverLimit {
    /// More bytes than `limit`.
    Bytes { limit: usize },
    /// More events than `limit`.
    Events { limit: usize },
    /// An element on `line` with more attributes than `limit`.
    Attributes { limit: usize, line: usize },
    /// Elements, objects or lists nested deeper than `limit`, first on `line`.
    Depth { limit: usize, line: usize },
}

impl std::fmt::Display for OverLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OverLimit::Bytes { limit } => write!(
                f,
                "the file is larger than {} bytes ({} MiB), the most an import reads",
                limit,
                limit / (1024 * 1024)
            ),
            OverLimit::Events { limit } => {
                write!(
                    f,
                    "the file has more than {limit} events, the most an import takes"
                )
            }
            OverLimit::Attributes { limit, line } => write!(
                f,
                "line {line}: an element has more than {limit} attributes, the most an import reads"
            ),
            OverLimit::Depth { limit, line } => write!(
                f,
                "line {line}: nested more than {limit} levels deep, the most an import reads"
            ),
        }
    }
}

/// Reads a schedule.xml or schedule.json within `limits`.
///
/// The size is checked first; then one linear pass over the text counts nesting depth,
/// attributes per element and events, so a hostile file (300,000 attributes on one element,
/// which the XML parser handles in quadratic time) is refused in milliseconds, before it is
/// parsed.
pub fn read(text: &str, limits: &ImportLimits) -> Result<Schedule, ImportError> {
    if text.len() > limits.max_bytes {
        return Err(ImportError::TooLarge(OverLimit::Bytes {
            limit: limits.max_bytes,
        }));
    }
    let text = text.trim_start_matches('\u{feff}');
    match text.trim_start().chars().next() {
        Some('<') => {
            scan_xml(text, limits).map_err(ImportError::TooLarge)?;
            // The scan bounds the events; the node limit is a second line of defence.
            let nodes = limits
                .max_events
                .saturating_mul(200)
                .saturating_add(100_000);
            parse_xml(text, u32::try_from(nodes).unwrap_or(u32::MAX)).map_err(ImportError::Bad)
        }
        Some('{') => {
            scan_json(text, limits).map_err(ImportError::TooLarge)?;
            parse_json(text, limits.max_events)
        }
        _ => Err(ImportError::Bad(bad(
            "line 1",
            "neither schedule.xml nor schedule.json (expected '<' or '{')",
        ))),
    }
}

/// One pass over an XML text: element depth, attributes per element (an `=` outside quotes
/// inside a start tag) and `<event>` elements, against `limits`. Comments, CDATA, processing
/// instructions and declarations are skipped; whatever else is wrong is the parser's to say.
fn scan_xml(text: &str, limits: &ImportLimits) -> Result<(), OverLimit> {
    let b = text.as_bytes();
    let lines = |from: usize, to: usize| b[from..to].iter().filter(|c| **c == b'\n').count();
    let skip_to = |from: usize, end: &str| {
        text[from..]
            .find(end)
            .map(|at| from + at + end.len())
            .unwrap_or(b.len())
    };
    let (mut i, mut line, mut depth, mut events) = (0, 1, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'<' => {
                let rest = &b[i + 1..];
                let end = if rest.starts_with(b"!--") {
                    skip_to(i, "-->")
                } else if rest.starts_with(b"![CDATA[") {
                    skip_to(i, "]]>")
                } else if rest.starts_with(b"?") {
                    skip_to(i, "?>")
                } else if rest.starts_with(b"!") || rest.starts_with(b"/") {
                    if rest.starts_with(b"/") {
                        depth = depth.saturating_sub(1);
                    }
                    skip_to(i, ">")
                } else {
                    // A start tag: its name, then attributes up to the `>` outside quotes.
                    let name_end = rest
                        .iter()
                        .position(|c| c.is_ascii_whitespace() || *c == b'/' || *c == b'>')
                        .unwrap_or(rest.len());
                    if &rest[..name_end] == b"event" {
                        events += 1;
                        if events > limits.max_events {
                            return Err(OverLimit::Events {
                                limit: limits.max_events,
                            });
                        }
                    }
                    let (mut j, mut quote, mut attributes) = (i + 1 + name_end, None, 0);
                    while j < b.len() {
                        match (quote, b[j]) {
                            (Some(q), c) if c == q => quote = None,
                            (Some(_), _) => {}
                            (None, c @ (b'"' | b'\'')) => quote = Some(c),
                            (None, b'=') => {
                                attributes += 1;
                                if attributes > limits.max_attributes {
                                    return Err(OverLimit::Attributes {
                                        limit: limits.max_attributes,
                                        line,
                                    });
                                }
                            }
                            (None, b'>') => break,
                            _ => {}
                        }
                        j += 1;
                    }
                    if j > 0 && j < b.len() && b[j - 1] != b'/' {
                        depth += 1;
                        if depth > limits.max_depth {
                            return Err(OverLimit::Depth {
                                limit: limits.max_depth,
                                line,
                            });
                        }
                    }
                    (j + 1).min(b.len())
                };
                line += lines(i, end);
                i = end;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// One pass over a JSON text: nesting of objects and lists against `limits` (serde_json's own
/// limit is 128), strings and their escapes skipped.
fn scan_json(text: &str, limits: &ImportLimits) -> Result<(), OverLimit> {
    let (mut depth, mut line, mut in_string, mut escaped) = (0usize, 1, false, false);
    for c in text.bytes() {
        if c == b'\n' {
            line += 1;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > limits.max_depth {
                    return Err(OverLimit::Depth {
                        limit: limits.max_depth,
                        line,
                    });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn parse_xml(text: &str, nodes_limit: u32) -> Result<Schedule, BadFile> {
    let options = roxmltree::ParsingOptions {
        nodes_limit,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| {
        let p = e.pos();
        bad(format!("line {}, column {}", p.row, p.col), e.to_string())
    })?;
    let line =
        |n: roxmltree::Node<'_, '_>| format!("line {}", doc.text_pos_at(n.range().start).row);
    let root = doc.root_element();
    if root.tag_name().name() != "schedule" {
        return Err(bad(line(root), "the root element must be <schedule>"));
    }
    fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
        n.children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
    }
    let text_of = |n: roxmltree::Node<'_, '_>, name: &str| -> String {
        child(n, name)
            .map(|c| c.text().unwrap_or("").trim().to_string())
            .unwrap_or_default()
    };
    let pretalx = child(root, "generator")
        .and_then(|g| g.attribute("name"))
        .is_some_and(|n| n.eq_ignore_ascii_case("pretalx"));
    let conf =
        child(root, "conference").ok_or_else(|| bad(line(root), "<conference> is missing"))?;
    let mut s = Schedule {
        title: text_of(conf, "title"),
        acronym: text_of(conf, "acronym"),
        time_zone: Some(text_of(conf, "time_zone_name")).filter(|t| !t.is_empty()),
        first_day: parse_day(&text_of(conf, "start")),
        last_day: parse_day(&text_of(conf, "end")),
        ..Default::default()
    };
    if s.title.is_empty() {
        return Err(bad(line(conf), "<conference> has no <title>"));
    }
    let tz = s.time_zone.as_deref().and_then(|t| t.parse::<Tz>().ok());
    for t in conf
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "track")
    {
        if let Some(name) = t.attribute("name").filter(|n| !n.trim().is_empty()) {
            s.tracks.push((
                name.trim().to_string(),
                t.attribute("color").map(str::to_string),
            ));
        }
    }
    for day in root
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "day")
    {
        for room in day
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "room")
        {
            let name = room
                .attribute("name")
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .ok_or_else(|| bad(line(room), "<room> has no name"))?;
            if !s.rooms.iter().any(|r| r.name == name) {
                s.rooms.push(RoomIn {
                    name: name.to_string(),
                    guid: room.attribute("guid").map(str::to_string),
                    capacity: None,
                });
            }
            for ev in room
                .children()
                .filter(|c| c.is_element() && c.tag_name().name() == "event")
            {
                let at = line(ev);
                let guid = ev
                    .attribute("guid")
                    .ok_or_else(|| bad(&at, "<event> has no guid"))?;
                let date = text_of(ev, "date");
                let start = parse_instant(&date, tz).ok_or_else(|| {
                    bad(
                        &at,
                        format!("<date> {date:?} is not a date-time with an offset"),
                    )
                })?;
                let d = text_of(ev, "duration");
                let duration = parse_duration(&d, pretalx)
                    .ok_or_else(|| bad(&at, format!("<duration> {d:?} is not HH:MM")))?;
                let persons = child(ev, "persons")
                    .map(|ps| {
                        ps.children()
                            .filter(|c| c.is_element() && c.tag_name().name() == "person")
                            .map(|p| {
                                let name = p.text().unwrap_or("").trim().to_string();
                                PersonIn {
                                    guid: p.attribute("guid").map(str::to_string),
                                    key: p
                                        .attribute("id")
                                        .map(|i| format!("id:{i}"))
                                        .unwrap_or_else(|| format!("name:{name}")),
                                    name,
                                    bio: String::new(),
                                }
                            })
                            .filter(|p| !p.name.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                s.events.push(EventIn {
                    at,
                    guid: guid.to_string(),
                    title: text_of(ev, "title"),
                    subtitle: text_of(ev, "subtitle"),
                    abstract_: text_of(ev, "abstract"),
                    description: text_of(ev, "description"),
                    kind: kind_of(&text_of(ev, "type")),
                    language: text_of(ev, "language"),
                    track: Some(text_of(ev, "track")).filter(|t| !t.is_empty()),
                    room: name.to_string(),
                    start,
                    end: start + duration,
                    offset_secs: written_offset(&date),
                    persons,
                });
            }
        }
    }
    Ok(s)
}

fn parse_json(text: &str, max_events: usize) -> Result<Schedule, ImportError> {
    use serde_json::Value;
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        bad(
            format!("line {}, column {}", e.line(), e.column()),
            e.to_string(),
        )
    })?;
    // Counted before anything is built from them.
    let events: usize = doc
        .pointer("/schedule/conference/days")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| d.get("rooms").and_then(Value::as_object))
        .flat_map(|rooms| rooms.values())
        .filter_map(Value::as_array)
        .map(Vec::len)
        .sum();
    if events > max_events {
        return Err(ImportError::TooLarge(OverLimit::Events {
            limit: max_events,
        }));
    }
    Ok(schedule_of_json(&doc)?)
}

fn schedule_of_json(doc: &serde_json::Value) -> Result<Schedule, BadFile> {
    use serde_json::Value;
    fn obj<'v>(v: &'v Value, at: &str) -> Result<&'v serde_json::Map<String, Value>, BadFile> {
        v.as_object().ok_or_else(|| bad(at, "must be an object"))
    }
    let string = |v: &Value| -> String {
        match v {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        }
    };
    let top = obj(doc, "<root>")?;
    let pretalx = top
        .get("generator")
        .and_then(|g| g.get("name"))
        .and_then(Value::as_str)
        .is_some_and(|n| n.eq_ignore_ascii_case("pretalx"))
        || top.get("schedule").and_then(|s| s.get("url")).is_some();
    let schedule = top
        .get("schedule")
        .ok_or_else(|| bad("schedule", "missing"))?;
    let conf = schedule
        .get("conference")
        .ok_or_else(|| bad("schedule.conference", "missing"))?;
    let conf = obj(conf, "schedule.conference")?;
    let field = |name: &str| conf.get(name).map(string).unwrap_or_default();
    let mut s = Schedule {
        title: field("title"),
        acronym: field("acronym"),
        time_zone: Some(field("time_zone_name")).filter(|t| !t.is_empty()),
        first_day: parse_day(&field("start")),
        last_day: parse_day(&field("end")),
        ..Default::default()
    };
    if s.title.is_empty() {
        return Err(bad("schedule.conference.title", "missing or empty"));
    }
    let tz = s.time_zone.as_deref().and_then(|t| t.parse::<Tz>().ok());
    if let Some(Value::Array(ts)) = conf.get("tracks") {
        for t in ts {
            let name = t.get("name").map(string).unwrap_or_default();
            if !name.is_empty() {
                s.tracks.push((
                    name,
                    t.get("color").and_then(Value::as_str).map(str::to_string),
                ));
            }
        }
    }
    if let Some(Value::Array(rs)) = conf.get("rooms") {
        for (i, r) in rs.iter().enumerate() {
            let name = r.get("name").map(string).unwrap_or_default();
            if name.is_empty() {
                return Err(bad(
                    format!("schedule.conference.rooms[{i}].name"),
                    "missing",
                ));
            }
            if !s.rooms.iter().any(|x| x.name == name) {
                s.rooms.push(RoomIn {
                    name,
                    guid: r.get("guid").and_then(Value::as_str).map(str::to_string),
                    capacity: r
                        .get("capacity")
                        .and_then(Value::as_i64)
                        .and_then(|c| i32::try_from(c).ok()),
                });
            }
        }
    }
    let days = conf
        .get("days")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("schedule.conference.days", "missing or not a list"))?;
    for (di, day) in days.iter().enumerate() {
        let at_day = format!("schedule.conference.days[{di}]");
        let rooms = day
            .get("rooms")
            .and_then(Value::as_object)
            .ok_or_else(|| bad(format!("{at_day}.rooms"), "missing or not an object"))?;
        for (room, events) in rooms {
            let at_room = format!("{at_day}.rooms[{room:?}]");
            if !s.rooms.iter().any(|x| &x.name == room) {
                s.rooms.push(RoomIn {
                    name: room.clone(),
                    ..Default::default()
                });
            }
            let events = events
                .as_array()
                .ok_or_else(|| bad(&at_room, "must be a list of events"))?;
            for (ei, ev) in events.iter().enumerate() {
                let at = format!("{at_room}[{ei}]");
                let f = |name: &str| ev.get(name).map(string).unwrap_or_default();
                let guid = f("guid");
                if guid.is_empty() {
                    return Err(bad(format!("{at}.guid"), "missing"));
                }
                let date = f("date");
                let start = parse_instant(&date, tz).ok_or_else(|| {
                    bad(
                        format!("{at}.date"),
                        format!("{date:?} is not a date-time with an offset"),
                    )
                })?;
                let end = match ev.get("end").and_then(Value::as_str) {
                    Some(e) => parse_instant(e, tz).filter(|e| *e > start).ok_or_else(|| {
                        bad(format!("{at}.end"), format!("{e:?} is not after date"))
                    })?,
                    None => {
                        let d = f("duration");
                        start
                            + parse_duration(&d, pretalx).ok_or_else(|| {
                                bad(format!("{at}.duration"), format!("{d:?} is not HH:MM"))
                            })?
                    }
                };
                let persons = ev
                    .get("persons")
                    .and_then(Value::as_array)
                    .map(|ps| {
                        ps.iter()
                            .map(|p| {
                                let name = p
                                    .get("name")
                                    .or_else(|| p.get("public_name"))
                                    .map(string)
                                    .unwrap_or_default();
                                let key = ["code", "id"]
                                    .iter()
                                    .find_map(|k| {
                                        p.get(*k)
                                            .map(string)
                                            .filter(|v| !v.is_empty())
                                            .map(|v| format!("{k}:{v}"))
                                    })
                                    .unwrap_or_else(|| format!("name:{name}"));
                                PersonIn {
                                    guid: p.get("guid").and_then(Value::as_str).map(str::to_string),
                                    key,
                                    name,
                                    bio: p.get("biography").map(string).unwrap_or_default(),
                                }
                            })
                            .filter(|p| !p.name.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                let title = f("title");
                if title.is_empty() {
                    return Err(bad(format!("{at}.title"), "missing or empty"));
                }
                s.events.push(EventIn {
                    at,
                    guid,
                    title,
                    subtitle: f("subtitle"),
                    abstract_: f("abstract"),
                    description: f("description"),
                    kind: kind_of(&f("type")),
                    language: f("language"),
                    track: Some(f("track")).filter(|t| !t.is_empty()),
                    room: room.clone(),
                    start,
                    end,
                    offset_secs: written_offset(&date),
                    persons,
                });
            }
        }
    }
    Ok(s)
}

/// Checks what the database cannot: guids well-formed and unique within the file.
pub fn check(s: &Schedule) -> Result<(), BadFile> {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for e in &s.events {
        if !is_uuid(&e.guid) {
            return Err(bad(&e.at, format!("guid {:?} is not a UUID", e.guid)));
        }
        if let Some(other) = seen.insert(&e.guid, &e.at) {
            return Err(bad(
                &e.at,
                format!("guid {} is used twice (also at {other})", e.guid),
            ));
        }
        if e.title.is_empty() {
            return Err(bad(&e.at, "the event has no title"));
        }
    }
    Ok(())
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    pub congress_id: i64,
    pub slug: String,
    pub congress_created: bool,
    pub rooms_created: usize,
    pub tracks_created: usize,
    pub speakers_created: usize,
    pub speakers_updated: usize,
    pub sessions_created: usize,
    pub sessions_updated: usize,
    pub sessions_unchanged: usize,
    /// The version published, when it was.
    pub published: Option<i32>,
    pub warnings: Vec<String>,
    /// The schedule rules the programme breaks (a draft import goes through with them).
    pub conflicts: ImportConflicts,
}

/// How many conflicts an import names; the rest are counted.
pub const NAMED_IMPORT_CONFLICTS: usize = 20;

/// The hard conflicts (room or speaker double-booked, outside the congress days) of the
/// programme an import leaves, bounded: the first few named, the rest counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportConflicts {
    /// (the session's title, its conflict), at most [`NAMED_IMPORT_CONFLICTS`].
    pub shown: Vec<(String, Conflict)>,
    /// Conflicts not named.
    pub more: usize,
    /// Sessions with at least one conflict.
    pub sessions: usize,
    /// Names of the speakers the named conflicts mention.
    pub speaker_names: HashMap<i64, String>,
}

impl ImportConflicts {
    pub fn is_empty(&self) -> bool {
        self.sessions == 0
    }

    /// One line per named conflict, then "and N more", in `lang`.
    pub fn lines(&self, lang: crate::i18n::Lang) -> Vec<String> {
        let mut out: Vec<String> = self
            .shown
            .iter()
            .map(|(title, c)| {
                let message = crate::i18n::admin::conflict_message(lang, c, &self.speaker_names);
                match lang {
                    crate::i18n::Lang::De => format!("„{title}“: {message}"),
                    crate::i18n::Lang::En => format!("“{title}”: {message}"),
                }
            })
            .collect();
        if self.more > 0 {
            out.push(format!("… {}", lang.and_more(self.more)));
        }
        out
    }
}

impl std::fmt::Display for ImportConflicts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the programme breaks the schedule rules in {} session(s)",
            self.sessions
        )?;
        for line in self.lines(crate::i18n::Lang::En) {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}

/// The hard conflicts of congress `congress` as it stands, named for an import's report.
fn import_conflicts(
    conn: &mut DbConnection,
    congress: i64,
) -> Result<ImportConflicts, ServiceError> {
    let placements = super::sessions::placements(conn, congress)?;
    let (_, window) = super::sessions::window(conn, congress)?;
    let report = crate::domain::conflicts::hard_conflicts(
        &placements,
        window.as_ref(),
        NAMED_IMPORT_CONFLICTS,
    );
    let titles: HashMap<SessionId, &str> = {
        let named: BTreeSet<SessionId> = report.shown.iter().map(|(s, _)| *s).collect();
        placements
            .iter()
            .filter(|p| named.contains(&p.session))
            .map(|p| (p.session, p.title.as_str()))
            .collect()
    };
    let speaker_ids: Vec<i64> = report
        .shown
        .iter()
        .filter_map(|(_, c)| match c {
            Conflict::SpeakerDoubleBooked { speaker, .. } => Some(speaker.get()),
            _ => None,
        })
        .collect();
    let speaker_names = speakers::table
        .filter(speakers::id.eq_any(&speaker_ids))
        .select((speakers::id, speakers::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok(ImportConflicts {
        shown: report
            .shown
            .iter()
            .map(|(s, c)| (titles.get(s).copied().unwrap_or("").to_string(), c.clone()))
            .collect(),
        more: report.more,
        sessions: report.sessions_with(crate::domain::Severity::Error),
        speaker_names,
    })
}

impl std::fmt::Display for Imported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "congress {}{}",
            self.slug,
            if self.congress_created {
                " (created)"
            } else {
                ""
            }
        )?;
        writeln!(f, "rooms created: {}", self.rooms_created)?;
        writeln!(f, "tracks created: {}", self.tracks_created)?;
        writeln!(
            f,
            "speakers: {} created, {} updated",
            self.speakers_created, self.speakers_updated
        )?;
        writeln!(
            f,
            "sessions: {} created, {} updated, {} unchanged",
            self.sessions_created, self.sessions_updated, self.sessions_unchanged
        )?;
        match self.published {
            Some(n) => writeln!(f, "published as version {n}")?,
            None => writeln!(f, "not published")?,
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        if !self.conflicts.is_empty() {
            writeln!(f, "conflicts: {}", self.conflicts)?;
        }
        Ok(())
    }
}

/// Why an import was refused.
#[derive(Debug)]
pub enum ImportError {
    /// The file is wrong: nothing was changed.
    Bad(BadFile),
    /// The file is over a limit: refused before it was parsed, nothing was changed.
    TooLarge(OverLimit),
    /// The programme would break the schedule rules (SPEC §2 rule 4) and the import is not a
    /// draft: nothing was changed.
    Conflicts(ImportConflicts),
    Service(ServiceError),
}

impl From<BadFile> for ImportError {
    fn from(e: BadFile) -> Self {
        ImportError::Bad(e)
    }
}

impl From<ServiceError> for ImportError {
    fn from(e: ServiceError) -> Self {
        ImportError::Service(e)
    }
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> Self {
        ImportError::Service(ServiceError::Db(e))
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Bad(b) => write!(f, "{b}"),
            ImportError::TooLarge(l) => write!(f, "{l}"),
            ImportError::Conflicts(c) => write!(f, "{c}"),
            ImportError::Service(e) => write!(f, "{e}"),
        }
    }
}

const TRACK_COLOURS: [&str; 6] = [
    "#1d4e89", "#2e7d32", "#8e3b46", "#6a4c93", "#b35c00", "#00695c",
];

fn namespace_guid(congress_guid: &str, what: &str, key: &str) -> String {
    let ns = uuid::Uuid::parse_str(congress_guid).unwrap_or(uuid::Uuid::NAMESPACE_URL);
    uuid::Uuid::new_v5(&ns, format!("{what}:{key}").as_bytes()).to_string()
}

/// Whether a guid is taken by a row of another congress (guids are unique per instance).
fn guid_elsewhere(
    conn: &mut DbConnection,
    table: &str,
    guid: &str,
    congress: i64,
) -> QueryResult<bool> {
    let n: i64 = match table {
        "rooms" => rooms::table
            .filter(rooms::guid.eq(guid))
            .filter(rooms::congress_id.ne(congress))
            .count()
            .get_result(conn)?,
        "speakers" => speakers::table
            .filter(speakers::guid.eq(guid))
            .filter(speakers::congress_id.ne(congress))
            .count()
            .get_result(conn)?,
        _ => sessions::table
            .filter(sessions::guid.eq(guid))
            .filter(sessions::congress_id.ne(congress))
            .count()
            .get_result(conn)?,
    };
    Ok(n > 0)
}

/// Imports a parsed schedule into the congress `slug` (created from the file when missing),
/// in one transaction. Publishing is the caller's next step.
///
/// The programme that results is checked with the scheduler's hard rules (room or speaker
/// double-booked, outside the congress days) over all scheduled sessions of the congress:
/// conflicts refuse the import (nothing is written) unless it is a `draft`, which goes through
/// and reports them.
pub fn apply(
    conn: &mut DbConnection,
    slug: &str,
    s: &Schedule,
    actor: Actor,
    draft: bool,
) -> Result<Imported, ImportError> {
    check(s).map_err(ImportError::Bad)?;
    Slug::parse(slug).map_err(|e| ImportError::Bad(bad("--congress", e.to_string())))?;
    let declared_tz = s.time_zone.clone().unwrap_or_else(|| "UTC".into());
    let tz: Tz = declared_tz.parse().map_err(|_| {
        ImportError::Bad(bad(
            "conference.time_zone_name",
            format!("{declared_tz:?} is not an IANA time zone"),
        ))
    })?;
    let mut out = Imported {
        slug: slug.to_string(),
        ..Default::default()
    };
    // A declared zone whose offsets the times do not carry (pretalx's democon: UTC, +01:00):
    // the instants are right, the zone may not be.
    let off_zone: Vec<&EventIn> = s
        .events
        .iter()
        .filter(|e| {
            e.offset_secs.is_some_and(|o| {
                use chrono::Offset;
                e.start.with_timezone(&tz).offset().fix().local_minus_utc() != o
            })
        })
        .collect();
    if let Some(e) = off_zone.first() {
        out.warnings.push(format!(
            "{} event(s) carry UTC offsets other than those of the declared time zone {} \
             (first: {}); the times are imported as the instants they name, so check the \
             congress's time zone in the settings",
            off_zone.len(),
            tz.name(),
            e.at
        ));
    }
    let local_dates: BTreeSet<NaiveDate> = s
        .events
        .iter()
        .map(|e| e.start.with_timezone(&tz).date_naive())
        .collect();
    let first = s
        .first_day
        .into_iter()
        .chain(local_dates.first().copied())
        .min();
    let last = s
        .last_day
        .into_iter()
        .chain(local_dates.last().copied())
        .max();
    let (Some(first), Some(last)) = (first, last) else {
        return Err(ImportError::Bad(bad(
            "conference",
            "no start and end dates and no events",
        )));
    };
    write_transaction(conn, |conn| -> Result<Imported, ImportError> {
        let now = now_utc();
        let existing: Option<(i64, String, NaiveDate, NaiveDate, String)> = congresses::table
            .filter(congresses::slug.eq(slug))
            .select((
                congresses::id,
                congresses::guid,
                congresses::first_day,
                congresses::last_day,
                congresses::time_zone,
            ))
            .first(conn)
            .optional()?;
        let (congress, cguid) = match existing {
            Some((id, guid, f, l, zone)) => {
                let ctz: Tz = zone.parse().unwrap_or(chrono_tz::UTC);
                for e in &s.events {
                    let d = e.start.with_timezone(&ctz).date_naive();
                    if d < f || d > l {
                        return Err(ImportError::Bad(bad(
                            &e.at,
                            format!(
                                "“{}” is on {d}, outside the congress days {f} – {l}; change the days in the settings first",
                                e.title
                            ),
                        )));
                    }
                }
                (id, guid)
            }
            None => {
                let guid = uuid::Uuid::new_v4().to_string();
                let id: i64 = diesel::insert_into(congresses::table)
                    .values(NewCongress {
                        slug,
                        title: &s.title,
                        subtitle: "",
                        description: "",
                        venue_name: "",
                        venue_address: "",
                        time_zone: tz.name(),
                        first_day: first,
                        last_day: last,
                        languages: "de,en",
                        registration_opens_at: None,
                        registration_closes_at: None,
                        capacity: None,
                        status: "draft",
                        guid: &guid,
                        created_at: now,
                        updated_at: now,
                    })
                    .returning(congresses::id)
                    .get_result(conn)?;
                let mut d = first;
                while d <= last {
                    diesel::insert_into(congress_days::table)
                        .values((
                            congress_days::congress_id.eq(id),
                            congress_days::day.eq(d),
                            congress_days::label.eq(""),
                            congress_days::label_en.eq(""),
                        ))
                        .execute(conn)?;
                    match d.succ_opt() {
                        Some(next) => d = next,
                        None => break,
                    }
                }
                out.congress_created = true;
                (id, guid)
            }
        };
        out.congress_id = congress;

        // Rooms: by guid within the congress, then by name.
        let mut room_ids: HashMap<String, i64> = HashMap::new();
        let mut used_guids: BTreeSet<String> = BTreeSet::new();
        let existing_rooms: Vec<(i64, String, String, i32)> = rooms::table
            .filter(rooms::congress_id.eq(congress))
            .select((rooms::id, rooms::name, rooms::guid, rooms::position))
            .load(conn)?;
        let mut next_position = existing_rooms.iter().map(|r| r.3).max().unwrap_or(-1) + 1;
        for r in &s.rooms {
            // By name first (files repeat room guids: pretalx's democon does), then by guid
            // (a room renamed at the source keeps its guid, and its new name here).
            let by_name = existing_rooms.iter().find(|x| x.1 == r.name);
            let by_guid = r.guid.as_ref().and_then(|g| {
                existing_rooms
                    .iter()
                    .find(|x| &x.2 == g && !s.rooms.iter().any(|o| o.name == x.1))
            });
            if let Some(x) = by_name.or(by_guid) {
                if x.1 != r.name {
                    diesel::update(rooms::table.find(x.0))
                        .set(rooms::name.eq(&r.name))
                        .execute(conn)?;
                }
                room_ids.insert(r.name.clone(), x.0);
                used_guids.insert(x.2.clone());
                continue;
            }
            let mut guid = r.guid.clone().filter(|g| is_uuid(g));
            if let Some(g) = &guid {
                if used_guids.contains(g) || guid_elsewhere(conn, "rooms", g, congress)? {
                    out.warnings.push(format!(
                        "room “{}”: guid {g} is used already; it gets a guid of its own",
                        r.name
                    ));
                    guid = None;
                }
            }
            let guid = guid.unwrap_or_else(|| namespace_guid(&cguid, "room", &r.name));
            used_guids.insert(guid.clone());
            let id: i64 = diesel::insert_into(rooms::table)
                .values(NewRoom {
                    congress_id: congress,
                    name: &r.name,
                    capacity: r.capacity,
                    accessibility_note: "",
                    position: next_position,
                    guid: &guid,
                })
                .returning(rooms::id)
                .get_result(conn)?;
            next_position += 1;
            room_ids.insert(r.name.clone(), id);
            out.rooms_created += 1;
        }

        // Tracks: by name.
        let mut track_ids: HashMap<String, i64> = tracks::table
            .filter(tracks::congress_id.eq(congress))
            .select((tracks::name, tracks::id))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        let mut wanted: Vec<(String, Option<String>)> = s.tracks.clone();
        for e in &s.events {
            if let Some(t) = &e.track {
                if !wanted.iter().any(|w| &w.0 == t) {
                    wanted.push((t.clone(), None));
                }
            }
        }
        for (name, colour) in wanted {
            if track_ids.contains_key(&name) {
                continue;
            }
            let n = track_ids.len();
            let colour = colour
                .filter(|c| c.len() == 7 && c.starts_with('#'))
                .unwrap_or_else(|| TRACK_COLOURS[n % TRACK_COLOURS.len()].to_string());
            let id: i64 = diesel::insert_into(tracks::table)
                .values(NewTrack {
                    congress_id: congress,
                    name: &name,
                    colour: &colour,
                    position: n as i32,
                })
                .returning(tracks::id)
                .get_result(conn)?;
            track_ids.insert(name, id);
            out.tracks_created += 1;
        }

        // Speakers: by guid within the congress (the file's or one derived from its key).
        let mut speaker_ids: HashMap<String, i64> = HashMap::new();
        for p in s.events.iter().flat_map(|e| &e.persons) {
            let guid = p
                .guid
                .clone()
                .filter(|g| is_uuid(g))
                .unwrap_or_else(|| namespace_guid(&cguid, "person", &p.key));
            if speaker_ids.contains_key(&guid) {
                continue;
            }
            let found: Option<(i64, String, String)> = speakers::table
                .filter(speakers::congress_id.eq(congress))
                .filter(speakers::guid.eq(&guid))
                .select((speakers::id, speakers::name, speakers::bio))
                .first(conn)
                .optional()?;
            let id = match found {
                Some((id, name, bio)) => {
                    let bio_new = if p.bio.is_empty() {
                        bio.clone()
                    } else {
                        p.bio.clone()
                    };
                    if name != p.name || bio != bio_new {
                        diesel::update(speakers::table.find(id))
                            .set((
                                speakers::name.eq(&p.name),
                                speakers::bio.eq(&bio_new),
                                speakers::updated_at.eq(now),
                            ))
                            .execute(conn)?;
                        out.speakers_updated += 1;
                    }
                    id
                }
                None => {
                    if guid_elsewhere(conn, "speakers", &guid, congress)? {
                        return Err(ImportError::Bad(bad(
                            "persons",
                            format!(
                                "person guid {guid} ({}) belongs to another congress",
                                p.name
                            ),
                        )));
                    }
                    out.speakers_created += 1;
                    diesel::insert_into(speakers::table)
                        .values(NewSpeaker {
                            congress_id: congress,
                            guid: &guid,
                            name: &p.name,
                            organization: "",
                            position: "",
                            bio: &p.bio,
                            email: None,
                            created_at: now,
                            updated_at: now,
                        })
                        .returning(speakers::id)
                        .get_result(conn)?
                }
            };
            speaker_ids.insert(guid, id);
        }

        // Sessions: by guid within the congress.
        for e in &s.events {
            let room = room_ids.get(&e.room).copied();
            let track = e.track.as_ref().and_then(|t| track_ids.get(t)).copied();
            let language = if e.language.is_empty() {
                "de"
            } else {
                e.language.as_str()
            };
            let found: Option<crate::db::rows::Session> = sessions::table
                .filter(sessions::congress_id.eq(congress))
                .filter(sessions::guid.eq(&e.guid))
                .select(crate::db::rows::Session::as_select())
                .first(conn)
                .optional()?;
            let (start, end) = (e.start.naive_utc(), e.end.naive_utc());
            let (id, existed): (i64, Option<bool>) = match found {
                Some(old) => {
                    let same = old.title == e.title
                        && old.subtitle == e.subtitle
                        && old.abstract_ == e.abstract_
                        && old.description == e.description
                        && old.kind == e.kind.as_str()
                        && old.language == language
                        && old.track_id == track
                        && old.room_id == room
                        && old.starts_at == Some(start)
                        && old.ends_at == Some(end)
                        && old.status == "scheduled";
                    if !same {
                        diesel::update(sessions::table.find(old.id))
                            .set((
                                sessions::title.eq(&e.title),
                                sessions::subtitle.eq(&e.subtitle),
                                sessions::abstract_.eq(&e.abstract_),
                                sessions::description.eq(&e.description),
                                sessions::kind.eq(e.kind.as_str()),
                                sessions::language.eq(language),
                                sessions::track_id.eq(track),
                                sessions::room_id.eq(room),
                                sessions::starts_at.eq(Some(start)),
                                sessions::ends_at.eq(Some(end)),
                                sessions::status.eq("scheduled"),
                                sessions::updated_at.eq(now),
                            ))
                            .execute(conn)?;
                    }
                    (old.id, Some(same))
                }
                None => {
                    if guid_elsewhere(conn, "sessions", &e.guid, congress)? {
                        return Err(ImportError::Bad(bad(
                            &e.at,
                            format!("guid {} belongs to a session of another congress", e.guid),
                        )));
                    }
                    let id: i64 = diesel::insert_into(sessions::table)
                        .values(NewSession {
                            congress_id: congress,
                            guid: &e.guid,
                            title: &e.title,
                            subtitle: &e.subtitle,
                            abstract_: &e.abstract_,
                            description: &e.description,
                            kind: e.kind.as_str(),
                            language,
                            track_id: track,
                            room_id: room,
                            slot_group_id: None,
                            starts_at: Some(start),
                            ends_at: Some(end),
                            status: "scheduled",
                            capacity: None,
                            created_at: now,
                            updated_at: now,
                        })
                        .returning(sessions::id)
                        .get_result(conn)?;
                    out.sessions_created += 1;
                    (id, None)
                }
            };
            // Speakers in the file's order, all with the role "speaker" (the formats have no
            // roles); answers already given stay.
            let wanted: Vec<i64> = e
                .persons
                .iter()
                .filter_map(|p| {
                    let guid = p
                        .guid
                        .clone()
                        .filter(|g| is_uuid(g))
                        .unwrap_or_else(|| namespace_guid(&cguid, "person", &p.key));
                    speaker_ids.get(&guid).copied()
                })
                .fold(vec![], |mut v, id| {
                    if !v.contains(&id) {
                        v.push(id);
                    }
                    v
                });
            let current: Vec<i64> = session_speakers::table
                .filter(session_speakers::session_id.eq(id))
                .order(session_speakers::position)
                .select(session_speakers::speaker_id)
                .load(conn)?;
            let speakers_same = current == wanted;
            if !speakers_same {
                diesel::delete(
                    session_speakers::table
                        .filter(session_speakers::session_id.eq(id))
                        .filter(session_speakers::speaker_id.ne_all(&wanted)),
                )
                .execute(conn)?;
                for (pos, sp) in wanted.iter().enumerate() {
                    if current.contains(sp) {
                        diesel::update(
                            session_speakers::table
                                .filter(session_speakers::session_id.eq(id))
                                .filter(session_speakers::speaker_id.eq(sp)),
                        )
                        .set(session_speakers::position.eq(pos as i32))
                        .execute(conn)?;
                    } else {
                        diesel::insert_into(session_speakers::table)
                            .values((
                                session_speakers::session_id.eq(id),
                                session_speakers::speaker_id.eq(sp),
                                session_speakers::role.eq("speaker"),
                                session_speakers::position.eq(pos as i32),
                            ))
                            .execute(conn)?;
                    }
                }
            }
            match existed {
                Some(true) if speakers_same => out.sessions_unchanged += 1,
                Some(_) => out.sessions_updated += 1,
                None => {}
            }
        }
        out.conflicts = import_conflicts(conn, congress)?;
        if !out.conflicts.is_empty() && !draft {
            return Err(ImportError::Conflicts(std::mem::take(&mut out.conflicts)));
        }
        audit::record(
            conn,
            actor,
            AuditEvent {
                congress_id: Some(congress),
                kind: "schedule.imported",
                entity: "congress",
                entity_id: Some(congress),
                before: None,
                after: Some(serde_json::json!({
                    "congress_created": out.congress_created,
                    "sessions_created": out.sessions_created,
                    "sessions_updated": out.sessions_updated,
                    "speakers_created": out.speakers_created,
                    "rooms_created": out.rooms_created,
                })),
            },
        )?;
        Ok(out)
    })
}

/// Reads, imports and (unless `draft`) publishes a file: what `kongress import` and the back
/// office's upload do. A publish happens when something changed or nothing was published yet;
/// with `notify`, it queues speakers' links and change digests like any publish.
///
/// The file is read within `limits` (see [`read`]).
pub fn import_file(
    conn: &mut DbConnection,
    slug: &str,
    text: &str,
    limits: &ImportLimits,
    actor: Actor,
    draft: bool,
    notify: Option<&super::registration::MailContext>,
) -> Result<Imported, ImportError> {
    let schedule = read(text, limits)?;
    let mut out = apply(conn, slug, &schedule, actor, draft)?;
    if !draft {
        let never = super::publish::latest_snapshot(conn, out.congress_id)?.is_none();
        if never || !super::publish::preview(conn, out.congress_id)?.is_empty() {
            diesel::update(congresses::table.find(out.congress_id))
                .filter(congresses::status.eq("draft"))
                .set(congresses::status.eq("published"))
                .execute(conn)?;
            let p = super::publish::publish(conn, out.congress_id, actor, notify)?;
            out.published = Some(p.number);
        } else {
            out.warnings
                .push("nothing changed since the published version; not published again".into());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_every_dialect() {
        let m = |s: &str, p: bool| parse_duration(s, p).map(|d| d.num_minutes());
        assert_eq!(m("00:30", false), Some(30));
        assert_eq!(m("1:30", false), Some(90));
        assert_eq!(m("01:30:00", false), Some(90));
        assert_eq!(m("1:02:00", true), Some(1440 + 120), "pretalx D:HH:MM");
        assert_eq!(m("00:75", false), None);
        assert_eq!(m("abc", false), None);
        assert_eq!(m("00:00", false), None);
    }

    #[test]
    fn kinds_from_free_text() {
        assert_eq!(kind_of("Talk"), SessionKind::Talk);
        assert_eq!(kind_of("Lightning Talk"), SessionKind::Talk);
        assert_eq!(kind_of("Workshop"), SessionKind::Workshop);
        assert_eq!(kind_of("Podiumsdiskussion"), SessionKind::Panel);
        assert_eq!(kind_of("Opening Keynote"), SessionKind::Keynote);
        assert_eq!(kind_of("Meetup"), SessionKind::Other);
    }

    #[test]
    fn bad_files_name_the_place() {
        let e = parse("<schedule><conference><title>X</title></conference>\n<day><room name=\"A\">\n<event id=\"1\"><date>2026-05-14T10:00:00+02:00</date><duration>00:30</duration></event></room></day></schedule>").unwrap_err();
        assert_eq!(e.at, "line 3");
        assert!(e.message.contains("guid"));
        let e = parse("{\"schedule\": {\"conference\": {\"title\": \"X\", \"days\": [{\"rooms\": {\"A\": [{\"guid\": \"6a8f3f0e-4b0c-5d5e-9f55-2f0f0c2b7a11\", \"title\": \"T\", \"date\": \"nope\"}]}}]}}}").unwrap_err();
        assert_eq!(e.at, "schedule.conference.days[0].rooms[\"A\"][0].date");
        let e = parse("{\"schedule\": \n {").unwrap_err();
        assert!(e.at.starts_with("line 2"), "{e}");
        assert!(parse("hello").is_err());
    }
}
