//! Importing a programme from a schedule.xml or schedule.json upload (issue 6): the back
//! office's side of `kongress import`.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;

use super::{page, Chrome};
use crate::error::AppError;
use crate::services::audit::Actor;
use crate::services::import::{self, ImportError, Imported};
use crate::startup::AppState;
use crate::web::auth::AdminCtx;
use crate::web::limits::MAX_IMPORT_BYTES;
use crate::web::participant::mail_context;
use crate::web::public::with_db;
use crate::web::PageCtx;

#[derive(Template)]
#[template(path = "admin/import.html")]
struct ImportPage {
    ctx: PageCtx,
    chrome: Chrome,
    done: Option<Imported>,
    error: String,
    file_name: String,
    draft: bool,
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
            file_name: String::new(),
            draft: false,
        },
    )
}

/// Why an upload could not be read.
enum Unread {
    TooLarge,
    Broken,
}

/// The upload: the file and the draft box, read from the multipart body. Runs only after the
/// access middleware found a signed-in editor of the congress, so the import limit (not the
/// 256 KiB of every other body) applies; the file is refused as soon as it passes the limit.
async fn read_upload(mut parts: Multipart) -> Result<(String, Vec<u8>, bool), Unread> {
    let (mut name, mut bytes, mut draft) = (String::new(), Vec::new(), false);
    let mut total = 0usize;
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
            total += chunk.len();
            if total > MAX_IMPORT_BYTES {
                return Err(Unread::TooLarge);
            }
            value.extend_from_slice(&chunk);
        }
        match field_name.as_str() {
            "file" => bytes = value,
            "draft" => draft = !value.is_empty(),
            _ => {}
        }
    }
    Ok((name, bytes, draft))
}

/// A body cut off by `limits::body_limit` counts as too large, not as broken.
fn unread(e: &actix_multipart::MultipartError) -> Unread {
    use actix_multipart::MultipartError;
    match e {
        MultipartError::Payload(actix_web::error::PayloadError::Overflow) => Unread::TooLarge,
        _ => Unread::Broken,
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
    let upload = read_upload(parts).await;
    let (file_name, bytes, draft) = match upload {
        Ok(u) => u,
        Err(why) => {
            let (status, error) = match why {
                Unread::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, a.import_too_large),
                Unread::Broken => (StatusCode::UNPROCESSABLE_ENTITY, a.import_unreadable),
            };
            return page(
                status,
                ImportPage {
                    chrome: Chrome::new(&req, &admin, "publish"),
                    ctx,
                    done: None,
                    error: error.to_string(),
                    file_name: String::new(),
                    draft: false,
                },
            );
        }
    };
    let outcome = if bytes.is_empty() {
        Err(a.import_no_file.to_string())
    } else {
        match String::from_utf8(bytes) {
            Err(_) => Err(a.import_not_utf8.to_string()),
            Ok(text) => {
                let mail = mail_context(&state);
                let result = with_db(&state, ctx.lang, move |conn| {
                    Ok(import::import_file(
                        conn,
                        &slug,
                        &text,
                        actor,
                        draft,
                        Some(&mail),
                    ))
                })
                .await?;
                match result {
                    Ok(done) => Ok(done),
                    Err(ImportError::Bad(b)) => Err(format!("{}: {b}", a.import_refused)),
                    Err(ImportError::Service(e)) => {
                        return Err(AppError::from_service(ctx.lang, e))
                    }
                }
            }
        }
    };
    let (status, done, error) = match outcome {
        Ok(d) => (StatusCode::OK, Some(d), String::new()),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, None, e),
    };
    page(
        status,
        ImportPage {
            chrome: Chrome::new(&req, &admin, "publish"),
            ctx,
            done,
            error,
            file_name,
            draft,
        },
    )
}
