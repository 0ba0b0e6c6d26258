//! `ContentCache`: answers identical briefs from memory, with single-flight.
//!
//! The key is a SHA-256 over the *normalised* brief (trimmed, lower-cased topic and keywords,
//! keywords sorted, every default filled in), the provider and model, the template and its
//! version, and the owner — so a tenant never receives another tenant's piece. Concurrent
//! identical requests wait for one provider call; the others are served its result as cache
//! hits (cost 0, no budget used). Failures are not cached.
//!
//! With a Redis connection (feature `redis`, `ContentCache::with_redis`) the cache has a
//! second, shared layer: a miss in this process looks in Redis before generating, and a fresh
//! piece is written there, so another instance asking the same brief for the same owner gets it
//! as a hit. Single-flight stays per process (two instances missing at the same moment both
//! generate; the later write wins). A piece read from Redis is kept locally only as long as
//! Redis still keeps it. Redis errors count as misses: the cache never fails a generation.

mod config;
#[cfg(feature = "redis")]
mod redis;

pub use config::{CacheConfig, RedisConfig};

use crate::content::{ContentRequest, GeneratedContent, TemplateRef};
use crate::error::{Error, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// An in-memory, TTL-bounded cache of generated pieces, optionally backed by Redis.
#[derive(Clone, Debug)]
pub struct ContentCache {
    cache: moka::future::Cache<String, Cached>,
    #[cfg(feature = "redis")]
    ttl: Duration,
    #[cfg(feature = "redis")]
    shared: Option<self::redis::RedisLayer>,
}

/// A cached piece and, when it came from Redis, how long Redis keeps it still.
#[derive(Clone, Debug)]
struct Cached {
    content: GeneratedContent,
    expires_in: Option<Duration>,
}

/// Expires a piece read from Redis when Redis does (the TTL bounds every entry anyway).
struct SharedExpiry;

impl moka::Expiry<String, Cached> for SharedExpiry {
    fn expire_after_create(&self, _key: &String, value: &Cached, _created_at: std::time::Instant) -> Option<Duration> {
        value.expires_in
    }
}

#[derive(Serialize)]
struct KeyParts<'a> {
    v: u8,
    content_type: &'a str,
    topic: String,
    keywords: Vec<String>,
    tone: &'a str,
    audience: Option<String>,
    platform: &'a str,
    length: u32,
    seo: bool,
    hashtags: bool,
    language: String,
    cta: Option<String>,
    provider: &'a str,
    model: &'a str,
    template: Option<&'a TemplateRef>,
    owner: Option<&'a str>,
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

impl ContentCache {
    /// A cache of at most `capacity` pieces, each kept for `ttl`.
    pub fn new(capacity: u64, ttl: Duration) -> Self {
        ContentCache {
            cache: moka::future::Cache::builder()
                .max_capacity(capacity)
                .time_to_live(ttl)
                .expire_after(SharedExpiry)
                .build(),
            #[cfg(feature = "redis")]
            ttl,
            #[cfg(feature = "redis")]
            shared: None,
        }
    }

    /// Adds the shared layer: pieces are also read from and written to `redis`
    /// (`<prefix>cache:<key>`, JSON, expiring after the cache TTL).
    #[cfg(feature = "redis")]
    #[must_use]
    pub fn with_redis(mut self, redis: crate::redis_conn::RedisConnection) -> Self {
        self.shared = Some(self::redis::RedisLayer::new(redis, self.ttl));
        self
    }

    /// Whether pieces are shared through Redis.
    #[cfg(feature = "redis")]
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// Whether pieces are shared through Redis (never without the `redis` feature).
    #[cfg(not(feature = "redis"))]
    pub fn is_shared(&self) -> bool {
        false
    }

    /// `Ok` for the in-memory cache; with Redis, whether Redis answers `PING`.
    pub async fn ping(&self) -> Result<()> {
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.shared {
            return shared.ping().await;
        }
        Ok(())
    }

    /// The cache key of a brief for a provider/model, template and owner.
    pub fn key(
        request: &ContentRequest,
        provider: &str,
        model: &str,
        template: Option<&TemplateRef>,
        owner: Option<&str>,
    ) -> String {
        let mut keywords: Vec<String> = request.keywords.iter().map(|k| norm(k)).collect();
        keywords.sort();
        keywords.dedup();
        let parts = KeyParts {
            v: 1,
            content_type: request.content_type.as_str(),
            topic: norm(&request.topic),
            keywords,
            tone: request.tone.as_str(),
            audience: request.target_audience.as_deref().map(norm),
            platform: request.effective_platform().as_str(),
            length: request.effective_length(),
            seo: request.seo_optimize,
            hashtags: request.wants_hashtags(),
            language: request.effective_language().to_ascii_lowercase(),
            cta: request.call_to_action.as_deref().map(norm),
            provider,
            model,
            template,
            owner,
        };
        let json = serde_json::to_vec(&parts).unwrap_or_default();
        hex::encode(Sha256::digest(&json))
    }

    /// The cached piece for `key` (here, else in Redis), or the result of `generate`, run once
    /// however many callers in this process ask at the same time. Returns the piece and whether
    /// it was a hit (`generate` did not run for this caller).
    pub async fn get_or_generate<F>(&self, key: String, generate: F) -> Result<(GeneratedContent, bool)>
    where
        F: Future<Output = Result<GeneratedContent>>,
    {
        #[cfg(feature = "redis")]
        let mut shared_hit = false;
        #[cfg(not(feature = "redis"))]
        let shared_hit = false;
        #[cfg(feature = "redis")]
        let init = {
            let (shared, key, shared_hit) = (self.shared.as_ref(), key.clone(), &mut shared_hit);
            async move {
                if let Some(shared) = shared {
                    if let Some((content, expires_in)) = shared.get(&key).await {
                        *shared_hit = true;
                        return Ok(Cached { content, expires_in });
                    }
                    let content = generate.await?;
                    shared.put(&key, &content).await;
                    return Ok(Cached { content, expires_in: None });
                }
                generate.await.map(|content| Cached { content, expires_in: None })
            }
        };
        #[cfg(not(feature = "redis"))]
        let init = async { generate.await.map(|content| Cached { content, expires_in: None }) };
        let entry = self.cache.entry(key).or_try_insert_with(init).await.map_err(|e: Arc<Error>| (*e).clone())?;
        let fresh = entry.is_fresh();
        Ok((entry.into_value().content, !fresh || shared_hit))
    }

    /// The cached piece for `key`, here or in Redis, without generating (streamed generations
    /// look first, then [`ContentCache::insert`] what they made).
    pub async fn get(&self, key: &str) -> Option<GeneratedContent> {
        if let Some(c) = self.cache.get(key).await {
            return Some(c.content);
        }
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.shared
            && let Some((content, expires_in)) = shared.get(key).await
        {
            self.cache.insert(key.to_owned(), Cached { content: content.clone(), expires_in }).await;
            return Some(content);
        }
        None
    }

    /// Caches `content` under `key`, here and in Redis.
    pub async fn insert(&self, key: String, content: &GeneratedContent) {
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.shared {
            shared.put(&key, content).await;
        }
        self.cache.insert(key, Cached { content: content.clone(), expires_in: None }).await;
    }

    /// Number of cached pieces (approximate while writes are pending).
    pub fn len(&self) -> u64 {
        self.cache.entry_count()
    }

    /// Whether the cache is empty (approximate).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every entry of this process (not those in Redis).
    pub fn clear(&self) {
        self.cache.invalidate_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{ContentType, Platform};
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn key_normalises_briefs() {
        let a = ContentRequest::new(ContentType::Blog, "  AI   Tips ").keywords(["SEO", "ai"]);
        let b = ContentRequest::new(ContentType::Blog, "ai tips")
            .keywords(["ai", "seo"])
            .platform(Platform::Blog)
            .length(500);
        assert_eq!(ContentCache::key(&a, "p", "m", None, None), ContentCache::key(&b, "p", "m", None, None));
        assert_ne!(ContentCache::key(&a, "p", "m", None, None), ContentCache::key(&a, "p", "m2", None, None));
        assert_ne!(
            ContentCache::key(&a, "p", "m", None, None),
            ContentCache::key(&a, "p", "m", None, Some("tenant-b"))
        );
        let c = a.clone().length(900);
        assert_ne!(ContentCache::key(&a, "p", "m", None, None), ContentCache::key(&c, "p", "m", None, None));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn single_flight_and_errors_not_cached() {
        let cache = ContentCache::new(100, Duration::from_secs(60));
        let calls = Arc::new(AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (cache, calls) = (cache.clone(), Arc::clone(&calls));
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_generate("k".into(), async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Err::<GeneratedContent, _>(Error::internal("boom"))
                    })
                    .await
            }));
        }
        for t in tasks {
            assert!(t.await.unwrap().is_err());
        }
        let first = calls.load(Ordering::SeqCst);
        assert!(first >= 1);
        // The failure was not cached: the next call runs again.
        let _ = cache.get_or_generate("k".into(), async { Err::<GeneratedContent, _>(Error::internal("x")) }).await;
        assert!(cache.is_empty());
    }
}
