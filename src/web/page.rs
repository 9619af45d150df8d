//! The page context every template takes: the language (query, cookie, Accept-Language, in that
//! order), its texts, the URL of the same page in the other language, and the stylesheet's URL.

use std::convert::Infallible;
use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};

use crate::i18n::{Lang, Texts};

/// What every page template needs besides its own data.
#[derive(Clone)]
pub struct PageCtx {
    pub lang: Lang,
    pub t: &'static Texts,
    /// The current page in the other language.
    pub switch_url: String,
    pub css_url: &'static str,
}

/// The language asked for in a query string (`lang=de|en`), if any.
pub fn query_lang(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::parse(v))
}

/// The query string without `lang`, re-encoded, plus `lang=<code>`.
fn with_lang(query: &str, lang: Lang) -> String {
    let mut parts: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("lang=") && *kv != "lang")
        .collect();
    let l = format!("lang={}", lang.code());
    parts.push(&l);
    parts.join("&")
}

impl PageCtx {
    /// The language the visitor chose (`?lang=` or the cookie the switch sets), if any.
    fn chosen(req: &HttpRequest) -> Option<Lang> {
        query_lang(req.query_string())
            .or_else(|| req.cookie("lang").and_then(|c| Lang::parse(c.value())))
    }

    /// Whether the visitor chose a language (rather than the browser's default speaking).
    pub fn chosen_lang(req: &HttpRequest) -> bool {
        Self::chosen(req).is_some()
    }

    pub fn from_request(req: &HttpRequest) -> PageCtx {
        let lang = Self::chosen(req)
            .or_else(|| {
                req.headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .map(Lang::from_accept_language)
            })
            .unwrap_or(Lang::De);
        Self::from_request_in(req, lang)
    }

    /// The page context of `req` in `lang` (a page whose data names its language).
    pub fn from_request_in(req: &HttpRequest, lang: Lang) -> PageCtx {
        let switch_url = format!(
            "{}?{}",
            req.path(),
            with_lang(req.query_string(), lang.other())
        );
        PageCtx {
            lang,
            t: lang.texts(),
            switch_url,
            css_url: super::assets::css_url(),
        }
    }
}

impl FromRequest for PageCtx {
    type Error = Infallible;
    type Future = Ready<Result<PageCtx, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(PageCtx::from_request(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switch_keeps_other_parameters() {
        assert_eq!(with_lang("day=2&lang=de", Lang::En), "day=2&lang=en");
        assert_eq!(with_lang("", Lang::En), "lang=en");
        assert_eq!(query_lang("a=1&lang=en"), Some(Lang::En));
        assert_eq!(query_lang("lang=xx"), None);
    }
}
