//! The one response toolkit of the web layer: rendering a page, the redirect after a POST,
//! running database work off the async threads, and the cache classes every response picks
//! from. Handlers use these and nothing else to answer.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::app::AppState;
use crate::formats::registrations_csv::{self, Export};
use crate::i18n::Lang;
use crate::web::error::AppError;

/// `Cache-Control` values, one per kind of response.
pub mod cache {
    /// Private pages (back office, a participant's or speaker's page, forms with a token):
    /// never stored.
    pub const PRIVATE: &str = "no-store";
    /// Public pages that change on publish: stored, but revalidated on every use.
    pub const REVALIDATE: &str = "no-cache";
    /// Public files that may be a minute old (the stylesheet of a programme).
    pub const MINUTE: &str = "public, max-age=60";
}

/// Status of a form sent back with errors.
pub const INVALID: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// Renders a private page (back office, a participant's or speaker's own page) with `status`
/// (4xx for a form sent back with errors): never cached, and no referrer, since the URL of a
/// private page may carry its token.
pub fn page(status: StatusCode, t: impl Template) -> Result<HttpResponse, AppError> {
    let body = t
        .render()
        .map_err(|e| AppError::Internal(format!("template: {e}")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, cache::PRIVATE))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(body))
}

/// 303 to `location` (after a successful POST).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
}

/// Runs blocking database work on the thread pool with a pooled connection; a service error
/// becomes the page for `lang` (4xx for the user's mistakes, 503 for an outage, 500 for ours).
pub async fn with_db<T, F>(state: &web::Data<AppState>, lang: Lang, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut crate::db::DbConnection) -> Result<T, crate::services::ServiceError>
        + Send
        + 'static,
    T: Send + 'static,
{
    let pool = state.pool.clone();
    web::block(move || {
        let mut conn = crate::db::checkout(&pool)?;
        f(&mut conn).map_err(|e| AppError::from_service(lang, e))
    })
    .await?
}

/// The registrations CSV of congress `slug` as a download (back office and API alike):
/// personal data, so never stored by a cache.
pub fn registrations_csv_download(
    x: &Export,
    tz: chrono_tz::Tz,
    slug: &str,
) -> Result<HttpResponse, AppError> {
    let body =
        registrations_csv::write(x, tz).map_err(|e| AppError::Internal(format!("csv: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{slug}-registrations.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, cache::PRIVATE))
        .body(body))
}
