//! What services need beyond a connection to write links and messages: the public base URL,
//! the instance's secret (derived link tokens), the domain of Message-IDs and the programme
//! cache (agendas attached to emails). Built once at start-up and shared by every request, the
//! background jobs and the command-line tools.

use std::sync::Arc;

use super::programme::ProgrammeCache;

#[derive(Clone)]
pub struct Ctx {
    /// The public base URL without a trailing slash, e.g. `https://kongress.example`.
    pub base_url: String,
    /// The domain part of Message-IDs (the base URL's host).
    pub id_domain: String,
    /// The instance's secret key (never printed).
    pub secret: Vec<u8>,
    /// Parsed published versions, shared by all requests of this instance.
    pub programmes: Arc<ProgrammeCache>,
}

impl Ctx {
    pub fn new(base_url: &str, secret: Vec<u8>) -> Ctx {
        Ctx {
            base_url: base_url.trim_end_matches('/').to_string(),
            id_domain: message_id_domain(base_url),
            secret,
            programmes: Default::default(),
        }
    }
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("base_url", &self.base_url)
            .field("id_domain", &self.id_domain)
            .field("secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The domain part for Message-IDs, from the base URL's host.
pub fn message_id_domain(base_url: &str) -> String {
    let host = base_url
        .split("://")
        .nth(1)
        .unwrap_or(base_url)
        .split(['/', ':'])
        .next()
        .unwrap_or("localhost");
    if host.is_empty() {
        "localhost".into()
    } else {
        host.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_domain_from_base_url() {
        assert_eq!(message_id_domain("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(
            message_id_domain("https://kongress.example/sub"),
            "kongress.example"
        );
    }

    #[test]
    fn debug_hides_the_secret() {
        let c = Ctx::new("http://x", b"topsecret".to_vec());
        assert!(!format!("{c:?}").contains("topsecret"));
    }
}
