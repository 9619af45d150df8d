//! The health check behind `/healthz` (SPEC §1): does the database answer a query on our
//! schema, and does it take a write? A `SELECT 1` answers on an empty or read-only database too,
//! while every page fails.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::connection::{outage_of, Outage};
use super::schema::congresses;
use super::DbPool;

/// The row of `app_settings` that the write check rewrites.
const HEARTBEAT_KEY: &str = "health.heartbeat";

/// How long the check waits for a connection: a load balancer's probe should not hang.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(2);

/// One part of the check: `Ok` or a short reason (no connection strings, no personal data).
pub type Part = Result<(), &'static str>;

/// The outcome of one health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// A query on a table of our schema succeeded.
    pub database: Part,
    /// A heartbeat row was written.
    pub writable: Part,
}

impl Health {
    pub fn is_ok(&self) -> bool {
        self.database.is_ok() && self.writable.is_ok()
    }
}

/// Runs the check on one pooled connection. A connection that fails it because it is dead or
/// read-only is marked broken on the way (see `connection::ConnectionWatch`), so the pool
/// replaces it and the next check sees a fresh one.
pub fn check(pool: &DbPool) -> Health {
    let mut conn = match pool.get_timeout(CHECKOUT_TIMEOUT) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "health check: no database connection");
            return Health {
                database: Err("unavailable"),
                writable: Err("unknown"),
            };
        }
    };
    let read = congresses::table
        .select(congresses::id)
        .first::<i64>(&mut conn)
        .optional();
    if let Err(e) = read {
        tracing::warn!(error = %e, "health check: schema query failed");
        let reason = match outage_of(&e) {
            Some(_) => "unavailable",
            // The database answers but our tables are not there (recreated empty, wrong URL).
            None => "schema missing",
        };
        return Health {
            database: Err(reason),
            writable: Err("unknown"),
        };
    }
    let write = diesel::sql_query(
        "INSERT INTO app_settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind::<Text, _>(HEARTBEAT_KEY)
    .bind::<Text, _>(chrono::Utc::now().to_rfc3339())
    .execute(&mut conn);
    let writable = match write {
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::warn!(error = %e, "health check: heartbeat write failed");
            Err(match outage_of(&e) {
                Some(Outage::ReadOnly) => "read-only: the database refuses writes",
                Some(Outage::Busy) => "busy: the write lock was not granted in time",
                Some(Outage::Unreachable) => "unavailable",
                None => "write failed",
            })
        }
    };
    Health {
        database: Ok(()),
        writable,
    }
}
