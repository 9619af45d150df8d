//! Static files, embedded in the binary: no request ever goes to another host.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::AppError;

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

pub async fn asset(req: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, AppError> {
    let lang = super::PageCtx::from_request(&req).lang;
    let asset = ASSETS
        .iter()
        .find(|a| a.name == name.as_str())
        .ok_or(AppError::NotFound(lang))?;
    let cache = if req.query_string().starts_with("v=") {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, cache))
        .body(asset.bytes))
}
