//! Load benchmark of the participant path: N people register, confirm and enroll in a workshop,
//! C at a time, against a running server. Confirmation links are read from the outbox (the
//! benchmark has the database URL), as a participant would read them from their email.
//!
//! cargo run --release --example bench_registration -- BASE_URL DATABASE_URL SLUG N C
//! (bench/registration.sh starts a server and runs this for SQLite and PostgreSQL.)

use std::time::{Duration, Instant};

use diesel::prelude::*;
use kongress::db::schema::{outbox, sessions};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn one(
    base: &str,
    db: &str,
    slug: &str,
    i: usize,
    category: &str,
    workshop: i64,
) -> Result<Vec<Duration>, String> {
    let b = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let page = b
        .get(format!("{base}/{slug}/register"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    let token = page
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .ok_or("no csrf")?
        .to_string();
    let email = format!("bench{i}-{}@example.org", std::process::id());
    let mut times = vec![];
    let t = Instant::now();
    let r = b
        .post(format!("{base}/{slug}/register"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("category", category),
            ("first_name", "Bench"),
            ("last_name", &i.to_string()),
            ("email", &email),
            ("consent_privacy", "on"),
            ("days", &day(db, slug)?),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    times.push(t.elapsed());
    if r.status() != 303 {
        return Err(format!("register: {}", r.status()));
    }
    let db2 = db.to_string();
    let email2 = email.clone();
    let link = tokio::task::spawn_blocking(move || -> Result<String, String> {
        let mut conn = kongress::db::connection::establish(&db2).map_err(|e| e.to_string())?;
        let body: String = outbox::table
            .filter(outbox::recipient.eq(&email2))
            .filter(outbox::kind.eq("confirm-your-registration"))
            .select(outbox::body_text)
            .first(&mut conn)
            .map_err(|e| e.to_string())?;
        body.lines()
            .find(|l| l.contains("/r/confirm/"))
            .map(|l| l.trim().to_string())
            .ok_or_else(|| "no link".into())
    })
    .await
    .map_err(|e| e.to_string())??;
    let t = Instant::now();
    let r = b
        .post(&link)
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    times.push(t.elapsed());
    let manage = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or("confirm: no redirect")?
        .to_string();
    let t = Instant::now();
    let r = b
        .post(format!("{base}{manage}/enroll"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("session", &workshop.to_string()),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    times.push(t.elapsed());
    if r.status() != 303 {
        return Err(format!("enroll: {}", r.status()));
    }
    Ok(times)
}

fn day(db: &str, slug: &str) -> Result<String, String> {
    use kongress::db::schema::congresses;
    let mut conn = kongress::db::connection::establish(db).map_err(|e| e.to_string())?;
    congresses::table
        .filter(congresses::slug.eq(slug))
        .select(congresses::first_day)
        .first::<chrono::NaiveDate>(&mut conn)
        .map(|d| d.to_string())
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 6 {
        eprintln!("usage: bench_registration BASE_URL DATABASE_URL SLUG N C");
        std::process::exit(2);
    }
    let (base, db, slug) = (args[1].clone(), args[2].clone(), args[3].clone());
    let n: usize = args[4].parse().unwrap();
    let c: usize = args[5].parse().unwrap();
    let (category, workshop) = {
        use kongress::db::schema::categories;
        let mut conn = kongress::db::connection::establish(&db).unwrap();
        // The benchmark measures the path, not the congress filling up: no overall limit.
        diesel::update(kongress::db::schema::congresses::table)
            .set(kongress::db::schema::congresses::capacity.eq(None::<i32>))
            .execute(&mut conn)
            .unwrap();
        let cat: i64 = categories::table
            .filter(categories::quota.is_null())
            .filter(categories::needs_approval.eq(false))
            .select(categories::id)
            .first(&mut conn)
            .unwrap();
        let w: i64 = sessions::table
            .filter(sessions::capacity.is_not_null())
            .order(sessions::id)
            .select(sessions::id)
            .first(&mut conn)
            .unwrap();
        (cat.to_string(), w)
    };
    let start = Instant::now();
    let mut latencies = vec![];
    let mut errors = 0;
    let mut next = 0;
    while next < n {
        let batch: Vec<_> = (next..(next + c).min(n))
            .map(|i| {
                let (base, db, slug, category) =
                    (base.clone(), db.clone(), slug.clone(), category.clone());
                tokio::spawn(async move { one(&base, &db, &slug, i, &category, workshop).await })
            })
            .collect();
        next += batch.len();
        for h in batch {
            match h.await {
                Ok(Ok(t)) => latencies.extend(t),
                Ok(Err(e)) => {
                    errors += 1;
                    eprintln!("error: {e}");
                }
                Err(e) => {
                    errors += 1;
                    eprintln!("task: {e}");
                }
            }
        }
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let mut conn = kongress::db::connection::establish(&db).unwrap();
    let (enrolled, waitlisted, cap): (i32, i32, Option<i32>) = sessions::table
        .find(workshop)
        .select((
            sessions::enrolled_count,
            sessions::waitlisted_count,
            sessions::capacity,
        ))
        .first(&mut conn)
        .unwrap();
    println!("participants: {n} (concurrency {c}), errors: {errors}");
    println!(
        "registered+confirmed+enrolled per second: {:.1}",
        (n - errors) as f64 / elapsed.as_secs_f64()
    );
    println!(
        "requests: {}  p50 {:.1} ms  p99 {:.1} ms",
        latencies.len(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3
    );
    println!(
        "workshop seats: {enrolled}/{} enrolled, {waitlisted} waitlisted",
        cap.unwrap_or(0)
    );
}
