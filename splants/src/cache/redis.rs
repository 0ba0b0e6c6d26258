//! The shared layer of [`super::ContentCache`]: generated pieces in Redis, for every instance.
//!
//! A piece is stored as JSON under `<prefix>cache:<key>` with `SETEX` and the cache TTL. Redis
//! errors are logged and count as a miss (or a skipped write): the cache never breaks
//! generation.

use crate::content::GeneratedContent;
use crate::error::Result;
use crate::redis_conn::RedisConnection;
use std::time::Duration;

/// Reads and writes pieces in Redis.
#[derive(Clone, Debug)]
pub(super) struct RedisLayer {
    redis: RedisConnection,
    ttl: Duration,
}

impl RedisLayer {
    pub(super) fn new(redis: RedisConnection, ttl: Duration) -> Self {
        RedisLayer { redis, ttl }
    }

    fn key(&self, key: &str) -> String {
        self.redis.key(&format!("cache:{key}"))
    }

    /// The stored piece and how long Redis keeps it still; `None` on a miss or any error.
    pub(super) async fn get(&self, key: &str) -> Option<(GeneratedContent, Option<Duration>)> {
        let k = self.key(key);
        let mut conn = self.redis.manager();
        let found: redis::RedisResult<(Option<String>, i64)> =
            redis::pipe().get(&k).pttl(&k).query_async(&mut conn).await;
        let (json, pttl) = match found {
            Ok((Some(json), pttl)) => (json, pttl),
            Ok((None, _)) => return None,
            Err(e) => {
                tracing::warn!(error = %self.redis.error("GET", e), "shared cache unavailable; treating as a miss");
                return None;
            }
        };
        match serde_json::from_str::<GeneratedContent>(&json) {
            // -1: no expiry (not written by us); the local TTL applies. -2: expired meanwhile.
            Ok(piece) => Some((piece, (pttl != -1).then(|| Duration::from_millis(u64::try_from(pttl).unwrap_or(0))))),
            Err(e) => {
                tracing::warn!(error = %e, key = %k, "shared cache entry does not parse; treating as a miss");
                None
            }
        }
    }

    /// Stores a freshly generated piece for the TTL (errors are logged, not returned).
    pub(super) async fn put(&self, key: &str, piece: &GeneratedContent) {
        let json = match serde_json::to_string(piece) {
            Ok(j) => j,
            Err(e) => {
                tracing::warn!(error = %e, "could not serialise a piece for the shared cache");
                return;
            }
        };
        let mut conn = self.redis.manager();
        let set: redis::RedisResult<()> = redis::cmd("SETEX")
            .arg(self.key(key))
            .arg(self.ttl.as_secs().max(1))
            .arg(json)
            .query_async(&mut conn)
            .await;
        if let Err(e) = set {
            tracing::warn!(error = %self.redis.error("SETEX", e), "could not fill the shared cache");
        }
    }

    pub(super) async fn ping(&self) -> Result<()> {
        self.redis.ping().await
    }
}
