//! Static files, embedded in the binary: no request ever goes to another host.

use std::sync::OnceLock;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "kongress.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../static/kongress.css"),
    },
    Asset {
        name: "programme.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/programme.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../static/favicon.svg"),
    },
];

fn fingerprint(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(bytes)[..6])
}

/// The stylesheet's URL with a content fingerprint, so browsers may cache it for a year.
pub fn css_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| format!("/static/kongress.css?v={}", fingerprint(ASSETS[0].bytes)))
}

/// The programme page's script (progressive enhancement only), fingerprinted like the CSS.
pub fn programme_js_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| format!("/static/programme.js?v={}", fingerprint(ASSETS[1].bytes)))
}

/// An embedded file by name: (content type, bytes).
pub fn find(name: &str) -> Option<(&'static str, &'static [u8])> {
    ASSETS
        .iter()
        .find(|a| a.name == name)
        .map(|a| (a.content_type, a.bytes))
}
