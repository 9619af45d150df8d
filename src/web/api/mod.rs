//! The JSON API under `/api/v1` (SPEC §3, issue 6) and the health check (SPEC §1).
//!
//! - `read`: public reads of the published version (congresses, sessions, speakers, rooms).
//! - `write`: organizer API tokens (`Authorization: Bearer`, checked by the `ApiToken`
//!   extractor) for session writes and the registrations of their congress.
//! - `openapi`: the OpenAPI document, generated from the handlers' annotations and the
//!   response types (utoipa), served at `/api/v1/openapi.json`.
//!
//! Every error is RFC 9457 `application/problem+json`: handlers return `Result<_, ApiError>`.

pub mod openapi;
pub mod problem;
pub mod read;
pub mod token;
pub mod write;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::app::AppState;

pub use problem::Problem;
pub use read::{congress, congresses};

/// Unknown paths under `/api/`: a problem, not the HTML 404 page.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    Problem::new(StatusCode::NOT_FOUND, "No such API resource.")
        .at(&req)
        .response()
}

/// `GET /healthz`: 200 when the database answers a query on our schema and takes a write,
/// 503 otherwise; the body names the part that failed.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let health = web::block(move || crate::db::health::check(&pool))
        .await
        .unwrap_or(crate::db::health::Health {
            database: Err("unknown"),
            writable: Err("unknown"),
        });
    let part = |p: crate::db::health::Part| p.err().unwrap_or("ok");
    let body = serde_json::json!({
        "status": if health.is_ok() { "ok" } else { "error" },
        "database": part(health.database),
        "writable": part(health.writable),
    });
    let mut res = if health.is_ok() {
        HttpResponse::Ok()
    } else {
        let mut r = HttpResponse::ServiceUnavailable();
        r.insert_header((
            header::RETRY_AFTER,
            crate::web::error::RETRY_AFTER_SECONDS.to_string(),
        ));
        r
    };
    res.insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("application/json")
        .body(body.to_string())
}
