//! `ContentCache`: answers identical briefs from memory, with single-flight.
//!
//! The key is a SHA-256 over the *normalised* brief (trimmed, lower-cased topic and keywords,
//! keywords sorted, every default filled in), the provider and model, the template and its
//! version, and the owner — so a tenant never receives another tenant's piece. Concurrent
//! identical requests wait for one provider call; the others are served its result as cache
//! hits (cost 0, no budget used). Failures are not cached.

use crate::content::{ContentRequest, GeneratedContent, TemplateRef};
use crate::error::{Error, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// An in-memory, TTL-bounded cache of generated pieces.
#[derive(Clone, Debug)]
pub struct ContentCache {
    cache: moka::future::Cache<String, GeneratedContent>,
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
        ContentCache { cache: moka::future::Cache::builder().max_capacity(capacity).time_to_live(ttl).build() }
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

    /// The cached piece for `key`, or the result of `generate`, run once however many callers
    /// ask at the same time. Returns the piece and whether it was a hit (this caller did not
    /// run `generate`).
    pub async fn get_or_generate<F>(&self, key: String, generate: F) -> Result<(GeneratedContent, bool)>
    where
        F: Future<Output = Result<GeneratedContent>>,
    {
        let entry = self.cache.entry(key).or_try_insert_with(generate).await.map_err(|e: Arc<Error>| (*e).clone())?;
        let fresh = entry.is_fresh();
        Ok((entry.into_value(), !fresh))
    }

    /// Number of cached pieces (approximate while writes are pending).
    pub fn len(&self) -> u64 {
        self.cache.entry_count()
    }

    /// Whether the cache is empty (approximate).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every entry.
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
