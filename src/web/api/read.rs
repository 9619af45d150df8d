//! Public reads of the published version (SPEC §3): no token, CORS open, live seat counts.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::{json, ApiError, Problem};
use crate::app::AppState;
use crate::domain::programme::SnapshotSession;
use crate::domain::SessionId;
use crate::i18n::Lang;
use crate::services::programme::{self, PublishedProgramme, SeatCount};
use crate::web::respond::with_db;

#[derive(Serialize, ToSchema)]
pub struct CongressItem {
    pub slug: String,
    pub title: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
}

/// Published congresses.
#[utoipa::path(get, path = "/api/v1/congresses", tag = "public",
    responses((status = 200, description = "The congresses with a published programme", body = Vec<CongressItem>)))]
pub async fn congresses(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let list = with_db(&state, Lang::En, programme::published_congresses).await?;
    Ok(json(
        &list
            .into_iter()
            .map(|c| CongressItem {
                slug: c.slug,
                title: c.title,
                first_day: c.first_day,
                last_day: c.last_day,
                time_zone: c.time_zone,
            })
            .collect::<Vec<_>>(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct DayOut {
    pub date: NaiveDate,
    pub label: String,
    pub label_en: String,
}

#[derive(Serialize, ToSchema)]
pub struct RoomOut {
    pub id: i64,
    pub guid: String,
    pub name: String,
    pub capacity: Option<i32>,
    pub accessibility_note: String,
}

#[derive(Serialize, ToSchema)]
pub struct TrackOut {
    pub id: i64,
    pub name: String,
    /// `#rrggbb`
    pub colour: String,
}

/// A speaker of a session, with their role there.
#[derive(Serialize, ToSchema)]
pub struct SessionSpeakerOut {
    pub id: i64,
    pub name: String,
    /// `speaker`, `moderator` or `panelist`
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionOut {
    pub id: i64,
    /// Stable across versions and exports.
    pub guid: String,
    pub title: String,
    pub subtitle: String,
    #[serde(rename = "abstract")]
    pub abstract_: String,
    /// keynote, talk, panel, workshop, break, social or other
    pub kind: String,
    pub language: String,
    pub track_id: Option<i64>,
    pub room_id: Option<i64>,
    /// RFC 3339 with the congress zone's offset.
    pub start: String,
    pub end: String,
    pub cancelled: bool,
    /// Seats for enrollment (workshops); null when the session needs none.
    pub capacity: Option<i32>,
    /// Live.
    pub enrolled: i32,
    /// Live.
    pub waitlisted: i32,
    /// The workshop block (one of the congress's `blocks`): a person attends one workshop of a
    /// block.
    pub block_id: Option<i64>,
    pub speakers: Vec<SessionSpeakerOut>,
}

/// A workshop block: parallel workshops of which a person chooses one.
#[derive(Serialize, ToSchema)]
pub struct BlockOut {
    pub id: i64,
    pub name: String,
    /// The congress day it belongs to.
    pub day: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct SpeakerOut {
    pub id: i64,
    pub guid: String,
    pub name: String,
    pub organization: String,
    pub position: String,
    pub bio: String,
    /// Ids of their sessions in the published version.
    pub sessions: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CongressOut {
    pub slug: String,
    pub title: String,
    pub subtitle: String,
    pub time_zone: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// The published version's number.
    pub version: i32,
    pub days: Vec<DayOut>,
    pub rooms: Vec<RoomOut>,
    pub tracks: Vec<TrackOut>,
    pub blocks: Vec<BlockOut>,
    pub sessions: Vec<SessionOut>,
}

fn rfc3339(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).to_rfc3339()
}

type Loaded = (Arc<PublishedProgramme>, HashMap<SessionId, SeatCount>);

/// The published version and live counts, or the 404/500 problem.
async fn load(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    slug: String,
) -> Result<Loaded, ApiError> {
    let st = state.clone();
    with_db(state, Lang::En, move |conn| {
        let Some(p) = programme::latest_by_slug(conn, &st.ctx.programmes, &slug)? else {
            return Ok(None);
        };
        let counts = programme::live_counts(conn, p.snapshot.congress.id)?;
        Ok(Some((p, counts)))
    })
    .await?
    .ok_or_else(|| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "No published congress has this slug.",
        )
        .at(req)
        .into()
    })
}

fn session_out(
    p: &PublishedProgramme,
    x: &SnapshotSession,
    counts: &HashMap<SessionId, SeatCount>,
) -> SessionOut {
    let c = counts.get(&x.id).copied().unwrap_or_default();
    SessionOut {
        id: x.id.get(),
        guid: x.guid.clone(),
        title: x.title.clone(),
        subtitle: x.subtitle.clone(),
        abstract_: x.abstract_.clone(),
        kind: x.kind.as_str().into(),
        language: x.language.clone(),
        track_id: x.track_id.map(|t| t.get()),
        room_id: x.room_id.map(|r| r.get()),
        start: rfc3339(p.tz, x.start),
        end: rfc3339(p.tz, x.end),
        cancelled: x.cancelled,
        capacity: x.capacity,
        enrolled: c.enrolled,
        waitlisted: c.waitlisted,
        block_id: x.block.map(|b| b.get()),
        speakers: x
            .speakers
            .iter()
            .filter_map(|r| {
                p.speaker(r.speaker_id).map(|sp| SessionSpeakerOut {
                    id: sp.id.get(),
                    name: sp.name.clone(),
                    role: r.role.as_str().into(),
                })
            })
            .collect(),
    }
}

fn rooms_out(p: &PublishedProgramme) -> Vec<RoomOut> {
    p.snapshot
        .rooms
        .iter()
        .map(|r| RoomOut {
            id: r.id.get(),
            guid: r.guid.clone(),
            name: r.name.clone(),
            capacity: r.capacity,
            accessibility_note: r.accessibility_note.clone(),
        })
        .collect()
}

fn speaker_out(
    p: &PublishedProgramme,
    sp: &crate::domain::programme::SnapshotSpeaker,
) -> SpeakerOut {
    SpeakerOut {
        id: sp.id.get(),
        guid: sp.guid.clone(),
        name: sp.name.clone(),
        organization: sp.organization.clone(),
        position: sp.position.clone(),
        bio: sp.bio.clone(),
        sessions: p.sessions_of(sp.id).map(|s| s.id.get()).collect(),
    }
}

/// The published programme of a congress with live seat counts.
#[utoipa::path(get, path = "/api/v1/congresses/{slug}", tag = "public",
    params(("slug" = String, Path, description = "The congress's short name")),
    responses(
        (status = 200, description = "The published programme of the congress, with live seat counts", body = CongressOut),
        (status = 404, description = "No published congress has this slug", body = Problem, content_type = "application/problem+json")))]
pub async fn congress(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (p, counts) = load(&state, &req, slug.into_inner()).await?;
    let s = &p.snapshot;
    Ok(json(&CongressOut {
        slug: s.congress.slug.clone(),
        title: s.congress.title.clone(),
        subtitle: s.congress.subtitle.clone(),
        time_zone: s.congress.time_zone.clone(),
        first_day: s.congress.first_day,
        last_day: s.congress.last_day,
        version: p.number,
        days: s
            .days
            .iter()
            .map(|d| DayOut {
                date: d.date,
                label: d.label.clone(),
                label_en: d.label_en.clone(),
            })
            .collect(),
        rooms: rooms_out(&p),
        tracks: s
            .tracks
            .iter()
            .map(|t| TrackOut {
                id: t.id.get(),
                name: t.name.clone(),
                colour: t.colour.clone(),
            })
            .collect(),
        blocks: s
            .blocks
            .iter()
            .map(|b| BlockOut {
                id: b.id.get(),
                name: b.name.clone(),
                day: b.day,
            })
            .collect(),
        sessions: s
            .sessions
            .iter()
            .map(|x| session_out(&p, x, &counts))
            .collect(),
    }))
}

/// The sessions of the published programme.
#[utoipa::path(get, path = "/api/v1/congresses/{slug}/sessions", tag = "public",
    params(("slug" = String, Path, description = "The congress's short name")),
    responses(
        (status = 200, description = "The sessions of the published programme, with live seat counts", body = Vec<SessionOut>),
        (status = 404, description = "No published congress has this slug", body = Problem, content_type = "application/problem+json")))]
pub async fn sessions(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (p, counts) = load(&state, &req, slug.into_inner()).await?;
    Ok(json(
        &p.snapshot
            .sessions
            .iter()
            .map(|x| session_out(&p, x, &counts))
            .collect::<Vec<_>>(),
    ))
}

/// One session of the published programme.
#[utoipa::path(get, path = "/api/v1/congresses/{slug}/sessions/{id}", tag = "public",
    params(("slug" = String, Path, description = "The congress's short name"),
        ("id" = i64, Path, description = "The session's id")),
    responses(
        (status = 200, description = "The session as published, with live seat counts", body = SessionOut),
        (status = 404, description = "No published congress has this slug, or its published programme has no such session", body = Problem, content_type = "application/problem+json")))]
pub async fn session(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let (p, counts) = load(&state, &req, slug).await?;
    let s = id
        .parse::<i64>()
        .ok()
        .and_then(|id| p.session(SessionId::from(id)))
        .ok_or_else(|| {
            Problem::new(
                StatusCode::NOT_FOUND,
                "No such session in the published programme.",
            )
            .at(&req)
        })?;
    Ok(json(&session_out(&p, s, &counts)))
}

/// The speakers of the published programme.
#[utoipa::path(get, path = "/api/v1/congresses/{slug}/speakers", tag = "public",
    params(("slug" = String, Path, description = "The congress's short name")),
    responses(
        (status = 200, description = "The speakers of the published programme", body = Vec<SpeakerOut>),
        (status = 404, description = "No published congress has this slug", body = Problem, content_type = "application/problem+json")))]
pub async fn speakers(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (p, _) = load(&state, &req, slug.into_inner()).await?;
    Ok(json(
        &p.snapshot
            .speakers
            .iter()
            .map(|sp| speaker_out(&p, sp))
            .collect::<Vec<_>>(),
    ))
}

/// One speaker of the published programme.
#[utoipa::path(get, path = "/api/v1/congresses/{slug}/speakers/{id}", tag = "public",
    params(("slug" = String, Path, description = "The congress's short name"),
        ("id" = i64, Path, description = "The speaker's id")),
    responses(
        (status = 200, description = "The speaker as published, with their sessions", body = SpeakerOut),
        (status = 404, description = "No published congress has this slug, or its published programme has no such speaker", body = Problem, content_type = "application/problem+json")))]
pub async fn speaker(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let (p, _) = load(&state, &req, slug).await?;
    let sp = id
        .parse::<i64>()
        .ok()
        .and_then(|id| p.speaker(crate::domain::SpeakerId::from(id)))
        .ok_or_else(|| {
            Problem::new(
                StatusCode::NOT_FOUND,
                "No such speaker in the published programme.",
            )
            .at(&req)
        })?;
    Ok(json(&speaker_out(&p, sp)))
}

/// The rooms of the published programme.
#[utoipa::path(get, path = "/api/v1/congresses/{slug}/rooms", tag = "public",
    params(("slug" = String, Path, description = "The congress's short name")),
    responses(
        (status = 200, description = "The rooms of the published programme", body = Vec<RoomOut>),
        (status = 404, description = "No published congress has this slug", body = Problem, content_type = "application/problem+json")))]
pub async fn rooms(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (p, _) = load(&state, &req, slug.into_inner()).await?;
    Ok(json(&rooms_out(&p)))
}
