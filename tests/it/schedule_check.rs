//! A structural checker for the schedule.xml and schedule.json we export, so that the format
//! tests need nothing beside the checkout.
//!
//! It follows the upstream c3voc schemas (`schedule.xml.xsd`, the draft-06 `schema.json`, in the
//! project's shared format folder, which CI validates with as well) and the consistency checks
//! that the upstream validator adds because the schemas cannot express them:
//!
//! * XML: root `<schedule>` with `generator?, url?, version, conference, day+` in that order;
//!   the conference's children (any order, nothing unknown); days with `index`, `start`, `end`
//!   (and optional `date`); rooms with `name`; events with `id` and `guid`, whose children may
//!   come in any order (`xs:all`) but each at most once, with `room, title, type, date, start,
//!   duration, abstract, track` required; value types (offsets on every date-time, HH:MM, UUIDs,
//!   positive integers, http(s) URLs, slug and acronym patterns); unknown elements and
//!   attributes; unique event guid, id, code and slug and day index.
//! * JSON: the required keys, allowed keys and types of every level of `schema.json`, its
//!   patterns and formats (date, date-time, uuid, uri, color), and the person `oneOf`.
//! * Both: the time zone is a known IANA name; days are numbered 1, 2, … and their `date` is
//!   the date of their start; every event's offset is the congress zone's at that instant, its
//!   `start` is the local time of its `date`, it lies within its day (its start, as upstream
//!   checks, and, stricter, its end: our exports promise both), its duration is
//!   zero-padded HH:MM (and matches `end` in JSON), its `room` is the room it is listed under;
//!   guids, ids and slugs are unique; the number of days matches the days listed.
//!
//! Every problem names where it is: an XPath-like path and the line for XML, a path such as
//! `schedule.conference.days[0].rooms["Saal"][1].duration` for JSON.

use std::collections::HashMap;
use std::fmt::Display;

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, TimeZone};
use serde_json::{Map, Value};

/// The problems of a schedule.xml; empty when it passes.
pub fn check_xml(text: &str) -> Vec<String> {
    let doc = match roxmltree::Document::parse(text) {
        Ok(doc) => doc,
        Err(e) => return vec![format!("not well-formed XML: {e}")],
    };
    let mut x = Xml {
        doc: &doc,
        problems: vec![],
    };
    x.schedule(doc.root_element());
    x.problems
}

/// The problems of a schedule.json; empty when it passes.
pub fn check_json(text: &str) -> Vec<String> {
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return vec![format!("not valid JSON: {e}")],
    };
    let mut j = Json { problems: vec![] };
    j.document(&doc);
    j.consistency(&doc);
    j.problems
}

/// Checks a document, XML or JSON by its first character; panics with every problem.
pub fn assert_valid(what: &str, text: &str) {
    let problems = match text.trim_start().chars().next() {
        Some('<') => check_xml(text),
        Some('{') => check_json(text),
        _ => vec!["neither XML nor JSON".to_string()],
    };
    assert!(
        problems.is_empty(),
        "{what} is not a valid schedule ({} problem(s)):\n  - {}",
        problems.len(),
        problems.join("\n  - ")
    );
}

// ------------------------------------------------------------------------------------ values

fn digits(b: &[u8], from: usize, n: usize) -> Option<u32> {
    let part = b.get(from..from + n)?;
    if !part.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(part).ok()?.parse().ok()
}

/// `YYYY-MM-DD`, a real date.
fn date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(b, 0, 4)? as i32, digits(b, 5, 2)?, digits(b, 8, 2)?)
}

/// `Z` or `±hh:mm` (hours up to `max_hours`).
fn offset(s: &str, lower_z: bool, max_hours: u32) -> bool {
    if s == "Z" || (lower_z && s == "z") {
        return true;
    }
    let b = s.as_bytes();
    b.len() == 6
        && (b[0] == b'+' || b[0] == b'-')
        && b[3] == b':'
        && digits(b, 1, 2).is_some_and(|h| h <= max_hours)
        && digits(b, 4, 2).is_some_and(|m| m <= 59)
}

/// A date-time with a UTC offset: `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)`. `rfc3339` also takes
/// a lower-case `t` and `z` (JSON's `date-time` format); otherwise it is `xs:dateTime` with the
/// XSD's offset pattern.
fn datetime(s: &str, rfc3339: bool) -> Option<DateTime<FixedOffset>> {
    let b = s.as_bytes();
    if b.len() < 20 || date(s.get(..10)?).is_none() {
        return None;
    }
    let t_ok = b[10] == b'T' || (rfc3339 && b[10] == b't');
    let time_ok = b[13] == b':'
        && b[16] == b':'
        && digits(b, 11, 2).is_some_and(|h| h <= 23)
        && digits(b, 14, 2).is_some_and(|m| m <= 59)
        && digits(b, 17, 2).is_some_and(|s| s <= 59);
    if !t_ok || !time_ok {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let from = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == from {
            return None;
        }
    }
    if !offset(s.get(i..)?, rfc3339, if rfc3339 { 23 } else { 14 }) {
        return None;
    }
    DateTime::parse_from_rfc3339(s).ok()
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Only zero-padded `HH:MM` is read the same way by every client (SReview takes exactly
/// `NN:NN`; EventFahrplan reads three parts as D:HH:MM, the XSD as HH:MM:SS). In minutes.
fn padded_duration(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' {
        return None;
    }
    let (h, m) = (digits(b, 0, 2)?, digits(b, 3, 2)?);
    (m <= 59).then_some(h as i64 * 60 + m as i64)
}

/// `[0-9]{1,2}:[0-9]{2}(:[0-9]{1,2})?`, the XSD's duration.
fn xsd_duration(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    let all_digits = |p: &str, min: usize, max: usize| {
        (min..=max).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit())
    };
    match parts.as_slice() {
        [h, m] => all_digits(h, 1, 2) && all_digits(m, 2, 2),
        [h, m, s] => all_digits(h, 1, 2) && all_digits(m, 2, 2) && all_digits(s, 1, 2),
        _ => false,
    }
}

/// The XSD's start: `[0-2][0-9]:[0-5][0-9](:[0-5][0-9])?`.
fn xsd_start(s: &str) -> bool {
    let b = s.as_bytes();
    let hm = |b: &[u8]| {
        b.len() == 5
            && matches!(b[0], b'0'..=b'2')
            && b[1].is_ascii_digit()
            && b[2] == b':'
            && matches!(b[3], b'0'..=b'5')
            && b[4].is_ascii_digit()
    };
    match b.len() {
        5 => hm(b),
        8 => hm(&b[..5]) && b[5] == b':' && matches!(b[6], b'0'..=b'5') && b[7].is_ascii_digit(),
        _ => false,
    }
}

fn all_in(s: &str, ok: impl Fn(char) -> bool) -> bool {
    s.chars().all(ok)
}

fn lower_digit_underscore(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}

/// JSON's `^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$`.
fn json_acronym(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !(lower_digit_underscore(first) || first == '-') {
        return false;
    }
    let rest = chars.as_str();
    let (body, suffix) = match rest.find('-') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let suffix_ok = suffix.is_empty() || {
        let b = suffix.as_bytes();
        b.len() >= 7
            && b[0] == b'-'
            && b[1] == b'2'
            && b[2..5].iter().all(u8::is_ascii_digit)
            && b[5] == b'-'
            && b[6..].iter().all(u8::is_ascii_lowercase)
    };
    body.len() >= 3 && all_in(body, lower_digit_underscore) && suffix_ok
}

/// JSON's slug pattern `^[a-z0-9_-]+[a-z0-9]$`.
fn json_slug(s: &str) -> bool {
    s.len() >= 2
        && all_in(s, |c| lower_digit_underscore(c) || c == '-')
        && s.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// JSON's time zone pattern `^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$`: unanchored alternatives, so a
/// name that starts like `Europe/Berlin` or ends in `UTC`.
fn json_zone_pattern(s: &str) -> bool {
    let word = |w: &str| {
        let mut c = w.chars();
        c.next().is_some_and(|f| f.is_ascii_uppercase())
            && c.next().is_some_and(|l| l.is_ascii_lowercase())
    };
    let prefix = s.split_once('/').is_some_and(|(a, b)| {
        word(b) && a.len() >= 2 && word(a) && a[1..].chars().all(|c| c.is_ascii_lowercase())
    });
    prefix || s.ends_with("UTC")
}

/// The `uri` format (RFC 3986): a scheme, then only URI characters and well-formed escapes.
fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && all_in(scheme, |c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        if c == '%' {
            if digits_hex(b, i + 1) {
                i += 3;
                continue;
            }
            return false;
        }
        if !(c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=".contains(c)) {
            return false;
        }
        i += 1;
    }
    scheme_ok && rest.matches('#').count() <= 1
}

fn digits_hex(b: &[u8], from: usize) -> bool {
    b.get(from..from + 2)
        .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
}

/// The `color` format: a CSS 2.1 colour name or `#rgb` / `#rrggbb`.
fn is_color(s: &str) -> bool {
    const NAMES: [&str; 17] = [
        "aqua", "black", "blue", "fuchsia", "gray", "green", "lime", "maroon", "navy", "olive",
        "orange", "purple", "red", "silver", "teal", "white", "yellow",
    ];
    NAMES.contains(&s.to_ascii_lowercase().as_str())
        || (s.starts_with('#')
            && matches!(s.len(), 4 | 7)
            && s[1..].bytes().all(|c| c.is_ascii_hexdigit()))
}

fn zone(name: &str) -> Option<chrono_tz::Tz> {
    name.parse().ok()
}

/// One event's times, as written and (`date`, `end`) parsed; `duration` in minutes.
struct EventTimes<'a> {
    date_text: &'a str,
    date: DateTime<FixedOffset>,
    start: Option<&'a str>,
    duration: Option<i64>,
    end: Option<DateTime<FixedOffset>>,
}

/// The time rules both formats share: local start, zone offset, within the day, end.
fn event_times(
    ev: &EventTimes,
    tz: Option<chrono_tz::Tz>,
    day: Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)>,
) -> Vec<String> {
    let mut problems = vec![];
    let d = ev.date;
    let local = d.format("%H:%M").to_string();
    if let Some(start) = ev.start {
        if start.trim() != local {
            problems.push(format!(
                "start {start:?} must be the zero-padded HH:MM local time of date {:?} ({local})",
                ev.date_text
            ));
        }
    }
    if let Some(tz) = tz {
        let expected = tz.offset_from_utc_datetime(&d.naive_utc()).fix();
        if expected != *d.offset() {
            problems.push(format!(
                "date {:?}: offset does not match the congress zone {tz} (expected {})",
                ev.date_text,
                d.with_timezone(&expected).to_rfc3339()
            ));
        }
    }
    if let Some((day_start, day_end)) = day {
        if d < day_start || d > day_end {
            problems.push(format!(
                "date {:?} lies outside its day [{} .. {}]",
                ev.date_text,
                day_start.to_rfc3339(),
                day_end.to_rfc3339()
            ));
        } else if let Some(minutes) = ev.duration {
            let ends = d + chrono::Duration::minutes(minutes);
            if ends > day_end {
                problems.push(format!(
                    "ends at {} after its day's end {}",
                    ends.to_rfc3339(),
                    day_end.to_rfc3339()
                ));
            }
        }
    }
    if let (Some(end), Some(minutes)) = (ev.end, ev.duration) {
        if end - d != chrono::Duration::minutes(minutes) {
            problems.push(format!(
                "end - date = {} min but duration is {minutes} min",
                (end - d).num_minutes()
            ));
        }
    }
    problems
}

/// First places of guids, ids, slugs and codes, for the duplicate checks.
#[derive(Default)]
struct Seen(HashMap<(&'static str, String), String>);

impl Seen {
    /// `Some(first place)` when `value` of `what` was seen before.
    fn again(&mut self, what: &'static str, value: String, here: String) -> Option<String> {
        match self.0.entry((what, value)) {
            std::collections::hash_map::Entry::Occupied(e) => Some(e.get().clone()),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(here);
                None
            }
        }
    }
}

// --------------------------------------------------------------------------------------- XML

/// Value types of `schedule.xml.xsd`.
#[derive(Clone, Copy)]
enum XTy {
    Str,
    HttpUri,
    EmptyOrUri,
    DateTimeTz,
    DateOrDateTimeTz,
    Date,
    Integer,
    PositiveInteger,
    Boolean,
    Duration,
    Start,
    Uuid,
    Acronym,
    VocSlugNew,
    Slug,
    HexColor,
    Code,
}

impl XTy {
    fn describe(self) -> &'static str {
        match self {
            XTy::Str => "a string",
            XTy::HttpUri => "an http(s) URL",
            XTy::EmptyOrUri => "an http(s) URL or empty",
            XTy::DateTimeTz => "a date-time with a UTC offset (YYYY-MM-DDThh:mm:ss±hh:mm or Z)",
            XTy::DateOrDateTimeTz => "a date (YYYY-MM-DD) or a date-time with a UTC offset",
            XTy::Date => "a date (YYYY-MM-DD)",
            XTy::Integer => "an integer",
            XTy::PositiveInteger => "a positive integer",
            XTy::Boolean => "a boolean (true, false, 1, 0)",
            XTy::Duration => "a duration (H:MM, HH:MM or HH:MM:SS)",
            XTy::Start => "a time (HH:MM or HH:MM:SS)",
            XTy::Uuid => "a UUID (8-4-4-4-12 hex digits)",
            XTy::Acronym => "an acronym ([a-z0-9_-]{4,})",
            XTy::VocSlugNew => "a slug ([a-z0-9_]{4,}-[a-z0-9_-]{4,})",
            XTy::Slug => "a slug ([a-z][a-z0-9-]+)",
            XTy::HexColor => "a colour (#rrggbb)",
            XTy::Code => "a code (six of [0-9A-Z])",
        }
    }

    fn accepts(self, raw: &str) -> bool {
        // Built-in types other than xs:string collapse white space first; the types derived
        // from xs:string keep it, so their patterns see it.
        let v = raw.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
        let xs_date = |v: &str| {
            v.get(..10).and_then(date).is_some() && (v.len() == 10 || offset(&v[10..], false, 14))
        };
        match self {
            XTy::Str => true,
            XTy::HttpUri => v.starts_with("http://") || v.starts_with("https://"),
            XTy::EmptyOrUri => {
                v.is_empty() || v.starts_with("http://") || v.starts_with("https://")
            }
            XTy::DateTimeTz => datetime(v, false).is_some(),
            XTy::DateOrDateTimeTz => datetime(v, false).is_some() || xs_date(v),
            XTy::Date => xs_date(v),
            XTy::Integer => {
                let d = v.strip_prefix(['+', '-']).unwrap_or(v);
                !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())
            }
            XTy::PositiveInteger => {
                let d = v.strip_prefix('+').unwrap_or(v);
                !d.is_empty()
                    && d.bytes().all(|c| c.is_ascii_digit())
                    && d.bytes().any(|c| c != b'0')
            }
            XTy::Boolean => matches!(v, "true" | "false" | "1" | "0"),
            XTy::Duration => xsd_duration(raw),
            XTy::Start => xsd_start(raw),
            XTy::Uuid => is_uuid(raw),
            XTy::Acronym => {
                raw.chars().count() >= 4 && all_in(raw, |c| lower_digit_underscore(c) || c == '-')
            }
            XTy::VocSlugNew => match raw.split_once('-') {
                Some((a, b)) => {
                    a.len() >= 4
                        && all_in(a, lower_digit_underscore)
                        && b.len() >= 4
                        && all_in(b, |c| lower_digit_underscore(c) || c == '-')
                }
                None => false,
            },
            XTy::Slug => {
                raw.len() >= 2
                    && raw.starts_with(|c: char| c.is_ascii_lowercase())
                    && all_in(raw, |c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
                    })
            }
            XTy::HexColor => {
                raw.len() == 7
                    && raw.starts_with('#')
                    && raw[1..].bytes().all(|c| c.is_ascii_hexdigit())
            }
            XTy::Code => {
                raw.len() == 6 && all_in(raw, |c| c.is_ascii_digit() || c.is_ascii_uppercase())
            }
        }
    }
}

/// The attributes an element may carry: name, required, type.
type Attrs = &'static [(&'static str, bool, XTy)];

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Event children (`xs:all`): name, required, type (`None`: complex, checked on its own).
const EVENT_CHILDREN: &[(&str, bool, Option<XTy>)] = &[
    ("room", true, Some(XTy::Str)),
    ("title", true, Some(XTy::Str)),
    ("subtitle", false, Some(XTy::Str)),
    ("type", true, Some(XTy::Str)),
    ("date", true, Some(XTy::DateTimeTz)),
    ("start", true, Some(XTy::Start)),
    ("duration", true, Some(XTy::Duration)),
    ("abstract", true, Some(XTy::Str)),
    ("slug", false, Some(XTy::VocSlugNew)),
    ("track", true, Some(XTy::Str)),
    ("logo", false, Some(XTy::EmptyOrUri)),
    ("persons", false, None),
    ("language", false, Some(XTy::Str)),
    ("description", false, Some(XTy::Str)),
    ("recording", false, None),
    ("links", false, None),
    ("attachments", false, None),
    ("video_download_url", false, Some(XTy::HttpUri)),
    ("url", false, Some(XTy::HttpUri)),
    ("feedback_url", false, Some(XTy::HttpUri)),
    ("origin_url", false, Some(XTy::HttpUri)),
];

/// Conference children: a repeated `xs:choice`, so any order.
const CONFERENCE_CHILDREN: &[(&str, Option<XTy>)] = &[
    ("title", Some(XTy::Str)),
    ("acronym", Some(XTy::Acronym)),
    ("start", Some(XTy::DateOrDateTimeTz)),
    ("end", Some(XTy::DateOrDateTimeTz)),
    ("days", Some(XTy::Integer)),
    ("timeslot_duration", Some(XTy::Duration)),
    ("base_url", Some(XTy::HttpUri)),
    ("logo", Some(XTy::HttpUri)),
    ("url", Some(XTy::HttpUri)),
    ("time_zone_name", Some(XTy::Str)),
    ("color", None),
    ("track", None),
];

type Node<'a, 'i> = roxmltree::Node<'a, 'i>;

struct Xml<'a, 'i> {
    doc: &'a roxmltree::Document<'i>,
    problems: Vec<String>,
}

fn elements<'a, 'i>(n: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children().filter(|c| c.is_element())
}

fn named<'a, 'i>(n: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    elements(n).filter(move |c| c.tag_name().name() == name)
}

/// The text of a simple-content element (its text children; comments may split it).
fn text_of(n: Node) -> String {
    n.children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect()
}

impl<'a, 'i> Xml<'a, 'i> {
    /// `/schedule/day[2]/room[1]/event[3] (line 40)`: repeatable elements carry their position.
    fn at(&self, n: Node) -> String {
        let mut parts = vec![];
        for a in n.ancestors().filter(|a| a.is_element()) {
            let name = a.tag_name().name();
            if matches!(
                name,
                "day" | "room" | "event" | "person" | "link" | "attachment" | "track"
            ) {
                let pos = a
                    .prev_siblings()
                    .filter(|s| s.is_element() && s.tag_name().name() == name)
                    .count();
                parts.push(format!("{name}[{pos}]"));
            } else {
                parts.push(name.to_string());
            }
        }
        parts.reverse();
        let line = self.doc.text_pos_at(n.range().start).row;
        format!("/{} (line {line})", parts.join("/"))
    }

    fn bad(&mut self, n: Node, msg: impl Display) {
        let at = self.at(n);
        self.problems.push(format!("{at}: {msg}"));
    }

    fn unqualified(&mut self, n: Node) -> bool {
        if let Some(ns) = n.tag_name().namespace() {
            self.bad(
                n,
                format!("element in namespace {ns:?}: the schema has none"),
            );
            return false;
        }
        true
    }

    /// Unknown attributes, missing required ones, and the values' types.
    fn attributes(&mut self, n: Node, allowed: Attrs, any_other: bool) {
        for a in n.attributes() {
            if a.namespace() == Some(XSI) {
                continue;
            }
            match allowed
                .iter()
                .find(|(name, ..)| a.namespace().is_none() && *name == a.name())
            {
                Some((name, _, ty)) => {
                    if !ty.accepts(a.value()) {
                        let msg = format!("@{name} {:?} is not {}", a.value(), ty.describe());
                        self.bad(n, msg);
                    }
                }
                None if any_other => {}
                None => self.bad(n, format!("attribute {:?} is not allowed here", a.name())),
            }
        }
        for (name, required, _) in allowed {
            if *required && n.attribute(*name).is_none() {
                self.bad(n, format!("missing required attribute @{name}"));
            }
        }
    }

    /// Element-only content: no text besides white space.
    fn element_only(&mut self, n: Node) {
        if n.children()
            .any(|c| c.is_text() && !c.text().unwrap_or("").trim().is_empty())
        {
            let name = n.tag_name().name();
            self.bad(n, format!("<{name}> may only contain elements, not text"));
        }
    }

    /// Simple content of the given type, no child elements.
    fn simple(&mut self, n: Node, ty: XTy) {
        if let Some(child) = elements(n).next() {
            let msg = format!(
                "element <{}> is not allowed inside <{}> (text only)",
                child.tag_name().name(),
                n.tag_name().name()
            );
            self.bad(child, msg);
        }
        let text = text_of(n);
        if !ty.accepts(&text) {
            let msg = format!(
                "<{}> {text:?} is not {}",
                n.tag_name().name(),
                ty.describe()
            );
            self.bad(n, msg);
        }
    }

    /// The children of `n` against an `xs:sequence` of (name, min, max) particles.
    fn sequence(&mut self, n: Node, particles: &[(&str, usize, Option<usize>)]) {
        let kids: Vec<Node> = elements(n).collect();
        let order: Vec<&str> = particles.iter().map(|(q, ..)| *q).collect();
        let mut i = 0;
        let mut count = 0;
        for (k, c) in kids.iter().enumerate() {
            let name = c.tag_name().name();
            let (p, _, max) = particles[i];
            if p == name && max.is_none_or(|m| count < m) {
                count += 1;
                continue;
            }
            if let Some(off) = order[i + 1..].iter().position(|q| *q == name) {
                let j = i + 1 + off;
                // Skipped particles must have had their minimum, unless they come later (then
                // they are reported as out of order there).
                let later: Vec<&str> = kids[k..].iter().map(|c| c.tag_name().name()).collect();
                for (idx, (q, min, _)) in particles.iter().enumerate().take(j).skip(i) {
                    let have = if idx == i { count } else { 0 };
                    if have < *min && !later.contains(q) {
                        self.bad(*c, format!("missing <{q}> before <{name}>"));
                    }
                }
                i = j;
                count = 1;
            } else if p == name {
                let msg = format!("<{name}> may appear only {} time(s)", max.unwrap_or(0));
                self.bad(*c, msg);
            } else if order[..i].contains(&name) {
                let msg = format!(
                    "<{name}> is out of order: it must come before <{p}> (order: {})",
                    order.join(", ")
                );
                self.bad(*c, msg);
            } else {
                let msg = format!("unexpected element <{name}> in <{}>", n.tag_name().name());
                self.bad(*c, msg);
            }
        }
        for (idx, (q, min, _)) in particles.iter().enumerate().skip(i) {
            let have = if idx == i { count } else { 0 };
            if have < *min && !kids.iter().any(|c| c.tag_name().name() == *q) {
                self.bad(n, format!("missing <{q}>"));
            }
        }
    }

    fn schedule(&mut self, root: Node) {
        if root.tag_name().name() != "schedule" {
            let msg = format!(
                "the root element must be <schedule>, not <{}>",
                root.tag_name().name()
            );
            self.bad(root, msg);
            return;
        }
        if !self.unqualified(root) {
            return;
        }
        self.attributes(root, &[], false);
        self.element_only(root);
        self.sequence(
            root,
            &[
                ("generator", 0, Some(1)),
                ("url", 0, Some(1)),
                ("version", 1, Some(1)),
                ("conference", 1, Some(1)),
                ("day", 1, None),
            ],
        );
        for c in elements(root) {
            self.unqualified(c);
            match c.tag_name().name() {
                "generator" => {
                    const A: Attrs = &[
                        ("name", false, XTy::Str),
                        ("system", false, XTy::Str),
                        ("version", false, XTy::Str),
                    ];
                    self.attributes(c, A, false);
                    self.element_only(c);
                    for e in elements(c) {
                        self.bad(e, "<generator> must be empty");
                    }
                }
                "url" => {
                    self.attributes(c, &[], false);
                    self.simple(c, XTy::HttpUri);
                }
                "version" => {
                    self.attributes(c, &[], false);
                    self.simple(c, XTy::Str);
                }
                "conference" => self.conference(c),
                "day" => self.day(c),
                _ => {}
            }
        }
        self.unique(root);
        self.consistency(root);
    }

    fn conference(&mut self, n: Node) {
        self.attributes(n, &[], false);
        self.element_only(n);
        for c in elements(n) {
            let name = c.tag_name().name();
            match CONFERENCE_CHILDREN.iter().find(|(q, _)| *q == name) {
                None => self.bad(c, format!("unexpected element <{name}> in <conference>")),
                Some((_, Some(ty))) => {
                    self.attributes(c, &[], false);
                    self.simple(c, *ty);
                }
                Some((_, None)) if name == "color" => {
                    const A: Attrs = &[
                        ("primary", true, XTy::HexColor),
                        ("background", false, XTy::HexColor),
                    ];
                    self.attributes(c, A, true);
                    self.simple(c, XTy::Str);
                }
                Some((_, None)) => {
                    const A: Attrs = &[
                        ("name", true, XTy::Str),
                        ("color", false, XTy::HexColor),
                        ("slug", false, XTy::Slug),
                    ];
                    self.attributes(c, A, false);
                    self.simple(c, XTy::Str);
                }
            }
        }
    }

    fn day(&mut self, n: Node) {
        const A: Attrs = &[
            ("date", false, XTy::Date),
            ("start", true, XTy::DateTimeTz),
            ("end", true, XTy::DateTimeTz),
            ("index", true, XTy::PositiveInteger),
        ];
        self.attributes(n, A, false);
        self.element_only(n);
        self.sequence(n, &[("room", 0, None)]);
        for room in named(n, "room") {
            self.unqualified(room);
            self.attributes(
                room,
                &[("name", true, XTy::Str), ("guid", false, XTy::Uuid)],
                false,
            );
            self.element_only(room);
            self.sequence(room, &[("event", 0, None)]);
            for ev in named(room, "event") {
                self.event(ev);
            }
        }
    }

    fn event(&mut self, n: Node) {
        self.unqualified(n);
        const A: Attrs = &[
            ("code", false, XTy::Code),
            ("id", true, XTy::PositiveInteger),
            ("guid", true, XTy::Uuid),
        ];
        self.attributes(n, A, false);
        self.element_only(n);
        let mut seen: Vec<&str> = vec![];
        for c in elements(n) {
            self.unqualified(c);
            let name = c.tag_name().name();
            let Some((_, _, ty)) = EVENT_CHILDREN.iter().find(|(q, ..)| *q == name) else {
                self.bad(c, format!("unexpected element <{name}> in <event>"));
                continue;
            };
            if seen.contains(&name) {
                self.bad(c, format!("<{name}> appears more than once in <event>"));
            }
            seen.push(name);
            match (name, ty) {
                (_, Some(ty)) => {
                    self.attributes(c, &[], false);
                    self.simple(c, *ty);
                }
                ("persons", None) => {
                    const P: Attrs = &[("id", false, XTy::Integer), ("guid", false, XTy::Uuid)];
                    self.list(c, "person", P);
                }
                ("links", None) => {
                    const L: Attrs = &[
                        ("href", false, XTy::Str),
                        ("type", false, XTy::Str),
                        ("service", false, XTy::Str),
                    ];
                    self.list(c, "link", L);
                }
                ("attachments", None) => {
                    const L: Attrs = &[("href", false, XTy::Str), ("type", false, XTy::Str)];
                    self.list(c, "attachment", L);
                }
                _ => self.recording(c),
            }
        }
        for (name, required, _) in EVENT_CHILDREN {
            if *required && !seen.contains(name) {
                self.bad(n, format!("missing required <{name}> in <event>"));
            }
        }
    }

    /// `<persons>`, `<links>`, `<attachments>`: any number of one text element with attributes.
    fn list(&mut self, n: Node, item: &'static str, attrs: Attrs) {
        self.attributes(n, &[], false);
        self.element_only(n);
        self.sequence(n, &[(item, 0, None)]);
        for c in named(n, item) {
            self.unqualified(c);
            self.attributes(c, attrs, false);
            self.simple(c, XTy::Str);
        }
    }

    fn recording(&mut self, n: Node) {
        const CHILDREN: &[(&str, bool, XTy)] = &[
            ("license", true, XTy::Str),
            ("optout", true, XTy::Boolean),
            ("url", false, XTy::HttpUri),
            ("link", false, XTy::HttpUri),
        ];
        self.attributes(n, &[], false);
        self.element_only(n);
        let mut seen = vec![];
        for c in elements(n) {
            let name = c.tag_name().name();
            match CHILDREN.iter().find(|(q, ..)| *q == name) {
                None => self.bad(c, format!("unexpected element <{name}> in <recording>")),
                Some((_, _, ty)) => {
                    if seen.contains(&name) {
                        self.bad(c, format!("<{name}> appears more than once in <recording>"));
                    }
                    seen.push(name);
                    self.attributes(c, &[], false);
                    self.simple(c, *ty);
                }
            }
        }
        for (name, required, _) in CHILDREN {
            if *required && !seen.contains(name) {
                self.bad(n, format!("missing required <{name}> in <recording>"));
            }
        }
    }

    /// The XSD's `xs:unique` constraints: event guid, code, id and slug, day index.
    fn unique(&mut self, root: Node) {
        let mut seen = Seen::default();
        let number = |v: &str| {
            let v = v.trim().trim_start_matches('+').trim_start_matches('0');
            (!v.is_empty() && v.bytes().all(|c| c.is_ascii_digit())).then(|| v.to_string())
        };
        for day in named(root, "day") {
            if let Some(i) = day.attribute("index").and_then(number) {
                if let Some(first) = seen.again("day index", i.clone(), self.at(day)) {
                    self.bad(day, format!("duplicate day index {i} (first at {first})"));
                }
            }
            for ev in named(day, "room").flat_map(|r| named(r, "event")) {
                let here = self.at(ev);
                let keys = [
                    ("guid", ev.attribute("guid").map(str::to_string)),
                    ("code", ev.attribute("code").map(str::to_string)),
                    ("id", ev.attribute("id").and_then(number)),
                    ("slug", named(ev, "slug").next().map(text_of)),
                ];
                for (what, value) in keys {
                    let Some(value) = value else { continue };
                    if let Some(first) = seen.again(what, value.clone(), here.clone()) {
                        self.bad(
                            ev,
                            format!("duplicate event {what} {value:?} (first at {first})"),
                        );
                    }
                }
            }
        }
    }

    /// What the schema cannot express: zone, offsets, local start times, day bounds, rooms.
    fn consistency(&mut self, root: Node) {
        let Some(conf) = named(root, "conference").next() else {
            return;
        };
        let tz_name = named(conf, "time_zone_name")
            .next()
            .map(|t| text_of(t).trim().to_string())
            .unwrap_or_default();
        let tz = if tz_name.is_empty() {
            self.bad(
                conf,
                "time_zone_name missing (clients then guess the zone; always emit an IANA name)",
            );
            None
        } else {
            let tz = zone(&tz_name);
            if tz.is_none() {
                self.bad(
                    conf,
                    format!("time_zone_name {tz_name:?} is not a known IANA zone"),
                );
            }
            tz
        };
        let days: Vec<Node> = named(root, "day").collect();
        if let Some(n) = named(conf, "days").next() {
            if let Ok(count) = text_of(n).trim().parse::<usize>() {
                if count != days.len() {
                    let msg = format!("<days> {count} != number of <day> elements {}", days.len());
                    self.bad(n, msg);
                }
            }
        }
        for (i, day) in days.iter().enumerate() {
            let n = i + 1;
            let index = day.attribute("index").unwrap_or("");
            if index.trim() != n.to_string() {
                self.bad(
                    *day,
                    format!("index {index:?}, expected {n} (1-based, in order)"),
                );
            }
            let start = day
                .attribute("start")
                .and_then(|s| datetime(s.trim(), false));
            let end = day.attribute("end").and_then(|s| datetime(s.trim(), false));
            let bounds = start.zip(end);
            if let Some((s, e)) = bounds {
                if e <= s {
                    self.bad(*day, "end is not after start");
                }
            }
            if let (Some(s), Some(d)) = (start, day.attribute("date")) {
                if s.date_naive().to_string() != d {
                    let msg = format!("date {d:?} is not the date of start {}", s.to_rfc3339());
                    self.bad(*day, msg);
                }
            }
            for room in named(*day, "room") {
                let room_name = room.attribute("name").unwrap_or("");
                for ev in named(room, "event") {
                    self.event_consistency(ev, room_name, tz, bounds);
                }
            }
        }
    }

    fn event_consistency(
        &mut self,
        ev: Node,
        room_name: &str,
        tz: Option<chrono_tz::Tz>,
        day: Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)>,
    ) {
        let child = |name: &'static str| named(ev, name).next().map(text_of);
        let duration = child("duration");
        if let Some(d) = &duration {
            if xsd_duration(d) && padded_duration(d).is_none() {
                self.bad(
                    ev,
                    format!("duration {d:?} is not zero-padded HH:MM (other forms are ambiguous between clients)"),
                );
            }
        }
        if let Some(r) = child("room") {
            if r.trim() != room_name {
                self.bad(
                    ev,
                    format!("<room> {r:?} is not the enclosing room {room_name:?}"),
                );
            }
        }
        let date_text = child("date").unwrap_or_default();
        let Some(date) = datetime(date_text.trim(), false) else {
            return;
        };
        let start = child("start");
        let times = EventTimes {
            date_text: date_text.trim(),
            date,
            start: start.as_deref(),
            duration: duration.as_deref().and_then(padded_duration),
            end: None,
        };
        for p in event_times(&times, tz, day) {
            self.bad(ev, p);
        }
    }
}

// -------------------------------------------------------------------------------------- JSON

#[derive(Clone, Copy, PartialEq, Debug)]
enum JTy {
    Str,
    Int,
    Num,
    Bool,
    Null,
    Obj,
    Arr,
}

fn json_type(v: &Value) -> JTy {
    match v {
        Value::String(_) => JTy::Str,
        Value::Number(n) if n.is_i64() || n.is_u64() => JTy::Int,
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => JTy::Int,
        Value::Number(_) => JTy::Num,
        Value::Bool(_) => JTy::Bool,
        Value::Null => JTy::Null,
        Value::Object(_) => JTy::Obj,
        Value::Array(_) => JTy::Arr,
    }
}

fn type_name(t: JTy) -> &'static str {
    match t {
        JTy::Str => "string",
        JTy::Int => "integer",
        JTy::Num => "number",
        JTy::Bool => "boolean",
        JTy::Null => "null",
        JTy::Obj => "object",
        JTy::Arr => "array",
    }
}

/// `base.key`, or `base["key"]` when the key is not a plain name.
fn key_path(base: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    match (base.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{base}.{key}"),
        (_, false) => format!("{base}[{key:?}]"),
    }
}

/// Formats `schema.json` uses (checked, as the upstream validator does).
#[derive(Clone, Copy)]
enum Format {
    Uri,
    Date,
    DateTime,
    Uuid,
    Color,
}

/// A string property's constraint besides its type.
#[derive(Clone, Copy)]
enum Rule {
    None,
    Format(Format),
    Pattern(fn(&str) -> bool, &'static str),
}

/// One property of an object: name, allowed types, rule for strings.
type Prop = (&'static str, &'static [JTy], Rule);

const STR: &[JTy] = &[JTy::Str];
const STR_NULL: &[JTy] = &[JTy::Str, JTy::Null];
const INT: &[JTy] = &[JTy::Int];
const OBJ: &[JTy] = &[JTy::Obj];
const ARR: &[JTy] = &[JTy::Arr];
const ANY: &[JTy] = &[
    JTy::Str,
    JTy::Int,
    JTy::Num,
    JTy::Bool,
    JTy::Null,
    JTy::Obj,
    JTy::Arr,
];
const URI: Rule = Rule::Format(Format::Uri);
const UUID: Rule = Rule::Format(Format::Uuid);
const SLUG: Rule = Rule::Pattern(json_slug, "^[a-z0-9_-]+[a-z0-9]$");
const CODE: Rule = Rule::Pattern(
    |s| !s.is_empty() && all_in(s, |c| c.is_ascii_uppercase() || c.is_ascii_digit()),
    "^[A-Z0-9]+$",
);

const CONFERENCE: &[Prop] = &[
    (
        "acronym",
        STR,
        Rule::Pattern(
            json_acronym,
            "^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$",
        ),
    ),
    ("title", STR, Rule::None),
    ("description", STR, Rule::None),
    ("start", STR, Rule::None),
    ("end", STR, Rule::None),
    ("daysCount", INT, Rule::None),
    ("timeslot_duration", STR, Rule::None),
    (
        "time_zone_name",
        STR,
        Rule::Pattern(json_zone_pattern, "^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$"),
    ),
    ("logo", STR, URI),
    ("colors", OBJ, Rule::None),
    ("keywords", ARR, Rule::None),
    ("url", STR, URI),
    ("tracks", ARR, Rule::None),
    ("rooms", ARR, Rule::None),
    ("meta", OBJ, Rule::None),
    ("days", ARR, Rule::None),
];
const CONFERENCE_REQUIRED: &[&str] = &[
    "title",
    "acronym",
    "days",
    "daysCount",
    "start",
    "end",
    "timeslot_duration",
];

const DAY: &[Prop] = &[
    ("index", INT, Rule::None),
    ("date", STR, Rule::Format(Format::Date)),
    ("day_start", STR, Rule::Format(Format::DateTime)),
    ("day_end", STR, Rule::Format(Format::DateTime)),
    ("rooms", OBJ, Rule::None),
];
const DAY_REQUIRED: &[&str] = &["date", "day_end", "day_start", "index", "rooms"];

fn json_start(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5
        && digits(b, 0, 2).is_some_and(|h| h <= 23)
        && b[2] == b':'
        && digits(b, 3, 2).is_some_and(|m| m <= 59)
}

fn json_duration(s: &str) -> bool {
    match s.split_once(':') {
        Some((h, m)) => {
            !h.is_empty()
                && h.bytes().all(|c| c.is_ascii_digit())
                && m.len() == 2
                && m.bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

const EVENT: &[Prop] = &[
    ("guid", STR, UUID),
    ("code", STR, CODE),
    ("id", INT, Rule::None),
    ("logo", ANY, Rule::None),
    ("date", STR, Rule::Format(Format::DateTime)),
    (
        "start",
        STR,
        Rule::Pattern(json_start, "^(0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]$"),
    ),
    ("end", STR, Rule::Format(Format::DateTime)),
    (
        "duration",
        STR,
        Rule::Pattern(json_duration, "^[0-9]+:[0-9]{2}$"),
    ),
    ("room", STR, Rule::None),
    ("slug", STR, SLUG),
    ("url", STR, URI),
    ("title", STR, Rule::None),
    ("subtitle", STR_NULL, Rule::None),
    ("track", STR_NULL, Rule::None),
    ("type", STR, Rule::None),
    ("language", STR_NULL, Rule::None),
    ("abstract", STR_NULL, Rule::None),
    ("description", STR_NULL, Rule::None),
    ("recording_license", STR, Rule::None),
    ("do_not_record", &[JTy::Bool, JTy::Null], Rule::None),
    (
        "do_not_stream",
        &[JTy::Bool, JTy::Str, JTy::Null],
        Rule::None,
    ),
    ("persons", ARR, Rule::None),
    ("links", ARR, Rule::None),
    ("feedback_url", STR, URI),
    ("origin_url", STR, URI),
    ("attachments", ARR, Rule::None),
];
const EVENT_REQUIRED: &[&str] = &[
    "abstract", "date", "duration", "guid", "id", "language", "links", "persons", "room", "slug",
    "start", "subtitle", "title", "track", "type", "url",
];

const PERSON: &[Prop] = &[
    ("name", STR, Rule::None),
    ("guid", STR, UUID),
    ("id", INT, Rule::None),
    ("url", STR, URI),
    ("links", ARR, Rule::None),
    ("public_name", STR, Rule::None),
];
const FRAB_PERSON: &[Prop] = &[("id", INT, Rule::None), ("public_name", STR, Rule::None)];
const PRETALX_PERSON: &[Prop] = &[
    ("code", STR, CODE),
    ("name", STR, Rule::None),
    ("avatar", STR_NULL, URI),
    ("biography", STR_NULL, Rule::None),
];

const REFERENCE_TYPES: &[&str] = &[
    "slides",
    "paper",
    "web",
    "blog",
    "article",
    "media",
    "related",
    "activitypub",
];
const ROOM_TYPES: &[&str] = &[
    "lecturehall",
    "stage",
    "workshop",
    "outside",
    "online",
    "project",
    "bbb",
    "hangar",
    "other",
];
const RECORDING_FEATURES: &[&str] = &[
    "record_by_default",
    "not_recorded_by_default",
    "recording_forbidden",
    "recording_not_possible",
    "unknown",
];

const ROOM: &[Prop] = &[
    ("name", STR, Rule::None),
    ("slug", STR, SLUG),
    ("type", STR, Rule::None),
    ("guid", STR, UUID),
    ("stream_id", STR_NULL, Rule::None),
    ("description", &[JTy::Str, JTy::Null, JTy::Obj], Rule::None),
    ("capacity", &[JTy::Num, JTy::Int, JTy::Null], Rule::None),
    ("url", STR, URI),
    ("features", OBJ, Rule::None),
    ("assembly", OBJ, Rule::None),
];

const ASSEMBLY: &[Prop] = &[
    ("name", STR, Rule::None),
    ("slug", STR, SLUG),
    ("guid", STR, UUID),
    ("url", STR, URI),
];

struct Json {
    problems: Vec<String>,
}

impl Json {
    fn bad(&mut self, path: &str, msg: impl Display) {
        let at = if path.is_empty() { "(top level)" } else { path };
        self.problems.push(format!("{at}: {msg}"));
    }

    fn object<'v>(&mut self, v: &'v Value, path: &str) -> Option<&'v Map<String, Value>> {
        match v {
            Value::Object(m) => Some(m),
            other => {
                let found = type_name(json_type(other));
                self.bad(path, format!("expected an object, found {found}"));
                None
            }
        }
    }

    /// Required keys, allowed keys (`None`: any), and each known property's type and rule.
    fn props(
        &mut self,
        m: &Map<String, Value>,
        path: &str,
        props: &[Prop],
        required: &[&str],
        closed: bool,
    ) {
        for key in required {
            if !m.contains_key(*key) {
                self.bad(path, format!("missing required property {key:?}"));
            }
        }
        for (key, value) in m {
            let here = key_path(path, key);
            let Some((_, types, rule)) = props.iter().find(|(k, ..)| k == key) else {
                if closed {
                    self.bad(
                        &here,
                        "property not allowed here (additionalProperties: false)",
                    );
                }
                continue;
            };
            let t = json_type(value);
            // An integer is a number too.
            let fits = types.contains(&t) || (t == JTy::Int && types.contains(&JTy::Num));
            if !fits {
                let want: Vec<&str> = types.iter().map(|t| type_name(*t)).collect();
                let shown = match value {
                    Value::Object(_) | Value::Array(_) => String::new(),
                    v => format!("{v} "),
                };
                self.bad(
                    &here,
                    format!(
                        "{shown}is a {}, expected {}",
                        type_name(t),
                        want.join(" or ")
                    ),
                );
                continue;
            }
            if let Value::String(s) = value {
                self.rule(&here, s, *rule);
            }
        }
    }

    fn rule(&mut self, path: &str, s: &str, rule: Rule) {
        let (ok, what) = match rule {
            Rule::None => return,
            Rule::Pattern(f, pattern) => (f(s), format!("does not match {pattern}")),
            Rule::Format(f) => {
                let (ok, name) = match f {
                    Format::Uri => (is_uri(s), "uri"),
                    Format::Date => (date(s).is_some(), "date (YYYY-MM-DD)"),
                    Format::DateTime => {
                        (datetime(s, true).is_some(), "date-time with a UTC offset")
                    }
                    Format::Uuid => (is_uuid(s), "uuid"),
                    Format::Color => (is_color(s), "color"),
                };
                (ok, format!("is not a valid {name}"))
            }
        };
        if !ok {
            self.bad(path, format!("{s:?} {what}"));
        }
    }

    fn enumerated(&mut self, m: &Map<String, Value>, path: &str, key: &str, values: &[&str]) {
        if let Some(Value::String(s)) = m.get(key) {
            if !values.contains(&s.as_str()) {
                let msg = format!("{s:?} is not one of {}", values.join(", "));
                self.bad(&key_path(path, key), msg);
            }
        }
    }

    fn document(&mut self, doc: &Value) {
        let Some(top) = self.object(doc, "") else {
            return;
        };
        let generator = [
            ("name", STR, Rule::None),
            ("version", STR, Rule::None),
            ("url", STR, URI),
        ];
        self.props(
            top,
            "",
            &[
                ("schedule", OBJ, Rule::None),
                ("$schema", STR, Rule::None),
                ("generator", OBJ, Rule::None),
            ],
            &["schedule"],
            true,
        );
        if let Some(Value::Object(g)) = top.get("generator") {
            self.props(g, "generator", &generator, &[], false);
        }
        let Some(Value::Object(schedule)) = top.get("schedule") else {
            return;
        };
        self.props(
            schedule,
            "schedule",
            &[
                ("version", STR, Rule::None),
                ("base_url", STR, URI),
                ("conference", OBJ, Rule::None),
            ],
            &["conference", "version"],
            false,
        );
        if schedule.contains_key("rooms") {
            self.bad(
                "schedule.rooms",
                "not allowed (rooms belong under schedule.conference.rooms)",
            );
        }
        if let Some(Value::Object(conf)) = schedule.get("conference") {
            self.conference(conf, "schedule.conference");
        }
    }

    fn conference(&mut self, conf: &Map<String, Value>, path: &str) {
        self.props(conf, path, CONFERENCE, CONFERENCE_REQUIRED, true);
        if let Some(Value::Object(colors)) = conf.get("colors") {
            let props = [
                ("primary", STR, Rule::Format(Format::Color)),
                ("background", STR, Rule::Format(Format::Color)),
            ];
            self.props(colors, &key_path(path, "colors"), &props, &[], false);
        }
        if let Some(Value::Array(keywords)) = conf.get("keywords") {
            for (i, k) in keywords.iter().enumerate() {
                if !k.is_string() {
                    self.bad(&format!("{path}.keywords[{i}]"), "expected a string");
                }
            }
        }
        if let Some(Value::Array(tracks)) = conf.get("tracks") {
            let props = [
                ("name", STR, Rule::None),
                ("slug", STR, SLUG),
                ("color", STR, Rule::Format(Format::Color)),
            ];
            for (i, t) in tracks.iter().enumerate() {
                let here = format!("{path}.tracks[{i}]");
                if let Some(t) = self.object(t, &here) {
                    self.props(t, &here, &props, &[], false);
                }
            }
        }
        if let Some(Value::Array(rooms)) = conf.get("rooms") {
            for (i, r) in rooms.iter().enumerate() {
                let here = format!("{path}.rooms[{i}]");
                if let Some(r) = self.object(r, &here) {
                    self.room(r, &here);
                }
            }
        }
        if let Some(Value::Array(days)) = conf.get("days") {
            for (i, d) in days.iter().enumerate() {
                let here = format!("{path}.days[{i}]");
                if let Some(d) = self.object(d, &here) {
                    self.day(d, &here);
                }
            }
        }
    }

    fn room(&mut self, r: &Map<String, Value>, path: &str) {
        // additionalProperties: false, but patternProperties "description_.+" (unanchored).
        let translated = |k: &str| k.find("description_").is_some_and(|i| k.len() > i + 12);
        for (k, v) in r.iter().filter(|(k, _)| translated(k)) {
            if !matches!(v, Value::String(_) | Value::Null) {
                self.bad(&key_path(path, k), "expected a string or null");
            }
        }
        let plain: Map<String, Value> = r
            .iter()
            .filter(|(k, _)| !translated(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.props(&plain, path, ROOM, &["name", "guid"], true);
        self.enumerated(r, path, "type", ROOM_TYPES);
        if let Some(Value::Object(f)) = r.get("features") {
            let here = key_path(path, "features");
            self.props(f, &here, &[("recording", STR, Rule::None)], &[], false);
            self.enumerated(f, &here, "recording", RECORDING_FEATURES);
        }
        if let Some(Value::Object(a)) = r.get("assembly") {
            self.props(
                a,
                &key_path(path, "assembly"),
                ASSEMBLY,
                &["name", "guid", "slug"],
                false,
            );
        }
    }

    fn day(&mut self, d: &Map<String, Value>, path: &str) {
        self.props(d, path, DAY, DAY_REQUIRED, true);
        let Some(Value::Object(rooms)) = d.get("rooms") else {
            return;
        };
        for (name, events) in rooms {
            let here = key_path(&format!("{path}.rooms"), name);
            let Value::Array(events) = events else {
                let found = type_name(json_type(events));
                self.bad(&here, format!("expected an array of events, found {found}"));
                continue;
            };
            for (i, ev) in events.iter().enumerate() {
                let at = format!("{here}[{i}]");
                if let Some(ev) = self.object(ev, &at) {
                    self.event(ev, &at);
                }
            }
        }
    }

    fn event(&mut self, ev: &Map<String, Value>, path: &str) {
        self.props(ev, path, EVENT, EVENT_REQUIRED, true);
        if let Some(Value::Number(id)) = ev.get("id") {
            if id.as_f64().is_some_and(|f| f < 1.0) {
                self.bad(
                    &key_path(path, "id"),
                    format!("{id} is less than the minimum of 1"),
                );
            }
        }
        if let Some(Value::Array(persons)) = ev.get("persons") {
            for (i, p) in persons.iter().enumerate() {
                let here = format!("{path}.persons[{i}]");
                if let Some(p) = self.object(p, &here) {
                    self.person(p, &here);
                }
            }
        }
        for list in ["links", "attachments"] {
            if let Some(Value::Array(refs)) = ev.get(list) {
                for (i, r) in refs.iter().enumerate() {
                    let here = format!("{path}.{list}[{i}]");
                    if let Some(r) = self.object(r, &here) {
                        self.reference(r, &here);
                    }
                }
            }
        }
    }

    fn person(&mut self, p: &Map<String, Value>, path: &str) {
        self.props(p, path, PERSON, &[], false);
        if let Some(Value::Array(links)) = p.get("links") {
            for (i, r) in links.iter().enumerate() {
                let here = format!("{path}.links[{i}]");
                if let Some(r) = self.object(r, &here) {
                    self.reference(r, &here);
                }
            }
        }
        // oneOf FrabPerson | PretalxPerson: exactly one shape must fit.
        let fits = |props: &[Prop], required: &[&str]| {
            let mut probe = Json { problems: vec![] };
            probe.props(p, path, props, required, false);
            probe.problems.is_empty()
        };
        let frab = fits(FRAB_PERSON, &["public_name", "id"]);
        let pretalx = fits(PRETALX_PERSON, &["name"]);
        match (frab, pretalx) {
            (true, true) => self.bad(
                path,
                "matches both FrabPerson (id, public_name) and PretalxPerson (name): oneOf needs exactly one; drop the integer id or the name",
            ),
            (false, false) => {
                let mut probe = Json { problems: vec![] };
                probe.props(p, "PretalxPerson", PRETALX_PERSON, &["name"], false);
                self.bad(
                    path,
                    format!(
                        "matches neither FrabPerson (integer id and public_name) nor PretalxPerson (name): {}",
                        probe.problems.join("; ")
                    ),
                );
            }
            _ => {}
        }
    }

    fn reference(&mut self, r: &Map<String, Value>, path: &str) {
        let props = [
            ("type", STR, Rule::None),
            ("url", STR, URI),
            ("title", STR, Rule::None),
        ];
        self.props(r, path, &props, &["url"], true);
        self.enumerated(r, path, "type", REFERENCE_TYPES);
    }

    /// What the schema cannot express: zone, offsets, local start times, day bounds, rooms,
    /// unique guids, ids and slugs, the day count.
    fn consistency(&mut self, doc: &Value) {
        let path = "schedule.conference";
        let Some(conf) = doc
            .get("schedule")
            .and_then(|s| s.get("conference"))
            .and_then(Value::as_object)
        else {
            return;
        };
        let tz = match conf.get("time_zone_name").and_then(Value::as_str) {
            None | Some("") => {
                self.bad(
                    path,
                    "time_zone_name missing (clients then guess the zone; always emit an IANA name)",
                );
                None
            }
            Some(name) => {
                let tz = zone(name);
                if tz.is_none() {
                    self.bad(
                        path,
                        format!("time_zone_name {name:?} is not a known IANA zone"),
                    );
                }
                tz
            }
        };
        let days = conf.get("days").and_then(Value::as_array);
        if let (Some(n), Some(days)) = (conf.get("daysCount").and_then(Value::as_u64), days) {
            if n as usize != days.len() {
                let msg = format!("daysCount {n} != number of days {}", days.len());
                self.bad(path, msg);
            }
        }
        if let Some(rooms) = conf.get("rooms").and_then(Value::as_array) {
            let mut seen = Seen::default();
            for (i, r) in rooms.iter().enumerate() {
                if let Some(g) = r.get("guid").and_then(Value::as_str) {
                    let here = format!("{path}.rooms[{i}]");
                    if let Some(first) = seen.again("room guid", g.to_string(), here.clone()) {
                        self.bad(
                            &here,
                            format!("room guid {g:?} is also the guid of {first}"),
                        );
                    }
                }
            }
        }
        let mut seen = Seen::default();
        for (i, day) in days.into_iter().flatten().enumerate() {
            let Some(day) = day.as_object() else { continue };
            let here = format!("{path}.days[{i}]");
            let n = i + 1;
            if day.get("index").and_then(Value::as_u64) != Some(n as u64) {
                let got = day.get("index").cloned().unwrap_or(Value::Null);
                self.bad(
                    &here,
                    format!("index {got}, expected {n} (1-based, in order)"),
                );
            }
            let at = |k: &str, alt: &str| {
                day.get(k)
                    .or_else(|| day.get(alt))
                    .and_then(Value::as_str)
                    .and_then(|s| datetime(s, true))
            };
            let (start, end) = (at("day_start", "start"), at("day_end", "end"));
            let bounds = start.zip(end);
            if let Some((s, e)) = bounds {
                if e <= s {
                    self.bad(&here, "day_end is not after day_start");
                }
            }
            if let (Some(s), Some(d)) = (start, day.get("date").and_then(Value::as_str)) {
                if s.date_naive().to_string() != d {
                    let msg = format!("date {d:?} is not the date of day_start {}", s.to_rfc3339());
                    self.bad(&here, msg);
                }
            }
            let Some(rooms) = day.get("rooms").and_then(Value::as_object) else {
                continue;
            };
            for (room, events) in rooms {
                let room_path = key_path(&format!("{here}.rooms"), room);
                for (k, ev) in events.as_array().into_iter().flatten().enumerate() {
                    let Some(ev) = ev.as_object() else { continue };
                    let at = format!("{room_path}[{k}]");
                    self.event_consistency(ev, &at, room, tz, bounds, &mut seen);
                }
            }
        }
    }

    fn event_consistency(
        &mut self,
        ev: &Map<String, Value>,
        path: &str,
        room: &str,
        tz: Option<chrono_tz::Tz>,
        day: Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)>,
        seen: &mut Seen,
    ) {
        let text = |k: &str| ev.get(k).and_then(Value::as_str);
        if let Some(r) = text("room") {
            if r.trim() != room {
                self.bad(
                    path,
                    format!("room {r:?} is not the room it is listed under ({room:?})"),
                );
            }
        }
        let duration = text("duration");
        if let Some(d) = duration {
            if json_duration(d) && padded_duration(d).is_none() {
                self.bad(
                    path,
                    format!("duration {d:?} is not zero-padded HH:MM (other forms are ambiguous between clients)"),
                );
            }
        }
        for key in ["guid", "slug", "id"] {
            let value = match ev.get(key) {
                None | Some(Value::Null) => continue,
                Some(Value::String(s)) if s.is_empty() => continue,
                Some(v) => v.to_string(),
            };
            if let Some(first) = seen.again(key, value.clone(), path.to_string()) {
                self.bad(path, format!("duplicate {key} {value} (first at {first})"));
            }
        }
        let Some(date_text) = text("date") else {
            return;
        };
        let Some(date) = datetime(date_text, true) else {
            return;
        };
        let times = EventTimes {
            date_text,
            date,
            start: text("start"),
            duration: duration.and_then(padded_duration),
            end: text("end").and_then(|e| datetime(e, true)),
        };
        for p in event_times(&times, tz, day) {
            self.bad(path, p);
        }
    }
}

// ------------------------------------------------------------------- the checker's own tests

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> String {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/formats")
            .join(path);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// `text` with the first `from` replaced; the mutation must apply.
    fn mutate(text: &str, from: &str, to: &str) -> String {
        assert!(text.contains(from), "mutation target {from:?} not found");
        text.replacen(from, to, 1)
    }

    /// Panics unless some problem contains every one of `needles`.
    #[track_caller]
    fn expect(problems: &[String], needles: &[&str]) {
        assert!(
            problems
                .iter()
                .any(|p| needles.iter().all(|n| p.contains(n))),
            "no problem mentions {needles:?}; problems:\n  - {}",
            problems.join("\n  - ")
        );
    }

    #[test]
    fn the_valid_samples_pass() {
        let xml = check_xml(&fixture("samples/schedule.xml"));
        assert!(xml.is_empty(), "{xml:#?}");
        let json = check_json(&fixture("samples/schedule.json"));
        assert!(json.is_empty(), "{json:#?}");
        assert_valid("samples/schedule.xml", &fixture("samples/schedule.xml"));
    }

    #[test]
    fn the_invalid_xml_sample_fails_for_each_of_its_errors() {
        let p = check_xml(&fixture("samples/schedule-invalid.xml"));
        assert_eq!(p.len(), 4, "{p:#?}");
        let event = "/schedule/day[2]/room[1]/event[1] (line 50)";
        expect(&p, &[event, "missing required attribute @guid"]);
        expect(
            &p,
            &[
                "/schedule/day[2]/room[1]/event[1]/duration (line 56)",
                "\"90 min\" is not a duration",
            ],
        );
        expect(
            &p,
            &[
                "/schedule/day[2] (line 48)",
                "@start \"2026-05-15T04:00:00\" is not a date-time with a UTC offset",
            ],
        );
        expect(
            &p,
            &[
                event,
                "duplicate event slug \"examplecon2026-1-opening-keynote\"",
                "first at /schedule/day[1]/room[1]/event[1] (line 20)",
            ],
        );
    }

    #[test]
    fn the_invalid_json_sample_fails_for_each_of_its_errors() {
        let p = check_json(&fixture("samples/schedule-invalid.json"));
        expect(
            &p,
            &[
                "schedule.conference.acronym",
                "\"example-con\" does not match",
            ],
        );
        expect(
            &p,
            &[
                "schedule.conference.days[0].day_start",
                "is not a valid date-time",
            ],
        );
        let first = "schedule.conference.days[0].rooms[\"Main Hall\"][0]";
        expect(
            &p,
            &[&format!("{first}.persons[0]"), "matches both FrabPerson"],
        );
        let second = "schedule.conference.days[1].rooms[\"Workshop Room\"][0]";
        expect(&p, &[second, "missing required property \"guid\""]);
        expect(
            &p,
            &[&format!("{second}.start"), "\"14:30:00\" does not match"],
        );
        expect(
            &p,
            &[&format!("{second}.duration"), "\"1h30\" does not match"],
        );
        expect(&p, &["$comment_sample", "additionalProperties: false"]);
    }

    #[test]
    fn hand_broken_xml_fails_with_the_expected_message() {
        let good = fixture("samples/schedule.xml");
        let version = "  <version>2026-03-01 r3</version>\n";
        let swapped =
            mutate(&good, version, "").replacen("  <day ", &format!("{version}  <day "), 1);
        let p = check_xml(&swapped);
        assert_eq!(p.len(), 1, "{p:#?}");
        expect(
            &p,
            &[
                "/schedule/version",
                "out of order: it must come before <conference>",
            ],
        );

        let cases = [
            (
                "<event id=\"2\" guid=\"6a8f3f0e-4b0c-5d5e-9f55-2f0f0c2b7a12\"",
                "<event id=\"2\"",
                &["/schedule/day[2]/room[1]/event[1]", "missing required attribute @guid"][..],
            ),
            (
                "<event id=\"2\"",
                "<event id=\"1\"",
                &["/schedule/day[2]/room[1]/event[1]", "duplicate event id \"1\""],
            ),
            (
                "<duration>01:30</duration>",
                "<duration>1:30</duration>",
                &["event[1]", "duration \"1:30\" is not zero-padded HH:MM"],
            ),
            (
                "<date>2026-05-14T10:00:00+02:00</date>",
                "<date>2026-05-14T10:00:00+01:00</date>",
                &["/schedule/day[1]/room[1]/event[1]", "offset does not match the congress zone Europe/Berlin (expected 2026-05-14T11:00:00+02:00)"],
            ),
            (
                "<start>14:30</start>",
                "<start>14:35</start>",
                &["/schedule/day[2]/room[1]/event[1]", "start \"14:35\" must be the zero-padded HH:MM local time"],
            ),
            (
                "<room>Workshop Room</room>",
                "<room>Main Hall</room>",
                &["<room> \"Main Hall\" is not the enclosing room \"Workshop Room\""],
            ),
            (
                "<date>2026-05-15T14:30:00+02:00</date>\n        <start>14:30</start>",
                "<date>2026-05-16T14:30:00+02:00</date>\n        <start>14:30</start>",
                &["/schedule/day[2]/room[1]/event[1]", "lies outside its day"],
            ),
            (
                "<duration>01:30</duration>",
                "<duration>14:00</duration>",
                &["/schedule/day[2]/room[1]/event[1]", "after its day's end"],
            ),
            (
                "<type>workshop</type>",
                "",
                &["/schedule/day[2]/room[1]/event[1]", "missing required <type> in <event>"],
            ),
            (
                "<language>de</language>",
                "<language>de</language><language>en</language>",
                &["<language> appears more than once in <event>"],
            ),
            (
                "<language>de</language>",
                "<speaker>Bob</speaker>",
                &["unexpected element <speaker> in <event>"],
            ),
            (
                "<room name=\"Workshop Room\"",
                "<room name=\"Workshop Room\" capacity=\"30\"",
                &["/schedule/day[2]/room[1]", "attribute \"capacity\" is not allowed here"],
            ),
            (
                "<url>https://conf.example.org/examplecon2026/talk/EF34GH/</url>",
                "<url></url>",
                &["<url> \"\" is not an http(s) URL"],
            ),
            (
                "<time_zone_name>Europe/Berlin</time_zone_name>",
                "<time_zone_name>Europe/Bärlin</time_zone_name>",
                &["/schedule/conference", "\"Europe/Bärlin\" is not a known IANA zone"],
            ),
            (
                "<time_zone_name>Europe/Berlin</time_zone_name>",
                "",
                &["/schedule/conference", "time_zone_name missing"],
            ),
            (
                "<day index=\"2\"",
                "<day index=\"3\"",
                &["/schedule/day[2]", "index \"3\", expected 2"],
            ),
            ("<days>2</days>", "<days>3</days>", &["<days> 3 != number of <day> elements 2"]),
            (
                "<acronym>examplecon2026</acronym>",
                "<acronym>ExampleCon</acronym>",
                &["<acronym> \"ExampleCon\" is not an acronym"],
            ),
            ("<optout>false</optout>", "<optout>no</optout>", &["<optout> \"no\" is not a boolean"]),
            ("<abstract>Bring", "<abstract><b>Bring</b>", &["element <b> is not allowed inside <abstract>"]),
            ("id=\"1\"", "id=\"0\"", &["@id \"0\" is not a positive integer"]),
            ("<schedule>", "<schedule xmlns=\"urn:x\">", &["/schedule (line 3)", "namespace \"urn:x\""]),
            ("<schedule>", "<programme>", &["not well-formed XML"]),
            ("</schedule>", "", &["not well-formed XML"]),
        ];
        for (from, to, needles) in cases {
            let broken = mutate(&good, from, to);
            let p = check_xml(&broken);
            expect(&p, needles);
        }
        let renamed = good
            .replace("<schedule>", "<programme>")
            .replace("</schedule>", "</programme>");
        expect(
            &check_xml(&renamed),
            &["the root element must be <schedule>, not <programme>"],
        );
        // A document without any day.
        let no_days: String = good.split("  <day ").next().unwrap().to_string() + "</schedule>\n";
        expect(
            &check_xml(&no_days),
            &["/schedule (line 3)", "missing <day>"],
        );
    }

    #[test]
    fn hand_broken_json_fails_with_the_expected_message() {
        let good = fixture("samples/schedule.json");
        let second = "schedule.conference.days[1].rooms[\"Workshop Room\"][0]";
        let cases = [
            (
                "\"guid\": \"6a8f3f0e-4b0c-5d5e-9f55-2f0f0c2b7a12\",",
                "",
                &[second, "missing required property \"guid\""][..],
            ),
            (
                "\"guid\": \"6a8f3f0e-4b0c-5d5e-9f55-2f0f0c2b7a12\"",
                "\"guid\": \"6a8f3f0e-4b0c-5d5e-9f55-2f0f0c2b7a11\"",
                &[
                    second,
                    "duplicate guid \"6a8f3f0e-4b0c-5d5e-9f55-2f0f0c2b7a11\"",
                ],
            ),
            (
                "\"guid\": \"6a8f3f0e-4b0c-5d5e-9f55-2f0f0c2b7a12\"",
                "\"guid\": \"6a8f3f0e4b0c5d5e9f552f0f0c2b7a12\"",
                &[&format!("{second}.guid"), "is not a valid uuid"],
            ),
            (
                "\"id\": 2,",
                "\"id\": 1,",
                &[
                    second,
                    "duplicate id 1 (first at schedule.conference.days[0]",
                ],
            ),
            (
                "\"id\": 2,",
                "\"id\": \"2\",",
                &[&format!("{second}.id"), "is a string, expected integer"],
            ),
            (
                "\"duration\": \"01:30\"",
                "\"duration\": \"1:30\"",
                &[second, "duration \"1:30\" is not zero-padded HH:MM"],
            ),
            (
                "\"date\": \"2026-05-15T14:30:00+02:00\"",
                "\"date\": \"2026-05-15T14:30:00+01:00\"",
                &[
                    second,
                    "offset does not match the congress zone Europe/Berlin",
                ],
            ),
            (
                "\"end\": \"2026-05-15T16:00:00+02:00\"",
                "\"end\": \"2026-05-15T16:15:00+02:00\"",
                &[second, "end - date = 105 min but duration is 90 min"],
            ),
            (
                "\"start\": \"14:30\"",
                "\"start\": \"15:30\"",
                &[
                    second,
                    "start \"15:30\" must be the zero-padded HH:MM local time",
                ],
            ),
            (
                "\"room\": \"Workshop Room\"",
                "\"room\": \"Main Hall\"",
                &[
                    second,
                    "room \"Main Hall\" is not the room it is listed under",
                ],
            ),
            (
                "\"daysCount\": 2",
                "\"daysCount\": 3",
                &["schedule.conference", "daysCount 3 != number of days 2"],
            ),
            (
                "\"version\": \"2026-03-01 r3\",",
                "\"version\": \"2026-03-01 r3\", \"rooms\": [],",
                &["schedule.rooms", "not allowed"],
            ),
            (
                "\"version\": \"2026-03-01 r3\",",
                "",
                &["schedule: missing required property \"version\""],
            ),
            (
                "\"persons\": [{\"name\": \"Bob Example\"}]",
                "\"persons\": [{\"id\": 8, \"public_name\": \"Bob\", \"name\": \"Bob\"}]",
                &[&format!("{second}.persons[0]"), "matches both FrabPerson"],
            ),
            (
                "\"persons\": [{\"name\": \"Bob Example\"}]",
                "\"persons\": [{\"guid\": \"6a8f3f0e-4b0c-5d5e-9f55-2f0f0c2b7a99\"}]",
                &[&format!("{second}.persons[0]"), "matches neither"],
            ),
            (
                "\"type\": \"slides\"",
                "\"type\": \"video\"",
                &["links[0].type", "\"video\" is not one of slides"],
            ),
            (
                "\"guid\": \"3d1f2a46-8a1c-4c35-9a4b-0d6c1c1f0a02\"",
                "\"guid\": \"3d1f2a46-8a1c-4c35-9a4b-0d6c1c1f0a01\"",
                &[
                    "schedule.conference.rooms[1]",
                    "is also the guid of schedule.conference.rooms[0]",
                ],
            ),
            (
                "\"time_zone_name\": \"Europe/Berlin\",",
                "",
                &["schedule.conference", "time_zone_name missing"],
            ),
            (
                "\"day_end\": \"2026-05-16T03:59:00+02:00\"",
                "\"day_end\": \"2026-05-15T15:00:00+02:00\"",
                &[second, "after its day's end"],
            ),
            (
                "\"url\": \"https://conf.example.org/examplecon2026/talk/EF34GH/\"",
                "\"url\": \"talk/EF34GH\"",
                &[&format!("{second}.url"), "is not a valid uri"],
            ),
            (
                "\"index\": 2",
                "\"index\": 1",
                &["schedule.conference.days[1]", "index 1, expected 2"],
            ),
            (
                "\"date\": \"2026-05-15\"",
                "\"date\": \"2026-05-16\"",
                &["days[1]", "is not the date of day_start"],
            ),
            (
                "\"acronym\": \"examplecon2026\"",
                "\"acronym\": \"Example\"",
                &["acronym", "does not match"],
            ),
            ("\"schedule\": {", "\"schedule\": [", &["not valid JSON"]),
        ];
        for (from, to, needles) in cases {
            let broken = mutate(&good, from, to);
            let p = check_json(&broken);
            expect(&p, needles);
        }
    }

    #[test]
    fn value_types_accept_and_refuse_what_the_schemas_do() {
        assert!(datetime("2027-03-28T10:00:00+02:00", false).is_some());
        assert!(datetime("2027-03-28T10:00:00.5Z", false).is_some());
        assert!(
            datetime("2027-03-28T10:00:00", false).is_none(),
            "no offset"
        );
        assert!(datetime("2027-03-28 10:00:00+02:00", false).is_none());
        assert!(datetime("2027-02-30T10:00:00+02:00", false).is_none());
        assert!(datetime("2027-03-28t10:00:00z", true).is_some());
        assert!(datetime("2027-03-28t10:00:00z", false).is_none());
        assert!(XTy::Duration.accepts("1:30") && XTy::Duration.accepts("01:30:00"));
        assert!(!XTy::Duration.accepts("90") && !XTy::Duration.accepts(" 01:30"));
        assert_eq!(padded_duration("01:30"), Some(90));
        assert_eq!(padded_duration("1:30"), None);
        assert!(XTy::VocSlugNew.accepts("examplecon2026-1-opening-keynote"));
        assert!(!XTy::VocSlugNew.accepts("abc-defgh") && !XTy::VocSlugNew.accepts("abcd-EFGH"));
        assert!(json_acronym("examplecon2026") && json_acronym("example_con"));
        assert!(json_acronym("36c3-2026-foo") && !json_acronym("example-con"));
        assert!(json_zone_pattern("Europe/Berlin") && json_zone_pattern("UTC"));
        assert!(!json_zone_pattern("europe/berlin") && !json_zone_pattern("Etc/GMT+1"));
        assert!(is_uri("https://example.org/a?b=c#d") && is_uri("mailto:a@b.c"));
        assert!(!is_uri("/relative") && !is_uri("https://a b") && !is_uri("http://x/%zz"));
        assert!(is_color("#1f6feb") && is_color("#fff") && is_color("Teal") && !is_color("#12345"));
        assert!(
            is_uuid("3D1F2A46-8A1C-4C35-9A4B-0D6C1C1F0A01")
                && !is_uuid("{3d1f2a46-8a1c-4c35-9a4b-0d6c1c1f0a01}")
        );
    }
}
