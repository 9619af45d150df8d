//! Row locks for read-then-write transactions on PostgreSQL.
//!
//! On SQLite a write transaction begins `IMMEDIATE` and so already holds the database's one
//! write lock before its first read. On PostgreSQL (read committed) two transactions may read
//! the same row at once; a transition that reads a registration's state and then acts on it
//! locks the row first, so the same person's second request (a double-click, a second app
//! instance) waits and then reads the state the first one left. The writes themselves are
//! still compare-and-sets on the expected state: the lock makes the second request see the
//! truth, the conditional update makes a mistake impossible.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::DbConnection;

/// The tables whose rows a transaction may lock before reading them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lockable {
    /// A registration: its status, place and workshop seats.
    Registration,
    /// A congress: its published versions (two publishes take turns).
    Congress,
}

/// Locks one row until the end of the caller's transaction (PostgreSQL: `SELECT … FOR
/// UPDATE`); a no-op on SQLite, whose write transactions are serialized. A missing row locks
/// nothing; the caller's following read reports it.
pub fn lock_row(conn: &mut DbConnection, table: Lockable, id: i64) -> QueryResult<()> {
    if let DbConnection::Pg(pg) = conn {
        let sql = match table {
            Lockable::Registration => "SELECT id FROM registrations WHERE id = $1 FOR UPDATE",
            Lockable::Congress => "SELECT id FROM congresses WHERE id = $1 FOR UPDATE",
        };
        diesel::sql_query(sql).bind::<BigInt, _>(id).execute(pg)?;
    }
    Ok(())
}

/// Whether a failed transaction may simply be run again: PostgreSQL broke a deadlock or a
/// serialization conflict by aborting it, or a concurrent insert of the same unique key won
/// (the retry then finds that row). SQLite's serialized writers never see these.
pub fn is_retryable(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _)
        | Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => true,
        Error::DatabaseError(_, info) => info.message().contains("deadlock detected"),
        _ => false,
    }
}
