//! Reading frab/c3voc `schedule.xml` and `schedule.json` (as written by frab, pretalx and the
//! c3voc tools) into a [`Schedule`]: pure parsing, nothing touches the database. A bad file is
//! refused with a message naming the line (XML) or the path (JSON); a file over one of the
//! [`ImportLimits`] is refused before it is parsed. `services::import` applies the result.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::config::ImportLimits;
use crate::domain::programme::SessionKind;

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The file is wrong.
    Bad(BadFile),
    /// The file is over a limit.
    TooLarge(OverLimit),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Bad(b) => write!(f, "{b}"),
            ReadError::TooLarge(l) => write!(f, "{l}"),
        }
    }
}

impl From<BadFile> for ReadError {
    fn from(e: BadFile) -> Self {
        ReadError::Bad(e)
    }
}

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

/// A [`BadFile`] at `at`.
pub fn bad(at: impl Into<String>, message: impl Into<String>) -> BadFile {
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
    /// Workshop blocks from kongress's own `conference.meta.blocks` (JSON only).
    pub blocks: Vec<super::kongress_meta::BlockIn>,
    /// Seats by event guid from `conference.meta.seats` (JSON only).
    pub seats: std::collections::BTreeMap<String, i32>,
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

/// Whether `s` is a UUID in its usual text form.
pub fn is_uuid(s: &str) -> bool {
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

pub(super) fn parse_day(s: &str) -> Option<NaiveDate> {
    s.get(..10).and_then(|d| d.parse().ok())
}

/// Reads a schedule.xml or schedule.json (told apart by the first character) within the
/// default [`ImportLimits`]; a file over a limit is a bad file like any other.
pub fn parse(text: &str) -> Result<Schedule, BadFile> {
    read(text, &ImportLimits::default()).map_err(|e| match e {
        ReadError::Bad(b) => b,
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
pub fn read(text: &str, limits: &ImportLimits) -> Result<Schedule, ReadError> {
    if text.len() > limits.max_bytes {
        return Err(ReadError::TooLarge(OverLimit::Bytes {
            limit: limits.max_bytes,
        }));
    }
    let text = text.trim_start_matches('\u{feff}');
    match text.trim_start().chars().next() {
        Some('<') => {
            scan_xml(text, limits).map_err(ReadError::TooLarge)?;
            // The scan bounds the events; the node limit is a second line of defence.
            let nodes = limits
                .max_events
                .saturating_mul(200)
                .saturating_add(100_000);
            let mut s = parse_xml(text, u32::try_from(nodes).unwrap_or(u32::MAX))
                .map_err(ReadError::Bad)?;
            normalise_texts(&mut s).map_err(ReadError::Bad)?;
            Ok(s)
        }
        Some('{') => {
            scan_json(text, limits).map_err(ReadError::TooLarge)?;
            let mut s = parse_json(text, limits.max_events)?;
            normalise_texts(&mut s).map_err(ReadError::Bad)?;
            Ok(s)
        }
        _ => Err(ReadError::Bad(bad(
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

fn parse_json(text: &str, max_events: usize) -> Result<Schedule, ReadError> {
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
        return Err(ReadError::TooLarge(OverLimit::Events { limit: max_events }));
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
    if let Some(meta) = conf.get("meta") {
        super::kongress_meta::read(meta, &mut s)?;
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

/// Holds every text of the file to the input rule (`domain::text`): line ends as LF,
/// disguising characters dropped, a control character (an escaped `&#0;` or `\u0000`, a CR/LF
/// in a one-line title) refused with its place.
fn normalise_texts(s: &mut Schedule) -> Result<(), BadFile> {
    fn one(at: &str, field: &str, v: &mut String, multi_line: bool) -> Result<(), BadFile> {
        let refused = |what: String| bad(at, format!("{field}: {what}"));
        let n = crate::domain::text::normalise(v).map_err(|f| refused(f.to_string()))?;
        if !multi_line && n.contains('\n') {
            return Err(refused("a line break in a one-line text".into()));
        }
        if let std::borrow::Cow::Owned(n) = n {
            *v = n;
        }
        Ok(())
    }
    one("conference", "title", &mut s.title, false)?;
    one("conference", "acronym", &mut s.acronym, false)?;
    for (name, _) in &mut s.tracks {
        one("tracks", "track", name, false)?;
    }
    for r in &mut s.rooms {
        one("rooms", "room", &mut r.name, false)?;
    }
    for e in &mut s.events {
        let at = e.at.clone();
        one(&at, "title", &mut e.title, false)?;
        one(&at, "subtitle", &mut e.subtitle, false)?;
        one(&at, "abstract", &mut e.abstract_, true)?;
        one(&at, "description", &mut e.description, true)?;
        one(&at, "language", &mut e.language, false)?;
        one(&at, "room", &mut e.room, false)?;
        if let Some(t) = &mut e.track {
            one(&at, "track", t, false)?;
        }
        for p in &mut e.persons {
            one(&at, "person", &mut p.name, false)?;
            one(&at, "person", &mut p.key, false)?;
            one(&at, "biography", &mut p.bio, true)?;
        }
    }
    Ok(())
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

    #[test]
    fn control_characters_in_a_file_are_refused_with_their_place() {
        let xml = |title: &str| {
            format!("<schedule><conference><title>{title}</title></conference></schedule>")
        };
        let e = parse(&xml("Kongress&#13;&#10;END:VCALENDAR")).unwrap_err();
        assert!(e.message.contains("title: a line break"), "{e}");
        let e = parse("{\"schedule\": {\"conference\": {\"title\": \"a\\u0000b\", \"days\": []}}}")
            .unwrap_err();
        assert!(e.message.contains("U+0000"), "{e}");
        let s = parse(&xml("Smart\u{202E} City")).unwrap();
        assert_eq!(s.title, "Smart City");
    }
}
