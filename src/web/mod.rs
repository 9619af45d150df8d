//! The HTTP surface: the single route table, extractors and one module per area.

pub mod admin;
pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
pub mod extract;
pub mod forms;
pub mod http;
pub mod limits;
pub mod participant;
pub mod public;
pub mod respond;
pub mod speaker;
pub mod views;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

/// A public (no login) route: method, path pattern and a sample path for tests.
pub struct RouteInfo {
    pub path: &'static str,
    pub sample: &'static str,
}

/// Every public GET route, so tests can check that each one answers (and a new route without a
/// test entry fails `tests/routes`).
pub const PUBLIC_ROUTES: &[RouteInfo] = &[
    RouteInfo {
        path: "/",
        sample: "/",
    },
    RouteInfo {
        path: "/healthz",
        sample: "/healthz",
    },
    RouteInfo {
        path: "/static/{file}",
        sample: "/static/kongress.css",
    },
    RouteInfo {
        path: "/api/v1/congresses",
        sample: "/api/v1/congresses",
    },
    RouteInfo {
        path: "/api/v1/congresses/{slug}",
        sample: "/api/v1/congresses/{slug}",
    },
    RouteInfo {
        path: "/api/v1/openapi.json",
        sample: "/api/v1/openapi.json",
    },
    RouteInfo {
        path: "/api/v1/congresses/{slug}/sessions",
        sample: "/api/v1/congresses/{slug}/sessions",
    },
    RouteInfo {
        path: "/api/v1/congresses/{slug}/sessions/{id}",
        sample: "/api/v1/congresses/{slug}/sessions/{session}",
    },
    RouteInfo {
        path: "/api/v1/congresses/{slug}/speakers",
        sample: "/api/v1/congresses/{slug}/speakers",
    },
    RouteInfo {
        path: "/api/v1/congresses/{slug}/speakers/{id}",
        sample: "/api/v1/congresses/{slug}/speakers/{speaker}",
    },
    RouteInfo {
        path: "/api/v1/congresses/{slug}/rooms",
        sample: "/api/v1/congresses/{slug}/rooms",
    },
    RouteInfo {
        path: "/speaker/login",
        sample: "/speaker/login",
    },
    RouteInfo {
        path: "/{slug}",
        sample: "/{slug}",
    },
    RouteInfo {
        path: "/{slug}/program",
        sample: "/{slug}/program",
    },
    RouteInfo {
        path: "/{slug}/program.css",
        sample: "/{slug}/program.css",
    },
    RouteInfo {
        path: "/{slug}/sessions/{id}",
        sample: "/{slug}/sessions/{session}",
    },
    RouteInfo {
        path: "/{slug}/speakers",
        sample: "/{slug}/speakers",
    },
    RouteInfo {
        path: "/{slug}/schedule.xml",
        sample: "/{slug}/schedule.xml",
    },
    RouteInfo {
        path: "/{slug}/schedule.json",
        sample: "/{slug}/schedule.json",
    },
    RouteInfo {
        path: "/{slug}/schedule.ics",
        sample: "/{slug}/schedule.ics",
    },
    RouteInfo {
        path: "/{slug}/speakers/{id}",
        sample: "/{slug}/speakers/{speaker}",
    },
];

/// The one route table.
pub fn routes(cfg: &mut web::ServiceConfig) {
    limits::configure(cfg);
    admin::routes(cfg);
    cfg.route("/", web::get().to(public::index))
        .route("/healthz", web::get().to(api::healthz))
        .route("/static/{file}", web::get().to(public::asset))
        .route(
            "/api/v1/openapi.json",
            web::get().to(api::openapi::document),
        )
        .route("/api/v1/congresses", web::get().to(api::congresses))
        .route("/api/v1/congresses/{slug}", web::get().to(api::congress))
        .service(
            web::resource("/api/v1/congresses/{slug}/sessions")
                .route(web::get().to(api::read::sessions))
                .route(web::post().to(api::write::create_session)),
        )
        .service(
            web::resource("/api/v1/congresses/{slug}/sessions/{id}")
                .route(web::get().to(api::read::session))
                .route(web::put().to(api::write::update_session)),
        )
        .service(
            web::resource("/api/v1/congresses/{slug}/sessions/{id}/schedule")
                .route(web::put().to(api::write::schedule_session))
                .route(web::delete().to(api::write::unschedule_session)),
        )
        .route(
            "/api/v1/congresses/{slug}/speakers",
            web::get().to(api::read::speakers),
        )
        .route(
            "/api/v1/congresses/{slug}/speakers/{id}",
            web::get().to(api::read::speaker),
        )
        .route(
            "/api/v1/congresses/{slug}/rooms",
            web::get().to(api::read::rooms),
        )
        .route(
            "/api/v1/congresses/{slug}/registrations",
            web::get().to(api::write::registrations),
        )
        .route(
            "/api/v1/congresses/{slug}/registrations.csv",
            web::get().to(api::write::registrations_csv),
        )
        .route("/api/{tail:.*}", web::to(api::not_found))
        .service(
            web::resource("/speaker/login")
                .route(web::get().to(speaker::login_form))
                .route(web::post().to(speaker::login)),
        )
        .route("/speaker/{token}", web::get().to(speaker::portal))
        .route(
            "/speaker/{token}/slots.ics",
            web::get().to(speaker::slots_ics),
        )
        .route(
            "/speaker/{token}/profile",
            web::post().to(speaker::save_profile),
        )
        .route(
            "/speaker/{token}/sessions/{id}",
            web::post().to(speaker::answer),
        )
        .route("/{slug}", web::get().to(public::home))
        .route("/{slug}/program", web::get().to(public::program))
        .route("/{slug}/program.css", web::get().to(public::program_css))
        .route("/{slug}/sessions/{id}", web::get().to(public::session))
        .route("/{slug}/speakers", web::get().to(public::speakers))
        .route("/{slug}/speakers/{id}", web::get().to(public::speaker))
        .route("/{slug}/changelog", web::get().to(public::changelog))
        .route(
            "/{slug}/schedule.{ext}",
            web::get().to(public::schedule_export),
        )
        .service(
            web::resource("/{slug}/register")
                .route(web::get().to(participant::register_form))
                .route(web::post().to(participant::register)),
        )
        .route(
            "/{slug}/register/sent",
            web::get().to(participant::register_sent),
        )
        .service(
            web::resource("/r/confirm/{token}")
                .route(web::get().to(participant::confirm_form))
                .route(web::post().to(participant::confirm)),
        )
        .route("/r/{token}", web::get().to(participant::manage))
        .route("/r/{token}/enroll", web::post().to(participant::enroll))
        .route("/r/{token}/ranking", web::post().to(participant::ranking))
        .route("/r/{token}/leave", web::post().to(participant::leave))
        .route("/r/{token}/cancel", web::post().to(participant::cancel))
        .route("/r/{token}/data.json", web::get().to(participant::data))
        .route("/r/{token}/agenda.ics", web::get().to(participant::agenda))
        .route("/r/{token}/delete", web::post().to(participant::delete))
        .default_service(web::to(public::not_found));
}

/// Security headers of SPEC §5 on every response, and the sticky language choice: a `?lang=`
/// in the URL is remembered in a cookie so the next page keeps it.
/// Used as `.wrap(from_fn(security_headers))`.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let chosen_lang = extract::query_lang(req.query_string());
    let secure = req.connection_info().scheme() == "https";
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A private page sets its own (`no-referrer`: its URL carries a token).
    if !h.contains_key(header::REFERRER_POLICY) {
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if let Some(lang) = chosen_lang {
        let cookie = format!(
            "lang={}; Path=/; Max-Age=31536000; SameSite=Lax{}",
            lang.code(),
            if secure { "; Secure" } else { "" }
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            h.append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}
