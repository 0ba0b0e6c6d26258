//! Where generated pieces and usage records live, and the bundle of every store the engine uses.
//!
//! Every generated piece whose cost was paid is stored before the engine returns it. Each
//! provider call leaves one [`UsageRecord`] (tokens, cost, estimate, latency, outcome) so spend
//! can be audited against the provider's invoice.
//!
//! One small trait per concern: [`ContentStore`] and [`UsageStore`] here,
//! [`KeyStore`](crate::auth::KeyStore) in `auth`, [`EventStore`](crate::analytics::EventStore)
//! in `analytics`, the [`BudgetLedger`](crate::budget::BudgetLedger) in `budget`, and
//! [`Backend`] for health probes. [`Stores`] holds one of each; [`open`] makes them from
//! `DATABASE_URL`.
//!
//! Backends: [`MemoryStorage`] (tests, embedding), `SqliteStorage` (feature `sqlite`, the
//! default: one file) and `PostgresStorage` (feature `postgres`: many processes). A SQL
//! backend is every store at once (one database holds content, usage, keys, events and
//! spend); in memory, pieces, usage and events share a [`MemoryStorage`], keys a
//! [`MemoryKeyStore`](crate::auth::MemoryKeyStore), spend a
//! [`MemoryLedger`](crate::budget::MemoryLedger).

mod config;
mod memory;
mod open;
#[cfg(feature = "postgres")]
mod postgres;
mod query;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;
mod stores;
mod usage;

pub use config::{PoolConfig, StorageConfig};
pub use memory::MemoryStorage;
pub use open::{MEMORY_CAPACITY, open};
#[cfg(feature = "postgres")]
pub use postgres::PostgresStorage;
pub use query::{ContentPage, ContentQuery, Cursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, truncate_micros};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStorage;
pub use stores::Stores;
pub use usage::{UsageOutcome, UsageRecord, UsageStore};

use crate::analytics::{ContentStats, StatsQuery};
use crate::content::GeneratedContent;
use crate::error::Result;
use async_trait::async_trait;
use std::fmt::Debug;

tokio::task_local! {
    /// Set while a task makes several independent writes at once (a `join!` of them).
    static WRITES_TOGETHER: ();
}

/// Runs `writes`, a `join!` of independent writes, so that a backend that batches writes
/// (SQLite's group commit) waits for all of them to join one transaction before it commits,
/// rather than committing the first on its own. Other backends ignore it.
pub(crate) async fn writes_together<F: std::future::Future>(writes: F) -> F::Output {
    WRITES_TOGETHER.scope((), writes).await
}

/// Whether the current task is inside [`writes_together`].
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) fn writing_together() -> bool {
    WRITES_TOGETHER.try_with(|()| ()).is_ok()
}

/// Persistence for the content library.
///
/// Every backend passes the same conformance suite (`splants/tests/storage/`), with
/// [`MemoryStorage`] as the reference semantics.
#[async_trait]
pub trait ContentStore: Send + Sync + Debug {
    /// Stores a new piece.
    async fn save_content(&self, content: &GeneratedContent) -> Result<()>;

    /// A piece by id; `owner` restricts to that owner's pieces when given.
    async fn get_content(&self, id: &str, owner: Option<&str>) -> Result<Option<GeneratedContent>>;

    /// A page of pieces, newest first.
    async fn list_content(&self, query: &ContentQuery) -> Result<ContentPage>;

    /// Deletes a piece; true if it existed (and belonged to `owner` when given).
    async fn delete_content(&self, id: &str, owner: Option<&str>) -> Result<bool>;

    /// Aggregates over stored pieces created in the range.
    async fn content_stats(&self, query: &StatsQuery) -> Result<ContentStats>;
}

/// The database behind a set of stores, as health and readiness probes see it.
#[async_trait]
pub trait Backend: Send + Sync + Debug {
    /// A short backend name (`memory`, `sqlite`, `postgres`).
    fn name(&self) -> &'static str;

    /// The file the data lives in when it is on this machine (SQLite), so health can report
    /// how full its volume is; `None` for a server database or process memory.
    fn data_file(&self) -> Option<std::path::PathBuf> {
        None
    }

    /// Checks the store answers (health and readiness probes).
    async fn ping(&self) -> Result<()>;
}
