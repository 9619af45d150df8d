//! An organizer's say over one registration's place: promote it from the congress waiting list
//! (limits respected unless overridden) and change its category. Refusals go back to the
//! registration's page with the reason.

use actix_web::{web, HttpResponse};

use crate::app::AppState;
use crate::domain::seats::WaitlistReason;
use crate::domain::CategoryId;
use crate::services::now_utc;
use crate::services::registration::{self as svc, PlaceRefused};
use crate::web::auth::AdminCtx;
use crate::web::error::AppError;
use crate::web::extract::{key, Id};
use crate::web::forms::FormMap;
use crate::web::page::PageCtx;
use crate::web::respond::{see_other, with_db};

fn back(
    admin: &AdminCtx,
    rid: crate::domain::RegistrationId,
    done: Result<(), PlaceRefused>,
) -> Result<HttpResponse, AppError> {
    let slug = &admin.congress()?.slug;
    let query = match done {
        Ok(()) => "saved=1",
        Err(PlaceRefused::Full(WaitlistReason::CongressFull)) => "refused=congress",
        Err(PlaceRefused::Full(WaitlistReason::CategoryFull)) => "refused=category",
        Err(PlaceRefused::NotWaiting) => "refused=not_waiting",
    };
    Ok(see_other(&format!(
        "/admin/{slug}/registrations/{rid}?{query}"
    )))
}

/// `POST …/registrations/{registration}/promote`, with `override` to go beyond the limits.
pub async fn promote(
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    rid: Id<key::Registration>,
    form: web::Form<FormMap>,
) -> Result<HttpResponse, AppError> {
    let rid = rid.get();
    let (congress, organizer) = (admin.congress()?.id, admin.viewer()?.id);
    let over = form.has("override");
    let mail = state.ctx.clone();
    let done = with_db(&state, ctx.lang, move |conn| {
        svc::promote_registration(conn, &mail, congress, rid, over, organizer, now_utc())
    })
    .await?;
    back(&admin, rid, done)
}

/// `POST …/registrations/{registration}/category` with `category`.
pub async fn category(
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    rid: Id<key::Registration>,
    form: web::Form<FormMap>,
) -> Result<HttpResponse, AppError> {
    let rid = rid.get();
    let (congress, organizer) = (admin.congress()?.id, admin.viewer()?.id);
    let category: CategoryId = form
        .get("category")
        .parse()
        .map_err(|_| AppError::BadRequest(ctx.lang, ctx.t.a.err_required.into()))?;
    let mail = state.ctx.clone();
    let done = with_db(&state, ctx.lang, move |conn| {
        svc::change_category(conn, &mail, congress, rid, category, organizer, now_utc())
    })
    .await?;
    back(&admin, rid, done)
}
