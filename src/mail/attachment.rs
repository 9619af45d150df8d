//! A file attached to an email (an `.ics`, a QR code), as the outbox stores it.

use base64::Engine;
use serde::{Deserialize, Serialize};

/// A file attached to an email (an `.ics`, a QR code).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    /// The bytes, base64-encoded (the outbox column is text on both backends).
    pub base64: String,
}

impl Attachment {
    pub fn new(filename: &str, content_type: &str, bytes: &[u8]) -> Attachment {
        Attachment {
            filename: filename.to_string(),
            content_type: content_type.to_string(),
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }

    pub fn bytes(&self) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.base64)
            .unwrap_or_default()
    }
}

/// How to make a message's attachments, stored instead of their bytes where they are made from
/// the database (see [`Stored`]): small to store, and rendered by the mail worker instead of
/// inside the transaction that queues the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipe {
    /// The check-in QR code and the agenda (`.ics`) of the registration with this id, the
    /// attachments of a mail that gives a place (`MailKind::has_attachments`).
    PlaceOfRegistration(i64),
}
