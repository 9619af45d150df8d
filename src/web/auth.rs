//! Who is asking: the organizer's session (an encrypted, authenticated cookie — no server-side
//! state, so any instance can read it), the CSRF token, and the access rule of each admin route,
//! enforced in one middleware before any handler runs.

use std::future::{ready, Ready};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, CookieJar, Key, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use chrono::Utc;
use diesel::prelude::*;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::db::rows;
use crate::db::schema::{congress_roles, congresses, organizers};
use crate::domain::OrganizerId;
use crate::web::error::AppError;

pub const SESSION_COOKIE: &str = "kongress_session";
pub const CSRF_COOKIE: &str = "kongress_csrf";
pub const CSRF_FIELD: &str = "csrf_token";
/// Organizer sessions last a working day.
pub const SESSION_HOURS: i64 = 12;

/// A role in a congress's team, ordered by what it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    Checkin,
    Editor,
    Owner,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "checkin" => Some(Role::Checkin),
            "editor" => Some(Role::Editor),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Checkin => "checkin",
            Role::Editor => "editor",
            Role::Owner => "owner",
        }
    }
}

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (the login page).
    Public,
    /// Any logged-in organizer.
    Organizer,
    /// An instance admin.
    Admin,
    /// At least this role in the congress named by `{slug}` (instance admins always pass).
    Congress(Role),
}

/// One back-office route: method, path pattern, who may use it (the table is
/// `admin::ADMIN_ROUTES`).
#[derive(Debug, Clone, Copy)]
pub struct AdminRoute {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

/// Who may use a route outside the back office. The site's route table (`web::SITE_ROUTES`)
/// names one per method; the route test checks that every route answers its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteAccess {
    /// Anyone: a public page, file or read of the published programme.
    Anyone,
    /// Whoever holds a participant's link: the token in `/r/{token}` (the private page) or in
    /// `/r/confirm/{token}` (the double opt-in). An unknown token is the 404 page, an expired
    /// confirmation link a 410 page.
    ParticipantLink,
    /// Whoever holds a speaker's private link, `/speaker/{token}`: an unknown, revoked or
    /// expired token is the 404 page.
    SpeakerLink,
    /// An API token of the congress in `Authorization: Bearer` (the `api::token::ApiToken`
    /// extractor): a 401 problem without one, 403 with another congress's.
    ApiToken,
}

/// One route of the public site, the participants' and speakers' pages or the API.
#[derive(Debug, Clone, Copy)]
pub struct SiteRoute {
    pub method: &'static str,
    pub path: &'static str,
    pub access: SiteAccess,
    /// Paths for tests to request, with `{slug}`, `{session}`, `{speaker}` or a token
    /// (`{manage_token}`, `{confirm_token}`, `{speaker_token}`) for them to fill in. A route
    /// without one fails the route test.
    pub samples: &'static [&'static str],
}

/// The site's route table as app data, for the CSRF check (which runs before routing).
#[derive(Clone, Copy)]
pub struct SiteRouteTable(pub &'static [SiteRoute]);

impl SiteRouteTable {
    /// Whether `path` is a route of the table that lacks `method`: routing answers it with
    /// 405 and `Allow`, which is the truth, rather than the CSRF check with a 403.
    fn lacks(&self, method: &Method, path: &str) -> bool {
        let method = method.as_str().to_ascii_lowercase();
        let mut matched = false;
        for pattern in self.0.iter().map(|r| r.path) {
            if !actix_web::dev::ResourceDef::new(pattern).is_match(path) {
                continue;
            }
            matched = true;
            if self
                .0
                .iter()
                .any(|r| r.path == pattern && r.method == method)
            {
                return false;
            }
            // The first pattern that matches is the one routing picks.
            break;
        }
        matched
    }
}

/// The logged-in organizer.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub id: OrganizerId,
    /// The epoch the session cookie was made in (a new cookie after a password change keeps it).
    pub session_epoch: i64,
    pub email: String,
    pub is_admin: bool,
}

/// What the access middleware found, for handlers.
#[derive(Clone)]
pub struct AdminCtx {
    pub viewer: Option<Viewer>,
    pub congress: Option<rows::Congress>,
    /// The viewer's effective role in `congress` (Owner for instance admins).
    pub role: Option<Role>,
}

impl AdminCtx {
    pub fn viewer(&self) -> Result<&Viewer, AppError> {
        self.viewer
            .as_ref()
            .ok_or_else(|| AppError::Internal("route without login rule".into()))
    }

    pub fn congress(&self) -> Result<&rows::Congress, AppError> {
        self.congress
            .as_ref()
            .ok_or_else(|| AppError::Internal("route without congress rule".into()))
    }
}

impl Access {
    /// Whether a viewer passes this rule; `role` is their effective role in the congress of
    /// the path (Owner for instance admins).
    pub fn admits(self, viewer: Option<&Viewer>, role: Option<Role>) -> bool {
        match self {
            Access::Public => true,
            Access::Organizer => viewer.is_some(),
            Access::Admin => viewer.is_some_and(|v| v.is_admin),
            Access::Congress(needed) => viewer.is_some() && role.is_some_and(|r| r >= needed),
        }
    }
}

impl FromRequest for AdminCtx {
    type Error = AppError;
    type Future = Ready<Result<AdminCtx, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions().get::<AdminCtx>().cloned().ok_or_else(|| {
                AppError::Internal("admin route outside the access middleware".into())
            }),
        )
    }
}

#[derive(Serialize, Deserialize)]
struct SessionData {
    /// organizer id
    o: OrganizerId,
    /// expiry, unix seconds
    e: i64,
    /// a tag of the password hash and the session epoch: changing the password ends every
    /// other session, logging out ends every session of the account
    p: String,
}

fn key(state: &AppState) -> Key {
    Key::derive_from(&state.ctx.secret)
}

/// A short tag of a password hash, stored in the session.
pub fn password_tag(password_hash: &str, session_epoch: i64) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(password_hash.as_bytes());
    h.update(b"\0");
    h.update(session_epoch.to_be_bytes());
    hex::encode(&h.finalize()[..8])
}

/// The cookie that logs `organizer` in.
pub fn session_cookie(
    state: &AppState,
    organizer: OrganizerId,
    password_hash: &str,
    session_epoch: i64,
) -> Cookie<'static> {
    let data = SessionData {
        o: organizer,
        e: Utc::now().timestamp() + SESSION_HOURS * 3600,
        p: password_tag(password_hash, session_epoch),
    };
    let mut jar = CookieJar::new();
    let value = serde_json::to_string(&data).unwrap_or_default();
    jar.private_mut(&key(state))
        .add(Cookie::new(SESSION_COOKIE, value));
    let mut c = jar
        .get(SESSION_COOKIE)
        .cloned()
        .unwrap_or_else(|| Cookie::new(SESSION_COOKIE, ""));
    c.set_path("/");
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_secure(state.settings.base_url.starts_with("https://"));
    c.set_max_age(CookieDuration::hours(SESSION_HOURS));
    c
}

/// The cookie that logs out.
pub fn logout_cookie() -> Cookie<'static> {
    let mut c = Cookie::new(SESSION_COOKIE, "");
    c.set_path("/");
    c.make_removal();
    c
}

/// The organizer whose (unexpired, authentic) session cookie came with the request, whether or
/// not the session is still current: logout ends it.
pub fn session_organizer(state: &AppState, req: &HttpRequest) -> Option<OrganizerId> {
    read_session(state, req).map(|s| s.o)
}

fn read_session(state: &AppState, req: &HttpRequest) -> Option<SessionData> {
    let raw = req.cookie(SESSION_COOKIE)?;
    let mut jar = CookieJar::new();
    jar.add_original(raw.into_owned());
    let plain = jar.private(&key(state)).get(SESSION_COOKIE)?;
    let data: SessionData = serde_json::from_str(plain.value()).ok()?;
    (data.e > Utc::now().timestamp()).then_some(data)
}

/// The CSRF token of this visitor: the value of their CSRF cookie, made on first need. The
/// middleware below sets the cookie when a page made a new one.
#[derive(Clone)]
pub struct CsrfToken(pub String);

struct NewCsrfCookie(String);

impl CsrfToken {
    pub fn of(req: &HttpRequest) -> CsrfToken {
        if let Some(t) = req.extensions().get::<CsrfToken>() {
            return t.clone();
        }
        let token = req
            .cookie(CSRF_COOKIE)
            .map(|c| c.value().to_string())
            .filter(|v| v.len() == 64 && v.chars().all(|c| c.is_ascii_hexdigit()))
            .unwrap_or_else(|| {
                let mut b = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut b);
                let t = hex::encode(b);
                req.extensions_mut().insert(NewCsrfCookie(t.clone()));
                t
            });
        let t = CsrfToken(token);
        req.extensions_mut().insert(t.clone());
        t
    }
}

impl FromRequest for CsrfToken {
    type Error = std::convert::Infallible;
    type Future = Ready<Result<CsrfToken, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(CsrfToken::of(req)))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    let body = std::str::from_utf8(body).ok()?;
    body.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| {
            urlencoding::decode(&v.replace('+', " "))
                .ok()
                .map(|s| s.into_owned())
        })?
    })
}

/// The one CSRF check: every POST/PUT/PATCH/DELETE outside the bearer-token API must carry the
/// visitor's token, matching their CSRF cookie: in the `X-CSRF-Token` header, in the form field
/// `csrf_token` of a urlencoded form (at most `MAX_BODY_BYTES`, which `limits::body_limit` has
/// already enforced), or, for a multipart upload, in the `csrf_token` query parameter of the
/// form's action, so that the check never reads an upload. Also sets the CSRF cookie when a
/// page minted a new token.
pub async fn csrf_middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !req.path().starts_with("/api/") {
        let cookie = req
            .cookie(CSRF_COOKIE)
            .map(|c| c.value().to_string())
            .filter(|c| !c.is_empty());
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let is_form = content_type.starts_with("application/x-www-form-urlencoded");
        let is_multipart = content_type.starts_with("multipart/form-data");
        let mut sent = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if sent.is_none() && is_multipart {
            sent = form_field(req.query_string().as_bytes(), CSRF_FIELD);
        }
        // Without a cookie nothing can match: refuse without reading the body.
        if sent.is_none() && is_form && cookie.is_some() {
            let body = match crate::web::limits::buffer_body(&mut req).await {
                Ok(b) => b,
                Err(crate::web::limits::BodyError::TooLarge) => {
                    return Ok(crate::web::limits::too_large(req))
                }
                Err(crate::web::limits::BodyError::Payload(e)) => return Err(e.into()),
            };
            sent = form_field(&body, CSRF_FIELD);
            req.set_payload(bytes_payload(body));
        }
        let ok = matches!((&cookie, &sent), (Some(c), Some(s)) if constant_time_eq(c.as_bytes(), s.as_bytes()));
        // Outside the back office (whose access rules answer first).
        let wrong_method = || {
            !req.path().starts_with("/admin")
                && req
                    .app_data::<SiteRouteTable>()
                    .is_some_and(|t| t.lacks(req.method(), req.path()))
        };
        if !ok && !wrong_method() {
            let lang = crate::web::page::PageCtx::from_request(req.request()).lang;
            let err = AppError::Forbidden(lang, lang.texts().csrf_failed.to_string());
            return Ok(req.error_response(err));
        }
    }
    let res = next.call(req).await?;
    let new_cookie = res
        .request()
        .extensions()
        .get::<NewCsrfCookie>()
        .map(|c| c.0.clone());
    let mut res = res.map_into_boxed_body();
    if let Some(token) = new_cookie {
        let secure = res
            .request()
            .app_data::<web::Data<AppState>>()
            .is_some_and(|s| s.settings.base_url.starts_with("https://"));
        let _ = res.response_mut().add_cookie(&csrf_cookie(token, secure));
    }
    Ok(res)
}

/// The CSRF cookie. `Secure` follows the configured base URL, never a client-sent
/// `X-Forwarded-Proto`.
fn csrf_cookie(token: String, secure: bool) -> Cookie<'static> {
    let mut c = Cookie::new(CSRF_COOKIE, token);
    c.set_path("/");
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_secure(secure);
    c
}

/// A CSRF cookie with a new token, set at login.
pub fn fresh_csrf_cookie(state: &AppState) -> Cookie<'static> {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    csrf_cookie(
        hex::encode(b),
        state.settings.base_url.starts_with("https://"),
    )
}

fn bytes_payload(body: web::Bytes) -> Payload {
    Payload::from(body)
}

/// Loads the viewer from the session cookie (one query), checking the password tag.
fn load_viewer(
    conn: &mut crate::db::DbConnection,
    data: &SessionData,
) -> QueryResult<Option<Viewer>> {
    let row: Option<rows::Organizer> = organizers::table
        .find(data.o)
        .select(rows::Organizer::as_select())
        .first(conn)
        .optional()?;
    Ok(row
        .filter(|o| password_tag(&o.password_hash, o.session_epoch) == data.p)
        .map(|o| Viewer {
            session_epoch: o.session_epoch,
            id: o.id,
            email: o.email,
            is_admin: o.is_admin,
        }))
}

/// The access rule of a route, applied before its handler (see `admin::routes`).
pub async fn require(
    access: Access,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| actix_web::error::ErrorInternalServerError("no state"))?;
    let session = read_session(&state, req.request());
    let slug = req.match_info().get("slug").map(str::to_string);
    let lang = crate::web::page::PageCtx::from_request(req.request()).lang;
    let pool = state.pool.clone();
    let found = web::block(move || -> Result<_, AppError> {
        let mut conn = crate::db::checkout(&pool)?;
        let viewer = match &session {
            Some(s) => load_viewer(&mut conn, s).map_err(AppError::from)?,
            None => None,
        };
        let mut congress = None;
        let mut role = None;
        if let (Some(slug), Access::Congress(_)) = (&slug, access) {
            congress = congresses::table
                .filter(congresses::slug.eq(slug))
                .select(rows::Congress::as_select())
                .first(&mut conn)
                .optional()
                .map_err(AppError::from)?;
            if let (Some(c), Some(v)) = (&congress, &viewer) {
                role = if v.is_admin {
                    Some(Role::Owner)
                } else {
                    congress_roles::table
                        .filter(congress_roles::congress_id.eq(c.id))
                        .filter(congress_roles::organizer_id.eq(v.id))
                        .select(congress_roles::role)
                        .first::<String>(&mut conn)
                        .optional()
                        .map_err(AppError::from)?
                        .and_then(|r| Role::parse(&r))
                };
            }
        }
        Ok((viewer, congress, role))
    })
    .await
    .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))?;
    let (viewer, congress, role) = match found {
        Ok(x) => x,
        Err(e) => return Ok(req.error_response(e)),
    };
    let login_needed = access != Access::Public && viewer.is_none();
    if login_needed {
        let next_url = match req.method() {
            &Method::GET => req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let location = if next_url.is_empty() {
            "/admin/login".to_string()
        } else {
            format!("/admin/login?next={}", urlencoding::encode(&next_url))
        };
        return Ok(req.into_response(
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .finish(),
        ));
    }
    if matches!(access, Access::Congress(_)) && congress.is_none() {
        return Ok(req.error_response(AppError::NotFound(lang)));
    }
    if !access.admits(viewer.as_ref(), role) {
        return Ok(req.error_response(AppError::Forbidden(
            lang,
            lang.texts().forbidden_text.to_string(),
        )));
    }
    req.extensions_mut().insert(AdminCtx {
        viewer,
        congress,
        role,
    });
    Ok(next.call(req).await?.map_into_boxed_body())
}
