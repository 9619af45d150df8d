//! What back-office pages share: the chrome around every page, path ids, the congress's time
//! zone, status words and the speakers' names for conflict messages. Handlers of the back
//! office import from here (and from `web::respond`), never from each other.

use std::collections::HashMap;

use actix_web::{web, HttpRequest};
use chrono::NaiveDateTime;
use chrono_tz::Tz;

use crate::app::AppState;
use crate::domain::registration::RegistrationStatus;
use crate::domain::time::parse_time_zone;
use crate::i18n::admin::AdminTexts;
use crate::i18n::Lang;
use crate::web::auth::{AdminCtx, CsrfToken, Role};
use crate::web::error::AppError;
use crate::web::extract::PageCtx;
use crate::web::respond::with_db;

/// What every back-office page shows around its content.
pub struct Chrome {
    pub csrf: String,
    pub email: String,
    pub slug: String,
    pub title: String,
    pub current: &'static str,
    pub flash: String,
    pub is_owner: bool,
    pub is_admin: bool,
}

impl Chrome {
    pub fn new(req: &HttpRequest, admin: &AdminCtx, current: &'static str) -> Chrome {
        let ctx = PageCtx::from_request(req);
        let saved = req.query_string().split('&').any(|kv| kv == "saved=1");
        Chrome {
            csrf: CsrfToken::of(req).0,
            email: admin
                .viewer
                .as_ref()
                .map(|v| v.email.clone())
                .unwrap_or_default(),
            slug: admin
                .congress
                .as_ref()
                .map(|c| c.slug.clone())
                .unwrap_or_default(),
            title: admin
                .congress
                .as_ref()
                .map(|c| c.title.clone())
                .unwrap_or_default(),
            current,
            flash: if saved {
                ctx.t.a.saved.to_string()
            } else {
                String::new()
            },
            is_owner: admin.may(Role::Owner),
            is_admin: admin.viewer.as_ref().is_some_and(|v| v.is_admin),
        }
    }
}

/// A path id; anything that is not a number is a page that does not exist.
pub fn id_of(ctx: &PageCtx, raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound(ctx.lang))
}

/// The congress's time zone (UTC if the stored name is unknown).
pub fn zone(admin: &AdminCtx) -> Result<Tz, AppError> {
    Ok(parse_time_zone(&admin.congress()?.time_zone).unwrap_or(chrono_tz::UTC))
}

/// A stored UTC instant in the congress's time zone.
pub fn local(tz: Tz, at: &NaiveDateTime, format: &str) -> String {
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

/// Speakers' names for conflict messages, loaded only when there is a conflict to explain.
pub async fn names_for(
    state: &web::Data<AppState>,
    ctx: &PageCtx,
    congress: i64,
    needed: bool,
) -> Result<HashMap<i64, String>, AppError> {
    if !needed {
        return Ok(HashMap::new());
    }
    let speakers = with_db(state, ctx.lang, move |conn| {
        Ok(crate::services::setup::speakers_of(conn, congress)?)
    })
    .await?;
    Ok(speakers.into_iter().map(|s| (s.id, s.name)).collect())
}

/// A session status in words.
pub fn status_label_session(lang: Lang, status: &str) -> &'static str {
    match (lang, status) {
        (Lang::De, "draft") => "ungeplant",
        (Lang::De, "scheduled") => "eingeplant",
        (Lang::De, "cancelled") => "abgesagt",
        (Lang::En, "draft") => "unscheduled",
        (Lang::En, "scheduled") => "scheduled",
        (Lang::En, "cancelled") => "cancelled",
        _ => "?",
    }
}
