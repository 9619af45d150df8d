//! Database access: the connection type for both backends, the pool, migrations, schema and
//! row types. Backend-specific SQL lives here and only here.

pub mod connection;
pub mod enums;
pub mod health;
pub mod ids;
pub mod locks;
pub mod outbox;
pub mod queries;
pub mod rows;
pub mod schema;

pub use connection::{
    checkout, outage_of, run_migrations, transaction, write_transaction, Backend, DbConnection,
    DbError, DbPool, Outage, PoolSizing, PooledConn, QueryCounter,
};

/// The current instant without sub-microsecond noise (PostgreSQL keeps microseconds), as the
/// naive UTC value stored in TIMESTAMP columns.
pub fn now_utc() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}
