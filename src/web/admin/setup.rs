//! Set-up lists of a congress — rooms, tracks, participant categories — with one set of
//! generic handlers: list with an add form, edit form, save, delete. Each list says how its
//! form parses and which service functions and template it uses.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::app::AppState;
use crate::db::DbConnection;
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
use crate::web::extract::{key, Id, PageCtx};
use crate::web::forms::{self, Errors};
use crate::web::respond::with_db;
use crate::web::respond::{see_other, INVALID};

/// What a list page shows: the rows, and the form (add, or edit when `editing`).
pub struct ListView<L: SetupList> {
    pub ctx: PageCtx,
    pub chrome: Chrome,
    pub rows: Vec<L::Row>,
    pub form: L::Form,
    pub errors: Errors,
    pub editing: Option<i64>,
}

/// One kind of set-up list.
pub trait SetupList: Sized + 'static {
    /// Navigation key and URL segment ("rooms").
    const SEGMENT: &'static str;
    /// The path segment of one row's id (`{room}`).
    type Key: key::Segment;
    type Form: DeserializeOwned + Default + Send + 'static;
    type Input: Send + 'static;
    type Row: Send + 'static;

    fn parse(form: &Self::Form, ctx: &PageCtx) -> Result<Self::Input, Errors>;
    fn form_of(row: &Self::Row) -> Self::Form;
    /// The add form's defaults, knowing the current rows.
    fn blank(rows: &[Self::Row]) -> Self::Form;
    fn list(conn: &mut DbConnection, congress: i64) -> Result<Vec<Self::Row>, ServiceError>;
    fn get(conn: &mut DbConnection, congress: i64, id: i64) -> Result<Self::Row, ServiceError>;
    fn add(
        conn: &mut DbConnection,
        congress: i64,
        input: &Self::Input,
        actor: Actor,
    ) -> Result<i64, ServiceError>;
    fn update(
        conn: &mut DbConnection,
        mail: &Ctx,
        congress: i64,
        id: i64,
        input: &Self::Input,
        actor: Actor,
    ) -> Result<(), ServiceError>;
    fn delete(
        conn: &mut DbConnection,
        congress: i64,
        id: i64,
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
    let rows = with_db(state, ctx.lang, move |conn| L::list(conn, id)).await?;
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

fn actor(admin: &AdminCtx) -> Result<(i64, Actor), AppError> {
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
    let form = form.into_inner();
    let mut errors = match L::parse(&form, &ctx) {
        Ok(input) => {
            let (congress, actor) = actor(&admin)?;
            match with_db(&state, ctx.lang, move |conn| {
                Ok(L::add(conn, congress, &input, actor))
            })
            .await?
            {
                Ok(_) => return Ok(see_other(&list_url::<L>(&admin)?)),
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
        editing: None,
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
        editing: Some(id),
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
    let id = id.get();
    let form = form.into_inner();
    let mut errors = match L::parse(&form, &ctx) {
        Ok(input) => {
            let (congress, actor) = actor(&admin)?;
            let mail = state.ctx.clone();
            match with_db(&state, ctx.lang, move |conn| {
                Ok(L::update(conn, &mail, congress, id, &input, actor))
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
        editing: Some(id),
    };
    show(&req, &state, ctx, &admin, shown).await
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

// ---- rooms ----

pub struct Rooms;

#[derive(Deserialize, Default, Clone)]
pub struct RoomForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    accessibility_note: String,
    #[serde(default)]
    position: String,
}

#[derive(Template)]
#[template(path = "admin/rooms.html")]
struct RoomsPage {
    ctx: PageCtx,
    chrome: Chrome,
    rooms: Vec<RoomRow>,
    form: RoomForm,
    errors: Errors,
    editing: Option<i64>,
}

impl SetupList for Rooms {
    const SEGMENT: &'static str = "rooms";
    type Key = key::Room;
    type Form = RoomForm;
    type Input = RoomInput;
    type Row = RoomRow;

    fn parse(f: &RoomForm, ctx: &PageCtx) -> Result<RoomInput, Errors> {
        let a = ctx.t.a;
        let mut e = Errors::default();
        let r = RoomInput {
            name: forms::required(&mut e, "name", &f.name, a.err_required),
            capacity: forms::optional_count(&mut e, "capacity", &f.capacity, a.err_number),
            accessibility_note: f.accessibility_note.trim().to_string(),
            position: forms::number_or_zero(&mut e, "position", &f.position, a.err_number),
        };
        e.into_result(r)
    }

    fn form_of(r: &RoomRow) -> RoomForm {
        RoomForm {
            name: r.name.clone(),
            capacity: r.capacity.map(|c| c.to_string()).unwrap_or_default(),
            accessibility_note: r.accessibility_note.clone(),
            position: r.position.to_string(),
        }
    }

    fn blank(rows: &[RoomRow]) -> RoomForm {
        let next = rows.iter().map(|r| r.position + 1).max().unwrap_or(0);
        RoomForm {
            position: next.to_string(),
            ..Default::default()
        }
    }

    fn list(conn: &mut DbConnection, congress: i64) -> Result<Vec<RoomRow>, ServiceError> {
        Ok(svc::rooms_of(conn, congress)?)
    }
    fn get(conn: &mut DbConnection, congress: i64, id: i64) -> Result<RoomRow, ServiceError> {
        svc::room(conn, congress, id)
    }
    fn add(
        conn: &mut DbConnection,
        congress: i64,
        i: &RoomInput,
        actor: Actor,
    ) -> Result<i64, ServiceError> {
        svc::add_room(conn, congress, i, actor)
    }
    fn update(
        conn: &mut DbConnection,
        mail: &Ctx,
        congress: i64,
        id: i64,
        i: &RoomInput,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::update_room(conn, mail, congress, id, i, actor)
    }
    fn delete(
        conn: &mut DbConnection,
        congress: i64,
        id: i64,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::delete_room(conn, congress, id, actor)
    }
    fn render(v: ListView<Self>) -> Result<String, askama::Error> {
        RoomsPage {
            ctx: v.ctx,
            chrome: v.chrome,
            rooms: v.rows,
            form: v.form,
            errors: v.errors,
            editing: v.editing,
        }
        .render()
    }
}

// ---- tracks ----

pub struct Tracks;

#[derive(Deserialize, Default, Clone)]
pub struct TrackForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    colour: String,
    #[serde(default)]
    position: String,
}

#[derive(Template)]
#[template(path = "admin/tracks.html")]
struct TracksPage {
    ctx: PageCtx,
    chrome: Chrome,
    tracks: Vec<TrackRow>,
    form: TrackForm,
    errors: Errors,
    editing: Option<i64>,
}

impl SetupList for Tracks {
    const SEGMENT: &'static str = "tracks";
    type Key = key::Track;
    type Form = TrackForm;
    type Input = TrackInput;
    type Row = TrackRow;

    fn parse(f: &TrackForm, ctx: &PageCtx) -> Result<TrackInput, Errors> {
        let a = ctx.t.a;
        let mut e = Errors::default();
        let t = TrackInput {
            name: forms::required(&mut e, "name", &f.name, a.err_required),
            colour: forms::colour(&mut e, "colour", &f.colour, a.err_colour),
            position: forms::number_or_zero(&mut e, "position", &f.position, a.err_number),
        };
        e.into_result(t)
    }

    fn form_of(t: &TrackRow) -> TrackForm {
        TrackForm {
            name: t.name.clone(),
            colour: t.colour.clone(),
            position: t.position.to_string(),
        }
    }

    fn blank(rows: &[TrackRow]) -> TrackForm {
        let next = rows.iter().map(|r| r.position + 1).max().unwrap_or(0);
        TrackForm {
            colour: "#2f5d8a".into(),
            position: next.to_string(),
            ..Default::default()
        }
    }

    fn list(conn: &mut DbConnection, congress: i64) -> Result<Vec<TrackRow>, ServiceError> {
        Ok(svc::tracks_of(conn, congress)?)
    }
    fn get(conn: &mut DbConnection, congress: i64, id: i64) -> Result<TrackRow, ServiceError> {
        svc::track(conn, congress, id)
    }
    fn add(
        conn: &mut DbConnection,
        congress: i64,
        i: &TrackInput,
        actor: Actor,
    ) -> Result<i64, ServiceError> {
        svc::add_track(conn, congress, i, actor)
    }
    fn update(
        conn: &mut DbConnection,
        _mail: &Ctx,
        congress: i64,
        id: i64,
        i: &TrackInput,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::update_track(conn, congress, id, i, actor)
    }
    fn delete(
        conn: &mut DbConnection,
        congress: i64,
        id: i64,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::delete_track(conn, congress, id, actor)
    }
    fn render(v: ListView<Self>) -> Result<String, askama::Error> {
        TracksPage {
            ctx: v.ctx,
            chrome: v.chrome,
            tracks: v.rows,
            form: v.form,
            errors: v.errors,
            editing: v.editing,
        }
        .render()
    }
}

// ---- participant categories ----

pub struct Categories;

#[derive(Deserialize, Default, Clone)]
pub struct CategoryForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    quota: String,
    #[serde(default)]
    needs_approval: Option<String>,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    position: String,
}

impl CategoryForm {
    pub fn approval(&self) -> bool {
        forms::checkbox(&self.needs_approval)
    }
}

#[derive(Template)]
#[template(path = "admin/categories.html")]
struct CategoriesPage {
    ctx: PageCtx,
    chrome: Chrome,
    categories: Vec<CategoryRow>,
    form: CategoryForm,
    errors: Errors,
    editing: Option<i64>,
}

impl SetupList for Categories {
    const SEGMENT: &'static str = "categories";
    type Key = key::Category;
    type Form = CategoryForm;
    type Input = CategoryInput;
    type Row = CategoryRow;

    fn parse(f: &CategoryForm, ctx: &PageCtx) -> Result<CategoryInput, Errors> {
        let a = ctx.t.a;
        let mut e = Errors::default();
        let c = CategoryInput {
            name: forms::required(&mut e, "name", &f.name, a.err_required),
            quota: forms::optional_count(&mut e, "quota", &f.quota, a.err_number),
            needs_approval: f.approval(),
            priority: forms::number_or_zero(&mut e, "priority", &f.priority, a.err_number),
            position: forms::number_or_zero(&mut e, "position", &f.position, a.err_number),
        };
        e.into_result(c)
    }

    fn form_of(c: &CategoryRow) -> CategoryForm {
        CategoryForm {
            name: c.name.clone(),
            quota: c.quota.map(|q| q.to_string()).unwrap_or_default(),
            needs_approval: c.needs_approval.then(|| "on".to_string()),
            priority: c.priority.to_string(),
            position: c.position.to_string(),
        }
    }

    fn blank(rows: &[CategoryRow]) -> CategoryForm {
        let next = rows.iter().map(|r| r.position + 1).max().unwrap_or(0);
        CategoryForm {
            position: next.to_string(),
            priority: "0".into(),
            ..Default::default()
        }
    }

    fn list(conn: &mut DbConnection, congress: i64) -> Result<Vec<CategoryRow>, ServiceError> {
        Ok(svc::categories_of(conn, congress)?)
    }
    fn get(conn: &mut DbConnection, congress: i64, id: i64) -> Result<CategoryRow, ServiceError> {
        svc::category(conn, congress, id)
    }
    fn add(
        conn: &mut DbConnection,
        congress: i64,
        i: &CategoryInput,
        actor: Actor,
    ) -> Result<i64, ServiceError> {
        svc::add_category(conn, congress, i, actor)
    }
    fn update(
        conn: &mut DbConnection,
        mail: &Ctx,
        congress: i64,
        id: i64,
        i: &CategoryInput,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::update_category(conn, mail, congress, id, i, actor)
    }
    fn delete(
        conn: &mut DbConnection,
        congress: i64,
        id: i64,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::delete_category(conn, congress, id, actor)
    }
    fn render(v: ListView<Self>) -> Result<String, askama::Error> {
        CategoriesPage {
            ctx: v.ctx,
            chrome: v.chrome,
            categories: v.rows,
            form: v.form,
            errors: v.errors,
            editing: v.editing,
        }
        .render()
    }
}

// ---- registration questions ----

pub struct Questions;

#[derive(Deserialize, Default, Clone)]
pub struct QuestionForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    options: String,
    #[serde(default)]
    required: Option<String>,
    #[serde(default)]
    position: String,
}

impl QuestionForm {
    pub fn is_required(&self) -> bool {
        forms::checkbox(&self.required)
    }
}

#[derive(Template)]
#[template(path = "admin/questions.html")]
struct QuestionsPage {
    ctx: PageCtx,
    chrome: Chrome,
    questions: Vec<QuestionRow>,
    form: QuestionForm,
    errors: Errors,
    editing: Option<i64>,
    kinds: [&'static str; 5],
}

/// The label of a question kind.
pub fn question_kind_label(lang: crate::i18n::Lang, kind: &str) -> &'static str {
    use crate::i18n::Lang::*;
    match (lang, kind) {
        (De, "short_text") => "Kurzer Text",
        (De, "long_text") => "Langer Text",
        (De, "single_choice") => "Einfachauswahl",
        (De, "multiple_choice") => "Mehrfachauswahl",
        (De, "checkbox") => "Ankreuzfeld",
        (En, "short_text") => "Short text",
        (En, "long_text") => "Long text",
        (En, "single_choice") => "Single choice",
        (En, "multiple_choice") => "Multiple choice",
        (En, "checkbox") => "Checkbox",
        _ => "?",
    }
}

impl SetupList for Questions {
    const SEGMENT: &'static str = "questions";
    type Key = key::Question;
    type Form = QuestionForm;
    type Input = QuestionInput;
    type Row = QuestionRow;

    fn parse(f: &QuestionForm, ctx: &PageCtx) -> Result<QuestionInput, Errors> {
        let a = ctx.t.a;
        let mut e = Errors::default();
        let label = forms::required(&mut e, "label", &f.label, a.err_required);
        if !QUESTION_KINDS.contains(&f.kind.as_str()) {
            e.add("kind", a.err_required);
        }
        let choice = matches!(f.kind.as_str(), "single_choice" | "multiple_choice");
        let mut options: Vec<String> = vec![];
        if choice {
            for line in f.options.lines().map(str::trim).filter(|l| !l.is_empty()) {
                if !options.iter().any(|o| o == line) {
                    options.push(line.to_string());
                }
            }
            if options.len() < 2 {
                e.add("options", a.err_options);
            }
        }
        let q = QuestionInput {
            label,
            kind: f.kind.clone(),
            options,
            required: f.is_required(),
            position: forms::number_or_zero(&mut e, "position", &f.position, a.err_number),
        };
        e.into_result(q)
    }

    fn form_of(q: &QuestionRow) -> QuestionForm {
        QuestionForm {
            label: q.label.clone(),
            kind: q.kind.clone(),
            options: q.choices().join("\n"),
            required: q.required.then(|| "on".to_string()),
            position: q.position.to_string(),
        }
    }

    fn blank(rows: &[QuestionRow]) -> QuestionForm {
        let next = rows.iter().map(|r| r.position + 1).max().unwrap_or(0);
        QuestionForm {
            kind: "short_text".into(),
            position: next.to_string(),
            ..Default::default()
        }
    }

    fn list(conn: &mut DbConnection, congress: i64) -> Result<Vec<QuestionRow>, ServiceError> {
        Ok(svc::questions_of(conn, congress)?)
    }
    fn get(conn: &mut DbConnection, congress: i64, id: i64) -> Result<QuestionRow, ServiceError> {
        svc::question(conn, congress, id)
    }
    fn add(
        conn: &mut DbConnection,
        congress: i64,
        i: &QuestionInput,
        actor: Actor,
    ) -> Result<i64, ServiceError> {
        svc::add_question(conn, congress, i, actor)
    }
    fn update(
        conn: &mut DbConnection,
        _mail: &Ctx,
        congress: i64,
        id: i64,
        i: &QuestionInput,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::update_question(conn, congress, id, i, actor)
    }
    fn delete(
        conn: &mut DbConnection,
        congress: i64,
        id: i64,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::delete_question(conn, congress, id, actor)
    }
    fn render(v: ListView<Self>) -> Result<String, askama::Error> {
        QuestionsPage {
            ctx: v.ctx,
            chrome: v.chrome,
            questions: v.rows,
            form: v.form,
            errors: v.errors,
            editing: v.editing,
            kinds: QUESTION_KINDS,
        }
        .render()
    }
}

// ---- speakers ----

pub struct Speakers;

#[derive(Deserialize, Default, Clone)]
pub struct SpeakerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    email: String,
}

#[derive(Template)]
#[template(path = "admin/speakers.html")]
struct SpeakersPage {
    ctx: PageCtx,
    chrome: Chrome,
    speakers: Vec<SpeakerRow>,
    form: SpeakerForm,
    errors: Errors,
    editing: Option<i64>,
}

impl SetupList for Speakers {
    const SEGMENT: &'static str = "speakers";
    type Key = key::Speaker;
    type Form = SpeakerForm;
    type Input = SpeakerInput;
    type Row = SpeakerRow;

    fn parse(f: &SpeakerForm, ctx: &PageCtx) -> Result<SpeakerInput, Errors> {
        let a = ctx.t.a;
        let mut e = Errors::default();
        let email = match f.email.trim() {
            "" => None,
            raw => match crate::domain::EmailAddress::parse(raw) {
                Ok(m) => Some(m.as_str().to_string()),
                Err(_) => {
                    e.add("email", a.err_email);
                    None
                }
            },
        };
        let s = SpeakerInput {
            name: forms::required(&mut e, "name", &f.name, a.err_required),
            organization: f.organization.trim().to_string(),
            position: f.position.trim().to_string(),
            bio: f.bio.trim().to_string(),
            email,
        };
        e.into_result(s)
    }

    fn form_of(s: &SpeakerRow) -> SpeakerForm {
        SpeakerForm {
            name: s.name.clone(),
            organization: s.organization.clone(),
            position: s.position.clone(),
            bio: s.bio.clone(),
            email: s.email.clone().unwrap_or_default(),
        }
    }

    fn blank(_: &[SpeakerRow]) -> SpeakerForm {
        SpeakerForm::default()
    }

    fn list(conn: &mut DbConnection, congress: i64) -> Result<Vec<SpeakerRow>, ServiceError> {
        Ok(svc::speakers_of(conn, congress)?)
    }
    fn get(conn: &mut DbConnection, congress: i64, id: i64) -> Result<SpeakerRow, ServiceError> {
        svc::speaker(conn, congress, id)
    }
    fn add(
        conn: &mut DbConnection,
        congress: i64,
        i: &SpeakerInput,
        actor: Actor,
    ) -> Result<i64, ServiceError> {
        svc::add_speaker(conn, congress, i, actor)
    }
    fn update(
        conn: &mut DbConnection,
        _mail: &Ctx,
        congress: i64,
        id: i64,
        i: &SpeakerInput,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::update_speaker(conn, congress, id, i, actor)
    }
    fn delete(
        conn: &mut DbConnection,
        congress: i64,
        id: i64,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        svc::delete_speaker(conn, congress, id, actor)
    }
    fn render(v: ListView<Self>) -> Result<String, askama::Error> {
        SpeakersPage {
            ctx: v.ctx,
            chrome: v.chrome,
            speakers: v.rows,
            form: v.form,
            errors: v.errors,
            editing: v.editing,
        }
        .render()
    }
}
