//! The organizer in the back office as tests drive it: a signed-in browser with its CSRF
//! token, and the forms that build a congress (congress, sessions, placing them).

use diesel::prelude::*;
use kongress::db::schema::{rooms, sessions, speakers, tracks};

use super::TestApp;

pub struct Organizer<'a> {
    pub app: &'a TestApp,
    pub b: reqwest::Client,
    pub token: String,
}

impl Organizer<'_> {
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", self.token.as_str())];
        form.extend_from_slice(fields);
        self.b
            .post(self.app.url(path))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = self.b.get(self.app.url(path)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

pub async fn admin(app: &TestApp) -> Organizer<'_> {
    app.organizer("admin@example.org", true);
    let (b, token) = app.login("admin@example.org").await;
    Organizer { app, b, token }
}

pub fn id_of(app: &TestApp, table: &str, name: &str) -> i64 {
    let mut conn = app.conn();
    match table {
        "room" => rooms::table
            .filter(rooms::name.eq(name))
            .select(rooms::id)
            .first(&mut *conn)
            .unwrap(),
        "session" => sessions::table
            .filter(sessions::title.eq(name))
            .select(sessions::id)
            .first(&mut *conn)
            .unwrap(),
        "track" => tracks::table
            .filter(tracks::name.eq(name))
            .select(tracks::id)
            .first(&mut *conn)
            .unwrap(),
        "speaker" => speakers::table
            .filter(speakers::name.eq(name))
            .select(speakers::id)
            .first(&mut *conn)
            .unwrap(),
        _ => unreachable!(),
    }
}

pub async fn create_congress(o: &Organizer<'_>, slug: &str, first: &str, last: &str) {
    let r = o
        .post(
            "/admin/congresses/new",
            &[
                ("title", "Werkstatttage"),
                ("slug", slug),
                ("time_zone", "Europe/Berlin"),
                ("first_day", first),
                ("last_day", last),
                ("lang_de", "on"),
                ("lang_en", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
}

pub async fn new_session(o: &Organizer<'_>, slug: &str, fields: &[(&str, &str)]) {
    let r = o.post(&format!("/admin/{slug}/sessions/new"), fields).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
}

pub async fn place(
    o: &Organizer<'_>,
    slug: &str,
    session: i64,
    day: &str,
    start: &str,
    end: &str,
    room: i64,
) -> reqwest::Response {
    o.post(
        &format!("/admin/{slug}/schedule/{session}"),
        &[
            ("day", day),
            ("start", start),
            ("end", end),
            ("room", &room.to_string()),
        ],
    )
    .await
}
