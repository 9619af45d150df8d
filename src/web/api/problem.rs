//! How the API answers: JSON bodies, and every error as RFC 9457 `application/problem+json`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

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

pub fn json<T: Serialize>(value: &T) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(value)
}

pub fn internal(e: crate::web::error::AppError) -> HttpResponse {
    if let crate::web::error::AppError::Unavailable(cause) = &e {
        tracing::warn!(error = %cause, "api request: database unavailable");
        let mut r = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "The database is unavailable; please retry shortly.",
        )
        .response();
        r.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(crate::web::error::RETRY_AFTER_SECONDS),
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
