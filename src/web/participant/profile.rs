//! `POST /r/{token}/profile`: a person corrects their name, organization, position and notes.
//! A form with errors comes back on the private page as sent (422).

use actix_web::{web, HttpRequest, HttpResponse};

use super::{load_manage, manage_page, page_ctx, ProfileForm, Returned};
use crate::app::AppState;
use crate::domain::profile::Profile;
use crate::services::registration as svc;
use crate::services::{now_utc, ServiceError};
use crate::web::auth::CsrfToken;
use crate::web::error::AppError;
use crate::web::forms::Errors;
use crate::web::page::PageCtx;
use crate::web::respond::{see_other, with_db};

pub async fn save(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    csrf: CsrfToken,
    token: web::Path<String>,
    form: web::Form<ProfileForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (r, _, _) = load_manage(&state, &ctx, &token).await?;
    let sent = form.into_inner();
    let profile = Profile {
        first_name: sent.first_name.clone(),
        last_name: sent.last_name.clone(),
        organization: sent.organization.clone(),
        position: sent.position.clone(),
        dietary: sent.dietary.clone(),
        accessibility: sent.accessibility.clone(),
    };
    let ctx = page_ctx(&req, &r, ctx);
    let t = ctx.t;
    let p = match profile.normalized() {
        Ok(p) => p,
        Err(missing) => {
            let mut e = Errors::default();
            for field in missing {
                e.add(field, t.a.err_required);
            }
            let back = Some(Returned::Profile(sent, e));
            return manage_page(&req, &state, ctx, csrf, token, back).await;
        }
    };
    let id = r.id;
    match with_db(&state, ctx.lang, move |conn| {
        Ok(svc::update_profile(conn, id, &p, now_utc()))
    })
    .await?
    {
        Ok(_) => Ok(see_other(&format!("/r/{token}?done=profile#profile"))),
        Err(ServiceError::Conflict(_)) => {
            let mut e = Errors::default();
            e.add("page", t.pp.not_active);
            let back = Some(Returned::Profile(sent, e));
            manage_page(&req, &state, ctx, csrf, token, back).await
        }
        Err(e) => Err(AppError::from_service(ctx.lang, e)),
    }
}
