//! View models for public pages, built from a published programme: the day grid's layout (which
//! the per-version stylesheet and the page share), cards, seat texts.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::domain::programme::{SessionKind, SnapshotSession, SpeakerRole};
use crate::domain::{RoomId, SessionId, TrackId};
use crate::i18n::{Lang, Texts};
use crate::services::programme::{PublishedProgramme, SeatCount};

/// Minutes per grid row.
pub const ROW_MINUTES: i64 = 5;
/// Rows per time label (every 30 minutes).
pub const LABEL_ROWS: usize = 6;

/// Where a day's sessions sit in its grid: rooms as columns, 5-minute rows.
pub struct DayLayout {
    pub date: NaiveDate,
    pub start: DateTime<Utc>,
    pub rows: usize,
    pub rooms: Vec<RoomId>,
    /// session index in the snapshot, grid area (row0, col0, row1, col1); col1 = 0 means "to the end".
    pub placements: Vec<(usize, usize, usize, usize, usize)>,
}

fn floor_to_half_hour(t: DateTime<Utc>) -> DateTime<Utc> {
    let secs = t.timestamp();
    let floored = secs - secs.rem_euclid(1800);
    DateTime::from_timestamp(floored, 0).unwrap_or(t)
}

/// The layout of every day that has sessions, in order (index = day index in CSS). With a track,
/// only that track's sessions are laid out, so rooms without any of them get no column.
pub fn layouts(p: &PublishedProgramme, track: Option<TrackId>) -> Vec<DayLayout> {
    let mut by_day: Vec<(NaiveDate, Vec<usize>)> = p.days.iter().map(|d| (*d, vec![])).collect();
    for (i, s) in p.snapshot.sessions.iter().enumerate() {
        if track.is_some_and(|t| s.track_id != Some(t)) {
            continue;
        }
        let d = p.local_date(s.start);
        if let Some(slot) = by_day.iter_mut().find(|(date, _)| *date == d) {
            slot.1.push(i);
        }
    }
    by_day
        .into_iter()
        .map(|(date, mut idx)| {
            // Reading order: by start, then by room as the organizer sorted them.
            idx.sort_by_key(|&i| {
                let s = &p.snapshot.sessions[i];
                (
                    s.start,
                    s.room_id
                        .and_then(|r| p.room_position(r))
                        .unwrap_or(usize::MAX),
                )
            });
            layout_of_day(p, date, &idx)
        })
        .collect()
}

fn layout_of_day(p: &PublishedProgramme, date: NaiveDate, idx: &[usize]) -> DayLayout {
    let sessions = &p.snapshot.sessions;
    let Some(first) = idx.iter().map(|&i| sessions[i].start).min() else {
        return DayLayout {
            date,
            start: DateTime::<Utc>::MIN_UTC,
            rows: 0,
            rooms: vec![],
            placements: vec![],
        };
    };
    let start = floor_to_half_hour(first);
    let end = idx.iter().map(|&i| sessions[i].end).max().unwrap_or(first);
    let row_of = |t: DateTime<Utc>| (t - start).num_minutes() as f64 / ROW_MINUTES as f64;
    let rows = row_of(end).ceil() as usize;
    let mut rooms: Vec<RoomId> = idx.iter().filter_map(|&i| sessions[i].room_id).collect();
    rooms.sort_by_key(|r| p.room_position(*r).unwrap_or(usize::MAX));
    rooms.dedup();
    let col: HashMap<RoomId, usize> = rooms.iter().enumerate().map(|(c, r)| (*r, c + 2)).collect();
    let placements = idx
        .iter()
        .map(|&i| {
            let s = &sessions[i];
            let r0 = row_of(s.start).floor() as usize + 2;
            let r1 = (row_of(s.end).ceil() as usize + 2).max(r0 + 1);
            match s.room_id.and_then(|r| col.get(&r)) {
                Some(&c) => (i, r0, c, r1, c + 1),
                None => (i, r0, 2, r1, 0),
            }
        })
        .collect();
    DayLayout {
        date,
        start,
        rows,
        rooms,
        placements,
    }
}

/// A track colour that is safe to put into CSS (`#rgb`/`#rrggbb`), or the default.
pub fn safe_colour(c: &str) -> &str {
    let ok = c.starts_with('#')
        && matches!(c.len(), 4 | 7)
        && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if ok {
        c
    } else {
        "#4a4a4a"
    }
}

/// The stylesheet of one published version: grid shapes per day (unfiltered and per track, so a
/// track filter shows only the rooms that track uses), placements, rows for the "now" marker and
/// track colours. It depends only on the version, so it is served with a versioned URL and
/// cached for good.
pub fn programme_css(p: &PublishedProgramme) -> String {
    let mut css = String::with_capacity(128 * p.snapshot.sessions.len() + 1024);
    let all = layouts(p, None);
    let max_cols = all.iter().map(|l| l.rooms.len()).max().unwrap_or(0) + 1;
    let max_rows = all.iter().map(|l| l.rows).max().unwrap_or(0) + 2;
    for t in &p.snapshot.tracks {
        let _ = writeln!(css, ".t{}{{--track:{}}}", t.id, safe_colour(&t.colour));
    }
    let _ = writeln!(css, "@media screen and (min-width:48em){{");
    for c in 2..=max_cols {
        let _ = writeln!(css, ".c{c}{{grid-column:{c}}}");
    }
    let mut r = 2;
    while r <= max_rows {
        let _ = writeln!(css, ".r{r}{{grid-row:{r}/span {LABEL_ROWS}}}");
        r += LABEL_ROWS;
    }
    for r in 2..=max_rows {
        let _ = writeln!(css, ".n{r}{{grid-row:{r}}}");
    }
    let mut views: Vec<(String, char, Vec<DayLayout>)> = vec![(String::new(), 's', all)];
    for t in &p.snapshot.tracks {
        views.push((format!("t{}", t.id), 'f', layouts(p, Some(t.id))));
    }
    for (suffix, prefix, ls) in &views {
        for (d, l) in ls.iter().enumerate() {
            if l.placements.is_empty() {
                continue;
            }
            // `1fr` is `minmax(auto, 1fr)`: a column is never narrower than its longest word
            // (or a card's minimum width), so titles are not broken inside words.
            let _ = writeln!(
                css,
                ".g{d}{suffix}{{grid-template-columns:4.5rem repeat({},1fr);grid-template-rows:auto repeat({},minmax(.55rem,auto))}}",
                l.rooms.len().max(1),
                l.rows.max(1)
            );
            for &(i, r0, c0, r1, c1) in &l.placements {
                let id = p.snapshot.sessions[i].id;
                if c1 == 0 {
                    let _ = writeln!(css, ".{prefix}{id}{{grid-area:{r0}/{c0}/{r1}/-1}}");
                } else {
                    let _ = writeln!(css, ".{prefix}{id}{{grid-area:{r0}/{c0}/{r1}/{c1}}}");
                }
            }
        }
    }
    css.push_str("}\n");
    css
}

/// The label of a session kind.
pub fn kind_label(t: &Texts, k: SessionKind) -> &'static str {
    match k {
        SessionKind::Keynote => t.kind_keynote,
        SessionKind::Talk => t.kind_talk,
        SessionKind::Panel => t.kind_panel,
        SessionKind::Workshop => t.kind_workshop,
        SessionKind::Break => t.kind_break,
        SessionKind::Social => t.kind_social,
        SessionKind::Other => t.kind_other,
    }
}

pub fn role_label(t: &Texts, r: SpeakerRole) -> &'static str {
    match r {
        SpeakerRole::Speaker => t.speaker_role_speaker,
        SpeakerRole::Moderator => t.speaker_role_moderator,
        SpeakerRole::Panelist => t.speaker_role_panelist,
    }
}

/// "12 von 25 Plätzen frei" / "ausgebucht · 3 auf der Warteliste".
pub fn seats_text(lang: Lang, capacity: Option<i32>, count: SeatCount) -> Option<(String, bool)> {
    let cap = capacity?;
    let t = lang.texts();
    let free = (cap - count.enrolled).max(0);
    if free == 0 {
        let mut s = t.fully_booked.to_string();
        if count.waitlisted > 0 {
            let _ = write!(s, " · {} {}", count.waitlisted, t.on_waitlist);
        }
        Some((s, true))
    } else {
        let text = match lang {
            Lang::De => format!("{free} von {cap} Plätzen frei"),
            Lang::En => format!("{free} of {cap} seats free"),
        };
        Some((text, false))
    }
}

/// A session as shown in the grid, the list and on speaker pages.
pub struct Card {
    pub id: SessionId,
    pub url: String,
    pub title: String,
    pub time: String,
    pub date: String,
    pub room: String,
    pub kind: &'static str,
    pub kind_code: &'static str,
    pub track: String,
    pub track_class: String,
    pub speakers: String,
    pub cancelled: bool,
    pub seats: Option<String>,
    pub full: bool,
    pub place_class: String,
    /// Heading level of the title: 3 on its own, 4 under a time group.
    pub level: u8,
}

/// "09:30–11:30" in the congress's zone.
pub fn time_span(p: &PublishedProgramme, s: &SnapshotSession) -> String {
    let a = s.start.with_timezone(&p.tz);
    let b = s.end.with_timezone(&p.tz);
    format!("{}–{}", a.format("%H:%M"), b.format("%H:%M"))
}

pub fn card(
    p: &PublishedProgramme,
    lang: Lang,
    s: &SnapshotSession,
    counts: &HashMap<SessionId, SeatCount>,
) -> Card {
    let t = lang.texts();
    let track = s.track_id.and_then(|id| p.track(id));
    let speakers = s
        .speakers
        .iter()
        .filter_map(|r| {
            p.speaker(r.speaker_id).map(|sp| match r.role {
                SpeakerRole::Speaker => sp.name.clone(),
                role => format!("{} ({})", sp.name, role_label(t, role)),
            })
        })
        .collect::<Vec<_>>()
        .join(", ");
    let seats = if s.cancelled {
        None
    } else {
        seats_text(
            lang,
            s.capacity,
            counts.get(&s.id).copied().unwrap_or_default(),
        )
    };
    Card {
        id: s.id,
        url: format!("/{}/sessions/{}", p.snapshot.congress.slug, s.id),
        title: s.title.clone(),
        time: time_span(p, s),
        date: lang.short_date(p.local_date(s.start)),
        room: s
            .room_id
            .and_then(|r| p.room(r))
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        kind: kind_label(t, s.kind),
        kind_code: s.kind.as_str(),
        track: track.map(|t| t.name.clone()).unwrap_or_default(),
        track_class: s.track_id.map(|id| format!("t{id}")).unwrap_or_default(),
        speakers,
        cancelled: s.cancelled,
        full: seats.as_ref().is_some_and(|(_, full)| *full),
        seats: seats.map(|(text, _)| text),
        place_class: format!("s{}", s.id),
        level: 3,
    }
}

/// A column head of the grid.
pub struct RoomHead {
    pub name: String,
    pub class: String,
}

/// A time label at the side of the grid.
pub struct TimeLabel {
    pub text: String,
    pub class: String,
}

/// Sessions of a day that start at the same time, under one heading ("Werkstattblock 1 ·
/// 10:00–12:00"): on a phone, in the list view and for screen readers the programme reads as
/// a sequence of time slots. In the wide grid the heading is hidden from sight only.
pub struct TimeGroup {
    pub heading: String,
    /// The "now" marker goes right before this group.
    pub now_before: bool,
    pub cards: Vec<Card>,
}

/// Where "now" is on a day being shown: its grid row and the time it reads.
pub struct NowMarker {
    pub class: String,
    pub time: String,
    /// After the last group (the day's sessions have all started).
    pub at_end: bool,
}

/// One day of the programme page.
pub struct DayView {
    pub date: NaiveDate,
    pub heading: String,
    pub anchor: String,
    pub grid_class: String,
    pub rooms: Vec<RoomHead>,
    pub times: Vec<TimeLabel>,
    pub groups: Vec<TimeGroup>,
    pub now: Option<NowMarker>,
}

impl DayView {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// The day's label as the organizer set it, in the page's language.
pub fn day_label(p: &PublishedProgramme, lang: Lang, date: NaiveDate) -> String {
    p.snapshot
        .days
        .iter()
        .find(|x| x.date == date)
        .map(|x| match lang {
            Lang::En if !x.label_en.is_empty() => x.label_en.clone(),
            _ => x.label.clone(),
        })
        .unwrap_or_default()
}

/// The days to show (all, or the one picked) with the cards that pass the track filter, in
/// time groups, and the "now" marker on the day that is running at `now`.
pub fn day_views(
    p: &PublishedProgramme,
    lang: Lang,
    day: Option<NaiveDate>,
    track: Option<TrackId>,
    counts: &HashMap<SessionId, SeatCount>,
    now: DateTime<Utc>,
) -> Vec<DayView> {
    let (prefix, suffix) = match track {
        Some(t) => ('f', format!("t{t}")),
        None => ('s', String::new()),
    };
    layouts(p, track)
        .into_iter()
        .enumerate()
        .filter(|(_, l)| day.is_none_or(|d| d == l.date))
        .map(|(d, l)| {
            let label = day_label(p, lang, l.date);
            let date = lang.long_date(l.date);
            let heading = if label.is_empty() {
                date
            } else {
                format!("{label} – {date}")
            };
            let rooms = l
                .rooms
                .iter()
                .enumerate()
                .filter_map(|(c, r)| {
                    p.room(*r).map(|room| RoomHead {
                        name: room.name.clone(),
                        class: format!("c{}", c + 2),
                    })
                })
                .collect();
            let times = (0..l.rows)
                .step_by(LABEL_ROWS)
                .map(|row| TimeLabel {
                    text: (l.start + Duration::minutes(row as i64 * ROW_MINUTES))
                        .with_timezone(&p.tz)
                        .format("%H:%M")
                        .to_string(),
                    class: format!("r{}", row + 2),
                })
                .collect();
            let sessions: Vec<&SnapshotSession> = l
                .placements
                .iter()
                .map(|&(i, ..)| &p.snapshot.sessions[i])
                .collect();
            let running = !sessions.is_empty() && running_day(p, now) == Some(l.date);
            let mut groups: Vec<TimeGroup> = vec![];
            let mut marked = false;
            for chunk in sessions.chunk_by(|a, b| a.start == b.start) {
                let now_before = running && !marked && chunk[0].start > now;
                marked |= now_before;
                groups.push(TimeGroup {
                    heading: group_heading(p, chunk),
                    now_before,
                    cards: chunk
                        .iter()
                        .map(|s| {
                            let mut c = card(p, lang, s, counts);
                            c.place_class = format!("{prefix}{}", s.id);
                            c.level = 4;
                            c
                        })
                        .collect(),
                });
            }
            let now = running.then(|| {
                // Clamped into the grid: a track filter may start the day later or end it
                // earlier than the running day does.
                let minutes = (now - l.start)
                    .num_minutes()
                    .clamp(0, l.rows as i64 * ROW_MINUTES);
                let row = (minutes / ROW_MINUTES) as usize + 2;
                NowMarker {
                    class: format!("n{row}"),
                    time: now.with_timezone(&p.tz).format("%H:%M").to_string(),
                    at_end: !marked,
                }
            });
            DayView {
                date: l.date,
                heading,
                anchor: format!("tag-{}", l.date),
                grid_class: format!("g{d}{suffix}"),
                rooms,
                times,
                groups,
                now,
            }
        })
        .collect()
}

/// The congress day whose sessions are running at `now` (from its first start to its last
/// end), if any.
pub fn running_day(p: &PublishedProgramme, now: DateTime<Utc>) -> Option<NaiveDate> {
    let today = p.local_date(now);
    let mut on_day = p
        .snapshot
        .sessions
        .iter()
        .filter(|s| p.local_date(s.start) == today)
        .peekable();
    on_day.peek()?;
    let (first, last) = on_day.fold((None, None), |(a, b): (Option<_>, Option<_>), s| {
        (
            Some(a.map_or(s.start, |a: DateTime<Utc>| a.min(s.start))),
            Some(b.map_or(s.end, |b: DateTime<Utc>| b.max(s.end))),
        )
    });
    (first.is_some_and(|f| now >= f) && last.is_some_and(|l| now < l)).then_some(today)
}

/// "Werkstattblock 1 · 10:00–12:00" when the sessions starting together form one block, else
/// the start time ("09:00").
fn group_heading(p: &PublishedProgramme, chunk: &[&SnapshotSession]) -> String {
    let start = chunk[0].start.with_timezone(&p.tz).format("%H:%M");
    let block = chunk[0]
        .block
        .filter(|b| chunk.iter().all(|s| s.block == Some(*b)));
    match block.and_then(|b| p.snapshot.blocks.iter().find(|x| x.id == b)) {
        Some(b) => {
            let end = chunk.iter().map(|s| s.end).max().unwrap_or(chunk[0].end);
            format!(
                "{} · {start}–{}",
                b.name,
                end.with_timezone(&p.tz).format("%H:%M")
            )
        }
        None => start.to_string(),
    }
}

/// Splits free text into paragraphs at blank lines (rendered escaped, one `<p>` each).
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

pub use crate::i18n::changes::change_text;

/// The congress's navigation in the header.
pub struct Nav {
    pub slug: String,
    pub title: String,
    pub current: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_sanitised_for_css() {
        assert_eq!(safe_colour("#1f6f8b"), "#1f6f8b");
        assert_eq!(safe_colour("#abc"), "#abc");
        assert_eq!(safe_colour("red;}body{display:none"), "#4a4a4a");
        assert_eq!(safe_colour("#12345g"), "#4a4a4a");
    }

    #[test]
    fn seat_texts() {
        let c = |enrolled, waitlisted| SeatCount {
            enrolled,
            waitlisted,
        };
        assert_eq!(seats_text(Lang::De, None, c(0, 0)), None);
        assert_eq!(
            seats_text(Lang::De, Some(25), c(13, 0)).unwrap().0,
            "12 von 25 Plätzen frei"
        );
        assert_eq!(
            seats_text(Lang::En, Some(25), c(25, 3)).unwrap(),
            ("fully booked · 3 on the waiting list".to_string(), true)
        );
    }

    #[test]
    fn paragraphs_split_on_blank_lines() {
        assert_eq!(paragraphs("a\n\n\nb\nc\n\n"), vec!["a", "b\nc"]);
    }
}
