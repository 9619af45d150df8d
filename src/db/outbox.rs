//! Claiming due outbox rows: the one place where the two backends need different SQL. On
//! PostgreSQL several instances claim at once without blocking each other (`FOR UPDATE SKIP
//! LOCKED`); on SQLite the write lock taken by `BEGIN IMMEDIATE` makes the claim exclusive.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use super::schema::outbox;
use super::{write_transaction, DbConnection};

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Marks up to `limit` due messages as `sending` by this worker and returns their ids. Due:
/// pending with `next_attempt_at` reached, or stuck in `sending` since before `stale_before`
/// (a worker died mid-send).
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    stale_before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    match conn {
        DbConnection::Pg(pg) => {
            let rows: Vec<Claimed> = diesel::sql_query(
                "UPDATE outbox SET status = 'sending', locked_at = $1, attempts = attempts + 1 \
                 WHERE id IN (SELECT id FROM outbox \
                   WHERE (status = 'pending' AND next_attempt_at <= $1) \
                      OR (status = 'sending' AND locked_at < $2) \
                   ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) \
                 RETURNING id",
            )
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(stale_before)
            .bind::<BigInt, _>(limit)
            .load(pg)?;
            let mut ids: Vec<i64> = rows.into_iter().map(|r| r.id).collect();
            ids.sort_unstable();
            Ok(ids)
        }
        DbConnection::Sqlite(_) => write_transaction(conn, |conn| {
            let ids: Vec<i64> = outbox::table
                .filter(
                    outbox::status
                        .eq("pending")
                        .and(outbox::next_attempt_at.le(now))
                        .or(outbox::status
                            .eq("sending")
                            .and(outbox::locked_at.lt(stale_before))),
                )
                .order(outbox::id)
                .limit(limit)
                .select(outbox::id)
                .load(conn)?;
            if !ids.is_empty() {
                diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
                    .set((
                        outbox::status.eq("sending"),
                        outbox::locked_at.eq(Some(now)),
                        outbox::attempts.eq(outbox::attempts + 1),
                    ))
                    .execute(conn)?;
            }
            Ok(ids)
        }),
    }
}
