//! frab/c3voc `schedule.json`, valid against `formats/schema.json`.

use serde::Serialize;

use super::schedule::{
    acronym, congress_url, days, duration, event_slug, hex_colour, local_rfc3339, session_url,
    track_slug, version,
};
use super::ScheduleFormat;
use crate::domain::programme::SnapshotSession;
use crate::domain::published::PublishedProgramme;

pub const FORMAT: ScheduleFormat = ScheduleFormat {
    ext: "json",
    content_type: "application/json",
    render: schedule_json,
};

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
    /// kongress's own additions (schema.json allows extra keys only here): the workshop
    /// blocks and the seats of sessions that take enrollments, by event guid.
    #[serde(skip_serializing_if = "Option::is_none")]
    meta: Option<serde_json::Value>,
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
                meta: super::kongress_meta::write(p),
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
