//! Organizer API (issue 6): an API token of the congress in `Authorization: Bearer` for
//! session writes (create, update, schedule) and registrations (list, CSV export). Writes go
//! through the same services as the back office, with the same rules and audit log.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::{json, private_json, ApiError, FieldError, Problem};
use crate::app::AppState;
use crate::db::rows;
use crate::domain::programme::{SessionKind, SpeakerRole};
use crate::domain::registration::RegistrationStatus;
use crate::domain::{CategoryId, RoomId, SessionId, Severity, SpeakerId, TrackId};
use crate::i18n::Lang;
use crate::services::people::{self as svc_people, Filter};
use crate::services::sessions::{self as svc, SessionInput};
use crate::services::ServiceError;
use crate::web::api::token::ApiToken;
use crate::web::respond::with_db;

fn service_problem(req: &HttpRequest, e: ServiceError) -> ApiError {
    match e {
        ServiceError::NotFound => {
            Problem::new(StatusCode::NOT_FOUND, "No such session in this congress.")
                .at(req)
                .into()
        }
        ServiceError::Invalid { field, message } => {
            let mut p = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The request body is not valid.",
            )
            .kind("validation")
            .at(req);
            let message = match (field, message.parse::<i64>()) {
                ("block", Ok(n)) => format!(
                    "{n} rankings of its block, not yet allocated, name this session: it can \
                     leave the block after the allocation"
                ),
                (_, _) => message,
            };
            p.errors.push(FieldError {
                field: if field == "block" {
                    "block_id".into()
                } else {
                    field.into()
                },
                message,
            });
            p.into()
        }
        ServiceError::Conflict(m) => Problem::new(StatusCode::CONFLICT, m).at(req).into(),
        ServiceError::Refused(conflicts) => {
            // Listed up to the overview's cap; the detail counts the rest.
            let cap = crate::domain::SHOWN_CONFLICTS;
            let detail = if conflicts.len() > cap {
                format!(
                    "The placement breaks a schedule rule; nothing was saved. The first {cap} \
                     conflicts are listed, {}.",
                    Lang::En.and_more(conflicts.len() - cap)
                )
            } else {
                "The placement breaks a schedule rule; nothing was saved.".to_string()
            };
            let mut p = Problem::new(StatusCode::CONFLICT, detail)
                .kind("schedule-conflict")
                .at(req);
            p.conflicts = conflicts
                .iter()
                .take(cap)
                .map(|c| {
                    let mut v = serde_json::to_value(c).unwrap_or_default();
                    v["message"] =
                        crate::i18n::admin::conflict_message(Lang::En, c, &Default::default())
                            .into();
                    v
                })
                .collect();
            p.into()
        }
        other => crate::web::error::AppError::from_service(Lang::En, other).into(),
    }
}

/// A path id that is not a number names no session.
fn session_id(req: &HttpRequest, raw: &str) -> Result<SessionId, ApiError> {
    raw.parse()
        .map_err(|_| service_problem(req, ServiceError::NotFound))
}

/// A speaker of a session in a write: id of a speaker of the congress and their role.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct SpeakerIn {
    pub id: i64,
    /// `speaker` (default), `moderator` or `panelist`
    #[serde(default)]
    pub role: Option<String>,
}

/// A session's content (create, or replace on update).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct SessionIn {
    pub title: String,
    #[serde(default)]
    pub subtitle: String,
    #[serde(default, rename = "abstract")]
    pub abstract_: String,
    #[serde(default)]
    pub description: String,
    /// keynote, talk, panel, workshop, break, social or other
    pub kind: String,
    /// e.g. `de` or `en`; the congress's first language when empty
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub track_id: Option<i64>,
    /// Seats for enrollment; null for sessions without enrollment.
    #[serde(default)]
    pub capacity: Option<i32>,
    /// The workshop block (of this congress) the session belongs to; null or absent for none.
    /// A session leaves a block whose rankings, not yet allocated, name it only after the
    /// allocation (422).
    #[serde(default)]
    pub block_id: Option<i64>,
    #[serde(default)]
    pub speakers: Vec<SpeakerIn>,
}

impl SessionIn {
    fn check(self) -> Result<SessionInput, Vec<FieldError>> {
        let mut errors = vec![];
        let mut err = |field: &str, message: &str| {
            errors.push(FieldError {
                field: field.into(),
                message: message.into(),
            })
        };
        let title = self.title.trim().to_string();
        if title.is_empty() || title.chars().count() > 300 {
            err("title", "1 to 300 characters");
        }
        let kind = SessionKind::parse(&self.kind);
        if kind.is_none() {
            err(
                "kind",
                "one of keynote, talk, panel, workshop, break, social, other",
            );
        }
        if self.capacity.is_some_and(|c| !(1..=100_000).contains(&c)) {
            err("capacity", "a number of seats from 1, or null");
        }
        let mut speakers = vec![];
        for (i, s) in self.speakers.iter().enumerate() {
            let role = match s.role.as_deref() {
                None | Some("") => Some(SpeakerRole::Speaker),
                Some(r) => SpeakerRole::parse(r),
            };
            match role {
                Some(r) if !speakers.iter().any(|(id, _)| *id == SpeakerId::from(s.id)) => {
                    speakers.push((SpeakerId::from(s.id), r))
                }
                Some(_) => err(&format!("speakers[{i}]"), "listed twice"),
                None => err(
                    &format!("speakers[{i}].role"),
                    "speaker, moderator or panelist",
                ),
            }
        }
        let language = self.language.trim().to_string();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SessionInput {
            title,
            subtitle: self.subtitle.trim().into(),
            abstract_: self.abstract_.trim().into(),
            description: self.description.trim().into(),
            kind: kind.unwrap_or(SessionKind::Talk),
            language: if language.is_empty() {
                "de".into()
            } else {
                language
            },
            track_id: self.track_id.map(TrackId::from),
            capacity: self.capacity,
            block: self.block_id.map(crate::domain::SlotGroupId::from),
            speakers,
        })
    }
}

/// A session as it is now in the back office (draft state, not the published version).
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftSessionOut {
    pub id: i64,
    pub guid: String,
    pub title: String,
    pub kind: String,
    /// draft, scheduled or cancelled
    pub status: String,
    pub track_id: Option<i64>,
    pub room_id: Option<i64>,
    /// RFC 3339 (UTC) when scheduled.
    pub start: Option<String>,
    pub end: Option<String>,
    pub capacity: Option<i32>,
    /// The workshop block, if any.
    pub block_id: Option<i64>,
    pub speakers: Vec<i64>,
    /// Soft issues of the placement (warnings), as sentences.
    pub warnings: Vec<String>,
}

fn draft_out(
    row: &rows::Session,
    speakers: &[(i64, String)],
    warnings: Vec<String>,
) -> DraftSessionOut {
    let utc = |t: Option<NaiveDateTime>| t.map(|t| t.and_utc().to_rfc3339());
    DraftSessionOut {
        id: row.id.get(),
        guid: row.guid.clone(),
        title: row.title.clone(),
        kind: row.kind.to_string(),
        status: row.status.to_string(),
        track_id: row.track_id.map(i64::from),
        room_id: row.room_id.map(i64::from),
        start: utc(row.starts_at),
        end: utc(row.ends_at),
        capacity: row.capacity,
        block_id: row.slot_group_id.map(i64::from),
        speakers: speakers.iter().map(|(id, _)| *id).collect(),
        warnings,
    }
}

fn body_problem(req: &HttpRequest, errors: Vec<FieldError>) -> ApiError {
    let mut p = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "The request body is not valid.",
    )
    .kind("validation")
    .at(req);
    p.errors = errors;
    p.into()
}

/// The session of a create or update, or the 422 problem.
fn session_input(req: &HttpRequest, body: &[u8]) -> Result<SessionInput, ApiError> {
    match parse_body::<SessionIn>(body).map(SessionIn::check) {
        Ok(Ok(i)) => Ok(i),
        Ok(Err(errors)) => Err(body_problem(req, errors)),
        Err(e) => Err(body_problem(req, vec![e])),
    }
}

/// Reads a JSON body by hand, so that a malformed one is a problem, not a plain-text 400.
fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, FieldError> {
    serde_json::from_slice(body).map_err(|e| FieldError {
        field: "<body>".into(),
        message: e.to_string(),
    })
}

fn warnings_of(conflicts: &[crate::domain::Conflict]) -> Vec<String> {
    conflicts
        .iter()
        .filter(|c| c.severity() == Severity::Warning)
        .map(|c| crate::i18n::admin::conflict_message(Lang::En, c, &Default::default()))
        .collect()
}

/// Creates a session (unscheduled, as a draft).
#[utoipa::path(post, path = "/api/v1/congresses/{slug}/sessions", tag = "organizer",
    params(("slug" = String, Path, description = "The congress's short name")), request_body = SessionIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The session, created unscheduled as a draft; `Location` names it", body = DraftSessionOut),
        (status = 401, description = "No API token, or an unknown or revoked one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token belongs to another congress (or no congress has this slug), is read-only, or its creator no longer holds an editor or owner role", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The request body is larger than 256 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not JSON of this shape, or a field is invalid (an unknown track or speaker too); `errors` names it", body = Problem, content_type = "application/problem+json")))]
pub async fn create_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: ApiToken,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let input = session_input(&req, &body)?;
    let (bearer, c) = (token.bearer, token.congress);
    let congress = c.id;
    let (row, speakers) = with_db(&state, Lang::En, move |conn| {
        Ok(svc::create(conn, congress, &input, bearer.actor())
            .and_then(|id| svc::get(conn, congress, id)))
    })
    .await?
    .map_err(|e| service_problem(&req, e))?;
    let location = format!("/api/v1/congresses/{}/sessions/{}", c.slug, row.id);
    let mut r = json(&draft_out(&row, &speakers, vec![]));
    *r.status_mut() = StatusCode::CREATED;
    if let Ok(v) = header::HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// Replaces a session's content (its slot stays; see `…/schedule`).
#[utoipa::path(put, path = "/api/v1/congresses/{slug}/sessions/{id}", tag = "organizer",
    params(("slug" = String, Path, description = "The congress's short name"), ("id" = i64, Path, description = "The session's id")), request_body = SessionIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The session as it is now, with the warnings of its slot", body = DraftSessionOut),
        (status = 401, description = "No API token, or an unknown or revoked one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token belongs to another congress (or no congress has this slug), is read-only, or its creator no longer holds an editor or owner role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session in this congress", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The session is scheduled and the change breaks a schedule rule at its slot (e.g. a new speaker is elsewhere then); `conflicts` lists them, nothing was saved", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The request body is larger than 256 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not JSON of this shape, or a field is invalid (an unknown track or speaker, fewer seats than enrolled); `errors` names it", body = Problem, content_type = "application/problem+json")))]
pub async fn update_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: ApiToken,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = session_id(&req, &path.1)?;
    let input = session_input(&req, &body)?;
    let (bearer, congress) = (token.bearer, token.congress.id);
    let mail = state.ctx.clone();
    let ((row, speakers), w) = with_db(&state, Lang::En, move |conn| {
        Ok(
            svc::update(conn, &mail, congress, id, &input, bearer.actor())
                .and_then(|w| svc::get(conn, congress, id).map(|x| (x, w))),
        )
    })
    .await?
    .map_err(|e| service_problem(&req, e))?;
    Ok(json(&draft_out(&row, &speakers, warnings_of(&w))))
}

/// A slot for a session.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct SlotIn {
    pub room_id: Option<i64>,
    /// RFC 3339 with offset.
    pub start: String,
    /// RFC 3339 with offset; after `start`.
    pub end: String,
}

/// Places (or moves) a session: refused with 409 and the broken rules (room or speaker
/// double-booked, outside the congress days); warnings come back with the session.
#[utoipa::path(put, path = "/api/v1/congresses/{slug}/sessions/{id}/schedule", tag = "organizer",
    params(("slug" = String, Path, description = "The congress's short name"), ("id" = i64, Path, description = "The session's id")), request_body = SlotIn,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The session as placed, with the warnings of the placement", body = DraftSessionOut),
        (status = 401, description = "No API token, or an unknown or revoked one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token belongs to another congress (or no congress has this slug), is read-only, or its creator no longer holds an editor or owner role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session in this congress", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The placement breaks a schedule rule (room, speaker, congress days); `conflicts` lists them, nothing was saved", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The request body is larger than 256 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not JSON of this shape, or a field is invalid (start or end not RFC 3339, end not after start, an unknown room); `errors` names it", body = Problem, content_type = "application/problem+json")))]
pub async fn schedule_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: ApiToken,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = session_id(&req, &path.1)?;
    let slot: SlotIn = parse_body(&body).map_err(|e| body_problem(&req, vec![e]))?;
    let instant = |field: &str, v: &str| {
        DateTime::parse_from_rfc3339(v)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| FieldError {
                field: field.into(),
                message: "an RFC 3339 date-time with offset".into(),
            })
    };
    let (start, end) = match (instant("start", &slot.start), instant("end", &slot.end)) {
        (Ok(s), Ok(e)) if e > s => (s, e),
        (Ok(_), Ok(_)) => {
            return Err(body_problem(
                &req,
                vec![FieldError {
                    field: "end".into(),
                    message: "must be after start".into(),
                }],
            ))
        }
        (a, b) => {
            return Err(body_problem(
                &req,
                [a.err(), b.err()].into_iter().flatten().collect(),
            ))
        }
    };
    let (bearer, congress) = (token.bearer, token.congress.id);
    let room = slot.room_id.map(RoomId::from);
    let ((row, speakers), w) = with_db(&state, Lang::En, move |conn| {
        Ok(
            svc::place(conn, congress, id, room, start, end, bearer.actor())
                .and_then(|w| svc::get(conn, congress, id).map(|x| (x, w))),
        )
    })
    .await?
    .map_err(|e| service_problem(&req, e))?;
    Ok(json(&draft_out(&row, &speakers, warnings_of(&w))))
}

/// Takes a session out of the day grid (back to unscheduled).
#[utoipa::path(delete, path = "/api/v1/congresses/{slug}/sessions/{id}/schedule", tag = "organizer",
    params(("slug" = String, Path, description = "The congress's short name"), ("id" = i64, Path, description = "The session's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The session is out of the schedule: a draft again, or still cancelled"),
        (status = 401, description = "No API token, or an unknown or revoked one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token belongs to another congress (or no congress has this slug), is read-only, or its creator no longer holds an editor or owner role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session in this congress", body = Problem, content_type = "application/problem+json")))]
pub async fn unschedule_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: ApiToken,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = session_id(&req, &path.1)?;
    let (bearer, congress) = (token.bearer, token.congress.id);
    with_db(&state, Lang::En, move |conn| {
        Ok(svc::unschedule(conn, congress, id, bearer.actor()))
    })
    .await?
    .map_err(|e| service_problem(&req, e))?;
    Ok(HttpResponse::NoContent().finish())
}

/// Filters of the registration list and export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationQuery {
    /// Part of the name, email or organization.
    pub q: Option<String>,
    /// pending, confirmed, waitlisted, awaiting_approval, cancelled, expired
    pub status: Option<String>,
    /// A category id.
    pub category: Option<i64>,
    /// A session id: people enrolled or waiting there.
    pub workshop: Option<i64>,
    /// 1-based page of 50.
    pub page: Option<i64>,
}

impl RegistrationQuery {
    fn filter(&self) -> Filter {
        Filter {
            q: self.q.clone().unwrap_or_default().trim().to_string(),
            status: self.status.as_deref().and_then(RegistrationStatus::parse),
            category: self.category.map(CategoryId::from),
            workshop: self.workshop.map(SessionId::from),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationOut {
    pub id: i64,
    pub status: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub organization: String,
    pub category_id: i64,
    /// RFC 3339 (UTC)
    pub created_at: String,
    pub checked_in_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationPageOut {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<RegistrationOut>,
}

/// The congress's registrations, newest first, 50 per page.
#[utoipa::path(get, path = "/api/v1/congresses/{slug}/registrations", tag = "organizer",
    params(("slug" = String, Path, description = "The congress's short name"), RegistrationQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the matching registrations, newest first", body = RegistrationPageOut),
        (status = 400, description = "The query string does not parse (a page, category or workshop that is not a number)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No API token, or an unknown or revoked one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token belongs to another congress (or no congress has this slug), or its creator no longer holds an editor or owner role", body = Problem, content_type = "application/problem+json")))]
pub async fn registrations(
    state: web::Data<AppState>,
    token: ApiToken,
    q: web::Query<RegistrationQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = q
        .page
        .unwrap_or(1)
        .clamp(1, i64::MAX / svc_people::PAGE_SIZE);
    let filter = q.filter();
    let congress = token.congress.id;
    let p = with_db(&state, Lang::En, move |conn| {
        svc_people::list(conn, congress, &filter, page - 1)
    })
    .await?;
    Ok(private_json(&RegistrationPageOut {
        total: p.total,
        page,
        per_page: svc_people::PAGE_SIZE,
        items: p
            .lines
            .into_iter()
            .map(|l| RegistrationOut {
                id: l.id.into(),
                status: l.status.to_string(),
                first_name: l.first_name,
                last_name: l.last_name,
                email: l.email,
                organization: l.organization,
                category_id: l.category_id.get(),
                created_at: l.created_at.and_utc().to_rfc3339(),
                checked_in_at: l.checked_in_at.map(|t| t.and_utc().to_rfc3339()),
            })
            .collect(),
    }))
}

/// The registrations as CSV (UTF-8 with BOM, header row; as in the back office).
#[utoipa::path(get, path = "/api/v1/congresses/{slug}/registrations.csv", tag = "organizer",
    params(("slug" = String, Path, description = "The congress's short name"), RegistrationQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "All matching registrations as a CSV download (`page` is ignored)", content_type = "text/csv", body = String),
        (status = 400, description = "The query string does not parse (a page, category or workshop that is not a number)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No API token, or an unknown or revoked one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token belongs to another congress (or no congress has this slug), or its creator no longer holds an editor or owner role", body = Problem, content_type = "application/problem+json")))]
pub async fn registrations_csv(
    state: web::Data<AppState>,
    token: ApiToken,
    q: web::Query<RegistrationQuery>,
) -> Result<HttpResponse, ApiError> {
    let c = token.congress;
    let filter = q.filter();
    let congress = c.id;
    let tz = crate::domain::time::parse_time_zone(&c.time_zone).unwrap_or(chrono_tz::UTC);
    let x = with_db(&state, Lang::En, move |conn| {
        svc_people::export(conn, congress, &filter)
    })
    .await?;
    Ok(crate::web::respond::registrations_csv_download(
        &x, tz, &c.slug,
    )?)
}
