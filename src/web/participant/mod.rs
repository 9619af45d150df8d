//! Participants: the public registration form, the confirmation link and the private manage
//! page (status, workshops with seats and waitlists, cancellation).

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::auth::CsrfToken;
use super::forms::{Errors, FormMap};
use super::views::Nav;
use crate::app::AppState;
use crate::db::rows;
use crate::domain::enrollment::EnrollmentStatus;
use crate::domain::SlotGroupId;
use crate::domain::{CongressStatus, SessionId};
use crate::i18n::Lang;
use crate::services::registration::{
    self as svc, ConfirmLink, Confirmation, FormData, SeatOutcome,
};
use crate::services::{now_utc, programme, rate_limit, ServiceError};
use crate::web::error::AppError;
use crate::web::input::Rejected;
use crate::web::page::PageCtx;
use crate::web::respond::{page, see_other, with_db};

mod days;
mod form;
mod page;
mod profile;
mod swap;

pub use days::change as change_days;
pub use form::RegisterForm;
pub use page::manage;
use page::{load_manage, manage_page, page_ctx, ProfileForm, Returned};
pub use profile::save as save_profile;
pub use swap::swap;

/// Whether registration is open now, and the message if not.
fn window_closed(ctx: &PageCtx, c: &rows::Congress) -> Option<String> {
    let now = now_utc();
    let t = ctx.t;
    match (c.registration_opens_at, c.registration_closes_at) {
        _ if c.status != CongressStatus::Published => Some(t.registration_closed.to_string()),
        (Some(o), _) if now < o => Some(t.registration_not_yet.to_string()),
        (_, Some(cl)) if now >= cl => Some(t.registration_closed.to_string()),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "participant/register.html")]
struct RegisterPage {
    ctx: PageCtx,
    nav: Nav,
    csrf: String,
    closed: String,
    data: FormData,
    form: RegisterForm,
    errors: Errors,
    seats: HashMap<SessionId, String>,
    tz: chrono_tz::Tz,
}

impl RegisterPage {
    fn day_label(&self, d: &rows::CongressDay) -> String {
        let label = match self.ctx.lang {
            Lang::En if !d.label_en.is_empty() => &d.label_en,
            _ => &d.label,
        };
        if label.is_empty() {
            self.ctx.lang.long_date(d.day)
        } else {
            format!("{}: {label}", self.ctx.lang.long_date(d.day))
        }
    }

    fn slot(&self, s: &rows::Session) -> String {
        match (s.starts_at, s.ends_at) {
            (Some(a), Some(b)) => {
                let (a, b) = (
                    a.and_utc().with_timezone(&self.tz),
                    b.and_utc().with_timezone(&self.tz),
                );
                format!(
                    "{} {}–{}",
                    self.ctx.lang.short_date(a.date_naive()),
                    a.format("%H:%M"),
                    b.format("%H:%M")
                )
            }
            _ => String::new(),
        }
    }
}

async fn congress_and_data(
    state: &web::Data<AppState>,
    ctx: &PageCtx,
    slug: String,
) -> Result<(rows::Congress, FormData, HashMap<SessionId, String>), AppError> {
    let lang = ctx.lang;
    with_db(state, ctx.lang, move |conn| {
        let Some(c) = programme::congress_by_slug(conn, &slug)? else {
            return Ok(None);
        };
        if c.status == CongressStatus::Draft {
            return Ok(None);
        }
        let data = svc::form_data(conn, c.id)?;
        let counts = programme::live_counts(conn, c.id)?;
        let seats = data
            .groups
            .iter()
            .flat_map(|(_, _, s)| s.iter())
            .filter_map(|s| {
                let count = counts.get(&s.id).copied().unwrap_or_default();
                super::views::seats_text(lang, s.capacity, count).map(|(t, _)| (s.id, t))
            })
            .collect();
        Ok(Some((c, data, seats)))
    })
    .await?
    .ok_or(AppError::NotFound(ctx.lang))
}

pub async fn register_form(
    state: web::Data<AppState>,
    ctx: PageCtx,
    csrf: CsrfToken,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (c, data, seats) = congress_and_data(&state, &ctx, slug.into_inner()).await?;
    let form = RegisterForm {
        days: data.days.iter().map(|d| d.day.to_string()).collect(),
        // Only a congress with one category chooses for the person: with several, a
        // pre-selected first one (often a privileged tier with its own quota) would be taken
        // by whoever does not look.
        category: match data.categories.as_slice() {
            [only] => only.id.to_string(),
            _ => String::new(),
        },
        ..Default::default()
    };
    page(
        StatusCode::OK,
        RegisterPage {
            nav: Nav {
                slug: c.slug.clone(),
                title: c.title.clone(),
                current: "register",
            },
            closed: window_closed(&ctx, &c).unwrap_or_default(),
            tz: crate::domain::time::parse_time_zone(&c.time_zone).unwrap_or(chrono_tz::UTC),
            ctx,
            csrf: csrf.0,
            data,
            form,
            errors: Errors::default(),
            seats,
        },
    )
}

pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    csrf: CsrfToken,
    slug: web::Path<String>,
    form: web::Form<FormMap>,
    rejected: Rejected,
) -> Result<HttpResponse, AppError> {
    let (c, data, seats) = congress_and_data(&state, &ctx, slug.into_inner()).await?;
    let closed = window_closed(&ctx, &c);
    let typed = RegisterForm::from_form(&form);
    // A filled honeypot is a bot: answer as if all went well, store nothing.
    if !form.get("website").is_empty() {
        return Ok(see_other(&format!("/{}/register/sent", c.slug)));
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    let mut errors = Errors::default();
    if closed.is_some() {
        status = StatusCode::FORBIDDEN;
    } else {
        match rejected.combine(ctx.lang, typed.parse(&ctx, &data)) {
            Err(e) => errors = e,
            Ok(input) => {
                let ip = crate::web::client::client_key(&req);
                let limits = (
                    state.settings.registration_limit,
                    state.settings.registration_limit_per_email,
                );
                let mail = state.ctx.clone();
                let congress = c.clone();
                let outcome = with_db(&state, ctx.lang, move |conn| {
                    let now = now_utc();
                    let window = chrono::Duration::minutes(10);
                    // Per client address (a town hall's NAT is one), and per email address.
                    let by_ip = rate_limit::bucket("register-ip", &ip);
                    let by_email = rate_limit::bucket("register-email", input.email.as_str());
                    if !rate_limit::hit(conn, &by_ip, limits.0, window, now)?
                        || !rate_limit::hit(conn, &by_email, limits.1, window, now)?
                    {
                        return Ok(Err(()));
                    }
                    // The same address sent twice at the same moment: the loser's insert hits
                    // the unique key; once more, it finds the winner and re-sends the link.
                    match svc::register(conn, &congress, &input, &mail, now) {
                        Err(ServiceError::Db(diesel::result::Error::DatabaseError(
                            diesel::result::DatabaseErrorKind::UniqueViolation,
                            _,
                        ))) => Ok(Ok(svc::register(conn, &congress, &input, &mail, now))),
                        other => Ok(Ok(other)),
                    }
                })
                .await?;
                match outcome {
                    Err(()) => {
                        status = StatusCode::TOO_MANY_REQUESTS;
                        errors.add("page", ctx.t.err_too_many);
                    }
                    Ok(Ok(_)) => return Ok(see_other(&format!("/{}/register/sent", c.slug))),
                    Ok(Err(ServiceError::Invalid { .. })) => {
                        errors.add("page", ctx.t.a.form_has_errors)
                    }
                    Ok(Err(e)) => return Err(AppError::from_service(ctx.lang, e)),
                }
            }
        }
    }
    if !errors.is_empty() && errors.get("page").is_empty() {
        errors.add("page", ctx.t.a.form_has_errors);
    }
    page(
        status,
        RegisterPage {
            nav: Nav {
                slug: c.slug.clone(),
                title: c.title.clone(),
                current: "register",
            },
            closed: closed.unwrap_or_default(),
            tz: crate::domain::time::parse_time_zone(&c.time_zone).unwrap_or(chrono_tz::UTC),
            ctx,
            csrf: csrf.0,
            data,
            form: typed,
            errors,
            seats,
        },
    )
}

#[derive(Template)]
#[template(path = "participant/message.html")]
struct MessagePage {
    ctx: PageCtx,
    title: String,
    text: String,
    action: Option<(String, String, String)>,
    csrf: String,
}

/// A page that only says something: a link that expired, a mail that was sent.
fn notice(
    status: StatusCode,
    title: &str,
    text: &str,
    ctx: PageCtx,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    page(
        status,
        MessagePage {
            title: title.into(),
            text: text.into(),
            ctx,
            action: None,
            csrf: csrf.0,
        },
    )
}

/// An expired (410) or unknown (404) confirmation link.
fn dead_link(status: StatusCode, ctx: PageCtx, csrf: CsrfToken) -> Result<HttpResponse, AppError> {
    let (title, text) = if status == StatusCode::GONE {
        (ctx.t.link_expired, ctx.t.link_expired_text)
    } else {
        (ctx.t.link_invalid, ctx.t.link_invalid_text)
    };
    notice(status, title, text, ctx, csrf)
}

pub async fn register_sent(ctx: PageCtx, csrf: CsrfToken) -> Result<HttpResponse, AppError> {
    notice(
        StatusCode::OK,
        ctx.t.check_your_email,
        ctx.t.check_your_email_text,
        ctx,
        csrf,
    )
}

pub async fn confirm_form(
    state: web::Data<AppState>,
    ctx: PageCtx,
    csrf: CsrfToken,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let t2 = token.clone();
    let mail = state.ctx.clone();
    let link = with_db(&state, ctx.lang, move |conn| {
        svc::confirm_link(conn, &t2, &mail, now_utc())
    })
    .await?;
    match link {
        ConfirmLink::Pending => page(
            StatusCode::OK,
            MessagePage {
                title: ctx.t.confirm_title.into(),
                text: ctx.t.confirm_text.into(),
                action: Some((
                    format!("/r/confirm/{token}"),
                    ctx.t.confirm_button.into(),
                    String::new(),
                )),
                ctx,
                csrf: csrf.0,
            },
        ),
        // A used link is a way in: the same person's private page.
        ConfirmLink::Used { manage_token } => Ok(see_other(&format!("/r/{manage_token}"))),
        ConfirmLink::Expired => dead_link(StatusCode::GONE, ctx, csrf),
        ConfirmLink::Invalid => dead_link(StatusCode::NOT_FOUND, ctx, csrf),
    }
}

pub async fn confirm(
    state: web::Data<AppState>,
    ctx: PageCtx,
    csrf: CsrfToken,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let mail = state.ctx.clone();
    let outcome = with_db(&state, ctx.lang, move |conn| {
        svc::confirm(conn, &token, &mail, now_utc())
    })
    .await?;
    match outcome {
        Confirmation::Done { manage_token, .. } => Ok(see_other(&format!("/r/{manage_token}"))),
        Confirmation::Expired => dead_link(StatusCode::GONE, ctx, csrf),
        Confirmation::Invalid => dead_link(StatusCode::NOT_FOUND, ctx, csrf),
    }
}

#[derive(serde::Deserialize)]
pub struct SessionForm {
    #[serde(default)]
    session: String,
}

pub async fn enroll(
    state: web::Data<AppState>,
    ctx: PageCtx,
    token: web::Path<String>,
    form: web::Form<SessionForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (r, _, _) = load_manage(&state, &ctx, &token).await?;
    let session: SessionId = form
        .session
        .parse()
        .map_err(|_| AppError::BadRequest(ctx.lang, ctx.t.a.err_required.into()))?;
    let id = r.id;
    let outcome = with_db(&state, ctx.lang, move |conn| {
        let outcome = svc::participant_enroll(conn, id, session, now_utc());
        // A repeat (a double-click) answers as the first request did: seat or waitlist.
        let waiting = matches!(outcome, Ok(SeatOutcome::Already))
            && svc::seat_status(conn, id, session)? == Some(EnrollmentStatus::Waitlisted);
        Ok((outcome, waiting))
    })
    .await?;
    let done = match outcome {
        (Ok(SeatOutcome::Already), true) => "waitlisted",
        (Ok(SeatOutcome::SwapOffered { with, .. }), _) => {
            return Ok(see_other(&format!(
                "/r/{token}?done=swap&with={with}&want={session}#workshops"
            )))
        }
        (outcome, _) => match outcome {
            Ok(SeatOutcome::Enrolled) | Ok(SeatOutcome::Already) => "enrolled",
            Ok(SeatOutcome::Waitlisted(_)) => "waitlisted",
            Ok(SeatOutcome::Overlaps(_)) => "overlap",
            Ok(SeatOutcome::NotAttending) => "not_attending",
            Ok(SeatOutcome::NotOffered) | Ok(SeatOutcome::SwapOffered { .. }) => {
                return Err(AppError::NotFound(ctx.lang))
            }
            Err(ServiceError::Conflict(_)) => {
                return Err(AppError::Forbidden(
                    ctx.lang,
                    ctx.t.not_confirmed_yet.into(),
                ))
            }
            Err(e) => return Err(AppError::from_service(ctx.lang, e)),
        },
    };
    Ok(see_other(&format!("/r/{token}?done={done}#workshops")))
}

pub async fn leave(
    state: web::Data<AppState>,
    ctx: PageCtx,
    token: web::Path<String>,
    form: web::Form<SessionForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (r, _, _) = load_manage(&state, &ctx, &token).await?;
    let session: SessionId = form
        .session
        .parse()
        .map_err(|_| AppError::BadRequest(ctx.lang, ctx.t.a.err_required.into()))?;
    let (id, mail) = (r.id, state.ctx.clone());
    with_db(&state, ctx.lang, move |conn| {
        svc::participant_leave(conn, &mail, id, session, now_utc())
    })
    .await?;
    Ok(see_other(&format!("/r/{token}?done=left#workshops")))
}

pub async fn cancel(
    state: web::Data<AppState>,
    ctx: PageCtx,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (r, _, _) = load_manage(&state, &ctx, &token).await?;
    let (id, mail) = (r.id, state.ctx.clone());
    match with_db(&state, ctx.lang, move |conn| {
        Ok(svc::cancel(conn, &mail, id, None, now_utc()))
    })
    .await?
    {
        Ok(_) | Err(ServiceError::Conflict(_)) => {
            Ok(see_other(&format!("/r/{token}?done=cancelled")))
        }
        Err(e) => Err(AppError::from_service(ctx.lang, e)),
    }
}

/// `GET /r/{token}/data.json`: everything stored about the participant.
pub async fn data(
    state: web::Data<AppState>,
    ctx: PageCtx,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (r, c, _) = load_manage(&state, &ctx, &token).await?;
    let json = with_db(&state, ctx.lang, move |conn| svc::export_data(conn, &r)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-my-data.json\"", c.slug),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(serde_json::to_string_pretty(&json).unwrap_or_default()))
}

/// `POST /r/{token}/delete`: the participant deletes their registration and data.
pub async fn delete(
    state: web::Data<AppState>,
    ctx: PageCtx,
    csrf: CsrfToken,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (r, _, _) = load_manage(&state, &ctx, &token).await?;
    let (id, mail) = (r.id, state.ctx.clone());
    with_db(&state, ctx.lang, move |conn| {
        svc::delete_registration(conn, &mail, id, now_utc())
    })
    .await?;
    notice(
        StatusCode::OK,
        ctx.t.deleted_title,
        ctx.t.deleted_text,
        ctx,
        csrf,
    )
}

/// `GET /r/{token}/agenda.ics`: the person's own programme — the sessions open to everyone on
/// the days they attend, and the workshops they hold a seat in — from the published version.
pub async fn agenda(
    state: web::Data<AppState>,
    ctx: PageCtx,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (r, c, _) = load_manage(&state, &ctx, &token).await?;
    let st = state.clone();
    let (slug, id) = (c.slug.clone(), r.id);
    let (p, enrolled) = with_db(&state, ctx.lang, move |conn| {
        let p = programme::latest_by_slug(conn, &st.ctx.programmes, &slug)?;
        Ok((p, svc::enrolled_sessions(conn, id)?))
    })
    .await?;
    let p = p.ok_or(AppError::NotFound(ctx.lang))?;
    let events = crate::formats::ical::agenda_events(
        &p,
        &r.days_attending,
        &enrolled,
        &state.settings.base_url,
    );
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}-agenda.ics\"",
                p.snapshot.congress.slug
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(crate::formats::ical::feed(
            &p.snapshot.congress.title,
            &events,
        )))
}

/// `POST /r/{token}/ranking`: the person's ranking of one block (`group`, `choice_1` …).
pub async fn ranking(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    csrf: CsrfToken,
    token: web::Path<String>,
    form: web::Form<crate::web::forms::FormMap>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (r, _, _) = load_manage(&state, &ctx, &token).await?;
    let ctx = page_ctx(&req, &r, ctx);
    let group: SlotGroupId = form
        .get("group")
        .parse()
        .map_err(|_| AppError::NotFound(ctx.lang))?;
    // The choices as sent (kept for the form), and the first problem with them.
    let mut sent: Vec<i64> = vec![];
    let mut problem: Option<&'static str> = None;
    for k in 1..=5 {
        let v = form.get(&format!("choice_{k}"));
        if v.is_empty() {
            continue;
        }
        match v.parse::<i64>() {
            Ok(id) if sent.contains(&id) => {
                problem = problem.or(Some(ctx.t.err_choice_twice));
                sent.push(id);
            }
            Ok(id) => sent.push(id),
            Err(_) => problem = problem.or(Some(ctx.t.a.err_required)),
        }
    }
    if let Some(message) = problem {
        let failed = Some(Returned::Ranking(group, sent, message.to_string()));
        return manage_page(&req, &state, ctx, csrf, token, failed).await;
    }
    let (id, choices) = (r.id, sent.clone());
    let saved = with_db(&state, ctx.lang, move |conn| {
        Ok(crate::services::allocation::set_ranking(
            conn,
            id,
            group,
            &choices,
            now_utc(),
        ))
    })
    .await?;
    let message = match saved {
        Ok(()) => {
            return Ok(see_other(&format!(
                "/r/{token}?done=ranked&group={group}#g{group}"
            )))
        }
        Err(ServiceError::Invalid { message, .. }) if message == "day not attended" => {
            ctx.t.blk.err_not_attending.to_string()
        }
        Err(ServiceError::Invalid { .. }) => ctx.t.a.form_has_errors.to_string(),
        Err(ServiceError::Conflict(_)) => ctx.t.choices_closed.to_string(),
        Err(e) => return Err(AppError::from_service(ctx.lang, e)),
    };
    let back = Some(Returned::Ranking(group, sent, message));
    manage_page(&req, &state, ctx, csrf, token, back).await
}
