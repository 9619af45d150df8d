//! What several test files do the same way to set a stage: look up the demo's congress,
//! categories and sessions, change a capacity, register someone without HTTP, open the public
//! form in a browser of its own, and read back a registration's state.

use diesel::prelude::*;
use kongress::db::rows;
use kongress::db::schema::{categories, congresses, enrollments, registrations, sessions};
use kongress::services::registration::{self as reg, Registered, RegistrationInput};

use super::{browser, csrf_in, TestApp};

/// Someone filling in the public form (as far as a test cares).
pub struct Applicant<'a> {
    pub first: &'a str,
    pub last: &'a str,
    pub email: &'a str,
    pub organization: &'a str,
    /// The category's name.
    pub category: &'a str,
    /// A first-come workshop picked on the form.
    pub workshop: Option<i64>,
    pub answers: Vec<(kongress::domain::QuestionId, String)>,
}

impl<'a> Applicant<'a> {
    /// In the demo's open category, no organization, workshop or answers.
    pub fn new(first: &'a str, last: &'a str, email: &'a str) -> Applicant<'a> {
        Applicant {
            first,
            last,
            email,
            organization: "",
            category: "Kommune (Mitglied im Netzwerk)",
            workshop: None,
            answers: vec![],
        }
    }
}

impl TestApp {
    /// The congress of a test that made only one (the first one).
    pub fn congress_row(&self) -> rows::Congress {
        let mut conn = self.conn();
        congresses::table
            .order(congresses::id)
            .select(rows::Congress::as_select())
            .first(&mut *conn)
            .unwrap()
    }

    pub fn category_id(&self, name: &str) -> kongress::domain::CategoryId {
        let mut conn = self.conn();
        categories::table
            .filter(categories::name.eq(name))
            .select(categories::id)
            .first(&mut *conn)
            .unwrap()
    }

    pub fn session_id(&self, title: &str) -> i64 {
        let mut conn = self.conn();
        sessions::table
            .filter(sessions::title.eq(title))
            .select(sessions::id)
            .first(&mut *conn)
            .unwrap()
    }

    /// The slot group (block) a workshop belongs to.
    pub fn slot_group_of(&self, session: i64) -> kongress::domain::SlotGroupId {
        let mut conn = self.conn();
        sessions::table
            .find(session)
            .select(sessions::slot_group_id.assume_not_null())
            .first(&mut *conn)
            .unwrap()
    }

    /// Sets a session's seats behind the services' back (nobody moves up).
    pub fn set_session_capacity(&self, session: i64, capacity: i32) {
        let mut conn = self.conn();
        diesel::update(sessions::table.find(session))
            .set(sessions::capacity.eq(Some(capacity)))
            .execute(&mut *conn)
            .unwrap();
    }

    /// Registers through the service, as the form would (both days, German, vegetarian);
    /// the registration is pending and its confirmation mail queued. Returns its id.
    pub fn register_directly(&self, who: Applicant<'_>) -> kongress::domain::RegistrationId {
        let c = self.congress_row();
        let picks = who
            .workshop
            .map(|w| vec![(self.slot_group_of(w), kongress::domain::SessionId::from(w))])
            .unwrap_or_default();
        let input = RegistrationInput {
            category_id: self.category_id(who.category),
            first_name: who.first.into(),
            last_name: who.last.into(),
            email: kongress::domain::EmailAddress::parse(who.email).unwrap(),
            organization: who.organization.into(),
            position: String::new(),
            days: vec![c.first_day, c.last_day],
            dietary: "vegetarisch".into(),
            accessibility: String::new(),
            language: kongress::i18n::Lang::De,
            answers: who.answers,
            consent_public: false,
            picks,
            rankings: vec![],
        };
        let ctx = self.mail_context();
        let mut conn = self.conn();
        match reg::register(&mut conn, &c, &input, &ctx, kongress::services::now_utc()).unwrap() {
            Registered::New(id) => id,
            other => panic!("expected a new registration, got {other:?}"),
        }
    }

    /// A browser of its own on the congress's registration form, with the form's CSRF token.
    pub async fn visitor(&self, slug: &str) -> (reqwest::Client, String) {
        let b = browser();
        let page = b
            .get(self.url(&format!("/{slug}/register")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = csrf_in(&page);
        (b, token)
    }

    pub fn registration_status(&self, id: kongress::domain::RegistrationId) -> String {
        let mut conn = self.conn();
        registrations::table
            .find(id)
            .select(registrations::status)
            .first(&mut *conn)
            .unwrap()
    }

    /// The state of a registration's enrollment in a session (None: it has none).
    pub fn seat(
        &self,
        registration: kongress::domain::RegistrationId,
        session: i64,
    ) -> Option<String> {
        let mut conn = self.conn();
        enrollments::table
            .filter(enrollments::registration_id.eq(registration))
            .filter(enrollments::session_id.eq(session))
            .select(enrollments::status)
            .first(&mut *conn)
            .optional()
            .unwrap()
    }
}
