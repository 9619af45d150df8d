//! Set-up lists of a congress — rooms, tracks, participant categories — with one set of
//! generic handlers: list with an add form, edit form, save, delete. Each list says how its
//! form parses and which service functions and template it uses: `places` (rooms, tracks),
//! `registration` (participant categories, registration questions), `speakers`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::app::AppState;
use crate::db::DbConnection;
use crate::domain::CongressId;
use crate::services::audit::Actor;
use crate::services::setup::{
    self as svc, CategoryInput, CategoryRow, QuestionInput, QuestionRow, RoomInput, RoomRow,
    SpeakerInput, SpeakerRow, TrackInput, TrackRow, QUESTION_KINDS,
};
use crate::services::Ctx;
use crate::services::ServiceError;
use crate::web::admin::kit::Chrome;
use crate::web::auth::AdminCtx;
use crate::web::error::AppError;
use crate::web::extract::{key, Id};
use crate::web::forms::{self, Errors};
use crate::web::input::Rejected;
use crate::web::page::PageCtx;
use crate::web::respond::with_db;
use crate::web::respond::{see_other, INVALID};

mod blocks;
mod places;
mod registration;
mod speakers;

pub use blocks::{assign as assign_block, group as group_parallel, Blocks};
pub use places::{Rooms, Tracks};
pub use registration::{question_kind_label, Categories, Questions};
pub use speakers::Speakers;

/// What a list page shows: the rows, and the form (add, or edit when `editing`).
pub struct ListView<L: SetupList> {
    pub ctx: PageCtx,
    pub chrome: Chrome,
    pub rows: Vec<L::Row>,
    pub form: L::Form,
    pub errors: Errors,
    pub editing: Option<i64>,
    /// What else the page needs beside the rows (the block form's days).
    pub extra: L::Extra,
}

/// The id of a list's rows (`RoomId` for rooms).
pub type IdOf<L> = <<L as SetupList>::Key as key::Segment>::Id;

/// One kind of set-up list.
pub trait SetupList: Sized + 'static {
    /// Navigation key and URL segment ("rooms").
    const SEGMENT: &'static str;
    /// The path segment of one row's id (`{room}`).
    type Key: key::Segment;
    type Form: DeserializeOwned + Default + Send + 'static;
    type Input: Send + 'static;
    type Row: Send + 'static;
    type Extra: Send + 'static;

    fn parse(form: &Self::Form, ctx: &PageCtx) -> Result<Self::Input, Errors>;
    fn form_of(row: &Self::Row) -> Self::Form;
    /// The add form's defaults, knowing the current rows.
    fn blank(rows: &[Self::Row]) -> Self::Form;
    fn list(conn: &mut DbConnection, congress: CongressId) -> Result<Vec<Self::Row>, ServiceError>;
    /// Loaded with the rows for every view of the page.
    fn extra(conn: &mut DbConnection, congress: CongressId) -> Result<Self::Extra, ServiceError>;
    fn get(
        conn: &mut DbConnection,
        congress: CongressId,
        id: IdOf<Self>,
    ) -> Result<Self::Row, ServiceError>;
    fn add(
        conn: &mut DbConnection,
        congress: CongressId,
        input: &Self::Input,
        actor: Actor,
    ) -> Result<IdOf<Self>, ServiceError>;
    fn update(
        conn: &mut DbConnection,
        mail: &Ctx,
        congress: CongressId,
        id: IdOf<Self>,
        input: &Self::Input,
        actor: Actor,
    ) -> Result<(), ServiceError>;
    fn delete(
        conn: &mut DbConnection,
        congress: CongressId,
        id: IdOf<Self>,
        actor: Actor,
    ) -> Result<(), ServiceError>;
    fn render(view: ListView<Self>) -> Result<String, askama::Error>;
}

/// Maps a refused save to messages on the form; other errors become AppError.
fn refused(ctx: &PageCtx, e: ServiceError) -> Result<Errors, AppError> {
    let a = ctx.t.a;
    let mut errors = Errors::default();
    match e {
        ServiceError::Invalid { field: "name", .. } => errors.add("name", a.err_name_taken),
        ServiceError::Invalid { field: "day", .. } => errors.add("day", ctx.t.blk.err_day),
        ServiceError::Conflict(m) if m.starts_with("rankings:") => errors.add(
            "page",
            crate::i18n::blocks::block_has_rankings(ctx.lang, m.trim_start_matches("rankings:")),
        ),
        ServiceError::Invalid { field: "quota", message } => errors.add(
            "quota",
            match ctx.lang {
                crate::i18n::Lang::De => format!(
                    "Schon {message} bestätigte Anmeldungen: das Kontingent kann nicht kleiner sein."
                ),
                crate::i18n::Lang::En => format!(
                    "{message} registrations are confirmed already: the quota cannot be lower."
                ),
            },
        ),
        ServiceError::Conflict(_) => errors.add("page", a.err_in_use),
        other => return Err(AppError::from_service(ctx.lang, other)),
    }
    Ok(errors)
}

struct Shown<L: SetupList> {
    status: StatusCode,
    form: Option<L::Form>,
    errors: Errors,
    editing: Option<i64>,
}

async fn show<L: SetupList>(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    ctx: PageCtx,
    admin: &AdminCtx,
    shown: Shown<L>,
) -> Result<HttpResponse, AppError> {
    let id = admin.congress()?.id;
    let (rows, extra) = with_db(state, ctx.lang, move |conn| {
        Ok((L::list(conn, id)?, L::extra(conn, id)?))
    })
    .await?;
    let form = shown.form.unwrap_or_else(|| L::blank(&rows));
    let view = ListView::<L> {
        chrome: Chrome::new(req, admin, L::SEGMENT),
        ctx,
        rows: if shown.editing.is_some() {
            vec![]
        } else {
            rows
        },
        form,
        errors: shown.errors,
        editing: shown.editing,
        extra,
    };
    let body = L::render(view).map_err(|e| AppError::Internal(format!("template: {e}")))?;
    Ok(HttpResponse::build(shown.status)
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body))
}

fn list_url<L: SetupList>(admin: &AdminCtx) -> Result<String, AppError> {
    Ok(format!(
        "/admin/{}/{}?saved=1",
        admin.congress()?.slug,
        L::SEGMENT
    ))
}

fn actor(admin: &AdminCtx) -> Result<(CongressId, Actor), AppError> {
    Ok((admin.congress()?.id, Actor::Organizer(admin.viewer()?.id)))
}

pub async fn list<L: SetupList>(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    let shown = Shown::<L> {
        status: StatusCode::OK,
        form: None,
        errors: Errors::default(),
        editing: None,
    };
    show(&req, &state, ctx, &admin, shown).await
}

pub async fn add<L: SetupList>(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    form: web::Form<L::Form>,
) -> Result<HttpResponse, AppError> {
    submit::<L>(req, state, ctx, admin, None, form.into_inner()).await
}

/// Add (`id` is `None`) or update an entry: back to the list when saved, otherwise the list
/// with the form again, the input kept and the messages beside their fields.
async fn submit<L: SetupList>(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    id: Option<IdOf<L>>,
    form: L::Form,
) -> Result<HttpResponse, AppError> {
    let mut errors = match Rejected::of(&req).combine(ctx.lang, L::parse(&form, &ctx)) {
        Ok(input) => {
            let (congress, actor) = actor(&admin)?;
            let mail = state.ctx.clone();
            match with_db(&state, ctx.lang, move |conn| {
                Ok(match id {
                    None => L::add(conn, congress, &input, actor).map(drop),
                    Some(id) => L::update(conn, &mail, congress, id, &input, actor),
                })
            })
            .await?
            {
                Ok(()) => return Ok(see_other(&list_url::<L>(&admin)?)),
                Err(e) => refused(&ctx, e)?,
            }
        }
        Err(errors) => errors,
    };
    errors.add("page", ctx.t.a.form_has_errors);
    let shown = Shown::<L> {
        status: INVALID,
        form: Some(form),
        errors,
        editing: id.map(Into::into),
    };
    show(&req, &state, ctx, &admin, shown).await
}

pub async fn edit<L: SetupList>(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    id: Id<L::Key>,
) -> Result<HttpResponse, AppError> {
    let id = id.get();
    let congress = admin.congress()?.id;
    let row = with_db(&state, ctx.lang, move |conn| L::get(conn, congress, id)).await?;
    let shown = Shown::<L> {
        status: StatusCode::OK,
        form: Some(L::form_of(&row)),
        errors: Errors::default(),
        editing: Some(id.into()),
    };
    show(&req, &state, ctx, &admin, shown).await
}

pub async fn save<L: SetupList>(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    id: Id<L::Key>,
    form: web::Form<L::Form>,
) -> Result<HttpResponse, AppError> {
    submit::<L>(req, state, ctx, admin, Some(id.get()), form.into_inner()).await
}

pub async fn delete<L: SetupList>(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    id: Id<L::Key>,
) -> Result<HttpResponse, AppError> {
    let id = id.get();
    let (congress, actor) = actor(&admin)?;
    match with_db(&state, ctx.lang, move |conn| {
        Ok(L::delete(conn, congress, id, actor))
    })
    .await?
    {
        Ok(()) => Ok(see_other(&list_url::<L>(&admin)?)),
        Err(e) => {
            let errors = refused(&ctx, e)?;
            let shown = Shown::<L> {
                status: StatusCode::CONFLICT,
                form: None,
                errors,
                editing: None,
            };
            show(&req, &state, ctx, &admin, shown).await
        }
    }
}
