//! Data protection of a congress (owner): how long participants' personal data is kept after
//! the congress, and the dry run of what the retention sweep removes and when.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::services::audit::Actor;
use crate::services::retention::{self as svc, Plan};
use crate::services::{now_utc, ServiceError};
use crate::web::admin::kit::{zone, Chrome};
use crate::web::auth::AdminCtx;
use crate::web::error::AppError;
use crate::web::input::Rejected;
use crate::web::page::PageCtx;
use crate::web::respond::{page, see_other, with_db, INVALID};

#[derive(Template)]
#[template(path = "admin/privacy.html")]
struct PrivacyPage {
    ctx: PageCtx,
    chrome: Chrome,
    days: String,
    error: String,
    saved: bool,
    last_day: String,
    deadline: String,
    plan: Plan,
    min_days: i32,
    max_days: i32,
}

async fn render(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    ctx: PageCtx,
    admin: &AdminCtx,
    status: StatusCode,
    form: (String, String),
) -> Result<HttpResponse, AppError> {
    let c = admin.congress()?.clone();
    let tz = zone(admin)?;
    let (days, error) = form;
    let last_day = ctx.lang.short_date(c.last_day);
    let plan = with_db(state, ctx.lang, move |conn| {
        Ok(svc::plan(conn, &c, now_utc())?)
    })
    .await?;
    let local = plan.deadline.and_utc().with_timezone(&tz);
    let deadline = format!(
        "{} {}",
        ctx.lang.short_date(local.date_naive()),
        local.format("%H:%M")
    );
    page(
        status,
        PrivacyPage {
            chrome: Chrome::new(req, admin, "privacy"),
            saved: req.query_string() == "saved=1",
            ctx,
            days,
            error,
            last_day,
            deadline,
            plan,
            min_days: *svc::DAYS.start(),
            max_days: *svc::DAYS.end(),
        },
    )
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    let days = admin.congress()?.retention_days.to_string();
    render(
        &req,
        &state,
        ctx,
        &admin,
        StatusCode::OK,
        (days, String::new()),
    )
    .await
}

#[derive(Deserialize)]
pub struct DaysForm {
    #[serde(default)]
    retention_days: String,
}

pub async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    form: web::Form<DaysForm>,
) -> Result<HttpResponse, AppError> {
    let typed = form.into_inner().retention_days;
    let a = ctx.t.a;
    let refused = |ctx: PageCtx, message: String| {
        let typed = typed.clone();
        let (req, state, admin) = (&req, &state, &admin);
        async move { render(req, state, ctx, admin, INVALID, (typed, message)).await }
    };
    if !Rejected::of(&req).is_empty() {
        let m = ctx.t.control_in_field.to_string();
        return refused(ctx, m).await;
    }
    let Ok(days) = typed.trim().parse::<i32>() else {
        let m = a.retention_days_invalid.to_string();
        return refused(ctx, m).await;
    };
    let (id, actor) = (admin.congress()?.id, Actor::Organizer(admin.viewer()?.id));
    match with_db(&state, ctx.lang, move |conn| {
        Ok(svc::set_days(conn, id, days, actor))
    })
    .await?
    {
        Ok(()) => Ok(see_other(&format!(
            "/admin/{}/privacy?saved=1",
            admin.congress()?.slug
        ))),
        Err(ServiceError::Invalid { .. }) => {
            let m = a.retention_days_invalid.to_string();
            refused(ctx, m).await
        }
        Err(e) => Err(AppError::from_service(ctx.lang, e)),
    }
}
