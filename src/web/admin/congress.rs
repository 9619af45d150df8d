//! Creating a congress, its settings and its dashboard.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use crate::app::AppState;
use crate::domain::time::{local_to_utc, parse_time_zone};
use crate::domain::Slug;
use crate::domain::{CongressStatus, SessionStatus};
use crate::services::congress::{self as svc, CongressSettings, DayLabel};
use crate::services::ServiceError;
use crate::web::admin::kit::Chrome;
use crate::web::auth::AdminCtx;
use crate::web::error::AppError;
use crate::web::forms::{self, Errors, FormMap};
use crate::web::input::Rejected;
use crate::web::page::PageCtx;
use crate::web::respond::with_db;
use crate::web::respond::{page, see_other, INVALID};

/// The settings form as typed (strings, so they are shown back unchanged on error).
#[derive(Default, Clone)]
pub struct SettingsInput {
    pub slug: String,
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub venue_name: String,
    pub venue_address: String,
    pub time_zone: String,
    pub first_day: String,
    pub last_day: String,
    pub lang_de: bool,
    pub lang_en: bool,
    pub registration_opens: String,
    pub registration_closes: String,
    pub capacity: String,
    pub status: String,
    /// (date, German label, English label)
    pub days: Vec<(String, String, String)>,
}

impl SettingsInput {
    fn from_form(f: &FormMap) -> SettingsInput {
        let dates = f.all("day");
        let de = f.all("day_label");
        let en = f.all("day_label_en");
        SettingsInput {
            slug: f.get("slug").trim().to_string(),
            title: f.get("title").to_string(),
            subtitle: f.get("subtitle").to_string(),
            description: f.get("description").to_string(),
            venue_name: f.get("venue_name").to_string(),
            venue_address: f.get("venue_address").to_string(),
            time_zone: f.get("time_zone").trim().to_string(),
            first_day: f.get("first_day").to_string(),
            last_day: f.get("last_day").to_string(),
            lang_de: f.has("lang_de"),
            lang_en: f.has("lang_en"),
            registration_opens: f.get("registration_opens").to_string(),
            registration_closes: f.get("registration_closes").to_string(),
            capacity: f.get("capacity").to_string(),
            status: f.get("status").to_string(),
            days: dates
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    (
                        d.to_string(),
                        de.get(i).unwrap_or(&"").to_string(),
                        en.get(i).unwrap_or(&"").to_string(),
                    )
                })
                .collect(),
        }
    }

    fn from_row(
        c: &crate::db::rows::Congress,
        days: &[crate::db::rows::CongressDay],
    ) -> SettingsInput {
        let tz = parse_time_zone(&c.time_zone).unwrap_or(chrono_tz::UTC);
        let local = |t: Option<chrono::NaiveDateTime>| {
            t.map(|t| {
                t.and_utc()
                    .with_timezone(&tz)
                    .format("%Y-%m-%dT%H:%M")
                    .to_string()
            })
            .unwrap_or_default()
        };
        SettingsInput {
            slug: c.slug.clone(),
            title: c.title.clone(),
            subtitle: c.subtitle.clone(),
            description: c.description.clone(),
            venue_name: c.venue_name.clone(),
            venue_address: c.venue_address.clone(),
            time_zone: c.time_zone.clone(),
            first_day: c.first_day.to_string(),
            last_day: c.last_day.to_string(),
            lang_de: c.languages.split(',').any(|l| l == "de"),
            lang_en: c.languages.split(',').any(|l| l == "en"),
            registration_opens: local(c.registration_opens_at),
            registration_closes: local(c.registration_closes_at),
            capacity: c.capacity.map(|n| n.to_string()).unwrap_or_default(),
            status: c.status.as_str().to_string(),
            days: days
                .iter()
                .map(|d| (d.day.to_string(), d.label.clone(), d.label_en.clone()))
                .collect(),
        }
    }

    /// Parses into settings, or messages per field.
    fn parse(&self, ctx: &PageCtx) -> Result<(CongressSettings, Vec<DayLabel>), Errors> {
        let a = ctx.t.a;
        let mut e = Errors::default();
        let slug = match Slug::parse(&self.slug) {
            Ok(slug) => Some(slug),
            Err(err) => {
                e.add("slug", format!("{} ({err})", a.slug_hint));
                None
            }
        };
        let title = forms::required(&mut e, "title", &self.title, a.err_required);
        let tz = match parse_time_zone(&self.time_zone) {
            Ok(tz) => Some(tz),
            Err(_) => {
                e.add("time_zone", a.err_time_zone);
                None
            }
        };
        let first = forms::date(&mut e, "first_day", &self.first_day, a.err_date);
        let last = forms::date(&mut e, "last_day", &self.last_day, a.err_date);
        if let (Some(f), Some(l)) = (first, last) {
            if l < f {
                e.add("last_day", a.err_last_before_first);
            } else if (l - f).num_days() > 30 {
                e.add("last_day", a.err_date);
            }
        }
        let to_utc = |e: &mut Errors, field: &'static str, v: &str| {
            let local = forms::optional_local_datetime(e, field, v, a.err_datetime)?;
            let tz = tz?;
            match local_to_utc(tz, local.date(), local.time()) {
                Ok(u) => Some(u.naive_utc()),
                Err(_) => {
                    e.add(field, a.err_datetime);
                    None
                }
            }
        };
        let opens = to_utc(&mut e, "registration_opens", &self.registration_opens);
        let closes = to_utc(&mut e, "registration_closes", &self.registration_closes);
        let capacity = forms::optional_count(&mut e, "capacity", &self.capacity, a.err_number);
        let status = match self.status.as_str() {
            "" => CongressStatus::Draft,
            s => CongressStatus::parse(s).unwrap_or_else(|| {
                e.add("status", a.err_required);
                CongressStatus::Draft
            }),
        };
        let mut languages = vec![];
        if self.lang_de {
            languages.push("de");
        }
        if self.lang_en {
            languages.push("en");
        }
        if languages.is_empty() {
            languages.push("de");
        }
        let labels = self
            .days
            .iter()
            .filter_map(|(d, de, en)| {
                d.parse::<NaiveDate>().ok().map(|day| DayLabel {
                    day,
                    label: de.trim().to_string(),
                    label_en: en.trim().to_string(),
                })
            })
            .collect();
        // A refused slug has put its message in `e` already.
        let (Some(slug), true) = (slug, e.is_empty()) else {
            return Err(e);
        };
        let settings = CongressSettings {
            slug,
            title,
            subtitle: self.subtitle.trim().to_string(),
            description: self.description.trim().to_string(),
            venue_name: self.venue_name.trim().to_string(),
            venue_address: self.venue_address.trim().to_string(),
            time_zone: self.time_zone.clone(),
            first_day: first.unwrap_or_default(),
            last_day: last.unwrap_or_default(),
            languages: languages.join(","),
            registration_opens_at: opens,
            registration_closes_at: closes,
            capacity,
            status,
        };
        Ok((settings, labels))
    }
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    ctx: PageCtx,
    chrome: Chrome,
    input: SettingsInput,
    errors: Errors,
    creating: bool,
}

pub async fn new_form(
    req: HttpRequest,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    page(
        StatusCode::OK,
        SettingsPage {
            chrome: Chrome::new(&req, &admin, "new"),
            ctx,
            input: SettingsInput {
                time_zone: "Europe/Berlin".into(),
                lang_de: true,
                lang_en: true,
                ..Default::default()
            },
            errors: Errors::default(),
            creating: true,
        },
    )
}

fn map_service_error(ctx: &PageCtx, e: ServiceError, errors: &mut Errors) -> Result<(), AppError> {
    match e {
        ServiceError::Invalid { field: "slug", .. } => {
            errors.add("slug", ctx.t.a.err_slug_taken);
            Ok(())
        }
        ServiceError::Invalid {
            field: "last_day",
            message,
        } => {
            errors.add(
                "last_day",
                match ctx.lang {
                    crate::i18n::Lang::De => {
                        format!("{message} geplante Programmpunkte lägen außerhalb der neuen Tage.")
                    }
                    crate::i18n::Lang::En => {
                        format!("{message} scheduled sessions would fall outside the new days.")
                    }
                },
            );
            Ok(())
        }
        ServiceError::Invalid { field, message } => {
            errors.add(field, message);
            Ok(())
        }
        other => Err(AppError::from_service(ctx.lang, other)),
    }
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    form: web::Form<FormMap>,
) -> Result<HttpResponse, AppError> {
    let input = SettingsInput::from_form(&form);
    let mut errors = match Rejected::of(&req).combine(ctx.lang, input.parse(&ctx)) {
        Ok((settings, _)) => {
            let creator = admin.viewer()?.id;
            let slug = settings.slug.clone();
            let result = with_db(&state, ctx.lang, move |conn| {
                Ok(svc::create(conn, &settings, creator))
            })
            .await?;
            match result {
                Ok(_) => return Ok(see_other(&format!("/admin/{slug}/settings?saved=1"))),
                Err(e) => {
                    let mut errors = Errors::default();
                    map_service_error(&ctx, e, &mut errors)?;
                    errors
                }
            }
        }
        Err(errors) => errors,
    };
    if errors.is_empty() {
        errors.add("slug", ctx.t.a.form_has_errors);
    }
    page(
        INVALID,
        SettingsPage {
            chrome: Chrome::new(&req, &admin, "new"),
            ctx,
            input,
            errors,
            creating: true,
        },
    )
}

pub async fn settings_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    let c = admin.congress()?.clone();
    let id = c.id;
    let days = with_db(&state, ctx.lang, move |conn| Ok(svc::days(conn, id)?)).await?;
    page(
        StatusCode::OK,
        SettingsPage {
            chrome: Chrome::new(&req, &admin, "settings"),
            input: SettingsInput::from_row(&c, &days),
            ctx,
            errors: Errors::default(),
            creating: false,
        },
    )
}

pub async fn save_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    form: web::Form<FormMap>,
) -> Result<HttpResponse, AppError> {
    let id = admin.congress()?.id;
    let actor = admin.viewer()?.id;
    let input = SettingsInput::from_form(&form);
    let errors = match Rejected::of(&req).combine(ctx.lang, input.parse(&ctx)) {
        Ok((settings, labels)) => {
            let slug = settings.slug.clone();
            let mail = state.ctx.clone();
            let result = with_db(&state, ctx.lang, move |conn| {
                Ok(svc::update(conn, &mail, id, &settings, &labels, actor))
            })
            .await?;
            match result {
                Ok(()) => return Ok(see_other(&format!("/admin/{slug}/settings?saved=1"))),
                Err(e) => {
                    let mut errors = Errors::default();
                    map_service_error(&ctx, e, &mut errors)?;
                    errors
                }
            }
        }
        Err(errors) => errors,
    };
    page(
        INVALID,
        SettingsPage {
            chrome: Chrome::new(&req, &admin, "settings"),
            ctx,
            input,
            errors,
            creating: false,
        },
    )
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    ctx: PageCtx,
    chrome: Chrome,
    d: svc::Dashboard,
}

impl DashboardPage {
    fn status(&self, s: &SessionStatus) -> &'static str {
        crate::web::admin::kit::status_label_session(self.ctx.lang, *s)
    }
}

pub async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    let id = admin.congress()?.id;
    let d = with_db(&state, ctx.lang, move |conn| svc::dashboard(conn, id)).await?;
    page(
        StatusCode::OK,
        DashboardPage {
            chrome: Chrome::new(&req, &admin, "dashboard"),
            ctx,
            d,
        },
    )
}
