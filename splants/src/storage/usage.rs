//! Usage records: one per provider call, for auditing spend, and the [`UsageStore`] that keeps them.

use crate::analytics::{StatsQuery, UsageTotals};
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

/// Persistence for usage records.
///
/// Every backend passes the conformance suite in `splants/tests/storage/`.
#[async_trait]
pub trait UsageStore: Send + Sync + Debug {
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
}
