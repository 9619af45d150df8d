//! Sessions in the back office: list, create, edit (content and speakers with roles), cancel,
//! reinstate, delete.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::app::AppState;
use crate::domain::programme::{SessionKind, SpeakerRole};
use crate::domain::SessionStatus;
use crate::domain::{CongressId, SessionId, SpeakerId};
use crate::i18n::Lang;
use crate::services::audit::Actor;
use crate::services::sessions::{self as svc, SessionInput, SessionSummary};
use crate::services::setup::{self, SpeakerRow, TrackRow};
use crate::services::ServiceError;
use crate::web::admin::kit::{names_for, status_label_session as status_label, Chrome};
use crate::web::auth::AdminCtx;
use crate::web::error::AppError;
use crate::web::extract::{key, Id};
use crate::web::forms::{self, Errors, FormMap};
use crate::web::input::Rejected;
use crate::web::page::PageCtx;
use crate::web::respond::with_db;
use crate::web::respond::{page, see_other, INVALID};
use crate::web::views::{kind_label, role_label};

/// The session form as typed.
#[derive(Default, Clone)]
pub struct SessionForm {
    pub title: String,
    pub subtitle: String,
    pub abstract_: String,
    pub description: String,
    pub kind: String,
    pub language: String,
    pub track: String,
    pub capacity: String,
    pub block: String,
    /// (speaker id, role) rows, including empty ones to fill in.
    pub speakers: Vec<(String, String)>,
}

impl SessionForm {
    fn from_form(f: &FormMap) -> SessionForm {
        let ids = f.all("speaker");
        let roles = f.all("role");
        SessionForm {
            title: f.get("title").to_string(),
            subtitle: f.get("subtitle").to_string(),
            abstract_: f.get("abstract").to_string(),
            description: f.get("description").to_string(),
            kind: f.get("kind").to_string(),
            language: f.get("language").to_string(),
            track: f.get("track").to_string(),
            capacity: f.get("capacity").to_string(),
            block: f.get("block").to_string(),
            speakers: ids
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    (
                        id.to_string(),
                        roles.get(i).unwrap_or(&"speaker").to_string(),
                    )
                })
                .collect(),
        }
        .with_blank_rows()
    }

    fn of(row: &crate::db::rows::Session, speakers: &[(i64, String)]) -> SessionForm {
        SessionForm {
            title: row.title.clone(),
            subtitle: row.subtitle.clone(),
            abstract_: row.abstract_.clone(),
            description: row.description.clone(),
            kind: row.kind.to_string(),
            language: row.language.clone(),
            track: row.track_id.map(|t| t.to_string()).unwrap_or_default(),
            capacity: row.capacity.map(|c| c.to_string()).unwrap_or_default(),
            block: row.slot_group_id.map(|b| b.to_string()).unwrap_or_default(),
            speakers: speakers
                .iter()
                .map(|(id, role)| (id.to_string(), role.clone()))
                .collect(),
        }
        .with_blank_rows()
    }

    /// Two empty speaker rows to add people, at least four rows in all.
    fn with_blank_rows(mut self) -> SessionForm {
        self.speakers.retain(|(id, _)| !id.is_empty());
        let rows = (self.speakers.len() + 2).max(4);
        while self.speakers.len() < rows {
            self.speakers.push((String::new(), "speaker".into()));
        }
        self
    }

    fn parse(&self, ctx: &PageCtx) -> Result<SessionInput, Errors> {
        let a = ctx.t.a;
        let mut e = Errors::default();
        let title = forms::required(&mut e, "title", &self.title, a.err_required);
        let kind = SessionKind::parse(&self.kind).unwrap_or_else(|| {
            e.add("kind", a.err_required);
            SessionKind::Other
        });
        let language = match self.language.as_str() {
            "de" | "en" => self.language.clone(),
            _ => {
                e.add("language", a.err_required);
                String::new()
            }
        };
        let track_id = match self.track.trim() {
            "" => None,
            t => t.parse().ok().or_else(|| {
                e.add("track", a.err_required);
                None
            }),
        };
        let capacity = forms::optional_count(&mut e, "capacity", &self.capacity, a.err_number);
        let block = match self.block.trim() {
            "" => None,
            b => b.parse().ok().or_else(|| {
                e.add("block", a.err_required);
                None
            }),
        };
        let mut speakers: Vec<(SpeakerId, SpeakerRole)> = vec![];
        for (id, role) in &self.speakers {
            if id.is_empty() {
                continue;
            }
            match (id.parse::<SpeakerId>(), SpeakerRole::parse(role)) {
                (Ok(id), Some(role)) if !speakers.iter().any(|(s, _)| *s == id) => {
                    speakers.push((id, role))
                }
                (Ok(_), Some(_)) => e.add("speakers", a.err_speaker_twice),
                _ => e.add("speakers", a.err_required),
            }
        }
        e.into_result(SessionInput {
            title,
            subtitle: self.subtitle.trim().to_string(),
            abstract_: self.abstract_.trim().to_string(),
            description: self.description.trim().to_string(),
            kind,
            language,
            track_id,
            capacity,
            block,
            speakers,
        })
    }
}

pub use crate::i18n::admin::{conflict_message, conflict_messages, NAMED_CONFLICTS};

#[derive(Template)]
#[template(path = "admin/sessions.html")]
struct SessionsPage {
    ctx: PageCtx,
    chrome: Chrome,
    sessions: Vec<SessionSummary>,
    times: HashMap<SessionId, String>,
    error: String,
}

impl SessionsPage {
    fn status(&self, s: &SessionStatus) -> &'static str {
        status_label(self.ctx.lang, *s)
    }
    fn kind(&self, k: &SessionKind) -> &'static str {
        kind_label(self.ctx.t, *k)
    }
    /// The role in the page's language (stored as a code).
    fn role(&self, r: &str) -> &'static str {
        role_label(
            self.ctx.t,
            SpeakerRole::parse(r).unwrap_or(SpeakerRole::Speaker),
        )
    }
}

async fn list_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    ctx: PageCtx,
    admin: &AdminCtx,
    status: StatusCode,
    error: String,
) -> Result<HttpResponse, AppError> {
    let c = admin.congress()?.clone();
    let sessions = with_db(state, ctx.lang, move |conn| svc::list(conn, c.id)).await?;
    let tz = crate::domain::time::parse_time_zone(&c.time_zone).unwrap_or(chrono_tz::UTC);
    let times = sessions
        .iter()
        .filter_map(|s| {
            let (a, b) = (
                s.row.starts_at?.and_utc().with_timezone(&tz),
                s.row.ends_at?.and_utc().with_timezone(&tz),
            );
            Some((
                s.row.id,
                format!(
                    "{} {}–{}",
                    ctx.lang.short_date(a.date_naive()),
                    a.format("%H:%M"),
                    b.format("%H:%M")
                ),
            ))
        })
        .collect();
    page(
        status,
        SessionsPage {
            chrome: Chrome::new(req, admin, "sessions"),
            ctx,
            sessions,
            times,
            error,
        },
    )
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    list_page(&req, &state, ctx, &admin, StatusCode::OK, String::new()).await
}

#[derive(Template)]
#[template(path = "admin/session_form.html")]
struct SessionFormPage {
    ctx: PageCtx,
    chrome: Chrome,
    form: SessionForm,
    errors: Errors,
    editing: Option<SessionId>,
    tracks: Vec<TrackRow>,
    blocks: Vec<(crate::domain::SlotGroupId, String)>,
    speakers: Vec<SpeakerRow>,
    kinds: Vec<(&'static str, &'static str)>,
    roles: Vec<(&'static str, &'static str)>,
}

async fn form_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    ctx: PageCtx,
    admin: &AdminCtx,
    (status, form, errors, editing): (StatusCode, SessionForm, Errors, Option<SessionId>),
) -> Result<HttpResponse, AppError> {
    let id = admin.congress()?.id;
    let (tracks, speakers, blocks) = with_db(state, ctx.lang, move |conn| {
        Ok((
            setup::tracks_of(conn, id)?,
            setup::speakers_of(conn, id)?,
            crate::services::blocks::names(conn, id)?,
        ))
    })
    .await?;
    let t = ctx.t;
    page(
        status,
        SessionFormPage {
            chrome: Chrome::new(req, admin, "sessions"),
            kinds: SessionKind::ALL
                .iter()
                .map(|k| (k.as_str(), kind_label(t, *k)))
                .collect(),
            roles: [
                SpeakerRole::Speaker,
                SpeakerRole::Moderator,
                SpeakerRole::Panelist,
            ]
            .iter()
            .map(|r| (r.as_str(), role_label(t, *r)))
            .collect(),
            ctx,
            form,
            errors,
            editing,
            tracks,
            blocks,
            speakers,
        },
    )
}

pub async fn new_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    let form = SessionForm {
        kind: SessionKind::Talk.to_string(),
        language: "de".into(),
        ..Default::default()
    }
    .with_blank_rows();
    form_page(
        &req,
        &state,
        ctx,
        &admin,
        (StatusCode::OK, form, Errors::default(), None),
    )
    .await
}

fn refused(
    ctx: &PageCtx,
    e: ServiceError,
    errors: &mut Errors,
    names: &HashMap<SpeakerId, String>,
) -> Result<(), AppError> {
    match e {
        ServiceError::Invalid {
            field: "capacity",
            message,
        } => errors.add(
            "capacity",
            match ctx.lang {
                Lang::De => {
                    format!("Schon {message} Personen sind angemeldet: weniger Plätze gehen nicht.")
                }
                Lang::En => {
                    format!("{message} people are enrolled already: there cannot be fewer seats.")
                }
            },
        ),
        ServiceError::Invalid {
            field: "block",
            message,
        } => errors.add(
            "block",
            if message == "unknown" {
                ctx.t.a.err_required.to_string()
            } else {
                crate::i18n::blocks::ranked_names_it(ctx.lang, &message)
            },
        ),
        ServiceError::Invalid { field, .. } => errors.add(
            if field == "track" {
                "track"
            } else {
                "speakers"
            },
            ctx.t.a.err_required,
        ),
        ServiceError::Refused(conflicts) => {
            for m in conflict_messages(ctx.lang, &conflicts, names, NAMED_CONFLICTS) {
                errors.add("speakers", m);
            }
        }
        other => return Err(AppError::from_service(ctx.lang, other)),
    }
    Ok(())
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    form: web::Form<FormMap>,
) -> Result<HttpResponse, AppError> {
    submit(req, state, ctx, admin, None, form).await
}

/// Create (`sid` is `None`) or update a session from the form: back to the list when saved,
/// otherwise the form again with the input kept and the messages beside their fields.
async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    sid: Option<SessionId>,
    form: web::Form<FormMap>,
) -> Result<HttpResponse, AppError> {
    let form = SessionForm::from_form(&form);
    let mut errors = match Rejected::of(&req).combine(ctx.lang, form.parse(&ctx)) {
        Ok(input) => {
            let (id, actor) = (admin.congress()?.id, Actor::Organizer(admin.viewer()?.id));
            let mail = state.ctx.clone();
            let saved = with_db(&state, ctx.lang, move |conn| {
                Ok(match sid {
                    None => svc::create(conn, id, &input, actor).map(drop),
                    Some(sid) => svc::update(conn, &mail, id, sid, &input, actor).map(drop),
                })
            })
            .await?;
            match saved {
                Ok(()) => {
                    return Ok(see_other(&format!(
                        "/admin/{}/sessions?saved=1",
                        admin.congress()?.slug
                    )))
                }
                Err(e) => {
                    let mut errors = Errors::default();
                    let conflict = matches!(e, ServiceError::Refused(_));
                    let names = names_for(&state, &ctx, admin.congress()?.id, conflict).await?;
                    refused(&ctx, e, &mut errors, &names)?;
                    errors
                }
            }
        }
        Err(errors) => errors,
    };
    errors.add("page", ctx.t.a.form_has_errors);
    form_page(&req, &state, ctx, &admin, (INVALID, form, errors, sid)).await
}

pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    sid: Id<key::Session>,
) -> Result<HttpResponse, AppError> {
    let sid = sid.get();
    let id = admin.congress()?.id;
    let (row, speakers) = with_db(&state, ctx.lang, move |conn| svc::get(conn, id, sid)).await?;
    form_page(
        &req,
        &state,
        ctx,
        &admin,
        (
            StatusCode::OK,
            SessionForm::of(&row, &speakers),
            Errors::default(),
            Some(sid),
        ),
    )
    .await
}

pub async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    sid: Id<key::Session>,
    form: web::Form<FormMap>,
) -> Result<HttpResponse, AppError> {
    submit(req, state, ctx, admin, Some(sid.get()), form).await
}

async fn action(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    sid: Id<key::Session>,
    f: fn(&mut crate::db::DbConnection, CongressId, SessionId, Actor) -> Result<(), ServiceError>,
) -> Result<HttpResponse, AppError> {
    let sid = sid.get();
    let (id, actor) = (admin.congress()?.id, Actor::Organizer(admin.viewer()?.id));
    match with_db(&state, ctx.lang, move |conn| Ok(f(conn, id, sid, actor))).await? {
        Ok(()) => Ok(see_other(&format!(
            "/admin/{}/sessions?saved=1",
            admin.congress()?.slug
        ))),
        Err(ServiceError::Conflict(_)) => {
            let msg = ctx.t.a.err_in_use.to_string();
            list_page(&req, &state, ctx, &admin, StatusCode::CONFLICT, msg).await
        }
        Err(ServiceError::Refused(conflicts)) => {
            let names = names_for(&state, &ctx, id, true).await?;
            let msg = conflict_messages(ctx.lang, &conflicts, &names, NAMED_CONFLICTS).join(" ");
            list_page(&req, &state, ctx, &admin, StatusCode::CONFLICT, msg).await
        }
        Err(e) => Err(AppError::from_service(ctx.lang, e)),
    }
}

pub async fn cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    sid: Id<key::Session>,
) -> Result<HttpResponse, AppError> {
    action(req, state, ctx, admin, sid, svc::cancel).await
}

pub async fn reinstate(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    sid: Id<key::Session>,
) -> Result<HttpResponse, AppError> {
    action(req, state, ctx, admin, sid, svc::reinstate).await
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    sid: Id<key::Session>,
) -> Result<HttpResponse, AppError> {
    action(req, state, ctx, admin, sid, svc::delete).await
}
