//! How much of a request body the service reads (issue 11): 256 KiB for every form, JSON or raw
//! body, the import limit only for the programme upload, whose body is read after the access
//! middleware has found a signed-in editor of that congress. A body declared larger is refused
//! before a byte of it is read; a chunked one is cut off at its limit.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PayloadError, UrlencodedError};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest};
use futures_util::Stream;

use crate::web::error::AppError;
use crate::web::page::PageCtx;

/// The largest body of any request but the programme import (a registration form with many
/// answers is a few KiB).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The largest programme file an editor may upload (a schedule.xml of a FOSDEM-sized congress
/// is about 3 MB).
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

/// The import body: the file plus the multipart framing and the draft box.
const MAX_IMPORT_BODY_BYTES: usize = MAX_IMPORT_BYTES + 64 * 1024;

/// The route whose body may be larger (`admin::routes` registers it with the editor rule).
pub const IMPORT_ROUTE: &str = "/admin/{slug}/import";

/// Whether a request is the programme upload of `IMPORT_ROUTE`. Matched by hand because the
/// limit is applied before routing.
pub fn is_import_upload(method: &Method, path: &str) -> bool {
    method == Method::POST
        && path
            .strip_prefix("/admin/")
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(slug, tail)| !slug.is_empty() && tail == "import")
}

/// The body limit of a request.
pub fn limit_of(method: &Method, path: &str) -> usize {
    if is_import_upload(method, path) {
        MAX_IMPORT_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

/// The extractor limits, as app data of the route table: the same cap for form, JSON and raw
/// bodies, and a 413 page (not a 400 or 500) when it is exceeded.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::FormConfig::default()
            .limit(MAX_BODY_BYTES)
            .error_handler(|err, req| match err {
                UrlencodedError::Overflow { .. }
                | UrlencodedError::Payload(PayloadError::Overflow) => too_large_error(req),
                other => other.into(),
            }),
    )
    .app_data(
        web::JsonConfig::default()
            .limit(MAX_BODY_BYTES)
            .error_handler(|err, req| match err {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. }
                | JsonPayloadError::Payload(PayloadError::Overflow) => too_large_error(req),
                other => other.into(),
            }),
    )
    .app_data(web::PayloadConfig::default().limit(MAX_BODY_BYTES))
    // A query string or path that does not parse (`page=99999999999999999999`): under `/api/`
    // a problem like every other API error, elsewhere the 400 page.
    .app_data(
        web::QueryConfig::default()
            .error_handler(|err, req| bad_request(req, format!("The query string: {err}"))),
    )
    .app_data(
        web::PathConfig::default()
            .error_handler(|err, req| bad_request(req, format!("The path: {err}"))),
    );
}

fn bad_request(req: &HttpRequest, detail: String) -> actix_web::Error {
    if req.path().starts_with("/api/") {
        let p = super::api::problem::Problem::new(StatusCode::BAD_REQUEST, detail).at(req);
        return super::api::problem::ApiError::from(p).into();
    }
    let lang = PageCtx::from_request(req).lang;
    AppError::BadRequest(lang, lang.texts().bad_request_title.to_string()).into()
}

fn too_large_error(req: &HttpRequest) -> actix_web::Error {
    if req.path().starts_with("/api/") {
        let detail = format!("The request body is larger than {MAX_BODY_BYTES} bytes.");
        let p = super::api::problem::Problem::new(StatusCode::PAYLOAD_TOO_LARGE, detail).at(req);
        return super::api::problem::ApiError::from(p).into();
    }
    AppError::TooLarge(PageCtx::from_request(req).lang).into()
}

/// 413 for a request: a problem document under `/api/`, a page elsewhere.
pub fn too_large(req: ServiceRequest) -> ServiceResponse<BoxBody> {
    if req.path().starts_with("/api/") {
        let detail = format!("The request body is larger than {MAX_BODY_BYTES} bytes.");
        let res =
            super::api::problem::Problem::new(StatusCode::PAYLOAD_TOO_LARGE, detail).response();
        return req.into_response(res);
    }
    let lang = PageCtx::from_request(req.request()).lang;
    req.error_response(AppError::TooLarge(lang))
}

/// Refuses a body declared larger than its limit before reading it, and cuts off a chunked
/// body at the limit, so no handler or middleware behind this one can read more.
pub async fn body_limit(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limit = limit_of(req.method(), req.path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(n) if n > limit as u64 => return Ok(too_large(req)),
        // Exactly the declared length arrives (the HTTP layer enforces it).
        Some(_) => {}
        None => {
            let payload = req.take_payload();
            let capped: Pin<Box<dyn Stream<Item = Result<web::Bytes, PayloadError>>>> =
                Box::pin(Capped {
                    inner: payload,
                    left: limit,
                });
            req.set_payload(Payload::from(capped));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Why a body could not be read into memory.
pub enum BodyError {
    TooLarge,
    Payload(PayloadError),
}

/// Reads a (form or JSON) body into memory, at most `MAX_BODY_BYTES`; the caller puts it back
/// with `set_payload` for the handler.
pub async fn buffer_body(req: &mut ServiceRequest) -> Result<web::Bytes, BodyError> {
    use futures_util::StreamExt;
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(PayloadError::Overflow) => return Err(BodyError::TooLarge),
            Err(e) => return Err(BodyError::Payload(e)),
        };
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A request body that fails with `Overflow` once more than `left` bytes came.
struct Capped {
    inner: Payload,
    left: usize,
}

impl Stream for Capped {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if chunk.len() > this.left {
                    this.left = 0;
                    Poll::Ready(Some(Err(PayloadError::Overflow)))
                } else {
                    this.left -= chunk.len();
                    Poll::Ready(Some(Ok(chunk)))
                }
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_import_upload_may_be_large() {
        assert!(is_import_upload(
            &Method::POST,
            "/admin/smart-city-2027/import"
        ));
        assert_eq!(
            limit_of(&Method::POST, "/admin/x1/import"),
            MAX_IMPORT_BODY_BYTES
        );
        for (m, p) in [
            (Method::GET, "/admin/x1/import"),
            (Method::PUT, "/admin/x1/import"),
            (Method::POST, "/admin//import"),
            (Method::POST, "/admin/x1/import/more"),
            (Method::POST, "/admin/x1/imports"),
            (Method::POST, "/x1/import"),
            (Method::POST, "/admin/login"),
            (Method::POST, "/x1/register"),
        ] {
            assert!(!is_import_upload(&m, p), "{m} {p}");
            assert_eq!(limit_of(&m, p), MAX_BODY_BYTES);
        }
    }

    #[test]
    fn the_import_route_of_the_matcher_is_the_one_in_the_route_table() {
        assert!(crate::web::admin::ADMIN_ROUTES
            .iter()
            .any(|r| r.path == IMPORT_ROUTE && r.method == "post"));
    }
}
