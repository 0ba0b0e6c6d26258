//! The engine with Redis: builder wiring, the shared cache across instances, outages.
//! Needs Redis on 127.0.0.1:6379 (`scripts/services.sh`); each test uses its own key prefix.

use super::*;
use crate::content::ContentType;
use crate::content::Usage;
use crate::money::Usd;
use crate::provider::{Completion, CompletionRequest, PriceCard};
use crate::ratelimit::MemoryRateLimiter;
use crate::redis_conn::{RedisConnection, testing};
use async_trait::async_trait;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A priced provider that counts its calls.
#[derive(Debug, Default)]
struct Counting {
    calls: AtomicUsize,
}

#[async_trait]
impl Provider for Counting {
    fn name(&self) -> &str {
        "test"
    }
    fn default_model(&self) -> &str {
        "test-model"
    }
    async fn complete(&self, req: &CompletionRequest) -> crate::Result<Completion> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(Completion::test_answer(
            req,
            format!("Answer {n}: AI marketing helps a small business grow. Start small and measure."),
            Usage { input_tokens: 300, output_tokens: 100, ..Usage::default() },
        ))
    }
}

fn cached_config() -> Config {
    {
        let mut config = Config::default();
        config.cache.enabled = true;
        config.cache.ttl = Duration::from_secs(120);
        config
    }
}

async fn engine(provider: &Arc<Counting>, config: Config, redis: Option<RedisConnection>) -> Result<ContentEngine> {
    let mut prices = PriceTable::empty();
    prices.insert("test-model", PriceCard::new(1.0, 5.0).unwrap());
    let mut b = ContentEngine::builder()
        .config(config)
        .provider(Arc::clone(provider) as Arc<dyn Provider>)
        .prices(prices)
        .in_memory();
    if let Some(r) = redis {
        b = b.redis(r);
    }
    b.build().await
}

fn brief(topic: &str) -> ContentRequest {
    ContentRequest::new(ContentType::SocialMedia, topic)
}

#[tokio::test]
async fn second_instance_gets_the_first_ones_piece_from_redis() {
    let conn = testing::connect().await;
    let (pa, pb) = (Arc::new(Counting::default()), Arc::new(Counting::default()));
    let a = engine(&pa, cached_config(), Some(conn.clone())).await.unwrap();
    let b = engine(&pb, cached_config(), Some(testing::second(&conn).await)).await.unwrap();
    let acme = RequestContext::anonymous().tenant("acme");

    let first = a.generate(brief("AI marketing tips"), &acme).await.unwrap();
    assert!(!first.cached && first.cost_usd > Usd::ZERO);
    let key = ContentCache::key(&brief("AI marketing tips"), "test", "test-model", None, Some("acme"));
    let keys = testing::keys(&conn).await;
    assert_eq!(keys, vec![format!("{}cache:{key}", conn.prefix())]);
    let mut m = conn.manager();
    let ttl: i64 = redis::cmd("TTL").arg(&keys[0]).query_async(&mut m).await.unwrap();
    assert!(ttl > 100 && ttl <= 120, "{ttl}");

    let second = b.generate(brief("  ai MARKETING tips "), &acme).await.unwrap();
    assert_eq!(pb.calls.load(Ordering::SeqCst), 0, "the second instance's provider was called");
    assert!(second.cached);
    assert_eq!((second.cost_usd, second.usage), (Usd::ZERO, Usage::default()));
    assert_eq!((second.id.as_str(), second.content.as_str()), (first.id.as_str(), first.content.as_str()));
    assert_eq!(second.created_at, first.created_at);
    assert_eq!(b.budget_status(&acme).await.unwrap()[0].spent, Usd::ZERO);

    // Another owner never gets acme's piece, from either layer.
    let globex = b.generate(brief("AI marketing tips"), &RequestContext::anonymous().tenant("globex")).await.unwrap();
    assert!(!globex.cached && globex.id != first.id);
    assert_eq!(pb.calls.load(Ordering::SeqCst), 1);
    assert_eq!(pa.calls.load(Ordering::SeqCst), 1);
    assert_eq!(testing::keys(&conn).await.len(), 2);
    assert!(matches!(a.cache_health().await, Some(Ok(()))));
    testing::cleanup(&conn).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_process_still_makes_one_call_for_concurrent_identical_briefs() {
    let conn = testing::connect().await;
    let p = Arc::new(Counting::default());
    let e = engine(&p, cached_config(), Some(conn.clone())).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let e = e.clone();
            tokio::spawn(async move { e.generate(brief("single flight"), &RequestContext::anonymous()).await })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap().unwrap().id);
    }
    assert_eq!((p.calls.load(Ordering::SeqCst), ids.len()), (1, 1));
    testing::cleanup(&conn).await;
}

#[tokio::test]
async fn redis_outage_on_the_cache_path_does_not_fail_generation() {
    let proxy = testing::Proxy::start().await;
    let prefix = testing::unique_prefix();
    let conn = RedisConnection::connect(&proxy.url).await.unwrap().with_prefix(prefix.clone());
    let p = Arc::new(Counting::default());
    let e = engine(&p, cached_config(), Some(conn)).await.unwrap();
    let ctx = RequestContext::anonymous();
    e.generate(brief("before the outage"), &ctx).await.unwrap();
    proxy.stop().await;

    let piece = e.generate(brief("during the outage"), &ctx).await.unwrap();
    assert!(!piece.cached);
    assert_eq!(p.calls.load(Ordering::SeqCst), 2);
    // What this process cached before the outage is still served from memory.
    assert!(e.generate(brief("before the outage"), &ctx).await.unwrap().cached);
    match e.cache_health().await {
        Some(Err(Error::Storage { message, .. })) => assert!(message.contains("failed on PING"), "{message}"),
        other => panic!("expected an unhealthy cache, got {other:?}"),
    }
    testing::cleanup(&testing::connect().await.with_prefix(prefix)).await;
}

#[tokio::test]
async fn redis_url_makes_the_redis_limiter_the_default() {
    let config = {
        let mut config = Config::default();
        config.redis.url = Some(testing::TEST_URL.into());
        config
    };
    let p = Arc::new(Counting::default());
    let e = engine(&p, config.clone(), None).await.unwrap();
    assert!(matches!(e.cache_health().await, Some(Ok(()))));
    let key = format!("test-key-{:016x}", fastrand::u64(..));
    let free = RequestContext::for_key(&key).tier("free");
    e.check_rate_limit(&free, 10).await.unwrap();
    // A second engine (another connection) sees the same quota.
    let other = engine(&p, config.clone(), None).await.unwrap();
    assert!(matches!(other.check_rate_limit(&free, 1).await, Err(Error::RateLimited(_))));
    let state = testing::connect().await.with_prefix(format!("{}rl:{{{key}}}", RedisConnection::DEFAULT_PREFIX));
    assert_eq!(testing::keys(&state).await.len(), 2);
    testing::cleanup(&state).await;

    // A limiter given to the builder wins; with the cache off, Redis is not even contacted.
    let unreachable = {
        let mut config = Config::default();
        config.redis.url = Some("redis://127.0.0.1:1".into());
        config
    };
    let e = ContentEngine::builder()
        .config(unreachable)
        .rate_limiter(Arc::new(MemoryRateLimiter::new(Arc::new(crate::clock::SystemClock))))
        .build()
        .await
        .unwrap();
    assert!(e.cache_health().await.is_none());
}

#[tokio::test]
async fn unreachable_redis_fails_the_build_naming_redis_url() {
    let config = {
        let mut config = cached_config();
        config.redis.url = Some("redis://:hunter2@127.0.0.1:1".into());
        config
    };
    let err = engine(&Arc::new(Counting::default()), config, None).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(&err, Error::Config { field, .. } if field == "REDIS_URL"), "{err:?}");
    assert!(msg.starts_with("configuration `REDIS_URL`: cannot connect to Redis at 127.0.0.1:1: "), "{msg}");
    assert!(!msg.contains("hunter2"), "{msg}");
}
