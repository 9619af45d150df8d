//! Registrations in the back office: the list with search, filters and pages, one registration
//! in full with approve, decline, cancel and check-in, the CSV export and the workshop seats.
//! Check-in at the door and the mail pages are in the submodules.

pub mod checkin;
pub mod mail;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use serde::Deserialize;

use super::{page, see_other, Chrome};
use crate::domain::registration::RegistrationStatus;
use crate::domain::time::parse_time_zone;
use crate::error::AppError;
use crate::i18n::admin::AdminTexts;
use crate::services::people::{
    self as svc, Export, Filter, RegistrationDetail, RegistrationPage, SeatLine, PAGE_SIZE,
};
use crate::services::{now_utc, registration, ServiceError};
use crate::startup::AppState;
use crate::web::auth::AdminCtx;
use crate::web::participant::mail_context;
use crate::web::public::with_db;
use crate::web::PageCtx;

/// A path id; anything that is not a number is a page that does not exist.
pub(crate) fn id_of(ctx: &PageCtx, raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound(ctx.lang))
}

/// The congress's time zone (UTC if the stored name is unknown).
pub(crate) fn zone(admin: &AdminCtx) -> Result<Tz, AppError> {
    Ok(parse_time_zone(&admin.congress()?.time_zone).unwrap_or(chrono_tz::UTC))
}

/// A stored UTC instant in the congress's time zone.
pub(crate) fn local(tz: Tz, at: &NaiveDateTime, format: &str) -> String {
    at.and_utc().with_timezone(&tz).format(format).to_string()
}

/// A registration status in words.
pub fn status_label(a: &AdminTexts, status: &str) -> &'static str {
    match RegistrationStatus::parse(status) {
        Some(RegistrationStatus::Pending) => a.reg_pending,
        Some(RegistrationStatus::Confirmed) => a.reg_confirmed,
        Some(RegistrationStatus::Waitlisted) => a.reg_waitlisted,
        Some(RegistrationStatus::AwaitingApproval) => a.reg_awaiting_approval,
        Some(RegistrationStatus::Cancelled) => a.reg_cancelled,
        Some(RegistrationStatus::Expired) => a.reg_expired,
        None => "?",
    }
}

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
            category: number(&self.category),
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
    fn status(&self, s: &str) -> &'static str {
        status_label(self.ctx.t.a, s)
    }
    fn status_value(&self) -> &'static str {
        self.filter.status.map_or("", RegistrationStatus::as_str)
    }
    fn is_category(&self, id: &i64) -> bool {
        self.filter.category == Some(*id)
    }
    fn is_workshop(&self, id: &i64) -> bool {
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
    fn status(&self, s: &str) -> &'static str {
        status_label(self.ctx.t.a, s)
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
        match (e.status.as_str(), e.waitlist_position) {
            ("enrolled", _) => a.enr_enrolled.into(),
            ("waitlisted", Some(p)) => format!("{} {p}", a.enr_waitlisted),
            ("waitlisted", None) => a.waitlist.into(),
            _ => a.enr_cancelled.into(),
        }
    }
    fn may(&self, action: &str) -> bool {
        let s = RegistrationStatus::parse(&self.d.registration.status);
        match action {
            "approve" | "decline" => s == Some(RegistrationStatus::AwaitingApproval),
            "cancel" => crate::domain::registration::blocks_reregistration(
                s.unwrap_or(RegistrationStatus::Cancelled),
            ),
            "checkin" => {
                s == Some(RegistrationStatus::Confirmed)
                    && self.d.registration.checked_in_at.is_none()
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
    (status, rid, error): (StatusCode, i64, String),
) -> Result<HttpResponse, AppError> {
    let id = admin.congress()?.id;
    let d = with_db(state, ctx.lang, move |conn| svc::detail(conn, id, rid)).await?;
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
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let rid = id_of(&ctx, &path.1)?;
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
    raw_id: &str,
    action: Action,
) -> Result<HttpResponse, AppError> {
    let rid = id_of(&ctx, raw_id)?;
    let (id, organizer) = (admin.congress()?.id, admin.viewer()?.id);
    let mail = mail_context(&state);
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
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    act(req, state, ctx, admin, &path.1, Action::Approve).await
}

pub async fn decline(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    act(req, state, ctx, admin, &path.1, Action::Decline).await
}

pub async fn cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    act(req, state, ctx, admin, &path.1, Action::Cancel).await
}

pub async fn check_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    act(req, state, ctx, admin, &path.1, Action::CheckIn).await
}

/// A cell as typed by a participant, made safe for spreadsheets: a leading `=`, `+`, `-`, `@`
/// (or tab, carriage return) would make Excel or LibreOffice run it as a formula, so such a
/// cell starts with an apostrophe.
fn cell(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

/// The export as CSV: UTF-8 with a byte-order mark (so spreadsheet programs detect UTF-8), a
/// header row of stable column names, then one column per registration question.
pub(crate) fn export_csv(x: &Export, tz: Tz) -> Result<Vec<u8>, csv::Error> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let mut head: Vec<String> = [
            "id",
            "status",
            "category",
            "first_name",
            "last_name",
            "email",
            "organization",
            "position",
            "days",
            "dietary",
            "accessibility",
            "public_listing",
            "confirmed_at",
            "checked_in_at",
            "workshops",
            "waitlists",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        head.extend(x.questions.iter().map(|(_, label)| cell(label)));
        w.write_record(&head)?;
        let time = |t: &Option<NaiveDateTime>| {
            t.as_ref()
                .map(|t| local(tz, t, "%Y-%m-%dT%H:%M:%S%:z"))
                .unwrap_or_default()
        };
        for row in &x.rows {
            let r = &row.registration;
            let mut rec = vec![
                r.id.to_string(),
                r.status.clone(),
                cell(&row.category),
                cell(&r.first_name),
                cell(&r.last_name),
                cell(&r.email),
                cell(&r.organization),
                cell(&r.position),
                r.days_attending.replace(',', "; "),
                cell(&r.dietary_needs),
                cell(&r.accessibility_needs),
                if r.consent_public_listing {
                    "yes"
                } else {
                    "no"
                }
                .to_string(),
                time(&r.confirmed_at),
                time(&r.checked_in_at),
                cell(&row.workshops.join("; ")),
                cell(&row.waitlists.join("; ")),
            ];
            for (q, _) in &x.questions {
                rec.push(cell(
                    &row.answers
                        .get(q)
                        .map(|v| v.lines().collect::<Vec<_>>().join("; "))
                        .unwrap_or_default(),
                ));
            }
            w.write_record(&rec)?;
        }
        w.flush()?;
    }
    Ok(out)
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
    let body =
        export_csv(&x, zone(&admin)?).map_err(|e| AppError::Internal(format!("csv: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-registrations.csv\"", c.slug),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
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
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let session = id_of(&ctx, &path.1)?;
    let (id, organizer) = (admin.congress()?.id, admin.viewer()?.id);
    let mail = mail_context(&state);
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
    fn formula_cells_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("+49 89 1234"), "'+49 89 1234");
        assert_eq!(cell("Stadt München"), "Stadt München");
        assert_eq!(cell(""), "");
    }

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
        assert_eq!((f.status, f.category, f.workshop), (None, Some(7), None));
        assert_eq!(q.page(), 1);
        assert_eq!(filter_query(&f), "q=anna&category=7");
    }
}
