//! The cache section of [`crate::config::Config`], and the Redis the cache and the rate
//! limiter share.

use crate::error::{Result, redact};
use crate::setting;
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// The content cache.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// `CACHE_ENABLED` (false): answer identical briefs from the cache.
    pub enabled: bool,
    /// `SPLANTS_CACHE_TTL_SECS` (3600, at least 1): how long a cached piece lives.
    #[serde(deserialize_with = "setting::seconds")]
    pub ttl: Duration,
    /// `SPLANTS_CACHE_CAPACITY` (10000): pieces the cache holds in this process.
    pub capacity: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig { enabled: false, ttl: Duration::from_secs(3600), capacity: 10_000 }
    }
}

impl CacheConfig {
    /// Checks every setting; the error names it (`cache.ttl`).
    pub fn validate(&self) -> Result<()> {
        setting::check_seconds("cache.ttl", self.ttl, 1.0, 365.0 * 86_400.0)
    }
}

/// The Redis several instances share rate limits and cached pieces through.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisConfig {
    /// `REDIS_URL` (`redis://` or `rediss://`): with the `redis` feature, the default rate
    /// limiter and (with the cache on) the cache's shared layer.
    #[serde(deserialize_with = "setting::text")]
    pub url: Option<String>,
}

impl RedisConfig {
    /// Checks the URL's scheme; the error names it (`redis.url`).
    pub fn validate(&self) -> Result<()> {
        setting::check_url("redis.url", self.url.as_deref(), &["redis", "rediss"])
    }
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig").field("url", &self.url.as_deref().map(redact)).finish()
    }
}
