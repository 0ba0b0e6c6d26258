//! The engine's analytics as the webhooks' daily report source.

use crate::analytics::{Overview, StatsQuery};
use crate::error::Result;
use crate::storage::Stores;
use crate::webhook::ReportSource;
use chrono::NaiveDate;

/// Reads the daily overview straight from the store the engine writes, so the webhook task
/// needs no handle to the engine (and does not keep it alive).
pub(crate) struct StoredReports(pub(crate) Stores);

#[async_trait::async_trait]
impl ReportSource for StoredReports {
    async fn daily_report(&self, day: NaiveDate) -> Result<Overview> {
        let since = day.and_time(chrono::NaiveTime::MIN).and_utc();
        let until = since + chrono::Duration::days(1);
        let q = StatsQuery { owner: None, since, until, platform: None };
        let stats = self.0.content.content_stats(&q).await?;
        let usage = self.0.usage.usage_totals(&q).await?;
        Ok(Overview::new(stats, usage, q.since, q.until))
    }
}
