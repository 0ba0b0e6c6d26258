//! Where generated pieces and usage records live: the `Storage` trait and its backends.
//!
//! Every generated piece whose cost was paid is stored before the engine returns it. Each
//! provider call leaves one [`UsageRecord`] (tokens, cost, estimate, latency, outcome) so spend
//! can be audited against the provider's invoice.
//!
//! Backends: [`MemoryStorage`] (tests, embedding), `SqliteStorage` (feature `sqlite`, the
//! default: one file) and `PostgresStorage` (feature `postgres`: many processes). The SQL
//! backends are budget ledgers too, so one database holds content and spend; [`open`] picks
//! the backend from `DATABASE_URL`.

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

pub use config::{PoolConfig, StorageConfig};
pub use memory::MemoryStorage;
pub use open::open;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStorage;
pub use query::{ContentPage, ContentQuery, Cursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, truncate_micros};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStorage;

use crate::analytics::{AnalyticsEvent, ContentStats, EngagementStats, StatsQuery, UsageTotals};
use crate::auth::{ApiKeyRecord, KeyStatus};
use crate::content::GeneratedContent;
use crate::content::Usage;
use crate::error::Result;
use crate::money::Usd;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt::Debug;

/// How a provider call ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageOutcome {
    /// The call succeeded and reported its usage.
    Success,
    /// The call failed before anything was billed.
    Failed,
    /// The call failed in a way that may still have been billed (timeout, unreadable
    /// answer, cancelled in flight); counted at its estimate.
    MaybeBilled,
}

impl UsageOutcome {
    /// The stored string form.
    pub fn as_str(self) -> &'static str {
        match self {
            UsageOutcome::Success => "success",
            UsageOutcome::Failed => "failed",
            UsageOutcome::MaybeBilled => "maybe_billed",
        }
    }
}

/// One provider call, for auditing spend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UsageRecord {
    /// Record id.
    pub id: String,
    /// The piece it produced, if any.
    pub content_id: Option<String>,
    /// API key id or tenant.
    pub owner: Option<String>,
    /// Provider.
    pub provider: String,
    /// Model (as reported on success, else as requested).
    pub model: String,
    /// Tokens.
    pub usage: Usage,
    /// Cost counted against the budget.
    pub cost: Usd,
    /// The reserved worst-case estimate.
    pub estimate: Usd,
    /// Wall time of the call in milliseconds.
    pub latency_ms: u64,
    /// How it ended.
    pub outcome: UsageOutcome,
    /// Error code when it failed.
    pub error_code: Option<String>,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

/// Persistence for the content library, usage records, API keys and analytics events.
///
/// Every backend passes the same conformance suite (`splants/tests/storage/`), with
/// [`MemoryStorage`] as the reference semantics.
#[async_trait]
pub trait Storage: Send + Sync + Debug {
    /// A short backend name (`memory`, `sqlite`, `postgres`).
    fn backend(&self) -> &'static str;

    /// Checks the store answers (health and readiness probes).
    async fn ping(&self) -> Result<()>;

    /// Stores a new piece.
    async fn save_content(&self, content: &GeneratedContent) -> Result<()>;

    /// A piece by id; `owner` restricts to that owner's pieces when given.
    async fn get_content(&self, id: &str, owner: Option<&str>) -> Result<Option<GeneratedContent>>;

    /// A page of pieces, newest first.
    async fn list_content(&self, query: &ContentQuery) -> Result<ContentPage>;

    /// Deletes a piece; true if it existed (and belonged to `owner` when given).
    async fn delete_content(&self, id: &str, owner: Option<&str>) -> Result<bool>;

    /// Records one provider call.
    async fn record_usage(&self, record: &UsageRecord) -> Result<()>;

    /// Usage records in `[since, until)`, oldest first, optionally for one owner.
    async fn list_usage(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        owner: Option<&str>,
    ) -> Result<Vec<UsageRecord>>;

    /// Usage totals in a range (every call, failed ones included).
    async fn usage_totals(&self, query: &StatsQuery) -> Result<UsageTotals>;

    /// Stores a new API key. Fails if the id or the hash exists already.
    async fn insert_key(&self, key: &ApiKeyRecord) -> Result<()>;

    /// Keys whose lookup prefix is `prefix` (usually one).
    async fn keys_by_prefix(&self, prefix: &str) -> Result<Vec<ApiKeyRecord>>;

    /// A key by id.
    async fn get_key(&self, id: &str) -> Result<Option<ApiKeyRecord>>;

    /// Every key, oldest first.
    async fn list_keys(&self) -> Result<Vec<ApiKeyRecord>>;

    /// Sets a key's status (and expiry, when `Some`); false if the key does not exist.
    async fn set_key_status(&self, id: &str, status: KeyStatus, expires_at: Option<DateTime<Utc>>) -> Result<bool>;

    /// Records a successful use of a key.
    async fn touch_key(&self, id: &str, at: DateTime<Utc>) -> Result<()>;

    /// In one transaction: stores `new_key` and marks key `old_id` as expiring at
    /// `old_expires_at` with `rotated_to = new_key.id` — only if `old_id` is still active.
    /// Returns false (and stores nothing) otherwise.
    async fn rotate_key(&self, old_id: &str, old_expires_at: DateTime<Utc>, new_key: &ApiKeyRecord) -> Result<bool>;

    /// Stores analytics events (all or none).
    async fn record_events(&self, events: &[AnalyticsEvent]) -> Result<()>;

    /// Aggregates over stored pieces created in the range.
    async fn content_stats(&self, query: &StatsQuery) -> Result<ContentStats>;

    /// Aggregates over events that occurred in the range.
    async fn engagement_stats(&self, query: &StatsQuery) -> Result<EngagementStats>;
}
