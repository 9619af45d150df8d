//! Database access: the connection type for both backends, the pool, migrations, schema and
//! row types. Backend-specific SQL lives here and only here.

pub mod connection;
pub mod health;
pub mod locks;
pub mod outbox;
pub mod rows;
pub mod schema;

pub use connection::{
    checkout, outage_of, run_migrations, transaction, write_transaction, Backend, DbConnection,
    DbError, DbPool, Outage, PoolSizing, PooledConn, QueryCounter,
};
