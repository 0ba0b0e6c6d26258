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
        r.mark_in_flight().await.unwrap();
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

/// A memory ledger whose settles can be made to stall or fail, for the guard's fault paths.
#[derive(Debug, Default)]
struct FaultyLedger {
    inner: MemoryLedger,
    stalled: parking_lot::Mutex<bool>,
    unstalled: tokio::sync::Notify,
    failing_settles: std::sync::atomic::AtomicUsize,
}

impl FaultyLedger {
    fn stall(&self, on: bool) {
        *self.stalled.lock() = on;
        if !on {
            self.unstalled.notify_waiters();
        }
    }

    async fn wait_unstalled(&self) {
        loop {
            let notified = self.unstalled.notified();
            if !*self.stalled.lock() {
                return;
            }
            notified.await;
        }
    }
}

#[async_trait::async_trait]
impl BudgetLedger for FaultyLedger {
    async fn reserve(&self, request: &ReserveRequest) -> Result<()> {
        self.inner.reserve(request).await
    }
    async fn settle(&self, id: ReservationId, actual: Usd, now: DateTime<Utc>) -> Result<SettleOutcome> {
        self.wait_unstalled().await;
        let failing = &self.failing_settles;
        if failing.fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1)).is_ok() {
            return Err(Error::storage("statement timeout (injected)"));
        }
        self.inner.settle(id, actual, now).await
    }
    async fn release(&self, id: ReservationId) -> Result<()> {
        self.inner.release(id).await
    }
    async fn usage(&self, scope: &Scope, window: &PeriodWindow) -> Result<ScopeUsage> {
        self.inner.usage(scope, window).await
    }
    async fn reclaim_expired(&self, now: DateTime<Utc>) -> Result<u64> {
        self.inner.reclaim_expired(now).await
    }
    async fn mark_in_flight(&self, id: ReservationId) -> Result<()> {
        self.inner.mark_in_flight(id).await
    }
    async fn mark_alert(&self, scope: &Scope, window: &PeriodWindow, threshold: u8) -> Result<bool> {
        self.inner.mark_alert(scope, window, threshold).await
    }
}

use std::sync::atomic::Ordering::SeqCst;

fn faulty_guard(limit: f64) -> (BudgetGuard, Arc<FaultyLedger>, FakeClock) {
    let clock = FakeClock::at_ymd_hms(2026, 11, 25, 12, 0, 0);
    let ledger = Arc::new(FaultyLedger::default());
    let cfg = BudgetConfig { global_limit: Some(usd(limit)), ..BudgetConfig::default() };
    let g = BudgetGuard::new(
        Arc::clone(&ledger) as Arc<dyn BudgetLedger>,
        Arc::new(clock.clone()),
        cfg,
        EventSink::new(64),
    );
    (g, ledger, clock)
}

/// Waits (at most 5 s of real time) until the global spend reaches `want`.
async fn spent_reaches(g: &BudgetGuard, want: Usd) -> BudgetStatus {
    for _ in 0..500 {
        let s = global(g).await;
        if s.spent == want {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    global(g).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settle_cancelled_mid_await_is_finished_in_the_background() {
    let (g, ledger, _) = faulty_guard(1.0);
    let r = g.reserve(g.scopes(None, None), usd(0.5)).await.unwrap();
    ledger.stall(true);
    // The caller goes away (client gone, `asyncio.wait_for`, a server timeout) while settling.
    assert!(tokio::time::timeout(Duration::from_millis(50), r.settle(usd(0.2), "m")).await.is_err());
    ledger.stall(false);
    let s = spent_reaches(&g, usd(0.2)).await;
    assert_eq!((s.spent, s.reserved, s.in_flight), (usd(0.2), Usd::ZERO, 0), "the real spend is recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settle_that_fails_is_retried_in_the_background() {
    let (g, ledger, _) = faulty_guard(1.0);
    let r = g.reserve(g.scopes(None, None), usd(0.5)).await.unwrap();
    ledger.failing_settles.store(2, SeqCst);
    let _ = r.settle(usd(0.2), "m").await;
    let s = spent_reaches(&g, usd(0.2)).await;
    assert_eq!((s.spent, s.reserved, s.in_flight), (usd(0.2), Usd::ZERO, 0), "the real spend is recorded");
}

#[tokio::test]
async fn a_lapsed_in_flight_hold_counts_as_spent_until_its_late_settle() {
    let (g, clock, _) = guard(1.0);
    let mut r = g.reserve(g.scopes(None, None), usd(0.6)).await.unwrap();
    r.mark_in_flight().await.unwrap();
    let id = r.id();
    std::mem::forget(r); // the process died while the provider call was in flight
    clock.advance(Duration::from_secs(15 * 60 + 1));
    assert_eq!(g.reclaim_expired().await.unwrap(), 1);
    let s = global(&g).await;
    assert_eq!((s.spent, s.reserved, s.in_flight), (usd(0.6), Usd::ZERO, 0), "the call was probably billed");
    // A settle that arrives late replaces the reclaimed amount with the real cost.
    g.ledger().settle(id, usd(0.25), clock.now()).await.unwrap();
    assert_eq!(global(&g).await.spent, usd(0.25));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holds_in_flight_do_not_refuse_calls_the_budget_can_pay() {
    // 64 callers at a time, each holding a worst case four times its real cost.
    let clock = FakeClock::at_ymd_hms(2026, 11, 25, 12, 0, 0);
    let cfg = BudgetConfig {
        global_limit: Some(usd(1.0)),
        admission_wait: Duration::from_secs(10),
        ..BudgetConfig::default()
    };
    let g = BudgetGuard::new(Arc::new(MemoryLedger::new()), Arc::new(clock), cfg, EventSink::new(64));
    let estimate = usd(0.1);
    let actual = usd(0.025);
    let admitted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let (g, admitted) = (g.clone(), Arc::clone(&admitted));
        tasks.push(tokio::spawn(async move {
            if let Ok(r) = g.reserve(g.scopes(None, None), estimate).await {
                tokio::time::sleep(Duration::from_millis(20)).await;
                r.settle(actual, "m").await.unwrap();
                admitted.fetch_add(1, SeqCst);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let s = global(&g).await;
    assert!(s.spent <= usd(1.0), "never overspent: {}", s.spent);
    // Refusals are right only once the budget could not pay another worst case.
    assert!(s.spent + estimate > usd(1.0), "refused while {} of $1 was spent", s.spent);
    assert_eq!(s.spent, Usd::from_nanos(actual.nanos() * admitted.load(SeqCst) as i64));
}
