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

struct CountingInstrumentation(QueryCounter);

impl Instrumentation for CountingInstrumentation {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            self.0 .0.fetch_add(1, Ordering::Relaxed);
        }
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
        match <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        {
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
        conn.set_instrumentation(CountingInstrumentation(self.counter.clone()));
        Ok(())
    }
}

impl std::fmt::Debug for QueryCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QueryCounter({})", self.get())
    }
}

/// Builds the pool: WAL for SQLite first (on one connection, before the pool opens several).
pub fn build_pool(url: &str, max_size: u32) -> Result<(DbPool, QueryCounter), DbError> {
    let backend = Backend::of_url(url).ok_or(DbError::UnknownScheme)?;
    if backend == Backend::Sqlite {
        let mut c = establish(url)?;
        c.batch_execute("PRAGMA journal_mode = WAL;")?;
    }
    let counter = QueryCounter::default();
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(15))
        // A broken connection shows itself on use and is dropped then (`has_broken`); a
        // `SELECT 1` before every checkout would double the queries of a cached page.
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
