//! One error type for the web layer, with the rule of who is at fault: the user's mistakes are
//! 4xx pages in their language; ours are a generic 500 page, and the cause chain goes to the log
//! (with ids, never personal data). A database outage (unreachable, read-only, pool exhausted)
//! is neither: it is a 503 with `Retry-After`, in German with the English text below, since the
//! page cannot know the visitor's language when nothing could be read.

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
    /// A private link that worked once and no longer does (expired or revoked): 410.
    #[error("link gone")]
    Gone(Lang, String),
    /// Every password-hashing slot stayed taken: try again shortly (503 with `Retry-After`).
    #[error("too busy")]
    Busy(Lang),
}

/// Seconds a client is asked to wait after a 503 (the pool replaces broken connections within
/// that time once the database is back).
pub const RETRY_AFTER_SECONDS: u32 = 5;

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match crate::db::outage_of(&e) {
            Some(_) => AppError::Unavailable(format!("database: {e}")),
            None => AppError::Internal(format!("database: {e}")),
        }
    }
}

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
            ServiceError::Db(e) => AppError::from(e),
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
    ctx: crate::web::page::PageCtx,
    title: &'a str,
    message: &'a str,
    /// The same in the other language (title, message), for pages that cannot know the reader's.
    also: Option<(&'a str, &'a str)>,
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
            AppError::Gone(..) => StatusCode::GONE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut also = None;
        let (lang, title, message): (Lang, &str, &str) = match self {
            AppError::NotFound(l) => (*l, l.texts().not_found_title, l.texts().not_found_text),
            AppError::BadRequest(l, m) => (*l, l.texts().bad_request_title, m.as_str()),
            AppError::Forbidden(l, m) => (*l, l.texts().forbidden_title, m.as_str()),
            AppError::TooLarge(l) => (*l, l.texts().too_large_title, l.texts().too_large_text),
            AppError::Busy(l) => (*l, l.texts().busy_title, l.texts().busy_text),
            AppError::Gone(l, m) => (*l, l.texts().gone_title, m.as_str()),
            AppError::Internal(cause) => {
                tracing::error!(error = %cause, "request failed");
                let l = Lang::De;
                (l, l.texts().server_error_title, l.texts().server_error_text)
            }
            AppError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "request failed: database unavailable");
                let (de, en) = (Lang::De.texts(), Lang::En.texts());
                also = Some((en.unavailable_title, en.unavailable_text));
                (Lang::De, de.unavailable_title, de.unavailable_text)
            }
        };
        let page = ErrorPage {
            ctx: crate::web::page::PageCtx {
                lang,
                t: lang.texts(),
                switch_url: format!("/?lang={}", lang.other().code()),
                css_url: crate::web::assets::css_url(),
            },
            title,
            message,
            also,
        };
        let mut res = HttpResponse::build(self.status_code());
        if let AppError::Unavailable(_) | AppError::Busy(_) = self {
            res.insert_header((
                actix_web::http::header::RETRY_AFTER,
                RETRY_AFTER_SECONDS.to_string(),
            ))
            .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"));
        }
        match page.render() {
            Ok(body) => res.content_type("text/html; charset=utf-8").body(body),
            Err(_) => res
                .content_type("text/plain; charset=utf-8")
                .body(title.to_string()),
        }
    }
}
