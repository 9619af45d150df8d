//! What handlers take from a request besides its body: the page context (the language — query,
//! cookie, Accept-Language, in that order — and the URL of the same page in the other language),
//! and the numbers in a route's path. (The API token has its own extractor in `api::token`.)

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};

use crate::i18n::{Lang, Texts};
use crate::web::error::AppError;

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
    pub fn from_request(req: &HttpRequest) -> PageCtx {
        let lang = query_lang(req.query_string())
            .or_else(|| req.cookie("lang").and_then(|c| Lang::parse(c.value())))
            .or_else(|| {
                req.headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .map(Lang::from_accept_language)
            })
            .unwrap_or(Lang::De);
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

/// The named path segments that hold a number: `Id<key::Session>` reads `{session}`.
pub mod key {
    use crate::domain::{
        CategoryId, OrganizerId, QuestionId, RegistrationId, RoomId, SessionId, SlotGroupId,
        SpeakerId, TrackId,
    };

    /// A path segment, by the name the route table gives it, and the id type it holds.
    pub trait Segment {
        const NAME: &'static str;
        /// What the number is: a typed id, or a raw key where no table id fits yet.
        type Id: From<i64> + Into<i64> + Copy + Send + 'static;
    }

    macro_rules! segments {
        ($( $ty:ident = $name:literal => $id:ty ),+ $(,)?) => {
            $(
                #[doc = concat!("`{", $name, "}`")]
                pub enum $ty {}

                impl Segment for $ty {
                    const NAME: &'static str = $name;
                    type Id = $id;
                }
            )+
        };
    }

    segments! {
        Room = "room" => RoomId,
        Track = "track" => TrackId,
        Category = "category" => CategoryId,
        Question = "question" => QuestionId,
        Speaker = "speaker" => SpeakerId,
        Session = "session" => SessionId,
        Registration = "registration" => RegistrationId,
        Group = "group" => SlotGroupId,
        Message = "message" => crate::domain::OutboxMessageId,
        Token = "token" => crate::domain::ApiTokenId,
        Member = "member" => OrganizerId,
    }
}

/// A number from the path segment `K` names. Anything that is not a number is a page that does
/// not exist: 404 in the visitor's language, before the handler runs.
pub struct Id<K> {
    raw: i64,
    of: PhantomData<K>,
}

impl<K: key::Segment> Id<K> {
    /// The id, typed by the segment it came from.
    pub fn get(&self) -> K::Id {
        K::Id::from(self.raw)
    }
}

impl<K: key::Segment> Id<K> {
    fn from_request(req: &HttpRequest) -> Result<Id<K>, AppError> {
        let raw = req.match_info().get(K::NAME).ok_or_else(|| {
            AppError::Internal(format!("route without a {{{}}} segment", K::NAME))
        })?;
        raw.parse()
            .map(|raw| Id {
                raw,
                of: PhantomData,
            })
            .map_err(|_| AppError::NotFound(PageCtx::from_request(req).lang))
    }
}

impl<K: key::Segment> FromRequest for Id<K> {
    type Error = AppError;
    type Future = Ready<Result<Id<K>, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Id::from_request(req))
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

    #[test]
    fn a_path_id_is_a_number_or_a_missing_page() {
        use actix_web::test::TestRequest;
        let req = TestRequest::default()
            .param("session", "42")
            .param("room", "4x")
            .to_http_request();
        assert_eq!(
            Id::<key::Session>::from_request(&req).unwrap().get(),
            crate::domain::SessionId::from(42)
        );
        assert!(matches!(
            Id::<key::Room>::from_request(&req),
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            Id::<key::Track>::from_request(&req),
            Err(AppError::Internal(_))
        ));
    }
}
