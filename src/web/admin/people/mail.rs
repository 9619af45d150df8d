//! The congress's outbox (pending, sent, failed with the last error), a retry button, and the
//! bulk mail form.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use serde::Deserialize;

use crate::app::AppState;
use crate::services::people::mailing::{self as svc, BulkMail, Group, OutboxPage, OUTBOX_PAGE};
use crate::services::people::{categories_of, workshops_of};
use crate::services::{now_utc, ServiceError};
use crate::web::admin::kit::Chrome;
use crate::web::admin::kit::{local, zone};
use crate::web::auth::AdminCtx;
use crate::web::error::AppError;
use crate::web::extract::{key, Id};
use crate::web::forms::{self, Errors};
use crate::web::input::Rejected;
use crate::web::page::PageCtx;
use crate::web::respond::with_db;
use crate::web::respond::{page, see_other, INVALID};

/// The bulk mail form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct BulkForm {
    #[serde(default)]
    group: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    /// Made when the form is shown; sending it twice queues each message once.
    #[serde(default)]
    batch: String,
}

impl BulkForm {
    fn fresh() -> BulkForm {
        BulkForm {
            batch: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        }
    }

    fn parse(&self, ctx: &PageCtx) -> Result<BulkMail, Errors> {
        let a = ctx.t.a;
        let mut e = Errors::default();
        let group = Group::parse(&self.group);
        if group.is_none() {
            e.add("group", a.err_group);
        }
        let subject = forms::required(&mut e, "subject", &self.subject, a.err_required);
        if subject.contains(['\r', '\n']) {
            e.add("subject", a.err_required);
        }
        let body = self.body.trim().to_string();
        if body.is_empty() {
            e.add("body", a.err_required);
        }
        let batch =
            uuid::Uuid::parse_str(self.batch.trim()).unwrap_or_else(|_| uuid::Uuid::new_v4());
        match group {
            Some(group) if e.is_empty() => Ok(BulkMail {
                group,
                subject,
                body,
                batch,
            }),
            _ => Err(e),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct MailPage {
    ctx: PageCtx,
    chrome: Chrome,
    o: OutboxPage,
    /// The status filter, "" for all.
    status: String,
    page_no: i64,
    pages: i64,
    form: BulkForm,
    errors: Errors,
    categories: Vec<(crate::domain::CategoryId, String)>,
    workshops: Vec<(crate::domain::SessionId, String)>,
    /// Set after a bulk mail was queued: how many.
    queued: Option<i64>,
    retried: bool,
    error: String,
    tz: Tz,
}

impl MailPage {
    fn when(&self, at: &NaiveDateTime) -> String {
        local(self.tz, at, "%Y-%m-%d %H:%M:%S")
    }
    fn status_label(&self, s: &str) -> &'static str {
        let a = self.ctx.t.a;
        match s {
            "pending" => a.mail_pending,
            "sending" => a.mail_sending,
            "sent" => a.mail_sent,
            "failed" => a.mail_failed,
            _ => "?",
        }
    }
    fn group_is(&self, value: &str) -> bool {
        self.form.group == value
    }
    fn group_value(&self, kind: &str, id: &impl std::fmt::Display) -> String {
        format!("{kind}-{id}")
    }
    fn page_link(&self, n: i64) -> String {
        format!(
            "/admin/{}/mail?status={}&page={n}",
            self.chrome.slug, self.status
        )
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct MailQuery {
    status: Option<String>,
    page: Option<String>,
    queued: Option<String>,
    retried: Option<String>,
}

struct View {
    status: StatusCode,
    form: BulkForm,
    errors: Errors,
    error: String,
}

async fn render(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    ctx: PageCtx,
    admin: &AdminCtx,
    query: &MailQuery,
    v: View,
) -> Result<HttpResponse, AppError> {
    let id = admin.congress()?.id;
    let status = query
        .status
        .clone()
        .filter(|s| svc::OUTBOX_STATUSES.contains(&s.as_str()))
        .unwrap_or_default();
    let page_no = query
        .page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, i64::MAX / OUTBOX_PAGE);
    let s = status.clone();
    let (o, categories, workshops) = with_db(state, ctx.lang, move |conn| {
        let o = svc::outbox_page(
            conn,
            id,
            Some(s.as_str()).filter(|s| !s.is_empty()),
            page_no - 1,
        )?;
        let categories = categories_of(conn, id)?;
        Ok((o, categories, workshops_of(conn, id)?))
    })
    .await?;
    let pages = ((o.total + OUTBOX_PAGE - 1) / OUTBOX_PAGE).max(1);
    page(
        v.status,
        MailPage {
            chrome: Chrome::new(req, admin, "mail"),
            tz: zone(admin)?,
            queued: query.queued.as_deref().and_then(|n| n.parse().ok()),
            retried: query.retried.is_some(),
            ctx,
            o,
            status,
            page_no,
            pages,
            form: v.form,
            errors: v.errors,
            categories,
            workshops,
            error: v.error,
        },
    )
}

pub async fn outbox(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    query: web::Query<MailQuery>,
) -> Result<HttpResponse, AppError> {
    let v = View {
        status: StatusCode::OK,
        form: BulkForm::fresh(),
        errors: Errors::default(),
        error: String::new(),
    };
    render(&req, &state, ctx, &admin, &query, v).await
}

pub async fn retry(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    message: Id<key::Message>,
) -> Result<HttpResponse, AppError> {
    let message = message.get();
    let (id, organizer) = (admin.congress()?.id, admin.viewer()?.id);
    let done = with_db(&state, ctx.lang, move |conn| {
        Ok(svc::retry(conn, id, message, organizer, now_utc()))
    })
    .await?;
    match done {
        Ok(()) => Ok(see_other(&format!(
            "/admin/{}/mail?retried=1",
            admin.congress()?.slug
        ))),
        Err(ServiceError::Conflict(_)) => {
            let v = View {
                status: StatusCode::CONFLICT,
                form: BulkForm::fresh(),
                errors: Errors::default(),
                error: ctx.t.a.err_retry_sent.to_string(),
            };
            render(&req, &state, ctx, &admin, &MailQuery::default(), v).await
        }
        Err(e) => Err(AppError::from_service(ctx.lang, e)),
    }
}

pub async fn send(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    form: web::Form<BulkForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = match Rejected::of(&req).combine(ctx.lang, form.parse(&ctx)) {
        Ok(mail) => {
            let c = admin.congress()?.clone();
            let organizer = admin.viewer()?.id;
            let ctx_mail = state.ctx.clone();
            let slug = c.slug.clone();
            match with_db(&state, ctx.lang, move |conn| {
                Ok(svc::send_bulk(conn, &ctx_mail, &c, &mail, organizer))
            })
            .await?
            {
                Ok(n) => return Ok(see_other(&format!("/admin/{slug}/mail?queued={n}"))),
                Err(ServiceError::Invalid { message, .. }) => {
                    let mut e = Errors::default();
                    let a = ctx.t.a;
                    e.add(
                        "group",
                        if message == "no recipients" {
                            a.err_no_recipients
                        } else {
                            a.err_group
                        },
                    );
                    e
                }
                Err(e) => return Err(AppError::from_service(ctx.lang, e)),
            }
        }
        Err(errors) => errors,
    };
    errors.add("page", ctx.t.a.form_has_errors);
    let v = View {
        status: INVALID,
        form,
        errors,
        error: String::new(),
    };
    render(&req, &state, ctx, &admin, &MailQuery::default(), v).await
}
