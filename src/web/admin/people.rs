//! Registrations in the back office: the list with search, filters and pages, one registration
//! in full with approve, decline, cancel and check-in, the CSV export and the workshop seats.
//! Check-in at the door and the mail pages are in the submodules.

pub mod checkin;
pub mod mail;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::registration::RegistrationStatus;
use crate::domain::RegistrationId;
use crate::domain::{EnrollmentStatus, SessionStatus};
use crate::services::people::{
    self as svc, Filter, RegistrationDetail, RegistrationPage, SeatLine, PAGE_SIZE,
};
use crate::services::{now_utc, registration, ServiceError};
use crate::web::admin::kit::{local, status_label, zone, Chrome};
use crate::web::auth::AdminCtx;
use crate::web::error::AppError;
use crate::web::extract::{key, Id};
use crate::web::page::PageCtx;
use crate::web::respond::with_db;
use crate::web::respond::{page, see_other};

/// The list's query string as sent; values that mean nothing are ignored, never an error.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    category: Option<String>,
    workshop: Option<String>,
    page: Option<String>,
}

impl ListQuery {
    pub(crate) fn filter(&self) -> Filter {
        let number = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse().ok());
        Filter {
            q: self.q.clone().unwrap_or_default().trim().to_string(),
            status: self.status.as_deref().and_then(RegistrationStatus::parse),
            category: self.category.as_deref().and_then(|s| s.trim().parse().ok()),
            workshop: number(&self.workshop),
        }
    }

    /// 1-based page number.
    pub(crate) fn page(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
            .clamp(1, i64::MAX / PAGE_SIZE)
    }
}

/// The filter as a query string (for page links and the CSV link), without the page.
fn filter_query(f: &Filter) -> String {
    let mut parts = vec![];
    if !f.q.is_empty() {
        parts.push(format!("q={}", urlencoding::encode(&f.q)));
    }
    if let Some(s) = f.status {
        parts.push(format!("status={}", s.as_str()));
    }
    if let Some(c) = f.category {
        parts.push(format!("category={c}"));
    }
    if let Some(w) = f.workshop {
        parts.push(format!("workshop={w}"));
    }
    parts.join("&")
}

#[derive(Template)]
#[template(path = "admin/registrations.html")]
struct ListPage {
    ctx: PageCtx,
    chrome: Chrome,
    p: RegistrationPage,
    filter: Filter,
    /// The filter as a query string, "" for none.
    query: String,
    page_no: i64,
    pages: i64,
    tz: Tz,
}

impl ListPage {
    fn status(&self, s: &RegistrationStatus) -> &'static str {
        status_label(self.ctx.t.a, *s)
    }
    fn status_value(&self) -> &'static str {
        self.filter.status.map_or("", RegistrationStatus::as_str)
    }
    fn is_category(&self, id: &crate::domain::CategoryId) -> bool {
        self.filter.category == Some(*id)
    }
    fn is_workshop(&self, id: &crate::domain::SessionId) -> bool {
        self.filter.workshop == Some(*id)
    }
    fn when(&self, at: &NaiveDateTime) -> String {
        local(self.tz, at, "%Y-%m-%d %H:%M")
    }
    /// Link to another page of the same list.
    fn page_link(&self, n: i64) -> String {
        let sep = if self.query.is_empty() { "" } else { "&" };
        format!(
            "/admin/{}/registrations?{}{sep}page={n}",
            self.chrome.slug, self.query
        )
    }
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let id = admin.congress()?.id;
    let filter = q.filter();
    let page_no = q.page();
    let f = filter.clone();
    let p = with_db(&state, ctx.lang, move |conn| {
        svc::list(conn, id, &f, page_no - 1)
    })
    .await?;
    let pages = ((p.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    page(
        StatusCode::OK,
        ListPage {
            chrome: Chrome::new(&req, &admin, "registrations"),
            tz: zone(&admin)?,
            query: filter_query(&filter),
            ctx,
            p,
            filter,
            page_no,
            pages,
        },
    )
}

#[derive(Template)]
#[template(path = "admin/registration.html")]
struct DetailPage {
    ctx: PageCtx,
    chrome: Chrome,
    d: RegistrationDetail,
    error: String,
    tz: Tz,
}

impl DetailPage {
    fn standing(&self, s: &crate::services::registration::Standing) -> Vec<String> {
        crate::services::registration::standing_lines(self.ctx.lang, s)
    }

    fn status(&self, s: &RegistrationStatus) -> &'static str {
        status_label(self.ctx.t.a, *s)
    }
    fn when(&self, at: &NaiveDateTime) -> String {
        local(self.tz, at, "%Y-%m-%d %H:%M")
    }
    fn when_opt(&self, at: &Option<NaiveDateTime>) -> String {
        at.as_ref()
            .map(|t| self.when(t))
            .unwrap_or_else(|| "–".into())
    }
    fn yes_no(&self, b: &bool) -> &'static str {
        if *b {
            self.ctx.t.a.yes
        } else {
            self.ctx.t.a.no
        }
    }
    fn days(&self) -> String {
        let days: Vec<String> = self
            .d
            .registration
            .days_attending
            .split(',')
            .filter_map(|d| d.trim().parse::<NaiveDate>().ok())
            .map(|d| self.ctx.lang.short_date(d))
            .collect();
        if days.is_empty() {
            "–".into()
        } else {
            days.join(", ")
        }
    }
    fn answer(&self, kind: &str, value: &str) -> String {
        if kind == "checkbox" {
            self.ctx.t.a.yes.to_string()
        } else {
            value.lines().collect::<Vec<_>>().join(", ")
        }
    }
    fn seat(&self, e: &svc::EnrollmentLine) -> String {
        let a = self.ctx.t.a;
        match (e.status, e.waitlist_position) {
            (EnrollmentStatus::Enrolled, _) => a.enr_enrolled.into(),
            (EnrollmentStatus::Waitlisted, Some(p)) => format!("{} {p}", a.enr_waitlisted),
            (EnrollmentStatus::Waitlisted, None) => a.waitlist.into(),
            (EnrollmentStatus::Cancelled, _) => a.enr_cancelled.into(),
        }
    }
    fn may(&self, action: &str) -> bool {
        let s = self.d.registration.status;
        match action {
            "approve" | "decline" => s == RegistrationStatus::AwaitingApproval,
            "cancel" => crate::domain::registration::blocks_reregistration(s),
            "checkin" => {
                s == RegistrationStatus::Confirmed && self.d.registration.checked_in_at.is_none()
            }
            _ => false,
        }
    }
}

async fn detail_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    ctx: PageCtx,
    admin: &AdminCtx,
    (status, rid, error): (StatusCode, RegistrationId, String),
) -> Result<HttpResponse, AppError> {
    let id = admin.congress()?.id;
    let d = with_db(state, ctx.lang, move |conn| svc::detail(conn, id, rid)).await?;
    // A refusal from the place actions (`web::admin::place`) arrives in the query.
    let error = match req.query_string() {
        _ if !error.is_empty() => error,
        q if q.contains("refused=congress") => ctx.t.blk.refused_congress.to_string(),
        q if q.contains("refused=category") => ctx.t.blk.refused_category.to_string(),
        q if q.contains("refused=not_waiting") => ctx.t.a.err_not_allowed.to_string(),
        _ => String::new(),
    };
    page(
        status,
        DetailPage {
            chrome: Chrome::new(req, admin, "registrations"),
            tz: zone(admin)?,
            ctx,
            d,
            error,
        },
    )
}

pub async fn detail(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    rid: Id<key::Registration>,
) -> Result<HttpResponse, AppError> {
    let rid = rid.get();
    detail_page(
        &req,
        &state,
        ctx,
        &admin,
        (StatusCode::OK, rid, String::new()),
    )
    .await
}

/// What an organizer can do to one registration.
#[derive(Clone, Copy)]
enum Action {
    Approve,
    Decline,
    Cancel,
    CheckIn,
}

async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    rid: Id<key::Registration>,
    action: Action,
) -> Result<HttpResponse, AppError> {
    let rid = rid.get();
    let (id, organizer) = (admin.congress()?.id, admin.viewer()?.id);
    let mail = state.ctx.clone();
    let done = with_db(&state, ctx.lang, move |conn| {
        let now = now_utc();
        Ok(match action {
            Action::Approve => {
                registration::approve(conn, &mail, id, rid, organizer, now).map(|_| ())
            }
            Action::Decline => {
                registration::decline(conn, &mail, id, rid, organizer, now).map(|_| ())
            }
            Action::Cancel => svc::registration_in(conn, id, rid).and_then(|_| {
                registration::cancel(conn, &mail, rid, Some(organizer), now).map(|_| ())
            }),
            Action::CheckIn => svc::check_in(conn, id, rid, organizer, now).map(|_| ()),
        })
    })
    .await?;
    match done {
        Ok(()) => Ok(see_other(&format!(
            "/admin/{}/registrations/{rid}?saved=1",
            admin.congress()?.slug
        ))),
        Err(ServiceError::Conflict(_)) => {
            let msg = ctx.t.a.err_not_allowed.to_string();
            detail_page(&req, &state, ctx, &admin, (StatusCode::CONFLICT, rid, msg)).await
        }
        Err(e) => Err(AppError::from_service(ctx.lang, e)),
    }
}

pub async fn approve(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    rid: Id<key::Registration>,
) -> Result<HttpResponse, AppError> {
    act(req, state, ctx, admin, rid, Action::Approve).await
}

pub async fn decline(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    rid: Id<key::Registration>,
) -> Result<HttpResponse, AppError> {
    act(req, state, ctx, admin, rid, Action::Decline).await
}

pub async fn cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    rid: Id<key::Registration>,
) -> Result<HttpResponse, AppError> {
    act(req, state, ctx, admin, rid, Action::Cancel).await
}

pub async fn check_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    rid: Id<key::Registration>,
) -> Result<HttpResponse, AppError> {
    act(req, state, ctx, admin, rid, Action::CheckIn).await
}

pub async fn csv_export(
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let c = admin.congress()?.clone();
    let filter = q.filter();
    let id = c.id;
    let x = with_db(&state, ctx.lang, move |conn| svc::export(conn, id, &filter)).await?;
    crate::web::respond::registrations_csv_download(&x, zone(&admin)?, &c.slug)
}

#[derive(Template)]
#[template(path = "admin/seats.html")]
struct SeatsPage {
    ctx: PageCtx,
    chrome: Chrome,
    seats: Vec<SeatLine>,
    /// How many moved up after the last press of "promote", if that is where we come from.
    promoted: Option<i64>,
    error: String,
    tz: Tz,
}

impl SeatsPage {
    fn seats_of(&self, s: &SeatLine) -> i32 {
        s.seats()
    }
    fn time(&self, s: &SeatLine) -> String {
        match (s.starts_at, s.ends_at) {
            (Some(a), Some(b)) => {
                let day = a.and_utc().with_timezone(&self.tz).date_naive();
                format!(
                    "{} {}–{}",
                    self.ctx.lang.short_date(day),
                    local(self.tz, &a, "%H:%M"),
                    local(self.tz, &b, "%H:%M")
                )
            }
            _ => "–".into(),
        }
    }
}

async fn seats_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    ctx: PageCtx,
    admin: &AdminCtx,
    status: StatusCode,
    error: String,
) -> Result<HttpResponse, AppError> {
    let id = admin.congress()?.id;
    let seats = with_db(state, ctx.lang, move |conn| svc::seats(conn, id)).await?;
    let promoted = req
        .query_string()
        .split('&')
        .find_map(|kv| kv.strip_prefix("promoted="))
        .and_then(|n| n.parse().ok());
    page(
        status,
        SeatsPage {
            chrome: Chrome::new(req, admin, "seats"),
            tz: zone(admin)?,
            ctx,
            seats,
            promoted,
            error,
        },
    )
}

pub async fn seats(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    seats_page(&req, &state, ctx, &admin, StatusCode::OK, String::new()).await
}

pub async fn promote(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    session: Id<key::Session>,
) -> Result<HttpResponse, AppError> {
    let session = session.get();
    let (id, organizer) = (admin.congress()?.id, admin.viewer()?.id);
    let mail = state.ctx.clone();
    let done = with_db(&state, ctx.lang, move |conn| {
        Ok(registration::organizer_promote(
            conn,
            &mail,
            id,
            session,
            organizer,
            now_utc(),
        ))
    })
    .await?;
    match done {
        Ok(n) => Ok(see_other(&format!(
            "/admin/{}/seats?promoted={n}",
            admin.congress()?.slug
        ))),
        Err(ServiceError::Conflict(_)) => {
            let msg = ctx.t.a.err_session_cancelled.to_string();
            seats_page(&req, &state, ctx, &admin, StatusCode::CONFLICT, msg).await
        }
        Err(e) => Err(AppError::from_service(ctx.lang, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_read_leniently() {
        let q = ListQuery {
            q: Some("  anna ".into()),
            status: Some("nonsense".into()),
            category: Some("7".into()),
            workshop: Some("x".into()),
            page: Some("-3".into()),
        };
        let f = q.filter();
        assert_eq!(f.q, "anna");
        assert_eq!(
            (f.status, f.category, f.workshop),
            (None, Some(crate::domain::CategoryId::from(7)), None)
        );
        assert_eq!(q.page(), 1);
        assert_eq!(filter_query(&f), "q=anna&category=7");
    }
}
