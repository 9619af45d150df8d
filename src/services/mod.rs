//! One function per user command. Each opens its transaction, asks the domain for a decision and
//! writes rows (and, later, outbox entries).

pub mod allocation;
pub mod api_tokens;
pub mod audit;
pub mod blocks;
pub mod congress;
pub mod ctx;
pub mod demo;
mod demo_content;
pub mod hashing;
pub mod history;
pub mod import;
pub mod notify;
pub mod organizers;
pub mod outbox;
pub mod people;
pub mod programme;
pub mod publish;
pub mod qr;
pub mod rate_limit;
pub mod registration;
pub mod retention;
pub mod secret;
pub mod sessions;
pub mod setup;
pub mod speaker_portal;
pub mod tokens;

/// Why a service refused or failed. The web layer maps these to 4xx pages (the user's) or a
/// logged 5xx (ours).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not found")]
    NotFound,
    #[error("invalid input in {field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("conflict: {0}")]
    Conflict(String),
    /// A schedule change broke an error rule (room, speaker, congress days).
    #[error("refused by {} schedule rule(s)", .0.len())]
    Refused(Vec<crate::domain::Conflict>),
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("internal: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> ServiceError {
        ServiceError::Invalid {
            field,
            message: message.into(),
        }
    }
}

pub use crate::db::now_utc;
pub use ctx::Ctx;

/// A random UUID (v4) as text, for guids that exports keep stable.
pub fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}
