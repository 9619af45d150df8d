//! The repair view: workshop seats and waiting-list places held on a day their holder does not
//! attend, each with a one-click release that lets the next in line move up.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::app::AppState;
use crate::domain::{EnrollmentStatus, RegistrationId, SessionId};
use crate::services::now_utc;
use crate::services::registration::{self as svc, OffDaySeat};
use crate::web::admin::kit::Chrome;
use crate::web::auth::AdminCtx;
use crate::web::error::AppError;
use crate::web::extract::{key, Id};
use crate::web::page::PageCtx;
use crate::web::respond::{page, see_other, with_db};

#[derive(Template)]
#[template(path = "admin/off_day.html")]
struct OffDayPage {
    ctx: PageCtx,
    chrome: Chrome,
    seats: Vec<OffDaySeat>,
    released: bool,
}

impl OffDayPage {
    fn days(&self, s: &OffDaySeat) -> String {
        s.days
            .iter()
            .map(|d| self.ctx.lang.short_date(*d))
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn day(&self, s: &OffDaySeat) -> String {
        self.ctx.lang.short_date(s.day)
    }
    fn status(&self, s: &OffDaySeat) -> &'static str {
        match s.status {
            EnrollmentStatus::Waitlisted => self.ctx.t.a.waitlist,
            _ => self.ctx.t.a.taken,
        }
    }
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    let c = admin.congress()?.id;
    let seats = with_db(&state, ctx.lang, move |conn| svc::off_day_seats(conn, c)).await?;
    page(
        StatusCode::OK,
        OffDayPage {
            chrome: Chrome::new(&req, &admin, "seats"),
            released: req.query_string().contains("released=1"),
            ctx,
            seats,
        },
    )
}

pub async fn release(
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    registration: Id<key::Registration>,
    session: Id<key::Session>,
) -> Result<HttpResponse, AppError> {
    let (registration, session): (RegistrationId, SessionId) = (registration.get(), session.get());
    let (congress, organizer) = (admin.congress()?.id, admin.viewer()?.id);
    let mail = state.ctx.clone();
    with_db(&state, ctx.lang, move |conn| {
        svc::release_off_day(
            conn,
            &mail,
            congress,
            registration,
            session,
            organizer,
            now_utc(),
        )
    })
    .await?;
    Ok(see_other(&format!(
        "/admin/{}/seats/off-day?released=1",
        admin.congress()?.slug
    )))
}
