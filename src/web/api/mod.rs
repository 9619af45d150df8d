//! The JSON API under `/api/v1` (SPEC §3, issue 6) and the health check (SPEC §1).
//!
//! - `read`: public reads of the published version (congresses, sessions, speakers, rooms).
//! - `write`: organizer API tokens (`Authorization: Bearer`) for session writes and the
//!   registrations of their congress.
//! - `openapi`: the OpenAPI document, generated from the handlers' annotations and the
//!   response types (utoipa), served at `/api/v1/openapi.json`.
//!
//! Every error is RFC 9457 `application/problem+json`.

pub mod openapi;
pub mod read;
pub mod write;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::startup::AppState;

pub use read::{congress, congresses};

/// An RFC 9457 problem detail.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`about:blank` when the status says it all).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request path the problem is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Invalid fields of a request body: (field, message).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Schedule rules a placement would break.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub conflicts: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: detail.into(),
            instance: None,
            errors: vec![],
            conflicts: vec![],
        }
    }

    pub fn kind(mut self, kind: &str) -> Problem {
        self.kind = format!("/api/v1/problems/{kind}");
        self
    }

    pub fn at(mut self, req: &HttpRequest) -> Problem {
        self.instance = Some(req.path().to_string());
        self
    }

    pub fn response(self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = HttpResponse::build(status);
        r.content_type("application/problem+json")
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((header::CACHE_CONTROL, "no-store"));
        if status == StatusCode::UNAUTHORIZED {
            r.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"kongress\""));
        }
        r.body(serde_json::to_string(&self).unwrap_or_default())
    }
}

fn json<T: Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(value)
}

fn internal(e: crate::error::AppError) -> HttpResponse {
    if let crate::error::AppError::Unavailable(cause) = &e {
        tracing::warn!(error = %cause, "api request: database unavailable");
        let mut r = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "The database is unavailable; please retry shortly.",
        )
        .response();
        r.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(crate::error::RETRY_AFTER_SECONDS),
        );
        return r;
    }
    tracing::error!(error = %e, "api request failed");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The request could not be completed.",
    )
    .response()
}

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
            crate::error::RETRY_AFTER_SECONDS.to_string(),
        ));
        r
    };
    res.insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("application/json")
        .body(body.to_string())
}
