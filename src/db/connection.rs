use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{
    AnsiTransactionManager, Instrumentation, InstrumentationEvent, SimpleConnection,
    TransactionManager,
};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, CustomizeConnection, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection type for both backends; the variant is chosen from the URL scheme.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

pub type DbPool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Which database the URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// Errors of setting up the database (not of queries, which are `diesel::result::Error`).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL must start with sqlite:// or postgres://")]
    UnknownScheme,
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrations failed: {0}")]
    Migration(String),
}

/// Counts the statements run on the pool's connections, so tests can prove that a page issues
/// a constant number of queries however large the programme is.
#[derive(Clone, Default)]
pub struct QueryCounter(Arc<AtomicU64>);

impl QueryCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Per-connection instrumentation: counts statements for the [`QueryCounter`] and remembers
/// whether a statement failed in a way that makes the connection useless (the server closed it,
/// the SQLite file was opened read-only), so the pool drops it instead of handing it out again.
struct ConnectionWatch {
    counter: QueryCounter,
    broken: bool,
}

impl Instrumentation for ConnectionWatch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                self.counter.0.fetch_add(1, Ordering::Relaxed);
            }
            InstrumentationEvent::FinishQuery { error: Some(e), .. }
                if outage_of(e).is_some_and(Outage::breaks_connection) =>
            {
                self.broken = true;
            }
            _ => {}
        }
    }
}

/// Why the database cannot serve a request right now: an outage, not a mistake of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// The server closed the connection, or the database cannot be opened.
    Unreachable,
    /// The database refuses writes (a read-only SQLite file, a PostgreSQL standby).
    ReadOnly,
    /// Another writer held the lock for longer than the busy timeout.
    Busy,
}

impl Outage {
    /// Whether a connection that saw this error should be discarded. A SQLite connection opened
    /// while its file was read-only stays read-only for good, even after the file is writable
    /// again; a closed PostgreSQL connection never recovers. A busy database is not the
    /// connection's fault.
    pub fn breaks_connection(self) -> bool {
        matches!(self, Outage::Unreachable | Outage::ReadOnly)
    }
}

/// Classifies a query error as an outage of the database, or `None` for every other error
/// (constraint violations, missing tables, bugs), which stay ours to fix.
pub fn outage_of(e: &diesel::result::Error) -> Option<Outage> {
    use diesel::result::{DatabaseErrorKind, Error};
    let Error::DatabaseError(kind, info) = e else {
        return None;
    };
    let message = info.message().to_ascii_lowercase();
    match kind {
        DatabaseErrorKind::ClosedConnection => Some(Outage::Unreachable),
        DatabaseErrorKind::ReadOnlyTransaction => Some(Outage::ReadOnly),
        // PostgreSQL reports a lost connection this way when the query cannot even be sent.
        DatabaseErrorKind::UnableToSendCommand if message.contains("connection") => {
            Some(Outage::Unreachable)
        }
        _ if message.contains("readonly database") => Some(Outage::ReadOnly),
        _ if message.contains("database is locked") => Some(Outage::Busy),
        _ if message.contains("unable to open database file")
            || message.contains("disk i/o error")
            || message.contains("terminating connection")
            || message.contains("server closed the connection")
            || message.contains("no connection to the server") =>
        {
            Some(Outage::Unreachable)
        }
        _ => None,
    }
}

/// SQLite's path from `sqlite://PATH` (also accepts `sqlite:PATH`).
fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// Opens one connection of the backend named by the URL's scheme (MultiConnection's own
/// `establish` tries every backend and hides their errors).
pub fn establish(url: &str) -> Result<DbConnection, DbError> {
    match Backend::of_url(url).ok_or(DbError::UnknownScheme)? {
        Backend::Sqlite => Ok(DbConnection::Sqlite(SqliteConnection::establish(
            sqlite_path(url),
        )?)),
        Backend::Postgres => Ok(DbConnection::Pg(PgConnection::establish(url)?)),
    }
}

/// r2d2 manager that picks the backend by scheme.
pub struct Manager {
    url: String,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match establish(&self.url) {
            Ok(c) => Ok(c),
            Err(DbError::Connect(e)) => Err(r2d2::Error::ConnectionError(e)),
            Err(e) => Err(r2d2::Error::ConnectionError(
                diesel::ConnectionError::BadConnection(e.to_string()),
            )),
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        use diesel::connection::TransactionManagerStatus;
        let watched_broken = conn
            .instrumentation()
            .downcast_ref::<ConnectionWatch>()
            .is_some_and(|w| w.broken);
        watched_broken
            || match <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(
                conn,
            ) {
                TransactionManagerStatus::Valid(s) => s.transaction_depth().is_some(),
                TransactionManagerStatus::InError => true,
            }
    }
}

#[derive(Debug)]
struct Customizer {
    counter: QueryCounter,
}

impl CustomizeConnection<DbConnection, r2d2::Error> for Customizer {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        if let DbConnection::Sqlite(c) = conn {
            // WAL is set once before the pool exists; these are per connection.
            c.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
            )
            .map_err(r2d2::Error::QueryError)?;
        }
        conn.set_instrumentation(ConnectionWatch {
            counter: self.counter.clone(),
            broken: false,
        });
        Ok(())
    }
}

impl std::fmt::Debug for QueryCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QueryCounter({})", self.get())
    }
}

/// How many connections a pool keeps (`KONGRESS_POOL_SIZE`, `KONGRESS_POOL_MIN_IDLE`).
#[derive(Debug, Clone, Copy)]
pub struct PoolSizing {
    /// At most this many connections at once.
    pub max_size: u32,
    /// Idle connections kept open; more are opened on demand and closed after ten idle minutes.
    pub min_idle: u32,
}

/// How long a request waits for a connection of a busy pool before it is answered with 503
/// (a burst of a few hundred writes on SQLite queues for seconds).
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(15);

/// How long a request waits when the pool has no open connection at all: connecting failed or
/// every connection died, so the database is down and waiting longer only leaves the request
/// hanging. Connecting to a database that is up takes milliseconds.
pub const OUTAGE_TIMEOUT: Duration = Duration::from_secs(2);

/// Takes a connection from the pool for a request: waits up to [`CONNECTION_TIMEOUT`] while
/// the pool is merely busy, but only [`OUTAGE_TIMEOUT`] while no connection is open (pool
/// connections that died are dropped on their first failed query, see `has_broken`).
pub fn checkout(pool: &DbPool) -> Result<PooledConn, r2d2::PoolError> {
    let timeout = if pool.state().connections == 0 {
        OUTAGE_TIMEOUT
    } else {
        CONNECTION_TIMEOUT
    };
    pool.get_timeout(timeout)
}

/// Builds the pool: WAL for SQLite first (on one connection, before the pool opens several).
pub fn build_pool(url: &str, sizing: PoolSizing) -> Result<(DbPool, QueryCounter), DbError> {
    let backend = Backend::of_url(url).ok_or(DbError::UnknownScheme)?;
    if backend == Backend::Sqlite {
        let mut c = establish(url)?;
        c.batch_execute("PRAGMA journal_mode = WAL;")?;
    }
    let counter = QueryCounter::default();
    let pool = r2d2::Pool::builder()
        .max_size(sizing.max_size)
        .min_idle(Some(sizing.min_idle.min(sizing.max_size)))
        .connection_timeout(CONNECTION_TIMEOUT)
        // A broken connection shows itself on use and is dropped then (`has_broken`: a closed
        // server connection, a read-only SQLite file); a `SELECT 1` before every checkout would
        // double the queries of a cached page.
        .test_on_check_out(false)
        .connection_customizer(Box::new(Customizer {
            counter: counter.clone(),
        }))
        .build(Manager {
            url: url.to_string(),
        })
        .map_err(DbError::Pool)?;
    Ok((pool, counter))
}

/// Runs pending migrations of the connection's backend. Several instances may start at once on
/// PostgreSQL: an advisory lock makes them take turns.
pub fn run_migrations(conn: &mut DbConnection) -> Result<usize, DbError> {
    match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.len())
            .map_err(|e| DbError::Migration(e.to_string())),
        DbConnection::Pg(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7242031)")?;
            let result = c
                .run_pending_migrations(PG_MIGRATIONS)
                .map(|v| v.len())
                .map_err(|e| DbError::Migration(e.to_string()));
            c.batch_execute("SELECT pg_advisory_unlock(7242031)")?;
            result
        }
    }
}

/// A read transaction (or a write that needs no up-front lock).
pub fn transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.transaction(f)
}

/// A read-then-write transaction. On SQLite it begins IMMEDIATE, so the write lock is taken
/// (waiting on `busy_timeout`) before the first read; a deferred transaction that reads and
/// then writes fails at once with SQLITE_BUSY when another writer got in between.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Pg(_) => {
            <DbConnection as Connection>::TransactionManager::begin_transaction(conn)?
        }
    }
    match f(conn) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            // The caller's error is the one worth reporting; a failed rollback marks the
            // connection broken and the pool discards it.
            let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
            Err(e)
        }
    }
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Sqlite(_) => Backend::Sqlite,
            DbConnection::Pg(_) => Backend::Postgres,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_only_connection_is_replaced_by_the_pool() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let sizing = PoolSizing {
            max_size: 1,
            min_idle: 0,
        };
        let (pool, _) = build_pool(&url, sizing).unwrap();
        {
            let mut conn = pool.get().unwrap();
            conn.batch_execute("CREATE TABLE t (a INTEGER)").unwrap();
            // What a connection opened on a read-only file does to every write.
            conn.batch_execute("PRAGMA query_only = ON").unwrap();
            let e = conn.batch_execute("INSERT INTO t VALUES (1)").unwrap_err();
            assert_eq!(outage_of(&e), Some(Outage::ReadOnly), "{e}");
        }
        let mut conn = pool.get().unwrap();
        conn.batch_execute("INSERT INTO t VALUES (1)")
            .expect("the pool opened a fresh connection");
    }
}
