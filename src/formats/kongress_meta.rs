//! kongress's own part of `schedule.json`: `conference.meta`, the one place the c3voc schema
//! allows extra keys. It carries the workshop blocks and the seats of sessions that take
//! enrollments, so that an export imported elsewhere (or again) keeps them.

use chrono::NaiveDate;

use super::schedule_import::{bad, parse_day, BadFile, Schedule};
use crate::domain::published::PublishedProgramme;

/// A workshop block as a kongress JSON export writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockIn {
    pub at: String,
    pub name: String,
    pub day: Option<NaiveDate>,
    /// Event guids.
    pub events: Vec<String>,
}

/// `conference.meta`: `{"blocks": [{"name", "date", "events": [guid…]}], "seats": {guid: n}}`,
/// absent when the programme has neither. `kongress import` reads it back.
pub fn write(p: &PublishedProgramme) -> Option<serde_json::Value> {
    let blocks: Vec<serde_json::Value> = p
        .snapshot
        .blocks
        .iter()
        .map(|b| {
            let events: Vec<&str> = p
                .snapshot
                .sessions
                .iter()
                .filter(|s| s.block == Some(b.id))
                .map(|s| s.guid.as_str())
                .collect();
            serde_json::json!({ "name": b.name, "date": b.day, "events": events })
        })
        .collect();
    let seats: serde_json::Map<String, serde_json::Value> = p
        .snapshot
        .sessions
        .iter()
        .filter_map(|s| Some((s.guid.clone(), serde_json::Value::from(s.capacity?))))
        .collect();
    if blocks.is_empty() && seats.is_empty() {
        return None;
    }
    Some(serde_json::json!({ "blocks": blocks, "seats": seats }))
}

/// kongress's `conference.meta`: blocks (`name`, `date`, `events`: guids) and seats by guid.
/// Other keys (other tools' meta) are left alone.
pub fn read(meta: &serde_json::Value, s: &mut Schedule) -> Result<(), BadFile> {
    use serde_json::Value;
    fn string(v: &Value) -> String {
        match v {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        }
    }
    let at = "schedule.conference.meta";
    if let Some(blocks) = meta.get("blocks") {
        let blocks = blocks
            .as_array()
            .ok_or_else(|| bad(format!("{at}.blocks"), "must be a list"))?;
        for (i, b) in blocks.iter().enumerate() {
            let at_b = format!("{at}.blocks[{i}]");
            let name = b.get("name").map(string).unwrap_or_default();
            if name.trim().is_empty() {
                return Err(bad(format!("{at_b}.name"), "missing or empty"));
            }
            let day = match b.get("date") {
                None | Some(Value::Null) => None,
                Some(d) => Some(
                    parse_day(&string(d))
                        .ok_or_else(|| bad(format!("{at_b}.date"), "not a date (YYYY-MM-DD)"))?,
                ),
            };
            let events = b
                .get("events")
                .and_then(Value::as_array)
                .ok_or_else(|| bad(format!("{at_b}.events"), "missing or not a list"))?
                .iter()
                .map(string)
                .collect();
            s.blocks.push(BlockIn {
                at: at_b,
                name: name.trim().to_string(),
                day,
                events,
            });
        }
    }
    if let Some(seats) = meta.get("seats") {
        let seats = seats
            .as_object()
            .ok_or_else(|| bad(format!("{at}.seats"), "must be an object"))?;
        for (guid, n) in seats {
            let n = n
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .filter(|n| (1..=100_000).contains(n))
                .ok_or_else(|| bad(format!("{at}.seats[{guid:?}]"), "a number of seats from 1"))?;
            s.seats.insert(guid.clone(), n);
        }
    }
    Ok(())
}
