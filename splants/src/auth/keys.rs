//! Key records and the manager that issues, verifies, rotates and revokes them.

use super::{DEFAULT_ROTATION_GRACE, hash_secret, hashes_equal, lookup_prefix, new_secret};
use crate::clock::SharedClock;
use crate::config::Secret;
use crate::engine::RequestContext;
use crate::error::{Error, Result};
use crate::money::Usd;
use crate::ratelimit::Quota;
use crate::storage::Storage;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// How long a verified key is trusted without reading the store again.
pub const VERIFY_CACHE_TTL: Duration = Duration::from_secs(10);
/// `last_used_at` is written at most this often per key.
const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// What a key may do.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub enum KeyRole {
    /// Everything, including managing keys.
    Admin,
    /// Generate and read its own content.
    User,
}

impl KeyRole {
    /// The stored string form.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyRole::Admin => "admin",
            KeyRole::User => "user",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(KeyRole::Admin),
            "user" => Some(KeyRole::User),
            _ => None,
        }
    }
}

/// A key's state.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub enum KeyStatus {
    /// In use.
    Active,
    /// Rotated: works until `expires_at` (the grace period).
    Expiring,
    /// Revoked: never works again.
    Revoked,
}

impl KeyStatus {
    /// The stored string form.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Expiring => "expiring",
            KeyStatus::Revoked => "revoked",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(KeyStatus::Active),
            "expiring" => Some(KeyStatus::Expiring),
            "revoked" => Some(KeyStatus::Revoked),
            _ => None,
        }
    }
}

/// A key as stored: the hash, never the secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    /// Public id (`key_…`), safe to log.
    pub id: String,
    /// A label for people.
    pub name: String,
    /// The secret's first 12 characters, to look it up.
    pub prefix: String,
    /// SHA-256 of the secret, hex.
    pub hash: String,
    /// Role.
    pub role: KeyRole,
    /// Rate-limit tier.
    pub tier: String,
    /// The key's own hourly request quota, replacing its tier's.
    pub rate_limit_per_hour: Option<u32>,
    /// The key's own budget per period.
    pub budget: Option<Usd>,
    /// Tenant the key belongs to.
    pub tenant: Option<String>,
    /// State.
    pub status: KeyStatus,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Stops working at (set for rotated keys and keys created with an expiry).
    pub expires_at: Option<DateTime<Utc>>,
    /// Last successful verification (written at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// The key that replaced this one by rotation.
    pub rotated_to: Option<String>,
}

/// A key as shown to people: everything but the hash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ApiKeyInfo {
    /// Public id.
    pub id: String,
    /// Label.
    pub name: String,
    /// The secret's visible prefix.
    pub prefix: String,
    /// Role.
    pub role: KeyRole,
    /// Tier.
    pub tier: String,
    /// Own hourly quota.
    pub rate_limit_per_hour: Option<u32>,
    /// Own budget.
    pub budget: Option<Usd>,
    /// Tenant.
    pub tenant: Option<String>,
    /// State.
    pub status: KeyStatus,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last use.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<&ApiKeyRecord> for ApiKeyInfo {
    fn from(r: &ApiKeyRecord) -> Self {
        ApiKeyInfo {
            id: r.id.clone(),
            name: r.name.clone(),
            prefix: r.prefix.clone(),
            role: r.role,
            tier: r.tier.clone(),
            rate_limit_per_hour: r.rate_limit_per_hour,
            budget: r.budget,
            tenant: r.tenant.clone(),
            status: r.status,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
        }
    }
}

impl ApiKeyInfo {
    /// The engine context of a request made with this key.
    pub fn context(&self) -> RequestContext {
        let mut ctx = RequestContext::for_key(self.id.clone()).tier(self.tier.clone());
        ctx.quota = self.rate_limit_per_hour.and_then(|n| Quota::new(n, Duration::from_secs(3600)).ok());
        ctx.key_budget = self.budget;
        ctx.tenant = self.tenant.clone();
        ctx
    }
}

/// What to create.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NewKey {
    /// Label (1..=100 characters).
    pub name: String,
    /// Role (user by default).
    #[serde(default = "default_role")]
    pub role: KeyRole,
    /// Tier (the configured default tier when omitted).
    #[serde(default)]
    pub tier: Option<String>,
    /// Own hourly quota.
    #[serde(default)]
    pub rate_limit_per_hour: Option<u32>,
    /// Own budget per period, in dollars.
    #[serde(default)]
    pub budget: Option<Usd>,
    /// Tenant.
    #[serde(default)]
    pub tenant: Option<String>,
    /// Expiry.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

fn default_role() -> KeyRole {
    KeyRole::User
}

impl NewKey {
    /// A user key named `name` with defaults.
    pub fn named(name: impl Into<String>) -> Self {
        NewKey {
            name: name.into(),
            role: KeyRole::User,
            tier: None,
            rate_limit_per_hour: None,
            budget: None,
            tenant: None,
            expires_at: None,
        }
    }
}

/// A key with its secret, returned once.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct IssuedKey {
    /// The key.
    #[serde(flatten)]
    pub info: ApiKeyInfo,
    /// The secret: show it to its owner once; it cannot be recovered.
    #[serde(serialize_with = "expose")]
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub secret: Secret,
}

fn expose<S: serde::Serializer>(s: &Secret, ser: S) -> std::result::Result<S::Ok, S::Error> {
    ser.serialize_str(s.expose())
}

/// The outcome of a rotation (the original app's response fields).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RotatedKey {
    /// The replacement key, with its secret.
    pub new_key: IssuedKey,
    /// When the old key stops working.
    pub old_key_expires: DateTime<Utc>,
    /// A reminder for the caller.
    pub message: String,
}

#[derive(Clone, Debug)]
struct Verified {
    record: ApiKeyRecord,
}

/// Issues and checks API keys against a [`Storage`].
#[derive(Clone, Debug)]
pub struct KeyManager {
    storage: Arc<dyn Storage>,
    clock: SharedClock,
    default_tier: String,
    verified: moka::sync::Cache<String, Verified>,
    touched: moka::sync::Cache<String, DateTime<Utc>>,
}

impl KeyManager {
    /// A manager over `storage`; keys created without a tier get `default_tier`.
    pub fn new(storage: Arc<dyn Storage>, clock: SharedClock, default_tier: impl Into<String>) -> Self {
        KeyManager {
            storage,
            clock,
            default_tier: default_tier.into(),
            verified: moka::sync::Cache::builder().max_capacity(100_000).time_to_live(VERIFY_CACHE_TTL).build(),
            touched: moka::sync::Cache::builder().max_capacity(100_000).time_to_live(Duration::from_secs(120)).build(),
        }
    }

    fn record(&self, secret: &str, new: &NewKey, created_at: DateTime<Utc>) -> Result<ApiKeyRecord> {
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::validation("name", "must be 1..=100 characters"));
        }
        if new.rate_limit_per_hour == Some(0) {
            return Err(Error::validation("rate_limit_per_hour", "must be at least 1"));
        }
        if new.budget.is_some_and(Usd::is_negative) {
            return Err(Error::validation("budget", "must not be negative"));
        }
        if new.expires_at.is_some_and(|e| e <= created_at) {
            return Err(Error::validation("expires_at", "must be in the future"));
        }
        if let Some(t) = &new.tenant
            && (t.trim().is_empty() || t.len() > 100)
        {
            return Err(Error::validation("tenant", "must be 1..=100 characters"));
        }
        Ok(ApiKeyRecord {
            id: format!("key_{}", uuid::Uuid::now_v7().simple()),
            name: name.to_owned(),
            prefix: lookup_prefix(secret),
            hash: hash_secret(secret),
            role: new.role,
            tier: new.tier.clone().unwrap_or_else(|| self.default_tier.clone()),
            rate_limit_per_hour: new.rate_limit_per_hour,
            budget: new.budget,
            tenant: new.tenant.clone(),
            status: KeyStatus::Active,
            created_at,
            expires_at: new.expires_at,
            last_used_at: None,
            rotated_to: None,
        })
    }

    /// Creates a key and returns it with its secret (shown once).
    pub async fn create(&self, new: NewKey) -> Result<IssuedKey> {
        let secret = new_secret()?;
        let record = self.record(&secret, &new, self.clock.now())?;
        self.storage.insert_key(&record).await?;
        tracing::info!(key_id = %record.id, role = record.role.as_str(), "API key created");
        Ok(IssuedKey { info: ApiKeyInfo::from(&record), secret: Secret::new(secret) })
    }

    /// Imports the original app's `API_KEY` as an admin key, unless a key with that secret
    /// exists already. Returns the key's id.
    pub async fn bootstrap(&self, secret: &Secret) -> Result<String> {
        let text = secret.expose();
        if text.trim().is_empty() {
            return Err(Error::config("API_KEY", "must not be empty"));
        }
        let hash = hash_secret(text);
        for existing in self.storage.keys_by_prefix(&lookup_prefix(text)).await? {
            if hashes_equal(&existing.hash, &hash) {
                return Ok(existing.id);
            }
        }
        let mut new = NewKey::named("bootstrap (API_KEY)");
        new.role = KeyRole::Admin;
        let record = self.record(text, &new, self.clock.now())?;
        self.storage.insert_key(&record).await?;
        tracing::info!(key_id = %record.id, "imported API_KEY as an admin key");
        Ok(record.id)
    }

    /// Checks a presented secret: the key must exist, not be revoked and not be expired.
    pub async fn verify(&self, secret: &str) -> Result<ApiKeyInfo> {
        if secret.is_empty() {
            return Err(Error::Unauthorized { reason: "missing API key (send it in the X-API-Key header)".into() });
        }
        if secret.len() > 256 {
            return Err(Error::Unauthorized { reason: "invalid API key".into() });
        }
        let hash = hash_secret(secret);
        let now = self.clock.now();
        let record = match self.verified.get(&hash) {
            Some(v) => v.record,
            None => {
                let found = self
                    .storage
                    .keys_by_prefix(&lookup_prefix(secret))
                    .await?
                    .into_iter()
                    .find(|k| hashes_equal(&k.hash, &hash))
                    .ok_or_else(|| Error::Unauthorized { reason: "invalid API key".into() })?;
                self.verified.insert(hash.clone(), Verified { record: found.clone() });
                found
            }
        };
        if record.status == KeyStatus::Revoked {
            return Err(Error::Unauthorized { reason: "API key revoked".into() });
        }
        if record.expires_at.is_some_and(|e| e <= now) {
            return Err(Error::Unauthorized { reason: "API key expired".into() });
        }
        let due = self.touched.get(&record.id).is_none_or(|t| now - t >= TOUCH_EVERY);
        if due {
            self.touched.insert(record.id.clone(), now);
            if let Err(e) = self.storage.touch_key(&record.id, now).await {
                tracing::warn!(key_id = %record.id, error = %e, "could not record key use");
            }
        }
        Ok(ApiKeyInfo::from(&record))
    }

    /// Replaces key `id` with a new one; the old key keeps working for `grace`
    /// (24 hours by default, as the original app).
    pub async fn rotate(&self, id: &str, grace: Option<Duration>) -> Result<RotatedKey> {
        let old = self.storage.get_key(id).await?.ok_or_else(|| Error::not_found("api_key", id))?;
        if old.status != KeyStatus::Active {
            return Err(Error::validation(
                "key_id",
                format!("key `{id}` is {} and cannot be rotated", old.status.as_str()),
            ));
        }
        let now = self.clock.now();
        let grace = chrono::Duration::from_std(grace.unwrap_or(DEFAULT_ROTATION_GRACE))
            .map_err(|_| Error::validation("grace", "is too long"))?;
        let old_expires = match old.expires_at {
            Some(e) if e < now + grace => e,
            _ => now + grace,
        };
        let secret = new_secret()?;
        let new = NewKey {
            name: old.name.clone(),
            role: old.role,
            tier: Some(old.tier.clone()),
            rate_limit_per_hour: old.rate_limit_per_hour,
            budget: old.budget,
            tenant: old.tenant.clone(),
            expires_at: None,
        };
        let record = self.record(&secret, &new, now)?;
        if !self.storage.rotate_key(id, old_expires, &record).await? {
            return Err(Error::validation("key_id", format!("key `{id}` was changed meanwhile; try again")));
        }
        self.verified.invalidate_all();
        tracing::info!(old_key = %id, new_key = %record.id, expires = %old_expires, "API key rotated");
        Ok(RotatedKey {
            new_key: IssuedKey { info: ApiKeyInfo::from(&record), secret: Secret::new(secret) },
            old_key_expires: old_expires,
            message: "Update your applications with the new key before the old one expires".to_owned(),
        })
    }

    /// Revokes key `id` at once.
    pub async fn revoke(&self, id: &str) -> Result<()> {
        if !self.storage.set_key_status(id, KeyStatus::Revoked, None).await? {
            return Err(Error::not_found("api_key", id));
        }
        self.verified.invalidate_all();
        tracing::info!(key_id = %id, "API key revoked");
        Ok(())
    }

    /// Every key, without secrets or hashes.
    pub async fn list(&self) -> Result<Vec<ApiKeyInfo>> {
        Ok(self.storage.list_keys().await?.iter().map(ApiKeyInfo::from).collect())
    }

    /// One key, without its hash.
    pub async fn get(&self, id: &str) -> Result<ApiKeyInfo> {
        self.storage.get_key(id).await?.map(|r| ApiKeyInfo::from(&r)).ok_or_else(|| Error::not_found("api_key", id))
    }
}
