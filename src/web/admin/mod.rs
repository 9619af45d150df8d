//! The organizer back office. Every route is declared once in `admin_routes!` with its access
//! rule; the rule is enforced by `auth::require` around the route before the handler runs, the
//! pages' navigation shows what it allows (`kit::CONGRESS_NAV`), and the same table drives the
//! authorization-matrix and route tests.

pub mod account;
pub mod allocation;
pub mod api_tokens;
pub mod congress;
pub mod import;
pub mod kit;
pub mod manage;
pub mod off_day;
pub mod people;
pub mod place;
pub mod privacy;
pub mod schedule;
pub mod sessions;
pub mod setup;
pub mod speaker_links;

use actix_web::middleware::from_fn;
use actix_web::{web, HttpRequest};

use super::auth::{Access, AdminRoute, Role};
use super::http::method_not_allowed;
use setup::{Blocks, Categories, Questions, Rooms, Speakers, Tracks};

macro_rules! admin_routes {
    ($( $path:literal : $access:expr => { $( $method:ident : $handler:expr ),+ $(,)? } )*) => {
        /// Every admin route with its access rule.
        pub const ADMIN_ROUTES: &[AdminRoute] = &[
            $( $( AdminRoute { method: stringify!($method), path: $path, access: $access }, )+ )*
        ];

        /// Registers the admin routes, each wrapped in its access rule; a method the route
        /// does not have is a 405 listing those it has (after the rule: nobody learns more of
        /// a page than its access rule lets them).
        pub fn routes(cfg: &mut web::ServiceConfig) {
            cfg.app_data(kit::AdminRouteTable(ADMIN_ROUTES));
            $(
                cfg.service(
                    web::resource($path)
                        $( .route(crate::web::http::route_for(stringify!($method)).to($handler)) )+
                        .default_service(web::to(|req: HttpRequest| {
                            method_not_allowed(req, &[$( stringify!($method) ),+])
                        }))
                        .wrap(from_fn(|req, next| super::auth::require($access, req, next))),
                );
            )*
        }
    };
}

use Access::{Admin, Congress, Organizer, Public};
const OWNER: Access = Congress(Role::Owner);
const EDITOR: Access = Congress(Role::Editor);

admin_routes! {
    "/admin/login": Public => { get: account::login_form, post: account::login }
    // Logging out needs no session: it only clears the cookie.
    "/admin/logout": Public => { post: account::logout }
    "/admin/password": Organizer => { get: account::password_form, post: account::change_password }
    "/admin": Organizer => { get: account::index }
    "/admin/congresses/new": Admin => { get: congress::new_form, post: congress::create }
    "/admin/{slug}": EDITOR => { get: congress::dashboard }
    "/admin/{slug}/settings": OWNER => { get: congress::settings_form, post: congress::save_settings }
    "/admin/{slug}/rooms": EDITOR => { get: setup::list::<Rooms>, post: setup::add::<Rooms> }
    "/admin/{slug}/rooms/{room}": EDITOR => { get: setup::edit::<Rooms>, post: setup::save::<Rooms> }
    "/admin/{slug}/rooms/{room}/delete": EDITOR => { post: setup::delete::<Rooms> }
    "/admin/{slug}/tracks": EDITOR => { get: setup::list::<Tracks>, post: setup::add::<Tracks> }
    "/admin/{slug}/tracks/{track}": EDITOR => { get: setup::edit::<Tracks>, post: setup::save::<Tracks> }
    "/admin/{slug}/tracks/{track}/delete": EDITOR => { post: setup::delete::<Tracks> }
    "/admin/{slug}/categories": OWNER => { get: setup::list::<Categories>, post: setup::add::<Categories> }
    "/admin/{slug}/categories/{category}": OWNER => { get: setup::edit::<Categories>, post: setup::save::<Categories> }
    "/admin/{slug}/categories/{category}/delete": OWNER => { post: setup::delete::<Categories> }
    "/admin/{slug}/questions": OWNER => { get: setup::list::<Questions>, post: setup::add::<Questions> }
    "/admin/{slug}/questions/{question}": OWNER => { get: setup::edit::<Questions>, post: setup::save::<Questions> }
    "/admin/{slug}/questions/{question}/delete": OWNER => { post: setup::delete::<Questions> }
    "/admin/{slug}/speakers": EDITOR => { get: setup::list::<Speakers>, post: setup::add::<Speakers> }
    "/admin/{slug}/speakers/{speaker}": EDITOR => { get: setup::edit::<Speakers>, post: setup::save::<Speakers> }
    "/admin/{slug}/speakers/{speaker}/delete": EDITOR => { post: setup::delete::<Speakers> }
    "/admin/{slug}/speaker-links": EDITOR => { get: speaker_links::list }
    "/admin/{slug}/speaker-links/{speaker}/send": EDITOR => { post: speaker_links::send }
    "/admin/{slug}/speaker-links/{speaker}/revoke": EDITOR => { post: speaker_links::revoke }
    "/admin/{slug}/blocks": EDITOR => { get: setup::list::<Blocks>, post: setup::add::<Blocks> }
    "/admin/{slug}/blocks/group": EDITOR => { post: setup::group_parallel }
    "/admin/{slug}/blocks/{group}": EDITOR => { get: setup::edit::<Blocks>, post: setup::save::<Blocks> }
    "/admin/{slug}/blocks/{group}/delete": EDITOR => { post: setup::delete::<Blocks> }
    "/admin/{slug}/sessions/{session}/block": EDITOR => { post: setup::assign_block }
    "/admin/{slug}/sessions": EDITOR => { get: sessions::list }
    "/admin/{slug}/sessions/new": EDITOR => { get: sessions::new_form, post: sessions::create }
    "/admin/{slug}/sessions/{session}": EDITOR => { get: sessions::edit_form, post: sessions::save }
    "/admin/{slug}/sessions/{session}/cancel": EDITOR => { post: sessions::cancel }
    "/admin/{slug}/sessions/{session}/reinstate": EDITOR => { post: sessions::reinstate }
    "/admin/{slug}/sessions/{session}/delete": EDITOR => { post: sessions::delete }
    "/admin/{slug}/schedule": EDITOR => { get: schedule::grid }
    "/admin/{slug}/schedule/{session}": EDITOR => { post: schedule::place }
    "/admin/{slug}/schedule/{session}/unschedule": EDITOR => { post: schedule::unschedule }
    "/admin/{slug}/publish": EDITOR => { get: manage::preview, post: manage::publish_now }
    "/admin/{slug}/import": EDITOR => { get: import::form, post: import::upload }
    "/admin/{slug}/audit": EDITOR => { get: manage::audit }
    "/admin/{slug}/privacy": OWNER => { get: privacy::show, post: privacy::save }
    "/admin/{slug}/api-tokens": OWNER => { get: api_tokens::list, post: api_tokens::create }
    "/admin/{slug}/api-tokens/{token}/revoke": OWNER => { post: api_tokens::revoke }
    "/admin/{slug}/team": OWNER => { get: manage::team, post: manage::add_member }
    "/admin/{slug}/team/{member}/remove": OWNER => { post: manage::remove_member }
    "/admin/{slug}/registrations": EDITOR => { get: people::list }
    "/admin/{slug}/registrations.csv": EDITOR => { get: people::csv_export }
    "/admin/{slug}/registrations/{registration}": EDITOR => { get: people::detail }
    "/admin/{slug}/registrations/{registration}/approve": EDITOR => { post: people::approve }
    "/admin/{slug}/registrations/{registration}/decline": EDITOR => { post: people::decline }
    "/admin/{slug}/registrations/{registration}/cancel": EDITOR => { post: people::cancel }
    "/admin/{slug}/registrations/{registration}/checkin": EDITOR => { post: people::check_in }
    "/admin/{slug}/registrations/{registration}/promote": EDITOR => { post: place::promote }
    "/admin/{slug}/registrations/{registration}/category": EDITOR => { post: place::category }
    "/admin/{slug}/allocation": EDITOR => { get: allocation::overview }
    "/admin/{slug}/allocation/{group}/mode": EDITOR => { post: allocation::set_mode }
    "/admin/{slug}/allocation/{group}/commit": EDITOR => { post: allocation::commit }
    "/admin/{slug}/seats": EDITOR => { get: people::seats }
    "/admin/{slug}/seats/{session}/promote": EDITOR => { post: people::promote }
    "/admin/{slug}/seats/off-day": EDITOR => { get: off_day::list }
    "/admin/{slug}/seats/off-day/{registration}/{session}": EDITOR => { post: off_day::release }
    "/admin/{slug}/checkin": Congress(Role::Checkin) => { get: people::checkin::search }
    "/admin/{slug}/checkin/code/{code}": Congress(Role::Checkin) => { get: people::checkin::by_code }
    "/admin/{slug}/checkin/{registration}": Congress(Role::Checkin) => { post: people::checkin::check_in }
    "/admin/{slug}/mail": EDITOR => { get: people::mail::outbox, post: people::mail::send }
    "/admin/{slug}/mail/{message}/retry": EDITOR => { post: people::mail::retry }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_navigation_entry_is_a_page_of_the_table() {
        for e in kit::CONGRESS_NAV {
            assert!(
                ADMIN_ROUTES
                    .iter()
                    .any(|r| r.method == "get" && r.path == e.page),
                "{}",
                e.page
            );
        }
        assert!(ADMIN_ROUTES
            .iter()
            .any(|r| r.method == "get" && r.path == "/admin/congresses/new"));
    }
}
