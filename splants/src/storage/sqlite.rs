//! SQLite storage and budget ledger in one file: the embedded default (`sqlite://splants.db`).
//!
//! WAL journal (readers never block the writer), `synchronous=NORMAL`, foreign keys on, and a
//! busy timeout. Writes go through a pool of exactly one connection and every write
//! transaction starts with `BEGIN IMMEDIATE`, so writers — in this process or another one on
//! the same file — queue for the lock instead of failing with `SQLITE_BUSY`. Reads use their
//! own pool and see every committed write.

use super::sql::{Sql, SqlBackend, SqlStore, bind_args, db_error, idle, row_accessors};
use super::{PoolConfig, Stores};
use crate::content::GeneratedContent;
use crate::error::{Error, Result, redact};
use async_trait::async_trait;
use futures::future::BoxFuture;
use sqlx::sqlite::{
    Sqlite, SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Pool, Transaction};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Content library, usage, API keys, analytics and the budget ledger in a SQLite file: every
/// store of [`SqliteStorage::stores`] is this one database.
///
/// ```no_run
/// # async fn demo() -> splants::Result<()> {
/// use splants::storage::PoolConfig;
/// use splants::storage::SqliteStorage;
/// let sqlite = SqliteStorage::connect("sqlite://splants.db", &PoolConfig::default()).await?;
/// let engine = splants::ContentEngine::builder().stores(sqlite.stores()).build().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct SqliteStorage {
    store: Arc<SqlStore<Sqlite>>,
    path: PathBuf,
}

#[async_trait]
impl SqlBackend for Sqlite {
    const BACKEND: &'static str = "sqlite";
    const FOR_UPDATE_SKIP_LOCKED: &'static str = "";

    fn day_of(c: &str) -> String {
        // Floor division: times before 1970 fall on the right day too.
        format!("({c} / 86400000000 - ({c} % 86400000000 < 0))")
    }

    fn hour_of(c: &str) -> String {
        format!("((({c} % 86400000000) + 86400000000) % 86400000000 / 3600000000)")
    }

    async fn begin_write(pool: &Pool<Sqlite>) -> sqlx::Result<Transaction<'static, Sqlite>> {
        pool.begin_with("BEGIN IMMEDIATE").await
    }

    async fn execute(conn: &mut SqliteConnection, sql: Sql) -> sqlx::Result<u64> {
        let q = bind_args!(sqlx::query(AssertSqlSafe(sql.text)), sql.args);
        Ok(q.execute(conn).await?.rows_affected())
    }

    async fn fetch(conn: &mut SqliteConnection, sql: Sql) -> sqlx::Result<Vec<SqliteRow>> {
        bind_args!(sqlx::query(AssertSqlSafe(sql.text)), sql.args).fetch_all(conn).await
    }

    row_accessors!(SqliteRow);
}

/// SQLite answered "busy"/"locked" (another process holds the lock it needs right now).
fn is_busy(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .and_then(|c| c.parse::<i64>().ok())
        .is_some_and(|c| matches!(c & 0xff, 5 | 6))
}

/// Why opening failed, and whether trying again may help.
struct OpenError {
    error: sqlx::Error,
    doing: &'static str,
}

impl SqliteStorage {
    /// Opens (creating if missing) the database at a `sqlite://path` URL and applies the
    /// embedded migrations. Processes starting at once on one file apply them exactly once.
    pub async fn connect(url: &str, limits: &PoolConfig) -> Result<Self> {
        let base = SqliteConnectOptions::from_str(url)
            .map_err(|e| Error::config("DATABASE_URL", format!("`{}` is not a SQLite URL: {e}", redact(url))))?;
        let path = base.get_filename().to_path_buf();
        if url.contains(":memory:") || url.contains("mode=memory") {
            return Err(Error::config(
                "DATABASE_URL",
                "an in-memory SQLite database is not shared by the read and write pools; use `memory://`",
            ));
        }
        let opts = base
            .create_if_missing(true)
            .foreign_keys(true)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(limits.acquire_timeout);
        let deadline = Instant::now() + limits.acquire_timeout;
        let mut wait = Duration::from_millis(10);
        let write = loop {
            match Self::open_writer(&opts, limits).await {
                Ok(pool) => break pool,
                // Switching a new file to WAL takes a lock no busy timeout waits for.
                Err(e) if is_busy(&e.error) && Instant::now() + wait < deadline => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_millis(200));
                }
                Err(e) => {
                    return Err(db_error(&format!("{} SQLite database `{}`", e.doing, path.display()), e.error));
                }
            }
        };
        let read = SqlitePoolOptions::new()
            .max_connections(limits.max_connections.max(1))
            .min_connections(0)
            .acquire_timeout(limits.acquire_timeout)
            .idle_timeout(idle(limits.idle_timeout))
            .test_before_acquire(false)
            .connect_with(opts)
            .await
            .map_err(|e| db_error(&format!("opening SQLite database `{}`", path.display()), e))?;
        Ok(SqliteStorage { store: Arc::new(SqlStore::new(read, write)), path })
    }

    async fn open_writer(
        opts: &SqliteConnectOptions,
        limits: &PoolConfig,
    ) -> std::result::Result<Pool<Sqlite>, OpenError> {
        let opening = |error| OpenError { error, doing: "opening" };
        let migrating = |error| OpenError { error, doing: "migrating" };
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(limits.acquire_timeout)
            .idle_timeout(None)
            .max_lifetime(None)
            .test_before_acquire(false)
            .connect_with(opts.clone().journal_mode(SqliteJournalMode::Wal))
            .await
            .map_err(opening)?;
        // Under the write lock, so a second process waits and then finds the work done.
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(migrating)?;
        migrate(&mut tx).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(inner) => migrating(inner),
            other => migrating(sqlx::Error::Migrate(Box::new(other))),
        })?;
        tx.commit().await.map_err(migrating)?;
        Ok(pool)
    }

    /// Every store, each backed by this database (they share its pools).
    pub fn stores(&self) -> Stores {
        Stores::all_in(Arc::clone(&self.store))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores many pieces in one transaction, all or none (imports, benchmarks).
    pub async fn save_content_batch(&self, items: &[GeneratedContent]) -> Result<()> {
        self.store.save_contents(items).await
    }

    /// Closes both pools (waiting for connections in use); later calls fail with
    /// `storage_error`.
    pub async fn close(&self) {
        self.store.close().await;
    }
}

/// Applies the migrations (boxed: the future must be `Send` for any caller, which sqlx's
/// higher-ranked `Acquire` bound does not let the compiler prove through `async fn`s).
fn migrate(conn: &mut SqliteConnection) -> BoxFuture<'_, std::result::Result<(), sqlx::migrate::MigrateError>> {
    // `run_direct` is what `run` calls after acquiring; sqlx keeps it public for this case.
    Box::pin(MIGRATOR.run_direct(None, conn, false))
}
