//! `KeyStore`: where API key records live, and [`MemoryKeyStore`], the in-memory one.

use super::{ApiKeyRecord, KeyStatus};
use crate::error::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parking_lot::RwLock;
use std::collections::BTreeMap;
use std::fmt::Debug;

/// Persistence for API key records (hashes, never secrets), used by [`super::KeyManager`].
///
/// Every backend passes the conformance suite in `splants/tests/storage/`, with
/// [`MemoryKeyStore`] as the reference semantics.
#[async_trait]
pub trait KeyStore: Send + Sync + Debug {
    /// Stores a new API key. Fails if the id or the hash exists already.
    async fn insert_key(&self, key: &ApiKeyRecord) -> Result<()>;

    /// Keys whose lookup prefix is `prefix` (usually one).
    async fn keys_by_prefix(&self, prefix: &str) -> Result<Vec<ApiKeyRecord>>;

    /// A key by id.
    async fn get_key(&self, id: &str) -> Result<Option<ApiKeyRecord>>;

    /// Every key, oldest first.
    async fn list_keys(&self) -> Result<Vec<ApiKeyRecord>>;

    /// Sets a key's status (and expiry, when `Some`); false if the key does not exist.
    async fn set_key_status(&self, id: &str, status: KeyStatus, expires_at: Option<DateTime<Utc>>) -> Result<bool>;

    /// Records a successful use of a key.
    async fn touch_key(&self, id: &str, at: DateTime<Utc>) -> Result<()>;

    /// In one transaction: stores `new_key` and marks key `old_id` as expiring at
    /// `old_expires_at` with `rotated_to = new_key.id` — only if `old_id` is still active.
    /// Returns false (and stores nothing) otherwise.
    async fn rotate_key(&self, old_id: &str, old_expires_at: DateTime<Utc>, new_key: &ApiKeyRecord) -> Result<bool>;
}

/// Keeps key records in process memory; nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryKeyStore {
    keys: RwLock<BTreeMap<String, ApiKeyRecord>>,
}

impl MemoryKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryKeyStore::default()
    }
}

fn refuse_duplicate(keys: &BTreeMap<String, ApiKeyRecord>, key: &ApiKeyRecord) -> Result<()> {
    if keys.contains_key(&key.id) || keys.values().any(|k| k.hash == key.hash) {
        return Err(Error::storage(format!("API key `{}` already exists", key.id)));
    }
    Ok(())
}

#[async_trait]
impl KeyStore for MemoryKeyStore {
    async fn insert_key(&self, key: &ApiKeyRecord) -> Result<()> {
        let mut keys = self.keys.write();
        refuse_duplicate(&keys, key)?;
        keys.insert(key.id.clone(), key.clone());
        Ok(())
    }

    async fn keys_by_prefix(&self, prefix: &str) -> Result<Vec<ApiKeyRecord>> {
        Ok(self.keys.read().values().filter(|k| k.prefix == prefix).cloned().collect())
    }

    async fn get_key(&self, id: &str) -> Result<Option<ApiKeyRecord>> {
        Ok(self.keys.read().get(id).cloned())
    }

    async fn list_keys(&self) -> Result<Vec<ApiKeyRecord>> {
        let mut keys: Vec<ApiKeyRecord> = self.keys.read().values().cloned().collect();
        keys.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(keys)
    }

    async fn set_key_status(&self, id: &str, status: KeyStatus, expires_at: Option<DateTime<Utc>>) -> Result<bool> {
        let mut keys = self.keys.write();
        let Some(k) = keys.get_mut(id) else { return Ok(false) };
        k.status = status;
        if expires_at.is_some() {
            k.expires_at = expires_at;
        }
        Ok(true)
    }

    async fn touch_key(&self, id: &str, at: DateTime<Utc>) -> Result<()> {
        if let Some(k) = self.keys.write().get_mut(id) {
            k.last_used_at = Some(at);
        }
        Ok(())
    }

    async fn rotate_key(&self, old_id: &str, old_expires_at: DateTime<Utc>, new_key: &ApiKeyRecord) -> Result<bool> {
        let mut keys = self.keys.write();
        if keys.get(old_id).is_none_or(|k| k.status != KeyStatus::Active) {
            return Ok(false);
        }
        refuse_duplicate(&keys, new_key)?;
        keys.insert(new_key.id.clone(), new_key.clone());
        if let Some(old) = keys.get_mut(old_id) {
            old.status = KeyStatus::Expiring;
            old.expires_at = Some(old_expires_at);
            old.rotated_to = Some(new_key.id.clone());
        }
        Ok(true)
    }
}
