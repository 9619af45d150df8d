//! What organizers see of the speakers' private links: sent, last opened, the answers per
//! session, and sessions whose speakers have not confirmed; resend and revoke.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use chrono_tz::Tz;

use crate::app::AppState;
use crate::services::audit::Actor;
use crate::services::now_utc;
use crate::services::speaker_portal::{self as svc, SpeakerStatus};
use crate::web::admin::kit::zone;
use crate::web::admin::kit::Chrome;
use crate::web::auth::AdminCtx;
use crate::web::error::AppError;
use crate::web::extract::{key, Id};
use crate::web::page::PageCtx;
use crate::web::respond::with_db;
use crate::web::respond::{page, see_other};

/// A session with speakers who have not confirmed: (name, answer) of each of them.
struct OpenSession {
    id: i64,
    title: String,
    people: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "admin/speaker_links.html")]
struct LinksPage {
    ctx: PageCtx,
    chrome: Chrome,
    tz: Tz,
    speakers: Vec<SpeakerStatus>,
    /// Sessions not confirmed by everyone.
    open: Vec<OpenSession>,
    message: String,
}

impl LinksPage {
    fn at(&self, t: &Option<NaiveDateTime>) -> String {
        match t {
            Some(t) => {
                let l = t.and_utc().with_timezone(&self.tz);
                format!(
                    "{} {}",
                    self.ctx.lang.short_date(l.date_naive()),
                    l.format("%H:%M")
                )
            }
            None => self.ctx.t.a.never.to_string(),
        }
    }

    fn answer(&self, a: &str) -> &'static str {
        match a {
            "confirmed" => self.ctx.t.s.answer_confirmed,
            "declined" => self.ctx.t.s.answer_declined,
            _ => self.ctx.t.s.answer_unconfirmed,
        }
    }
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    let id = admin.congress()?.id;
    let speakers = with_db(&state, ctx.lang, move |conn| {
        svc::statuses(conn, id, now_utc())
    })
    .await?;
    let mut open: Vec<OpenSession> = vec![];
    for s in &speakers {
        for (sid, title, answer) in &s.sessions {
            if answer == "confirmed" {
                continue;
            }
            let person = (s.name.clone(), answer.clone());
            match open.iter_mut().find(|o| o.id == *sid) {
                Some(o) => o.people.push(person),
                None => open.push(OpenSession {
                    id: *sid,
                    title: title.clone(),
                    people: vec![person],
                }),
            }
        }
    }
    let message = match req.query_string() {
        q if q.contains("done=sent") => ctx.t.a.link_queued.to_string(),
        q if q.contains("done=revoked") => ctx.t.a.link_revoked.to_string(),
        _ => String::new(),
    };
    page(
        StatusCode::OK,
        LinksPage {
            chrome: Chrome::new(&req, &admin, "speaker-links"),
            tz: zone(&admin)?,
            ctx,
            speakers,
            open,
            message,
        },
    )
}

pub async fn send(
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    sid: Id<key::Speaker>,
) -> Result<HttpResponse, AppError> {
    let sid = sid.get();
    let (id, actor) = (admin.congress()?.id, Actor::Organizer(admin.viewer()?.id));
    let mail = state.ctx.clone();
    with_db(&state, ctx.lang, move |conn| {
        svc::resend(conn, &mail, id, sid, actor)
    })
    .await?;
    Ok(see_other(&format!(
        "/admin/{}/speaker-links?done=sent#sp{sid}",
        admin.congress()?.slug
    )))
}

pub async fn revoke(
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    sid: Id<key::Speaker>,
) -> Result<HttpResponse, AppError> {
    let sid = sid.get();
    let (id, actor) = (admin.congress()?.id, Actor::Organizer(admin.viewer()?.id));
    with_db(&state, ctx.lang, move |conn| {
        svc::revoke(conn, id, sid, actor)
    })
    .await?;
    Ok(see_other(&format!(
        "/admin/{}/speaker-links?done=revoked#sp{sid}",
        admin.congress()?.slug
    )))
}
