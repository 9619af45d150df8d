//! JSON read API (SPEC §3) and the health check (SPEC §1).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use diesel::connection::SimpleConnection;
use serde::Serialize;

use super::public::with_db;
use crate::domain::programme::SpeakerRole;
use crate::domain::{RoomId, SessionId, SpeakerId, TrackId};
use crate::i18n::Lang;
use crate::services::programme::{self};
use crate::startup::AppState;

fn json<T: Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(value)
}

fn problem(status: actix_web::http::StatusCode, title: &str, detail: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/problem+json")
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(
            serde_json::json!({ "type": "about:blank", "title": title, "status": status.as_u16(), "detail": detail })
                .to_string(),
        )
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let ok = web::block(move || {
        pool.get()
            .ok()
            .map(|mut c| c.batch_execute("SELECT 1").is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    let body = serde_json::json!({ "status": if ok { "ok" } else { "degraded" }, "database": if ok { "ok" } else { "unavailable" } });
    let mut res = if ok {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    res.insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("application/json")
        .body(body.to_string())
}

#[derive(Serialize)]
struct CongressItem {
    slug: String,
    title: String,
    first_day: NaiveDate,
    last_day: NaiveDate,
    time_zone: String,
}

/// `GET /api/v1/congresses`: published congresses.
pub async fn congresses(state: web::Data<AppState>) -> HttpResponse {
    match with_db(&state, Lang::En, programme::published_congresses).await {
        Ok(list) => json(
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
        ),
        Err(e) => internal(e),
    }
}

fn internal(e: crate::error::AppError) -> HttpResponse {
    tracing::error!(error = %e, "api request failed");
    problem(
        actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
        "Internal Server Error",
        "The request could not be completed.",
    )
}

#[derive(Serialize)]
struct DayOut {
    date: NaiveDate,
    label: String,
    label_en: String,
}

#[derive(Serialize)]
struct RoomOut {
    id: RoomId,
    name: String,
    capacity: Option<i32>,
}

#[derive(Serialize)]
struct TrackOut {
    id: TrackId,
    name: String,
    colour: String,
}

#[derive(Serialize)]
struct SpeakerOut {
    id: SpeakerId,
    name: String,
    role: SpeakerRole,
}

#[derive(Serialize)]
struct SessionOut {
    id: SessionId,
    guid: String,
    title: String,
    kind: &'static str,
    language: String,
    track_id: Option<TrackId>,
    room_id: Option<RoomId>,
    start: String,
    end: String,
    cancelled: bool,
    capacity: Option<i32>,
    enrolled: i32,
    waitlisted: i32,
    speakers: Vec<SpeakerOut>,
}

#[derive(Serialize)]
struct CongressOut {
    slug: String,
    title: String,
    subtitle: String,
    time_zone: String,
    first_day: NaiveDate,
    last_day: NaiveDate,
    version: i32,
    days: Vec<DayOut>,
    rooms: Vec<RoomOut>,
    tracks: Vec<TrackOut>,
    sessions: Vec<SessionOut>,
}

fn rfc3339(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).to_rfc3339()
}

/// `GET /api/v1/congresses/{slug}`: the published programme with live seat counts.
pub async fn congress(state: web::Data<AppState>, slug: web::Path<String>) -> HttpResponse {
    let st = state.clone();
    let slug = slug.into_inner();
    let loaded = with_db(&state, Lang::En, move |conn| {
        let Some(p) = programme::latest_by_slug(conn, &st.programmes, &slug)? else {
            return Ok(None);
        };
        let counts = programme::live_counts(conn, p.snapshot.congress.id.get())?;
        Ok(Some((p, counts)))
    })
    .await;
    let (p, counts) = match loaded {
        Ok(Some(x)) => x,
        Ok(None) => {
            return problem(
                actix_web::http::StatusCode::NOT_FOUND,
                "Not Found",
                "No published congress has this slug.",
            )
        }
        Err(e) => return internal(e),
    };
    let s = &p.snapshot;
    let out = CongressOut {
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
        rooms: s
            .rooms
            .iter()
            .map(|r| RoomOut {
                id: r.id,
                name: r.name.clone(),
                capacity: r.capacity,
            })
            .collect(),
        tracks: s
            .tracks
            .iter()
            .map(|t| TrackOut {
                id: t.id,
                name: t.name.clone(),
                colour: t.colour.clone(),
            })
            .collect(),
        sessions: s
            .sessions
            .iter()
            .map(|x| {
                let c = counts.get(&x.id).copied().unwrap_or_default();
                SessionOut {
                    id: x.id,
                    guid: x.guid.clone(),
                    title: x.title.clone(),
                    kind: x.kind.as_str(),
                    language: x.language.clone(),
                    track_id: x.track_id,
                    room_id: x.room_id,
                    start: rfc3339(p.tz, x.start),
                    end: rfc3339(p.tz, x.end),
                    cancelled: x.cancelled,
                    capacity: x.capacity,
                    enrolled: c.enrolled,
                    waitlisted: c.waitlisted,
                    speakers: x
                        .speakers
                        .iter()
                        .filter_map(|r| {
                            p.speaker(r.speaker_id).map(|sp| SpeakerOut {
                                id: sp.id,
                                name: sp.name.clone(),
                                role: r.role,
                            })
                        })
                        .collect(),
                }
            })
            .collect(),
    };
    json(&out)
}
