use super::*;
use crate::clock::FakeClock;
use std::sync::Arc;

fn setup() -> (MemoryRateLimiter, FakeClock, RateLimitConfig) {
    let clock = FakeClock::at_ymd_hms(2026, 1, 1, 0, 0, 0);
    (MemoryRateLimiter::new(Arc::new(clock.clone())), clock, RateLimitConfig::default())
}

fn refused(r: Result<RateDecision>) -> Box<crate::error::RateLimited> {
    match r {
        Err(Error::RateLimited(r)) => r,
        other => panic!("expected rate_limited, got {other:?}"),
    }
}

#[tokio::test]
async fn free_tier_exact_boundaries() {
    let (rl, clock, cfg) = setup();
    let q = cfg.quotas_for(Some("free"), None).unwrap();
    for i in 0..10 {
        let d = rl.check("k", &q, 1).await.unwrap();
        assert_eq!((d.limit, d.remaining), (10, 9 - i));
    }
    let r = refused(rl.check("k", &q, 1).await);
    assert_eq!((r.limit, r.period_s, r.quota.as_str()), (10, 3600, "tier:free"));
    assert_eq!(r.retry_after, Duration::from_secs(360));
    // One nanosecond before the next cell: still refused, with 1 ns to wait.
    clock.advance(Duration::from_secs(360) - Duration::from_nanos(1));
    assert_eq!(refused(rl.check("k", &q, 1).await).retry_after, Duration::from_nanos(1));
    clock.advance(Duration::from_nanos(1));
    let d = rl.check("k", &q, 1).await.unwrap();
    assert_eq!(d.remaining, 0);
    assert!(rl.check("k", &q, 1).await.is_err());
    // Other keys are independent.
    assert!(rl.check("other", &q, 1).await.is_ok());
}

#[tokio::test]
async fn gcra_bound_over_any_window() {
    // Over any window of length w a key gets at most N + floor(w·N/period) requests.
    let (rl, clock, cfg) = setup();
    let q = cfg.quotas_for(Some("standard"), None).unwrap(); // 60/min and 60/hour
    let start = clock.now_for_test();
    let mut allowed_at = Vec::new();
    for _ in 0..(3 * 3600 / 10) {
        if rl.check("k", &q, 1).await.is_ok() {
            allowed_at.push(clock.now_for_test() - start);
        }
        clock.advance(Duration::from_secs(10));
    }
    let hour = chrono::Duration::seconds(3600);
    for (i, &t0) in allowed_at.iter().enumerate() {
        let in_window = allowed_at[i..].iter().take_while(|&&t| t < t0 + hour).count();
        assert!(in_window <= 60 + 60, "window at {t0:?} had {in_window}");
    }
    // Long-run rate: the burst of 60 plus one per elapsed minute (last attempt at 10 790 s).
    assert_eq!(allowed_at.len(), 60 + 10_790 / 60);
}

#[tokio::test]
async fn per_minute_quota_applies_to_premium() {
    let (rl, _, cfg) = setup();
    let q = cfg.quotas_for(Some("premium"), None).unwrap();
    for _ in 0..60 {
        rl.check("p", &q, 1).await.unwrap();
    }
    let r = refused(rl.check("p", &q, 1).await);
    assert_eq!(r.quota, "per_minute");
    assert_eq!(r.retry_after, Duration::from_secs(1));
}

#[tokio::test]
async fn key_quota_and_unknown_tier() {
    let (rl, _, cfg) = setup();
    let own = Quota::new(2, Duration::from_secs(60)).unwrap();
    let q = cfg.quotas_for(Some("free"), Some(own)).unwrap();
    rl.check("c", &q, 1).await.unwrap();
    rl.check("c", &q, 1).await.unwrap();
    assert_eq!(refused(rl.check("c", &q, 1).await).quota, "key");
    let err = cfg.quotas_for(Some("gold"), None).unwrap_err();
    assert!(err.to_string().contains("unknown tier `gold`; expected one of: free, premium, standard"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_checks_never_exceed_burst() {
    let (rl, _, cfg) = setup();
    let rl = Arc::new(rl);
    let q = Arc::new(cfg.quotas_for(Some("free"), None).unwrap());
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let (rl, q) = (Arc::clone(&rl), Arc::clone(&q));
        tasks.push(tokio::spawn(async move { rl.check("shared", &q, 1).await.is_ok() }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += usize::from(t.await.unwrap());
    }
    assert_eq!(ok, 10);
}

#[tokio::test]
async fn several_cells_count_at_once() {
    let (rl, _, cfg) = setup();
    let q = cfg.quotas_for(Some("free"), None).unwrap();
    let d = rl.check("b", &q, 7).await.unwrap();
    assert_eq!(d.remaining, 3);
    assert_eq!(refused(rl.check("b", &q, 4).await).quota, "tier:free");
    rl.check("b", &q, 3).await.unwrap();
    let never = rl.check("c", &q, 11).await.unwrap_err();
    assert!(matches!(&never, Error::Validation { field, .. } if field == "requests"), "{never}");
    assert!(rl.check("c", &q, 0).await.is_err());
}

#[tokio::test]
async fn keys_stay_distinct_whatever_their_length() {
    // The key goes through a reused per-thread buffer; a long key (which does not keep the
    // buffer) and its prefix, checked alternately, must still count separately.
    let (rl, _, cfg) = setup();
    let q = cfg.quotas_for(Some("free"), None).unwrap();
    let long = "k".repeat(1000);
    let prefix = &long[..1];
    for i in 0..10 {
        assert_eq!(rl.check(&long, &q, 1).await.unwrap().remaining, 9 - i);
        assert_eq!(rl.check(prefix, &q, 1).await.unwrap().remaining, 9 - i);
    }
    assert_eq!(refused(rl.check(&long, &q, 1).await).limit, 10);
    assert_eq!(refused(rl.check(prefix, &q, 1).await).limit, 10);
    assert!(rl.check("", &q, 1).await.is_ok());
}
