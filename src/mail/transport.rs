//! Where mail goes: an SMTP server from `SMTP_URL` (plain, STARTTLS or TLS, optional login), or
//! `.eml` files under `MAIL_DIR` when no server is configured.

use std::path::PathBuf;

use lettre::message::header::ContentType;
use lettre::message::{Attachment as MailAttachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::mail::attachment::Attachment;

/// A configured way to deliver mail.
#[derive(Clone)]
pub enum MailTransport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("SMTP_URL: {0}")]
    BadUrl(String),
    #[error("MAIL_DIR: {0}")]
    MailDir(String),
    #[error("building the message: {0}")]
    Build(String),
    #[error("sending: {0}")]
    Send(String),
}

/// What one outbox row becomes on the wire.
pub struct OutgoingMessage<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub message_id: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub attachments: &'a [Attachment],
}

impl MailTransport {
    /// From the settings: `SMTP_URL` if set, else files under `MAIL_DIR`.
    pub fn from_settings(
        smtp_url: Option<&str>,
        mail_dir: &std::path::Path,
    ) -> Result<MailTransport, TransportError> {
        match smtp_url {
            Some(url) => Ok(MailTransport::Smtp(smtp_from_url(url)?)),
            None => {
                std::fs::create_dir_all(mail_dir)
                    .map_err(|e| TransportError::MailDir(e.to_string()))?;
                Ok(MailTransport::Files(
                    AsyncFileTransport::new(mail_dir),
                    mail_dir.to_path_buf(),
                ))
            }
        }
    }

    pub async fn send(&self, m: &OutgoingMessage<'_>) -> Result<(), TransportError> {
        let message = build(m)?;
        match self {
            MailTransport::Smtp(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| TransportError::Send(e.to_string())),
            MailTransport::Files(t, _) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| TransportError::Send(e.to_string())),
        }
    }
}

/// `smtp://host:port` (plain), `smtp://…?tls=starttls` (STARTTLS), `smtps://user:pass@host:465`
/// (TLS from the start); user and password are percent-decoded.
pub fn smtp_from_url(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, TransportError> {
    let bad = |m: &str| TransportError::BadUrl(m.to_string());
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("expected smtp://host:port"))?;
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let rest = rest.trim_end_matches('/');
    let (userinfo, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, rest),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (
            h,
            Some(p.parse::<u16>().map_err(|_| bad("port must be a number"))?),
        ),
        None => (hostport, None),
    };
    if host.is_empty() {
        return Err(bad("host missing"));
    }
    let tls = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("tls="))
        .unwrap_or("");
    let mut builder = match (scheme, tls) {
        ("smtps", _) | ("smtp", "tls") => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(|e| bad(&e.to_string()))?
        }
        ("smtp", "starttls") | ("smtp", "required") => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| bad(&e.to_string()))?
        }
        ("smtp", "" | "none") => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        _ => return Err(bad("scheme must be smtp or smtps; tls=starttls|tls|none")),
    };
    if let Some(p) = port {
        builder = builder.port(p);
    } else if scheme == "smtp" && !matches!(tls, "starttls" | "required" | "tls") {
        builder = builder.port(25);
    }
    if let Some(info) = userinfo {
        let (user, pass) = info.split_once(':').unwrap_or((info, ""));
        let decode = |s: &str| {
            urlencoding::decode(s)
                .map(|c| c.into_owned())
                .unwrap_or_else(|_| s.to_string())
        };
        builder = builder.credentials(Credentials::new(decode(user), decode(pass)));
    }
    Ok(builder
        .timeout(Some(std::time::Duration::from_secs(20)))
        .build())
}

fn build(m: &OutgoingMessage<'_>) -> Result<Message, TransportError> {
    let err = |e: &dyn std::fmt::Display| TransportError::Build(e.to_string());
    let from: Mailbox = m.from.parse().map_err(|e| err(&e))?;
    let to: Mailbox = m.to.parse().map_err(|e| err(&e))?;
    let alternative = MultiPart::alternative_plain_html(m.text.to_string(), m.html.to_string());
    let body = if m.attachments.is_empty() {
        alternative
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for a in m.attachments {
            let ct = ContentType::parse(&a.content_type).map_err(|e| err(&e))?;
            let part: SinglePart = MailAttachment::new(a.filename.clone()).body(a.bytes(), ct);
            mixed = mixed.singlepart(part);
        }
        mixed
    };
    Message::builder()
        .from(from)
        .to(to)
        .subject(m.subject)
        .message_id(Some(m.message_id.to_string()))
        .multipart(body)
        .map_err(|e| err(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Building an SMTP transport starts its connection pool, which needs a runtime.
    #[tokio::test]
    async fn smtp_urls() {
        assert!(smtp_from_url("smtp://127.0.0.1:2525").is_ok());
        assert!(smtp_from_url("smtp://mail.example.org:587?tls=starttls").is_ok());
        assert!(smtp_from_url("smtps://user%40x:p%3Ass@mail.example.org:465").is_ok());
        assert!(smtp_from_url("http://x").is_err());
        assert!(smtp_from_url("smtp://:25").is_err());
        assert!(smtp_from_url("smtp://h:port").is_err());
    }

    #[test]
    fn messages_have_both_parts_and_the_message_id() {
        let a = [Attachment::new(
            "termin.ics",
            "text/calendar; charset=utf-8",
            b"BEGIN:VCALENDAR",
        )];
        let m = build(&OutgoingMessage {
            from: "kongress <noreply@localhost>",
            to: "anna@example.org",
            subject: "Bitte bestätigen Sie Ihre Anmeldung",
            message_id: "<abc@localhost>",
            text: "Hallo",
            html: "<p>Hallo</p>",
            attachments: &a,
        })
        .unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(raw.contains("Message-ID: <abc@localhost>"));
        assert!(raw.contains("multipart/alternative") && raw.contains("multipart/mixed"));
        assert!(
            raw.contains("text/plain") && raw.contains("text/html") && raw.contains("termin.ics")
        );
    }
}
