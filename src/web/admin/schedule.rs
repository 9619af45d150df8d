//! The scheduling grid: rooms as columns, 5-minute rows, unscheduled sessions beside it, and one
//! small form per session to place, move, resize or unschedule it (no JavaScript needed).
//! Conflicts refuse the save with a message naming the other session; warnings are listed.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::conflicts::{ConflictReport, Severity, SHOWN_CONFLICTS};
use crate::domain::time::{local_date_of, local_to_utc, parse_time_zone};
use crate::domain::{CongressId, RoomId, SessionId, SessionKind, SessionStatus, SlotGroupId};
use crate::i18n::admin::{conflict_message, conflict_messages, NAMED_CONFLICTS};
use crate::i18n::Lang;
use crate::services::audit::Actor;
use crate::services::congress as congress_svc;
use crate::services::sessions::{self as svc, SessionSummary};
use crate::services::setup::{self, RoomRow};
use crate::services::ServiceError;
use crate::web::admin::kit::Chrome;
use crate::web::auth::AdminCtx;
use crate::web::error::AppError;
use crate::web::extract::{key, Id};
use crate::web::page::PageCtx;
use crate::web::respond::with_db;
use crate::web::respond::{page, see_other};

/// The place form's values for one session (as typed, or as stored).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlaceForm {
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub room: String,
}

/// A session in the grid or the unscheduled list.
pub struct Item {
    pub id: SessionId,
    pub title: String,
    pub time: String,
    pub speakers: String,
    pub cancelled: bool,
    pub form: PlaceForm,
    pub problems: Vec<(bool, String)>,
    /// Takes enrollments (a workshop): offered a block.
    pub workshop: bool,
    /// Its block's id, or empty.
    pub block: String,
    /// Has conflicts beyond those in `problems` (the list is bounded): error or only warnings.
    pub unlisted: Option<bool>,
    pub open: bool,
}

/// One cell of the grid table.
pub enum Cell {
    Empty,
    Session { item: usize, rows: usize },
}

pub struct Row {
    /// The row's local time; shown on the half hours, read out by screen readers on all.
    pub label: String,
    pub major: bool,
    pub cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "admin/schedule.html")]
struct SchedulePage {
    ctx: PageCtx,
    chrome: Chrome,
    days: Vec<(String, String, bool)>,
    day_values: Vec<(String, String)>,
    rooms: Vec<RoomRow>,
    rows: Vec<Row>,
    items: Vec<Item>,
    unscheduled: Vec<usize>,
    elsewhere: Vec<usize>,
    conflicts: Vec<(bool, SessionId, String, String)>,
    /// "and 1,234 more" when the conflict list is cut short; empty otherwise.
    more_conflicts: String,
    error: String,
    blocks: Vec<(SlotGroupId, String)>,
    /// Workshops of this day that start together without one block: (start as RFC 3339, local
    /// time, titles).
    parallel: Vec<(String, String, Vec<String>)>,
}

struct Loaded {
    sessions: Vec<SessionSummary>,
    rooms: Vec<RoomRow>,
    days: Vec<NaiveDate>,
    day_labels: HashMap<NaiveDate, String>,
    tz: Tz,
    conflicts: ConflictReport,
    speaker_names: HashMap<crate::domain::SpeakerId, String>,
    blocks: Vec<(SlotGroupId, String)>,
    parallel: Vec<crate::services::blocks::ParallelStart>,
}

async fn load(
    state: &web::Data<AppState>,
    lang: Lang,
    congress: CongressId,
) -> Result<Loaded, AppError> {
    with_db(state, lang, move |conn| {
        let sessions = svc::list(conn, congress)?;
        let rooms = setup::rooms_of(conn, congress)?;
        let day_rows = congress_svc::days(conn, congress)?;
        let (tz, _) = svc::window(conn, congress)?;
        let placements = svc::placements(conn, congress)?;
        let conflicts = svc::conflict_report(conn, congress, &placements, SHOWN_CONFLICTS)?;
        drop(placements);
        let speaker_names = setup::speakers_of(conn, congress)?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        Ok(Loaded {
            sessions,
            rooms,
            days: day_rows.iter().map(|d| d.day).collect(),
            day_labels: day_rows
                .into_iter()
                .map(|d| {
                    let label = match lang {
                        Lang::En if !d.label_en.is_empty() => d.label_en,
                        _ => d.label,
                    };
                    (d.day, label)
                })
                .collect(),
            tz,
            conflicts,
            speaker_names,
            blocks: crate::services::blocks::names(conn, congress)?,
            parallel: crate::services::blocks::parallel_starts(conn, congress)?,
        })
    })
    .await
}

fn hm(t: DateTime<Tz>) -> String {
    t.format("%H:%M").to_string()
}

/// Builds the page for `day`; `failed` is the session whose form came back with `form` and
/// `errors` (kept open, input kept).
#[allow(clippy::too_many_arguments)]
fn build(
    req: &HttpRequest,
    ctx: PageCtx,
    admin: &AdminCtx,
    l: Loaded,
    day: NaiveDate,
    failed: Option<(SessionId, PlaceForm, Vec<String>)>,
    error: String,
) -> SchedulePage {
    let lang = ctx.lang;
    let slug = admin
        .congress
        .as_ref()
        .map(|c| c.slug.clone())
        .unwrap_or_default();
    let mut problems: HashMap<SessionId, Vec<(bool, String)>> = HashMap::new();
    let titles: HashMap<SessionId, String> = l
        .sessions
        .iter()
        .map(|s| (s.row.id, s.row.title.clone()))
        .collect();
    // Only the listed conflicts become messages; the rest are counted (and show as a badge on
    // their sessions), so a programme where everything clashes costs what is shown.
    let mut conflicts = vec![];
    for (sid, c) in l.conflicts.shown.iter().map(|(s, c)| (*s, c)) {
        let msg = conflict_message(lang, c, &l.speaker_names);
        let is_error = c.severity() == Severity::Error;
        problems
            .entry(sid)
            .or_default()
            .push((is_error, msg.clone()));
        conflicts.push((
            is_error,
            sid,
            titles.get(&sid).cloned().unwrap_or_default(),
            msg,
        ));
    }
    drop(titles);
    // Errors first.
    conflicts.sort_by_key(|c| !c.0);
    let more_conflicts = if l.conflicts.more > 0 {
        lang.and_more(l.conflicts.more)
    } else {
        String::new()
    };

    let mut items = vec![];
    let mut on_day: Vec<(usize, RoomId, DateTime<Utc>, DateTime<Utc>)> = vec![];
    let mut unscheduled = vec![];
    let mut elsewhere = vec![];
    for s in &l.sessions {
        let idx = items.len();
        let (time, form) = match (s.row.starts_at, s.row.ends_at) {
            (Some(a), Some(b)) => {
                let (a, b) = (a.and_utc(), b.and_utc());
                let (la, lb) = (a.with_timezone(&l.tz), b.with_timezone(&l.tz));
                if local_date_of(l.tz, a) == day {
                    if let Some(room) = s.row.room_id {
                        on_day.push((idx, room, a, b));
                    } else {
                        elsewhere.push(idx);
                    }
                }
                (
                    format!("{}–{}", hm(la), hm(lb)),
                    PlaceForm {
                        day: la.date_naive().to_string(),
                        start: hm(la),
                        end: hm(lb),
                        room: s.row.room_id.map(|r| r.to_string()).unwrap_or_default(),
                    },
                )
            }
            _ => {
                unscheduled.push(idx);
                (
                    String::new(),
                    PlaceForm {
                        day: day.to_string(),
                        ..Default::default()
                    },
                )
            }
        };
        let mut item = Item {
            id: s.row.id,
            title: s.row.title.clone(),
            time,
            speakers: s
                .speakers
                .iter()
                .map(|(_, n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            cancelled: s.row.status == SessionStatus::Cancelled,
            form,
            problems: problems.remove(&s.row.id).unwrap_or_default(),
            workshop: s.row.kind == SessionKind::Workshop || s.row.capacity.is_some(),
            block: s
                .row
                .slot_group_id
                .map(|b| b.to_string())
                .unwrap_or_default(),
            unlisted: None,
            open: false,
        };
        if let Some(badge) = l.conflicts.badges.get(&s.row.id) {
            let listed = |severity| {
                item.problems
                    .iter()
                    .any(|(e, _)| *e == (severity == Severity::Error))
            };
            if badge.errors && !listed(Severity::Error) {
                item.unlisted = Some(true);
            } else if badge.warnings && !listed(Severity::Warning) && !badge.errors {
                item.unlisted = Some(false);
            }
        }
        if let Some((fid, fform, ferrors)) = &failed {
            if *fid == s.row.id {
                item.form = fform.clone();
                item.problems = ferrors.iter().map(|e| (true, e.clone())).collect();
                item.open = true;
            }
        }
        items.push(item);
    }

    // Grid: from 08:00 (or the earliest session) to 18:00 (or the latest end), 5-minute rows.
    let at = |t: NaiveTime| local_to_utc(l.tz, day, t).ok();
    let default_start = at(NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default());
    let default_end = at(NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default());
    let first = on_day.iter().map(|x| x.2).min();
    let last = on_day.iter().map(|x| x.3).max();
    let start = match (default_start, first) {
        (Some(d), Some(f)) => d.min(f),
        (Some(d), None) => d,
        (None, Some(f)) => f,
        (None, None) => Utc::now(),
    };
    let start = DateTime::from_timestamp(start.timestamp() - start.timestamp().rem_euclid(1800), 0)
        .unwrap_or(start);
    let end = match (default_end, last) {
        (Some(d), Some(f)) => d.max(f),
        (Some(d), None) => d,
        (None, Some(f)) => f,
        (None, None) => start + Duration::hours(10),
    };
    let n_rows = ((end - start).num_minutes() / 5).max(1) as usize;
    let col: HashMap<RoomId, usize> = l.rooms.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let mut starts: HashMap<(usize, usize), (usize, usize)> = HashMap::new();
    let mut busy_until = vec![0usize; l.rooms.len()];
    on_day.sort_by_key(|x| x.2);
    for (idx, room, a, b) in on_day {
        let Some(&c) = col.get(&room) else { continue };
        let r0 = ((a - start).num_minutes() / 5).max(0) as usize;
        let r1 = (((b - start).num_minutes() + 4) / 5) as usize;
        if r0 < busy_until[c] {
            // Overlaps an earlier session in the same room: shown in the list below the grid.
            elsewhere.push(idx);
            continue;
        }
        busy_until[c] = r1.max(r0 + 1);
        starts.insert((r0, c), (idx, r1.max(r0 + 1) - r0));
    }
    let mut occupied = vec![0usize; l.rooms.len()];
    let rows = (0..n_rows)
        .map(|r| {
            let t = (start + Duration::minutes(5 * r as i64)).with_timezone(&l.tz);
            let label = hm(t);
            let major = r % 6 == 0;
            let mut cells = vec![];
            for (c, occ) in occupied.iter_mut().enumerate() {
                if let Some(&(item, span)) = starts.get(&(r, c)) {
                    cells.push(Cell::Session { item, rows: span });
                    *occ = r + span;
                } else if r >= *occ {
                    cells.push(Cell::Empty);
                }
            }
            Row {
                label,
                major,
                cells,
            }
        })
        .collect();

    SchedulePage {
        chrome: Chrome::new(req, admin, "schedule"),
        days: l
            .days
            .iter()
            .map(|d| {
                let label = l.day_labels.get(d).cloned().unwrap_or_default();
                let text = if label.is_empty() {
                    lang.short_date(*d)
                } else {
                    format!("{} · {label}", lang.short_date(*d))
                };
                (text, format!("/admin/{slug}/schedule?day={d}"), *d == day)
            })
            .collect(),
        day_values: l
            .days
            .iter()
            .map(|d| (d.to_string(), lang.short_date(*d)))
            .collect(),
        rooms: l.rooms,
        rows,
        items,
        unscheduled,
        elsewhere,
        conflicts,
        more_conflicts,
        error,
        blocks: l.blocks,
        parallel: l
            .parallel
            .into_iter()
            .filter(|(start, _)| local_date_of(l.tz, *start) == day)
            .map(|(start, sessions)| {
                (
                    start.to_rfc3339(),
                    hm(start.with_timezone(&l.tz)),
                    sessions.into_iter().map(|(_, t)| t).collect(),
                )
            })
            .collect(),
        ctx,
    }
}

#[derive(Deserialize)]
pub struct DayQuery {
    day: Option<String>,
}

fn pick_day(days: &[NaiveDate], q: Option<&str>) -> Option<NaiveDate> {
    match q.and_then(|d| d.parse::<NaiveDate>().ok()) {
        Some(d) if days.contains(&d) => Some(d),
        Some(_) => None,
        None => days.first().copied(),
    }
}

pub async fn grid(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    q: web::Query<DayQuery>,
) -> Result<HttpResponse, AppError> {
    let l = load(&state, ctx.lang, admin.congress()?.id).await?;
    let day = pick_day(&l.days, q.day.as_deref()).ok_or(AppError::NotFound(ctx.lang))?;
    let p = build(&req, ctx, &admin, l, day, None, String::new());
    page(StatusCode::OK, p)
}

/// Room (if any), start and end of a placement.
type Slot = (Option<RoomId>, DateTime<Utc>, DateTime<Utc>);

fn parse_place(ctx: &PageCtx, tz: Tz, f: &PlaceForm) -> Result<Slot, Vec<String>> {
    let a = ctx.t.a;
    let mut errors = vec![];
    let day = f.day.parse::<NaiveDate>().ok();
    let start = NaiveTime::parse_from_str(f.start.trim(), "%H:%M").ok();
    let end = NaiveTime::parse_from_str(f.end.trim(), "%H:%M").ok();
    if day.is_none() {
        errors.push(a.err_date.to_string());
    }
    if start.is_none() || end.is_none() {
        errors.push(a.err_time.to_string());
    }
    let room = match f.room.trim() {
        "" => None,
        r => match r.parse::<RoomId>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(a.err_required.to_string());
                None
            }
        },
    };
    let (Some(day), Some(start), Some(end)) = (day, start, end) else {
        return Err(errors);
    };
    let s = local_to_utc(tz, day, start);
    let e = local_to_utc(tz, day, end);
    match (s, e) {
        (Ok(s), Ok(e)) if e > s && errors.is_empty() => Ok((room, s, e)),
        (Ok(s), Ok(e)) if e <= s => {
            errors.push(a.err_end_before_start.to_string());
            Err(errors)
        }
        (Err(_), _) | (_, Err(_)) => {
            errors.push(a.err_no_such_time.to_string());
            Err(errors)
        }
        _ => Err(errors),
    }
}

pub async fn place(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    sid: Id<key::Session>,
    form: web::Form<PlaceForm>,
) -> Result<HttpResponse, AppError> {
    let sid = sid.get();
    let c = admin.congress()?.clone();
    let tz = parse_time_zone(&c.time_zone).unwrap_or(chrono_tz::UTC);
    let form = form.into_inner();
    let actor = Actor::Organizer(admin.viewer()?.id);
    let (errors, status) = match parse_place(&ctx, tz, &form) {
        Ok((room, start, end)) => {
            match with_db(&state, ctx.lang, move |conn| {
                Ok(svc::place(conn, c.id, sid, room, start, end, actor))
            })
            .await?
            {
                Ok(_) => {
                    let day = local_date_of(tz, start);
                    return Ok(see_other(&format!(
                        "/admin/{}/schedule?day={day}&saved=1#s{sid}",
                        c.slug
                    )));
                }
                Err(ServiceError::Refused(conflicts)) => {
                    let names = crate::web::admin::kit::names_for(&state, &ctx, c.id, true).await?;
                    (
                        conflict_messages(ctx.lang, &conflicts, &names, NAMED_CONFLICTS),
                        StatusCode::CONFLICT,
                    )
                }
                Err(ServiceError::Invalid { .. }) => (
                    vec![ctx.t.a.err_required.to_string()],
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                Err(e) => return Err(AppError::from_service(ctx.lang, e)),
            }
        }
        Err(errors) => (errors, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let l = load(&state, ctx.lang, c.id).await?;
    let day = form
        .day
        .parse::<NaiveDate>()
        .ok()
        .filter(|d| l.days.contains(d))
        .or_else(|| l.days.first().copied())
        .ok_or(AppError::NotFound(ctx.lang))?;
    let summary = errors.join(" ");
    let p = build(
        &req,
        ctx,
        &admin,
        l,
        day,
        Some((sid, form, errors)),
        summary,
    );
    page(status, p)
}

pub async fn unschedule(
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    sid: Id<key::Session>,
) -> Result<HttpResponse, AppError> {
    let sid = sid.get();
    let c = admin.congress()?.clone();
    let actor = Actor::Organizer(admin.viewer()?.id);
    with_db(&state, ctx.lang, move |conn| {
        svc::unschedule(conn, c.id, sid, actor)
    })
    .await?;
    Ok(see_other(&format!("/admin/{}/schedule?saved=1", c.slug)))
}
