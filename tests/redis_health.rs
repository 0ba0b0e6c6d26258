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
    let redis = Config { redis_url: Some("redis://127.0.0.1:6379".into()), ..base_config() };
    let cached = Config { cache_enabled: true, ..redis.clone() };
    assert_eq!(cache_component(cached).await, (Some("healthy".into()), Some("healthy".into())));
    // Redis for the rate limits only still reports it.
    assert_eq!(cache_component(redis).await, (Some("healthy".into()), Some("healthy".into())));
    assert_eq!(cache_component(base_config()).await, (Some("healthy".into()), Some("disabled".into())));
}
