//! API key records in SQL.

use super::rows::{KEY_COLUMNS, KEY_WIDTH, key_args, key_from_row, values_placeholders};
use super::{Arg, Sql, SqlBackend, SqlStore, db_error, is_unique_violation};
use crate::auth::{ApiKeyRecord, KeyStatus, KeyStore};
use crate::error::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

fn key_exists(e: sqlx::Error, id: &str, doing: &str) -> Error {
    if is_unique_violation(&e) { Error::storage(format!("API key `{id}` already exists")) } else { db_error(doing, e) }
}

impl<DB: SqlBackend> SqlStore<DB> {
    async fn keys_where(&self, clause: &'static str, args: Vec<Arg>) -> Result<Vec<ApiKeyRecord>> {
        let mut sql = Sql::dynamic(format!("SELECT {KEY_COLUMNS} FROM api_keys {clause}"));
        sql.args = args;
        let mut c = self.reader().await?;
        let rows = DB::fetch(&mut c, sql).await.map_err(|e| db_error("reading API keys", e))?;
        rows.iter().map(key_from_row::<DB>).collect()
    }
}

#[async_trait]
impl<DB: SqlBackend> KeyStore for SqlStore<DB> {
    /// Stores a new key; a duplicate id or hash is refused.
    async fn insert_key(&self, k: &ApiKeyRecord) -> Result<()> {
        self.bounded("insert key", async {
            let mut sql = Sql::dynamic(format!(
                "INSERT INTO api_keys ({KEY_COLUMNS}) VALUES {}",
                values_placeholders(1, KEY_WIDTH)
            ));
            sql.args = key_args(k);
            self.write_one(sql).await?.map_err(|e| key_exists(e, &k.id, "storing an API key"))?;
            Ok(())
        })
        .await
    }

    /// Keys with this lookup prefix, by id.
    async fn keys_by_prefix(&self, prefix: &str) -> Result<Vec<ApiKeyRecord>> {
        self.bounded("keys by prefix", async {
            self.keys_where("WHERE prefix = $1 ORDER BY id", vec![Arg::Text(prefix.to_owned())]).await
        })
        .await
    }

    /// A key by id.
    async fn get_key(&self, id: &str) -> Result<Option<ApiKeyRecord>> {
        self.bounded("get key", async {
            Ok(self.keys_where("WHERE id = $1", vec![Arg::Text(id.to_owned())]).await?.into_iter().next())
        })
        .await
    }

    /// Every key, oldest first.
    async fn list_keys(&self) -> Result<Vec<ApiKeyRecord>> {
        self.bounded("list keys", async { self.keys_where("ORDER BY created_at, id", Vec::new()).await }).await
    }

    /// Sets a key's status (and expiry when given); false if there is no such key.
    async fn set_key_status(&self, id: &str, status: KeyStatus, expires_at: Option<DateTime<Utc>>) -> Result<bool> {
        self.bounded("set key status", async {
            let sql = Sql::new("UPDATE api_keys SET status = $1, expires_at = COALESCE($2, expires_at) WHERE id = $3")
                .arg(Arg::Text(status.as_str().to_owned()))
                .arg(Arg::OptTime(expires_at))
                .arg(Arg::Text(id.to_owned()));
            Ok(self.write_one(sql).await?.map_err(|e| db_error("updating an API key", e))? > 0)
        })
        .await
    }

    /// Records a key's last use.
    async fn touch_key(&self, id: &str, at: DateTime<Utc>) -> Result<()> {
        self.bounded("touch key", async {
            let sql = Sql::new("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
                .arg(Arg::Time(at))
                .arg(Arg::Text(id.to_owned()));
            self.write_one(sql).await?.map_err(|e| db_error("recording API key use", e))?;
            Ok(())
        })
        .await
    }

    /// In one transaction: the old key starts expiring (only if still active) and the new one
    /// is stored. False, with nothing changed, if the old key was not active.
    async fn rotate_key(&self, old_id: &str, old_expires_at: DateTime<Utc>, new_key: &ApiKeyRecord) -> Result<bool> {
        self.bounded("rotate key", async {
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
            let mut insert = Sql::dynamic(format!(
                "INSERT INTO api_keys ({KEY_COLUMNS}) VALUES {}",
                values_placeholders(1, KEY_WIDTH)
            ));
            insert.args = key_args(new_key);
            DB::execute(&mut tx, insert).await.map_err(|e| key_exists(e, &new_key.id, "rotating an API key"))?;
            Self::commit(tx).await?;
            Ok(true)
        })
        .await
    }
}
