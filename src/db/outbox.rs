//! Claiming due outbox rows and recording their outcome: the one place where the two backends
//! need different SQL. On PostgreSQL several instances claim at once without blocking each other
//! (`FOR UPDATE SKIP LOCKED`); on SQLite the write lock taken by `BEGIN IMMEDIATE` makes the
//! claim exclusive.
//!
//! A claim is a lease: the row is `sending` with `locked_at` set to when the lease was taken or
//! last renewed. A lease older than the worker's lease time is expired and the row may be claimed
//! again (its worker died mid-send). Every write after the claim names the claim it expects
//! (`status = 'sending' AND attempts = <the claim's>`; each claim raises `attempts`), so a
//! worker whose lease was taken over cannot overwrite the new owner's result.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Timestamp};

use super::schema::outbox;
use super::{write_transaction, DbConnection};

/// One claimed message: its id and the claim's token, the attempt number it was claimed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Claim {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
}

/// Marks up to `limit` due messages as `sending` by this worker and returns their claims. Due:
/// pending with `next_attempt_at` reached, or `sending` under a lease taken or renewed before
/// `lease_expired_before` (its worker died mid-send).
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_expired_before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Claim>> {
    match conn {
        DbConnection::Pg(pg) => {
            // The outer WHERE repeats the due condition: under READ COMMITTED, PostgreSQL
            // re-checks it on the locked row, so the claim is a compare-and-set on the state it
            // expected.
            let mut claims: Vec<Claim> = diesel::sql_query(
                "UPDATE outbox SET status = 'sending', locked_at = $1, attempts = attempts + 1 \
                 WHERE id IN (SELECT id FROM outbox \
                   WHERE (status = 'pending' AND next_attempt_at <= $1) \
                      OR (status = 'sending' AND locked_at < $2) \
                   ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) \
                 AND ((status = 'pending' AND next_attempt_at <= $1) \
                      OR (status = 'sending' AND locked_at < $2)) \
                 RETURNING id, attempts",
            )
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(lease_expired_before)
            .bind::<BigInt, _>(limit)
            .load(pg)?;
            claims.sort_unstable_by_key(|c| c.id);
            Ok(claims)
        }
        DbConnection::Sqlite(_) => write_transaction(conn, |conn| {
            let due = outbox::status
                .eq("pending")
                .and(outbox::next_attempt_at.le(now))
                .or(outbox::status
                    .eq("sending")
                    .and(outbox::locked_at.lt(lease_expired_before)));
            let ids: Vec<i64> = outbox::table
                .filter(due)
                .order(outbox::id)
                .limit(limit)
                .select(outbox::id)
                .load(conn)?;
            if ids.is_empty() {
                return Ok(vec![]);
            }
            let mut claims: Vec<(i64, i32)> =
                diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)).filter(due))
                    .set((
                        outbox::status.eq("sending"),
                        outbox::locked_at.eq(Some(now)),
                        outbox::attempts.eq(outbox::attempts + 1),
                    ))
                    .returning((outbox::id, outbox::attempts))
                    .get_results(conn)?;
            claims.sort_unstable();
            Ok(claims
                .into_iter()
                .map(|(id, attempts)| Claim { id, attempts })
                .collect())
        }),
    }
}

/// Extends the lease of a message still being sent. False when the claim is no longer ours
/// (the lease expired and another worker took the row over).
pub fn renew(conn: &mut DbConnection, claim: Claim, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        outbox::table
            .filter(outbox::id.eq(claim.id))
            .filter(outbox::status.eq("sending"))
            .filter(outbox::attempts.eq(claim.attempts)),
    )
    .set(outbox::locked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records a delivered message. False (and nothing changed) when the claim is no longer ours.
pub fn mark_sent(conn: &mut DbConnection, claim: Claim, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        outbox::table
            .filter(outbox::id.eq(claim.id))
            .filter(outbox::status.eq("sending"))
            .filter(outbox::attempts.eq(claim.attempts)),
    )
    .set((
        outbox::status.eq("sent"),
        outbox::sent_at.eq(Some(now)),
        outbox::locked_at.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records a failed attempt: back to `pending` until `retry_at`, or `failed` for good when
/// `give_up`. False (and nothing changed) when the claim is no longer ours.
pub fn mark_failed(
    conn: &mut DbConnection,
    claim: Claim,
    error: &str,
    retry_at: NaiveDateTime,
    give_up: bool,
) -> QueryResult<bool> {
    let n = diesel::update(
        outbox::table
            .filter(outbox::id.eq(claim.id))
            .filter(outbox::status.eq("sending"))
            .filter(outbox::attempts.eq(claim.attempts)),
    )
    .set((
        outbox::status.eq(if give_up { "failed" } else { "pending" }),
        outbox::next_attempt_at.eq(retry_at),
        outbox::locked_at.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(Some(error)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
