//! Usage records in SQL: one row per provider call, listed and totalled.

use super::rows::{USAGE_COLUMNS, USAGE_INSERT_ONE, usage_args, usage_from_row};
use super::{Arg, Sql, SqlBackend, SqlStore, col, db_error, range, to_u64};
use crate::analytics::{StatsQuery, UsageTotals};
use crate::error::Result;
use crate::money::Usd;
use crate::storage::{UsageRecord, UsageStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl<DB: SqlBackend> UsageStore for SqlStore<DB> {
    /// Stores one usage record.
    async fn record_usage(&self, u: &UsageRecord) -> Result<()> {
        self.bounded("record usage", async {
            let mut sql = Sql::new(&USAGE_INSERT_ONE);
            sql.args = usage_args(u)?;
            self.write_one(sql).await?.map_err(|e| db_error("recording usage", e))?;
            Ok(())
        })
        .await
    }

    /// Usage records in `[since, until)`, oldest first (ties in insertion order).
    async fn list_usage(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        owner: Option<&str>,
    ) -> Result<Vec<UsageRecord>> {
        self.bounded("list usage", async {
            let mut sql = Sql::dynamic(format!("SELECT {USAGE_COLUMNS} FROM api_usage WHERE created_at >= $1"));
            sql.args.push(Arg::Time(since));
            sql.clause(" AND created_at < ", Arg::Time(until));
            if let Some(o) = owner {
                sql.clause(" AND owner = ", Arg::Text(o.to_owned()));
            }
            sql.push(" ORDER BY created_at, seq");
            let mut c = self.reader().await?;
            let rows = DB::fetch(&mut c, sql).await.map_err(|e| db_error("listing usage", e))?;
            rows.iter().map(usage_from_row::<DB>).collect()
        })
        .await
    }

    /// Calls, failures, cost and tokens of every provider call in the range.
    async fn usage_totals(&self, q: &StatsQuery) -> Result<UsageTotals> {
        self.bounded("usage totals", async {
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
        })
        .await
    }
}
