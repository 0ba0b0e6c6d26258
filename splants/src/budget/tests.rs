use super::*;
use crate::Error;
use crate::clock::{Clock, FakeClock};
use std::sync::Arc;

fn usd(d: f64) -> Usd {
    Usd::from_dollars(d).unwrap()
}

fn guard(limit: f64) -> (BudgetGuard, FakeClock, EventSink) {
    let clock = FakeClock::at_ymd_hms(2026, 11, 25, 12, 0, 0);
    let events = EventSink::new(64);
    let cfg = BudgetConfig { global_limit: Some(usd(limit)), ..BudgetConfig::default() };
    let g = BudgetGuard::new(Arc::new(MemoryLedger::new()), Arc::new(clock.clone()), cfg, events.clone());
    (g, clock, events)
}

async fn global(g: &BudgetGuard) -> BudgetStatus {
    g.status(&Scope::Global, None).await.unwrap()
}

#[tokio::test]
async fn reserve_settle_release() {
    let (g, _, _) = guard(1.0);
    let r = g.reserve(g.scopes(None, None), usd(0.4)).await.unwrap();
    assert_eq!(global(&g).await.reserved, usd(0.4));
    r.settle(usd(0.1), "m").await.unwrap();
    let s = global(&g).await;
    assert_eq!((s.spent, s.reserved, s.in_flight), (usd(0.1), Usd::ZERO, 0));
    let r = g.reserve(g.scopes(None, None), usd(0.9)).await.unwrap();
    let err = g.reserve(g.scopes(None, None), usd(0.01)).await.unwrap_err();
    let Error::BudgetExceeded(b) = &err else { panic!("{err:?}") };
    assert_eq!(
        (b.scope.as_str(), b.limit, b.spent, b.reserved, b.requested),
        ("global", usd(1.0), usd(0.1), usd(0.9), usd(0.01))
    );
    assert_eq!(b.remaining_days, 6);
    assert_eq!(err.details()["current_usage"], 0.1);
    assert_eq!(err.details()["budget"], 1.0);
    r.release().await.unwrap();
    assert_eq!(global(&g).await.reserved, Usd::ZERO);
    // exactly up to the limit is allowed
    g.reserve(g.scopes(None, None), usd(0.9)).await.unwrap().settle(usd(0.9), "m").await.unwrap();
    assert_eq!(global(&g).await.remaining, Some(Usd::ZERO));
}

#[tokio::test]
async fn reserve_is_atomic_across_scopes() {
    let (g, _, _) = guard(10.0);
    let scopes = g.scopes(Some(("k1", Some(usd(1.0)))), Some(("t1", Some(usd(5.0)))));
    assert_eq!(scopes.len(), 3);
    let _held = g.reserve(scopes.clone(), usd(0.8)).await.unwrap();
    let err = g.reserve(scopes.clone(), usd(0.3)).await.unwrap_err();
    let Error::BudgetExceeded(b) = &err else { panic!() };
    assert_eq!(b.scope, "key:k1");
    // Nothing was held in the scopes that had room.
    assert_eq!(global(&g).await.reserved, usd(0.8));
    assert_eq!(g.status(&Scope::Tenant("t1".into()), Some(usd(5.0))).await.unwrap().reserved, usd(0.8));
    // Another key is unaffected by k1's limit.
    let other = g.scopes(Some(("k2", Some(usd(1.0)))), None);
    g.reserve(other, usd(0.9)).await.unwrap().release().await.unwrap();
}

#[tokio::test]
async fn drop_releases_and_in_flight_drop_settles_at_estimate() {
    let (g, _, _) = guard(1.0);
    {
        let _r = g.reserve(g.scopes(None, None), usd(0.5)).await.unwrap();
    }
    let s = global(&g).await;
    assert_eq!((s.reserved, s.spent), (Usd::ZERO, Usd::ZERO));
    {
        let mut r = g.reserve(g.scopes(None, None), usd(0.5)).await.unwrap();
        r.mark_in_flight();
    }
    let s = global(&g).await;
    assert_eq!((s.reserved, s.spent), (Usd::ZERO, usd(0.5)));
}

#[tokio::test]
async fn overshoot_is_recorded_and_announced() {
    let (g, _, events) = guard(1.0);
    let mut rx = events.subscribe();
    let r = g.reserve(g.scopes(None, None), usd(0.1)).await.unwrap();
    let out = r.settle(usd(0.15), "gpt-x").await.unwrap();
    assert_eq!(out.overshoot, usd(0.05));
    let s = global(&g).await;
    assert_eq!((s.spent, s.overshoot, s.overshoot_count), (usd(0.15), usd(0.05), 1));
    let ev = rx.try_recv().unwrap();
    assert!(matches!(ev, EngineEvent::BudgetOvershoot { actual, .. } if actual == usd(0.15)));
}

#[tokio::test]
async fn settle_twice_counts_once() {
    let (g, _, _) = guard(1.0);
    let r = g.reserve(g.scopes(None, None), usd(0.2)).await.unwrap();
    let id = r.id();
    r.settle(usd(0.2), "m").await.unwrap();
    let again = g.ledger().settle(id, usd(0.2), chrono::Utc::now()).await.unwrap();
    assert_eq!(again, SettleOutcome::default());
    assert_eq!(global(&g).await.spent, usd(0.2));
}

#[tokio::test]
async fn lapsed_leases_are_reclaimed_and_late_settles_still_count() {
    let (g, clock, _) = guard(1.0);
    let r1 = g.reserve(g.scopes(None, None), usd(0.6)).await.unwrap();
    let id1 = r1.id();
    std::mem::forget(r1); // a process that died mid-call
    assert!(g.reserve(g.scopes(None, None), usd(0.6)).await.is_err());
    clock.advance(Duration::from_secs(15 * 60 + 1));
    // The next reserve reclaims the lapsed hold first.
    let r2 = g.reserve(g.scopes(None, None), usd(0.6)).await.unwrap();
    assert_eq!(global(&g).await.reserved, usd(0.6));
    r2.release().await.unwrap();
    // A late settle of the lapsed hold still counts the money.
    let out = g.ledger().settle(id1, usd(0.3), clock.now()).await.unwrap();
    assert!(!out.was_held);
    assert_eq!(global(&g).await.spent, usd(0.3));
    assert_eq!(g.reclaim_expired().await.unwrap(), 0);
}

#[tokio::test]
async fn thresholds_fire_once_per_period() {
    let (g, clock, events) = guard(1.0);
    let mut rx = events.subscribe();
    let spend = |amount: f64| {
        let g = g.clone();
        async move { g.reserve(g.scopes(None, None), usd(amount)).await.unwrap().settle(usd(amount), "m").await.unwrap() }
    };
    spend(0.45).await;
    assert!(rx.try_recv().is_err());
    spend(0.40).await; // 85 %: crosses 50 and 80 at once
    let got: Vec<u8> = std::iter::from_fn(|| rx.try_recv().ok())
        .filter_map(|e| match e {
            EngineEvent::BudgetThreshold { threshold_percent, .. } => Some(threshold_percent),
            _ => None,
        })
        .collect();
    assert_eq!(got, vec![50, 80]);
    spend(0.01).await;
    assert!(rx.try_recv().is_err(), "no repeat within the period");
    // Next month starts from zero and fires again.
    clock.set(chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().into());
    assert_eq!(global(&g).await.spent, Usd::ZERO);
    spend(0.5).await;
    assert!(matches!(rx.try_recv().unwrap(), EngineEvent::BudgetThreshold { threshold_percent: 50, .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reservations_never_overspend() {
    let (g, _, _) = guard(1.0);
    let mut tasks = Vec::new();
    for i in 0..1000_u64 {
        let g = g.clone();
        tasks.push(tokio::spawn(async move {
            let estimate = Usd::from_nanos(10_000_000 + (i % 7) as i64 * 1_000_000); // $0.010..0.016
            match g.reserve(g.scopes(None, None), estimate).await {
                Ok(r) => {
                    tokio::task::yield_now().await;
                    let actual = Usd::from_nanos(fastrand::i64(0..=estimate.nanos()));
                    r.settle(actual, "m").await.map(|_| true)
                }
                Err(Error::BudgetExceeded(_)) => Ok(false),
                Err(e) => Err(e),
            }
        }));
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap().unwrap() {
            ok += 1;
        }
    }
    let s = global(&g).await;
    assert!(s.spent <= usd(1.0), "spent {} over the limit", s.spent);
    assert_eq!(s.reserved, Usd::ZERO);
    assert_eq!(s.in_flight, 0);
    assert!(ok >= 62, "at least limit / max estimate calls fit, got {ok}");
}
