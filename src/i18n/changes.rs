//! Changelog lines as sentences, shared by the public changelog and the change digests.

use chrono::{DateTime, Utc};

use super::lang::Lang;

/// One changelog line as a sentence, times in the congress's zone.
pub fn change_text(lang: Lang, tz: chrono_tz::Tz, c: &crate::domain::programme::Change) -> String {
    use crate::domain::programme::Change::*;
    let when = |a: DateTime<Utc>, b: DateTime<Utc>| {
        let (a, b) = (a.with_timezone(&tz), b.with_timezone(&tz));
        format!(
            "{} {}–{}",
            lang.short_date(a.date_naive()),
            a.format("%H:%M"),
            b.format("%H:%M")
        )
    };
    let room = |r: &Option<String>| r.clone().unwrap_or_else(|| "–".into());
    match (lang, c) {
        (Lang::De, Added { title, .. }) => format!("Neu: „{title}“"),
        (Lang::En, Added { title, .. }) => format!("Added: “{title}”"),
        (
            Lang::De,
            Moved {
                title,
                old_start,
                old_end,
                new_start,
                new_end,
                ..
            },
        ) => format!(
            "Verschoben: „{title}“ von {} auf {}",
            when(*old_start, *old_end),
            when(*new_start, *new_end)
        ),
        (
            Lang::En,
            Moved {
                title,
                old_start,
                old_end,
                new_start,
                new_end,
                ..
            },
        ) => format!(
            "Moved: “{title}” from {} to {}",
            when(*old_start, *old_end),
            when(*new_start, *new_end)
        ),
        (
            Lang::De,
            RoomChanged {
                title,
                old_room,
                new_room,
                ..
            },
        ) => format!(
            "Raumwechsel: „{title}“ von {} nach {}",
            room(old_room),
            room(new_room)
        ),
        (
            Lang::En,
            RoomChanged {
                title,
                old_room,
                new_room,
                ..
            },
        ) => format!(
            "New room: “{title}” from {} to {}",
            room(old_room),
            room(new_room)
        ),
        (Lang::De, Cancelled { title, .. }) => format!("Abgesagt: „{title}“"),
        (Lang::En, Cancelled { title, .. }) => format!("Cancelled: “{title}”"),
        (Lang::De, Reinstated { title, .. }) => format!("Wieder im Programm: „{title}“"),
        (Lang::En, Reinstated { title, .. }) => format!("Back in the programme: “{title}”"),
        (Lang::De, Removed { title, .. }) => format!("Entfernt: „{title}“"),
        (Lang::En, Removed { title, .. }) => format!("Removed: “{title}”"),
        (
            Lang::De,
            Retitled {
                old_title,
                new_title,
                ..
            },
        ) => format!("Neuer Titel: „{old_title}“ heißt jetzt „{new_title}“"),
        (
            Lang::En,
            Retitled {
                old_title,
                new_title,
                ..
            },
        ) => format!("Renamed: “{old_title}” is now “{new_title}”"),
        (Lang::De, SpeakersChanged { title, .. }) => format!("Mitwirkende geändert: „{title}“"),
        (Lang::En, SpeakersChanged { title, .. }) => format!("Speakers changed: “{title}”"),
    }
}
