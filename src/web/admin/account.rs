//! Login, logout, password change and the organizer's list of congresses.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::services::hashing::Busy;
use crate::services::organizers::{self, Login, LoginStart, MyCongress};
use crate::web::admin::kit::Chrome;
use crate::web::auth::{self, AdminCtx, CsrfToken};
use crate::web::error::{AppError, RETRY_AFTER_SECONDS};
use crate::web::forms::Errors;
use crate::web::input::Rejected;
use crate::web::page::PageCtx;
use crate::web::respond::with_db;
use crate::web::respond::{page, see_other, INVALID};

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    ctx: PageCtx,
    csrf: String,
    email: String,
    next: String,
    error: String,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Only our own back-office paths are followed after login (no open redirect), and only as
/// printable ASCII (a browser sends a path percent-encoded): a CR/LF never reaches `Location`.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/admin")
                && !n.starts_with("//")
                && !n.contains("://")
                && !n.contains('\\')
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n.to_string()
        }
        _ => "/admin".to_string(),
    }
}

pub async fn login_form(
    req: HttpRequest,
    ctx: PageCtx,
    csrf: CsrfToken,
    q: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let _ = req;
    page(
        StatusCode::OK,
        LoginPage {
            ctx,
            csrf: csrf.0,
            email: String::new(),
            next: safe_next(q.next.as_deref()),
            error: String::new(),
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    csrf: CsrfToken,
    form: web::Form<LoginForm>,
    rejected: Rejected,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    if !rejected.is_empty() {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            LoginPage {
                csrf: csrf.0,
                email: form.email,
                next: safe_next(Some(&form.next)),
                error: ctx.t.control_in_field.to_string(),
                ctx,
            },
        );
    }
    let ip = crate::web::client::client_key(&req);
    let email = form.email.clone();
    let start = with_db(&state, ctx.lang, move |conn| {
        organizers::begin_login(conn, &email, &ip)
    })
    .await?;
    let next = safe_next(Some(&form.next));
    let outcome = match start {
        LoginStart::Throttled => Err((StatusCode::TOO_MANY_REQUESTS, ctx.t.a.login_throttled)),
        LoginStart::Check(pending) => {
            let (stored, password) = (pending.stored_hash(), form.password.clone());
            let checked = state
                .hashing
                .run(move || organizers::verify_login_password(&password, stored.as_deref()))
                .await;
            match checked {
                Ok(ok) => Ok(with_db(&state, ctx.lang, move |conn| {
                    organizers::finish_login(conn, pending, ok)
                })
                .await?),
                Err(Busy) => Err((StatusCode::SERVICE_UNAVAILABLE, ctx.t.a.login_busy)),
            }
        }
    };
    let (status, error) = match outcome {
        Ok(Login::Ok {
            id,
            password_hash,
            session_epoch,
        }) => {
            let cookie = auth::session_cookie(&state, id, &password_hash, session_epoch);
            let mut res = see_other(&next);
            res.add_cookie(&cookie)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            // A new session, a new CSRF token: one planted before the login is worth nothing.
            res.add_cookie(&auth::fresh_csrf_cookie(&state))
                .map_err(|e| AppError::Internal(e.to_string()))?;
            return Ok(res);
        }
        Ok(Login::Wrong) => (StatusCode::UNAUTHORIZED, ctx.t.a.login_failed),
        Err(refused) => refused,
    };
    let mut res = page(
        status,
        LoginPage {
            csrf: csrf.0,
            email: form.email,
            next,
            error: error.to_string(),
            ctx,
        },
    )?;
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(RETRY_AFTER_SECONDS),
        );
    }
    Ok(res)
}

/// Ends the session on the server too: a copy of the cookie stops working at once.
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    if let Some(id) = auth::session_organizer(&state, &req) {
        with_db(&state, ctx.lang, move |conn| {
            organizers::end_sessions(conn, id)
        })
        .await?;
    }
    let mut res = see_other("/admin/login");
    res.add_cookie(&auth::logout_cookie())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(res)
}

#[derive(Template)]
#[template(path = "admin/password.html")]
struct PasswordPage {
    ctx: PageCtx,
    chrome: Chrome,
    errors: Errors,
    done: bool,
}

pub async fn password_form(
    req: HttpRequest,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    let done = req.query_string() == "done=1";
    page(
        StatusCode::OK,
        PasswordPage {
            chrome: Chrome::new(&req, &admin, "password"),
            ctx,
            errors: Errors::default(),
            done,
        },
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    form: web::Form<PasswordForm>,
    rejected: Rejected,
) -> Result<HttpResponse, AppError> {
    let a = ctx.t.a;
    let mut errors = rejected.errors(ctx.lang);
    if form.new.chars().count() < organizers::MIN_PASSWORD_LEN {
        errors.add("new", a.password_too_short);
    } else if form.new != form.repeat {
        errors.add("repeat", a.passwords_differ);
    }
    if errors.is_empty() {
        let (id, epoch) = (admin.viewer()?.id, admin.viewer()?.session_epoch);
        let (current, new) = (form.current.clone(), form.new.clone());
        let old = with_db(&state, ctx.lang, move |conn| {
            organizers::password_hash_of(conn, id)
        })
        .await?;
        let stored = old.clone();
        let rehashed = state
            .hashing
            .run(move || organizers::rehash_password(&stored, &current, &new))
            .await
            .map_err(|Busy| AppError::Busy(ctx.lang))?;
        let result = match rehashed {
            Ok(hash) => {
                with_db(&state, ctx.lang, move |conn| {
                    Ok(organizers::store_password(conn, id, &old, &hash).map(|()| hash))
                })
                .await?
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(hash) => {
                let mut res = see_other("/admin/password?done=1");
                res.add_cookie(&auth::session_cookie(&state, id, &hash, epoch))
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                return Ok(res);
            }
            Err(crate::services::ServiceError::Invalid { .. }) => {
                errors.add("current", a.password_wrong);
            }
            Err(e) => return Err(AppError::from_service(ctx.lang, e)),
        }
    }
    page(
        INVALID,
        PasswordPage {
            chrome: Chrome::new(&req, &admin, "password"),
            ctx,
            errors,
            done: false,
        },
    )
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    ctx: PageCtx,
    chrome: Chrome,
    congresses: Vec<MyCongress>,
}

impl IndexPage {
    fn status(&self, c: &MyCongress) -> &'static str {
        crate::web::admin::kit::congress_status_label(self.ctx.t.a, c.status)
    }
    fn role(&self, c: &MyCongress) -> &'static str {
        crate::web::admin::kit::role_label(self.ctx.t.a, &c.role)
    }
}

pub async fn index(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    let v = admin.viewer()?.clone();
    let congresses = with_db(&state, ctx.lang, move |conn| {
        organizers::congresses_of(conn, v.id, v.is_admin)
    })
    .await?;
    page(
        StatusCode::OK,
        IndexPage {
            chrome: Chrome::new(&req, &admin, "index"),
            ctx,
            congresses,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_plain_back_office_paths_are_followed() {
        assert_eq!(
            safe_next(Some("/admin/x1/people?page=2")),
            "/admin/x1/people?page=2"
        );
        for bad in [
            "/admin\r\nSet-Cookie: a=b",
            "/admin\nx",
            "/admin/ x",
            "//evil.example/admin",
            "/admin\\@evil.example",
            "https://evil.example/admin",
            "/adminü",
        ] {
            assert_eq!(safe_next(Some(bad)), "/admin", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/admin");
    }
}
