//! Ranked-preference allocation of slot groups (issue 7): mode and deadline per group, a
//! preview with its figures for a seed, and the commit.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::time::local_to_utc;
use crate::domain::SlotGroupId;
use crate::services::allocation::{self as svc, GroupSettings, Preview};
use crate::services::audit::Actor;
use crate::services::ServiceError;
use crate::web::admin::kit::zone;
use crate::web::admin::kit::Chrome;
use crate::web::auth::AdminCtx;
use crate::web::error::AppError;
use crate::web::extract::{key, Id};
use crate::web::page::PageCtx;
use crate::web::respond::with_db;
use crate::web::respond::{page, see_other};

#[derive(Template)]
#[template(path = "admin/allocation.html")]
struct AllocationPage {
    ctx: PageCtx,
    chrome: Chrome,
    tz: Tz,
    groups: Vec<GroupSettings>,
    /// The group previewed, with its result.
    preview: Option<(SlotGroupId, Preview)>,
    seed: u64,
    message: String,
    /// A settings form that came back: its group, the input as sent, the messages.
    failed: Option<(SlotGroupId, ModeForm, Vec<String>)>,
}

impl AllocationPage {
    fn local(&self, t: &Option<NaiveDateTime>) -> String {
        t.map(|t| {
            t.and_utc()
                .with_timezone(&self.tz)
                .format("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default()
    }

    fn shown(&self, t: &Option<NaiveDateTime>) -> String {
        t.map(|t| {
            let l = t.and_utc().with_timezone(&self.tz);
            format!(
                "{} {}",
                self.ctx.lang.short_date(l.date_naive()),
                l.format("%H:%M")
            )
        })
        .unwrap_or_else(|| "–".into())
    }

    /// The mode form's values for `g`: as sent when it came back, otherwise as stored.
    fn mode_of(&self, g: &GroupSettings) -> String {
        match &self.failed {
            Some((id, f, _)) if *id == g.id => f.mode.clone(),
            _ => g.mode.clone(),
        }
    }
    fn depth_of(&self, g: &GroupSettings) -> String {
        match &self.failed {
            Some((id, f, _)) if *id == g.id => f.rank_depth.clone(),
            _ => g.rank_depth.to_string(),
        }
    }
    fn deadline_of(&self, g: &GroupSettings) -> String {
        match &self.failed {
            Some((id, f, _)) if *id == g.id => f.deadline.clone(),
            _ => self.local(&g.deadline),
        }
    }
    fn errors_of(&self, g: &GroupSettings) -> Vec<String> {
        match &self.failed {
            Some((id, _, e)) if *id == g.id => e.clone(),
            _ => vec![],
        }
    }

    fn seated_text(&self, n: &usize) -> String {
        crate::i18n::blocks::seated_before(self.ctx.lang, *n)
    }

    fn percent(&self, n: &usize, p: &Preview) -> String {
        let total = p.problem.registrations.len().max(1);
        format!("{:.0} %", 100.0 * *n as f64 / total as f64)
    }
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    group: Option<SlotGroupId>,
    seed: Option<String>,
}

fn fresh_seed() -> u64 {
    use rand::RngCore;
    rand::rngs::OsRng.next_u64() % 1_000_000_000
}

pub async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    q: web::Query<PreviewQuery>,
) -> Result<HttpResponse, AppError> {
    render(&req, &state, ctx, &admin, q.into_inner(), None).await
}

async fn render(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    ctx: PageCtx,
    admin: &AdminCtx,
    q: PreviewQuery,
    failed: Option<(SlotGroupId, ModeForm, Vec<String>)>,
) -> Result<HttpResponse, AppError> {
    let id = admin.congress()?.id;
    let seed = q
        .seed
        .as_deref()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or_else(fresh_seed);
    let group = q.group;
    let (groups, preview) = with_db(state, ctx.lang, move |conn| {
        let groups = svc::groups(conn, id)?;
        let preview = match group {
            Some(g)
                if groups
                    .iter()
                    .any(|x| x.id == g && x.mode == "ranked" && x.allocated_at.is_none()) =>
            {
                Some((g, svc::preview(conn, id, g, seed)?))
            }
            _ => None,
        };
        Ok((groups, preview))
    })
    .await?;
    let message = match req.query_string() {
        q if q.contains("done=committed") => ctx.t.a.alloc_committed.to_string(),
        q if q.contains("done=mode") => ctx.t.a.saved.to_string(),
        _ => String::new(),
    };
    page(
        if failed.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        AllocationPage {
            chrome: Chrome::new(req, admin, "allocation"),
            tz: zone(admin)?,
            ctx,
            groups,
            preview,
            seed,
            message,
            failed,
        },
    )
}

#[derive(Deserialize, Clone, Default)]
pub struct ModeForm {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    rank_depth: String,
    #[serde(default)]
    deadline: String,
}

pub async fn set_mode(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    group: Id<key::Group>,
    form: web::Form<ModeForm>,
) -> Result<HttpResponse, AppError> {
    let group = group.get();
    let (id, actor) = (admin.congress()?.id, Actor::Organizer(admin.viewer()?.id));
    let tz = zone(&admin)?;
    let f = form.into_inner();
    let mut errors = vec![];
    let depth = match f.rank_depth.trim().parse::<i32>() {
        Ok(d) if (1..=5).contains(&d) => d,
        _ => {
            errors.push(ctx.t.blk.err_depth.to_string());
            3
        }
    };
    if !matches!(f.mode.as_str(), "fcfs" | "ranked") {
        errors.push(ctx.t.a.err_required.to_string());
    }
    let deadline = match f.deadline.trim() {
        "" => None,
        v => NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
            .ok()
            .and_then(|l| local_to_utc(tz, l.date(), l.time()).ok())
            .map(|t| t.naive_utc())
            .or_else(|| {
                errors.push(ctx.t.a.err_datetime.to_string());
                None
            }),
    };
    if errors.is_empty() {
        let mode = f.mode.clone();
        let saved = with_db(&state, ctx.lang, move |conn| {
            Ok(svc::set_mode(
                conn, id, group, &mode, depth, deadline, actor,
            ))
        })
        .await?;
        match saved {
            Ok(()) => {
                return Ok(see_other(&format!(
                    "/admin/{}/allocation?done=mode#g{group}",
                    admin.congress()?.slug
                )))
            }
            Err(ServiceError::Conflict(_)) => errors.push(ctx.t.a.alloc_already.to_string()),
            Err(e) => return Err(AppError::from_service(ctx.lang, e)),
        }
    }
    let q = PreviewQuery {
        group: None,
        seed: None,
    };
    render(&req, &state, ctx, &admin, q, Some((group, f, errors))).await
}

#[derive(Deserialize)]
pub struct CommitForm {
    #[serde(default)]
    seed: String,
}

pub async fn commit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    group: Id<key::Group>,
    form: web::Form<CommitForm>,
) -> Result<HttpResponse, AppError> {
    let group = group.get();
    let (id, actor) = (admin.congress()?.id, Actor::Organizer(admin.viewer()?.id));
    let seed: u64 = form
        .seed
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest(ctx.lang, "seed".into()))?;
    let mail = state.ctx.clone();
    let done = with_db(&state, ctx.lang, move |conn| {
        Ok(svc::commit(conn, &mail, id, group, seed, actor))
    })
    .await?;
    match done {
        Ok(_) => Ok(see_other(&format!(
            "/admin/{}/allocation?done=committed#g{group}",
            admin.congress()?.slug
        ))),
        Err(ServiceError::Conflict(_)) => Err(AppError::BadRequest(
            ctx.lang,
            ctx.t.a.alloc_already.to_string(),
        )),
        Err(e) => Err(AppError::from_service(ctx.lang, e)),
    }
}
