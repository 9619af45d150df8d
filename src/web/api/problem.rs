//! How the API answers: JSON bodies, and every error as RFC 9457 `application/problem+json`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::web::error::AppError;

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
        self.to_response()
    }

    fn to_response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = HttpResponse::build(status);
        r.content_type("application/problem+json")
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((header::CACHE_CONTROL, "no-store"));
        if status == StatusCode::UNAUTHORIZED {
            r.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"kongress\""));
        }
        // Only a database outage answers 503: the client may retry after the pool recovers.
        if status == StatusCode::SERVICE_UNAVAILABLE {
            r.insert_header((
                header::RETRY_AFTER,
                crate::web::error::RETRY_AFTER_SECONDS.to_string(),
            ));
        }
        r.body(serde_json::to_string(self).unwrap_or_default())
    }
}

/// What an API handler answers instead of what was asked for: a problem document. The
/// handlers return `Result<HttpResponse, ApiError>` and use `?`, as page handlers do with
/// `AppError`.
#[derive(Debug)]
pub struct ApiError(Box<Problem>);

impl From<Problem> for ApiError {
    fn from(p: Problem) -> ApiError {
        ApiError(Box::new(p))
    }
}

/// Our failures: 503 (with `Retry-After`) when the database is unavailable, 500 otherwise; the
/// cause goes to the log, not to the client.
impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        if let AppError::Unavailable(cause) = &e {
            tracing::warn!(error = %cause, "api request: database unavailable");
            return Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is unavailable; please retry shortly.",
            )
            .into();
        }
        tracing::error!(error = %e, "api request failed");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The request could not be completed.",
        )
        .into()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.0.status, self.0.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        self.0.to_response()
    }
}

/// A JSON answer with personal data (the registrations): never stored by a cache, and no
/// `Access-Control-Allow-Origin`, so no other site's script can read it with a token it got
/// hold of.
pub fn private_json<T: Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(value)
}

pub fn json<T: Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(value)
}
