//! The edge every text passes (issue 13): paths, query strings, form fields and JSON strings are
//! held to `domain::text` before any handler sees them.
//!
//! - A path or query string with a control character (a NUL, a line break) is a 400: no route
//!   needs one, and a `next=` with CR/LF must never reach a header.
//! - A form field's line ends become LF and disguising characters are dropped; a field holding
//!   another control character has it removed and is named in `Rejected`, which the form's
//!   handler turns into a message beside the field (422, the input kept).
//! - A JSON body holding one is a 422 problem naming the field (a JSON pointer).
//!
//! Multipart uploads (the programme import) are checked by the importer, field by field.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use std::future::{ready, Ready};

use crate::domain::text::{self, Forbidden};
use crate::web::api::problem::{FieldError, Problem};
use crate::web::error::AppError;
use crate::web::forms::Errors;
use crate::web::limits::{self, BodyError};
use crate::web::page::PageCtx;

/// The fields of the form just sent whose values held a control character (removed).
#[derive(Debug, Clone, Default)]
pub struct Rejected(pub Vec<String>);

impl Rejected {
    /// The form's own result, with a message beside each rejected field: a form whose fields
    /// held control characters is refused even when the rest of it was valid.
    pub fn combine<T>(
        &self,
        lang: crate::i18n::Lang,
        parsed: Result<T, Errors>,
    ) -> Result<T, Errors> {
        if self.0.is_empty() {
            return parsed;
        }
        let mut errors = self.errors(lang);
        if let Err(e) = parsed {
            errors.merge(e);
        }
        Err(errors)
    }

    /// A message beside each rejected field.
    pub fn errors(&self, lang: crate::i18n::Lang) -> Errors {
        let mut e = Errors::default();
        for field in &self.0 {
            e.add_owned(field.clone(), lang.texts().control_in_field);
        }
        e
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The rejections of the request being handled.
    pub fn of(req: &HttpRequest) -> Rejected {
        req.extensions()
            .get::<Rejected>()
            .cloned()
            .unwrap_or_default()
    }
}

impl FromRequest for Rejected {
    type Error = std::convert::Infallible;
    type Future = Ready<Result<Rejected, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(req
            .extensions()
            .get::<Rejected>()
            .cloned()
            .unwrap_or_default()))
    }
}

/// Whether a percent-encoded path and query string hold only usable text.
pub fn clean_target(path: &str, query: &str) -> bool {
    let decoded =
        |s: &str| String::from_utf8(urlencoding::decode_binary(s.as_bytes()).into_owned()).ok();
    let ok = |s: &str| decoded(s).is_some_and(|d| text::is_clean_line(&d));
    ok(path) && query.split('&').flat_map(|kv| kv.split('=')).all(ok)
}

/// A urlencoded form with its values normalised: the new body if anything changed, and the
/// fields that held a control character. `None` when the body is no readable form (the
/// handler's extractor then answers as it always did).
pub fn normalise_form(body: &[u8]) -> Option<(Option<String>, Vec<String>)> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    let mut changed = false;
    let mut rejected = vec![];
    let mut out = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        let key = text::clean(&k).into_owned();
        changed |= key != k;
        let value = match text::normalise(&v) {
            Ok(std::borrow::Cow::Borrowed(_)) => v,
            Ok(std::borrow::Cow::Owned(n)) => {
                changed = true;
                n
            }
            Err(_) => {
                changed = true;
                if !rejected.contains(&key) {
                    rejected.push(key.clone());
                }
                text::clean(&v).into_owned()
            }
        };
        out.push((key, value));
    }
    let body = changed.then(|| serde_urlencoded::to_string(&out).unwrap_or_default());
    Some((body, rejected))
}

/// Walks a JSON value: strings normalised in place, forbidden characters reported by pointer.
fn normalise_json(v: &mut serde_json::Value, at: &str, bad: &mut Vec<(String, Forbidden)>) -> bool {
    use serde_json::Value;
    match v {
        Value::String(s) => match text::normalise(s) {
            Ok(std::borrow::Cow::Borrowed(_)) => false,
            Ok(std::borrow::Cow::Owned(n)) => {
                *s = n;
                true
            }
            Err(f) => {
                bad.push((at.to_string(), f));
                false
            }
        },
        Value::Array(items) => {
            let mut changed = false;
            for (i, item) in items.iter_mut().enumerate() {
                changed |= normalise_json(item, &format!("{at}/{i}"), bad);
            }
            changed
        }
        Value::Object(map) => {
            let mut changed = false;
            for (k, item) in map.iter_mut() {
                let pointer = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                if let Err(f) = text::normalise(k) {
                    bad.push((pointer.clone(), f));
                }
                changed |= normalise_json(item, &pointer, bad);
            }
            changed
        }
        _ => false,
    }
}

/// Used as `.wrap(from_fn(input_guard))`, inside `limits::body_limit`.
pub async fn input_guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_api = req.path().starts_with("/api/");
    if !clean_target(req.path(), req.query_string()) {
        let lang = PageCtx::from_request(req.request()).lang;
        let detail = lang.texts().control_in_address;
        let res = if is_api {
            Problem::new(StatusCode::BAD_REQUEST, detail)
                .kind("bad-request")
                .at(req.request())
                .response()
        } else {
            actix_web::ResponseError::error_response(&AppError::BadRequest(lang, detail.into()))
        };
        return Ok(req.into_response(res));
    }
    let has_body = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let is_json = content_type.starts_with("application/json");
    if has_body && (is_form || is_json) {
        let body = match limits::buffer_body(&mut req).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => return Ok(limits::too_large(req)),
            Err(BodyError::Payload(e)) => return Err(e.into()),
        };
        let mut new_body = None;
        if is_form {
            if let Some((changed, rejected)) = normalise_form(&body) {
                new_body = changed.map(web::Bytes::from);
                if !rejected.is_empty() {
                    req.extensions_mut().insert(Rejected(rejected));
                }
            }
        } else if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&body) {
            let mut bad = vec![];
            if normalise_json(&mut value, "", &mut bad) {
                new_body = serde_json::to_vec(&value).ok().map(web::Bytes::from);
            }
            if !bad.is_empty() {
                let mut p = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "A text in the request body holds a control character.",
                )
                .kind("validation")
                .at(req.request());
                p.errors = bad
                    .into_iter()
                    .map(|(field, f)| FieldError {
                        field: if field.is_empty() { "/".into() } else { field },
                        message: f.to_string(),
                    })
                    .collect();
                let res = p.response();
                return Ok(req.into_response(res));
            }
        }
        let body = new_body.unwrap_or(body);
        if let Ok(len) = HeaderValue::from_str(&body.len().to_string()) {
            req.headers_mut().insert(header::CONTENT_LENGTH, len);
        }
        req.set_payload(Payload::from(body));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_with_control_characters_are_refused() {
        assert!(clean_target("/smart-city-2027/program", "day=2&lang=de"));
        assert!(clean_target("/k%C3%B6ln/program", "q=M%C3%BCller+Anna"));
        assert!(!clean_target("/smart-city-2027%00/program", ""));
        assert!(!clean_target(
            "/admin/login",
            "next=/admin%0D%0ASet-Cookie:x=1"
        ));
        assert!(!clean_target("/x", "q=%09"));
        // Not UTF-8 is no text either.
        assert!(!clean_target("/x%FF", ""));
    }

    #[test]
    fn forms_are_normalised_and_rejections_named() {
        let (body, rejected) =
            normalise_form(b"first_name=a%00b&note=x%0D%0Ay&last=M%E2%80%AEller&ok=1").unwrap();
        assert_eq!(rejected, vec!["first_name".to_string()]);
        assert_eq!(body.unwrap(), "first_name=ab&note=x%0Ay&last=Mller&ok=1");
        let (body, rejected) = normalise_form(b"a=1&b=zwei+W%C3%B6rter").unwrap();
        assert!(body.is_none() && rejected.is_empty());
    }

    #[test]
    fn json_strings_are_checked_by_pointer() {
        let mut v: serde_json::Value =
            serde_json::from_str(r#"{"title":"a\r\nb","speakers":[{"name":"x\u0000"}]}"#).unwrap();
        let mut bad = vec![];
        assert!(normalise_json(&mut v, "", &mut bad));
        assert_eq!(v["title"], "a\nb");
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0, "/speakers/0/name");
    }
}
