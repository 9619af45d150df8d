//! Fixed-window rate limits kept in the database, so every instance behind the load balancer
//! counts the same attempts.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::rate_limits;
use crate::db::DbConnection;

/// Counts one attempt in `bucket` and tells whether it is within `limit` per `window`.
/// The bucket is a key such as `login-ip:<hash>`; never put personal data in it unhashed.
pub fn hit(
    conn: &mut DbConnection,
    bucket: &str,
    limit: i32,
    window: Duration,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    // One atomic upsert, so concurrent first attempts (several instances, many requests) never
    // race on the insert; the same statement runs on SQLite and PostgreSQL.
    #[derive(diesel::QueryableByName)]
    struct Hits {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        hits: i32,
    }
    let rows: Vec<Hits> = diesel::sql_query(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start < $3 THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start = CASE WHEN rate_limits.window_start < $3 THEN $2 ELSE rate_limits.window_start END \
         RETURNING hits",
    )
    .bind::<diesel::sql_types::Text, _>(bucket)
    .bind::<diesel::sql_types::Timestamp, _>(now)
    .bind::<diesel::sql_types::Timestamp, _>(now - window)
    .load(conn)?;
    Ok(rows.first().is_some_and(|r| r.hits <= limit))
}

/// Counts one failure in a bucket whose window restarts with each failure: the count runs on
/// as long as failures come less than `window` apart. Returns the count.
pub fn hit_sliding(
    conn: &mut DbConnection,
    bucket: &str,
    window: Duration,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    #[derive(diesel::QueryableByName)]
    struct Hits {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        hits: i32,
    }
    let rows: Vec<Hits> = diesel::sql_query(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start < $3 THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start = $2 \
         RETURNING hits",
    )
    .bind::<diesel::sql_types::Text, _>(bucket)
    .bind::<diesel::sql_types::Timestamp, _>(now)
    .bind::<diesel::sql_types::Timestamp, _>(now - window)
    .load(conn)?;
    Ok(rows.first().map_or(1, |r| r.hits))
}

/// The wait left in a sliding bucket (see `hit_sliding`): `delay` of its count after its last
/// failure, unless the count has lapsed (`window` without a failure).
pub fn wait_left(
    conn: &mut DbConnection,
    bucket: &str,
    window: Duration,
    delay: impl Fn(i32) -> Option<Duration>,
    now: NaiveDateTime,
) -> QueryResult<Option<Duration>> {
    let row: Option<(NaiveDateTime, i32)> = rate_limits::table
        .find(bucket)
        .select((rate_limits::window_start, rate_limits::hits))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(last, hits)| {
        if now - last >= window {
            return None;
        }
        let until = last + delay(hits)?;
        (now < until).then(|| until - now)
    }))
}

/// Whether the bucket is over its limit now, without counting an attempt.
pub fn is_blocked(
    conn: &mut DbConnection,
    bucket: &str,
    limit: i32,
    window: Duration,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let row: Option<(NaiveDateTime, i32)> = rate_limits::table
        .find(bucket)
        .select((rate_limits::window_start, rate_limits::hits))
        .first(conn)
        .optional()?;
    Ok(matches!(row, Some((start, hits)) if now - start < window && hits >= limit))
}

/// Forgets a bucket (e.g. an account's failures after a successful login).
pub fn clear(conn: &mut DbConnection, bucket: &str) -> QueryResult<()> {
    diesel::delete(rate_limits::table.find(bucket)).execute(conn)?;
    Ok(())
}

/// A bucket key that does not reveal what it counts (IP addresses and emails are personal data).
pub fn bucket(kind: &str, value: &str) -> String {
    use sha2::{Digest, Sha256};
    format!(
        "{kind}:{}",
        hex::encode(&Sha256::digest(value.as_bytes())[..12])
    )
}
