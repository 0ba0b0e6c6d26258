//! Usage records, API keys and analytics events in SQL.

use super::rows::{
    KEY_COLUMNS, KEY_WIDTH, USAGE_COLUMNS, USAGE_WIDTH, key_args, key_from_row, usage_args, usage_from_row,
    values_placeholders,
};
use super::{Arg, Sql, SqlBackend, SqlStore, db_error, is_unique_violation};
use crate::analytics::AnalyticsEvent;
use crate::auth::{ApiKeyRecord, KeyStatus};
use crate::error::{Error, Result};
use crate::money::Usd;
use crate::storage::UsageRecord;
use chrono::{DateTime, Utc};

const EVENT_COLUMNS: &str = "id, event_name, content_id, platform, count, value, owner, occurred_at, created_at";
const EVENT_WIDTH: usize = 9;
const EVENT_CHUNK: usize = 500;

fn key_exists(e: sqlx::Error, id: &str, doing: &str) -> Error {
    if is_unique_violation(&e) { Error::storage(format!("API key `{id}` already exists")) } else { db_error(doing, e) }
}

impl<DB: SqlBackend> SqlStore<DB> {
    /// Stores one usage record.
    pub(crate) async fn record_usage(&self, u: &UsageRecord) -> Result<()> {
        let mut sql = Sql::dynamic(format!(
            "INSERT INTO api_usage ({USAGE_COLUMNS}) VALUES {}",
            values_placeholders(1, USAGE_WIDTH)
        ));
        sql.args = usage_args(u)?;
        let mut c = self.writer().await?;
        DB::execute(&mut c, sql).await.map_err(|e| db_error("recording usage", e))?;
        Ok(())
    }

    /// Usage records in `[since, until)`, oldest first (ties in insertion order).
    pub(crate) async fn list_usage(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        owner: Option<&str>,
    ) -> Result<Vec<UsageRecord>> {
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
    }

    /// Stores a new key; a duplicate id or hash is refused.
    pub(crate) async fn insert_key(&self, k: &ApiKeyRecord) -> Result<()> {
        let mut sql =
            Sql::dynamic(format!("INSERT INTO api_keys ({KEY_COLUMNS}) VALUES {}", values_placeholders(1, KEY_WIDTH)));
        sql.args = key_args(k);
        let mut c = self.writer().await?;
        DB::execute(&mut c, sql).await.map_err(|e| key_exists(e, &k.id, "storing an API key"))?;
        Ok(())
    }

    async fn keys_where(&self, clause: &'static str, args: Vec<Arg>) -> Result<Vec<ApiKeyRecord>> {
        let mut sql = Sql::dynamic(format!("SELECT {KEY_COLUMNS} FROM api_keys {clause}"));
        sql.args = args;
        let mut c = self.reader().await?;
        let rows = DB::fetch(&mut c, sql).await.map_err(|e| db_error("reading API keys", e))?;
        rows.iter().map(key_from_row::<DB>).collect()
    }

    /// Keys with this lookup prefix, by id.
    pub(crate) async fn keys_by_prefix(&self, prefix: &str) -> Result<Vec<ApiKeyRecord>> {
        self.keys_where("WHERE prefix = $1 ORDER BY id", vec![Arg::Text(prefix.to_owned())]).await
    }

    /// A key by id.
    pub(crate) async fn get_key(&self, id: &str) -> Result<Option<ApiKeyRecord>> {
        Ok(self.keys_where("WHERE id = $1", vec![Arg::Text(id.to_owned())]).await?.into_iter().next())
    }

    /// Every key, oldest first.
    pub(crate) async fn list_keys(&self) -> Result<Vec<ApiKeyRecord>> {
        self.keys_where("ORDER BY created_at, id", Vec::new()).await
    }

    /// Sets a key's status (and expiry when given); false if there is no such key.
    pub(crate) async fn set_key_status(
        &self,
        id: &str,
        status: KeyStatus,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let sql = Sql::new("UPDATE api_keys SET status = $1, expires_at = COALESCE($2, expires_at) WHERE id = $3")
            .arg(Arg::Text(status.as_str().to_owned()))
            .arg(Arg::OptTime(expires_at))
            .arg(Arg::Text(id.to_owned()));
        let mut c = self.writer().await?;
        Ok(DB::execute(&mut c, sql).await.map_err(|e| db_error("updating an API key", e))? > 0)
    }

    /// Records a key's last use.
    pub(crate) async fn touch_key(&self, id: &str, at: DateTime<Utc>) -> Result<()> {
        let sql = Sql::new("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
            .arg(Arg::Time(at))
            .arg(Arg::Text(id.to_owned()));
        let mut c = self.writer().await?;
        DB::execute(&mut c, sql).await.map_err(|e| db_error("recording API key use", e))?;
        Ok(())
    }

    /// In one transaction: the old key starts expiring (only if still active) and the new one
    /// is stored. False, with nothing changed, if the old key was not active.
    pub(crate) async fn rotate_key(
        &self,
        old_id: &str,
        old_expires_at: DateTime<Utc>,
        new_key: &ApiKeyRecord,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let expire = Sql::new(
            "UPDATE api_keys SET status = 'expiring', expires_at = $1, rotated_to = $2 \
             WHERE id = $3 AND status = 'active'",
        )
        .arg(Arg::Time(old_expires_at))
        .arg(Arg::Text(new_key.id.clone()))
        .arg(Arg::Text(old_id.to_owned()));
        if DB::execute(&mut tx, expire).await.map_err(|e| db_error("rotating an API key", e))? == 0 {
            return Ok(false);
        }
        let mut insert =
            Sql::dynamic(format!("INSERT INTO api_keys ({KEY_COLUMNS}) VALUES {}", values_placeholders(1, KEY_WIDTH)));
        insert.args = key_args(new_key);
        DB::execute(&mut tx, insert).await.map_err(|e| key_exists(e, &new_key.id, "rotating an API key"))?;
        Self::commit(tx).await?;
        Ok(true)
    }

    /// Stores events in one transaction (all or none).
    pub(crate) async fn record_events(&self, events: &[AnalyticsEvent]) -> Result<()> {
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
    }
}
