//! Importing a programme from a schedule.xml or schedule.json upload (issue 6): the back
//! office's side of `kongress import`.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;

use crate::app::AppState;
use crate::i18n::admin::over_limit_message;
use crate::services::audit::Actor;
use crate::services::import::OverLimit;
use crate::services::import::{self, ImportError, Imported};
use crate::web::admin::kit::Chrome;
use crate::web::auth::AdminCtx;
use crate::web::error::AppError;
use crate::web::page::PageCtx;
use crate::web::respond::page;
use crate::web::respond::with_db;

#[derive(Template)]
#[template(path = "admin/import.html")]
struct ImportPage {
    ctx: PageCtx,
    chrome: Chrome,
    done: Option<Imported>,
    error: String,
    /// The conflicts named (bounded, "and N more" last): why the file was refused, or what a
    /// draft import left to resolve.
    conflicts: Vec<String>,
    file_name: String,
    draft: bool,
    group: bool,
}

pub async fn form(
    req: HttpRequest,
    ctx: PageCtx,
    admin: AdminCtx,
) -> Result<HttpResponse, AppError> {
    page(
        StatusCode::OK,
        ImportPage {
            chrome: Chrome::new(&req, &admin, "publish"),
            ctx,
            done: None,
            error: String::new(),
            conflicts: vec![],
            file_name: String::new(),
            draft: false,
            group: false,
        },
    )
}

/// Why an upload could not be read.
enum Unreadable {
    /// The file is over the size limit (only that much was read).
    TooLarge,
    Broken,
}

/// The upload: the file and the draft box, read from the multipart body; the file at most
/// `max_bytes`. Runs only after the access middleware found a signed-in editor of the
/// congress, so the import limit (not the 256 KiB of every other body) applies.
async fn read_upload(
    mut parts: Multipart,
    max_bytes: usize,
) -> Result<(String, Vec<u8>, bool, bool), Unreadable> {
    let (mut name, mut bytes, mut draft, mut group) = (String::new(), Vec::new(), false, false);
    while let Some(field) = parts.next().await {
        let mut field = field.map_err(|e| unread(&e))?;
        let field_name = field.name().unwrap_or_default().to_string();
        if field_name == "file" {
            name = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .unwrap_or_default()
                .to_string();
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| unread(&e))?;
            if value.len() + chunk.len() > max_bytes {
                return Err(Unreadable::TooLarge);
            }
            value.extend_from_slice(&chunk);
        }
        match field_name.as_str() {
            "file" => bytes = value,
            "draft" => draft = !value.is_empty(),
            "group" => group = !value.is_empty(),
            _ => {}
        }
    }
    Ok((name, bytes, draft, group))
}

/// A body cut off by `limits::body_limit` counts as too large, not as broken.
fn unread(e: &actix_multipart::MultipartError) -> Unreadable {
    use actix_multipart::MultipartError;
    match e {
        MultipartError::Payload(actix_web::error::PayloadError::Overflow) => Unreadable::TooLarge,
        _ => Unreadable::Broken,
    }
}

pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    admin: AdminCtx,
    parts: Multipart,
) -> Result<HttpResponse, AppError> {
    let slug = admin.congress()?.slug.clone();
    let actor = Actor::Organizer(admin.viewer()?.id);
    let a = &ctx.t.a;
    let limits = state.settings.import_limits;
    let (file_name, outcome, draft, group) = match read_upload(parts, limits.max_bytes).await {
        Err(Unreadable::TooLarge) => (
            String::new(),
            Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                over_limit_message(
                    ctx.lang,
                    &OverLimit::Bytes {
                        limit: limits.max_bytes,
                    },
                ),
                vec![],
            )),
            false,
            false,
        ),
        Err(Unreadable::Broken) => (
            String::new(),
            Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                a.import_unreadable.to_string(),
                vec![],
            )),
            false,
            false,
        ),
        Ok((name, bytes, draft, group)) => (
            name,
            import_upload(&state, &ctx, slug, actor, bytes, (draft, group)).await?,
            draft,
            group,
        ),
    };
    let (status, done, error, conflicts) = match outcome {
        Ok(d) => {
            let conflicts = d.conflicts.lines(ctx.lang);
            (StatusCode::OK, Some(d), String::new(), conflicts)
        }
        Err((status, e, conflicts)) => (status, None, e, conflicts),
    };
    page(
        status,
        ImportPage {
            chrome: Chrome::new(&req, &admin, "publish"),
            ctx,
            done,
            error,
            conflicts,
            file_name,
            draft,
            group,
        },
    )
}

/// A refusal: its status, the message and the conflicts it names.
type Refusal = (StatusCode, String, Vec<String>);

/// Imports an uploaded file; a refusal comes back for the form, a failure of ours as an error.
async fn import_upload(
    state: &web::Data<AppState>,
    ctx: &PageCtx,
    slug: String,
    actor: Actor,
    bytes: Vec<u8>,
    (draft, group): (bool, bool),
) -> Result<Result<Imported, Refusal>, AppError> {
    let a = &ctx.t.a;
    let refused = |status, message: String| Ok(Err((status, message, vec![])));
    if bytes.is_empty() {
        return refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            a.import_no_file.to_string(),
        );
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            a.import_not_utf8.to_string(),
        );
    };
    let mail = state.ctx.clone();
    let limits = state.settings.import_limits;
    let result = with_db(state, ctx.lang, move |conn| {
        Ok(import::import_file(
            conn,
            &slug,
            &text,
            &limits,
            actor,
            import::Mode {
                draft,
                group_workshops: group,
            },
            Some(&mail),
        ))
    })
    .await?;
    match result {
        Ok(done) => Ok(Ok(done)),
        Err(ImportError::Bad(b)) => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{}: {b}", a.import_refused),
        ),
        Err(ImportError::TooLarge(l)) => refused(
            match l {
                OverLimit::Bytes { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
            format!("{}: {}", a.import_refused, over_limit_message(ctx.lang, &l)),
        ),
        Err(ImportError::Conflicts(c)) => Ok(Err((
            StatusCode::CONFLICT,
            format!("{}. {}", a.import_refused, a.import_conflicts),
            c.lines(ctx.lang),
        ))),
        Err(ImportError::Service(e)) => Err(AppError::from_service(ctx.lang, e)),
    }
}
