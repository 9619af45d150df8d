//! The days a person attends, changed on their private page: stored at once when no workshop
//! seat lies on a day given up, otherwise after a confirmation page that names the seats.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use crate::app::AppState;
use crate::services::registration::{self as svc, DaysChange};
use crate::services::{now_utc, ServiceError};
use crate::web::auth::CsrfToken;
use crate::web::error::AppError;
use crate::web::forms::FormMap;
use crate::web::page::PageCtx;
use crate::web::respond::{page, see_other, with_db};

#[derive(Template)]
#[template(path = "participant/days_confirm.html")]
struct ConfirmPage {
    ctx: PageCtx,
    csrf: String,
    token: String,
    days: Vec<String>,
    titles: Vec<String>,
}

/// `POST /r/{token}/days`: `days` (repeated), and `confirm` once the person saw what goes.
pub async fn change(
    state: web::Data<AppState>,
    ctx: PageCtx,
    csrf: CsrfToken,
    token: web::Path<String>,
    form: web::Form<FormMap>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t = token.clone();
    let r = with_db(&state, ctx.lang, move |conn| svc::by_manage_token(conn, &t))
        .await?
        .ok_or(AppError::NotFound(ctx.lang))?;
    let mut days = vec![];
    for d in form.all("days") {
        match d.parse::<NaiveDate>() {
            Ok(d) => days.push(d),
            Err(_) => return Err(AppError::BadRequest(ctx.lang, ctx.t.a.err_date.into())),
        }
    }
    if days.is_empty() {
        // Nothing stored; the page says why, its boxes show the days as they are.
        return Ok(see_other(&format!("/r/{token}?done=days_none#days")));
    }
    let confirmed = form.has("confirm");
    let (id, mail) = (r.id, state.ctx.clone());
    let asked = days.clone();
    let outcome = with_db(&state, ctx.lang, move |conn| {
        Ok(svc::change_days(
            conn,
            &mail,
            id,
            &asked,
            confirmed,
            now_utc(),
        ))
    })
    .await?;
    match outcome {
        Ok(DaysChange::Saved { released }) if released.is_empty() => {
            Ok(see_other(&format!("/r/{token}?done=days#days")))
        }
        Ok(DaysChange::Saved { .. }) => {
            Ok(see_other(&format!("/r/{token}?done=days_released#days")))
        }
        Ok(DaysChange::WouldRelease(titles)) => page(
            StatusCode::CONFLICT,
            ConfirmPage {
                ctx,
                csrf: csrf.0,
                token,
                days: days.iter().map(|d| d.to_string()).collect(),
                titles,
            },
        ),
        Err(ServiceError::Invalid { .. }) => Err(AppError::BadRequest(
            ctx.lang,
            ctx.t.blk.days_refused.into(),
        )),
        Err(ServiceError::Conflict(_)) => {
            Err(AppError::Forbidden(ctx.lang, ctx.t.status_cancelled.into()))
        }
        Err(e) => Err(AppError::from_service(ctx.lang, e)),
    }
}
