//! The publishing schedule in SQL (`social_posts`), with the memory store's semantics.
//!
//! Claims run in one write transaction: on Postgres the candidate rows are locked with
//! `FOR UPDATE SKIP LOCKED` (another worker's claim in progress is skipped, not waited for);
//! on SQLite `BEGIN IMMEDIATE` makes the transaction the only writer. Lease-guarded writes
//! (`renew`, `record_posted`, `finish`) match `status = 'publishing' AND lease_owner = $worker`,
//! so a worker whose lease was taken over changes nothing.

use super::{Arg, Sql, SqlBackend, SqlStore, col, db_error, is_unique_violation};
use crate::error::{Error, Result};
use crate::page::truncate_micros;
use crate::publish::{PostedPart, PublisherKind};
use crate::schedule::{
    ABANDONED_MESSAGE, ChangeOutcome, Claimed, Finish, PostChange, PostStatus, SchedulePage, ScheduleQuery,
    ScheduleStore, ScheduledPost, apply_finish, cursor_after,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// The `social_posts` columns, in insert order.
const COLUMNS: &str = "id, content_id, owner, account, platform, parts, scheduled_time, status, attempts, \
     next_attempt_at, last_error, post_id, post_url, posted, idempotent, published_at, lease_owner, lease_until, \
     created_at, updated_at";
const WIDTH: usize = 20;

fn args(p: &ScheduledPost) -> Result<Vec<Arg>> {
    Ok(vec![
        Arg::Text(p.id.clone()),
        Arg::Text(p.content_id.clone()),
        Arg::OptText(p.owner.clone()),
        Arg::Text(p.account.clone()),
        Arg::Text(p.platform.as_str().to_owned()),
        Arg::Json(
            serde_json::value::to_raw_value(&p.parts).map_err(|e| Error::internal(format!("encoding parts: {e}")))?,
        ),
        Arg::Time(p.scheduled_time),
        Arg::Text(p.status.as_str().to_owned()),
        Arg::Int(i64::from(p.attempts)),
        Arg::Time(p.next_attempt_at),
        Arg::OptText(p.last_error.clone()),
        Arg::OptText(p.post_id.clone()),
        Arg::OptText(p.post_url.clone()),
        posted_arg(&p.posted)?,
        Arg::Bool(p.idempotent),
        Arg::OptTime(p.published_at),
        Arg::OptText(p.lease_owner.clone()),
        Arg::OptTime(p.lease_until),
        Arg::Time(p.created_at),
        Arg::Time(p.updated_at),
    ])
}

fn posted_arg(posted: &[PostedPart]) -> Result<Arg> {
    Ok(Arg::Json(
        serde_json::value::to_raw_value(posted).map_err(|e| Error::internal(format!("encoding posted parts: {e}")))?,
    ))
}

fn from_row<DB: SqlBackend>(r: &DB::Row) -> Result<ScheduledPost> {
    let platform = col(DB::text(r, "platform"))?;
    let status = col(DB::text(r, "status"))?;
    let attempts = col(DB::int(r, "attempts"))?;
    Ok(ScheduledPost {
        id: col(DB::text(r, "id"))?,
        content_id: col(DB::text(r, "content_id"))?,
        owner: col(DB::opt_text(r, "owner"))?,
        account: col(DB::text(r, "account"))?,
        platform: PublisherKind::parse(&platform).ok_or_else(|| {
            Error::storage(format!("stored `platform` value `{platform}` is not known to this version"))
        })?,
        parts: col(DB::json(r, "parts"))?,
        scheduled_time: col(DB::time(r, "scheduled_time"))?,
        status: PostStatus::parse(&status)
            .ok_or_else(|| Error::storage(format!("stored `status` value `{status}` is not known to this version")))?,
        attempts: u32::try_from(attempts)
            .map_err(|_| Error::storage(format!("stored `attempts` value {attempts} is out of range")))?,
        next_attempt_at: col(DB::time(r, "next_attempt_at"))?,
        last_error: col(DB::opt_text(r, "last_error"))?,
        post_id: col(DB::opt_text(r, "post_id"))?,
        post_url: col(DB::opt_text(r, "post_url"))?,
        posted: col(DB::json(r, "posted"))?,
        idempotent: col(DB::boolean(r, "idempotent"))?,
        published_at: col(DB::opt_time(r, "published_at"))?,
        lease_owner: col(DB::opt_text(r, "lease_owner"))?,
        lease_until: col(DB::opt_time(r, "lease_until"))?,
        created_at: col(DB::time(r, "created_at"))?,
        updated_at: col(DB::time(r, "updated_at"))?,
    })
}

/// `($k, $k+1, …)` for `ids`, binding each.
fn id_list(sql: &mut Sql, ids: &[String]) {
    sql.push("(");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push_arg(Arg::Text(id.clone()));
    }
    sql.push(")");
}

fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(lease)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(crate::clock::latest_time())
}

impl<DB: SqlBackend> SqlStore<DB> {
    /// Entries matching `where_` (with its args), read on `conn`.
    async fn posts_on(conn: &mut DB::Conn, sql: Sql, doing: &str) -> Result<Vec<ScheduledPost>> {
        let rows = DB::fetch(conn, sql).await.map_err(|e| db_error(doing, e))?;
        rows.iter().map(from_row::<DB>).collect()
    }

    /// The entry `id` held by `worker`, locked for this transaction.
    async fn held(tx: &mut DB::Conn, id: &str, worker: &str) -> Result<Option<ScheduledPost>> {
        let sql = Sql::dynamic(format!(
            "SELECT {COLUMNS} FROM social_posts WHERE id = $1 AND status = 'publishing' AND lease_owner = $2{}",
            DB::FOR_UPDATE_SKIP_LOCKED.replace(" SKIP LOCKED", "")
        ))
        .arg(Arg::Text(id.to_owned()))
        .arg(Arg::Text(worker.to_owned()));
        Ok(Self::posts_on(tx, sql, "reading a schedule entry").await?.into_iter().next())
    }

    /// Writes every mutable field of `p` back.
    async fn write_back(conn: &mut DB::Conn, p: &ScheduledPost) -> Result<()> {
        let sql = Sql::new(
            "UPDATE social_posts SET scheduled_time = $1, status = $2, attempts = $3, next_attempt_at = $4, \
             last_error = $5, post_id = $6, post_url = $7, posted = $8, published_at = $9, lease_owner = $10, \
             lease_until = $11, updated_at = $12 WHERE id = $13",
        )
        .arg(Arg::Time(p.scheduled_time))
        .arg(Arg::Text(p.status.as_str().to_owned()))
        .arg(Arg::Int(i64::from(p.attempts)))
        .arg(Arg::Time(p.next_attempt_at))
        .arg(Arg::OptText(p.last_error.clone()))
        .arg(Arg::OptText(p.post_id.clone()))
        .arg(Arg::OptText(p.post_url.clone()))
        .arg(posted_arg(&p.posted)?)
        .arg(Arg::OptTime(p.published_at))
        .arg(Arg::OptText(p.lease_owner.clone()))
        .arg(Arg::OptTime(p.lease_until))
        .arg(Arg::Time(p.updated_at))
        .arg(Arg::Text(p.id.clone()));
        DB::execute(conn, sql).await.map_err(|e| db_error("updating a schedule entry", e))?;
        Ok(())
    }
}

#[async_trait]
impl<DB: SqlBackend> ScheduleStore for SqlStore<DB> {
    async fn insert(&self, posts: &[ScheduledPost]) -> Result<()> {
        if posts.is_empty() {
            return Ok(());
        }
        self.bounded("insert schedule entries", async {
            let mut tx = self.begin().await?;
            // 20 columns a row: 100 rows stay far below every backend's bind limit.
            for chunk in posts.chunks(100) {
                let mut sql = Sql::dynamic(format!("INSERT INTO social_posts ({COLUMNS}) VALUES "));
                for (i, p) in chunk.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.push("(");
                    for (j, a) in args(p)?.into_iter().enumerate() {
                        if j > 0 {
                            sql.push(", ");
                        }
                        sql.push_arg(a);
                    }
                    sql.push(")");
                }
                debug_assert_eq!(sql.args.len(), chunk.len() * WIDTH);
                DB::execute(&mut tx, sql).await.map_err(|e| {
                    if is_unique_violation(&e) {
                        Error::storage("a schedule entry with one of these ids already exists")
                    } else {
                        db_error("storing schedule entries", e)
                    }
                })?;
            }
            Self::commit(tx).await
        })
        .await
    }

    async fn get(&self, id: &str, owner: Option<&str>) -> Result<Option<ScheduledPost>> {
        self.bounded("get schedule entry", async {
            let mut sql =
                Sql::dynamic(format!("SELECT {COLUMNS} FROM social_posts WHERE id = $1")).arg(Arg::Text(id.to_owned()));
            if let Some(o) = owner {
                sql.clause(" AND owner = ", Arg::Text(o.to_owned()));
            }
            let mut c = self.reader().await?;
            Ok(Self::posts_on(&mut c, sql, "reading a schedule entry").await?.into_iter().next())
        })
        .await
    }

    async fn list(&self, query: &ScheduleQuery) -> Result<SchedulePage> {
        let (limit, cursor) = query.validated()?;
        self.bounded("list schedule", async {
            let mut sql = Sql::dynamic(format!("SELECT {COLUMNS} FROM social_posts WHERE 1 = 1"));
            if let Some(o) = &query.owner {
                sql.clause(" AND owner = ", Arg::Text(o.clone()));
            }
            if let Some(s) = query.status {
                sql.clause(" AND status = ", Arg::Text(s.as_str().to_owned()));
            }
            if let Some(a) = &query.account {
                sql.clause(" AND account = ", Arg::Text(a.clone()));
            }
            if let Some(c) = &query.content_id {
                sql.clause(" AND content_id = ", Arg::Text(c.clone()));
            }
            if let Some(t) = query.since {
                sql.clause(" AND scheduled_time >= ", Arg::Time(t));
            }
            if let Some(t) = query.until {
                sql.clause(" AND scheduled_time < ", Arg::Time(t));
            }
            if let Some(c) = &cursor {
                sql.clause(" AND (scheduled_time, id) > (", Arg::Time(c.created_at));
                sql.push(", ");
                sql.push_arg(Arg::Text(c.id.clone()));
                sql.push(")");
            }
            sql.push(&format!(" ORDER BY scheduled_time, id LIMIT {}", limit + 1));
            let mut c = self.reader().await?;
            let mut items = Self::posts_on(&mut c, sql, "listing the schedule").await?;
            let more = items.len() > limit as usize;
            items.truncate(limit as usize);
            let next_cursor = if more { items.last().map(|p| cursor_after(p).encode()) } else { None };
            Ok(SchedulePage { items, next_cursor })
        })
        .await
    }

    async fn change(
        &self,
        id: &str,
        owner: Option<&str>,
        change: &PostChange,
        now: DateTime<Utc>,
    ) -> Result<ChangeOutcome> {
        self.bounded("change schedule entry", async {
            let mut tx = self.begin().await?;
            let mut sql =
                Sql::dynamic(format!("SELECT {COLUMNS} FROM social_posts WHERE id = $1")).arg(Arg::Text(id.to_owned()));
            if let Some(o) = owner {
                sql.clause(" AND owner = ", Arg::Text(o.to_owned()));
            }
            // Locks the row: a claim of it waits (or skips it) until this commits.
            sql.push(&DB::FOR_UPDATE_SKIP_LOCKED.replace(" SKIP LOCKED", ""));
            let Some(mut p) = Self::posts_on(&mut tx, sql, "reading a schedule entry").await?.into_iter().next() else {
                return Ok(ChangeOutcome::NotFound);
            };
            if !change.apply(&mut p, now) {
                return Ok(ChangeOutcome::NotScheduled(p));
            }
            Self::write_back(&mut tx, &p).await?;
            Self::commit(tx).await?;
            Ok(ChangeOutcome::Changed(p))
        })
        .await
    }

    async fn claim_due(&self, worker: &str, now: DateTime<Utc>, lease: Duration, limit: u32) -> Result<Claimed> {
        self.bounded("claim due posts", async {
            let now = truncate_micros(now);
            let until = truncate_micros(lease_end(now, lease));
            let mut tx = self.begin().await?;
            let mut claimed = Claimed::default();
            // Stopped workers' claims on platforms without idempotency keys: unknown.
            let sql = Sql::dynamic(format!(
                "SELECT {COLUMNS} FROM social_posts WHERE status = 'publishing' AND lease_until <= $1 \
                 AND NOT idempotent ORDER BY lease_until, id LIMIT 500{}",
                DB::FOR_UPDATE_SKIP_LOCKED
            ))
            .arg(Arg::Time(now));
            let lapsed = Self::posts_on(&mut tx, sql, "reading lapsed claims").await?;
            if !lapsed.is_empty() {
                let ids: Vec<String> = lapsed.iter().map(|p| p.id.clone()).collect();
                let mut sql = Sql::new(
                    "UPDATE social_posts SET status = 'unknown', last_error = $1, lease_owner = NULL, \
                     lease_until = NULL, updated_at = $2 WHERE id IN ",
                )
                .arg(Arg::Text(ABANDONED_MESSAGE.to_owned()))
                .arg(Arg::Time(now));
                id_list(&mut sql, &ids);
                DB::execute(&mut tx, sql).await.map_err(|e| db_error("marking lapsed claims unknown", e))?;
                for mut p in lapsed {
                    p.status = PostStatus::Unknown;
                    p.last_error = Some(ABANDONED_MESSAGE.to_owned());
                    p.lease_owner = None;
                    p.lease_until = None;
                    p.updated_at = now;
                    claimed.abandoned.push(p);
                }
            }
            if limit > 0 {
                let sql = Sql::dynamic(format!(
                    "SELECT {COLUMNS} FROM social_posts WHERE (status = 'scheduled' AND next_attempt_at <= $1) \
                     OR (status = 'publishing' AND lease_until <= $1) ORDER BY next_attempt_at, id LIMIT {limit}{}",
                    DB::FOR_UPDATE_SKIP_LOCKED
                ))
                .arg(Arg::Time(now));
                let due = Self::posts_on(&mut tx, sql, "reading due posts").await?;
                if !due.is_empty() {
                    let ids: Vec<String> = due.iter().map(|p| p.id.clone()).collect();
                    let mut sql = Sql::new(
                        "UPDATE social_posts SET status = 'publishing', attempts = attempts + 1, lease_owner = $1, \
                         lease_until = $2, updated_at = $3 WHERE id IN ",
                    )
                    .arg(Arg::Text(worker.to_owned()))
                    .arg(Arg::Time(until))
                    .arg(Arg::Time(now));
                    id_list(&mut sql, &ids);
                    DB::execute(&mut tx, sql).await.map_err(|e| db_error("claiming due posts", e))?;
                    for mut p in due {
                        p.status = PostStatus::Publishing;
                        p.attempts = p.attempts.saturating_add(1);
                        p.lease_owner = Some(worker.to_owned());
                        p.lease_until = Some(until);
                        p.updated_at = now;
                        claimed.posts.push(p);
                    }
                }
            }
            Self::commit(tx).await?;
            Ok(claimed)
        })
        .await
    }

    async fn renew(&self, worker: &str, ids: &[String], until: DateTime<Utc>) -> Result<Vec<String>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.bounded("renew leases", async {
            let mut held = Vec::with_capacity(ids.len());
            let mut c = self.writer().await?;
            for chunk in ids.chunks(500) {
                let mut sql = Sql::dynamic(
                    "UPDATE social_posts SET lease_until = $1 WHERE status = 'publishing' AND lease_owner = $2 AND id IN "
                        .to_owned(),
                )
                .arg(Arg::Time(until))
                .arg(Arg::Text(worker.to_owned()));
                id_list(&mut sql, chunk);
                sql.push(" RETURNING id");
                let rows = DB::fetch(&mut c, sql).await.map_err(|e| db_error("renewing leases", e))?;
                for r in &rows {
                    held.push(col(DB::text(r, "id"))?);
                }
            }
            Self::finish_write(c).await?;
            Ok(held)
        })
        .await
    }

    async fn record_posted(&self, id: &str, worker: &str, posted: &[PostedPart], now: DateTime<Utc>) -> Result<bool> {
        self.bounded("record posted parts", async {
            let sql = Sql::new(
                "UPDATE social_posts SET posted = $1, updated_at = $2 \
                 WHERE id = $3 AND status = 'publishing' AND lease_owner = $4",
            )
            .arg(posted_arg(posted)?)
            .arg(Arg::Time(now))
            .arg(Arg::Text(id.to_owned()))
            .arg(Arg::Text(worker.to_owned()));
            Ok(self.write_one(sql).await?.map_err(|e| db_error("recording posted parts", e))? > 0)
        })
        .await
    }

    async fn finish(
        &self,
        id: &str,
        worker: &str,
        finish: &Finish,
        now: DateTime<Utc>,
    ) -> Result<Option<ScheduledPost>> {
        self.bounded("finish a publish attempt", async {
            let mut tx = self.begin().await?;
            let Some(mut p) = Self::held(&mut tx, id, worker).await? else { return Ok(None) };
            apply_finish(&mut p, finish, now);
            Self::write_back(&mut tx, &p).await?;
            Self::commit(tx).await?;
            Ok(Some(p))
        })
        .await
    }
}
