//! The memory limiter's boundary tests against Redis, plus what only a shared limiter can show.
//! Needs Redis on 127.0.0.1:6379 (`scripts/services.sh`); each test uses its own key prefix.

use super::*;
use crate::clock::FakeClock;
use crate::ratelimit::RateLimitConfig;
use crate::redis_conn::testing;
use std::sync::Arc;

async fn setup() -> (RedisRateLimiter, FakeClock, RateLimitConfig, RedisConnection) {
    let clock = FakeClock::at_ymd_hms(2026, 1, 1, 0, 0, 0);
    let conn = testing::connect().await;
    (RedisRateLimiter::new(conn.clone(), Arc::new(clock.clone())), clock, RateLimitConfig::default(), conn)
}

fn refused(r: Result<RateDecision>) -> Box<RateLimited> {
    match r {
        Err(Error::RateLimited(r)) => r,
        other => panic!("expected rate_limited, got {other:?}"),
    }
}

#[tokio::test]
async fn free_tier_exact_boundaries() {
    let (rl, clock, cfg, conn) = setup().await;
    let q = cfg.quotas_for(Some("free"), None).unwrap();
    for i in 0..10 {
        let d = rl.check("k", &q, 1).await.unwrap();
        assert_eq!(d, RateDecision { limit: 10, remaining: 9 - i, reset_after: Duration::from_secs(360) * (i + 1) });
    }
    let r = refused(rl.check("k", &q, 1).await);
    assert_eq!((r.limit, r.period_s, r.quota.as_str()), (10, 3600, "tier:free"));
    assert_eq!(r.retry_after, Duration::from_secs(360));
    // One nanosecond before the next cell: still refused, with 1 ns to wait.
    clock.advance(Duration::from_secs(360) - Duration::from_nanos(1));
    assert_eq!(refused(rl.check("k", &q, 1).await).retry_after, Duration::from_nanos(1));
    clock.advance(Duration::from_nanos(1));
    let d = rl.check("k", &q, 1).await.unwrap();
    assert_eq!((d.remaining, d.reset_after), (0, Duration::from_secs(3600)));
    assert_eq!(refused(rl.check("k", &q, 1).await).retry_after, Duration::from_secs(360));
    // Other keys are independent.
    assert_eq!(rl.check("other", &q, 1).await.unwrap().remaining, 9);
    // Keys carry the prefix and a TTL, so idle state expires by itself.
    let keys = testing::keys(&conn).await;
    assert_eq!(keys.len(), 4, "{keys:?}"); // (k, other) × (per_minute, tier:free)
    let mut m = conn.manager();
    for k in &keys {
        assert!(k.starts_with(&format!("{}rl:{{", conn.prefix())), "{k}");
        let ttl: i64 = redis::cmd("PTTL").arg(k).query_async(&mut m).await.unwrap();
        assert!(ttl > 0 && ttl <= 3_601_000, "{k}: {ttl}");
    }
    testing::cleanup(&conn).await;
}

#[tokio::test]
async fn several_cells_count_at_once() {
    let (rl, _, cfg, conn) = setup().await;
    let q = cfg.quotas_for(Some("free"), None).unwrap();
    let d = rl.check("b", &q, 7).await.unwrap();
    assert_eq!((d.remaining, d.reset_after), (3, Duration::from_secs(7 * 360)));
    let r = refused(rl.check("b", &q, 4).await);
    assert_eq!((r.quota.as_str(), r.retry_after), ("tier:free", Duration::from_secs(360)));
    assert_eq!(rl.check("b", &q, 3).await.unwrap().remaining, 0);
    let never = rl.check("c", &q, 11).await.unwrap_err();
    assert!(matches!(&never, Error::Validation { field, .. } if field == "requests"), "{never}");
    assert!(rl.check("c", &q, 0).await.is_err());
    assert_eq!(
        rl.check("c", &[], 1).await.unwrap(),
        RateDecision { limit: 0, remaining: 0, reset_after: Duration::ZERO }
    );
    testing::cleanup(&conn).await;
}

#[tokio::test]
async fn refused_request_consumes_nothing() {
    let (rl, clock, _, conn) = setup().await;
    let minute = NamedQuota { name: "per_minute".into(), quota: Quota::new(5, Duration::from_secs(60)).unwrap() };
    let hour = NamedQuota { name: "key".into(), quota: Quota::new(1, Duration::from_secs(3600)).unwrap() };
    let both = [minute.clone(), hour];
    rl.check("r", &both, 1).await.unwrap();
    for _ in 0..9 {
        let r = refused(rl.check("r", &both, 1).await);
        assert_eq!((r.quota.as_str(), r.retry_after), ("key", Duration::from_secs(3600)));
    }
    // The nine refusals left the minute quota alone: 5 − 1 (allowed) − 1 (this one) remain.
    // (The memory limiter would have spent the whole minute quota on them.)
    assert_eq!(rl.check("r", std::slice::from_ref(&minute), 1).await.unwrap().remaining, 3);
    // A quota listed twice counts twice, as in the memory limiter (same state).
    clock.advance(Duration::from_secs(60));
    let d = rl.check("r", &[minute.clone(), minute.clone()], 2).await.unwrap();
    assert_eq!(d.remaining, 1);
    testing::cleanup(&conn).await;
}

#[tokio::test]
async fn per_minute_and_key_quotas() {
    let (rl, _, cfg, conn) = setup().await;
    let q = cfg.quotas_for(Some("premium"), None).unwrap();
    for _ in 0..60 {
        rl.check("p", &q, 1).await.unwrap();
    }
    let r = refused(rl.check("p", &q, 1).await);
    assert_eq!((r.quota.as_str(), r.retry_after), ("per_minute", Duration::from_secs(1)));
    let own = Quota::new(2, Duration::from_secs(60)).unwrap();
    let q = cfg.quotas_for(Some("free"), Some(own)).unwrap();
    rl.check("c", &q, 1).await.unwrap();
    rl.check("c", &q, 1).await.unwrap();
    let r = refused(rl.check("c", &q, 1).await);
    assert_eq!((r.quota.as_str(), r.retry_after), ("key", Duration::from_secs(30)));
    testing::cleanup(&conn).await;
}

#[tokio::test]
async fn emission_interval_rounds_up_to_whole_microseconds() {
    let (rl, clock, _, conn) = setup().await;
    // 3 per 1 ms: T = 333 333.33… ns, sent as 334 µs: never more than the quota.
    let q = [NamedQuota { name: "key".into(), quota: Quota::new(3, Duration::from_millis(1)).unwrap() }];
    for _ in 0..3 {
        rl.check("u", &q, 1).await.unwrap();
    }
    assert_eq!(refused(rl.check("u", &q, 1).await).retry_after, Duration::from_micros(334));
    clock.advance(Duration::from_micros(334));
    rl.check("u", &q, 1).await.unwrap();
    testing::cleanup(&conn).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_never_exceed_the_quota() {
    let (a, clock, cfg, conn) = setup().await;
    let b = RedisRateLimiter::new(testing::second(&conn).await, Arc::new(clock.clone()));
    let (a, b) = (Arc::new(a), Arc::new(b));
    let q = Arc::new(cfg.quotas_for(Some("free"), None).unwrap());
    let mut tasks = Vec::new();
    for i in 0..200 {
        let rl = if i % 2 == 0 { Arc::clone(&a) } else { Arc::clone(&b) };
        let q = Arc::clone(&q);
        tasks.push(tokio::spawn(async move { rl.check("shared", &q, 1).await }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::RateLimited(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(ok, 10);
    testing::cleanup(&conn).await;
}

#[tokio::test]
async fn server_time_ignores_the_engine_clock() {
    let (rl, clock, cfg, conn) = setup().await;
    let rl = rl.server_time(true);
    let q = cfg.quotas_for(Some("free"), None).unwrap();
    for _ in 0..10 {
        rl.check("s", &q, 1).await.unwrap();
    }
    clock.advance(Duration::from_secs(7200)); // the fake clock does not count here
    let r = refused(rl.check("s", &q, 1).await);
    assert!(r.retry_after > Duration::from_secs(300) && r.retry_after <= Duration::from_secs(360), "{r:?}");
    rl.ping().await.unwrap();
    testing::cleanup(&conn).await;
}

#[tokio::test]
async fn redis_down_is_a_storage_error_not_a_pass() {
    let proxy = testing::Proxy::start().await;
    let conn = RedisConnection::connect(&proxy.url).await.unwrap().with_prefix(testing::unique_prefix());
    let clock = FakeClock::at_ymd_hms(2026, 1, 1, 0, 0, 0);
    let rl = RedisRateLimiter::new(conn.clone(), Arc::new(clock));
    let q = RateLimitConfig::default().quotas_for(Some("free"), None).unwrap();
    rl.check("d", &q, 1).await.unwrap();
    let addr = proxy.url.trim_start_matches("redis://").to_owned();
    proxy.stop().await;
    let err = rl.check("d", &q, 1).await.unwrap_err();
    assert!(matches!(err, Error::Storage { .. }), "{err:?}");
    assert!(err.to_string().contains(&format!("Redis at {addr} failed on the rate-limit script")), "{err}");
    assert!(rl.ping().await.is_err());
    testing::cleanup(&testing::second(&conn).await).await;
}
