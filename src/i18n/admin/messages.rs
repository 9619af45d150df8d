//! Back-office sentences built from values: conflicts, import limits.

use std::collections::HashMap;

use crate::domain::{Conflict, SpeakerId};
use crate::i18n::lang::Lang;

/// A conflict as a sentence naming the other session.
pub fn conflict_message(
    lang: Lang,
    c: &Conflict,
    speaker_names: &HashMap<SpeakerId, String>,
) -> String {
    let who = |id: &crate::domain::SpeakerId| {
        speaker_names
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    };
    match (lang, c) {
        (Lang::De, Conflict::RoomDoubleBooked { other_title, .. }) => {
            format!("Der Raum ist zu dieser Zeit schon belegt durch „{other_title}“.")
        }
        (Lang::En, Conflict::RoomDoubleBooked { other_title, .. }) => {
            format!("The room is taken at this time by “{other_title}”.")
        }
        (
            Lang::De,
            Conflict::SpeakerDoubleBooked {
                speaker,
                other_title,
                ..
            },
        ) => format!(
            "{} ist zur selben Zeit in „{other_title}“ eingeplant.",
            who(speaker)
        ),
        (
            Lang::En,
            Conflict::SpeakerDoubleBooked {
                speaker,
                other_title,
                ..
            },
        ) => format!("{} is in “{other_title}” at the same time.", who(speaker)),
        (Lang::De, Conflict::OutsideCongressDays) => {
            "Der Termin liegt außerhalb der Kongresstage.".into()
        }
        (Lang::En, Conflict::OutsideCongressDays) => {
            "The slot lies outside the congress days.".into()
        }
        (Lang::De, Conflict::CapacityAboveRoom { enrollment, room }) => {
            format!("Warnung: {enrollment} Plätze zur Anmeldung, aber der Raum fasst nur {room}.")
        }
        (Lang::En, Conflict::CapacityAboveRoom { enrollment, room }) => {
            format!("Warning: {enrollment} seats for enrollment, but the room holds only {room}.")
        }
        (
            Lang::De,
            Conflict::ParticipantOverlap {
                other_title,
                participants,
                ..
            },
        ) => format!(
            "Warnung: {participants} angemeldete Personen sind zur selben Zeit in „{other_title}“."
        ),
        (
            Lang::En,
            Conflict::ParticipantOverlap {
                other_title,
                participants,
                ..
            },
        ) => format!(
            "Warning: {participants} enrolled people are in “{other_title}” at the same time."
        ),
    }
}

/// Sentences for the first `cap` conflicts, then "and N more" for the rest, so a placement that
/// clashes with thousands of sessions gives a readable refusal.
pub fn conflict_messages(
    lang: Lang,
    conflicts: &[Conflict],
    speaker_names: &HashMap<SpeakerId, String>,
    cap: usize,
) -> Vec<String> {
    let mut out: Vec<String> = conflicts
        .iter()
        .take(cap)
        .map(|c| conflict_message(lang, c, speaker_names))
        .collect();
    if conflicts.len() > cap {
        out.push(format!("… {}.", lang.and_more(conflicts.len() - cap)));
    }
    out
}

/// Why an import file was refused for its size or shape, as a sentence for the upload form.
pub fn over_limit_message(
    lang: Lang,
    limit: &crate::formats::schedule_import::OverLimit,
) -> String {
    use crate::formats::schedule_import::OverLimit;
    let mib = |bytes: usize| {
        let mib = bytes as f64 / (1024.0 * 1024.0);
        let text = if mib >= 1.0 {
            format!("{mib:.0}")
        } else {
            format!("{mib:.2}")
        };
        match lang {
            Lang::De => text.replace('.', ","),
            Lang::En => text,
        }
    };
    match (lang, limit) {
        (Lang::De, OverLimit::Bytes { limit }) => format!(
            "Die Datei ist größer als {} MiB; mehr nimmt der Import nicht an.",
            mib(*limit)
        ),
        (Lang::En, OverLimit::Bytes { limit }) => format!(
            "The file is larger than {} MiB, the most an import takes.",
            mib(*limit)
        ),
        (Lang::De, OverLimit::Events { limit }) => format!(
            "Die Datei enthält mehr als {} Programmpunkte; mehr nimmt der Import nicht an.",
            lang.count(*limit)
        ),
        (Lang::En, OverLimit::Events { limit }) => format!(
            "The file has more than {} events, the most an import takes.",
            lang.count(*limit)
        ),
        (Lang::De, OverLimit::Attributes { limit, line }) => format!(
            "Zeile {line}: Ein Element hat mehr als {limit} Attribute; mehr liest der Import nicht."
        ),
        (Lang::En, OverLimit::Attributes { limit, line }) => format!(
            "Line {line}: an element has more than {limit} attributes, the most an import reads."
        ),
        (Lang::De, OverLimit::Depth { limit, line }) => format!(
            "Zeile {line}: Die Datei ist tiefer als {limit} Ebenen verschachtelt; mehr liest der Import nicht."
        ),
        (Lang::En, OverLimit::Depth { limit, line }) => format!(
            "Line {line}: the file is nested more than {limit} levels deep, the most an import reads."
        ),
    }
}
