//! `EventStore`: where engagement events are kept and aggregated.

use super::{AnalyticsEvent, EngagementStats, StatsQuery};
use crate::error::Result;
use async_trait::async_trait;
use std::fmt::Debug;

/// Persistence for analytics events and their aggregate.
///
/// Engagement is attributed to pieces by `content_id` (platform, type and posting hour come
/// from the piece when the event has none), so an implementation reads the pieces of the
/// content store it is opened with: the SQL backends join in one database, and the in-memory
/// one is `storage::MemoryStorage`, which holds both. Every backend passes the conformance
/// suite in `splants/tests/storage/`.
#[async_trait]
pub trait EventStore: Send + Sync + Debug {
    /// Stores analytics events (all or none).
    async fn record_events(&self, events: &[AnalyticsEvent]) -> Result<()>;

    /// Aggregates over events that occurred in the range.
    async fn engagement_stats(&self, query: &StatsQuery) -> Result<EngagementStats>;
}
