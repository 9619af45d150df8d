//! Publishing with a preview, the audit log and the team of a congress.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::time::parse_time_zone;
use crate::services::audit::Actor;
use crate::services::history::{self, AuditEntry};
use crate::services::organizers::{self, Member};
use crate::services::{publish, ServiceError};
use crate::web::admin::kit::Chrome;
use crate::web::auth::AdminCtx;
use crate::web::error::AppError;
use crate::web::extract::{key, Id};
use crate::web::input::Rejected;
use crate::web::page::PageCtx;
use crate::web::respond::with_db;
use crate::web::respond::{page, see_other, INVALID};
use crate::web::views::change_text;

#[derive(Template)]
#[template(path = "admin/publish.html")]
struct PublishPage {
    ctx: PageCtx,
    chrome: Chrome,
    changes: Vec<String>,
    version: Option<i32>,
    published: bool,
    /// After publishing: speaker links and change digests queued.
    links: usize,
    digests: usize,
}

pub async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    let c = admin.congress()?.clone();
    let tz = parse_time_zone(&c.time_zone).unwrap_or(chrono_tz::UTC);
    let id = c.id;
    let (changes, versions) = with_db(&state, ctx.lang, move |conn| {
        Ok((publish::preview(conn, id)?, history::versions(conn, id)?))
    })
    .await?;
    page(
        StatusCode::OK,
        PublishPage {
            chrome: Chrome::new(&req, &admin, "schedule"),
            changes: changes
                .iter()
                .map(|ch| change_text(ctx.lang, tz, ch))
                .collect(),
            version: versions.first().map(|v| v.number),
            published: req.query_string().contains("saved=1"),
            links: query_number(req.query_string(), "links"),
            digests: query_number(req.query_string(), "digests"),
            ctx,
        },
    )
}

fn query_number(query: &str, name: &str) -> usize {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

pub async fn publish_now(
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    let c = admin.congress()?.clone();
    let actor = Actor::Organizer(admin.viewer()?.id);
    let id = c.id;
    let mail = state.ctx.clone();
    let p = with_db(&state, ctx.lang, move |conn| {
        publish::publish(conn, id, actor, Some(&mail))
    })
    .await?;
    let n = &p.notified;
    Ok(see_other(&format!(
        "/admin/{}/publish?saved=1&links={}&digests={}",
        c.slug,
        n.speaker_links,
        n.speaker_digests + n.participant_digests
    )))
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    ctx: PageCtx,
    chrome: Chrome,
    entries: Vec<AuditEntry>,
    kinds: Vec<String>,
    kind: String,
    page_no: i64,
    more: bool,
    tz: chrono_tz::Tz,
}

impl AuditPage {
    fn when(&self, at: &chrono::NaiveDateTime) -> String {
        at.and_utc()
            .with_timezone(&self.tz)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }
}

#[derive(Deserialize)]
pub struct AuditQuery {
    kind: Option<String>,
    page: Option<i64>,
}

pub async fn audit(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let c = admin.congress()?.clone();
    let kind = q.kind.clone().filter(|k| !k.is_empty());
    let page_no = q.page.unwrap_or(0).max(0);
    let (id, k) = (c.id, kind.clone());
    let (entries, kinds, more) = with_db(&state, ctx.lang, move |conn| {
        history::audit(conn, id, k.as_deref(), page_no)
    })
    .await?;
    page(
        StatusCode::OK,
        AuditPage {
            chrome: Chrome::new(&req, &admin, "audit"),
            tz: parse_time_zone(&c.time_zone).unwrap_or(chrono_tz::UTC),
            ctx,
            entries,
            kinds,
            kind: kind.unwrap_or_default(),
            page_no,
            more,
        },
    )
}

#[derive(Template)]
#[template(path = "admin/team.html")]
struct TeamPage {
    ctx: PageCtx,
    chrome: Chrome,
    members: Vec<Member>,
    email: String,
    error: String,
}

impl TeamPage {
    fn role(&self, r: &str) -> &'static str {
        crate::web::admin::kit::role_label(self.ctx.t.a, r)
    }
}

async fn team_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    ctx: PageCtx,
    admin: &AdminCtx,
    status: StatusCode,
    email: String,
    error: String,
) -> Result<HttpResponse, AppError> {
    let id = admin.congress()?.id;
    let members = with_db(state, ctx.lang, move |conn| {
        Ok(organizers::team_of(conn, id)?)
    })
    .await?;
    page(
        status,
        TeamPage {
            chrome: Chrome::new(req, admin, "team"),
            ctx,
            members,
            email,
            error,
        },
    )
}

pub async fn team(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    team_page(
        &req,
        &state,
        ctx,
        &admin,
        StatusCode::OK,
        String::new(),
        String::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

fn team_error(ctx: &PageCtx, e: ServiceError) -> Result<String, AppError> {
    let a = ctx.t.a;
    match e {
        ServiceError::Invalid { field: "email", .. } => Ok(a.err_unknown_organizer.into()),
        ServiceError::Invalid { .. } => Ok(a.err_required.into()),
        ServiceError::Conflict(_) => Ok(a.last_owner.into()),
        other => Err(AppError::from_service(ctx.lang, other)),
    }
}

pub async fn add_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    form: web::Form<MemberForm>,
) -> Result<HttpResponse, AppError> {
    if !Rejected::of(&req).is_empty() {
        let msg = ctx.t.control_in_field.to_string();
        let email = form.email.clone();
        return team_page(&req, &state, ctx, &admin, INVALID, email, msg).await;
    }
    let c = admin.congress()?.clone();
    let actor = admin.viewer()?.id;
    let (email, role) = (form.email.clone(), form.role.clone());
    match with_db(&state, ctx.lang, move |conn| {
        Ok(organizers::set_member(conn, c.id, &email, &role, actor))
    })
    .await?
    {
        Ok(()) => Ok(see_other(&format!("/admin/{}/team?saved=1", c.slug))),
        Err(e) => {
            let msg = team_error(&ctx, e)?;
            team_page(
                &req,
                &state,
                ctx,
                &admin,
                StatusCode::UNPROCESSABLE_ENTITY,
                form.email.clone(),
                msg,
            )
            .await
        }
    }
}

pub async fn remove_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    member: Id<key::Member>,
) -> Result<HttpResponse, AppError> {
    let member = member.get();
    let c = admin.congress()?.clone();
    let actor = admin.viewer()?.id;
    match with_db(&state, ctx.lang, move |conn| {
        Ok(organizers::remove_member(conn, c.id, member, actor))
    })
    .await?
    {
        Ok(()) => Ok(see_other(&format!("/admin/{}/team?saved=1", c.slug))),
        Err(e) => {
            let msg = team_error(&ctx, e)?;
            team_page(
                &req,
                &state,
                ctx,
                &admin,
                StatusCode::CONFLICT,
                String::new(),
                msg,
            )
            .await
        }
    }
}
