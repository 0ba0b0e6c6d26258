//! The content library in SQL: store, get, list (filters + keyset pages), delete, aggregate.

use super::rows::{CONTENT_INSERT_ONE, CONTENT_SELECT, content_args, content_from_row, content_insert};
use super::{Arg, Sql, SqlBackend, SqlStore, col, db_error, is_unique_violation, parse, range, to_u64};
use crate::analytics::{ContentStats, ContentStatsBuilder, StatsQuery};
use crate::content::{ContentType, GeneratedContent, Platform};
use crate::error::{Error, Result};
use crate::money::Usd;
use crate::storage::{ContentPage, ContentQuery, ContentStore, Cursor};
use async_trait::async_trait;
use chrono::{Days, NaiveDate};

/// Bulk inserts of at least this many pieces refresh the planner's statistics.
const ANALYZE_AFTER: usize = 1_000;

/// Rows per multi-row `INSERT` (20 columns each stays far below both databases' bind limits).
const INSERT_CHUNK: usize = 200;

/// `%text%` for `LIKE … ESCAPE '\'`, with `\`, `%` and `_` in `text` matched literally.
pub(crate) fn like_contains(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The UTC day `n` days after 1970-01-01 (before it when negative).
fn day(n: i64) -> Result<NaiveDate> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let d = if n >= 0 {
        epoch.checked_add_days(Days::new(n as u64))
    } else {
        epoch.checked_sub_days(Days::new(n.unsigned_abs()))
    };
    d.ok_or_else(|| Error::storage(format!("day {n} is out of range")))
}

impl<DB: SqlBackend> SqlStore<DB> {
    /// Stores pieces in one transaction: all or none. Fails if an id exists already.
    pub(crate) async fn save_contents(&self, items: &[GeneratedContent]) -> Result<()> {
        let duplicate = |e: sqlx::Error, chunk: &[GeneratedContent]| {
            if is_unique_violation(&e) {
                match chunk {
                    [one] => Error::storage(format!("content `{}` already exists", one.id)),
                    _ => Error::storage("a piece with one of these ids already exists"),
                }
            } else {
                db_error("storing content", e)
            }
        };
        if let [one] = items {
            // One statement is atomic by itself: no transaction round trips.
            let mut sql = Sql::new(&CONTENT_INSERT_ONE);
            sql.args = content_args(one)?;
            return self.write_one(sql).await?.map(|_| ()).map_err(|e| duplicate(e, items));
        }
        if items.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for chunk in items.chunks(INSERT_CHUNK) {
            let mut sql = Sql::dynamic(content_insert(chunk.len()));
            for c in chunk {
                sql.args.extend(content_args(c)?);
            }
            DB::execute(&mut tx, sql).await.map_err(|e| duplicate(e, chunk))?;
        }
        Self::commit(tx).await?;
        if items.len() >= ANALYZE_AFTER {
            // Fresh statistics, so the planner uses the right index right after a bulk load
            // (Postgres would otherwise wait for autovacuum); best effort.
            if let Err(e) = self.write_one(Sql::new("ANALYZE content")).await? {
                tracing::warn!(error = %e, "could not refresh the content statistics after a bulk insert");
            }
        }
        Ok(())
    }
}

#[async_trait]
impl<DB: SqlBackend> ContentStore for SqlStore<DB> {
    async fn save_content(&self, content: &GeneratedContent) -> Result<()> {
        self.bounded("save content", self.save_contents(std::slice::from_ref(content))).await
    }

    /// A piece by id, optionally only if `owner` owns it.
    async fn get_content(&self, id: &str, owner: Option<&str>) -> Result<Option<GeneratedContent>> {
        self.bounded("get content", async {
            let mut sql = Sql::dynamic(format!("SELECT {CONTENT_SELECT} FROM content WHERE id = "));
            sql.push_arg(Arg::Text(id.to_owned()));
            if let Some(o) = owner {
                sql.push(" AND owner = ");
                sql.push_arg(Arg::Text(o.to_owned()));
            }
            let mut c = self.reader().await?;
            let rows = DB::fetch(&mut c, sql).await.map_err(|e| db_error("reading content", e))?;
            rows.first().map(content_from_row::<DB>).transpose()
        })
        .await
    }

    /// A page of the library, newest first, filtered in SQL.
    async fn list_content(&self, q: &ContentQuery) -> Result<ContentPage> {
        self.bounded("list content", async {
            let (limit, cursor) = q.validated()?;
            let mut sql = Sql::dynamic(format!("SELECT {CONTENT_SELECT} FROM content WHERE 1 = 1"));
            if let Some(o) = &q.owner {
                sql.clause(" AND owner = ", Arg::Text(o.clone()));
            }
            if let Some(t) = q.content_type {
                sql.clause(" AND content_type = ", Arg::Text(t.as_str().to_owned()));
            }
            if let Some(p) = q.platform {
                sql.clause(" AND platform = ", Arg::Text(p.as_str().to_owned()));
            }
            if let Some(s) = q.since {
                sql.clause(" AND created_at >= ", Arg::Time(s));
            }
            if let Some(u) = q.until {
                sql.clause(" AND created_at < ", Arg::Time(u));
            }
            if let Some(m) = q.min_quality {
                sql.clause(" AND quality_score >= ", Arg::Real(m));
            }
            match q.caller_left {
                // The bare column (not `= $n`): that is what the partial index's predicate matches.
                Some(true) => sql.push(" AND caller_left"),
                Some(false) => sql.push(" AND NOT caller_left"),
                None => {}
            }
            if let Some(text) = &q.text {
                // Both sides are lower-cased by Rust, exactly as the in-memory backend compares.
                let pattern = like_contains(&text.to_lowercase());
                sql.clause(" AND (topic_lc LIKE ", Arg::Text(pattern.clone()));
                sql.clause(" ESCAPE '\\' OR content_lc LIKE ", Arg::Text(pattern));
                sql.push(" ESCAPE '\\')");
            }
            if let Some(Cursor { created_at, id }) = &cursor {
                sql.clause(" AND (created_at, id) < (", Arg::Time(*created_at));
                sql.clause(", ", Arg::Text(id.clone()));
                sql.push(")");
            }
            sql.push(" ORDER BY created_at DESC, id DESC LIMIT ");
            sql.push_arg(Arg::Int(i64::from(limit) + 1));
            let mut c = self.reader().await?;
            let rows = DB::fetch(&mut c, sql).await.map_err(|e| db_error("listing content", e))?;
            let more = rows.len() > limit as usize;
            let items = rows.iter().take(limit as usize).map(content_from_row::<DB>).collect::<Result<Vec<_>>>()?;
            let next_cursor = if more { items.last().map(|i| Cursor::after(i).encode()) } else { None };
            Ok(ContentPage { items, next_cursor })
        })
        .await
    }

    /// Deletes a piece (only `owner`'s when given); true if it existed.
    async fn delete_content(&self, id: &str, owner: Option<&str>) -> Result<bool> {
        self.bounded("delete content", async {
            let mut sql = Sql::new("DELETE FROM content WHERE id = $1").arg(Arg::Text(id.to_owned()));
            if let Some(o) = owner {
                sql = Sql::new("DELETE FROM content WHERE id = $1 AND owner = $2")
                    .arg(Arg::Text(id.to_owned()))
                    .arg(Arg::Text(o.to_owned()));
            }
            let n = self.write_one(sql).await?.map_err(|e| db_error("deleting content", e))?;
            Ok(n > 0)
        })
        .await
    }

    /// Pieces, cost and quality per type, platform and day in the range.
    async fn content_stats(&self, q: &StatsQuery) -> Result<ContentStats> {
        self.bounded("content stats", async {
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
            let mut stats = ContentStatsBuilder::default();
            for r in &rows {
                let ct: ContentType = parse("content_type", &col(DB::text(r, "content_type"))?)?;
                let platform: Platform = parse("platform", &col(DB::text(r, "platform"))?)?;
                let n = to_u64(col(DB::int(r, "n"))?);
                let cost = Usd::from_nanos(col(DB::int(r, "cost"))?);
                let day = day(col(DB::int(r, "day_n"))?)?;
                stats.add(ct, platform, day, n, cost, col(DB::real(r, "quality"))?);
            }
            Ok(stats.finish())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::like_contains;

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_contains("50% off"), "%50\\% off%");
        assert_eq!(like_contains("snake_case"), "%snake\\_case%");
        assert_eq!(like_contains("a\\b"), "%a\\\\b%");
        assert_eq!(like_contains("plain"), "%plain%");
    }
}
