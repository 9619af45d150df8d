use crate::helpers::spawn_app;

/// Ids of a session and a speaker of the demo programme, from the API.
async fn sample_ids(app: &crate::helpers::TestApp, slug: &str) -> (i64, i64) {
    let c = app.json(&format!("/api/v1/congresses/{slug}")).await;
    let s = c["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| !s["speakers"].as_array().unwrap().is_empty())
        .unwrap();
    (
        s["id"].as_i64().unwrap(),
        s["speakers"][0]["id"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn pages_show_the_programme_in_german_by_default_and_english_on_request() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let (status, home) = app.text(&format!("/{slug}")).await;
    assert_eq!(status, 200);
    assert!(home.contains("<html lang=\"de\">"));
    assert!(home.contains("Smart City Kongress 2027"));
    assert!(home.contains("Kongresszentrum Isarauen"));
    assert!(home.contains("Zum Programm"));

    let (_, en) = app.text(&format!("/{slug}?lang=en")).await;
    assert!(en.contains("<html lang=\"en\">") && en.contains("View the programme"));
    // The choice sticks through the cookie set on the ?lang= response.
    let (_, next) = app.text(&format!("/{slug}/program")).await;
    assert!(next.contains("<html lang=\"en\">"), "language cookie kept");

    let fresh = reqwest::Client::new();
    let r = fresh
        .get(app.url(&format!("/{slug}/speakers")))
        .header("Accept-Language", "en-GB,en;q=0.9,de;q=0.5")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("<h1>Speakers</h1>"));
}

#[tokio::test]
async fn day_two_shows_eleven_parallel_workshops_in_each_slot() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let (status, page) = app.text(&format!("/{slug}/program?day=2")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Tag 2: Werkstätten"));
    assert!(
        !page.contains("Fuck-up Night"),
        "day filter shows day 2 only"
    );
    let workshops = page.matches("k-workshop").count();
    assert_eq!(workshops, 22, "22 workshop cards on day 2");
    // Eleven workshop rooms plus the plenary hall and the foyer as columns.
    assert_eq!(page.matches("class=\"rh ").count(), 13);
    assert_eq!(page.matches("Plätzen frei").count(), 22);

    // The whole programme (both days) by default, with the evening event of day 1.
    let (_, all) = app.text(&format!("/{slug}/program")).await;
    assert!(all.contains("Fuck-up Night") && all.contains("Tag 1: Plenum"));
    assert_eq!(all.matches("<h2 id=\"tag-").count(), 2);
    // The demo shows a cancelled talk struck through, without seats.
    assert_eq!(all.matches(">Abgesagt</p>").count(), 1);
}

#[tokio::test]
async fn program_filters_by_track_and_offers_a_list_view() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let c = app.json(&format!("/api/v1/congresses/{slug}")).await;
    let mobility = c["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Mobilität")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let expected = c["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["track_id"].as_i64() == Some(mobility))
        .count();
    assert!(expected >= 3);
    let (status, page) = app.text(&format!("/{slug}/program?track={mobility}")).await;
    assert_eq!(status, 200);
    assert_eq!(page.matches("<article class=\"card").count(), expected);
    assert!(page.contains(&format!("<option value=\"{mobility}\" selected>")));

    let (_, list) = app.text(&format!("/{slug}/program?view=list")).await;
    assert!(list.contains("class=\"grid g0 list\""));

    // Unknown day or track: 404, not an empty page or a 500.
    assert_eq!(app.text(&format!("/{slug}/program?day=9")).await.0, 404);
    assert_eq!(
        app.text(&format!("/{slug}/program?day=1999-01-01")).await.0,
        404
    );
    assert_eq!(app.text(&format!("/{slug}/program?track=abc")).await.0, 404);
}

#[tokio::test]
async fn session_and_speaker_pages() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let c = app.json(&format!("/api/v1/congresses/{slug}")).await;
    let panel = c["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "panel")
        .unwrap()
        .clone();
    let (status, page) = app.text(&format!("/{slug}/sessions/{}", panel["id"])).await;
    assert_eq!(status, 200);
    assert!(page.contains("Podium: Vom Modellprojekt in die Fläche"));
    assert!(page.contains("13:15–14:30"), "local time in Europe/Berlin");
    assert!(
        page.contains("(MEZ)"),
        "the German abbreviation of the zone"
    );
    assert!(page.contains("Moderation") && page.contains("Podiumsgast"));
    assert!(
        !page.contains("@kongress.example"),
        "speaker emails are private"
    );

    let moderator = &panel["speakers"][0];
    let (status, sp) = app
        .text(&format!("/{slug}/speakers/{}", moderator["id"]))
        .await;
    assert_eq!(status, 200);
    assert!(sp.contains(moderator["name"].as_str().unwrap()));
    assert!(sp.contains("Podium: Vom Modellprojekt in die Fläche"));

    let workshop = c["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "workshop")
        .unwrap();
    let (_, w) = app
        .text(&format!("/{slug}/sessions/{}", workshop["id"]))
        .await;
    assert!(w.contains("Plätzen frei") && w.contains("Anmeldung zur Werkstatt"));
}

#[tokio::test]
async fn unknown_things_get_a_proper_404_page() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    for path in [
        "/no-such-congress".to_string(),
        "/no-such-congress/program".into(),
        format!("/{slug}/sessions/999999"),
        format!("/{slug}/sessions/abc"),
        format!("/{slug}/speakers/999999"),
        format!("/{slug}/nothing-here"),
        "/static/missing.css".into(),
        "/a/b/c/d".into(),
    ] {
        let (status, body) = app.text(&path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("Seite nicht gefunden"), "{path}");
    }
    let (status, body) = app.text("/nowhere?lang=en").await;
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"));
}

#[tokio::test]
async fn index_lists_only_published_congresses() {
    let app = spawn_app().await;
    let (status, empty) = app.text("/").await;
    assert_eq!(status, 200);
    assert!(empty.contains("Zurzeit ist kein Kongress veröffentlicht."));
    let slug = app.load_demo();
    let (_, page) = app.text("/").await;
    assert!(page.contains(&format!("href=\"/{slug}\"")));
}

#[tokio::test]
async fn user_text_is_escaped() {
    use diesel::prelude::*;
    use kongress::db::schema::sessions;
    let app = spawn_app().await;
    let slug = app.load_demo();
    {
        let mut conn = app.conn();
        diesel::update(sessions::table.filter(sessions::kind.eq("keynote")))
            .set(sessions::title.eq("<script>alert(1)</script> & Co"))
            .execute(&mut *conn)
            .unwrap();
        let id: kongress::domain::CongressId = kongress::db::schema::congresses::table
            .select(kongress::db::schema::congresses::id)
            .first(&mut *conn)
            .unwrap();
        kongress::services::publish::publish(
            &mut conn,
            id,
            kongress::services::audit::Actor::System,
            None,
        )
        .unwrap();
    }
    let (_, page) = app.text(&format!("/{slug}/program")).await;
    assert!(!page.contains("<script>alert(1)</script>"));
    assert!(
        page.contains("&#60;script&#62;alert(1)&#60;/script&#62; &#38; Co")
            || page.contains("&lt;script&gt;")
    );
}

#[tokio::test]
async fn static_assets_are_embedded_and_cacheable() {
    let app = spawn_app().await;
    let (_, page) = app.text("/").await;
    let css = page
        .split("href=\"")
        .find_map(|s| s.strip_prefix("/static/kongress.css?v="))
        .and_then(|s| s.split('"').next())
        .expect("fingerprinted stylesheet link");
    let r = app.get(&format!("/static/kongress.css?v={css}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/css; charset=utf-8");
    assert!(r.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let body = r.text().await.unwrap();
    assert!(body.contains("@media print"));
    assert!(
        !body.contains("http://") && !body.contains("https://"),
        "no other hosts"
    );
}

/// Structural accessibility checks that need no browser: one `<h1>`, headings that never skip
/// a level, a `lang` on the document, a label for every form control, the skip link.
fn check_structure(path: &str, html: &str) {
    assert!(html.starts_with("<!doctype html>"), "{path}");
    assert!(
        html.contains("<html lang=\"de\">") || html.contains("<html lang=\"en\">"),
        "{path}"
    );
    assert!(
        html.contains("class=\"skip\" href=\"#inhalt\""),
        "{path}: skip link"
    );
    assert_eq!(html.matches("<h1").count(), 1, "{path}: exactly one h1");
    let mut last = 0;
    for (i, _) in html.match_indices("<h") {
        let level = html.as_bytes()[i + 2];
        if !(b'1'..=b'6').contains(&level) {
            continue;
        }
        let level = (level - b'0') as i32;
        assert!(level <= last + 1, "{path}: heading h{level} after h{last}");
        last = level;
    }
    for (i, _) in html.match_indices(" id=\"f-") {
        let id: String = html[i + 5..].chars().take_while(|c| *c != '"').collect();
        assert!(
            html.contains(&format!("for=\"{id}\"")),
            "{path}: control {id} has a label"
        );
    }
}

#[tokio::test]
async fn pages_have_a_sound_structure_in_both_languages() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let (session, speaker) = sample_ids(&app, &slug).await;
    for lang in ["de", "en"] {
        for path in [
            "/".to_string(),
            format!("/{slug}"),
            format!("/{slug}/program"),
            format!("/{slug}/program?day=2&view=list"),
            format!("/{slug}/sessions/{session}"),
            format!("/{slug}/speakers"),
            format!("/{slug}/speakers/{speaker}"),
            "/missing/page/x".into(),
        ] {
            let sep = if path.contains('?') { '&' } else { '?' };
            let path = format!("{path}{sep}lang={lang}");
            let (_, html) = app.text(&path).await;
            assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{path}");
            check_structure(&path, &html);
        }
    }
}

/// While registration is open the congress page calls to it, and a workshop's page says how to
/// get a seat; once it closes the call goes.
#[tokio::test]
async fn the_congress_and_workshop_pages_call_to_register() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    let slug = app.load_demo();
    let (_, home) = app.text(&format!("/{slug}")).await;
    assert!(home.contains(&format!("href=\"/{slug}/register\">Jetzt anmelden</a>")));
    // The programme's day tabs carry the organizer's labels.
    let (_, programme) = app.text(&format!("/{slug}/program")).await;
    assert!(programme.contains(" · Tag 1: Plenum</a>"), "{programme}");
    let w = app.session_id("Sensorik im Straßenraum");
    let (_, page) = app.text(&format!("/{slug}/sessions/{w}")).await;
    assert!(page.contains("Einen Platz wählen Sie bei der Anmeldung zum Kongress"));
    {
        let mut conn = app.conn();
        diesel::update(kongress::db::schema::congresses::table)
            .set(
                kongress::db::schema::congresses::registration_closes_at.eq(Some(
                    kongress::services::now_utc() - chrono::Duration::hours(1),
                )),
            )
            .execute(&mut *conn)
            .unwrap();
    }
    let (_, home) = app.text(&format!("/{slug}")).await;
    assert!(!home.contains("Jetzt anmelden") && home.contains("Die Anmeldung ist geschlossen."));
}
