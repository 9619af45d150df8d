//! The private page of a registration (`/r/{token}`): status and check-in code, the person's
//! workshops per block, the workshops to choose from, ranked choices, days, their details, and
//! cancellation. Forms that come back with errors are shown here again (422, input kept).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::super::auth::CsrfToken;
use super::super::forms::Errors;
use crate::app::AppState;
use crate::db::rows;
use crate::domain::enrollment::EnrollmentStatus;
use crate::domain::registration::RegistrationStatus;
use crate::domain::{SessionId, SlotGroupId};
use crate::i18n::Lang;
use crate::services::registration as svc;
use crate::services::{now_utc, programme, ServiceError};
use crate::web::error::AppError;
use crate::web::page::PageCtx;
use crate::web::respond::{page, with_db};

#[derive(Template)]
#[template(path = "participant/manage.html")]
struct ManagePage {
    ctx: PageCtx,
    csrf: String,
    token: String,
    r: rows::Registration,
    congress: rows::Congress,
    status: RegistrationStatus,
    /// The workshops in time groups (a block, or sessions starting together), in order.
    groups: Vec<LineGroup>,
    may_enroll: bool,
    message: String,
    tz: chrono_tz::Tz,
    /// The check-in QR code as an SVG data URL (CSP allows `data:` images).
    qr: String,
    /// Blocks allocated by ranked preferences: their choices and ranking.
    rankings: Vec<crate::services::allocation::RankingView>,
    /// The congress's days, offered to change the ones attended.
    days: Vec<rows::CongressDay>,
    /// A swap to offer after a refused enrollment: (wanted, its title, the held seat, its
    /// title, whether a seat is free in the wanted one now).
    swap: Option<(SessionId, String, SessionId, String, bool)>,
    /// Where the person stands on the congress waiting list, and why (while waiting).
    standing: Vec<String>,
    /// A ranking form that came back: its block and the message.
    ranking_error: Option<(SlotGroupId, String)>,
    /// Where `message` is shown: `top`, `workshops`, `days`, `profile` or `g{block}`.
    message_at: String,
    /// The details form: as stored, or as sent with its errors.
    profile: ProfileForm,
    profile_errors: Errors,
    /// Registration is still live (not cancelled or expired): details and days may change.
    active: bool,
}

/// Workshops that run at the same time: a block, or sessions starting together.
pub struct LineGroup {
    pub heading: String,
    pub anchor: String,
    pub lines: Vec<svc::WorkshopLine>,
}

impl LineGroup {
    /// The person's seats and waiting-list places in this group.
    fn held(&self) -> impl Iterator<Item = &svc::WorkshopLine> {
        self.lines.iter().filter(|l| l.status.is_some())
    }

    fn holds_any(&self) -> bool {
        self.held().next().is_some()
    }

    /// The workshops of the group the person may still take (or wait for).
    fn open(&self) -> impl Iterator<Item = &svc::WorkshopLine> {
        self.lines.iter().filter(|l| l.status.is_none())
    }
}

/// The details a person may correct on their private page (the form as sent or as stored).
#[derive(serde::Deserialize, Default, Clone)]
pub struct ProfileForm {
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub organization: String,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub dietary: String,
    #[serde(default)]
    pub accessibility: String,
}

impl ProfileForm {
    fn of(r: &rows::Registration) -> ProfileForm {
        ProfileForm {
            first_name: r.first_name.clone(),
            last_name: r.last_name.clone(),
            organization: r.organization.clone(),
            position: r.position.clone(),
            dietary: r.dietary_needs.clone(),
            accessibility: r.accessibility_needs.clone(),
        }
    }
}

/// What came back with errors, to show on the page again (422).
pub enum Returned {
    /// A ranking form: its block, the choices as sent, the message.
    Ranking(SlotGroupId, Vec<i64>, String),
    /// The details form as sent, with its errors.
    Profile(ProfileForm, Errors),
}

/// Sorts the workshops into time groups: one per block, else one per start time; the order is
/// the programme's (lines come sorted by start).
fn group_lines(
    lines: Vec<svc::WorkshopLine>,
    blocks: &[(SlotGroupId, String)],
    tz: chrono_tz::Tz,
    lang: Lang,
) -> Vec<LineGroup> {
    let mut groups: Vec<(
        Option<SlotGroupId>,
        Option<chrono::NaiveDateTime>,
        LineGroup,
    )> = vec![];
    for l in lines {
        let key = (l.session.slot_group_id, l.session.starts_at);
        let found = groups.iter_mut().find(|(b, start, _)| match key.0 {
            Some(block) => *b == Some(block),
            None => b.is_none() && *start == key.1,
        });
        match found {
            Some((_, _, g)) => g.lines.push(l),
            None => groups.push((
                key.0,
                key.1,
                LineGroup {
                    heading: String::new(),
                    anchor: match key.0 {
                        Some(b) => format!("wahl-g{b}"),
                        None => format!("wahl-{}", groups.len() + 1),
                    },
                    lines: vec![l],
                },
            )),
        }
    }
    groups
        .into_iter()
        .map(|(block, _, mut g)| {
            let starts = g.lines.iter().filter_map(|l| l.session.starts_at).min();
            let ends = g.lines.iter().filter_map(|l| l.session.ends_at).max();
            let when = match (starts, ends) {
                (Some(a), Some(b)) => {
                    let (a, b) = (
                        a.and_utc().with_timezone(&tz),
                        b.and_utc().with_timezone(&tz),
                    );
                    format!(
                        "{}, {}–{}",
                        lang.short_date(a.date_naive()),
                        a.format("%H:%M"),
                        b.format("%H:%M")
                    )
                }
                _ => String::new(),
            };
            let name = block
                .and_then(|b| blocks.iter().find(|x| x.0 == b))
                .map(|x| x.1.as_str());
            g.heading = match (name, when.is_empty()) {
                (Some(n), false) => format!("{n} · {when}"),
                (Some(n), true) => n.to_string(),
                (None, _) => when,
            };
            g
        })
        .collect()
}

impl ManagePage {
    /// Whether `session` is the person's `rank`-th (0-based) choice in the view.
    fn is_choice(
        &self,
        v: &crate::services::allocation::RankingView,
        rank: &usize,
        session: &i64,
    ) -> bool {
        v.chosen.get(*rank) == Some(session)
    }

    fn title_of(&self, v: &crate::services::allocation::RankingView, session: &i64) -> String {
        v.options
            .iter()
            .find(|o| o.0 == *session)
            .map(|o| o.1.clone())
            .unwrap_or_default()
    }

    fn deadline(&self, v: &crate::services::allocation::RankingView) -> String {
        v.group
            .deadline
            .map(|d| {
                let l = d.and_utc().with_timezone(&self.tz);
                format!(
                    "{} {}",
                    self.ctx.lang.short_date(l.date_naive()),
                    l.format("%H:%M")
                )
            })
            .unwrap_or_default()
    }

    fn swap_text(&self, wanted: &str, held: &str, free: &bool) -> String {
        crate::i18n::blocks::swap_offer(self.ctx.lang, wanted, held, *free)
    }

    fn attends(&self, d: &chrono::NaiveDate) -> bool {
        crate::domain::blocks::parse_days(&self.r.days_attending).contains(d)
    }

    fn long_day(&self, d: &rows::CongressDay) -> String {
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

    fn status_text(&self) -> &'static str {
        let t = self.ctx.t;
        match self.status {
            RegistrationStatus::Pending => t.status_pending,
            RegistrationStatus::Confirmed => t.status_confirmed,
            RegistrationStatus::Waitlisted => t.status_waitlisted,
            RegistrationStatus::AwaitingApproval => t.status_awaiting_approval,
            RegistrationStatus::Cancelled => t.status_cancelled,
            RegistrationStatus::Expired => t.status_expired,
        }
    }

    fn room_of<'a>(&self, l: &'a svc::WorkshopLine) -> &'a str {
        l.room.as_deref().unwrap_or("")
    }

    fn full(&self, s: &rows::Session) -> bool {
        s.capacity.is_some_and(|c| s.enrolled_count >= c)
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

    fn seats(&self, s: &rows::Session) -> String {
        let count = programme::SeatCount {
            enrolled: s.enrolled_count,
            waitlisted: s.waitlisted_count,
        };
        crate::web::views::seats_text(self.ctx.lang, s.capacity, count)
            .map(|(t, _)| t)
            .unwrap_or_default()
    }
}

/// The swap the page offers after `?done=swap&with=A&want=B` (both workshops of the page).
fn swap_offer(
    query: &str,
    lines: &[svc::WorkshopLine],
) -> Option<(SessionId, String, SessionId, String, bool)> {
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name))
            .and_then(|v| v.parse::<SessionId>().ok())
    };
    let (want, with) = (param("want=")?, param("with=")?);
    let line = |id: SessionId| lines.iter().find(|l| l.session.id == id);
    let (w, h) = (line(want)?, line(with)?);
    let free = w
        .session
        .capacity
        .is_some_and(|c| w.session.enrolled_count < c);
    Some((
        want,
        w.session.title.clone(),
        with,
        h.session.title.clone(),
        free,
    ))
}

pub(super) async fn load_manage(
    state: &web::Data<AppState>,
    ctx: &PageCtx,
    token: &str,
) -> Result<(rows::Registration, rows::Congress, Vec<svc::WorkshopLine>), AppError> {
    let token = token.to_string();
    with_db(state, ctx.lang, move |conn| {
        let Some(r) = svc::by_manage_token(conn, &token)? else {
            return Ok(None);
        };
        let c: rows::Congress = crate::db::schema::congresses::table
            .find(r.congress_id)
            .select(rows::Congress::as_select())
            .first(conn)
            .map_err(ServiceError::Db)?;
        use diesel::prelude::*;
        let lines = svc::overview(conn, &r)?;
        Ok(Some((r, c, lines)))
    })
    .await?
    .ok_or(AppError::NotFound(ctx.lang))
}

pub async fn manage(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    csrf: CsrfToken,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    manage_page(&req, &state, ctx, csrf, token, None).await
}

/// The private page speaks the registration's language unless the visitor chose one.
pub(super) fn page_ctx(req: &HttpRequest, r: &rows::Registration, ctx: PageCtx) -> PageCtx {
    match Lang::parse(&r.language) {
        Some(lang) if !PageCtx::chosen_lang(req) && lang != ctx.lang => {
            PageCtx::from_request_in(req, lang)
        }
        _ => ctx,
    }
}

/// The private page; with `returned`, the form that came back is shown again as sent, with
/// its message (422). The page speaks the registration's language unless the visitor chose one.
pub(super) async fn manage_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    ctx: PageCtx,
    csrf: CsrfToken,
    token: String,
    returned: Option<Returned>,
) -> Result<HttpResponse, AppError> {
    let state = state.clone();
    let (r, congress, lines) = load_manage(&state, &ctx, &token).await?;
    let ctx = page_ctx(req, &r, ctx);
    let status = r.status;
    let message = match req.query_string() {
        q if q.contains("done=enrolled") => ctx.t.msg_enrolled.to_string(),
        q if q.contains("done=waitlisted") => ctx.t.msg_waitlisted.to_string(),
        q if q.contains("done=left") => ctx.t.msg_left.to_string(),
        q if q.contains("done=overlap") => ctx.t.msg_overlap.to_string(),
        q if q.contains("done=not_attending") => ctx.t.blk.err_not_attending.to_string(),
        q if q.contains("done=days_released") => ctx.t.blk.days_released.to_string(),
        q if q.contains("done=days_none") => ctx.t.blk.days_refused.to_string(),
        q if q.contains("done=swapped") => ctx.t.blk.msg_swapped.to_string(),
        q if q.contains("done=swap_waiting") => ctx.t.blk.msg_swap_waiting.to_string(),
        q if q.contains("done=days") => ctx.t.blk.days_saved.to_string(),
        q if q.contains("done=cancelled") => ctx.t.status_cancelled.to_string(),
        q if q.contains("done=ranked") => ctx.t.msg_ranked.to_string(),
        q if q.contains("done=profile") => ctx.t.pp.profile_saved.to_string(),
        _ => String::new(),
    };
    // The message goes where the action was (the page is scrolled there), not only to the top.
    let message_at = match req.query_string() {
        q if q.contains("done=days") => "days".to_string(),
        q if q.contains("done=profile") => "profile".to_string(),
        q if q.contains("done=ranked") => q
            .split('&')
            .find_map(|kv| kv.strip_prefix("group="))
            .map(|g| format!("g{g}"))
            .unwrap_or_else(|| "top".into()),
        q if q.contains("done=cancelled") || q.is_empty() => "top".to_string(),
        _ => "workshops".to_string(),
    };
    let checkin_url = format!(
        "{}/admin/{}/checkin/code/{}",
        state.settings.base_url,
        congress.slug,
        svc::checkin_token(&state.ctx.clone(), &r)
    );
    let swap = swap_offer(req.query_string(), &lines);
    let reg = r.clone();
    let lang = ctx.lang;
    let (mut rankings, days, standing, blocks) = with_db(&state, ctx.lang, move |conn| {
        Ok((
            crate::services::allocation::ranking_views(conn, &reg, now_utc())?,
            crate::db::queries::days(conn, reg.congress_id)?,
            svc::congress_standing(conn, &reg)?
                .map(|s| svc::standing_lines(lang, &s))
                .unwrap_or_default(),
            crate::services::blocks::names(conn, reg.congress_id).map_err(ServiceError::Db)?,
        ))
    })
    .await?;
    let tz = crate::domain::time::parse_time_zone(&congress.time_zone).unwrap_or(chrono_tz::UTC);
    let mut ranking_error = None;
    let mut profile = ProfileForm::of(&r);
    let mut profile_errors = Errors::default();
    let code = if returned.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    match returned {
        Some(Returned::Ranking(group, sent, m)) => {
            for v in rankings.iter_mut().filter(|v| v.group.id == group) {
                v.chosen = sent.clone();
            }
            ranking_error = Some((group, m));
        }
        Some(Returned::Profile(sent, errors)) => {
            profile = sent;
            profile_errors = errors;
        }
        None => {}
    }
    let active = !matches!(
        status,
        RegistrationStatus::Cancelled | RegistrationStatus::Expired
    );
    page(
        code,
        ManagePage {
            ranking_error,
            profile,
            profile_errors,
            active,
            groups: group_lines(lines, &blocks, tz, lang),
            message_at,
            qr: if status == RegistrationStatus::Confirmed {
                crate::services::qr::svg_data_url(&checkin_url)
            } else {
                String::new()
            },
            tz,
            may_enroll: crate::domain::registration::may_enroll(status),
            ctx,
            csrf: csrf.0,
            token,
            r,
            congress,
            status,
            message,
            rankings,
            days,
            swap,
            standing,
        },
    )
}
