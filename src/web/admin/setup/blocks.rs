//! Workshop blocks: the set-up list (name, day; its sessions and what is wrong with the block),
//! "make a block" of workshops that start together, and putting one session in a block.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::*;
use crate::db::rows::CongressDay;
use crate::domain::time::parse_time_zone;
use crate::domain::{SessionId, SlotGroupId};
use crate::services::blocks::{self as blocks_svc, BlockInput, BlockRow};

pub struct Blocks;

#[derive(Deserialize, Default, Clone)]
pub struct BlockForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    day: String,
}

/// Workshops that start together without a block, as the page offers them.
pub struct Parallel {
    /// RFC 3339, sent back by "make a block".
    pub start: String,
    pub label: String,
    pub titles: Vec<String>,
}

pub struct BlocksExtra {
    pub days: Vec<CongressDay>,
    pub parallel: Vec<Parallel>,
    pub tz: Tz,
}

fn tz_of(conn: &mut DbConnection, congress: CongressId) -> Result<Tz, ServiceError> {
    let (tz, _) = crate::services::sessions::window(conn, congress)?;
    Ok(tz)
}

#[derive(Template)]
#[template(path = "admin/blocks.html")]
struct BlocksPage {
    ctx: PageCtx,
    chrome: Chrome,
    blocks: Vec<BlockRow>,
    form: BlockForm,
    errors: Errors,
    editing: Option<i64>,
    extra: BlocksExtra,
}

impl BlocksPage {
    fn day_label(&self, d: &Option<NaiveDate>) -> String {
        match d {
            Some(d) => day_name(&self.ctx, &self.extra.days, *d),
            None => String::new(),
        }
    }
    fn day_option(&self, d: &NaiveDate) -> String {
        day_name(&self.ctx, &self.extra.days, *d)
    }
    fn slot(&self, a: &Option<DateTime<Utc>>, b: &Option<DateTime<Utc>>) -> String {
        match (a, b) {
            (Some(a), Some(b)) => {
                let (a, b) = (
                    a.with_timezone(&self.extra.tz),
                    b.with_timezone(&self.extra.tz),
                );
                format!(
                    "{} {}–{}",
                    self.ctx.lang.short_date(a.date_naive()),
                    a.format("%H:%M"),
                    b.format("%H:%M")
                )
            }
            _ => "–".into(),
        }
    }
    fn mode(&self, b: &BlockRow) -> &'static str {
        if b.mode == "ranked" {
            self.ctx.t.a.alloc_ranked
        } else {
            self.ctx.t.a.alloc_fcfs
        }
    }
}

/// "Mo. 25.01. · Tag 1: Plenum", the day as the organizer named it.
fn day_name(ctx: &PageCtx, days: &[CongressDay], d: NaiveDate) -> String {
    let label = days
        .iter()
        .find(|x| x.day == d)
        .map(|x| match ctx.lang {
            crate::i18n::Lang::En if !x.label_en.is_empty() => x.label_en.as_str(),
            _ => x.label.as_str(),
        })
        .unwrap_or("");
    if label.is_empty() {
        ctx.lang.short_date(d)
    } else {
        format!("{} · {label}", ctx.lang.short_date(d))
    }
}

impl SetupList for Blocks {
    const SEGMENT: &'static str = "blocks";
    type Key = key::Group;
    type Form = BlockForm;
    type Input = BlockInput;
    type Row = BlockRow;
    type Extra = BlocksExtra;

    fn parse(f: &BlockForm, ctx: &PageCtx) -> Result<BlockInput, Errors> {
        let mut e = Errors::default();
        let name = forms::required(&mut e, "name", &f.name, ctx.t.a.err_required);
        let day = match f.day.trim() {
            "" => None,
            d => d.parse::<NaiveDate>().ok().or_else(|| {
                e.add("day", ctx.t.blk.err_day);
                None
            }),
        };
        e.into_result(BlockInput {
            name: name.chars().take(200).collect(),
            day,
        })
    }

    fn form_of(b: &BlockRow) -> BlockForm {
        BlockForm {
            name: b.name.clone(),
            day: b.day.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    fn blank(_: &[BlockRow]) -> BlockForm {
        BlockForm::default()
    }

    fn extra(conn: &mut DbConnection, congress: CongressId) -> Result<BlocksExtra, ServiceError> {
        let tz = tz_of(conn, congress)?;
        let days = crate::db::queries::days(conn, congress)?;
        let parallel = blocks_svc::parallel_starts(conn, congress)?
            .into_iter()
            .map(|(start, sessions)| {
                let local = start.with_timezone(&tz);
                Parallel {
                    start: start.to_rfc3339(),
                    label: format!("{} {}", local.date_naive(), local.format("%H:%M")),
                    titles: sessions.into_iter().map(|(_, t)| t).collect(),
                }
            })
            .collect();
        Ok(BlocksExtra { days, parallel, tz })
    }

    fn list(conn: &mut DbConnection, congress: CongressId) -> Result<Vec<BlockRow>, ServiceError> {
        blocks_svc::list(conn, congress)
    }
    fn get(
        conn: &mut DbConnection,
        congress: CongressId,
        id: SlotGroupId,
    ) -> Result<BlockRow, ServiceError> {
        blocks_svc::get(conn, congress, id)
    }
    fn add(
        conn: &mut DbConnection,
        congress: CongressId,
        i: &BlockInput,
        actor: Actor,
    ) -> Result<SlotGroupId, ServiceError> {
        blocks_svc::add(conn, congress, i, actor)
    }
    fn update(
        conn: &mut DbConnection,
        _mail: &Ctx,
        congress: CongressId,
        id: SlotGroupId,
        i: &BlockInput,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        blocks_svc::update(conn, congress, id, i, actor)
    }
    fn delete(
        conn: &mut DbConnection,
        congress: CongressId,
        id: SlotGroupId,
        actor: Actor,
    ) -> Result<(), ServiceError> {
        blocks_svc::delete(conn, congress, id, actor)
    }
    fn render(v: ListView<Self>) -> Result<String, askama::Error> {
        let mut extra = v.extra;
        // The parallel starts are labelled in the page's language.
        for p in &mut extra.parallel {
            if let Ok(t) = DateTime::parse_from_rfc3339(&p.start) {
                let local = t.with_timezone(&extra.tz);
                p.label = format!(
                    "{} {}",
                    day_name(&v.ctx, &extra.days, local.date_naive()),
                    local.format("%H:%M")
                );
            }
        }
        BlocksPage {
            ctx: v.ctx,
            chrome: v.chrome,
            blocks: v.rows,
            form: v.form,
            errors: v.errors,
            editing: v.editing,
            extra,
        }
        .render()
    }
}

/// The form of "make a block": the start the workshops share, and the page to go back to.
#[derive(Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    start: String,
    #[serde(default)]
    back: String,
}

/// Where an action on blocks returns: the grid of the day it concerns, or the blocks page.
fn back_to(slug: &str, back: &str, day: Option<NaiveDate>, anchor: &str) -> String {
    match (back, day) {
        ("schedule", Some(d)) => format!("/admin/{slug}/schedule?day={d}&saved=1{anchor}"),
        _ => format!("/admin/{slug}/blocks?saved=1"),
    }
}

/// "Make a block" of the workshops that start at one instant.
pub async fn group(
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    form: web::Form<GroupForm>,
) -> Result<HttpResponse, AppError> {
    let (congress, actor) = actor(&admin)?;
    let slug = admin.congress()?.slug.clone();
    let tz = parse_time_zone(&admin.congress()?.time_zone).unwrap_or(chrono_tz::UTC);
    let Ok(start) = DateTime::parse_from_rfc3339(form.start.trim()) else {
        return Err(AppError::BadRequest(ctx.lang, ctx.t.a.err_time.to_string()));
    };
    let start = start.with_timezone(&Utc);
    let lang = ctx.lang;
    match with_db(&state, ctx.lang, move |conn| {
        Ok(blocks_svc::group_parallel(
            conn, congress, start, lang, actor,
        ))
    })
    .await?
    {
        Ok(_) => {
            let day = crate::domain::local_date_of(tz, start);
            Ok(see_other(&back_to(&slug, &form.back, Some(day), "#blocks")))
        }
        // Fewer than two workshops start then (any more): the page shows what there is now.
        Err(ServiceError::Invalid { .. }) => Ok(see_other(&format!("/admin/{slug}/blocks"))),
        Err(e) => Err(AppError::from_service(ctx.lang, e)),
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    block: String,
    #[serde(default)]
    back: String,
}

/// Puts one session in a block (or takes it out) from the grid or the blocks page.
pub async fn assign(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    sid: Id<key::Session>,
    form: web::Form<AssignForm>,
) -> Result<HttpResponse, AppError> {
    let sid: SessionId = sid.get();
    let (congress, actor) = actor(&admin)?;
    let slug = admin.congress()?.slug.clone();
    let tz = parse_time_zone(&admin.congress()?.time_zone).unwrap_or(chrono_tz::UTC);
    let block = match form.block.trim() {
        "" => None,
        b => Some(
            b.parse::<SlotGroupId>()
                .map_err(|_| AppError::BadRequest(ctx.lang, ctx.t.a.err_required.to_string()))?,
        ),
    };
    let result = with_db(&state, ctx.lang, move |conn| {
        Ok(
            blocks_svc::assign(conn, congress, sid, block, actor).and_then(|()| {
                crate::services::sessions::get(conn, congress, sid).map(|(row, _)| row.starts_at)
            }),
        )
    })
    .await?;
    match result {
        Ok(start) => {
            let day = start.map(|s| crate::domain::local_date_of(tz, s.and_utc()));
            Ok(see_other(&back_to(
                &slug,
                &form.back,
                day,
                &format!("#s{sid}"),
            )))
        }
        Err(ServiceError::Invalid {
            field: "block",
            message,
        }) if message != "unknown" => {
            let mut errors = Errors::default();
            errors.add(
                "page",
                crate::i18n::blocks::ranked_names_it(ctx.lang, &message),
            );
            let shown = Shown::<Blocks> {
                status: StatusCode::CONFLICT,
                form: None,
                errors,
                editing: None,
            };
            show(&req, &state, ctx, &admin, shown).await
        }
        Err(e) => Err(AppError::from_service(ctx.lang, e)),
    }
}
