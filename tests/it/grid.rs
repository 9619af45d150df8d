//! The public programme grid as an organizer builds it from an empty database: time groups,
//! the track legend and filter (only the rooms the track uses), and the "now" marker while a
//! day runs.

use chrono::{Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use crate::helpers::office::{admin, id_of, new_session, place, Organizer};
use crate::helpers::spawn_app;

/// A zone in which it is now between 09:00 and 15:59, so the day's sessions fit around "now"
/// without crossing midnight, whenever the test runs.
fn daytime_zone() -> Tz {
    let zones: [Tz; 6] = [
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
        chrono_tz::America::Los_Angeles,
        chrono_tz::Asia::Tokyo,
        chrono_tz::Asia::Kolkata,
        chrono_tz::Pacific::Honolulu,
    ];
    let now = Utc::now();
    zones
        .into_iter()
        .min_by_key(|z| (now.with_timezone(z).hour() as i32 - 12).abs())
        .unwrap()
}

async fn post_ok(o: &Organizer<'_>, path: &str, fields: &[(&str, &str)]) {
    let r = o.post(path, fields).await;
    assert_eq!(r.status(), 303, "{path}: {}", r.text().await.unwrap());
}

#[tokio::test]
async fn a_running_day_shows_now_groups_by_time_and_filters_rooms_by_track() {
    let app = spawn_app().await;
    let o = admin(&app).await;
    let slug = "laufend";
    let tz = daytime_zone();
    let local = Utc::now().with_timezone(&tz);
    let today: NaiveDate = local.date_naive();
    let tomorrow = today + Duration::days(1);
    post_ok(
        &o,
        "/admin/congresses/new",
        &[
            ("title", "Laufender Kongress"),
            ("slug", slug),
            ("time_zone", tz.name()),
            ("first_day", &today.to_string()),
            ("last_day", &tomorrow.to_string()),
            ("lang_de", "on"),
            ("lang_en", "on"),
        ],
    )
    .await;
    for room in ["Saal A", "Saal B", "Saal C"] {
        post_ok(
            &o,
            &format!("/admin/{slug}/rooms"),
            &[("name", room), ("capacity", "50")],
        )
        .await;
    }
    for (name, colour) in [("Daten", "#1f6f8b"), ("Klima", "#2e7d32")] {
        post_ok(
            &o,
            &format!("/admin/{slug}/tracks"),
            &[("name", name), ("colour", colour), ("position", "")],
        )
        .await;
    }
    let daten = id_of(&app, "track", "Daten");
    let klima = id_of(&app, "track", "Klima");
    // Now, rounded down to the grid's five minutes: one session runs, two start in an hour.
    let at = |minutes: i64| {
        let m = (local.hour() * 60 + local.minute()) as i64 / 5 * 5 + minutes;
        format!("{:02}:{:02}", m / 60, m % 60)
    };
    let plan = [
        ("Laufende Werkstatt", daten, "Saal A", -60, 60),
        ("Spätere Runde", klima, "Saal B", 60, 120),
        ("Noch eine Runde", klima, "Saal C", 60, 120),
        ("Morgen früh", daten, "Saal A", 0, 60),
    ];
    for (title, track, room, from, to) in plan {
        new_session(
            &o,
            slug,
            &[
                ("title", title),
                ("kind", "talk"),
                ("language", "de"),
                ("track", &track.to_string()),
            ],
        )
        .await;
        let day = if title == "Morgen früh" {
            tomorrow
        } else {
            today
        };
        let r = place(
            &o,
            slug,
            id_of(&app, "session", title),
            &day.to_string(),
            &at(from),
            &at(to),
            id_of(&app, "room", room),
        )
        .await;
        assert_eq!(r.status(), 303, "{title}: {}", r.text().await.unwrap());
    }
    post_ok(&o, &format!("/admin/{slug}/publish"), &[]).await;

    let (status, page) = app.text(&format!("/{slug}/program")).await;
    assert_eq!(status, 200);
    // The marker sits between the running session and the next round, with the local time.
    let marker = page
        .find("id=\"jetzt\"")
        .unwrap_or_else(|| panic!("{page}"));
    assert!(page[..marker].contains("Laufende Werkstatt"));
    assert!(page[marker..].contains("Spätere Runde"));
    assert!(
        page.contains(&format!("Jetzt {}", local.format("%H:%M")))
            || page.contains(&format!(
                "Jetzt {}",
                Utc::now().with_timezone(&tz).format("%H:%M")
            )),
        "{page}"
    );
    assert!(page.contains("href=\"#jetzt\""), "{page}");
    assert!(page.contains("Zum laufenden Programm springen"));
    // Sessions starting together share one time heading; titles are headings below it.
    assert_eq!(
        page.matches(&format!("<h3 class=\"slot\">{}</h3>", at(60)))
            .count(),
        1,
        "{page}"
    );
    assert!(page.contains("<h4 class=\"title\">"));
    // The legend names both tracks and links their filter.
    assert!(page.contains(&format!("track={daten}\"")));
    assert!(page.contains(&format!("track={klima}\"")));

    // Another day shown: the jump link leads to today's page.
    let (_, other) = app.text(&format!("/{slug}/program?day={tomorrow}")).await;
    assert!(!other.contains("id=\"jetzt\""));
    assert!(
        other.contains(&format!("/{slug}/program?day={today}#jetzt")),
        "{other}"
    );

    // A track filter shows only the rooms that track uses, on a grid of its own.
    let (_, klima_page) = app
        .text(&format!("/{slug}/program?day={today}&track={klima}"))
        .await;
    assert!(
        klima_page.contains(&format!("grid g0t{klima}")),
        "{klima_page}"
    );
    assert!(klima_page.contains(">Saal B<") && klima_page.contains(">Saal C<"));
    assert!(!klima_page.contains(">Saal A<"), "{klima_page}");
    let spaet = id_of(&app, "session", "Spätere Runde");
    assert!(klima_page.contains(&format!("card f{spaet} ")));
    let (_, css) = app.text(&format!("/{slug}/program.css")).await;
    assert!(
        css.contains(&format!(
            ".g0t{klima}{{grid-template-columns:4.5rem repeat(2,1fr);"
        )),
        "{css}"
    );
    assert!(
        css.contains(".g0{grid-template-columns:4.5rem repeat(3,1fr);"),
        "{css}"
    );
    assert!(css.contains(&format!(".f{spaet}{{grid-area:")), "{css}");
    // The script that holds the room row is served from this host.
    let r = app
        .get(
            &page[page.find("/static/programme.js").unwrap()..]
                .split('"')
                .next()
                .unwrap()
                .replace("&amp;", "&"),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
}
