//! The API's own extractor: the organizer token in `Authorization: Bearer …`, checked against
//! the congress named by `{slug}` before a write handler runs (SPEC §3). Its refusals are
//! problems (RFC 9457), like every other API error.

use actix_web::dev::Payload;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::app::AppState;
use crate::db::rows;
use crate::i18n::Lang;
use crate::services::api_tokens::{self, Bearer};
use crate::services::programme;
use crate::web::api::problem::{ApiError, Problem};
use crate::web::error::AppError;
use crate::web::respond::with_db;

/// An API token of the congress named by `{slug}` (`Authorization: Bearer …`, draft or
/// published congress), checked before the handler runs. No token, or an unknown or revoked
/// one, is a 401 problem; a token of another congress (or of none by that slug) a 403.
pub struct ApiToken {
    pub bearer: Bearer,
    pub congress: rows::Congress,
}

impl ApiToken {
    async fn check(req: HttpRequest) -> Result<ApiToken, ApiError> {
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_string());
        let Some(token) = token else {
            return Err(Problem::new(
                StatusCode::UNAUTHORIZED,
                "This needs an API token of the congress in 'Authorization: Bearer'.",
            )
            .at(&req)
            .into());
        };
        let state = req
            .app_data::<web::Data<AppState>>()
            .ok_or_else(|| AppError::Internal("no app state".into()))?;
        let slug = req
            .match_info()
            .get("slug")
            .ok_or_else(|| AppError::Internal("API token rule on a route without {slug}".into()))?
            .to_string();
        let found = with_db(state, Lang::En, move |conn| {
            let bearer = api_tokens::authenticate(conn, &token)?;
            Ok((bearer, programme::congress_by_slug(conn, &slug)?))
        })
        .await?;
        match found {
            (None, _) => Err(Problem::new(
                StatusCode::UNAUTHORIZED,
                "The API token is unknown or revoked.",
            )
            .at(&req)
            .into()),
            (Some(bearer), Some(congress)) if bearer.congress_id == congress.id => {
                if !bearer.creator_may_use {
                    return Err(Problem::new(
                        StatusCode::FORBIDDEN,
                        "The person who made this API token no longer holds a role in the congress that allows it.",
                    )
                    .kind("token-creator-without-role")
                    .at(&req)
                    .into());
                }
                let reads = matches!(*req.method(), Method::GET | Method::HEAD);
                if bearer.read_only && !reads {
                    return Err(Problem::new(
                        StatusCode::FORBIDDEN,
                        "This API token is for reading only.",
                    )
                    .kind("token-read-only")
                    .at(&req)
                    .into());
                }
                Ok(ApiToken { bearer, congress })
            }
            (Some(_), _) => Err(Problem::new(
                StatusCode::FORBIDDEN,
                "The API token belongs to another congress.",
            )
            .at(&req)
            .into()),
        }
    }
}

impl FromRequest for ApiToken {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<ApiToken, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(ApiToken::check(req.clone()))
    }
}
