//! Key records and the manager that issues, verifies, rotates and revokes them.

use super::{
    DEFAULT_ROTATION_GRACE, KeyStore, MAX_ROTATION_GRACE, ROTATIONS_PER_HOUR, hash_secret, hashes_equal, lookup_prefix,
    new_secret,
};
use crate::auth::RequestContext;
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::money::Usd;
use crate::ratelimit::{MemoryRateLimiter, NamedQuota, Quota, RateLimiter};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// The name of the key created from `API_KEY` (the marker is [`ApiKeyRecord::bootstrap`]).
const BOOTSTRAP_NAME: &str = "bootstrap (API_KEY)";

/// How long a verified key is trusted without reading the store again.
pub const VERIFY_CACHE_TTL: Duration = Duration::from_secs(10);
/// `last_used_at` is written at most this often per key.
const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// What a key may do.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
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
    /// Public id (`key_…`) of this secret, safe to log; keys are managed (rotated, revoked) by it.
    pub id: String,
    /// The stable identity the key's budget, quota, library and analytics belong to: the id of
    /// the first key of a rotation chain (a new key's own id; a replacement's predecessor's).
    /// Empty in records written before identities existed, which means the key's own id.
    #[serde(default)]
    pub identity: String,
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
    /// Whether this key was imported from `API_KEY` at start-up (a changed `API_KEY` retires
    /// it). A replacement issued by rotating it is an ordinary key.
    #[serde(default)]
    pub bootstrap: bool,
}

impl ApiKeyRecord {
    /// The key's stable identity ([`ApiKeyRecord::identity`], else its own id).
    pub fn stable_identity(&self) -> &str {
        if self.identity.is_empty() { &self.id } else { &self.identity }
    }
}

/// A key as shown to people: everything but the hash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct ApiKeyInfo {
    /// Public id of this secret (what `rotate-key` and `DELETE /v1/admin/keys/{id}` take).
    pub id: String,
    /// The stable identity its budget, quota, library and analytics belong to; rotation keeps it.
    pub identity: String,
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
            identity: r.stable_identity().to_owned(),
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
    /// The engine context of a request made with this key. It names the key's identity, not
    /// its id, so the budget scope, rate-limit cells, library and cache owner, analytics and
    /// usage rows are shared by every secret of a rotation chain.
    pub fn context(&self) -> RequestContext {
        let mut ctx = RequestContext::for_key(self.identity.clone()).tier(self.tier.clone());
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
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
pub struct NewKey {
    /// Label (1..=100 characters).
    pub name: String,
    /// Role (user by default).
    #[serde(default = "default_role")]
    #[cfg_attr(feature = "typescript", ts(as = "Option<KeyRole>", optional))]
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
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct IssuedKey {
    /// The key.
    #[serde(flatten)]
    #[cfg_attr(feature = "typescript", ts(flatten))]
    pub info: ApiKeyInfo,
    /// The secret: show it to its owner once; it cannot be recovered.
    #[serde(serialize_with = "expose")]
    #[cfg_attr(feature = "server", schema(value_type = String))]
    #[cfg_attr(feature = "typescript", ts(type = "string"))]
    pub secret: Secret,
}

fn expose<S: serde::Serializer>(s: &Secret, ser: S) -> std::result::Result<S::Ok, S::Error> {
    ser.serialize_str(s.expose())
}

/// The outcome of a rotation (the original app's response fields).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
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

/// Issues and checks API keys against a [`KeyStore`].
#[derive(Clone, Debug)]
pub struct KeyManager {
    store: Arc<dyn KeyStore>,
    clock: SharedClock,
    limiter: Arc<dyn RateLimiter>,
    default_tier: String,
    /// The tiers a key may be given; any name when `None`.
    tiers: Option<Arc<std::collections::BTreeSet<String>>>,
    verified: moka::sync::Cache<String, Verified>,
    touched: moka::sync::Cache<String, DateTime<Utc>>,
}

impl KeyManager {
    /// A manager over `store`; keys created without a tier get `default_tier`. Rotations
    /// asked for by non-admin keys are counted in this process; see
    /// [`KeyManager::with_rate_limiter`] to share the count.
    pub fn new(store: Arc<dyn KeyStore>, clock: SharedClock, default_tier: impl Into<String>) -> Self {
        KeyManager {
            store,
            limiter: Arc::new(MemoryRateLimiter::new(Arc::clone(&clock))),
            clock,
            default_tier: default_tier.into(),
            tiers: None,
            verified: moka::sync::Cache::builder().max_capacity(100_000).time_to_live(VERIFY_CACHE_TTL).build(),
            touched: moka::sync::Cache::builder().max_capacity(100_000).time_to_live(Duration::from_secs(120)).build(),
        }
    }

    /// Counts rotations on `limiter` (the engine's, shared through Redis when configured).
    #[must_use]
    pub fn with_rate_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = limiter;
        self
    }

    /// Refuses keys whose tier is not one of `tiers` (the configured rate-limit tiers): a key
    /// with an unknown tier would get no quota at all.
    #[must_use]
    pub fn with_tiers(mut self, tiers: impl IntoIterator<Item = String>) -> Self {
        self.tiers = Some(Arc::new(tiers.into_iter().collect()));
        self
    }

    fn record(&self, secret: &str, new: &NewKey, created_at: DateTime<Utc>) -> Result<ApiKeyRecord> {
        crate::content::check_no_control("name", &new.name)?;
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::validation("name", "must be 1..=100 characters"));
        }
        if let Some(tier) = &new.tier {
            crate::content::check_no_control("tier", tier)?;
            if let Some(known) = &self.tiers
                && !known.contains(tier)
            {
                let names: Vec<&str> = known.iter().map(String::as_str).collect();
                return Err(Error::validation("tier", format!("unknown tier `{tier}` (known: {})", names.join(", "))));
            }
        }
        if let Some(tenant) = &new.tenant {
            crate::content::check_no_control("tenant", tenant)?;
        }
        if let Some(t) = new.expires_at {
            crate::clock::check_time("expires_at", t)?;
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
        let id = format!("key_{}", uuid::Uuid::now_v7().simple());
        Ok(ApiKeyRecord {
            identity: id.clone(),
            id,
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
            bootstrap: false,
        })
    }

    /// Creates a key and returns it with its secret (shown once).
    pub async fn create(&self, new: NewKey) -> Result<IssuedKey> {
        let secret = new_secret()?;
        let record = self.record(&secret, &new, self.clock.now())?;
        self.store.insert_key(&record).await?;
        tracing::info!(key_id = %record.id, role = record.role.as_str(), "API key created");
        Ok(IssuedKey { info: ApiKeyInfo::from(&record), secret: Secret::new(secret) })
    }

    /// The stored key whose hash is `hash` (that of `secret`), looked up by the secret's prefix.
    async fn stored_key(&self, secret: &str, hash: &str) -> Result<Option<ApiKeyRecord>> {
        Ok(self.store.keys_by_prefix(&lookup_prefix(secret)).await?.into_iter().find(|k| hashes_equal(&k.hash, hash)))
    }

    /// Imports the original app's `API_KEY` as an admin key, unless a key with that secret
    /// exists already, and retires (revokes) every earlier bootstrap key, so changing
    /// `API_KEY` shuts the previous value out. Returns the key's id.
    pub async fn bootstrap(&self, secret: &Secret) -> Result<String> {
        let text = secret.expose();
        if text.trim().is_empty() {
            return Err(Error::config("API_KEY", "must not be empty"));
        }
        let hash = hash_secret(text);
        let current = match self.stored_key(text, &hash).await? {
            Some(k) => {
                if k.status == KeyStatus::Revoked || k.expires_at.is_some_and(|e| e <= self.clock.now()) {
                    tracing::warn!(key_id = %k.id, "API_KEY matches a revoked or expired key; it is not accepted");
                }
                k.id
            }
            None => {
                let mut new = NewKey::named(BOOTSTRAP_NAME);
                new.role = KeyRole::Admin;
                let mut record = self.record(text, &new, self.clock.now())?;
                record.bootstrap = true;
                match self.store.insert_key(&record).await {
                    Ok(()) => {
                        tracing::info!(key_id = %record.id, "imported API_KEY as an admin key");
                        record.id
                    }
                    // Another process starting at the same time imported it first (the hash is
                    // unique): use that key.
                    Err(e) => match self.stored_key(text, &hash).await? {
                        Some(k) => k.id,
                        None => return Err(e),
                    },
                }
            }
        };
        let mut retired = false;
        for old in self.store.list_keys().await? {
            if old.bootstrap && old.id != current && old.status != KeyStatus::Revoked {
                self.store.set_key_status(&old.id, KeyStatus::Revoked, None).await?;
                tracing::warn!(key_id = %old.id, "API_KEY changed: revoked the previous bootstrap key");
                retired = true;
            }
        }
        if retired {
            self.verified.invalidate_all();
        }
        Ok(current)
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
                    .stored_key(secret, &hash)
                    .await?
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
            if let Err(e) = self.store.touch_key(&record.id, now).await {
                tracing::warn!(key_id = %record.id, error = %e, "could not record key use");
            }
        }
        Ok(ApiKeyInfo::from(&record))
    }

    /// Replaces key `id` with a new one; the old key keeps working for `grace` (24 hours by
    /// default, as the original app; at most [`MAX_ROTATION_GRACE`], and never past the old
    /// key's own expiry).
    ///
    /// The new key keeps the old one's identity, role, tier, quota, budget, tenant and expiry:
    /// rotation changes the secret, never what the key may spend or see. It reserves no budget,
    /// so a key whose budget is spent can always be rotated. This is the trusted path (an
    /// admin, the embedding application); [`KeyManager::rotate_by`] applies a caller's limits.
    pub async fn rotate(&self, id: &str, grace: Option<Duration>) -> Result<RotatedKey> {
        let grace = grace.unwrap_or(DEFAULT_ROTATION_GRACE);
        if grace > MAX_ROTATION_GRACE {
            return Err(Error::validation(
                "grace",
                format!("must be at most {} hours", MAX_ROTATION_GRACE.as_secs() / 3600),
            ));
        }
        let now = self.clock.now();
        let old = self.rotatable(id, now).await?;
        let grace = chrono::Duration::from_std(grace).map_err(|_| Error::validation("grace", "is too long"))?;
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
            expires_at: old.expires_at,
        };
        let mut record = self.record(&secret, &new, now)?;
        record.identity = old.stable_identity().to_owned();
        if !self.store.rotate_key(id, old_expires, &record).await? {
            return Err(Error::validation("key_id", format!("key `{id}` was changed meanwhile; try again")));
        }
        self.verified.invalidate_all();
        tracing::info!(old_key = %id, new_key = %record.id, identity = %record.identity, expires = %old_expires, "API key rotated");
        Ok(RotatedKey {
            new_key: IssuedKey { info: ApiKeyInfo::from(&record), secret: Secret::new(secret) },
            old_key_expires: old_expires,
            message: "Update your applications with the new key before the old one expires".to_owned(),
        })
    }

    /// Key `id`, if it can be rotated at `now`: it exists, is active and has not expired.
    async fn rotatable(&self, id: &str, now: DateTime<Utc>) -> Result<ApiKeyRecord> {
        known_id(id)?;
        let old = self.store.get_key(id).await?.ok_or_else(|| Error::not_found("api_key", id))?;
        if old.status != KeyStatus::Active {
            return Err(Error::validation(
                "key_id",
                format!("key `{id}` is {} and cannot be rotated", old.status.as_str()),
            ));
        }
        if old.expires_at.is_some_and(|e| e <= now) {
            return Err(Error::validation("key_id", format!("key `{id}` has expired and cannot be rotated")));
        }
        Ok(old)
    }

    /// Rotation asked for by the key `caller` (the HTTP `rotate-key` route). An admin may
    /// rotate any key with any grace, as [`KeyManager::rotate`]. Any other key may rotate only
    /// itself, at most [`ROTATIONS_PER_HOUR`] times an hour per identity (refused with
    /// [`Error::RateLimited`], quota `rotation`), and its grace is capped at
    /// [`DEFAULT_ROTATION_GRACE`] (a longer request is shortened, and the message says so).
    /// Only a rotation that can happen is counted: an old secret in its grace period cannot use
    /// up its identity's rotations.
    pub async fn rotate_by(&self, caller: &ApiKeyInfo, id: &str, grace: Option<Duration>) -> Result<RotatedKey> {
        if caller.role == KeyRole::Admin {
            return self.rotate(id, grace).await;
        }
        if id != caller.id {
            return Err(Error::Unauthorized { reason: "only an admin key may rotate another key".into() });
        }
        self.rotatable(id, self.clock.now()).await?;
        let quota = Quota::new(ROTATIONS_PER_HOUR, Duration::from_secs(3600))?;
        self.limiter
            .check(&format!("rotate:{}", caller.identity), &[NamedQuota { name: "rotation".to_owned(), quota }], 1)
            .await?;
        let capped = grace.is_some_and(|g| g > DEFAULT_ROTATION_GRACE);
        let grace = grace.map(|g| g.min(DEFAULT_ROTATION_GRACE));
        let mut rotated = self.rotate(id, grace).await?;
        if capped {
            rotated.message.push_str(&format!(
                "; the grace period was capped at {} hours (only an admin key may give longer)",
                DEFAULT_ROTATION_GRACE.as_secs() / 3600
            ));
        }
        Ok(rotated)
    }

    /// Revokes key `id` at once.
    pub async fn revoke(&self, id: &str) -> Result<()> {
        known_id(id)?;
        if !self.store.set_key_status(id, KeyStatus::Revoked, None).await? {
            return Err(Error::not_found("api_key", id));
        }
        self.verified.invalidate_all();
        tracing::info!(key_id = %id, "API key revoked");
        Ok(())
    }

    /// Every key, without secrets or hashes.
    pub async fn list(&self) -> Result<Vec<ApiKeyInfo>> {
        Ok(self.store.list_keys().await?.iter().map(ApiKeyInfo::from).collect())
    }

    /// One key, without its hash.
    pub async fn get(&self, id: &str) -> Result<ApiKeyInfo> {
        known_id(id)?;
        self.store.get_key(id).await?.map(|r| ApiKeyInfo::from(&r)).ok_or_else(|| Error::not_found("api_key", id))
    }
}

/// The grace of a rotation given in whole hours (the HTTP body's and the bindings'
/// `grace_hours`, named `field` in the error): at most [`MAX_ROTATION_GRACE`]; `None` keeps
/// the default.
pub fn grace_from_hours(field: &str, hours: Option<u32>) -> Result<Option<Duration>> {
    let max = MAX_ROTATION_GRACE.as_secs() / 3600;
    match hours {
        Some(h) if u64::from(h) > max => Err(Error::validation(field, format!("must be at most {max}"))),
        Some(h) => Ok(Some(Duration::from_secs(u64::from(h) * 3600))),
        None => Ok(None),
    }
}

/// An id with control characters names no key (and Postgres cannot bind a NUL): not found,
/// without asking the store.
fn known_id(id: &str) -> Result<()> {
    crate::content::check_no_control("id", id).map_err(|_| Error::not_found("api_key", id))
}
