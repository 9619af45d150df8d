//! A person's private page as they use it: registered through the public form, their
//! workshops per block and the ones to choose from, their details corrected (audited, with the
//! input kept when refused), in the language they registered in.

use diesel::prelude::*;
use kongress::db::schema::{audit_log, registrations};

use crate::helpers::{browser, confirm_token, csrf_in, spawn_app, TestApp};

/// Registers `email` through the public form in English, confirms it, and returns the browser
/// and the private page's path.
async fn register_in_english(app: &TestApp, slug: &str, email: &str) -> (reqwest::Client, String) {
    let b = browser();
    let form = b
        .get(app.url(&format!("/{slug}/register")))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let category = form
        .split("name=\"category\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let days: Vec<String> = form
        .split("name=\"days\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect();
    let mut fields = vec![
        ("csrf_token".to_string(), csrf_in(&form)),
        ("category".into(), category),
        ("first_name".into(), "Ana".into()),
        ("last_name".into(), "Muster".into()),
        ("email".into(), email.into()),
        ("organization".into(), "Stadt Ulm".into()),
        ("consent_privacy".into(), "on".into()),
    ];
    fields.extend(days.into_iter().map(|d| ("days".to_string(), d)));
    let r = b
        .post(app.url(&format!("/{slug}/register")))
        .header("accept-language", "en")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let token = confirm_token(app, email);
    let page = b
        .get(app.url(&format!("/r/confirm/{token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = b
        .post(app.url(&format!("/r/confirm/{token}")))
        .form(&[("csrf_token", csrf_in(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let path = to.split('?').next().unwrap().to_string();
    assert!(path.starts_with("/r/"), "{to}");
    (b, path)
}

async fn get(b: &reqwest::Client, app: &TestApp, path: &str, lang: &str) -> (u16, String) {
    let r = b
        .get(app.url(path))
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_person_sees_their_workshops_by_block_and_corrects_their_details() {
    let app = spawn_app().await;
    let slug = app.load_demo();
    let (b, me) = register_in_english(&app, &slug, "ana@example.org").await;

    // A German browser still gets the page in the language of the registration.
    let (status, page) = get(&b, &app, &me, "de").await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"en\">"), "{page}");
    assert!(page.contains("Your workshops"));
    assert!(page.contains("Choose workshops"));
    // Every block of the demo is a heading of both lists, the ones not chosen say so.
    let blocks = page.matches("No workshop chosen yet.").count();
    assert!(blocks >= 2, "{page}");
    // Choosing the language wins (in another browser: the choice is remembered in a cookie).
    let (_, de) = get(&browser(), &app, &format!("{me}?lang=de"), "en").await;
    assert!(de.contains("Ihre Werkstätten") && de.contains("Ihre Angaben"));

    // A seat from the choice list shows up under "Your workshops", with time and room.
    let offer = &page[page.find("id=\"h-choose\"").unwrap()..];
    let session = offer
        .split("name=\"session\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let r = b
        .post(app.url(&format!("{me}/enroll")))
        .form(&[("csrf_token", csrf_in(&page)), ("session", session.clone())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, page) = get(&b, &app, &me, "en").await;
    let mine =
        &page[page.find("id=\"h-workshops\"").unwrap()..page.find("id=\"h-choose\"").unwrap()];
    assert!(mine.contains("class=\"held\""), "{mine}");
    assert!(mine.contains("Give up seat"), "{mine}");
    assert_eq!(blocks - 1, page.matches("No workshop chosen yet.").count());

    // Details: names are required; the refusal keeps what was typed, on the page, with 422.
    let csrf = csrf_in(&page);
    let r = b
        .post(app.url(&format!("{me}/profile")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("first_name", "  "),
            ("last_name", "Muster-Beispiel"),
            ("organization", "Landkreis Neu-Ulm"),
            ("dietary", "vegan"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("value=\"Muster-Beispiel\""), "{body}");
    assert!(body.contains("value=\"Landkreis Neu-Ulm\""));
    assert!(body.contains("aria-invalid=\"true\" aria-describedby=\"pe-first_name\""));
    let stored: (String, String) = {
        let mut conn = app.conn();
        registrations::table
            .filter(registrations::email.eq("ana@example.org"))
            .select((registrations::last_name, registrations::organization))
            .first(&mut *conn)
            .unwrap()
    };
    assert_eq!(stored, ("Muster".to_string(), "Stadt Ulm".to_string()));

    let r = b
        .post(app.url(&format!("{me}/profile")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("first_name", "Ana"),
            ("last_name", "Muster-Beispiel"),
            ("organization", "Landkreis Neu-Ulm"),
            ("position", ""),
            ("dietary", "vegan"),
            ("accessibility", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with("?done=profile#profile"), "{to}");
    let (_, page) = get(&b, &app, &to, "en").await;
    // The message stands at the form that was sent.
    let section = &page[page.find("id=\"profile\"").unwrap()..];
    assert!(
        section[..600].contains("Your details are saved."),
        "{section}"
    );
    assert!(page.contains("value=\"Landkreis Neu-Ulm\""));
    let (last, dietary): (String, String) = {
        let mut conn = app.conn();
        registrations::table
            .filter(registrations::email.eq("ana@example.org"))
            .select((registrations::last_name, registrations::dietary_needs))
            .first(&mut *conn)
            .unwrap()
    };
    assert_eq!(
        (last.as_str(), dietary.as_str()),
        ("Muster-Beispiel", "vegan")
    );
    // The audit names the fields, not what they hold.
    let after: String = {
        let mut conn = app.conn();
        audit_log::table
            .filter(audit_log::kind.eq("registration.profile"))
            .select(audit_log::after_value)
            .first::<Option<String>>(&mut *conn)
            .unwrap()
            .unwrap()
    };
    assert_eq!(
        after,
        r#"{"fields":["last_name","organization","dietary_needs"]}"#
    );
    assert!(!after.contains("vegan"));

    // A cancelled registration keeps its page but offers no details form, and refuses one.
    let r = b
        .post(app.url(&format!("{me}/cancel")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, page) = get(&b, &app, &me, "en").await;
    assert!(!page.contains("/profile\""), "{page}");
    let r = b
        .post(app.url(&format!("{me}/profile")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("first_name", "Eve"),
            ("last_name", "Other"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("no longer active"));
    app.allow_undelivered("confirmation and seat mails are not the subject here");
}
