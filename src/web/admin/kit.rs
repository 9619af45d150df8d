//! What back-office pages share: the chrome around every page with its navigation, the
//! congress's time zone, status words and the speakers' names for conflict messages. Handlers
//! of the back office import from here (and from the other toolkit modules of `web`), never
//! from each other.

use std::collections::HashMap;

use actix_web::{web, HttpRequest};
use chrono::NaiveDateTime;
use chrono_tz::Tz;

use crate::app::AppState;
use crate::domain::registration::RegistrationStatus;
use crate::domain::time::parse_time_zone;
use crate::domain::CongressId;
use crate::domain::{CongressStatus, SessionStatus};
use crate::i18n::admin::AdminTexts;
use crate::i18n::Lang;
use crate::web::auth::{AdminCtx, AdminRoute, CsrfToken};
use crate::web::error::AppError;
use crate::web::page::PageCtx;
use crate::web::respond::with_db;

/// What every back-office page shows around its content.
pub struct Chrome {
    pub csrf: String,
    pub email: String,
    pub slug: String,
    pub title: String,
    pub current: &'static str,
    pub flash: String,
    /// The congress's navigation: the entries of `CONGRESS_NAV` whose page the viewer may open.
    pub nav: Vec<NavLink>,
    /// Whether the viewer may create a congress (the rule of `/admin/congresses/new`).
    pub new_congress: bool,
}

/// An entry of the congress navigation as a page shows it.
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
    /// The page being shown (`aria-current`).
    pub current: bool,
}

/// An entry of the congress navigation of the back office.
pub struct NavEntry {
    /// What the page calls itself in `Chrome::new` (its entry is then `aria-current`).
    pub current: &'static str,
    /// The back-office page whose GET rule in the route table says who sees the entry.
    pub page: &'static str,
    /// Where the entry leads (`{slug}` filled in): the page itself, but for the public view.
    pub href: &'static str,
    pub label: fn(&AdminTexts) -> &'static str,
}

const fn entry(
    current: &'static str,
    page: &'static str,
    label: fn(&AdminTexts) -> &'static str,
) -> NavEntry {
    NavEntry {
        current,
        page,
        href: page,
        label,
    }
}

/// The congress navigation, in order. Who sees an entry is not written here: it is the access
/// rule of the entry's page in the route table (`ADMIN_ROUTES`, handed to the pages as app
/// data), so a role rule is written once.
pub const CONGRESS_NAV: &[NavEntry] = &[
    entry("dashboard", "/admin/{slug}", |a| a.dashboard),
    entry("settings", "/admin/{slug}/settings", |a| a.settings),
    entry("registrations", "/admin/{slug}/registrations", |a| {
        a.registrations
    }),
    entry("seats", "/admin/{slug}/seats", |a| a.seats),
    entry("allocation", "/admin/{slug}/allocation", |a| a.allocation),
    entry("checkin", "/admin/{slug}/checkin", |a| a.checkin),
    entry("mail", "/admin/{slug}/mail", |a| a.mail),
    entry("sessions", "/admin/{slug}/sessions", |a| a.sessions),
    entry("schedule", "/admin/{slug}/schedule", |a| a.schedule),
    entry("blocks", "/admin/{slug}/blocks", |a| a.blocks),
    entry("rooms", "/admin/{slug}/rooms", |a| a.rooms),
    entry("tracks", "/admin/{slug}/tracks", |a| a.tracks),
    entry("speakers", "/admin/{slug}/speakers", |a| a.speakers),
    entry("speaker-links", "/admin/{slug}/speaker-links", |a| {
        a.speaker_links
    }),
    entry("questions", "/admin/{slug}/questions", |a| a.questions),
    entry("categories", "/admin/{slug}/categories", |a| a.categories),
    entry("audit", "/admin/{slug}/audit", |a| a.audit),
    entry("api-tokens", "/admin/{slug}/api-tokens", |a| a.api_tokens),
    entry("privacy", "/admin/{slug}/privacy", |a| a.privacy),
    entry("team", "/admin/{slug}/team", |a| a.team),
    // What the programme looks like outside: for those who edit it (shown with the dashboard).
    NavEntry {
        current: "",
        page: "/admin/{slug}",
        href: "/{slug}",
        label: |a| a.public_view,
    },
];

/// The back office's route table, as app data for the pages (registered by `admin::routes`).
#[derive(Clone, Copy)]
pub struct AdminRouteTable(pub &'static [AdminRoute]);

/// Whether the viewer may GET `page` (a path pattern of the table).
fn may_get(routes: &[AdminRoute], admin: &AdminCtx, page: &str) -> bool {
    routes
        .iter()
        .find(|r| r.method == "get" && r.path == page)
        .is_some_and(|r| r.access.admits(admin.viewer.as_ref(), admin.role))
}

impl Chrome {
    /// The label of the navigation entry being shown ("" when none is), which leads the
    /// page's `<title>` so that pages do not share one.
    pub fn page_label(&self) -> &'static str {
        self.nav
            .iter()
            .find(|l| l.current)
            .map(|l| l.label)
            .unwrap_or("")
    }

    pub fn new(req: &HttpRequest, admin: &AdminCtx, current: &'static str) -> Chrome {
        let ctx = PageCtx::from_request(req);
        let saved = req.query_string().split('&').any(|kv| kv == "saved=1");
        // Registered with the routes; a page served without them would show no navigation.
        let routes = req
            .app_data::<AdminRouteTable>()
            .map(|t| t.0)
            .unwrap_or_default();
        let slug = admin
            .congress
            .as_ref()
            .map(|c| c.slug.clone())
            .unwrap_or_default();
        let nav = if slug.is_empty() {
            vec![]
        } else {
            CONGRESS_NAV
                .iter()
                .filter(|e| may_get(routes, admin, e.page))
                .map(|e| NavLink {
                    href: e.href.replace("{slug}", &slug),
                    label: (e.label)(ctx.t.a),
                    current: !e.current.is_empty() && e.current == current,
                })
                .collect()
        };
        Chrome {
            csrf: CsrfToken::of(req).0,
            email: admin
                .viewer
                .as_ref()
                .map(|v| v.email.clone())
                .unwrap_or_default(),
            slug,
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
            nav,
            new_congress: may_get(routes, admin, "/admin/congresses/new"),
        }
    }
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
pub fn status_label(a: &AdminTexts, status: RegistrationStatus) -> &'static str {
    match status {
        RegistrationStatus::Pending => a.reg_pending,
        RegistrationStatus::Confirmed => a.reg_confirmed,
        RegistrationStatus::Waitlisted => a.reg_waitlisted,
        RegistrationStatus::AwaitingApproval => a.reg_awaiting_approval,
        RegistrationStatus::Cancelled => a.reg_cancelled,
        RegistrationStatus::Expired => a.reg_expired,
    }
}

/// Speakers' names for conflict messages, loaded only when there is a conflict to explain.
pub async fn names_for(
    state: &web::Data<AppState>,
    ctx: &PageCtx,
    congress: CongressId,
    needed: bool,
) -> Result<HashMap<crate::domain::SpeakerId, String>, AppError> {
    if !needed {
        return Ok(HashMap::new());
    }
    let speakers = with_db(state, ctx.lang, move |conn| {
        Ok(crate::services::setup::speakers_of(conn, congress)?)
    })
    .await?;
    Ok(speakers.into_iter().map(|s| (s.id, s.name)).collect())
}

/// A congress status in words.
pub fn congress_status_label(a: &AdminTexts, status: CongressStatus) -> &'static str {
    match status {
        CongressStatus::Draft => a.status_draft,
        CongressStatus::Published => a.status_published,
        CongressStatus::Archived => a.status_archived,
    }
}

/// A team role in words ("admin": an instance administrator without a role in the congress).
pub fn role_label(a: &AdminTexts, role: &str) -> &'static str {
    match role {
        "owner" => a.role_owner,
        "editor" => a.role_editor,
        "checkin" => a.role_checkin,
        _ => a.role_admin,
    }
}

/// A session status in words.
pub fn status_label_session(lang: Lang, status: SessionStatus) -> &'static str {
    match (lang, status) {
        (Lang::De, SessionStatus::Draft) => "ungeplant",
        (Lang::De, SessionStatus::Scheduled) => "eingeplant",
        (Lang::De, SessionStatus::Cancelled) => "abgesagt",
        (Lang::En, SessionStatus::Draft) => "unscheduled",
        (Lang::En, SessionStatus::Scheduled) => "scheduled",
        (Lang::En, SessionStatus::Cancelled) => "cancelled",
    }
}
