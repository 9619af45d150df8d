//! The OpenAPI document of `/api/v1`, generated from the handlers' `#[utoipa::path]`
//! annotations and the response and request types (`ToSchema`).

use actix_web::http::header;
use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{read, write};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token of the congress, created in the back office (API-Zugänge).",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "kongress API", description = "Published programmes (public) and organizer writes (API token). Errors are RFC 9457 problem+json."),
    paths(
        read::congresses,
        read::congress,
        read::sessions,
        read::session,
        read::speakers,
        read::speaker,
        read::rooms,
        write::create_session,
        write::update_session,
        write::schedule_session,
        write::unschedule_session,
        write::registrations,
        write::registrations_csv,
    ),
    modifiers(&BearerAuth),
    tags((name = "public", description = "Reads of the published version"),
         (name = "organizer", description = "Writes and registrations; Authorization: Bearer <API token>"))
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`
pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(ApiDoc::openapi().to_json().unwrap_or_default())
}
