//! API tokens of a congress (owner): create (shown once), list, revoke.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use serde::Deserialize;

use crate::app::AppState;
use crate::services::api_tokens::{self as svc, TokenRow};
use crate::services::audit::Actor;
use crate::services::ServiceError;
use crate::web::admin::kit::zone;
use crate::web::admin::kit::Chrome;
use crate::web::auth::AdminCtx;
use crate::web::error::AppError;
use crate::web::extract::{key, Id};
use crate::web::input::Rejected;
use crate::web::page::PageCtx;
use crate::web::respond::with_db;
use crate::web::respond::{page, see_other};

#[derive(Template)]
#[template(path = "admin/api_tokens.html")]
struct TokensPage {
    ctx: PageCtx,
    chrome: Chrome,
    tz: Tz,
    tokens: Vec<TokenRow>,
    /// A token just created: shown this once.
    new_token: String,
    name: String,
    error: String,
    base_url: String,
}

impl TokensPage {
    fn at_time(&self, t: &NaiveDateTime) -> String {
        self.at(&Some(*t))
    }

    fn at(&self, t: &Option<NaiveDateTime>) -> String {
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
}

/// What the page shows besides the list: a token just made, or the refused name.
#[derive(Default)]
struct Shown {
    new_token: String,
    name: String,
    error: String,
}

async fn render(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    ctx: PageCtx,
    admin: &AdminCtx,
    status: StatusCode,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let Shown {
        new_token,
        name,
        error,
    } = shown;
    let id = admin.congress()?.id;
    let tokens = with_db(state, ctx.lang, move |conn| Ok(svc::list(conn, id)?)).await?;
    page(
        status,
        TokensPage {
            chrome: Chrome::new(req, admin, "api-tokens"),
            tz: zone(admin)?,
            ctx,
            tokens,
            new_token,
            name,
            error,
            base_url: state.settings.base_url.clone(),
        },
    )
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    render(&req, &state, ctx, &admin, StatusCode::OK, Shown::default()).await
}

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    name: String,
    #[serde(default)]
    read_only: Option<String>,
}

/// Creates a token and shows it once, on this answer (never stored in clear).
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    form: web::Form<NewToken>,
) -> Result<HttpResponse, AppError> {
    let (id, organizer) = (admin.congress()?.id, admin.viewer()?.id);
    let form = form.into_inner();
    let read_only = crate::web::forms::checkbox(&form.read_only);
    let name = form.name;
    if !Rejected::of(&req).is_empty() {
        let error = ctx.t.control_in_field.to_string();
        let shown = Shown {
            name,
            error,
            ..Default::default()
        };
        return render(
            &req,
            &state,
            ctx,
            &admin,
            StatusCode::UNPROCESSABLE_ENTITY,
            shown,
        )
        .await;
    }
    let n = name.clone();
    let made = with_db(&state, ctx.lang, move |conn| {
        Ok(svc::create(conn, id, organizer, &n, read_only))
    })
    .await?;
    match made {
        Ok((_, token)) => {
            render(
                &req,
                &state,
                ctx,
                &admin,
                StatusCode::OK,
                Shown {
                    new_token: token,
                    ..Default::default()
                },
            )
            .await
        }
        Err(ServiceError::Invalid { .. }) => {
            let msg = ctx.t.a.err_required.to_string();
            render(
                &req,
                &state,
                ctx,
                &admin,
                StatusCode::UNPROCESSABLE_ENTITY,
                Shown {
                    name,
                    error: msg,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(AppError::from_service(ctx.lang, e)),
    }
}

pub async fn revoke(
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    token: Id<key::Token>,
) -> Result<HttpResponse, AppError> {
    let token = token.get();
    let (id, actor) = (admin.congress()?.id, Actor::Organizer(admin.viewer()?.id));
    with_db(&state, ctx.lang, move |conn| {
        svc::revoke(conn, id, token, actor)
    })
    .await?;
    Ok(see_other(&format!(
        "/admin/{}/api-tokens?saved=1",
        admin.congress()?.slug
    )))
}
