//! The HTTP surface: the route tables (the site's here, the back office's in `admin`), the
//! toolkit (`respond`, `extract`, `page`, `forms`, `http`, `views`, `auth`, `error`) and one module of
//! handlers per area.

pub mod admin;
pub mod api;
pub mod assets;
pub mod auth;
pub mod client;
pub mod error;
pub mod extract;
pub mod forms;
pub mod http;
pub mod input;
pub mod limits;
pub mod page;
pub mod participant;
pub mod public;
pub mod respond;
pub mod speaker;
pub mod views;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest};

use auth::SiteAccess::{Anyone, ApiToken, ParticipantLink, SpeakerLink};
use auth::SiteRoute;
use http::method_not_allowed;

/// The site's route table: each route once, with its handler and access rule per method and
/// sample paths for the tests (`sample []`, none, fails the route test). Generates
/// `SITE_ROUTES` and the registration, in table order; a method a route does not have is a 405
/// listing those it has.
macro_rules! site_routes {
    ($(
        $path:literal => { $( $method:ident ( $access:ident ) : $handler:expr ),+ $(,)? }
        sample $samples:tt
    )*) => {
        /// Every route outside the back office, one entry per method, with its access rule.
        pub const SITE_ROUTES: &[SiteRoute] = &[
            $( $(
                SiteRoute {
                    method: stringify!($method),
                    path: $path,
                    access: $access,
                    samples: &$samples,
                },
            )+ )*
        ];

        /// Registers the routes of the table under `/api/` (`api` true) or the others.
        fn register_site_routes(cfg: &mut web::ServiceConfig, api: bool) {
            $(
                if $path.starts_with("/api/") == api {
                    cfg.service(
                        web::resource($path)
                            $( .route(crate::web::http::route_for(stringify!($method)).to($handler)) )+
                            .route(web::route().guard(actix_web::guard::Options()).to(
                                |req: HttpRequest| options(req, $path, &[$( (stringify!($method), $access) ),+]),
                            ))
                            .default_service(web::to(|req: HttpRequest| {
                                method_not_allowed(req, &[$( stringify!($method) ),+])
                            })),
                    );
                }
            )*
        }
    };
}

site_routes! {
    "/" => { get(Anyone): public::index } sample ["/"]
    "/healthz" => { get(Anyone): api::healthz } sample ["/healthz"]
    "/static/{file}" => { get(Anyone): public::asset } sample ["/static/kongress.css"]

    "/api/v1/openapi.json" => { get(Anyone): api::openapi::document }
        sample ["/api/v1/openapi.json"]
    "/api/v1/congresses" => { get(Anyone): api::congresses } sample ["/api/v1/congresses"]
    "/api/v1/congresses/{slug}" => { get(Anyone): api::congress }
        sample ["/api/v1/congresses/{slug}"]
    "/api/v1/congresses/{slug}/sessions" => {
        get(Anyone): api::read::sessions,
        post(ApiToken): api::write::create_session,
    } sample ["/api/v1/congresses/{slug}/sessions"]
    "/api/v1/congresses/{slug}/sessions/{id}" => {
        get(Anyone): api::read::session,
        put(ApiToken): api::write::update_session,
    } sample ["/api/v1/congresses/{slug}/sessions/{session}"]
    "/api/v1/congresses/{slug}/sessions/{id}/schedule" => {
        put(ApiToken): api::write::schedule_session,
        delete(ApiToken): api::write::unschedule_session,
    } sample ["/api/v1/congresses/{slug}/sessions/{session}/schedule"]
    "/api/v1/congresses/{slug}/speakers" => { get(Anyone): api::read::speakers }
        sample ["/api/v1/congresses/{slug}/speakers"]
    "/api/v1/congresses/{slug}/speakers/{id}" => { get(Anyone): api::read::speaker }
        sample ["/api/v1/congresses/{slug}/speakers/{speaker}"]
    "/api/v1/congresses/{slug}/rooms" => { get(Anyone): api::read::rooms }
        sample ["/api/v1/congresses/{slug}/rooms"]
    "/api/v1/congresses/{slug}/registrations" => { get(ApiToken): api::write::registrations }
        sample ["/api/v1/congresses/{slug}/registrations"]
    "/api/v1/congresses/{slug}/registrations.csv" => {
        get(ApiToken): api::write::registrations_csv,
    } sample ["/api/v1/congresses/{slug}/registrations.csv"]

    "/speaker/login" => { get(Anyone): speaker::login_form, post(Anyone): speaker::login }
        sample ["/speaker/login"]
    "/speaker/{token}" => { get(SpeakerLink): speaker::portal } sample ["/speaker/{speaker_token}"]
    "/speaker/{token}/slots.ics" => { get(SpeakerLink): speaker::slots_ics }
        sample ["/speaker/{speaker_token}/slots.ics"]
    "/speaker/{token}/profile" => { post(SpeakerLink): speaker::save_profile }
        sample ["/speaker/{speaker_token}/profile"]
    "/speaker/{token}/sessions/{id}" => { post(SpeakerLink): speaker::answer }
        sample ["/speaker/{speaker_token}/sessions/{session}"]

    "/{slug}" => { get(Anyone): public::home } sample ["/{slug}"]
    "/{slug}/program" => { get(Anyone): public::program } sample ["/{slug}/program"]
    "/{slug}/program.css" => { get(Anyone): public::program_css } sample ["/{slug}/program.css"]
    "/{slug}/sessions/{id}" => { get(Anyone): public::session }
        sample ["/{slug}/sessions/{session}"]
    "/{slug}/speakers" => { get(Anyone): public::speakers } sample ["/{slug}/speakers"]
    "/{slug}/speakers/{id}" => { get(Anyone): public::speaker }
        sample ["/{slug}/speakers/{speaker}"]
    "/{slug}/changelog" => { get(Anyone): public::changelog } sample ["/{slug}/changelog"]
    "/{slug}/schedule.{ext}" => { get(Anyone): public::schedule_export }
        sample ["/{slug}/schedule.xml", "/{slug}/schedule.json", "/{slug}/schedule.ics"]
    "/{slug}/register" => {
        get(Anyone): participant::register_form,
        post(Anyone): participant::register,
    } sample ["/{slug}/register"]
    "/{slug}/register/sent" => { get(Anyone): participant::register_sent }
        sample ["/{slug}/register/sent"]

    "/r/confirm/{token}" => {
        get(ParticipantLink): participant::confirm_form,
        post(ParticipantLink): participant::confirm,
    } sample ["/r/confirm/{confirm_token}"]
    "/r/{token}" => { get(ParticipantLink): participant::manage } sample ["/r/{manage_token}"]
    "/r/{token}/enroll" => { post(ParticipantLink): participant::enroll }
        sample ["/r/{manage_token}/enroll"]
    "/r/{token}/ranking" => { post(ParticipantLink): participant::ranking }
        sample ["/r/{manage_token}/ranking"]
    "/r/{token}/swap" => { post(ParticipantLink): participant::swap }
        sample ["/r/{manage_token}/swap"]
    "/r/{token}/days" => { post(ParticipantLink): participant::change_days }
        sample ["/r/{manage_token}/days"]
    "/r/{token}/profile" => { post(ParticipantLink): participant::save_profile }
        sample ["/r/{manage_token}/profile"]
    "/r/{token}/leave" => { post(ParticipantLink): participant::leave }
        sample ["/r/{manage_token}/leave"]
    "/r/{token}/cancel" => { post(ParticipantLink): participant::cancel }
        sample ["/r/{manage_token}/cancel"]
    "/r/{token}/data.json" => { get(ParticipantLink): participant::data }
        sample ["/r/{manage_token}/data.json"]
    "/r/{token}/agenda.ics" => { get(ParticipantLink): participant::agenda }
        sample ["/r/{manage_token}/agenda.ics"]
    "/r/{token}/delete" => { post(ParticipantLink): participant::delete }
        sample ["/r/{manage_token}/delete"]
}

/// `OPTIONS` on a site route: 204 with `Allow`, and for what any site's script may read (the
/// public API and the exports) a CORS preflight answer. API writes and personal data get no
/// CORS: they are for tools with a token, not for other sites' pages.
async fn options(
    _req: HttpRequest,
    path: &'static str,
    methods: &'static [(&'static str, auth::SiteAccess)],
) -> actix_web::HttpResponse {
    let names: Vec<&str> = methods.iter().map(|(m, _)| *m).collect();
    let mut r = actix_web::HttpResponse::NoContent();
    r.insert_header((
        header::ALLOW,
        format!("{}, OPTIONS", http::allow_header(&names)),
    ));
    if is_public_read(path, methods) {
        r.insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD, OPTIONS"))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "Accept, Accept-Language, If-None-Match, If-Modified-Since",
            ))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"));
    }
    r.finish()
}

/// A route anyone's script may read from another site: a GET for anyone under `/api/` or an
/// export of the programme.
fn is_public_read(path: &str, methods: &[(&str, auth::SiteAccess)]) -> bool {
    methods
        .iter()
        .any(|(m, a)| *m == "get" && matches!(a, auth::SiteAccess::Anyone))
        && (path.starts_with("/api/") || path == "/{slug}/schedule.{ext}")
}

/// Everything the service answers, in the order it is matched: the back office (its own table,
/// `admin::ADMIN_ROUTES`), the API, a problem for any other path under `/api/`, the site's
/// pages, and the 404 page.
pub fn routes(cfg: &mut web::ServiceConfig) {
    limits::configure(cfg);
    cfg.app_data(auth::SiteRouteTable(SITE_ROUTES));
    admin::routes(cfg);
    register_site_routes(cfg, true);
    cfg.route("/api/{tail:.*}", web::to(api::not_found));
    register_site_routes(cfg, false);
    cfg.default_service(web::to(public::not_found));
}

/// Security headers of SPEC §5 on every response, and the sticky language choice: a `?lang=`
/// in the URL is remembered in a cookie so the next page keeps it.
/// Used as `.wrap(from_fn(security_headers))`.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let chosen_lang = page::query_lang(req.query_string());
    // `Secure` follows the configured base URL, never a client-sent `X-Forwarded-Proto`.
    let secure = req
        .app_data::<web::Data<crate::app::AppState>>()
        .is_some_and(|s| s.settings.base_url.starts_with("https://"));
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
    // What another site's script may read of a public answer: its validators too, for
    // conditional requests.
    if h.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("ETag, Last-Modified, Content-Language"),
        );
    }
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
