//! Fixed-window rate limits kept in the database, so every instance behind the load balancer
//! counts the same attempts.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::rate_limits;
use crate::db::{write_transaction, DbConnection};

/// Counts one attempt in `bucket` and tells whether it is within `limit` per `window`.
/// The bucket is a key such as `login-ip:<hash>`; never put personal data in it unhashed.
pub fn hit(
    conn: &mut DbConnection,
    bucket: &str,
    limit: i32,
    window: Duration,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    write_transaction(conn, |conn| {
        let row: Option<(NaiveDateTime, i32)> = rate_limits::table
            .find(bucket)
            .select((rate_limits::window_start, rate_limits::hits))
            .first(conn)
            .optional()?;
        match row {
            Some((start, hits)) if now - start < window => {
                diesel::update(rate_limits::table.find(bucket))
                    .set(rate_limits::hits.eq(hits + 1))
                    .execute(conn)?;
                Ok(hits < limit)
            }
            Some(_) => {
                diesel::update(rate_limits::table.find(bucket))
                    .set((rate_limits::window_start.eq(now), rate_limits::hits.eq(1)))
                    .execute(conn)?;
                Ok(true)
            }
            None => {
                diesel::insert_into(rate_limits::table)
                    .values((
                        rate_limits::bucket.eq(bucket),
                        rate_limits::window_start.eq(now),
                        rate_limits::hits.eq(1),
                    ))
                    .execute(conn)?;
                Ok(limit >= 1)
            }
        }
    })
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
