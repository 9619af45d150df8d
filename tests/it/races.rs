//! The same person twice, at once: for every participant and organizer action that changes
//! state, N identical requests fired together leave exactly the state one request leaves, with
//! one email, and every counter equals its rows afterwards. Runs on both backends (and with two
//! app instances on one database); `KONGRESS_RACE_ROUNDS` repeats each race (the CI script
//! `bench/races.sh` runs 20 rounds on PostgreSQL).
//!
//! Also here: raising a session's, room's, category's or the congress's capacity through the
//! back office moves waiting people up at once.

use diesel::prelude::*;
use kongress::db::schema::{
    audit_log, categories, congresses, enrollments, outbox, registrations, sessions, slot_groups,
};

use crate::helpers::{spawn_app, Applicant, TestApp};

/// Identical requests per race: a double-click and then some.
const AT_ONCE: usize = 6;

fn rounds() -> usize {
    std::env::var("KONGRESS_RACE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

const WORKSHOP: &str = "Digitale Zwillinge für die Stadtplanung";
const OTHER_WORKSHOP: &str = "Stadtentwicklung mit Jugendlichen";

/// One app (or two on one database), the demo programme without registrations, an owner
/// logged in, and a participant's browser with its CSRF token.
struct Stage {
    apps: Vec<TestApp>,
    slug: String,
    office: reqwest::Client,
    office_token: String,
    person: reqwest::Client,
    person_token: String,
    n: usize,
}

impl Stage {
    async fn new(instances: usize) -> Stage {
        let app = spawn_app().await;
        let slug = app.load_demo();
        {
            // First come, first served in both blocks, so seats are taken one by one.
            let mut conn = app.conn();
            diesel::update(slot_groups::table)
                .set(slot_groups::allocation_mode.eq("fcfs"))
                .execute(&mut *conn)
                .unwrap();
        }
        let owner = app.organizer("owner@example.org", false);
        app.grant(owner, &slug, "owner");
        let (office, office_token) = app.login("owner@example.org").await;
        let (person, person_token) = app.visitor(&slug).await;
        let mut apps = vec![app];
        if instances > 1 {
            let second = crate::helpers::second_instance(&apps[0], "smtp://127.0.0.1:9").await;
            apps.push(second);
        }
        Stage {
            apps,
            slug,
            office,
            office_token,
            person,
            person_token,
            n: 0,
        }
    }

    fn app(&self) -> &TestApp {
        &self.apps[0]
    }

    /// Sends what the race queued (its assertions counted the mails in the outbox), through
    /// the first instance: the second one's SMTP server does not exist.
    async fn deliver_mail(&self) {
        self.app().mailer.drain().await.unwrap();
    }

    /// Fires `AT_ONCE` identical POSTs, spread over the instances; returns (status, location).
    async fn at_once(
        &self,
        office: bool,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Vec<(u16, String)> {
        let (b, token) = if office {
            (&self.office, &self.office_token)
        } else {
            (&self.person, &self.person_token)
        };
        let mut form = vec![("csrf_token".to_string(), token.clone())];
        form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let futures: Vec<_> = (0..AT_ONCE)
            .map(|i| {
                let app = &self.apps[i % self.apps.len()];
                let req = b.post(app.url(path)).form(&form);
                async move {
                    let r = req.send().await.expect("request");
                    let location = r
                        .headers()
                        .get("location")
                        .and_then(|l| l.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    (r.status().as_u16(), location)
                }
            })
            .collect();
        futures_util::future::join_all(futures).await
    }

    fn set_congress_capacity(&self, capacity: i32) {
        let mut conn = self.app().conn();
        diesel::update(congresses::table)
            .set(congresses::capacity.eq(Some(capacity)))
            .execute(&mut *conn)
            .unwrap();
    }

    /// A pending registration in `category` (its confirmation mail queued); returns its id and
    /// its confirmation token.
    fn pending(
        &mut self,
        category: &str,
        workshop: Option<i64>,
    ) -> (kongress::domain::RegistrationId, String) {
        self.n += 1;
        let email = format!("person{}@example.org", self.n);
        let last = format!("Nr. {}", self.n);
        let id = self.app().register_directly(Applicant {
            category,
            workshop,
            ..Applicant::new("Race", &last, &email)
        });
        let token = crate::helpers::confirm_token(self.app(), &email);
        (id, token)
    }

    /// A registration confirmed through its link (one request); returns (id, manage token).
    async fn confirmed(
        &mut self,
        category: &str,
        workshop: Option<i64>,
    ) -> (kongress::domain::RegistrationId, String) {
        let (id, token) = self.pending(category, workshop);
        let r = self
            .person
            .post(self.app().url(&format!("/r/confirm/{token}")))
            .form(&[("csrf_token", self.person_token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let manage = r.headers()["location"].to_str().unwrap()["/r/".len()..].to_string();
        (id, manage)
    }

    /// How many mails of `kind` are queued for registration `id`'s address.
    fn mails(&self, kind: &str, id: kongress::domain::RegistrationId) -> i64 {
        let mut conn = self.app().conn();
        let email: String = registrations::table
            .find(id)
            .select(registrations::email)
            .first(&mut *conn)
            .unwrap();
        outbox::table
            .filter(outbox::recipient.eq(email))
            .filter(outbox::kind.eq(kind))
            .count()
            .get_result(&mut *conn)
            .unwrap()
    }

    /// Every counter equals its rows, and no limit is exceeded.
    fn assert_counters_match_rows(&self) {
        let mut conn = self.app().conn();
        let counted: Vec<(i64, i32, i32, Option<i32>)> = sessions::table
            .select((
                sessions::id,
                sessions::enrolled_count,
                sessions::waitlisted_count,
                sessions::capacity,
            ))
            .load(&mut *conn)
            .unwrap();
        for (id, enrolled, waiting, capacity) in counted {
            let mut rows = |status: &str| -> i64 {
                enrollments::table
                    .filter(enrollments::session_id.eq(id))
                    .filter(enrollments::status.eq(status))
                    .count()
                    .get_result(&mut *conn)
                    .unwrap()
            };
            assert_eq!(
                (enrolled as i64, waiting as i64),
                (rows("enrolled"), rows("waitlisted")),
                "session {id}: counters against rows"
            );
            if let Some(c) = capacity {
                assert!(enrolled <= c, "session {id} overbooked: {enrolled} > {c}");
            }
        }
        let (count, capacity): (i32, Option<i32>) = congresses::table
            .select((congresses::confirmed_count, congresses::capacity))
            .first(&mut *conn)
            .unwrap();
        let confirmed: i64 = registrations::table
            .filter(registrations::status.eq("confirmed"))
            .count()
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(count as i64, confirmed, "congress places against rows");
        assert!(capacity.is_none_or(|c| count <= c), "congress overbooked");
        let cats: Vec<(i64, i32, Option<i32>)> = categories::table
            .select((
                categories::id,
                categories::confirmed_count,
                categories::quota,
            ))
            .load(&mut *conn)
            .unwrap();
        for (id, count, quota) in cats {
            let confirmed: i64 = registrations::table
                .filter(registrations::category_id.eq(id))
                .filter(registrations::status.eq("confirmed"))
                .count()
                .get_result(&mut *conn)
                .unwrap();
            assert_eq!(count as i64, confirmed, "category {id} places against rows");
            assert!(quota.is_none_or(|q| count <= q), "category {id} over quota");
        }
    }
}

/// Every answer is the one the first request got: same status, same redirect.
fn all_alike(answers: &[(u16, String)], status: u16) -> String {
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "identical requests answered differently: {answers:?}"
    );
    assert_eq!(answers[0].0, status, "{answers:?}");
    answers[0].1.clone()
}

const KOMMUNE: &str = "Kommune (Mitglied im Netzwerk)";
const PRESSE: &str = "Presse";

async fn confirm_race(instances: usize) {
    for _ in 0..rounds() {
        let mut s = Stage::new(instances).await;
        let w = s.app().session_id(WORKSHOP);
        s.app().set_session_capacity(w, 1);
        let (id, token) = s.pending(KOMMUNE, Some(w));
        let answers = s.at_once(false, &format!("/r/confirm/{token}"), &[]).await;
        let to = all_alike(&answers, 303);
        assert!(to.starts_with("/r/"), "{to}");
        assert_eq!(s.app().registration_status(id), "confirmed");
        assert_eq!(s.app().seat(id, w).as_deref(), Some("enrolled"));
        assert_eq!(s.mails("registration-confirmed", id), 1);
        s.assert_counters_match_rows();
        // The used link is still a way in (GET, as from the email).
        let again = s
            .person
            .get(s.app().url(&format!("/r/confirm/{token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 303);
        assert_eq!(again.headers()["location"].to_str().unwrap(), to);
        s.deliver_mail().await;
    }
}

#[tokio::test]
async fn identical_confirmations_take_one_place_and_send_one_mail() {
    confirm_race(1).await;
}

#[tokio::test]
async fn identical_confirmations_on_two_instances() {
    confirm_race(2).await;
}

async fn cancel_race(instances: usize) {
    for _ in 0..rounds() {
        let mut s = Stage::new(instances).await;
        s.set_congress_capacity(2);
        let (a, manage) = s.confirmed(KOMMUNE, None).await;
        s.confirmed(KOMMUNE, None).await;
        let (waiting, _) = s.confirmed(KOMMUNE, None).await;
        let (second, _) = s.confirmed(KOMMUNE, None).await;
        assert_eq!(s.app().registration_status(waiting), "waitlisted");
        let answers = s.at_once(false, &format!("/r/{manage}/cancel"), &[]).await;
        all_alike(&answers, 303);
        assert_eq!(s.app().registration_status(a), "cancelled");
        assert_eq!(s.mails("cancelled", a), 1);
        // The place went back once: one person moved up, the next still waits.
        assert_eq!(s.app().registration_status(waiting), "confirmed");
        assert_eq!(s.mails("promoted-from-waitlist", waiting), 1);
        assert_eq!(s.app().registration_status(second), "waitlisted");
        s.assert_counters_match_rows();
        s.deliver_mail().await;
    }
}

#[tokio::test]
async fn identical_cancellations_give_the_place_back_once() {
    cancel_race(1).await;
}

#[tokio::test]
async fn identical_cancellations_on_two_instances() {
    cancel_race(2).await;
}

async fn leave_race(instances: usize) {
    for _ in 0..rounds() {
        let mut s = Stage::new(instances).await;
        let w = s.app().session_id(WORKSHOP);
        s.app().set_session_capacity(w, 1);
        let (a, manage) = s.confirmed(KOMMUNE, Some(w)).await;
        let (b, _) = s.confirmed(KOMMUNE, Some(w)).await;
        let (c, _) = s.confirmed(KOMMUNE, Some(w)).await;
        assert_eq!(
            (s.app().seat(a, w), s.app().seat(b, w), s.app().seat(c, w)),
            (
                Some("enrolled".into()),
                Some("waitlisted".into()),
                Some("waitlisted".into())
            )
        );
        let session = w.to_string();
        let answers = s
            .at_once(
                false,
                &format!("/r/{manage}/leave"),
                &[("session", &session)],
            )
            .await;
        all_alike(&answers, 303);
        // One seat freed, one person moved up, one mail.
        assert_eq!(s.app().seat(a, w).as_deref(), Some("cancelled"));
        assert_eq!(s.app().seat(b, w).as_deref(), Some("enrolled"));
        assert_eq!(s.app().seat(c, w).as_deref(), Some("waitlisted"));
        assert_eq!(s.mails("enrollment-promoted", b), 1);
        assert_eq!(s.mails("enrollment-promoted", c), 0);
        s.assert_counters_match_rows();
        s.deliver_mail().await;
    }
}

#[tokio::test]
async fn identical_leaves_free_one_seat_and_move_one_person_up() {
    leave_race(1).await;
}

#[tokio::test]
async fn identical_leaves_on_two_instances() {
    leave_race(2).await;
}

#[tokio::test]
async fn identical_enrollments_take_one_seat_or_one_waitlist_place() {
    for _ in 0..rounds() {
        let mut s = Stage::new(1).await;
        s.app()
            .allow_undelivered("the set-up's registration mails; enrolling sends none");
        let w = s.app().session_id(WORKSHOP);
        let full = s.app().session_id(OTHER_WORKSHOP);
        s.app().set_session_capacity(full, 1);
        let (_, _) = s.confirmed(KOMMUNE, Some(full)).await;
        let (a, manage) = s.confirmed(KOMMUNE, None).await;
        // A free seat: taken once.
        let answers = s
            .at_once(
                false,
                &format!("/r/{manage}/enroll"),
                &[("session", &w.to_string())],
            )
            .await;
        all_alike(&answers, 303);
        assert_eq!(s.app().seat(a, w).as_deref(), Some("enrolled"));
        // Leave it, then ask for the full one (same block, other time? no: different block
        // sessions may overlap, so leave first): one waitlist place, not six.
        let r = s
            .person
            .post(s.app().url(&format!("/r/{manage}/leave")))
            .form(&[
                ("csrf_token", s.person_token.as_str()),
                ("session", &w.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let answers = s
            .at_once(
                false,
                &format!("/r/{manage}/enroll"),
                &[("session", &full.to_string())],
            )
            .await;
        all_alike(&answers, 303);
        assert_eq!(s.app().seat(a, full).as_deref(), Some("waitlisted"));
        s.assert_counters_match_rows();
    }
}

#[tokio::test]
async fn identical_approvals_and_declines_act_once() {
    for _ in 0..rounds() {
        let mut s = Stage::new(1).await;
        let (ida, _) = s.confirmed(PRESSE, None).await;
        let (jan, _) = s.confirmed(PRESSE, None).await;
        assert_eq!(s.app().registration_status(ida), "awaiting_approval");
        let slug = s.slug.clone();
        let answers = s
            .at_once(
                true,
                &format!("/admin/{slug}/registrations/{ida}/approve"),
                &[],
            )
            .await;
        all_alike(&answers, 303);
        assert_eq!(s.app().registration_status(ida), "confirmed");
        assert_eq!(s.mails("approval-granted", ida), 1);
        let answers = s
            .at_once(
                true,
                &format!("/admin/{slug}/registrations/{jan}/decline"),
                &[],
            )
            .await;
        all_alike(&answers, 303);
        assert_eq!(s.app().registration_status(jan), "cancelled");
        assert_eq!(s.mails("approval-declined", jan), 1);
        s.assert_counters_match_rows();
        s.deliver_mail().await;
    }
}

#[tokio::test]
async fn identical_promotions_fill_the_free_seats_once() {
    for _ in 0..rounds() {
        let mut s = Stage::new(1).await;
        let w = s.app().session_id(WORKSHOP);
        s.app().set_session_capacity(w, 1);
        let mut people = vec![];
        for _ in 0..4 {
            people.push(s.confirmed(KOMMUNE, Some(w)).await.0);
        }
        // Two more seats, set behind the services' back: only the button moves people up.
        s.app().set_session_capacity(w, 3);
        let slug = s.slug.clone();
        let answers = s
            .at_once(true, &format!("/admin/{slug}/seats/{w}/promote"), &[])
            .await;
        assert!(answers.iter().all(|a| a.0 == 303), "{answers:?}");
        let seats: Vec<Option<String>> = people.iter().map(|p| s.app().seat(*p, w)).collect();
        assert_eq!(
            seats,
            ["enrolled", "enrolled", "enrolled", "waitlisted"]
                .map(|x| Some(x.to_string()))
                .to_vec()
        );
        for p in &people[1..3] {
            assert_eq!(s.mails("enrollment-promoted", *p), 1);
        }
        s.assert_counters_match_rows();
        s.deliver_mail().await;
    }
}

#[tokio::test]
async fn identical_check_ins_check_in_once() {
    for _ in 0..rounds() {
        let mut s = Stage::new(1).await;
        s.app()
            .allow_undelivered("the set-up's registration mails; checking in sends none");
        let (a, _) = s.confirmed(KOMMUNE, None).await;
        let slug = s.slug.clone();
        let answers = s
            .at_once(
                true,
                &format!("/admin/{slug}/registrations/{a}/checkin"),
                &[],
            )
            .await;
        all_alike(&answers, 303);
        let mut conn = s.app().conn();
        let (at, audited): (Option<chrono::NaiveDateTime>, i64) = (
            registrations::table
                .find(a)
                .select(registrations::checked_in_at)
                .first(&mut *conn)
                .unwrap(),
            audit_log::table
                .filter(audit_log::kind.eq("registration.checked_in"))
                .filter(audit_log::entity_id.eq(a))
                .count()
                .get_result(&mut *conn)
                .unwrap(),
        );
        assert!(at.is_some());
        assert_eq!(audited, 1, "checked in once");
    }
}

/// Raising capacity through the back office moves the first waiting people up at once, with
/// their emails: a session's seats, a room's capacity, a category's quota and the congress's
/// capacity.
#[tokio::test]
async fn raising_a_capacity_in_the_back_office_moves_waiting_people_up() {
    let mut s = Stage::new(1).await;
    let slug = s.slug.clone();
    let (office, token, base) = (
        s.office.clone(),
        s.office_token.clone(),
        s.app().base.clone(),
    );
    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let mut form = vec![("csrf_token", token.clone())];
        form.extend(fields);
        office.post(format!("{base}{path}")).form(&form).send()
    };
    // The session: one seat, two waiting; the form raises it to 2.
    let w = s.app().session_id(WORKSHOP);
    s.app().set_session_capacity(w, 1);
    let mut people = vec![];
    for _ in 0..3 {
        people.push(s.confirmed(KOMMUNE, Some(w)).await.0);
    }
    let r = post(
        format!("/admin/{slug}/sessions/{w}"),
        vec![
            ("title", WORKSHOP.into()),
            ("kind", "workshop".into()),
            ("language", "de".into()),
            ("capacity", "2".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(s.app().seat(people[1], w).as_deref(), Some("enrolled"));
    assert_eq!(s.app().seat(people[2], w).as_deref(), Some("waitlisted"));
    assert_eq!(s.mails("enrollment-promoted", people[1]), 1);

    // The room: a workshop with 5 seats in a room made to hold 2; raising the room lets 3 more in.
    let other = s.app().session_id(OTHER_WORKSHOP);
    s.app().set_session_capacity(other, 5);
    let (room, room_name): (i64, String) = {
        let mut conn = s.app().conn();
        let room: i64 = sessions::table
            .find(other)
            .select(sessions::room_id.assume_not_null())
            .first(&mut *conn)
            .unwrap();
        use kongress::db::schema::rooms;
        diesel::update(rooms::table.find(room))
            .set(rooms::capacity.eq(Some(2)))
            .execute(&mut *conn)
            .unwrap();
        let name = rooms::table
            .find(room)
            .select(rooms::name)
            .first(&mut *conn)
            .unwrap();
        (room, name)
    };
    let mut guests = vec![];
    for _ in 0..4 {
        guests.push(s.confirmed(KOMMUNE, Some(other)).await.0);
    }
    assert_eq!(
        s.app().seat(guests[2], other).as_deref(),
        Some("waitlisted")
    );
    let r = post(
        format!("/admin/{slug}/rooms/{room}"),
        vec![
            ("name", room_name),
            ("capacity", "40".into()),
            ("position", "1".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(s.app().seat(guests[3], other).as_deref(), Some("enrolled"));
    s.assert_counters_match_rows();

    // The category quota and the congress capacity: the congress waitlist moves.
    let press_quota = s.app().category_id(PRESSE);
    {
        let mut conn = s.app().conn();
        diesel::update(categories::table.find(press_quota))
            .set(categories::needs_approval.eq(false))
            .execute(&mut *conn)
            .unwrap();
        diesel::update(categories::table.find(press_quota))
            .set(categories::quota.eq(Some(0)))
            .execute(&mut *conn)
            .unwrap();
    }
    let (journalist, _) = s.confirmed(PRESSE, None).await;
    assert_eq!(s.app().registration_status(journalist), "waitlisted");
    let r = post(
        format!("/admin/{slug}/categories/{press_quota}"),
        vec![
            ("name", PRESSE.into()),
            ("quota", "5".into()),
            ("priority", "0".into()),
            ("position", "3".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(s.app().registration_status(journalist), "confirmed");
    assert_eq!(s.mails("promoted-from-waitlist", journalist), 1);

    let c = s.app().congress_row();
    s.set_congress_capacity(c.confirmed_count);
    let (late, _) = s.confirmed(KOMMUNE, None).await;
    assert_eq!(s.app().registration_status(late), "waitlisted");
    let capacity = (c.confirmed_count + 10).to_string();
    let first = c.first_day.to_string();
    let last = c.last_day.to_string();
    let r = post(
        format!("/admin/{slug}/settings"),
        vec![
            ("title", c.title.clone()),
            ("slug", slug.clone()),
            ("time_zone", c.time_zone.clone()),
            ("first_day", first.clone()),
            ("last_day", last.clone()),
            ("lang_de", "on".into()),
            ("status", c.status.to_string()),
            ("capacity", capacity),
            ("day", first),
            ("day_label", String::new()),
            ("day_label_en", String::new()),
            ("day", last),
            ("day_label", String::new()),
            ("day_label_en", String::new()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(s.app().registration_status(late), "confirmed");
    s.assert_counters_match_rows();
    s.deliver_mail().await;
}

#[tokio::test]
async fn identical_publishes_take_turns_without_an_error() {
    for _ in 0..rounds() {
        let s = Stage::new(1).await;
        s.app().allow_undelivered(
            "publishing mails the speakers their links; this race is about version numbers",
        );
        let slug = s.slug.clone();
        let answers = s
            .at_once(true, &format!("/admin/{slug}/publish"), &[])
            .await;
        assert!(answers.iter().all(|a| a.0 == 303), "{answers:?}");
        let mut conn = s.app().conn();
        let mut numbers: Vec<i32> = kongress::db::schema::schedule_versions::table
            .select(kongress::db::schema::schedule_versions::number)
            .load(&mut *conn)
            .unwrap();
        numbers.sort_unstable();
        let expected: Vec<i32> = (1..=numbers.len() as i32).collect();
        assert_eq!(numbers, expected, "consecutive version numbers");
    }
}
