//! frab/c3voc `schedule.xml`, valid against `formats/schedule.xml.xsd`, written by an askama
//! template (`templates/formats/schedule.xml`). Every text in the template's data is an [`X`],
//! which escapes itself for XML when written, so the template (rendered without askama's HTML
//! escaping) cannot print a value unescaped.

use std::fmt;

use askama::Template;

use super::schedule::{
    acronym, congress_url, days, duration, event_slug, hex_colour, local_rfc3339, session_url,
    track_slug, version,
};
use super::ScheduleFormat;
use crate::domain::published::PublishedProgramme;

pub const FORMAT: ScheduleFormat = ScheduleFormat {
    ext: "xml",
    content_type: "application/xml; charset=utf-8",
    render: schedule_xml,
};

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

/// Text for the XML template: written escaped.
pub struct X(String);

impl X {
    fn of(s: impl Into<String>) -> X {
        X(s.into())
    }

    /// `None` for empty text (an element that is left out).
    fn unless_empty(s: &str) -> Option<X> {
        (!s.is_empty()).then(|| X::of(s))
    }
}

impl fmt::Display for X {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&xml_escape(&self.0))
    }
}

#[derive(Template)]
#[template(path = "formats/schedule.xml", escape = "none")]
struct ScheduleXml {
    generator_version: X,
    url: X,
    version: X,
    acronym: X,
    title: X,
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
    base_url: X,
    congress_url: X,
    time_zone: X,
    tracks: Vec<TrackXml>,
    days: Vec<DayXml>,
}

struct TrackXml {
    name: X,
    slug: X,
    colour: Option<X>,
}

struct DayXml {
    index: usize,
    date: chrono::NaiveDate,
    start: X,
    end: X,
    rooms: Vec<RoomXml>,
}

struct RoomXml {
    name: X,
    guid: Option<X>,
    events: Vec<EventXml>,
}

struct EventXml {
    id: i64,
    guid: X,
    title: X,
    subtitle: Option<X>,
    kind: X,
    date: X,
    start: X,
    duration: X,
    abstract_: X,
    slug: X,
    track: X,
    language: Option<X>,
    description: Option<X>,
    persons: Vec<PersonXml>,
    url: X,
}

struct PersonXml {
    id: i64,
    guid: X,
    name: X,
}

/// `schedule.xml` of a published version.
pub fn schedule_xml(p: &PublishedProgramme, base_url: &str) -> String {
    let c = &p.snapshot.congress;
    let tz = p.tz;
    let acr = acronym(&c.slug);
    let curl = congress_url(base_url, p);
    let doc = ScheduleXml {
        generator_version: X::of(env!("CARGO_PKG_VERSION")),
        url: X::of(format!("{curl}/schedule.xml")),
        version: X::of(version(p)),
        acronym: X::of(acr.clone()),
        title: X::of(c.title.clone()),
        start: c.first_day,
        end: c.last_day,
        base_url: X::of(format!("{curl}/")),
        congress_url: X::of(curl.clone()),
        time_zone: X::of(c.time_zone.clone()),
        tracks: p
            .snapshot
            .tracks
            .iter()
            .map(|t| TrackXml {
                name: X::of(t.name.clone()),
                slug: X::of(track_slug(&t.name, t.id.get())),
                colour: hex_colour(&t.colour).map(X::of),
            })
            .collect(),
        days: days(p)
            .into_iter()
            .map(|d| DayXml {
                index: d.index,
                date: d.date,
                start: X::of(local_rfc3339(tz, d.start)),
                end: X::of(local_rfc3339(tz, d.end)),
                rooms: d
                    .rooms
                    .into_iter()
                    .map(|(name, guid, sessions)| RoomXml {
                        name: X::of(name),
                        guid: guid.map(X::of),
                        events: sessions
                            .into_iter()
                            .map(|s| EventXml {
                                id: s.id.get(),
                                guid: X::of(s.guid.clone()),
                                title: X::of(s.title.clone()),
                                subtitle: X::unless_empty(&s.subtitle),
                                kind: X::of(s.kind.as_str()),
                                date: X::of(local_rfc3339(tz, s.start)),
                                start: X::of(
                                    s.start.with_timezone(&tz).format("%H:%M").to_string(),
                                ),
                                duration: X::of(duration(s.start, s.end)),
                                abstract_: X::of(s.abstract_.clone()),
                                slug: X::of(event_slug(&acr, s)),
                                track: X::of(
                                    s.track_id
                                        .and_then(|t| p.track(t))
                                        .map(|t| t.name.as_str())
                                        .unwrap_or(""),
                                ),
                                language: X::unless_empty(&s.language),
                                description: X::unless_empty(&s.description),
                                persons: s
                                    .speakers
                                    .iter()
                                    .filter_map(|r| p.speaker(r.speaker_id))
                                    .map(|sp| PersonXml {
                                        id: sp.id.get(),
                                        guid: X::of(sp.guid.clone()),
                                        name: X::of(sp.name.clone()),
                                    })
                                    .collect(),
                                url: X::of(session_url(base_url, p, s)),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut out = doc.render().unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(
            xml_escape("a<b & \"c\" 'd'\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;"
        );
        assert_eq!(X::of("<&>").to_string(), "&lt;&amp;&gt;");
    }
}
