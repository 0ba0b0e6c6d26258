//! Analytics events in SQL: stored in chunks, aggregated with their pieces (a `LEFT JOIN`).

use super::rows::values_placeholders;
use super::{Arg, Sql, SqlBackend, SqlStore, col, db_error, parse, range, to_u64};
use crate::analytics::{AnalyticsEvent, EngagementCounts, EngagementStats, EventKind, EventStore, StatsQuery};
use crate::content::{ContentType, Platform};
use crate::error::Result;
use crate::money::Usd;
use async_trait::async_trait;
use std::collections::BTreeMap;

const EVENT_COLUMNS: &str = "id, event_name, content_id, platform, count, value, owner, occurred_at, created_at";
const EVENT_WIDTH: usize = 9;
const EVENT_CHUNK: usize = 500;

/// Revenue summed in three parts of at most 10^6 per event (the value is at most
/// [`crate::analytics::MAX_EVENT_VALUE`], 10^15 nano-dollars): no 64-bit `SUM` can overflow
/// below 9.2 × 10^12 events in one group, more rows than either database holds. The parts are
/// joined here, saturating at [`Usd::MAX`].
fn split_sum(hi: i64, mid: i64, lo: i64) -> Usd {
    const MILLION: i128 = 1_000_000;
    let nanos = i128::from(hi) * MILLION * MILLION + i128::from(mid) * MILLION + i128::from(lo);
    Usd::from_nanos(i64::try_from(nanos.clamp(i128::from(i64::MIN), i128::from(i64::MAX))).unwrap_or(i64::MAX))
}

#[async_trait]
impl<DB: SqlBackend> EventStore for SqlStore<DB> {
    /// Stores events in one transaction (all or none).
    async fn record_events(&self, events: &[AnalyticsEvent]) -> Result<()> {
        self.bounded("record events", async {
            if events.is_empty() {
                return Ok(());
            }
            let mut tx = self.begin().await?;
            for chunk in events.chunks(EVENT_CHUNK) {
                let mut sql = Sql::dynamic(format!(
                    "INSERT INTO analytics_events ({EVENT_COLUMNS}) VALUES {}",
                    values_placeholders(chunk.len(), EVENT_WIDTH)
                ));
                for e in chunk {
                    sql.args.extend([
                        Arg::Text(e.id.clone()),
                        Arg::Text(e.event_name.as_str().to_owned()),
                        Arg::OptText(e.content_id.clone()),
                        Arg::OptText(e.platform.map(|p| p.as_str().to_owned())),
                        Arg::Int(i64::from(e.count)),
                        Arg::OptInt(e.value.map(Usd::nanos)),
                        Arg::OptText(e.owner.clone()),
                        Arg::Time(e.occurred_at),
                        Arg::Time(e.created_at),
                    ]);
                }
                DB::execute(&mut tx, sql).await.map_err(|e| db_error("recording analytics events", e))?;
            }
            Self::commit(tx).await
        })
        .await
    }

    /// Event counts by event, platform (the event's, else its piece's), the piece's type and
    /// the UTC hour the piece was first published (its creation when never published).
    async fn engagement_stats(&self, q: &StatsQuery) -> Result<EngagementStats> {
        self.bounded("engagement stats", async {
            let mut sql = Sql::dynamic(format!(
                "SELECT e.event_name AS event_name, COALESCE(e.platform, c.platform) AS platform, \
                 c.content_type AS content_type, {} AS hour_n, CAST(SUM(e.count) AS BIGINT) AS n, \
                 CAST(SUM(COALESCE(e.value, 0) / 1000000000000) AS BIGINT) AS value_hi, \
                 CAST(SUM((COALESCE(e.value, 0) / 1000000) % 1000000) AS BIGINT) AS value_mid, \
                 CAST(SUM(COALESCE(e.value, 0) % 1000000) AS BIGINT) AS value_lo \
                 FROM analytics_events e LEFT JOIN content c ON c.id = e.content_id \
                 LEFT JOIN (SELECT content_id, MIN(published_at) AS first_published FROM social_posts \
                 WHERE status = 'published' GROUP BY content_id) sp ON sp.content_id = c.id",
                DB::hour_of("COALESCE(sp.first_published, c.created_at)")
            ));
            range(&mut sql, "e.occurred_at", "e.owner", q);
            if let Some(p) = q.platform {
                sql.clause(" AND COALESCE(e.platform, c.platform) = ", Arg::Text(p.as_str().to_owned()));
            }
            sql.push(" GROUP BY e.event_name, COALESCE(e.platform, c.platform), c.content_type, hour_n");
            let mut c = self.reader().await?;
            let rows = DB::fetch(&mut c, sql).await.map_err(|e| db_error("aggregating engagement", e))?;
            let mut s = EngagementStats::default();
            let mut by_platform: BTreeMap<&'static str, (Platform, EngagementCounts)> = BTreeMap::new();
            let mut by_type: BTreeMap<&'static str, (ContentType, EngagementCounts)> = BTreeMap::new();
            let mut by_hour: BTreeMap<u8, EngagementCounts> = BTreeMap::new();
            for r in &rows {
                let kind: EventKind = col(DB::text(r, "event_name"))?.parse()?;
                let n = to_u64(col(DB::int(r, "n"))?);
                let v = split_sum(
                    col(DB::int(r, "value_hi"))?,
                    col(DB::int(r, "value_mid"))?,
                    col(DB::int(r, "value_lo"))?,
                );
                s.totals.add(kind, n, v);
                if let Some(p) = col(DB::opt_text(r, "platform"))? {
                    let p: Platform = parse("platform", &p)?;
                    by_platform.entry(p.as_str()).or_insert((p, EngagementCounts::default())).1.add(kind, n, v);
                }
                if let Some(t) = col(DB::opt_text(r, "content_type"))? {
                    let t: ContentType = parse("content_type", &t)?;
                    by_type.entry(t.as_str()).or_insert((t, EngagementCounts::default())).1.add(kind, n, v);
                    let hour = col(DB::opt_int(r, "hour_n"))?.and_then(|h| u8::try_from(h).ok()).unwrap_or(0);
                    by_hour.entry(hour).or_default().add(kind, n, v);
                }
            }
            s.by_platform = by_platform.into_values().collect();
            s.by_content_type = by_type.into_values().collect();
            s.by_hour = by_hour.into_iter().collect();
            Ok(s)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::split_sum;
    use crate::money::Usd;

    #[test]
    fn split_sums_join_exactly_and_saturate() {
        let v: i64 = 987_654_321_123_456;
        let (hi, mid, lo) = (v / 1_000_000_000_000, (v / 1_000_000) % 1_000_000, v % 1_000_000);
        assert_eq!(split_sum(hi, mid, lo), Usd::from_nanos(v));
        // 10,000 events of $1,000,000: 10^19 nano-dollars, beyond i64.
        assert_eq!(split_sum(10_000_000, 0, 0), Usd::MAX);
        assert_eq!(split_sum(0, 0, 0), Usd::ZERO);
    }
}
