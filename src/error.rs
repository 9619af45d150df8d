//! One error type for the web layer, with the rule of who is at fault: the user's mistakes are
//! 4xx pages in their language; ours are a generic 500 page, and the cause chain goes to the log
//! (with ids, never personal data).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::i18n::Lang;
use crate::services::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound(Lang),
    #[error("bad request: {1}")]
    BadRequest(Lang, String),
    #[error("forbidden: {1}")]
    Forbidden(Lang, String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A request body above its limit (the visitor's doing: a short page, nothing logged).
    #[error("request body too large")]
    TooLarge(Lang),
    /// Every password-hashing slot stayed taken: try again shortly (503 with `Retry-After`).
    #[error("too busy")]
    Busy(Lang),
}

/// Seconds a visitor is asked to wait after a 503 for a full password-hashing pool.
pub const BUSY_RETRY_AFTER_SECS: u32 = 5;

impl AppError {
    /// Maps a service error for a page in `lang`.
    pub fn from_service(lang: Lang, e: ServiceError) -> AppError {
        match e {
            ServiceError::NotFound => AppError::NotFound(lang),
            ServiceError::Invalid { message, .. } => AppError::BadRequest(lang, message),
            ServiceError::Conflict(m) => AppError::BadRequest(lang, m),
            ServiceError::Refused(c) => {
                AppError::BadRequest(lang, format!("{} conflicts", c.len()))
            }
            ServiceError::Db(e) => AppError::Internal(format!("database: {e}")),
            ServiceError::Internal(m) => AppError::Internal(m),
        }
    }
}

impl From<r2d2_error::PoolError> for AppError {
    fn from(e: r2d2_error::PoolError) -> Self {
        AppError::Unavailable(format!("database pool: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(format!("blocking task: {e}"))
    }
}

mod r2d2_error {
    pub use diesel::r2d2::PoolError;
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: crate::web::PageCtx,
    title: &'a str,
    message: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(..) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(..) => StatusCode::FORBIDDEN,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Unavailable(_) | AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (lang, title, message): (Lang, &str, &str) = match self {
            AppError::NotFound(l) => (*l, l.texts().not_found_title, l.texts().not_found_text),
            AppError::BadRequest(l, m) => (*l, l.texts().bad_request_title, m.as_str()),
            AppError::Forbidden(l, m) => (*l, l.texts().forbidden_title, m.as_str()),
            AppError::TooLarge(l) => (*l, l.texts().too_large_title, l.texts().too_large_text),
            AppError::Busy(l) => (*l, l.texts().busy_title, l.texts().busy_text),
            AppError::Internal(cause) | AppError::Unavailable(cause) => {
                tracing::error!(error = %cause, "request failed");
                let l = Lang::De;
                (l, l.texts().server_error_title, l.texts().server_error_text)
            }
        };
        let page = ErrorPage {
            ctx: crate::web::PageCtx {
                lang,
                t: lang.texts(),
                switch_url: format!("/?lang={}", lang.other().code()),
                css_url: crate::web::assets::css_url(),
            },
            title,
            message,
        };
        let mut res = HttpResponse::build(self.status_code());
        if let AppError::Busy(_) = self {
            res.insert_header((actix_web::http::header::RETRY_AFTER, BUSY_RETRY_AFTER_SECS));
        }
        match page.render() {
            Ok(body) => res.content_type("text/html; charset=utf-8").body(body),
            Err(_) => res
                .content_type("text/plain; charset=utf-8")
                .body(title.to_string()),
        }
    }
}
