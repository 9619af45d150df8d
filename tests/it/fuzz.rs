//! Issue 13: random requests over every route of both tables, as anyone and as an instance
//! admin, with hostile path segments, query strings and form or JSON bodies. No answer may be
//! a 5xx. The seed is fixed, so a failure is repeatable; `FUZZ_REQUESTS` sets how many (the
//! suite sends 2,000; `FUZZ_REQUESTS=30000` is the long run), `FUZZ_SEED` another seed.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use kongress::web::admin::ADMIN_ROUTES;
use kongress::web::SITE_ROUTES;

use crate::helpers::spawn_app;

/// Values that have broken web services: control characters, overlong and out-of-range
/// numbers, encodings, markup, paths, formulas, disguises.
const NASTY: &[&str] = &[
    "",
    "0",
    "-1",
    "1",
    "2",
    "9223372036854775807",
    "-9223372036854775808",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "a\0b",
    "\0",
    "line\r\nSet-Cookie: x=1",
    "\r",
    "\u{202E}txt.exe",
    "\u{200B}",
    "\u{FEFF}",
    "ÄÖÜß Łódź ő ć ø",
    "👩‍💻",
    "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>",
    "'; DROP TABLE registrations; --",
    "../../../../etc/passwd",
    "%00",
    "%",
    "=1+1",
    "＝HYPERLINK(\"x\")",
    "veg;=1+1;",
    "2027-02-30",
    "2027-01-21",
    "2027-01-21T25:61",
    "24:00",
    "#zzzzzz",
    "on",
    "true",
    "de",
    "xx",
    "talk",
    "workshop",
    "confirmed",
    "owner",
    "a@b.c",
    "not-an-email",
    "x@example.org\r\nBcc: y@example.org",
];

/// Longest long value in a URL (6 bytes each once encoded) and in a body.
const IN_URL: usize = 1000;
const IN_BODY: usize = 20_000;

const FIELDS: &[&str] = &[
    "title",
    "name",
    "first_name",
    "last_name",
    "email",
    "organization",
    "position",
    "category",
    "days",
    "kind",
    "language",
    "track",
    "room",
    "start",
    "end",
    "capacity",
    "quota",
    "page",
    "q",
    "status",
    "day",
    "group",
    "choice_1",
    "session",
    "speaker",
    "role",
    "subject",
    "body",
    "password",
    "next",
    "slug",
    "time_zone",
    "first_day",
    "last_day",
    "colour",
    "mode",
    "seed",
    "bio",
    "abstract",
    "consent_privacy",
    "website",
    "lang",
];

/// A hostile value; `long` is the most characters a long one has (a URL must stay below what
/// an HTTP client sends at all: 64 KiB).
fn nasty(rng: &mut StdRng, long: usize) -> String {
    match rng.gen_range(0..10) {
        // Now and then something long.
        0 => "Ä".repeat(rng.gen_range(100..long)),
        1 => rng.gen_range(-5i64..500).to_string(),
        _ => NASTY.choose(rng).unwrap().to_string(),
    }
}

/// A path segment in its encoded form.
fn segment(rng: &mut StdRng, slug: &str) -> String {
    match rng.gen_range(0..6) {
        0 => slug.to_string(),
        1 => rng.gen_range(1..300).to_string(),
        _ => urlencoding::encode(&nasty(rng, IN_URL)).into_owned(),
    }
}

fn fill(rng: &mut StdRng, pattern: &str, slug: &str) -> String {
    let mut path = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}').unwrap();
        path.push_str(&rest[..open]);
        let name = &rest[open + 1..close];
        let value = if name == "slug" && rng.gen_bool(0.8) {
            slug.to_string()
        } else if name == "ext" {
            ["xml", "json", "ics", "csv", "exe", "%00"]
                .choose(rng)
                .unwrap()
                .to_string()
        } else {
            segment(rng, slug)
        };
        path.push_str(&value);
        rest = &rest[close + 1..];
    }
    path.push_str(rest);
    if rng.gen_bool(0.5) {
        let pairs: Vec<String> = (0..rng.gen_range(1..4))
            .map(|_| {
                format!(
                    "{}={}",
                    FIELDS.choose(rng).unwrap(),
                    urlencoding::encode(&nasty(rng, IN_URL))
                )
            })
            .collect();
        path.push('?');
        path.push_str(&pairs.join("&"));
    }
    path
}

#[tokio::test]
async fn random_requests_over_every_route_never_get_a_5xx() {
    let n: usize = std::env::var("FUZZ_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(13);
    let app = spawn_app().await;
    let slug = app.load_demo();
    app.organizer("admin@example.org", true);
    let (admin, csrf) = app.login("admin@example.org").await;
    let (anon, anon_csrf) = app.anonymous().await;
    let routes: Vec<(&str, &str)> = SITE_ROUTES
        .iter()
        .map(|r| (r.method, r.path))
        .chain(ADMIN_ROUTES.iter().map(|r| (r.method, r.path)))
        // A logout would end the admin's session for the rest of the run.
        .filter(|(_, p)| *p != "/admin/logout")
        .collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut failures = vec![];
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for i in 0..n {
        let (method, pattern) = *routes.choose(&mut rng).unwrap();
        // Mostly the route's own method, sometimes another.
        let method = if rng.gen_bool(0.85) {
            method
        } else {
            *["get", "post", "put", "delete", "patch"]
                .choose(&mut rng)
                .unwrap()
        };
        let path = fill(&mut rng, pattern, &slug);
        let as_admin = rng.gen_bool(0.6);
        let (client, token) = if as_admin {
            (&admin, csrf.as_str())
        } else {
            (&anon, anon_csrf.as_str())
        };
        let m = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
        let mut req = client.request(m, app.url(&path));
        if method != "get" {
            req = match rng.gen_range(0..4) {
                0 => req
                    .header("content-type", "application/json")
                    .header(
                        "authorization",
                        "Bearer abababababababababababababababababababababababababababababababab",
                    )
                    .body({
                        let obj: serde_json::Map<String, serde_json::Value> = (0..rng
                            .gen_range(1..6))
                            .map(|_| {
                                (
                                    FIELDS.choose(&mut rng).unwrap().to_string(),
                                    serde_json::Value::String(nasty(&mut rng, IN_BODY)),
                                )
                            })
                            .collect();
                        serde_json::Value::Object(obj).to_string()
                    }),
                1 => req
                    .header("content-type", "application/json")
                    .body(nasty(&mut rng, IN_BODY)),
                _ => {
                    let mut form: Vec<(String, String)> = vec![("csrf_token".into(), token.into())];
                    for _ in 0..rng.gen_range(0..8) {
                        form.push((
                            FIELDS.choose(&mut rng).unwrap().to_string(),
                            nasty(&mut rng, IN_BODY),
                        ));
                    }
                    req.form(&form)
                }
            };
        }
        let status = match req.send().await {
            Ok(r) => {
                let s = r.status().as_u16();
                // Read the body: a server error mid-stream shows here.
                let _ = r.bytes().await;
                s
            }
            Err(e) => {
                failures.push(format!("#{i} {method} {path}: no answer ({e})"));
                continue;
            }
        };
        *statuses.entry(status).or_default() += 1;
        if status >= 500 {
            failures.push(format!(
                "#{i} {method} {path} ({}): {status}",
                if as_admin { "admin" } else { "anyone" }
            ));
        }
    }
    eprintln!("fuzz: {n} requests, seed {seed}, statuses {statuses:?}");
    assert!(
        failures.is_empty(),
        "{} of {n} requests failed:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    app.allow_undelivered("random registrations and bulk mail queue mail that is not sent here");
}
