//! PostgreSQL storage and budget ledger, shared by every process of a deployment.
//!
//! `DATABASE_URL` as in the original app (`postgresql://user:pass@host:5432/db`; libpq-style
//! `?options[search_path]=…` selects a schema). The pool follows the original's asyncpg
//! settings, each configurable: 5..20 connections (`SPLANTS_DB_MIN/MAX_CONNECTIONS`), 30 s to
//! get a connection (`SPLANTS_DB_ACQUIRE_TIMEOUT_SECS`), 60 s per statement
//! (`SPLANTS_DB_STATEMENT_TIMEOUT_SECS`), idle connections closed after 300 s
//! (`SPLANTS_DB_IDLE_TIMEOUT_SECS`). A storage call whose network goes silent fails with a
//! `storage_error` after the acquire plus the statement timeout, client side. Migrations run at connect under sqlx's advisory lock, so
//! processes starting together apply them once.

use super::sql::{Sql, SqlBackend, SqlStore, bind_args, db_error, row_accessors};
use super::{PoolConfig, Stores};
use crate::content::GeneratedContent;
use crate::error::{Error, Result, redact};
use async_trait::async_trait;
use futures::future::BoxFuture;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions, PgRow, Postgres};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Pool, Transaction};
use std::str::FromStr;
use std::sync::Arc;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Content library, usage, API keys, analytics and the budget ledger in PostgreSQL: every
/// store of [`PostgresStorage::stores`] is this one database.
///
/// ```no_run
/// # async fn demo() -> splants::Result<()> {
/// use splants::storage::PoolConfig;
/// use splants::storage::PostgresStorage;
/// let store = PostgresStorage::connect("postgres://app@127.0.0.1:5432/splants", &PoolConfig::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct PostgresStorage {
    store: Arc<SqlStore<Postgres>>,
    target: String,
}

#[async_trait]
impl SqlBackend for Postgres {
    const BACKEND: &'static str = "postgres";
    const FOR_UPDATE_SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";

    fn day_of(c: &str) -> String {
        format!("CAST(FLOOR(EXTRACT(EPOCH FROM {c}) / 86400) AS BIGINT)")
    }

    fn hour_of(c: &str) -> String {
        format!("CAST(EXTRACT(HOUR FROM {c} AT TIME ZONE 'UTC') AS BIGINT)")
    }

    type Conn = PgConnection;
    type Row = PgRow;
    type Pools = Pool<Postgres>;
    type Tx = Transaction<'static, Postgres>;
    type Lease = PoolConnection<Postgres>;

    async fn begin(pool: &Pool<Postgres>) -> sqlx::Result<Transaction<'static, Postgres>> {
        pool.begin().await
    }

    async fn commit(tx: Transaction<'static, Postgres>) -> sqlx::Result<()> {
        tx.commit().await
    }

    async fn reader(pool: &Pool<Postgres>) -> sqlx::Result<PoolConnection<Postgres>> {
        pool.acquire().await
    }

    type Writer = PoolConnection<Postgres>;

    async fn writer(pool: &Pool<Postgres>) -> sqlx::Result<PoolConnection<Postgres>> {
        pool.acquire().await
    }

    async fn finish_write(_writer: PoolConnection<Postgres>) -> sqlx::Result<()> {
        // Each statement committed as it ran (autocommit).
        Ok(())
    }

    async fn close(pool: &Pool<Postgres>) {
        pool.close().await;
    }

    async fn execute(conn: &mut PgConnection, sql: Sql) -> sqlx::Result<u64> {
        let q = bind_args!(sqlx::query(AssertSqlSafe(sql.text)), sql.args);
        Ok(q.execute(conn).await?.rows_affected())
    }

    async fn fetch(conn: &mut PgConnection, sql: Sql) -> sqlx::Result<Vec<PgRow>> {
        bind_args!(sqlx::query(AssertSqlSafe(sql.text)), sql.args).fetch_all(conn).await
    }

    row_accessors!(PgRow);
}

impl PostgresStorage {
    /// Connects to a `postgres://` or `postgresql://` URL, applies the embedded migrations and
    /// opens the pool. An unreachable server fails within `db_acquire_timeout` with a
    /// `storage_error` naming host, port and database (never the password).
    pub async fn connect(url: &str, limits: &PoolConfig) -> Result<Self> {
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| Error::config("DATABASE_URL", redact(&format!("`{url}` is not a PostgreSQL URL: {e}"))))?;
        Self::connect_with(opts, limits).await
    }

    async fn connect_with(opts: PgConnectOptions, limits: &PoolConfig) -> Result<Self> {
        let timeout = limits.statement_timeout.as_millis();
        let opts = opts.options([("statement_timeout", format!("{timeout}ms"))]).disable_statement_logging();
        let target = format!("{}:{}/{}", opts.get_host(), opts.get_port(), opts.get_database().unwrap_or("postgres"));
        let fail = |doing: &str, e: sqlx::Error| db_error(&format!("{doing} PostgreSQL at {target}"), e);
        // One direct connection first: a refused or unknown server fails fast with its own
        // error (the pool would retry until its timeout and report only that).
        let mut conn = match tokio::time::timeout(limits.acquire_timeout, PgConnection::connect_with(&opts)).await {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return Err(fail("cannot connect to", e)),
            Err(_) => {
                return Err(Error::storage(format!(
                    "cannot connect to PostgreSQL at {target}: no answer within {} s (SPLANTS_DB_ACQUIRE_TIMEOUT_SECS)",
                    limits.acquire_timeout.as_secs_f64()
                )));
            }
        };
        let migrated = migrate(&mut conn).await;
        let _ = conn.close().await;
        migrated.map_err(|e| Error::storage(format!("migrating PostgreSQL at {target}: {e}")).with_source(e))?;
        let pool = PgPoolOptions::new()
            .min_connections(limits.min_connections.min(limits.max_connections))
            .max_connections(limits.max_connections.max(1))
            .acquire_timeout(limits.acquire_timeout)
            .idle_timeout(idle(limits.idle_timeout))
            .test_before_acquire(false)
            .connect_with(opts)
            .await
            .map_err(|e| fail("cannot open a pool to", e))?;
        let store = Arc::new(SqlStore::new(pool).with_deadline(call_deadline(limits)));
        Ok(PostgresStorage { store, target })
    }

    /// Every store, each backed by this database (they share its pool and call deadline).
    pub fn stores(&self) -> Stores {
        Stores::all_in(Arc::clone(&self.store))
    }

    /// `host:port/database` of the server (no credentials).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Stores many pieces in one transaction, all or none (imports, benchmarks).
    pub async fn save_content_batch(&self, items: &[GeneratedContent]) -> Result<()> {
        self.store.save_contents(items).await
    }

    /// Closes the pool (waiting for connections in use); later calls fail with `storage_error`.
    pub async fn close(&self) {
        self.store.close().await;
    }
}

/// The longest a storage call waits, client side: a connection (`db_acquire_timeout`) plus
/// one statement (`db_statement_timeout`); `None` when statements have no limit (0). The
/// server ends a slow statement itself; this ends a call whose network went silent.
fn call_deadline(limits: &PoolConfig) -> Option<std::time::Duration> {
    (!limits.statement_timeout.is_zero()).then(|| limits.acquire_timeout + limits.statement_timeout)
}

/// Applies the migrations under sqlx's advisory lock (boxed: the future must be `Send` for any
/// caller, which sqlx's higher-ranked `Acquire` bound does not let the compiler prove).
fn migrate(conn: &mut PgConnection) -> BoxFuture<'_, std::result::Result<(), sqlx::migrate::MigrateError>> {
    // `run_direct` is what `run` calls after acquiring; sqlx keeps it public for this case.
    Box::pin(MIGRATOR.run_direct(None, conn, false))
}

/// A pool idle timeout: `None` for zero (never close idle connections).
fn idle(d: std::time::Duration) -> Option<std::time::Duration> {
    (!d.is_zero()).then_some(d)
}
