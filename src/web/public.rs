//! Public pages (SPEC §3): congress list, congress home, programme grid, sessions, speakers.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::views::{self, Card, DayView, Nav};
use crate::app::AppState;
use crate::db::rows;
use crate::domain::{SessionId, SpeakerId, TrackId};
use crate::services::programme::{self, CongressSummary, PublishedProgramme, SeatCount};
use crate::web::error::AppError;
use crate::web::page::PageCtx;
use crate::web::respond::{cache, with_db};

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::VARY, "Accept-Language, Cookie"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

fn render(t: impl Template) -> Result<HttpResponse, AppError> {
    t.render()
        .map(html)
        .map_err(|e| AppError::Internal(format!("template: {e}")))
}

/// Renders a page that carries a validator (`ETag`), so a reload can be answered with 304.
fn render_tagged(tag: &str, t: impl Template) -> Result<HttpResponse, AppError> {
    let mut r = render(t)?;
    if let Ok(v) = header::HeaderValue::from_str(tag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    Ok(r)
}

/// The validator of a page built from a published version, live seat counts and the
/// language: it changes when any of them does.
fn page_tag(
    ctx: &PageCtx,
    p: &PublishedProgramme,
    counts: &HashMap<SessionId, SeatCount>,
    live: Option<&str>,
) -> String {
    let mut c: Vec<(i64, i32, i32)> = counts
        .iter()
        .map(|(id, n)| (id.get(), n.enrolled, n.waitlisted))
        .collect();
    c.sort_unstable();
    super::http::etag_of((
        "page",
        p.snapshot.congress.id,
        p.number,
        ctx.lang.code(),
        c,
        live,
    ))
}

/// 304 when the client's copy of the page is current.
fn unchanged(req: &HttpRequest, tag: &str) -> Option<HttpResponse> {
    super::http::is_fresh(req, tag, None).then(|| {
        let mut r = super::http::not_modified(tag, None, "no-cache");
        r.headers_mut().insert(
            header::VARY,
            header::HeaderValue::from_static("Accept-Language, Cookie"),
        );
        r
    })
}

/// The published programme and live data a page needs.
struct Loaded {
    p: Arc<PublishedProgramme>,
    counts: HashMap<SessionId, SeatCount>,
}

async fn load(
    state: &web::Data<AppState>,
    ctx: &PageCtx,
    slug: String,
) -> Result<Loaded, AppError> {
    let st = state.clone();
    let loaded = with_db(state, ctx.lang, move |conn| {
        let Some(p) = programme::latest_by_slug(conn, &st.ctx.programmes, &slug)? else {
            return Ok(None);
        };
        let counts = programme::live_counts(conn, p.snapshot.congress.id)?;
        Ok(Some(Loaded { p, counts }))
    })
    .await?;
    loaded.ok_or(AppError::NotFound(ctx.lang))
}

#[derive(Template)]
#[template(path = "public/index.html")]
struct IndexPage {
    ctx: PageCtx,
    congresses: Vec<(CongressSummary, String)>,
}

pub async fn index(state: web::Data<AppState>, ctx: PageCtx) -> Result<HttpResponse, AppError> {
    let list = with_db(&state, ctx.lang, programme::published_congresses).await?;
    let congresses = list
        .into_iter()
        .map(|c| {
            let dates = ctx.lang.date_range(c.first_day, c.last_day);
            (c, dates)
        })
        .collect();
    render(IndexPage { ctx, congresses })
}

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage {
    ctx: PageCtx,
    nav: Nav,
    congress: rows::Congress,
    dates: String,
    description: Vec<String>,
    registration: String,
    /// Registration is open now: the page calls to it.
    registration_open: bool,
    days: Vec<(String, String, String)>,
    session_count: usize,
    workshop_count: usize,
    room_count: usize,
    speaker_count: usize,
    version: i32,
    published: String,
}

pub async fn home(
    state: web::Data<AppState>,
    ctx: PageCtx,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let st = state.clone();
    let (congress, p) = with_db(&state, ctx.lang, move |conn| {
        let p = programme::latest_by_slug(conn, &st.ctx.programmes, &slug)?;
        let c = match &p {
            Some(_) => programme::congress_by_slug(conn, &slug)?,
            None => None,
        };
        Ok(c.zip(p))
    })
    .await?
    .ok_or(AppError::NotFound(ctx.lang))?;
    let t = ctx.t;
    let lang = ctx.lang;
    let now = crate::services::now_utc();
    let fmt_instant = |i: chrono::NaiveDateTime| {
        let local = i.and_utc().with_timezone(&p.tz);
        format!(
            "{}, {}",
            lang.long_date(local.date_naive()),
            local.format("%H:%M")
        )
    };
    let registration = match (
        congress.registration_opens_at,
        congress.registration_closes_at,
    ) {
        (Some(o), _) if now < o => format!("{} {}", t.registration_opens_at, fmt_instant(o)),
        (_, Some(c)) if now >= c => t.registration_closed.to_string(),
        (_, Some(c)) => format!("{} {}", t.registration_open_until, fmt_instant(c)),
        (_, None) => String::new(),
    };
    let registration_open = congress.registration_opens_at.is_none_or(|o| now >= o)
        && congress.registration_closes_at.is_none_or(|c| now < c);
    let days = views::layouts(&p, None)
        .iter()
        .map(|l| {
            let label = p
                .snapshot
                .days
                .iter()
                .find(|d| d.date == l.date)
                .map(|d| match lang {
                    crate::i18n::Lang::En if !d.label_en.is_empty() => d.label_en.clone(),
                    _ => d.label.clone(),
                })
                .unwrap_or_default();
            (
                lang.long_date(l.date),
                label,
                format!("/{}/program?day={}", p.snapshot.congress.slug, l.date),
            )
        })
        .collect();
    let sessions = &p.snapshot.sessions;
    let published = p.published_at.and_utc().with_timezone(&p.tz);
    render(HomePage {
        nav: Nav {
            slug: congress.slug.clone(),
            title: congress.title.clone(),
            current: "home",
        },
        dates: lang.date_range(congress.first_day, congress.last_day),
        description: views::paragraphs(&congress.description),
        registration,
        registration_open,
        days,
        session_count: sessions.iter().filter(|s| !s.cancelled).count(),
        workshop_count: sessions
            .iter()
            .filter(|s| !s.cancelled && s.kind == crate::domain::programme::SessionKind::Workshop)
            .count(),
        room_count: p.snapshot.rooms.len(),
        speaker_count: p.snapshot.speakers.len(),
        version: p.number,
        published: format!(
            "{}, {}",
            lang.long_date(published.date_naive()),
            published.format("%H:%M")
        ),
        congress,
        ctx,
    })
}

#[derive(serde::Deserialize)]
pub struct ProgramQuery {
    day: Option<String>,
    track: Option<String>,
    view: Option<String>,
}

#[derive(Template)]
#[template(path = "public/program.html")]
struct ProgramPage {
    ctx: PageCtx,
    nav: Nav,
    programme_css: String,
    programme_js: &'static str,
    day_tabs: Vec<(String, String, bool)>,
    all_days_url: String,
    all_days: bool,
    tracks: Vec<(String, String, bool)>,
    /// Track legend: name, colour class, the filter link.
    legend: Vec<(String, String, String)>,
    selected_day: String,
    list: bool,
    days: Vec<DayView>,
    empty: bool,
    /// While the congress runs: the link to the "now" marker.
    jump_to_now: Option<String>,
    version: i32,
    tz_name: String,
}

/// `?day=` takes an ISO date or a 1-based day number.
fn parse_day(p: &PublishedProgramme, v: &str) -> Option<NaiveDate> {
    if let Ok(d) = v.parse::<NaiveDate>() {
        return p.days.contains(&d).then_some(d);
    }
    v.parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| p.days.get(i).copied())
}

pub async fn program(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    slug: web::Path<String>,
    query: web::Query<ProgramQuery>,
) -> Result<HttpResponse, AppError> {
    let Loaded { p, counts } = load(&state, &ctx, slug.into_inner()).await?;
    let now = chrono::Utc::now();
    // While a day runs the page carries a "now" marker: the validator changes with the minute.
    let live = views::running_day(&p, now).map(|_| now.format("%Y-%m-%dT%H:%M").to_string());
    let tag = page_tag(&ctx, &p, &counts, live.as_deref());
    if let Some(r) = unchanged(&req, &tag) {
        return Ok(r);
    }
    let q = query.into_inner();
    let day = match q.day.as_deref().filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(parse_day(&p, v).ok_or(AppError::NotFound(ctx.lang))?),
    };
    let track = match q.track.as_deref().filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => {
            let id = v.parse::<i64>().map(TrackId::from).ok();
            Some(
                id.filter(|id| p.track(*id).is_some())
                    .ok_or(AppError::NotFound(ctx.lang))?,
            )
        }
    };
    let list = q.view.as_deref() == Some("list");
    let slug = p.snapshot.congress.slug.clone();
    let keep = |extra: &str| {
        let mut parts = vec![];
        if !extra.is_empty() {
            parts.push(extra.to_string());
        }
        if let Some(t) = track {
            parts.push(format!("track={t}"));
        }
        if list {
            parts.push("view=list".into());
        }
        if parts.is_empty() {
            format!("/{slug}/program")
        } else {
            format!("/{slug}/program?{}", parts.join("&"))
        }
    };
    let day_tabs = p
        .days
        .iter()
        .map(|d| {
            // The day as the organizer labelled it ("Tag 1: Plenum"), with its date.
            let label = views::day_label(&p, ctx.lang, *d);
            (
                if label.is_empty() {
                    ctx.lang.short_date(*d)
                } else {
                    format!("{} · {label}", ctx.lang.short_date(*d))
                },
                keep(&format!("day={d}")),
                day == Some(*d),
            )
        })
        .collect();
    let tracks = p
        .snapshot
        .tracks
        .iter()
        .map(|t| (t.id.to_string(), t.name.clone(), track == Some(t.id)))
        .collect();
    let legend = p
        .snapshot
        .tracks
        .iter()
        .map(|t| {
            let mut parts = vec![];
            if let Some(d) = day {
                parts.push(format!("day={d}"));
            }
            parts.push(format!("track={}", t.id));
            if list {
                parts.push("view=list".into());
            }
            (
                t.name.clone(),
                format!("t{}", t.id),
                format!("/{slug}/program?{}", parts.join("&")),
            )
        })
        .collect();
    let days = views::day_views(&p, ctx.lang, day, track, &counts, now);
    let empty = days.iter().all(|d| d.is_empty());
    let jump_to_now = views::running_day(&p, now).map(|today| {
        if days.iter().any(|d| d.date == today && d.now.is_some()) {
            "#jetzt".to_string()
        } else {
            format!("{}#jetzt", keep(&format!("day={today}")))
        }
    });
    render_tagged(
        &tag,
        ProgramPage {
            nav: Nav {
                slug: slug.clone(),
                title: p.snapshot.congress.title.clone(),
                current: "program",
            },
            programme_css: format!("/{slug}/program.css?v={}", p.number),
            programme_js: super::assets::programme_js_url(),
            all_days_url: keep(""),
            all_days: day.is_none(),
            day_tabs,
            tracks,
            legend,
            selected_day: day.map(|d| d.to_string()).unwrap_or_default(),
            list,
            days,
            empty,
            jump_to_now,
            version: p.number,
            tz_name: p.snapshot.congress.time_zone.clone(),
            ctx,
        },
    )
}

/// The per-version stylesheet of the grid (placements, track colours).
pub async fn program_css(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let ctx = PageCtx::from_request(&req);
    let st = state.clone();
    let slug = slug.into_inner();
    let p = with_db(&state, ctx.lang, move |conn| {
        programme::latest_by_slug(conn, &st.ctx.programmes, &slug)
    })
    .await?
    .ok_or(AppError::NotFound(ctx.lang))?;
    let versioned = req.query_string() == format!("v={}", p.number);
    Ok(HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((
            header::CACHE_CONTROL,
            if versioned {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            },
        ))
        .body(views::programme_css(&p)))
}

#[derive(Template)]
#[template(path = "public/session.html")]
struct SessionPage {
    ctx: PageCtx,
    nav: Nav,
    card: Card,
    subtitle: String,
    day: String,
    tz_abbrev: String,
    room_note: String,
    language: String,
    speakers: Vec<(String, String, String, String)>,
    abstract_: Vec<String>,
    description: Vec<String>,
    needs_enrollment: bool,
}

pub async fn session(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let id = id
        .parse::<i64>()
        .map(SessionId::from)
        .map_err(|_| AppError::NotFound(ctx.lang))?;
    let st = state.clone();
    let (p, count) = with_db(&state, ctx.lang, move |conn| {
        let Some(p) = programme::latest_by_slug(conn, &st.ctx.programmes, &slug)? else {
            return Ok(None);
        };
        if p.session(id).is_none() {
            return Ok(None);
        }
        let count = programme::live_count(conn, id)?;
        Ok(Some((p, count)))
    })
    .await?
    .ok_or(AppError::NotFound(ctx.lang))?;
    let s = p.session(id).ok_or(AppError::NotFound(ctx.lang))?;
    let counts = HashMap::from([(id, count)]);
    let tag = page_tag(&ctx, &p, &counts, None);
    if let Some(r) = unchanged(&req, &tag) {
        return Ok(r);
    }
    let card = views::card(&p, ctx.lang, s, &counts);
    let start = s.start.with_timezone(&p.tz);
    let speakers = s
        .speakers
        .iter()
        .filter_map(|r| {
            p.speaker(r.speaker_id).map(|sp| {
                (
                    format!("/{}/speakers/{}", p.snapshot.congress.slug, sp.id),
                    sp.name.clone(),
                    views::role_label(ctx.t, r.role).to_string(),
                    [sp.position.as_str(), sp.organization.as_str()]
                        .iter()
                        .filter(|x| !x.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            })
        })
        .collect();
    render_tagged(
        &tag,
        SessionPage {
            nav: Nav {
                slug: p.snapshot.congress.slug.clone(),
                title: p.snapshot.congress.title.clone(),
                current: "program",
            },
            subtitle: s.subtitle.clone(),
            day: ctx.lang.long_date(start.date_naive()),
            tz_abbrev: ctx.lang.zone_abbreviation(&start.format("%Z").to_string()),
            room_note: s
                .room_id
                .and_then(|r| p.room(r))
                .map(|r| r.accessibility_note.clone())
                .unwrap_or_default(),
            language: match s.language.as_str() {
                "de" => "Deutsch".into(),
                "en" => "English".into(),
                other => other.to_string(),
            },
            speakers,
            abstract_: views::paragraphs(&s.abstract_),
            description: views::paragraphs(&s.description),
            needs_enrollment: s.capacity.is_some() && !s.cancelled,
            card,
            ctx,
        },
    )
}

#[derive(Template)]
#[template(path = "public/speakers.html")]
struct SpeakersPage {
    ctx: PageCtx,
    nav: Nav,
    speakers: Vec<(String, String, String)>,
}

pub async fn speakers(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let Loaded { p, .. } = load(&state, &ctx, slug.into_inner()).await?;
    let tag = page_tag(&ctx, &p, &HashMap::new(), None);
    if let Some(r) = unchanged(&req, &tag) {
        return Ok(r);
    }
    let slug = &p.snapshot.congress.slug;
    let mut list: Vec<_> = p
        .snapshot
        .speakers
        .iter()
        .map(|s| {
            (
                format!("/{slug}/speakers/{}", s.id),
                s.name.clone(),
                [s.position.as_str(), s.organization.as_str()]
                    .iter()
                    .filter(|x| !x.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
        .collect();
    list.sort_by_cached_key(|a| sort_key(&a.1));
    render_tagged(
        &tag,
        SpeakersPage {
            nav: Nav {
                slug: slug.clone(),
                title: p.snapshot.congress.title.clone(),
                current: "speakers",
            },
            speakers: list,
            ctx,
        },
    )
}

/// Sorts people by family name, ignoring academic titles ("Dr. Anna Zeller" under Z).
fn sort_key(name: &str) -> String {
    let words: Vec<&str> = name
        .split_whitespace()
        .filter(|w| !matches!(*w, "Dr." | "Prof." | "Dipl.-Ing." | "Prof"))
        .collect();
    let last = words.last().copied().unwrap_or("");
    format!("{} {}", last, words.join(" ")).to_lowercase()
}

#[derive(Template)]
#[template(path = "public/speaker.html")]
struct SpeakerPage {
    ctx: PageCtx,
    nav: Nav,
    name: String,
    affiliation: String,
    bio: Vec<String>,
    cards: Vec<Card>,
}

pub async fn speaker(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let id = id
        .parse::<i64>()
        .map(SpeakerId::from)
        .map_err(|_| AppError::NotFound(ctx.lang))?;
    let Loaded { p, counts } = load(&state, &ctx, slug).await?;
    let sp = p.speaker(id).ok_or(AppError::NotFound(ctx.lang))?;
    let tag = page_tag(&ctx, &p, &counts, None);
    if let Some(r) = unchanged(&req, &tag) {
        return Ok(r);
    }
    let cards = p
        .sessions_of(id)
        .map(|s| views::card(&p, ctx.lang, s, &counts))
        .collect();
    render_tagged(
        &tag,
        SpeakerPage {
            nav: Nav {
                slug: p.snapshot.congress.slug.clone(),
                title: p.snapshot.congress.title.clone(),
                current: "speakers",
            },
            name: sp.name.clone(),
            affiliation: [sp.position.as_str(), sp.organization.as_str()]
                .iter()
                .filter(|x| !x.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
            bio: views::paragraphs(&sp.bio),
            cards,
            ctx,
        },
    )
}

/// Any unknown path: a proper 404 page in the visitor's language.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound(PageCtx::from_request(&req).lang))
}

#[derive(Template)]
#[template(path = "public/changelog.html")]
struct ChangelogPage {
    ctx: PageCtx,
    nav: Nav,
    versions: Vec<(i32, String, Vec<String>)>,
}

/// `/{slug}/changelog`: every published version with what it changed.
pub async fn changelog(
    state: web::Data<AppState>,
    ctx: PageCtx,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let st = state.clone();
    let slug = slug.into_inner();
    let (p, versions) = with_db(&state, ctx.lang, move |conn| {
        let Some(p) = programme::latest_by_slug(conn, &st.ctx.programmes, &slug)? else {
            return Ok(None);
        };
        let versions = crate::services::history::versions(conn, p.snapshot.congress.id)?;
        Ok(Some((p, versions)))
    })
    .await?
    .ok_or(AppError::NotFound(ctx.lang))?;
    let lang = ctx.lang;
    let versions = versions
        .into_iter()
        .map(|v| {
            let at = v.published_at.and_utc().with_timezone(&p.tz);
            (
                v.number,
                format!(
                    "{}, {}",
                    lang.long_date(at.date_naive()),
                    at.format("%H:%M")
                ),
                v.changes
                    .iter()
                    .map(|c| views::change_text(lang, p.tz, c))
                    .collect(),
            )
        })
        .collect();
    render(ChangelogPage {
        nav: Nav {
            slug: p.snapshot.congress.slug.clone(),
            title: p.snapshot.congress.title.clone(),
            current: "changelog",
        },
        versions,
        ctx,
    })
}

/// `GET /{slug}/schedule.{ext}`: the published version in an open format (see
/// `crate::formats::SCHEDULE_FORMATS`), with validators (304), a short public cache and CORS
/// for schedule apps and web tools. An unknown extension is a 404.
pub async fn schedule_export(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, ext) = path.into_inner();
    let ctx = PageCtx::from_request(&req);
    let (index, format) =
        crate::formats::schedule_format(&ext).ok_or(AppError::NotFound(ctx.lang))?;
    let st = state.clone();
    let p = with_db(&state, ctx.lang, move |conn| {
        programme::latest_by_slug(conn, &st.ctx.programmes, &slug)
    })
    .await?
    .ok_or(AppError::NotFound(ctx.lang))?;
    let base = &state.settings.base_url;
    let tag = super::http::etag_of(("export", p.snapshot.congress.id, p.number, format.ext, base));
    let modified = Some(p.published_at);
    let mut r = if super::http::is_fresh(&req, &tag, modified) {
        super::http::not_modified(&tag, modified, cache::MINUTE)
    } else {
        let body = crate::formats::rendered(&p, index, base);
        HttpResponse::Ok()
            .content_type(format.content_type)
            .insert_header((header::ETAG, tag.clone()))
            .insert_header((
                header::LAST_MODIFIED,
                super::http::http_date(p.published_at),
            ))
            .insert_header((header::CACHE_CONTROL, cache::MINUTE))
            .body(body)
    };
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::HeaderValue::from_static("*"),
    );
    Ok(r)
}

/// `GET /static/{file}`: an embedded file; a year in caches when the URL carries its
/// fingerprint (`?v=`), an hour otherwise.
pub async fn asset(req: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, AppError> {
    let lang = PageCtx::from_request(&req).lang;
    let (content_type, bytes) =
        super::assets::find(name.as_str()).ok_or(AppError::NotFound(lang))?;
    let cache = if req.query_string().starts_with("v=") {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, cache))
        .body(bytes))
}
