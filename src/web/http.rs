//! Conditional GET (RFC 9110 §13): validators on exports and public pages, and the 304 answer
//! when the client's copy is current; the 405 answer of a route asked with a method it lacks.

use std::hash::{Hash, Hasher};
use std::time::{Duration, SystemTime};

use actix_web::http::header::{self, HttpDate};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDateTime;

use crate::web::api::problem::Problem;

/// A strong validator from anything hashable (stable for one build of the binary, which all
/// instances behind a load balancer share).
pub fn etag_of(parts: impl Hash) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    format!("\"{:016x}\"", h.finish())
}

/// The HTTP date of a UTC timestamp (whole seconds).
pub fn http_date(t: NaiveDateTime) -> HttpDate {
    let secs = t.and_utc().timestamp().max(0) as u64;
    HttpDate::from(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

/// Whether the request's validators say its copy is current. `If-None-Match` wins over
/// `If-Modified-Since` when both are sent.
pub fn is_fresh(req: &HttpRequest, etag: &str, last_modified: Option<NaiveDateTime>) -> bool {
    if let Some(v) = req.headers().get(header::IF_NONE_MATCH) {
        let Ok(v) = v.to_str() else { return false };
        return v
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag);
    }
    if let (Some(lm), Some(v)) = (last_modified, req.headers().get(header::IF_MODIFIED_SINCE)) {
        if let Some(since) = v.to_str().ok().and_then(|s| s.parse::<HttpDate>().ok()) {
            return SystemTime::from(http_date(lm)) <= SystemTime::from(since);
        }
    }
    false
}

/// The 304 answer, carrying the validators and caching headers the 200 would have.
pub fn not_modified(etag: &str, last_modified: Option<NaiveDateTime>, cache: &str) -> HttpResponse {
    let mut r = HttpResponse::NotModified();
    r.insert_header((header::ETAG, etag.to_string()))
        .insert_header((header::CACHE_CONTROL, cache.to_string()));
    if let Some(lm) = last_modified {
        r.insert_header((header::LAST_MODIFIED, http_date(lm)));
    }
    r.finish()
}

/// 405 for a method the route does not have, with `Allow` listing the ones it has (`methods`
/// as the route tables write them: `get`, `post`). Under `/api/` the body is a problem
/// document, elsewhere empty. Every resource of both route tables answers with this.
/// A route's method: `get` answers HEAD too (RFC 9110 §9.3.2: the same headers, no body,
/// which actix-web's HTTP layer leaves out for a HEAD request).
pub fn route_for(method: &str) -> actix_web::Route {
    use actix_web::{guard, web};
    match method {
        "get" => web::route().guard(guard::Any(guard::Get()).or(guard::Head())),
        "post" => web::post(),
        "put" => web::put(),
        "delete" => web::delete(),
        "patch" => web::patch(),
        other => panic!("a route table names the method {other:?}"),
    }
}

/// The `Allow` value for a route's methods (HEAD wherever GET is).
pub fn allow_header(methods: &[&str]) -> String {
    let mut out: Vec<String> = vec![];
    for m in methods {
        out.push(m.to_ascii_uppercase());
        if *m == "get" {
            out.push("HEAD".into());
        }
    }
    out.join(", ")
}

pub async fn method_not_allowed(
    req: HttpRequest,
    methods: &'static [&'static str],
) -> HttpResponse {
    let allow = allow_header(methods);
    let mut res = if req.path().starts_with("/api/") {
        Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("This resource answers {allow} only."),
        )
        .at(&req)
        .response()
    } else {
        HttpResponse::MethodNotAllowed().finish()
    };
    if let Ok(v) = header::HeaderValue::from_str(&allow) {
        res.headers_mut().insert(header::ALLOW, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn validators_decide_freshness() {
        let lm = chrono::NaiveDate::from_ymd_opt(2027, 1, 20)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        let tag = etag_of(("x", 1));
        let r = TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, format!("\"other\", W/{tag}")))
            .to_http_request();
        assert!(is_fresh(&r, &tag, Some(lm)));
        let r = TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, "\"other\""))
            .insert_header((header::IF_MODIFIED_SINCE, http_date(lm).to_string()))
            .to_http_request();
        assert!(!is_fresh(&r, &tag, Some(lm)), "If-None-Match wins");
        let r = TestRequest::default()
            .insert_header((header::IF_MODIFIED_SINCE, http_date(lm).to_string()))
            .to_http_request();
        assert!(is_fresh(&r, &tag, Some(lm)));
        let later = lm + chrono::Duration::seconds(1);
        assert!(!is_fresh(&r, &tag, Some(later)));
        assert!(!is_fresh(
            &TestRequest::default().to_http_request(),
            &tag,
            Some(lm)
        ));
    }
}
