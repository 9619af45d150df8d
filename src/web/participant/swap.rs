//! Swapping workshops of one block on the private page: a seat free in the wanted workshop is
//! taken and the held one released at once; otherwise the person waits for it and keeps their
//! seat until one frees.

use actix_web::{web, HttpResponse};

use crate::app::AppState;
use crate::domain::SessionId;
use crate::services::registration::{self as svc, SeatOutcome};
use crate::services::{now_utc, ServiceError};
use crate::web::error::AppError;
use crate::web::forms::FormMap;
use crate::web::page::PageCtx;
use crate::web::respond::{see_other, with_db};

/// `POST /r/{token}/swap`: `session` (wanted) and `with` (the seat given up for it).
pub async fn swap(
    state: web::Data<AppState>,
    ctx: PageCtx,
    token: web::Path<String>,
    form: web::Form<FormMap>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t = token.clone();
    let r = with_db(&state, ctx.lang, move |conn| svc::by_manage_token(conn, &t))
        .await?
        .ok_or(AppError::NotFound(ctx.lang))?;
    let id = |name: &str| {
        form.get(name)
            .parse::<SessionId>()
            .map_err(|_| AppError::BadRequest(ctx.lang, ctx.t.a.err_required.into()))
    };
    let (session, with) = (id("session")?, id("with")?);
    let (rid, mail) = (r.id, state.ctx.clone());
    let outcome = with_db(&state, ctx.lang, move |conn| {
        Ok(svc::participant_swap(
            conn,
            &mail,
            rid,
            session,
            with,
            now_utc(),
        ))
    })
    .await?;
    let done = match outcome {
        Ok(SeatOutcome::Enrolled) => "swapped",
        Ok(SeatOutcome::Waitlisted(_)) => "swap_waiting",
        // A repeat of a swap already made or waiting.
        Ok(SeatOutcome::Already) => "swap_waiting",
        Ok(SeatOutcome::NotAttending) => "not_attending",
        Ok(SeatOutcome::Overlaps(_)) | Ok(SeatOutcome::SwapOffered { .. }) => "overlap",
        Ok(SeatOutcome::NotOffered) => return Err(AppError::NotFound(ctx.lang)),
        Err(ServiceError::Conflict(_)) => {
            return Err(AppError::Forbidden(
                ctx.lang,
                ctx.t.not_confirmed_yet.into(),
            ))
        }
        Err(e) => return Err(AppError::from_service(ctx.lang, e)),
    };
    Ok(see_other(&format!("/r/{token}?done={done}#workshops")))
}
