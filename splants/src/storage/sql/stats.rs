//! Aggregates in SQL: each is one `GROUP BY` over its range (one consistent snapshot), folded
//! into the ordering rules documented on the analytics types.

use super::{Arg, Sql, SqlBackend, SqlStore, col, db_error, to_u64};
use crate::analytics::{
    ContentStats, DayStat, EngagementCounts, EngagementStats, EventKind, PlatformStat, StatsQuery, TypeStat,
    UsageTotals,
};
use crate::content::{ContentType, Platform};
use crate::error::{Error, Result};
use crate::money::Usd;
use chrono::{Days, NaiveDate};
use std::collections::{BTreeMap, HashMap};

/// `WHERE <time> >= $1 AND <time> < $2 [AND <owner> = $3]`.
fn range(sql: &mut Sql, time: &str, owner_col: &str, q: &StatsQuery) {
    sql.clause(&format!(" WHERE {time} >= "), Arg::Time(q.since));
    sql.clause(&format!(" AND {time} < "), Arg::Time(q.until));
    if let Some(o) = &q.owner {
        sql.clause(&format!(" AND {owner_col} = "), Arg::Text(o.clone()));
    }
}

fn parse<T: std::str::FromStr>(field: &str, s: &str) -> Result<T> {
    s.parse().map_err(|_| Error::storage(format!("stored `{field}` value `{s}` is not known to this version")))
}

fn day(n: i64) -> Result<NaiveDate> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let d = if n >= 0 {
        epoch.checked_add_days(Days::new(n as u64))
    } else {
        epoch.checked_sub_days(Days::new(n.unsigned_abs()))
    };
    d.ok_or_else(|| Error::storage(format!("day {n} is out of range")))
}

/// Revenue summed in three parts of at most 10^6 per event (the value is at most
/// [`crate::analytics::MAX_EVENT_VALUE`], 10^15 nano-dollars): no 64-bit `SUM` can overflow
/// below 9.2 × 10^12 events in one group, more rows than either database holds. The parts are
/// joined here, saturating at [`Usd::MAX`].
fn split_sum(hi: i64, mid: i64, lo: i64) -> Usd {
    const MILLION: i128 = 1_000_000;
    let nanos = i128::from(hi) * MILLION * MILLION + i128::from(mid) * MILLION + i128::from(lo);
    Usd::from_nanos(i64::try_from(nanos.clamp(i128::from(i64::MIN), i128::from(i64::MAX))).unwrap_or(i64::MAX))
}

impl<DB: SqlBackend> SqlStore<DB> {
    /// Pieces, cost and quality per type, platform and day in the range.
    pub(crate) async fn content_stats(&self, q: &StatsQuery) -> Result<ContentStats> {
        let mut sql = Sql::dynamic(format!(
            "SELECT content_type, platform, {} AS day_n, COUNT(*) AS n, \
             COALESCE(CAST(SUM(cost) AS BIGINT), 0) AS cost, COALESCE(SUM(quality_score), 0.0) AS quality \
             FROM content",
            DB::day_of("created_at")
        ));
        range(&mut sql, "created_at", "owner", q);
        sql.push(" GROUP BY content_type, platform, day_n");
        let mut c = self.reader().await?;
        let rows = DB::fetch(&mut c, sql).await.map_err(|e| db_error("aggregating content", e))?;
        let mut s = ContentStats::default();
        let mut by_type: BTreeMap<&'static str, (ContentType, u64, Usd)> = BTreeMap::new();
        let mut by_platform: HashMap<Platform, u64> = HashMap::new();
        let mut by_day: BTreeMap<NaiveDate, (u64, Usd)> = BTreeMap::new();
        for r in &rows {
            let ct: ContentType = parse("content_type", &col(DB::text(r, "content_type"))?)?;
            let platform: Platform = parse("platform", &col(DB::text(r, "platform"))?)?;
            let n = to_u64(col(DB::int(r, "n"))?);
            let cost = Usd::from_nanos(col(DB::int(r, "cost"))?);
            s.total_content += n;
            s.total_cost += cost;
            s.quality_sum += col(DB::real(r, "quality"))?;
            let t = by_type.entry(ct.as_str()).or_insert((ct, 0, Usd::ZERO));
            t.1 += n;
            t.2 += cost;
            *by_platform.entry(platform).or_default() += n;
            let d = by_day.entry(day(col(DB::int(r, "day_n"))?)?).or_default();
            d.0 += n;
            d.1 += cost;
        }
        s.by_type =
            by_type.into_values().map(|(ct, count, cost)| TypeStat { content_type: Some(ct), count, cost }).collect();
        let mut platforms: Vec<PlatformStat> =
            by_platform.into_iter().map(|(platform, count)| PlatformStat { platform, count }).collect();
        platforms.sort_by(|a, b| b.count.cmp(&a.count).then(a.platform.as_str().cmp(b.platform.as_str())));
        s.by_platform = platforms;
        s.by_day = by_day.into_iter().map(|(date, (count, cost))| DayStat { date, count, cost }).collect();
        Ok(s)
    }

    /// Event counts by event, platform (the event's, else its piece's), the piece's type and
    /// the UTC hour the piece was created.
    pub(crate) async fn engagement_stats(&self, q: &StatsQuery) -> Result<EngagementStats> {
        let mut sql = Sql::dynamic(format!(
            "SELECT e.event_name AS event_name, COALESCE(e.platform, c.platform) AS platform, \
             c.content_type AS content_type, {} AS hour_n, CAST(SUM(e.count) AS BIGINT) AS n, \
             CAST(SUM(COALESCE(e.value, 0) / 1000000000000) AS BIGINT) AS value_hi, \
             CAST(SUM((COALESCE(e.value, 0) / 1000000) % 1000000) AS BIGINT) AS value_mid, \
             CAST(SUM(COALESCE(e.value, 0) % 1000000) AS BIGINT) AS value_lo \
             FROM analytics_events e LEFT JOIN content c ON c.id = e.content_id",
            DB::hour_of("c.created_at")
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
            let v =
                split_sum(col(DB::int(r, "value_hi"))?, col(DB::int(r, "value_mid"))?, col(DB::int(r, "value_lo"))?);
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
    }

    /// Calls, failures, cost and tokens of every provider call in the range.
    pub(crate) async fn usage_totals(&self, q: &StatsQuery) -> Result<UsageTotals> {
        let mut sql = Sql::new(
            "SELECT COUNT(*) AS calls, \
             COALESCE(CAST(SUM(CASE WHEN outcome <> 'success' THEN 1 ELSE 0 END) AS BIGINT), 0) AS failed, \
             COALESCE(CAST(SUM(cost) AS BIGINT), 0) AS cost, \
             COALESCE(CAST(SUM(input_tokens) AS BIGINT), 0) AS input_tokens, \
             COALESCE(CAST(SUM(output_tokens) AS BIGINT), 0) AS output_tokens, \
             COALESCE(CAST(SUM(cached_tokens) AS BIGINT), 0) AS cached_tokens \
             FROM api_usage",
        );
        range(&mut sql, "created_at", "owner", q);
        let mut c = self.reader().await?;
        let rows = DB::fetch(&mut c, sql).await.map_err(|e| db_error("aggregating usage", e))?;
        let Some(r) = rows.first() else { return Ok(UsageTotals::default()) };
        let int = |name: &str| col(DB::int(r, name)).map(to_u64);
        Ok(UsageTotals {
            calls: int("calls")?,
            failed_calls: int("failed")?,
            cost: Usd::from_nanos(col(DB::int(r, "cost"))?),
            input_tokens: int("input_tokens")?,
            output_tokens: int("output_tokens")?,
            cached_tokens: int("cached_tokens")?,
        })
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
