//! Memory stores that fail on command, for the tests of a database that goes down.

use async_trait::async_trait;
use splants::analytics::{AnalyticsEvent, ContentStats, EngagementStats, EventStore, StatsQuery, UsageTotals};
use splants::storage::{
    Backend, ContentPage, ContentQuery, ContentStore, MemoryStorage, Stores, UsageRecord, UsageStore,
};
use splants::{Error, GeneratedContent, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// While `down` is set, the library calls (and `ping`) fail with `message`; with `reports` the
/// usage and analytics calls fail too. Keys keep working, as a cache in front of them would
/// (they are not in here: [`FlakyStorage::stores`] keeps them in memory).
#[derive(Debug, Default)]
pub struct FlakyStorage {
    pub down: AtomicBool,
    message: &'static str,
    reports: bool,
    inner: MemoryStorage,
}

impl FlakyStorage {
    /// Fails the library calls with `message` while down.
    pub fn library(message: &'static str) -> Self {
        FlakyStorage { message, ..FlakyStorage::default() }
    }

    /// Fails the library, usage and analytics calls with `message` while down.
    pub fn everything(message: &'static str) -> Self {
        FlakyStorage { message, reports: true, ..FlakyStorage::default() }
    }

    /// Memory stores with this one as the library, usage, events and backend.
    pub fn stores(flaky: &Arc<FlakyStorage>) -> Stores {
        let mut stores = Stores::memory();
        stores.content = flaky.clone();
        stores.usage = flaky.clone();
        stores.events = flaky.clone();
        stores.backend = flaky.clone();
        stores
    }

    fn check(&self) -> Result<()> {
        if self.down.load(Ordering::SeqCst) { Err(Error::storage(self.message)) } else { Ok(()) }
    }

    fn check_reports(&self) -> Result<()> {
        if self.reports { self.check() } else { Ok(()) }
    }
}

#[async_trait]
impl Backend for FlakyStorage {
    fn name(&self) -> &'static str {
        "flaky"
    }
    async fn ping(&self) -> Result<()> {
        self.check()
    }
}

#[async_trait]
impl ContentStore for FlakyStorage {
    async fn save_content(&self, c: &GeneratedContent) -> Result<()> {
        self.check()?;
        self.inner.save_content(c).await
    }
    async fn get_content(&self, id: &str, owner: Option<&str>) -> Result<Option<GeneratedContent>> {
        self.check()?;
        self.inner.get_content(id, owner).await
    }
    async fn list_content(&self, q: &ContentQuery) -> Result<ContentPage> {
        self.check()?;
        self.inner.list_content(q).await
    }
    async fn delete_content(&self, id: &str, owner: Option<&str>) -> Result<bool> {
        self.check()?;
        self.inner.delete_content(id, owner).await
    }
    async fn content_stats(&self, q: &StatsQuery) -> Result<ContentStats> {
        self.check_reports()?;
        self.inner.content_stats(q).await
    }
}

#[async_trait]
impl UsageStore for FlakyStorage {
    async fn record_usage(&self, r: &UsageRecord) -> Result<()> {
        self.check_reports()?;
        self.inner.record_usage(r).await
    }
    async fn list_usage(
        &self,
        s: chrono::DateTime<chrono::Utc>,
        u: chrono::DateTime<chrono::Utc>,
        o: Option<&str>,
    ) -> Result<Vec<UsageRecord>> {
        self.inner.list_usage(s, u, o).await
    }
    async fn usage_totals(&self, q: &StatsQuery) -> Result<UsageTotals> {
        self.check_reports()?;
        self.inner.usage_totals(q).await
    }
}

#[async_trait]
impl EventStore for FlakyStorage {
    async fn record_events(&self, e: &[AnalyticsEvent]) -> Result<()> {
        self.check_reports()?;
        self.inner.record_events(e).await
    }
    async fn engagement_stats(&self, q: &StatsQuery) -> Result<EngagementStats> {
        self.check_reports()?;
        self.inner.engagement_stats(q).await
    }
}
