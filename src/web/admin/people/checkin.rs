//! Check-in at the door, made for a phone: search by name, email or organization, or open the
//! participant's QR code (`/admin/{slug}/checkin/code/{code}`); one big button per person. A
//! second tap keeps the first time.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::{RegistrationId, RegistrationStatus};
use crate::services::people::{self as svc, Arrival, CheckIn};
use crate::services::{now_utc, tokens, ServiceError};
use crate::web::admin::kit::Chrome;
use crate::web::admin::kit::{local, status_label, zone};
use crate::web::auth::AdminCtx;
use crate::web::error::AppError;
use crate::web::extract::{key, Id};
use crate::web::page::PageCtx;
use crate::web::respond::with_db;
use crate::web::respond::{page, see_other};

/// (registration id, checked in just now)
type Done = Option<(RegistrationId, bool)>;

#[derive(Template)]
#[template(path = "admin/checkin.html")]
struct CheckinPage {
    ctx: PageCtx,
    chrome: Chrome,
    q: String,
    /// The scanned code, when the page shows one person by code.
    code: String,
    /// A code was scanned but matches nobody.
    unknown_code: bool,
    arrivals: Vec<(Arrival, String)>,
    more: bool,
    checked_in: i64,
    confirmed: i64,
    done: Done,
    error: String,
    tz: Tz,
}

impl CheckinPage {
    fn time(&self, at: &NaiveDateTime) -> String {
        local(self.tz, at, "%H:%M")
    }
    fn status(&self, s: &RegistrationStatus) -> &'static str {
        status_label(self.ctx.t.a, *s)
    }
    /// The line announcing the last tap, or "".
    fn outcome(&self) -> String {
        let Some((id, first)) = self.done else {
            return String::new();
        };
        let a = self.ctx.t.a;
        let Some((p, _)) = self.arrivals.iter().find(|(p, _)| p.id == id) else {
            return String::new();
        };
        let name = format!("{} {}", p.first_name, p.last_name);
        match (first, p.checked_in_at) {
            (true, _) => format!("{name} {}", a.checkin_done),
            (false, Some(t)) => format!("{name} {} {}.", a.checkin_already, self.time(&t)),
            (false, None) => String::new(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CheckinQuery {
    q: Option<String>,
    done: Option<String>,
    first: Option<String>,
}

impl CheckinQuery {
    fn done(&self) -> Done {
        let id = self.done.as_deref()?.parse().ok()?;
        Some((id, self.first.as_deref() == Some("1")))
    }
}

struct View {
    status: StatusCode,
    q: String,
    code: Option<String>,
    done: Done,
    error: String,
}

async fn render(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    ctx: PageCtx,
    admin: &AdminCtx,
    v: View,
) -> Result<HttpResponse, AppError> {
    let id = admin.congress()?.id;
    let (q, code) = (v.q.clone(), v.code.clone());
    let (list, found) = with_db(state, ctx.lang, move |conn| {
        let list = svc::checkin_search(conn, id, &q)?;
        let found = match &code {
            Some(c) => svc::by_checkin_code(conn, id, c)?,
            None => None,
        };
        Ok((list, found))
    })
    .await?;
    let unknown_code = v.code.is_some() && found.is_none();
    let arrivals: Vec<(Arrival, String)> = match (&v.code, found) {
        (Some(_), Some(one)) => vec![one],
        (Some(_), None) => vec![],
        (None, _) => list
            .arrivals
            .iter()
            .map(|a| (a.clone(), list.category(&a.category_id).to_string()))
            .collect(),
    };
    page(
        v.status,
        CheckinPage {
            chrome: Chrome::new(req, admin, "checkin"),
            tz: zone(admin)?,
            ctx,
            q: v.q,
            code: v.code.unwrap_or_default(),
            unknown_code,
            arrivals,
            more: list.more,
            checked_in: list.checked_in,
            confirmed: list.confirmed,
            done: v.done,
            error: v.error,
        },
    )
}

pub async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    query: web::Query<CheckinQuery>,
) -> Result<HttpResponse, AppError> {
    let v = View {
        status: StatusCode::OK,
        q: query.q.clone().unwrap_or_default().trim().to_string(),
        code: None,
        done: query.done(),
        error: String::new(),
    };
    render(&req, &state, ctx, &admin, v).await
}

/// The page the participant's QR code opens. An unknown code is an answer too ("nobody"), shown
/// with the search field, not an error page: the door goes on with the next person.
pub async fn by_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    path: web::Path<(String, String)>,
    query: web::Query<CheckinQuery>,
) -> Result<HttpResponse, AppError> {
    let v = View {
        status: StatusCode::OK,
        q: String::new(),
        code: Some(path.1.clone()),
        done: query.done(),
        error: String::new(),
    };
    render(&req, &state, ctx, &admin, v).await
}

#[derive(Debug, Default, Deserialize)]
pub struct CheckinForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    code: String,
}

pub async fn check_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    rid: Id<key::Registration>,
    form: web::Form<CheckinForm>,
) -> Result<HttpResponse, AppError> {
    let rid = rid.get();
    let (id, organizer) = (admin.congress()?.id, admin.viewer()?.id);
    let slug = admin.congress()?.slug.clone();
    let done = with_db(&state, ctx.lang, move |conn| {
        Ok(svc::check_in(conn, id, rid, organizer, now_utc()))
    })
    .await?;
    // Only a well-formed code goes back into a URL.
    let code = tokens::plausible(&form.code).then(|| form.code.clone());
    match done {
        Ok(outcome) => {
            let first = u8::from(matches!(outcome, CheckIn::Done(_)));
            let back = match &code {
                Some(c) => format!("/admin/{slug}/checkin/code/{c}?done={rid}&first={first}"),
                None => format!(
                    "/admin/{slug}/checkin?q={}&done={rid}&first={first}",
                    urlencoding::encode(form.q.trim())
                ),
            };
            Ok(see_other(&back))
        }
        Err(ServiceError::Conflict(_)) => {
            let v = View {
                status: StatusCode::CONFLICT,
                q: form.q.trim().to_string(),
                code,
                done: None,
                error: ctx.t.a.no_admission.to_string(),
            };
            render(&req, &state, ctx, &admin, v).await
        }
        Err(e) => Err(AppError::from_service(ctx.lang, e)),
    }
}
