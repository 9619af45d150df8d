//! The speakers' pages (SPEC §3): `/speaker/login`, and behind the private link
//! `/speaker/{token}` with every slot, `slots.ics`, the profile and the per-session answers.
//! Unknown, revoked and expired tokens get the same 404 as any missing page.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::db::rows;
use crate::domain::programme::SpeakerRole;
use crate::domain::SessionId;
use crate::services::speaker_portal::{self as svc, Portal, ProfileInput, Slot};
use crate::services::{now_utc, rate_limit};
use crate::web::auth::CsrfToken;
use crate::web::error::AppError;
use crate::web::forms::Errors;
use crate::web::input::Rejected;
use crate::web::page::PageCtx;
use crate::web::respond::{page, see_other, with_db};
use crate::web::views::{kind_label, role_label};

/// Link requests per client address in 15 minutes (a town hall's speakers share one NAT).
const LOGIN_LIMIT: i32 = 60;
/// Link requests per email address in 15 minutes.
const LOGIN_LIMIT_PER_EMAIL: i32 = 5;

/// Every accepted login request is answered no sooner than this, so that the time taken does
/// not tell a known address (a link is written and mailed) from an unknown one.
const LOGIN_ANSWER_AFTER: std::time::Duration = std::time::Duration::from_millis(250);

#[derive(Template)]
#[template(path = "speaker/login.html")]
struct LoginPage {
    ctx: PageCtx,
    csrf: String,
    email: String,
    errors: Errors,
    sent: bool,
}

pub async fn login_form(
    req: HttpRequest,
    ctx: PageCtx,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    page(
        StatusCode::OK,
        LoginPage {
            ctx,
            csrf: csrf.0,
            email: String::new(),
            errors: Errors::default(),
            sent: req.query_string().contains("sent=1"),
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
}

/// Mails a fresh link when the address is a speaker's; the answer is the same redirect
/// whether it is or not, so nobody learns who speaks.
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    csrf: CsrfToken,
    form: web::Form<LoginForm>,
    rejected: Rejected,
) -> Result<HttpResponse, AppError> {
    let started = tokio::time::Instant::now();
    let typed = form.into_inner().email;
    let mut errors = rejected.errors(ctx.lang);
    let parsed = crate::domain::EmailAddress::parse(&typed).map_err(|_| ());
    let email = match parsed.and_then(|e| if errors.is_empty() { Ok(e) } else { Err(()) }) {
        Ok(e) => e.to_string(),
        Err(_) => {
            errors.add("email", ctx.t.a.err_email);
            return page(
                StatusCode::UNPROCESSABLE_ENTITY,
                LoginPage {
                    ctx,
                    csrf: csrf.0,
                    email: typed,
                    errors,
                    sent: false,
                },
            );
        }
    };
    let ip = crate::web::client::client_key(&req);
    let mail = state.ctx.clone();
    let allowed = with_db(&state, ctx.lang, move |conn| {
        let now = now_utc();
        let window = chrono::Duration::minutes(15);
        // Per client address, and per address asked for (nobody gets a mailbox flooded).
        let by_ip = rate_limit::bucket("speaker-login-ip", &ip);
        let by_email = rate_limit::bucket("speaker-login-email", &email);
        if !rate_limit::hit(conn, &by_ip, LOGIN_LIMIT, window, now)?
            || !rate_limit::hit(conn, &by_email, LOGIN_LIMIT_PER_EMAIL, window, now)?
        {
            return Ok(false);
        }
        svc::login(conn, &mail, &email, now)?;
        Ok(true)
    })
    .await?;
    if !allowed {
        errors.add("page", ctx.t.s.too_many);
        return page(
            StatusCode::TOO_MANY_REQUESTS,
            LoginPage {
                ctx,
                csrf: csrf.0,
                email: typed,
                errors,
                sent: false,
            },
        );
    }
    tokio::time::sleep_until(started + LOGIN_ANSWER_AFTER).await;
    Ok(see_other("/speaker/login?sent=1"))
}

/// The speaker a token opens, or 404.
async fn open(
    state: &web::Data<AppState>,
    ctx: &PageCtx,
    token: &str,
) -> Result<rows::Speaker, AppError> {
    let token = token.to_string();
    match with_db(state, ctx.lang, move |conn| {
        svc::open(conn, &token, now_utc())
    })
    .await?
    {
        svc::LinkState::Open(speaker) => Ok(*speaker),
        svc::LinkState::Gone => Err(AppError::Gone(ctx.lang, ctx.t.s.link_gone.to_string())),
        svc::LinkState::Unknown => Err(AppError::NotFound(ctx.lang)),
    }
}

#[derive(Template)]
#[template(path = "speaker/portal.html")]
struct PortalPage {
    ctx: PageCtx,
    csrf: String,
    token: String,
    portal: Portal,
    message: String,
    /// Where the message is shown: `profile`, `s{session}` (where the action was), or `top`.
    message_at: String,
    profile: ProfileInput,
    errors: Errors,
}

impl PortalPage {
    fn when(&self, s: &Slot) -> String {
        let (a, b) = (
            s.session.start.with_timezone(&s.tz),
            s.session.end.with_timezone(&s.tz),
        );
        format!(
            "{} {}–{}",
            self.ctx.lang.short_date(a.date_naive()),
            a.format("%H:%M"),
            b.format("%H:%M")
        )
    }

    fn role(&self, r: &SpeakerRole) -> &'static str {
        role_label(self.ctx.t, *r)
    }

    fn kind(&self, s: &Slot) -> &'static str {
        kind_label(self.ctx.t, s.session.kind)
    }

    fn seats(&self, s: &Slot) -> String {
        match (s.session.capacity, s.seats) {
            (Some(cap), Some(count)) => {
                let mut text = format!("{} {} {cap}", count.enrolled, self.ctx.t.s.enrolled_of);
                if count.waitlisted > 0 {
                    text.push_str(&format!(
                        ", {} {}",
                        count.waitlisted, self.ctx.t.s.on_waitlist
                    ));
                }
                text
            }
            _ => String::new(),
        }
    }

    fn answer(&self, s: &Slot) -> &'static str {
        match s.confirmation.as_str() {
            "confirmed" => self.ctx.t.s.answer_confirmed,
            "declined" => self.ctx.t.s.answer_declined,
            _ => self.ctx.t.s.answer_unconfirmed,
        }
    }
}

fn profile_of(s: &rows::Speaker) -> ProfileInput {
    ProfileInput {
        name: s.name.clone(),
        organization: s.organization.clone(),
        position: s.position.clone(),
        bio: s.bio.clone(),
    }
}

async fn portal_page(
    state: &web::Data<AppState>,
    ctx: PageCtx,
    csrf: CsrfToken,
    token: String,
    speaker: rows::Speaker,
    (message, message_at): (String, String),
    form: Option<(ProfileInput, Errors)>,
) -> Result<HttpResponse, AppError> {
    let st = state.clone();
    let lang = ctx.lang;
    // A refused profile form is answered with 422 and what was typed.
    let status = if form.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    // Only a plain visit counts as "looked": after saving, the changes stay marked.
    let remember = form.is_none() && message.is_empty();
    let portal = with_db(state, ctx.lang, move |conn| {
        svc::portal(conn, &st.ctx.programmes, speaker, lang, remember)
    })
    .await?;
    let (profile, errors) =
        form.unwrap_or_else(|| (profile_of(&portal.speaker), Errors::default()));
    page(
        status,
        PortalPage {
            ctx,
            csrf: csrf.0,
            token,
            portal,
            message,
            message_at,
            profile,
            errors,
        },
    )
}

pub async fn portal(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    csrf: CsrfToken,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let speaker = open(&state, &ctx, &token).await?;
    let q = req.query_string();
    let message = match q {
        q if q.contains("done=profile") => ctx.t.s.profile_saved.to_string(),
        q if q.contains("done=answer") => ctx.t.s.answer_saved.to_string(),
        _ => String::new(),
    };
    let at = match q.split('&').find_map(|kv| kv.strip_prefix("session=")) {
        Some(s) if s.chars().all(|c| c.is_ascii_digit()) => format!("s{s}"),
        _ if q.contains("done=profile") => "profile".into(),
        _ => "top".into(),
    };
    portal_page(&state, ctx, csrf, token, speaker, (message, at), None).await
}

/// `GET /speaker/{token}/slots.ics`: the person's slots in every congress.
pub async fn slots_ics(
    state: web::Data<AppState>,
    ctx: PageCtx,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let speaker = open(&state, &ctx, &token).await?;
    let st = state.clone();
    let lang = ctx.lang;
    let portal = with_db(&state, ctx.lang, move |conn| {
        svc::portal(conn, &st.ctx.programmes, speaker, lang, false)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"my-sessions.ics\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(svc::calendar(&portal, &state.settings.base_url)))
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    bio: String,
}

fn check_profile(
    ctx: &PageCtx,
    f: ProfileForm,
    rejected: &Rejected,
) -> Result<ProfileInput, (ProfileInput, Errors)> {
    let input = ProfileInput {
        name: f.name.trim().to_string(),
        organization: f.organization.trim().to_string(),
        position: f.position.trim().to_string(),
        bio: f.bio.trim().to_string(),
    };
    let mut e = rejected.errors(ctx.lang);
    if input.name.is_empty() {
        e.add("name", ctx.t.a.err_required);
    }
    for (field, value, max) in [
        ("name", &input.name, 200),
        ("organization", &input.organization, 200),
        ("position", &input.position, 200),
        ("bio", &input.bio, 5000),
    ] {
        if value.chars().count() > max {
            e.add(field, ctx.t.s.too_long);
        }
    }
    if e.is_empty() {
        Ok(input)
    } else {
        Err((input, e))
    }
}

pub async fn save_profile(
    state: web::Data<AppState>,
    ctx: PageCtx,
    csrf: CsrfToken,
    token: web::Path<String>,
    form: web::Form<ProfileForm>,
    rejected: Rejected,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let speaker = open(&state, &ctx, &token).await?;
    match check_profile(&ctx, form.into_inner(), &rejected) {
        Ok(input) => {
            let s = speaker.clone();
            with_db(&state, ctx.lang, move |conn| {
                svc::update_profile(conn, &s, &input)
            })
            .await?;
            Ok(see_other(&format!("/speaker/{token}?done=profile#profile")))
        }
        Err((input, mut errors)) => {
            errors.add("page", ctx.t.a.form_has_errors);
            portal_page(
                &state,
                ctx,
                csrf,
                token,
                speaker,
                (String::new(), "top".into()),
                Some((input, errors)),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
}

pub async fn answer(
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<(String, String)>,
    form: web::Form<AnswerForm>,
) -> Result<HttpResponse, AppError> {
    let (token, session) = path.into_inner();
    let speaker = open(&state, &ctx, &token).await?;
    let session: SessionId = session.parse().map_err(|_| AppError::NotFound(ctx.lang))?;
    let answer = form.into_inner().answer;
    let result = with_db(&state, ctx.lang, move |conn| {
        Ok(svc::set_confirmation(conn, &speaker, session, &answer))
    })
    .await?;
    result.map_err(|e| AppError::from_service(ctx.lang, e))?;
    Ok(see_other(&format!(
        "/speaker/{token}?done=answer&session={session}#s{session}"
    )))
}
