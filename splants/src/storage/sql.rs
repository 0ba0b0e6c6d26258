//! What the SQLite and Postgres backends share: the SQL, the bind values, row decoding, the
//! aggregates and the budget ledger, written once against [`SqlBackend`].
//!
//! The SQL text is common to both databases (`$N` placeholders work in SQLite through sqlx);
//! where the dialects differ (row locks, date arithmetic, how a write transaction begins) the
//! backend says so through [`SqlBackend`]. [`SqlStore`] implements every store trait once, for
//! both databases, one file per concern (`content`, `usage`, `keys`, `events`, `ledger`); each
//! call runs within the store's client-side deadline ([`SqlStore::bounded`]). The backend types
//! (`SqliteStorage`, `PostgresStorage`) open a `SqlStore` and hand it out as every store of a
//! `Stores`.

mod content;
mod events;
mod keys;
mod ledger;
mod rows;
mod schedule;
#[cfg(feature = "postgres")]
mod time;
mod usage;

#[cfg(feature = "postgres")]
pub(crate) use time::DbTime;

use super::Backend;
use crate::analytics::StatsQuery;
use crate::error::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use std::borrow::Cow;

/// One bind value, independent of the database it is sent to.
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    /// Text.
    Text(String),
    /// Nullable text.
    OptText(Option<String>),
    /// A 64-bit integer (money in nano-dollars, counts, tokens).
    Int(i64),
    /// A nullable 64-bit integer.
    OptInt(Option<i64>),
    /// A float (scores).
    Real(f64),
    /// A boolean.
    Bool(bool),
    /// A UTC time (microsecond precision once stored).
    Time(DateTime<Utc>),
    /// A nullable UTC time.
    OptTime(Option<DateTime<Utc>>),
    /// A JSON document, already written out (a value is serialised once, straight to text,
    /// not through a `serde_json::Value` tree).
    Json(Box<serde_json::value::RawValue>),
    /// A nullable JSON document.
    OptJson(Option<Box<serde_json::value::RawValue>>),
}

/// A statement and its bind values, numbered `$1..` in the order they were bound.
#[derive(Clone, Debug)]
pub(crate) struct Sql {
    pub(crate) text: Cow<'static, str>,
    pub(crate) args: Vec<Arg>,
}

impl Sql {
    /// A fixed statement; bind its `$N` placeholders with [`Sql::arg`].
    pub(crate) fn new(text: &'static str) -> Self {
        Sql { text: Cow::Borrowed(text), args: Vec::new() }
    }

    /// A statement assembled at run time (from fixed pieces and placeholders only).
    pub(crate) fn dynamic(text: String) -> Self {
        Sql { text: Cow::Owned(text), args: Vec::new() }
    }

    /// Binds the next placeholder.
    pub(crate) fn arg(mut self, a: Arg) -> Self {
        self.args.push(a);
        self
    }

    /// Appends text to a dynamic statement.
    pub(crate) fn push(&mut self, s: &str) {
        self.text.to_mut().push_str(s);
    }

    /// Appends `text` and a placeholder for `a`.
    pub(crate) fn clause(&mut self, text: &str, a: Arg) {
        self.push(text);
        self.push_arg(a);
    }

    /// Appends a placeholder for `a` (`$N`).
    pub(crate) fn push_arg(&mut self, a: Arg) {
        self.args.push(a);
        let n = self.args.len();
        self.text.to_mut().push_str(&format!("${n}"));
    }
}

/// What the SQL layer needs from a database: its connections, how a write transaction begins
/// and ends, how a statement runs, and how a row is read. Postgres is sqlx's; SQLite is
/// rusqlite's, run inline (see [`super::sqlite`]).
#[async_trait]
pub(crate) trait SqlBackend: Send + Sync + Sized + 'static {
    /// The backend name health checks report (`sqlite`, `postgres`).
    const BACKEND: &'static str;

    /// Appended to a `SELECT` that must lock its rows until the transaction ends, skipping rows
    /// another transaction holds ("" where a write transaction is exclusive anyway, as SQLite's
    /// `BEGIN IMMEDIATE`).
    const FOR_UPDATE_SKIP_LOCKED: &'static str;

    /// A connection statements run on.
    type Conn: Send;
    /// A row read back.
    type Row: Send + Sync;
    /// The connections of one database (cheap to clone).
    type Pools: Clone + Send + Sync + std::fmt::Debug;
    /// A write transaction on a connection; dropped without [`SqlBackend::commit`] it rolls back.
    type Tx: std::ops::DerefMut<Target = Self::Conn> + Send;
    /// A connection checked out of the pools until dropped.
    type Lease: std::ops::DerefMut<Target = Self::Conn> + Send;
    /// A connection for autocommit writes, ended by [`SqlBackend::finish_write`] (dropped
    /// without it, what it wrote may be undone).
    type Writer: std::ops::DerefMut<Target = Self::Conn> + Send;

    /// The file the data lives in, when it is one on this machine (SQLite).
    fn data_file(_pools: &Self::Pools) -> Option<&std::path::Path> {
        None
    }

    /// An expression for the UTC day (days since 1970-01-01) of a time column.
    fn day_of(column: &str) -> String;
    /// An expression for the UTC hour (0..=23) of a time column.
    fn hour_of(column: &str) -> String;

    /// Begins a write transaction that queues behind other writers instead of failing.
    async fn begin(pools: &Self::Pools) -> sqlx::Result<Self::Tx>;
    /// Commits a write transaction.
    async fn commit(tx: Self::Tx) -> sqlx::Result<()>;
    /// A connection for reading.
    async fn reader(pools: &Self::Pools) -> sqlx::Result<Self::Lease>;
    /// A connection for autocommit write statements.
    async fn writer(pools: &Self::Pools) -> sqlx::Result<Self::Writer>;
    /// Ends the writes made on `writer`: they are durable when this returns.
    async fn finish_write(writer: Self::Writer) -> sqlx::Result<()>;
    /// Closes every connection (waits for those in use to come back).
    async fn close(pools: &Self::Pools);
    /// Runs a statement; returns the rows it changed.
    async fn execute(conn: &mut Self::Conn, sql: Sql) -> sqlx::Result<u64>;
    /// Runs a query; returns its rows.
    async fn fetch(conn: &mut Self::Conn, sql: Sql) -> sqlx::Result<Vec<Self::Row>>;

    /// A text column.
    fn text(row: &Self::Row, col: &str) -> sqlx::Result<String>;
    /// A nullable text column.
    fn opt_text(row: &Self::Row, col: &str) -> sqlx::Result<Option<String>>;
    /// An integer column.
    fn int(row: &Self::Row, col: &str) -> sqlx::Result<i64>;
    /// A nullable integer column.
    fn opt_int(row: &Self::Row, col: &str) -> sqlx::Result<Option<i64>>;
    /// A float column.
    fn real(row: &Self::Row, col: &str) -> sqlx::Result<f64>;
    /// A boolean column.
    fn boolean(row: &Self::Row, col: &str) -> sqlx::Result<bool>;
    /// A time column.
    fn time(row: &Self::Row, col: &str) -> sqlx::Result<DateTime<Utc>>;
    /// A nullable time column.
    fn opt_time(row: &Self::Row, col: &str) -> sqlx::Result<Option<DateTime<Utc>>>;
    /// A JSON column.
    fn json<T: DeserializeOwned>(row: &Self::Row, col: &str) -> sqlx::Result<T>;
    /// A nullable JSON column.
    fn opt_json<T: DeserializeOwned>(row: &Self::Row, col: &str) -> sqlx::Result<Option<T>>;
}

/// Binds [`Arg`]s to a sqlx query of any backend whose types cover them.
#[cfg(feature = "postgres")]
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                $crate::storage::sql::Arg::Text(v) => q.bind(v),
                $crate::storage::sql::Arg::OptText(v) => q.bind(v),
                $crate::storage::sql::Arg::Int(v) => q.bind(v),
                $crate::storage::sql::Arg::OptInt(v) => q.bind(v),
                $crate::storage::sql::Arg::Real(v) => q.bind(v),
                $crate::storage::sql::Arg::Bool(v) => q.bind(v),
                $crate::storage::sql::Arg::Time(v) => q.bind($crate::storage::sql::DbTime(v)),
                $crate::storage::sql::Arg::OptTime(v) => q.bind(v.map($crate::storage::sql::DbTime)),
                $crate::storage::sql::Arg::Json(v) => q.bind(sqlx::types::Json(v)),
                $crate::storage::sql::Arg::OptJson(v) => q.bind(v.map(sqlx::types::Json)),
            };
        }
        q
    }};
}
#[cfg(feature = "postgres")]
pub(crate) use bind_args;

/// Implements the row accessors of [`SqlBackend`] with sqlx's `Row::try_get`.
#[cfg(feature = "postgres")]
macro_rules! row_accessors {
    ($row:ty) => {
        fn text(row: &$row, col: &str) -> sqlx::Result<String> {
            sqlx::Row::try_get(row, col)
        }
        fn opt_text(row: &$row, col: &str) -> sqlx::Result<Option<String>> {
            sqlx::Row::try_get(row, col)
        }
        fn int(row: &$row, col: &str) -> sqlx::Result<i64> {
            sqlx::Row::try_get(row, col)
        }
        fn opt_int(row: &$row, col: &str) -> sqlx::Result<Option<i64>> {
            sqlx::Row::try_get(row, col)
        }
        fn real(row: &$row, col: &str) -> sqlx::Result<f64> {
            sqlx::Row::try_get(row, col)
        }
        fn boolean(row: &$row, col: &str) -> sqlx::Result<bool> {
            sqlx::Row::try_get(row, col)
        }
        fn time(row: &$row, col: &str) -> sqlx::Result<chrono::DateTime<chrono::Utc>> {
            sqlx::Row::try_get::<$crate::storage::sql::DbTime, _>(row, col).map(|t| t.0)
        }
        fn opt_time(row: &$row, col: &str) -> sqlx::Result<Option<chrono::DateTime<chrono::Utc>>> {
            sqlx::Row::try_get::<Option<$crate::storage::sql::DbTime>, _>(row, col).map(|t| t.map(|t| t.0))
        }
        fn json<T: serde::de::DeserializeOwned>(row: &$row, col: &str) -> sqlx::Result<T> {
            sqlx::Row::try_get::<sqlx::types::Json<T>, _>(row, col).map(|j| j.0)
        }
        fn opt_json<T: serde::de::DeserializeOwned>(row: &$row, col: &str) -> sqlx::Result<Option<T>> {
            sqlx::Row::try_get::<Option<sqlx::types::Json<T>>, _>(row, col).map(|j| j.map(|j| j.0))
        }
    };
}
#[cfg(feature = "postgres")]
pub(crate) use row_accessors;

/// Turns a sqlx error into a storage error saying what was being done; the sqlx error is its
/// source.
pub(crate) fn db_error(doing: &str, e: sqlx::Error) -> Error {
    Error::storage(format!("{doing}: {}", crate::error::sqlx_reason(&e))).with_source(e)
}

/// Whether `e` is a unique-constraint violation.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

/// Reading a column failed: the row does not look like what this version wrote.
pub(crate) fn col<T>(r: sqlx::Result<T>) -> Result<T> {
    r.map_err(|e| Error::storage(format!("unreadable row: {e}")).with_source(e))
}

/// A value that does not fit the column type: a storage error naming the field.
pub(crate) fn to_i64(field: &str, v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| Error::storage(format!("`{field}` = {v} does not fit a 64-bit column")))
}

/// A stored count read back (never negative).
pub(crate) fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// `WHERE <time> >= $1 AND <time> < $2 [AND <owner> = $3]`.
pub(crate) fn range(sql: &mut Sql, time: &str, owner_col: &str, q: &StatsQuery) {
    sql.clause(&format!(" WHERE {time} >= "), Arg::Time(q.since));
    sql.clause(&format!(" AND {time} < "), Arg::Time(q.until));
    if let Some(o) = &q.owner {
        sql.clause(&format!(" AND {owner_col} = "), Arg::Text(o.clone()));
    }
}

/// A stored enum value read back; one this version does not know is a storage error.
pub(crate) fn parse<T: std::str::FromStr>(field: &str, s: &str) -> Result<T> {
    s.parse().map_err(|_| Error::storage(format!("stored `{field}` value `{s}` is not known to this version")))
}

/// The connections of one database and the operations both backends share.
pub(crate) struct SqlStore<DB: SqlBackend> {
    /// The connections (Postgres: one pool; SQLite: one writer and a few readers).
    pub(crate) pools: DB::Pools,
    /// When a reserve last looked for lapsed leases (shared by clones, like the pools).
    pub(crate) lease_probe: std::sync::Arc<LeaseProbe>,
    /// The longest a call waits for the database, client side (see [`SqlStore::bounded`]).
    pub(crate) deadline: Option<std::time::Duration>,
}

impl<DB: SqlBackend> Clone for SqlStore<DB> {
    fn clone(&self) -> Self {
        SqlStore { pools: self.pools.clone(), lease_probe: self.lease_probe.clone(), deadline: self.deadline }
    }
}

impl<DB: SqlBackend> std::fmt::Debug for SqlStore<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &DB::BACKEND)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

/// Spaces out the lapsed-lease probe that precedes a reserve to one per
/// [`LeaseProbe::EVERY_MICROS`]: under load it was one statement (and one connection checkout) of the
/// dozen a generation makes. A hold whose lease lapsed keeps counting as reserved until it is
/// reclaimed, so a later probe can only refuse a reserve, never let one overspend.
#[derive(Debug)]
pub(crate) struct LeaseProbe(std::sync::atomic::AtomicI64);

impl Default for LeaseProbe {
    fn default() -> Self {
        LeaseProbe(std::sync::atomic::AtomicI64::new(i64::MIN))
    }
}

impl LeaseProbe {
    /// The longest a lapsed lease waits for the next reserve to reclaim it.
    pub(crate) const EVERY_MICROS: i64 = 1_000_000;

    /// Whether a reserve at `now` should probe; a clock that went back always probes.
    pub(crate) fn due(&self, now: DateTime<Utc>) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let now = now.timestamp_micros();
        let last = self.0.load(Relaxed);
        if last != i64::MIN && now >= last && now - last < Self::EVERY_MICROS {
            return false;
        }
        self.0.store(now, Relaxed);
        true
    }
}

impl<DB: SqlBackend> SqlStore<DB> {
    /// A store over these connections.
    pub(crate) fn new(pools: DB::Pools) -> Self {
        SqlStore { pools, lease_probe: std::sync::Arc::default(), deadline: None }
    }

    /// Gives every [`SqlStore::bounded`] call `deadline` (`None`: no client-side limit).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn with_deadline(mut self, deadline: Option<std::time::Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Runs `call` within the store's deadline; past it, a `storage_error` naming `what`.
    /// The server's `statement_timeout` cannot end a statement the server never received or
    /// whose answer never arrives (a network that went silent): without this the call hangs.
    pub(crate) async fn bounded<T>(&self, what: &str, call: impl Future<Output = Result<T>>) -> Result<T> {
        let Some(limit) = self.deadline else { return call.await };
        tokio::time::timeout(limit, call).await.unwrap_or_else(|_| {
            Err(Error::storage(format!(
                "{what}: the database did not answer within {} s \
                 (SPLANTS_DB_ACQUIRE_TIMEOUT_SECS + SPLANTS_DB_STATEMENT_TIMEOUT_SECS); is the network to it up?",
                limit.as_secs_f64()
            )))
        })
    }

    /// A connection for reading.
    pub(crate) async fn reader(&self) -> Result<DB::Lease> {
        DB::reader(&self.pools).await.map_err(|e| db_error("getting a database connection", e))
    }

    /// A connection for autocommit write statements; end it with [`SqlStore::finish_write`].
    pub(crate) async fn writer(&self) -> Result<DB::Writer> {
        DB::writer(&self.pools).await.map_err(|e| db_error("getting a database connection", e))
    }

    /// Ends the writes of `writer` (SQLite: waits for their group commit).
    pub(crate) async fn finish_write(writer: DB::Writer) -> Result<()> {
        DB::finish_write(writer).await.map_err(|e| db_error("committing a write", e))
    }

    /// Runs one write statement on its own; the outer error is the connection's or the
    /// commit's, the inner one the statement's (for callers that tell constraint errors apart).
    pub(crate) async fn write_one(&self, sql: Sql) -> Result<sqlx::Result<u64>> {
        let mut w = self.writer().await?;
        let done = DB::execute(&mut w, sql).await;
        if done.is_ok() {
            Self::finish_write(w).await?;
        }
        Ok(done)
    }

    /// A write transaction; dropped without `commit` it rolls back.
    pub(crate) async fn begin(&self) -> Result<DB::Tx> {
        DB::begin(&self.pools).await.map_err(|e| db_error("beginning a transaction", e))
    }

    /// Commits `tx`.
    pub(crate) async fn commit(tx: DB::Tx) -> Result<()> {
        DB::commit(tx).await.map_err(|e| db_error("committing a transaction", e))
    }

    /// Closes every connection (waits for those in use to come back).
    pub(crate) async fn close(&self) {
        DB::close(&self.pools).await;
    }
}

#[async_trait]
impl<DB: SqlBackend> Backend for SqlStore<DB> {
    fn name(&self) -> &'static str {
        DB::BACKEND
    }

    fn data_file(&self) -> Option<std::path::PathBuf> {
        DB::data_file(&self.pools).map(std::path::Path::to_path_buf)
    }

    async fn ping(&self) -> Result<()> {
        self.bounded("ping", async {
            let mut c = self.reader().await?;
            DB::fetch(&mut c, Sql::new("SELECT 1")).await.map_err(|e| db_error("pinging the database", e))?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::LeaseProbe;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn lease_probe_runs_once_a_second_and_when_the_clock_goes_back() {
        let probe = LeaseProbe::default();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
        assert!(probe.due(t0), "the first reserve always probes");
        assert!(!probe.due(t0));
        assert!(!probe.due(t0 + Duration::microseconds(999_999)));
        assert!(probe.due(t0 + Duration::seconds(1)));
        assert!(!probe.due(t0 + Duration::milliseconds(1500)));
        assert!(probe.due(t0 - Duration::seconds(5)), "a clock that went back probes");
        assert!(!probe.due(t0 - Duration::seconds(5)));
    }
}
