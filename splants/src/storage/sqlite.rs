//! SQLite storage and budget ledger in one file: the embedded default (`sqlite://splants.db`).
//!
//! WAL journal (readers never block the writer), `synchronous=NORMAL`, foreign keys on.
//! Statements run through rusqlite, inline on the calling task: a SQLite statement takes
//! microseconds, and handing each one to a connection thread and back (as sqlx does) cost
//! more than the statement itself — about 1.5 ms of CPU per generated piece under load, for
//! eleven statements. One connection writes (a single writer, behind an async mutex, so
//! writers in this process queue without holding a thread); a few read (`SPLANTS_DB_MAX_CONNECTIONS`,
//! at most 4). Every write transaction starts with `BEGIN IMMEDIATE`; when another process
//! holds the write lock, the call waits for it asynchronously (retrying with a growing pause)
//! rather than blocking a thread, for up to `SPLANTS_DB_ACQUIRE_TIMEOUT_SECS`. Migrations run
//! once at open, through sqlx's migrator, under the write lock.
//!
//! Writers that come together share one transaction (a group commit): each is a savepoint
//! in the transaction open on the writer, and the member that ends its turn when no other
//! writer is on its way commits the group and tells the others, who are answered only after
//! the `COMMIT`. A write on its own commits at once; the writes of one `join!` inside
//! [`writes_together`](super::writes_together) (a generation's settle, usage record and piece)
//! wait for each other and commit as one: the first lends the writer, group open, while it
//! yields, so the others take it without queueing, and it commits the group when it is back.
//!
//! A transaction dropped before it commits (its caller went away) is rolled back to its
//! savepoint when its connection is given back, so a cancelled call never leaves a
//! half-written change, and the group it was in is still committed or carried on.

use super::sql::{Arg, Sql, SqlBackend, SqlStore, db_error};
use super::{PoolConfig, Stores};
use crate::content::GeneratedContent;
use crate::error::{Error, Result, redact};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use rusqlite::types::Value;
use serde::de::DeserializeOwned;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, OwnedMutexGuard};

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
    store: Arc<SqlStore<Lite>>,
    path: PathBuf,
}

/// The SQLite backend of [`SqlStore`]: rusqlite connections, statements run inline.
#[derive(Debug, Clone)]
pub(crate) struct Lite;

/// One rusqlite connection and how long a statement may wait for another process's lock.
pub(crate) struct LiteConn {
    conn: rusqlite::Connection,
    wait: Duration,
    /// The writer only: the group transaction open on it.
    group: Option<Group>,
}

/// How a group commit ended: `None` until it has; then `Ok`, or SQLite's error.
type GroupOutcome = Option<std::result::Result<(), LiteError>>;

/// The group transaction open on the writer: who is told how it ended, and how many members
/// it has.
struct Group {
    done: tokio::sync::watch::Sender<GroupOutcome>,
    members: usize,
    /// Whether a member already gave writers on their way one chance to join.
    waited: bool,
}

/// The most members one group commit takes: under a steady queue of writers the group
/// commits at this size rather than keep its first members waiting.
const GROUP_MAX: usize = 64;

impl std::fmt::Debug for LiteConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiteConn").finish_non_exhaustive()
    }
}

/// The writer and the readers of one database file.
#[derive(Debug)]
pub(crate) struct LitePools {
    writer: Arc<Mutex<LiteConn>>,
    readers: Vec<Arc<Mutex<LiteConn>>>,
    next_reader: AtomicUsize,
    closed: AtomicBool,
    acquire_timeout: Duration,
    /// Writers on their way to the writer connection (counted before they queue for it): a
    /// member that ends its turn while one is coming leaves the group open for it.
    coming: AtomicUsize,
    /// The database file.
    path: std::path::PathBuf,
}

/// A connection checked out of [`LitePools`].
pub(crate) type Lease = OwnedMutexGuard<LiteConn>;

/// The writer, held by a member of the group open on it (or by a writer about to open one).
/// However it is given up — committed, refused, dropped by a caller that went away — the
/// group either commits there and then or is left to a writer that is coming to join it; it
/// is never left open with nobody to end it.
struct Turn {
    lease: Option<Lease>,
    pools: Arc<LitePools>,
}

impl Turn {
    /// Gives the writer up: commits the group now when no writer is coming to join it (or it
    /// is full), and returns how that ended; otherwise leaves it to the next writer (`None`).
    fn end(&mut self) -> GroupOutcome {
        let mut lease = self.lease.take()?;
        let group = lease.group.as_ref()?;
        if group.members >= GROUP_MAX || self.pools.coming.load(Ordering::SeqCst) == 0 {
            return Some(commit_group(&mut lease));
        }
        drop(lease);
        // The writer it was left to may have given up between the count and the hand-off,
        // finding the writer still held: then nobody is coming, and the group is ended here.
        // (It counts itself out before it looks, and this looks after letting go, so one of
        // the two sees the other.)
        std::sync::atomic::fence(Ordering::SeqCst);
        if self.pools.coming.load(Ordering::SeqCst) == 0
            && let Ok(mut lease) = Arc::clone(&self.pools.writer).try_lock_owned()
            && lease.group.is_some()
        {
            return Some(commit_group(&mut lease));
        }
        None
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.end();
    }
}

/// Commits the group transaction open on `w` and tells its members how that ended.
fn commit_group(w: &mut LiteConn) -> std::result::Result<(), LiteError> {
    let outcome = match w.control("COMMIT") {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = w.conn.execute_batch("ROLLBACK");
            Err(LiteError::of(&e))
        }
    };
    if let Some(group) = w.group.take() {
        let _ = group.done.send(Some(outcome.clone()));
    }
    outcome
}

/// A writer counted in [`LitePools::coming`] until it holds the writer connection. One that
/// gives up before (its caller went away, the pool closed, the wait timed out) may have been
/// the writer a group was left to: it ends that group if nobody else will.
struct Coming {
    pools: Arc<LitePools>,
    arrived: bool,
}

impl Coming {
    fn new(pools: &Arc<LitePools>) -> Self {
        pools.coming.fetch_add(1, Ordering::SeqCst);
        Coming { pools: Arc::clone(pools), arrived: false }
    }

    /// Waits for the writer. Dropped while waiting, the wait for the lock (and any turn it was
    /// handed) is given back before this drops, so the writer is free when `drop` looks.
    async fn wait(mut self) -> sqlx::Result<Turn> {
        let lease = self.pools.checkout(&self.pools.writer).await?;
        self.pools.coming.fetch_sub(1, Ordering::SeqCst);
        self.arrived = true;
        Ok(Turn { lease: Some(lease), pools: Arc::clone(&self.pools) })
    }
}

impl Drop for Coming {
    fn drop(&mut self) {
        if self.arrived {
            return;
        }
        self.pools.coming.fetch_sub(1, Ordering::SeqCst);
        std::sync::atomic::fence(Ordering::SeqCst);
        // Free now means a group left to this writer has nobody holding it.
        if let Ok(lease) = Arc::clone(&self.pools.writer).try_lock_owned() {
            drop(Turn { lease: Some(lease), pools: Arc::clone(&self.pools) });
        }
    }
}

/// One member of a group commit: a savepoint in the group transaction open on the writer,
/// holding the writer until it is released. Dropped before [`SqlBackend::commit`], its writes
/// are rolled back (to the savepoint) and the rest of the group goes on.
pub(crate) struct LiteTx {
    turn: Turn,
    done: tokio::sync::watch::Receiver<GroupOutcome>,
    /// Its savepoint released: its writes are the group's now.
    released: bool,
}

impl std::ops::Deref for LiteTx {
    type Target = LiteConn;
    fn deref(&self) -> &LiteConn {
        self.turn.lease.as_deref().unwrap_or_else(|| unreachable!("a member holds the writer until it ends"))
    }
}

impl std::ops::DerefMut for LiteTx {
    fn deref_mut(&mut self) -> &mut LiteConn {
        self.turn.lease.as_deref_mut().unwrap_or_else(|| unreachable!("a member holds the writer until it ends"))
    }
}

impl Drop for LiteTx {
    fn drop(&mut self) {
        if let Some(c) = self.turn.lease.as_ref().filter(|_| !self.released) {
            // Not committed (an error, or the caller went away): undo this member only; the
            // turn's own drop then ends the group or leaves it to the next writer.
            if let Err(e) = c.conn.execute_batch("ROLLBACK TO member; RELEASE member") {
                tracing::warn!(error = %e, "rolling back an unfinished SQLite write failed");
            }
        }
    }
}

/// A row read back: its column names and values.
#[derive(Debug)]
pub(crate) struct LiteRow {
    names: Arc<[String]>,
    values: Vec<Value>,
}

/// A SQLite error as sqlx reports database errors, so both backends are handled alike
/// (`is_unique_violation`, busy detection, messages).
#[derive(Clone, Debug)]
struct LiteError {
    message: String,
    code: i32,
}

impl std::fmt::Display for LiteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for LiteError {}

impl sqlx::error::DatabaseError for LiteError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        use rusqlite::ffi;
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                sqlx::error::ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => sqlx::error::ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => sqlx::error::ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => sqlx::error::ErrorKind::CheckViolation,
            _ => sqlx::error::ErrorKind::Other,
        }
    }
}

impl LiteError {
    /// What SQLite said: its extended code and message (`SQLITE_ERROR` for rusqlite's own).
    fn of(e: &rusqlite::Error) -> LiteError {
        match e {
            rusqlite::Error::SqliteFailure(err, msg) => {
                LiteError { message: msg.clone().unwrap_or_else(|| err.to_string()), code: err.extended_code }
            }
            other => LiteError { message: other.to_string(), code: rusqlite::ffi::SQLITE_ERROR },
        }
    }
}

/// A rusqlite error as a sqlx error.
fn lite_error(e: rusqlite::Error) -> sqlx::Error {
    match e {
        rusqlite::Error::SqliteFailure(..) => sqlx::Error::Database(Box::new(LiteError::of(&e))),
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// Whether a statement failed only because another connection holds a lock it needs.
fn is_lite_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(err, _)
        if matches!(err.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

impl LiteConn {
    /// Runs one of the group commit's fixed statements (`SAVEPOINT`, `RELEASE`, `COMMIT`)
    /// through [`LiteConn::run`], so it is prepared once per connection rather than parsed on
    /// every write.
    fn control(&self, sql: &'static str) -> rusqlite::Result<()> {
        self.run(&Sql::new(sql), |_| Ok(())).map(|_| ())
    }

    /// Runs `sql` (binding `$N` to `args[N-1]`), handing each row to `row`; returns the rows
    /// changed.
    fn run(&self, sql: &Sql, mut row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<()>) -> rusqlite::Result<u64> {
        let mut stmt = self.conn.prepare_cached(&sql.text)?;
        for i in 1..=stmt.parameter_count() {
            let n = stmt
                .parameter_name(i)
                .and_then(|name| name.strip_prefix('$').or_else(|| name.strip_prefix('?')))
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(i);
            let Some(arg) = sql.args.get(n - 1) else {
                return Err(rusqlite::Error::InvalidParameterCount(n, sql.args.len()));
            };
            bind(&mut stmt, i, arg)?;
        }
        let mut rows = stmt.raw_query();
        while let Some(r) = rows.next()? {
            row(r)?;
        }
        Ok(self.conn.changes())
    }

    /// Runs `sql`, waiting (asynchronously) while another process holds a lock it needs, when
    /// no transaction is open on this connection (inside `BEGIN IMMEDIATE` none is needed).
    async fn run_waiting<T>(
        &mut self,
        sql: &Sql,
        mut attempt: impl FnMut(&Self, &Sql) -> rusqlite::Result<T>,
    ) -> sqlx::Result<T> {
        let deadline = Instant::now() + self.wait;
        let mut pause = Duration::from_micros(500);
        loop {
            match attempt(self, sql) {
                Err(e) if is_lite_busy(&e) && self.conn.is_autocommit() && Instant::now() + pause < deadline => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                other => return other.map_err(lite_error),
            }
        }
    }
}

fn bind(stmt: &mut rusqlite::Statement<'_>, i: usize, arg: &Arg) -> rusqlite::Result<()> {
    match arg {
        Arg::Text(v) => stmt.raw_bind_parameter(i, v),
        Arg::OptText(v) => stmt.raw_bind_parameter(i, v),
        Arg::Int(v) => stmt.raw_bind_parameter(i, v),
        Arg::OptInt(v) => stmt.raw_bind_parameter(i, v),
        Arg::Real(v) => stmt.raw_bind_parameter(i, v),
        Arg::Bool(v) => stmt.raw_bind_parameter(i, i64::from(*v)),
        Arg::Time(v) => stmt.raw_bind_parameter(i, v.timestamp_micros()),
        Arg::OptTime(v) => stmt.raw_bind_parameter(i, v.map(|t| t.timestamp_micros())),
        Arg::Json(v) => stmt.raw_bind_parameter(i, v.get()),
        Arg::OptJson(v) => stmt.raw_bind_parameter(i, v.as_ref().map(|v| v.get())),
    }
}

/// The value of column `col`, or the error sqlx gives for a missing one.
fn value<'r>(row: &'r LiteRow, col: &str) -> sqlx::Result<&'r Value> {
    row.names
        .iter()
        .position(|n| n == col)
        .and_then(|i| row.values.get(i))
        .ok_or_else(|| sqlx::Error::ColumnNotFound(col.to_owned()))
}

fn mismatch(col: &str, want: &str, got: &Value) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: col.to_owned(),
        source: format!("expected {want}, found {:?}", got.data_type()).into(),
    }
}

fn opt<T>(row: &LiteRow, col: &str, read: impl FnOnce(&Value) -> sqlx::Result<T>) -> sqlx::Result<Option<T>> {
    match value(row, col)? {
        Value::Null => Ok(None),
        v => read(v).map(Some),
    }
}

fn text_of(col: &str, v: &Value) -> sqlx::Result<String> {
    match v {
        Value::Text(s) => Ok(s.clone()),
        other => Err(mismatch(col, "text", other)),
    }
}

fn int_of(col: &str, v: &Value) -> sqlx::Result<i64> {
    match v {
        Value::Integer(n) => Ok(*n),
        other => Err(mismatch(col, "an integer", other)),
    }
}

fn time_of(col: &str, v: &Value) -> sqlx::Result<DateTime<Utc>> {
    let micros = int_of(col, v)?;
    DateTime::from_timestamp_micros(micros).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: col.to_owned(),
        source: format!("{micros} µs is not a representable time").into(),
    })
}

fn json_of<T: DeserializeOwned>(col: &str, v: &Value) -> sqlx::Result<T> {
    let parsed = match v {
        Value::Text(s) => serde_json::from_str(s),
        Value::Blob(b) => serde_json::from_slice(b),
        other => return Err(mismatch(col, "JSON text", other)),
    };
    parsed.map_err(|e| sqlx::Error::ColumnDecode { index: col.to_owned(), source: Box::new(e) })
}

impl LitePools {
    /// The connection after `lock`, or the pool's errors (closed; no connection in time).
    async fn checkout(&self, conn: &Arc<Mutex<LiteConn>>) -> sqlx::Result<Lease> {
        if self.closed.load(Ordering::Acquire) {
            return Err(sqlx::Error::PoolClosed);
        }
        let lease = match Arc::clone(conn).try_lock_owned() {
            Ok(lease) => lease,
            Err(_) => tokio::time::timeout(self.acquire_timeout, Arc::clone(conn).lock_owned())
                .await
                .map_err(|_| sqlx::Error::PoolTimedOut)?,
        };
        if self.closed.load(Ordering::Acquire) {
            return Err(sqlx::Error::PoolClosed);
        }
        Ok(lease)
    }
}

#[async_trait]
impl SqlBackend for Lite {
    const BACKEND: &'static str = "sqlite";
    const FOR_UPDATE_SKIP_LOCKED: &'static str = "";

    type Conn = LiteConn;
    type Row = LiteRow;
    type Pools = Arc<LitePools>;
    type Tx = LiteTx;
    type Lease = Lease;

    fn data_file(pools: &Self::Pools) -> Option<&Path> {
        Some(&pools.path)
    }

    fn day_of(c: &str) -> String {
        // Floor division: times before 1970 fall on the right day too.
        format!("({c} / 86400000000 - ({c} % 86400000000 < 0))")
    }

    fn hour_of(c: &str) -> String {
        format!("((({c} % 86400000000) + 86400000000) % 86400000000 / 3600000000)")
    }

    async fn begin(pools: &Arc<LitePools>) -> sqlx::Result<LiteTx> {
        let mut turn = Coming::new(pools).wait().await?;
        let w = turn.lease.as_deref_mut().unwrap_or_else(|| unreachable!("a turn starts with the writer"));
        if w.group.is_none() {
            w.run_waiting(&Sql::new("BEGIN IMMEDIATE"), |c, sql| c.run(sql, |_| Ok(()))).await?;
            w.group = Some(Group { done: tokio::sync::watch::Sender::new(None), members: 0, waited: false });
        }
        w.control("SAVEPOINT member").map_err(lite_error)?;
        let group = w.group.as_mut().unwrap_or_else(|| unreachable!("opened above"));
        group.members += 1;
        let done = group.done.subscribe();
        Ok(LiteTx { turn, done, released: false })
    }

    async fn commit(mut tx: LiteTx) -> sqlx::Result<()> {
        let Some(w) = tx.turn.lease.as_deref_mut() else { return Ok(()) };
        w.control("RELEASE member").map_err(lite_error)?;
        tx.released = true;
        // The other writes of a `join!` (see `storage::writes_together`) get one chance per
        // group to join this transaction before it commits. A write on its own does not wait:
        // a yield only wakes an idle worker thread for nothing.
        if let Some(group) = w.group.as_mut().filter(|g| !g.waited) {
            group.waited = true;
            if super::writing_together() && tx.turn.pools.coming.load(Ordering::Acquire) == 0 {
                // The writer is lent while this member yields, with the group open on it: the
                // other writes of the `join!` take it in the same poll, without queueing behind
                // it (a queued write arms a timer, and arming one wakes an idle worker thread).
                // Counted as coming, this member is who they leave the group to; given up while
                // lent, `Coming` ends the group if nobody else will. It steps aside without a
                // round trip through the runtime: `writes_together` polls the join again at once.
                let back = Coming::new(&tx.turn.pools);
                drop(tx.turn.lease.take());
                super::yield_to_the_others().await;
                tx.turn = back.wait().await?;
            }
        }
        // Committed here when nobody is coming to join; else the last member to join commits.
        // The answer is this member's own group's, read from its channel: a member given the
        // writer back after its group was committed (full, at `GROUP_MAX`) may have ended the
        // next group here, whose outcome is not its own.
        tx.turn.end();
        let outcome = tx
            .done
            .wait_for(Option::is_some)
            .await
            .map_err(|_| sqlx::Error::Protocol("the group commit ended without an answer".to_owned()))?
            .clone();
        match outcome {
            Some(Err(e)) => Err(sqlx::Error::Database(Box::new(e))),
            _ => Ok(()),
        }
    }

    async fn reader(pools: &Arc<LitePools>) -> sqlx::Result<Lease> {
        // A free reader if there is one, else wait for the next in turn.
        for r in &pools.readers {
            if let Ok(lease) = Arc::clone(r).try_lock_owned() {
                if pools.closed.load(Ordering::Acquire) {
                    return Err(sqlx::Error::PoolClosed);
                }
                return Ok(lease);
            }
        }
        let i = pools.next_reader.fetch_add(1, Ordering::Relaxed) % pools.readers.len().max(1);
        let r = pools.readers.get(i).unwrap_or(&pools.writer);
        pools.checkout(r).await
    }

    type Writer = LiteTx;

    async fn writer(pools: &Arc<LitePools>) -> sqlx::Result<LiteTx> {
        // Autocommit writes join the group commit like any other write.
        Self::begin(pools).await
    }

    async fn finish_write(writer: LiteTx) -> sqlx::Result<()> {
        Self::commit(writer).await
    }

    async fn close(pools: &Arc<LitePools>) {
        pools.closed.store(true, Ordering::Release);
        // Waits for the connections in use to come back; they close with the last handle. A
        // group left open for a writer that gave up on its way is committed as the turn ends.
        let _w = Turn { lease: Some(Arc::clone(&pools.writer).lock_owned().await), pools: Arc::clone(pools) };
        for r in &pools.readers {
            let _r = r.lock().await;
        }
    }

    async fn execute(conn: &mut LiteConn, sql: Sql) -> sqlx::Result<u64> {
        conn.run_waiting(&sql, |c, sql| c.run(sql, |_| Ok(()))).await
    }

    async fn fetch(conn: &mut LiteConn, sql: Sql) -> sqlx::Result<Vec<LiteRow>> {
        conn.run_waiting(&sql, |c, sql| {
            let mut out = Vec::new();
            // Column names once per query, when its first row arrives (writes return none).
            let mut names: Option<Arc<[String]>> = None;
            c.run(sql, |r| {
                let names = names
                    .get_or_insert_with(|| r.as_ref().column_names().into_iter().map(str::to_owned).collect())
                    .clone();
                let values = (0..names.len()).map(|i| r.get::<_, Value>(i)).collect::<rusqlite::Result<Vec<_>>>()?;
                out.push(LiteRow { names, values });
                Ok(())
            })?;
            Ok(out)
        })
        .await
    }

    fn text(row: &LiteRow, col: &str) -> sqlx::Result<String> {
        text_of(col, value(row, col)?)
    }

    fn opt_text(row: &LiteRow, col: &str) -> sqlx::Result<Option<String>> {
        opt(row, col, |v| text_of(col, v))
    }

    fn int(row: &LiteRow, col: &str) -> sqlx::Result<i64> {
        int_of(col, value(row, col)?)
    }

    fn opt_int(row: &LiteRow, col: &str) -> sqlx::Result<Option<i64>> {
        opt(row, col, |v| int_of(col, v))
    }

    fn real(row: &LiteRow, col: &str) -> sqlx::Result<f64> {
        match value(row, col)? {
            Value::Real(f) => Ok(*f),
            #[allow(clippy::cast_precision_loss)]
            Value::Integer(n) => Ok(*n as f64),
            other => Err(mismatch(col, "a number", other)),
        }
    }

    fn boolean(row: &LiteRow, col: &str) -> sqlx::Result<bool> {
        int_of(col, value(row, col)?).map(|n| n != 0)
    }

    fn time(row: &LiteRow, col: &str) -> sqlx::Result<DateTime<Utc>> {
        time_of(col, value(row, col)?)
    }

    fn opt_time(row: &LiteRow, col: &str) -> sqlx::Result<Option<DateTime<Utc>>> {
        opt(row, col, |v| time_of(col, v))
    }

    fn json<T: DeserializeOwned>(row: &LiteRow, col: &str) -> sqlx::Result<T> {
        json_of(col, value(row, col)?)
    }

    fn opt_json<T: DeserializeOwned>(row: &LiteRow, col: &str) -> sqlx::Result<Option<T>> {
        opt(row, col, |v| json_of(col, v))
    }
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
        loop {
            match Self::migrate_file(&opts).await {
                Ok(()) => break,
                // Switching a new file to WAL takes a lock no busy timeout waits for.
                Err(e) if is_busy(&e.error) && Instant::now() + wait < deadline => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_millis(200));
                }
                Err(e) => {
                    return Err(db_error(&format!("{} SQLite database `{}`", e.doing, path.display()), e.error));
                }
            }
        }
        let open = || {
            open_lite(&path, limits.acquire_timeout)
                .map_err(|e| db_error(&format!("opening SQLite database `{}`", path.display()), lite_error(e)))
        };
        let writer = Arc::new(Mutex::new(open()?));
        let readers = (0..limits.max_connections.clamp(1, 4))
            .map(|_| open().map(|c| Arc::new(Mutex::new(c))))
            .collect::<Result<_>>()?;
        let pools = LitePools {
            writer,
            readers,
            next_reader: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            acquire_timeout: limits.acquire_timeout,
            coming: AtomicUsize::new(0),
            path: path.clone(),
        };
        Ok(SqliteStorage { store: Arc::new(SqlStore::new(Arc::new(pools))), path })
    }

    /// Creates the file if needed, switches it to WAL and applies the migrations, under the
    /// write lock so a second process waits and then finds the work done.
    async fn migrate_file(opts: &SqliteConnectOptions) -> std::result::Result<(), OpenError> {
        let opening = |error| OpenError { error, doing: "opening" };
        let migrating = |error| OpenError { error, doing: "migrating" };
        let mut conn = opts.clone().journal_mode(SqliteJournalMode::Wal).connect().await.map_err(opening)?;
        let mut tx = Connection::begin_with(&mut conn, "BEGIN IMMEDIATE").await.map_err(migrating)?;
        migrate(&mut tx).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(inner) => migrating(inner),
            other => migrating(sqlx::Error::Migrate(Box::new(other))),
        })?;
        tx.commit().await.map_err(migrating)?;
        conn.close().await.map_err(opening)?;
        Ok(())
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

/// A rusqlite connection to the (migrated, WAL) file with the settings every connection
/// shares; lock waits are the caller's (see [`LiteConn::run_waiting`]), never a thread's.
fn open_lite(path: &Path, wait: Duration) -> rusqlite::Result<LiteConn> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(Duration::ZERO)?;
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(LiteConn { conn, wait, group: None })
}

/// Applies the migrations (boxed: the future must be `Send` for any caller, which sqlx's
/// higher-ranked `Acquire` bound does not let the compiler prove through `async fn`s).
fn migrate(conn: &mut SqliteConnection) -> BoxFuture<'_, std::result::Result<(), sqlx::migrate::MigrateError>> {
    // `run_direct` is what `run` calls after acquiring; sqlx keeps it public for this case.
    Box::pin(MIGRATOR.run_direct(None, conn, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{UsageOutcome, UsageRecord};

    fn record(id: String, at: DateTime<Utc>) -> UsageRecord {
        UsageRecord {
            id,
            content_id: None,
            owner: None,
            provider: "test".into(),
            model: "m".into(),
            usage: crate::content::Usage::default(),
            cost: crate::money::Usd::from_nanos(1),
            estimate: crate::money::Usd::from_nanos(1),
            latency_ms: 1,
            outcome: UsageOutcome::Success,
            error_code: None,
            created_at: at,
        }
    }

    /// The usage store of a new SQLite file (the directory holds it).
    async fn usage_store() -> (tempfile::TempDir, Arc<dyn crate::storage::UsageStore>) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("writes.db").display());
        let sqlite = SqliteStorage::connect(&url, &PoolConfig::default()).await.unwrap();
        (dir, sqlite.stores().usage)
    }

    /// Three writes joined on an idle SQLite store finish in the poll that starts them, without
    /// waking the task: the first steps aside for the others and commits the group in place,
    /// with no round trip through the runtime (whose yield woke the other worker thread on
    /// every generation). That they commit as one transaction is
    /// `engines::a_generation_on_sqlite_commits_its_reserve_then_the_rest_as_one_transaction`.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_joined_on_an_idle_store_finish_in_one_poll() {
        use std::task::Context;
        let (_dir, usage) = usage_store().await;
        let at = Utc::now();
        for round in 0..3 {
            let (a, b, c) =
                (record(format!("{round}a"), at), record(format!("{round}b"), at), record(format!("{round}c"), at));
            let (count, waker) = crate::storage::tests::task();
            let mut together = std::pin::pin!(super::super::writes_together(async {
                tokio::join!(usage.record_usage(&a), usage.record_usage(&b), usage.record_usage(&c))
            }));
            let std::task::Poll::Ready((a, b, c)) = together.as_mut().poll(&mut Context::from_waker(&waker)) else {
                panic!("round {round}: the joined writes did not finish in one poll");
            };
            for written in [a, b, c] {
                written.unwrap();
            }
            assert_eq!(count.0.load(Ordering::SeqCst), 0, "round {round}: the task was woken");
        }
    }

    /// The writes of a `writes_together` join, given up at every point — the first while it
    /// lends the writer to the others, the others while they hold it or wait for the commit —
    /// among writers of other tasks: no group is left open (every write finishes), and every
    /// write that was answered is in the database.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_together_given_up_at_every_point_never_leave_a_group_open() {
        let (_dir, usage) = usage_store().await;
        let at = Utc::now();
        let (mut answered, mut given_up) = (0_usize, 0_usize);
        for round in 0..48_usize {
            let mut calls = Vec::new();
            for i in 0..12_usize {
                let usage = Arc::clone(&usage);
                let polls = (i % 2 == 0).then_some(1 + (round + i) % 7);
                calls.push(tokio::spawn(async move {
                    let id = |part: &str| record(format!("{round}-{i}-{part}"), at);
                    let (a, b, c) = (id("a"), id("b"), id("c"));
                    let together = super::super::writes_together(async {
                        let (a, b, c) =
                            tokio::join!(usage.record_usage(&a), usage.record_usage(&b), usage.record_usage(&c));
                        [a, b, c]
                    });
                    match polls {
                        Some(n) => splants_testkit::poll_at_most(together, n).await,
                        None => Some(together.await),
                    }
                }));
            }
            for c in calls {
                let outcome = tokio::time::timeout(Duration::from_secs(20), c)
                    .await
                    .unwrap_or_else(|_| panic!("round {round}: a write never finished"))
                    .unwrap();
                let Some(writes) = outcome else {
                    given_up += 1;
                    continue;
                };
                for r in writes {
                    r.unwrap();
                    answered += 1;
                }
            }
        }
        let stored = usage.list_usage(at, at + chrono::Duration::seconds(1), None).await.unwrap().len();
        assert!(stored >= answered, "{stored} rows for {answered} answered writes");
        // The test gave some joins up and let others finish. A join given up may still have
        // been written (its group committed without waiting for it), so this is counted from
        // the joins themselves, not from the rows.
        assert!(answered > 0 && given_up > 0, "{given_up} joins given up, {answered} writes answered");
        tokio::time::timeout(Duration::from_secs(5), usage.record_usage(&record("last".into(), at)))
            .await
            .expect("the writer is free")
            .unwrap();
    }
}
