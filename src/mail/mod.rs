//! Sending the outbox: transports (SMTP or `.eml` files) and the worker that delivers queued
//! messages with retries and exponential backoff, rendering attachments stored as recipes just
//! before it sends them.

pub mod attachment;
pub mod compose;
pub mod transport;
pub mod worker;

pub use attachment::{Attachment, AttachmentRenderer, Recipe};
pub use transport::{MailTransport, TransportError};
pub use worker::{backoff, Mailer};
