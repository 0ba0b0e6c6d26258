//! `/health` shows Redis as the `cache` component when `REDIS_URL` is set (Redis on
//! 127.0.0.1:6379, `scripts/services.sh`). Only `PING` is sent: nothing is written to Redis.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{base_config, json, start};
use splants::config::Config;

async fn cache_component(config: Config) -> (Option<String>, Option<String>) {
    let s = start(config).await;
    let (st, _, h) = json(s.client.get(s.url("/health")).send().await.unwrap()).await;
    assert_eq!(st, 200, "{h}");
    let status = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    (status(&h["status"]), status(&h["components"]["cache"]["status"]))
}

#[tokio::test]
async fn health_shows_redis_as_the_cache() {
    let redis = {
        let mut config = base_config();
        config.redis.url = Some("redis://127.0.0.1:6379".into());
        config
    };
    let cached = {
        let mut config = redis.clone();
        config.cache.enabled = true;
        config
    };
    assert_eq!(cache_component(cached).await, (Some("healthy".into()), Some("healthy".into())));
    // Redis for the rate limits only still reports it.
    assert_eq!(cache_component(redis).await, (Some("healthy".into()), Some("healthy".into())));
    assert_eq!(cache_component(base_config()).await, (Some("healthy".into()), Some("disabled".into())));
}

/// Redis behind the fault proxy: while it is blackholed, a keyed generation is refused with a
/// `storage_error` within seconds (never let through unchecked, never a hang) and holds nothing;
/// once Redis answers again the same key generates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blackholed_redis_refuses_within_seconds_and_recovers() {
    use common::{FaultProxy, Mode};
    let target = tokio::net::lookup_host("127.0.0.1:6379").await.unwrap().next().unwrap();
    let proxy = FaultProxy::start(target).await.unwrap();
    let config = {
        let mut config = base_config();
        config.redis.url = Some(format!("redis://{}", proxy.addr()));
        config
    };
    let s = start(config).await;
    let (key, _) = s.user_key("standard").await;
    let body = serde_json::json!({"content_type": "social_media", "topic": "spring sale"});
    let (st, _, e) = json(s.post("/v1/content/generate", &key, body.clone()).await).await;
    assert_eq!(st, 200, "{e}");
    proxy.set(Mode::Blackhole);
    let started = std::time::Instant::now();
    let answer =
        tokio::time::timeout(std::time::Duration::from_secs(20), s.post("/v1/content/generate", &key, body.clone()))
            .await
            .expect("a generation hung on a silent Redis");
    let (st, _, e) = json(answer).await;
    assert_eq!((st, e["code"].as_str()), (500, Some("storage_error")), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "took {:?}", started.elapsed());
    let b = s.engine.budget().status(&splants::budget::Scope::Global, None).await.unwrap();
    assert_eq!((b.reserved, b.in_flight), (splants::Usd::ZERO, 0), "a refused call holds nothing");
    proxy.set(Mode::Pass);
    proxy.reset_all().await;
    let mut recovered = false;
    for _ in 0..20 {
        let (st, _, _) = json(s.post("/v1/content/generate", &key, body.clone()).await).await;
        if st == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(recovered, "the key generates again once Redis answers");
}
