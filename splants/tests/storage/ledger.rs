//! Budget ledger semantics, per the `BudgetLedger` docs, on every backend.

use crate::support::{Kind, TestDb, at, conformance, sql_backends, store, usd};
use chrono::{DateTime, Duration, Utc};
use splants::budget::{
    BudgetLedger, BudgetPeriod, PeriodWindow, ReservationId, ReserveRequest, Scope, ScopeLimit, ScopeUsage,
    SettleOutcome,
};
use splants::{Error, Usd};
use std::sync::Arc;

conformance!(
    reserve_is_atomic_across_scopes,
    settle_counts_once_with_overshoot_and_release_gives_back,
    lapsed_leases_are_reclaimed_and_late_settles_still_count,
    alerts_are_marked_once,
    concurrent_reserves_on_two_connections_never_overspend,
    a_scope_named_twice_counts_once_at_its_lower_limit,
);

fn now() -> DateTime<Utc> {
    at(2026, 11, 25, 12, 0, 0)
}

fn window() -> PeriodWindow {
    BudgetPeriod::monthly().window(now())
}

fn request(scopes: &[(Scope, f64)], amount: f64, now: DateTime<Utc>) -> ReserveRequest {
    ReserveRequest {
        id: ReservationId::new(),
        scopes: scopes.iter().map(|(scope, limit)| ScopeLimit { scope: scope.clone(), limit: usd(*limit) }).collect(),
        window: window(),
        amount: usd(amount),
        now,
        lease_until: now + Duration::minutes(15),
        in_flight: false,
    }
}

async fn usage(l: &dyn BudgetLedger, scope: &Scope) -> ScopeUsage {
    l.usage(scope, &window()).await.unwrap()
}

fn key(id: &str) -> Scope {
    Scope::Key(id.into())
}

async fn reserve_is_atomic_across_scopes(kind: Kind) {
    let (stores, _db) = store(kind).await;
    let l = stores.ledger;
    let tenant = Scope::Tenant("t1".into());
    let scopes = [(Scope::Global, 10.0), (key("k1"), 1.0), (tenant.clone(), 5.0)];
    let held = request(&scopes, 0.8, now());
    l.reserve(&held).await.unwrap();
    let err = l.reserve(&request(&scopes, 0.3, now())).await.unwrap_err();
    let Error::BudgetExceeded(b) = &err else { panic!("{err:?}") };
    assert_eq!(
        (b.scope.as_str(), b.limit, b.spent, b.reserved, b.requested),
        ("key:k1", usd(1.0), Usd::ZERO, usd(0.8), usd(0.3))
    );
    assert_eq!((b.period_start, b.period_end, b.remaining_days), (window().start, window().end, 6));
    // Nothing was held in the scopes that had room.
    for scope in [Scope::Global, key("k1"), tenant.clone()] {
        let u = usage(l.as_ref(), &scope).await;
        assert_eq!((u.reserved, u.in_flight), (usd(0.8), 1), "{scope}");
    }
    // Another key is not limited by k1; exactly up to a limit is allowed.
    let other = request(&[(Scope::Global, 10.0), (key("k2"), 1.0)], 1.0, now());
    l.reserve(&other).await.unwrap();
    assert_eq!(usage(l.as_ref(), &Scope::Global).await.reserved, usd(1.8));
    // Scopes are named in request order in the error, whatever their sorting.
    let err = l.reserve(&request(&[(tenant.clone(), 0.5), (Scope::Global, 0.5)], 0.6, now())).await.unwrap_err();
    let Error::BudgetExceeded(b) = &err else { panic!("{err:?}") };
    assert_eq!(b.scope, "tenant:t1");
    l.release(held.id).await.unwrap();
    l.release(other.id).await.unwrap();
    assert_eq!(usage(l.as_ref(), &Scope::Global).await, ScopeUsage::default());
    // A reservation with no scope at all is still tracked and settles.
    let free = request(&[], 0.5, now());
    l.reserve(&free).await.unwrap();
    let out = l.settle(free.id, usd(0.4), now()).await.unwrap();
    assert_eq!(out, SettleOutcome { overshoot: Usd::ZERO, spent_after: vec![], was_held: true });
}

async fn settle_counts_once_with_overshoot_and_release_gives_back(kind: Kind) {
    let (stores, _db) = store(kind).await;
    let l = stores.ledger;
    let scopes = [(key("k1"), 5.0), (Scope::Global, 10.0)];
    let r = request(&scopes, 0.1, now());
    l.reserve(&r).await.unwrap();
    let out = l.settle(r.id, usd(0.15), now()).await.unwrap();
    assert_eq!(out, SettleOutcome { overshoot: usd(0.05), spent_after: vec![usd(0.15), usd(0.15)], was_held: true });
    let u = usage(l.as_ref(), &Scope::Global).await;
    assert_eq!(
        u,
        ScopeUsage { spent: usd(0.15), reserved: Usd::ZERO, in_flight: 0, overshoot: usd(0.05), overshoot_count: 1 }
    );
    // Settling again, or releasing after settling, changes nothing.
    assert_eq!(l.settle(r.id, usd(0.15), now()).await.unwrap(), SettleOutcome::default());
    l.release(r.id).await.unwrap();
    assert_eq!(usage(l.as_ref(), &Scope::Global).await, u);
    // Under the estimate: no overshoot; spend adds up.
    let r2 = request(&scopes, 0.5, now());
    l.reserve(&r2).await.unwrap();
    let out = l.settle(r2.id, usd(0.25), now()).await.unwrap();
    assert_eq!((out.overshoot, out.spent_after[0]), (Usd::ZERO, usd(0.4)));
    // Release gives the whole hold back, once.
    let r3 = request(&scopes, 2.0, now());
    l.reserve(&r3).await.unwrap();
    assert_eq!(usage(l.as_ref(), &key("k1")).await.reserved, usd(2.0));
    l.release(r3.id).await.unwrap();
    l.release(r3.id).await.unwrap();
    let k = usage(l.as_ref(), &key("k1")).await;
    assert_eq!((k.spent, k.reserved, k.in_flight, k.overshoot_count), (usd(0.4), Usd::ZERO, 0, 1));
    // Another period starts from zero.
    let next = BudgetPeriod::monthly().window(at(2026, 12, 2, 0, 0, 0));
    assert_eq!(l.usage(&Scope::Global, &next).await.unwrap(), ScopeUsage::default());
}

async fn lapsed_leases_are_reclaimed_and_late_settles_still_count(kind: Kind) {
    let (stores, _db) = store(kind).await;
    let l = stores.ledger;
    let scopes = [(Scope::Global, 1.0)];
    let dead = request(&scopes, 0.6, now()); // a process that died mid-call
    l.reserve(&dead).await.unwrap();
    assert!(matches!(l.reserve(&request(&scopes, 0.6, now())).await, Err(Error::BudgetExceeded(_))));
    // Not lapsed yet one second before the lease ends.
    assert_eq!(l.reclaim_expired(now() + Duration::minutes(15) - Duration::seconds(1)).await.unwrap(), 0);
    // The next reserve after the lease reclaims the dead hold first.
    let later = now() + Duration::minutes(15) + Duration::seconds(1);
    let r2 = request(&scopes, 0.6, later);
    l.reserve(&r2).await.unwrap();
    assert_eq!(
        (usage(l.as_ref(), &Scope::Global).await.reserved, usage(l.as_ref(), &Scope::Global).await.in_flight),
        (usd(0.6), 1)
    );
    l.release(r2.id).await.unwrap();
    // The late settle of the lapsed hold still counts the money (no reserved to give back).
    let out = l.settle(dead.id, usd(0.3), later).await.unwrap();
    assert_eq!(out, SettleOutcome { overshoot: Usd::ZERO, spent_after: vec![usd(0.3)], was_held: false });
    assert_eq!(usage(l.as_ref(), &Scope::Global).await, ScopeUsage { spent: usd(0.3), ..ScopeUsage::default() });
    assert_eq!(l.settle(dead.id, usd(0.3), later).await.unwrap(), SettleOutcome::default());
    // Explicit reclaim counts holds; a released lapsed hold is simply gone.
    let a = request(&scopes, 0.1, later);
    let b = request(&[(Scope::Global, 1.0), (key("k"), 1.0)], 0.2, later);
    l.reserve(&a).await.unwrap();
    l.reserve(&b).await.unwrap();
    let much_later = later + Duration::hours(1);
    assert_eq!(l.reclaim_expired(much_later).await.unwrap(), 2);
    assert_eq!(l.reclaim_expired(much_later).await.unwrap(), 0);
    assert_eq!(usage(l.as_ref(), &Scope::Global).await.reserved, Usd::ZERO);
    assert_eq!(usage(l.as_ref(), &key("k")).await.in_flight, 0);
    l.release(a.id).await.unwrap();
    assert_eq!(l.settle(a.id, usd(0.1), much_later).await.unwrap(), SettleOutcome::default());
    assert_eq!(usage(l.as_ref(), &Scope::Global).await.spent, usd(0.3));
}

async fn alerts_are_marked_once(kind: Kind) {
    let (stores, _db) = store(kind).await;
    let l = stores.ledger;
    let w = window();
    assert!(l.mark_alert(&Scope::Global, &w, 50).await.unwrap());
    assert!(!l.mark_alert(&Scope::Global, &w, 50).await.unwrap());
    assert!(l.mark_alert(&Scope::Global, &w, 80).await.unwrap());
    assert!(l.mark_alert(&key("k1"), &w, 50).await.unwrap());
    let next = BudgetPeriod::monthly().window(at(2026, 12, 2, 0, 0, 0));
    assert!(l.mark_alert(&Scope::Global, &next, 50).await.unwrap());
    assert!(!l.mark_alert(&Scope::Global, &next, 50).await.unwrap());
}

/// Two ledgers over one database (separate pools for the SQL backends), 400 concurrent
/// reserves across two scopes: the limits hold and nothing stays reserved.
async fn concurrent_reserves_on_two_connections_never_overspend(kind: Kind) {
    let db = TestDb::new(kind).await;
    let first = db.open().await.ledger;
    let second = if kind == Kind::Memory { Arc::clone(&first) } else { db.open().await.ledger };
    let scopes = [(Scope::Global, 1.0), (key("k1"), 0.7)];
    let mut tasks = Vec::new();
    for i in 0..400_u64 {
        let l = if i % 2 == 0 { Arc::clone(&first) } else { Arc::clone(&second) };
        let multi = i % 3 != 0;
        let scopes = if multi { scopes.to_vec() } else { scopes[..1].to_vec() };
        tasks.push(tokio::spawn(async move {
            let estimate = 0.010 + (i % 7) as f64 * 0.001;
            let r = request(&scopes, estimate, now());
            match l.reserve(&r).await {
                Ok(()) => {
                    tokio::task::yield_now().await;
                    let actual = Usd::from_nanos(fastrand::i64(0..=r.amount.nanos()));
                    l.settle(r.id, actual, now()).await.map(|_| true)
                }
                Err(Error::BudgetExceeded(_)) => Ok(false),
                Err(e) => Err(e),
            }
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += u32::from(t.await.unwrap().unwrap());
    }
    let g = usage(first.as_ref(), &Scope::Global).await;
    let k = usage(second.as_ref(), &key("k1")).await;
    assert!(g.spent <= usd(1.0) && k.spent <= usd(0.7), "spent {} / {}", g.spent, k.spent);
    assert_eq!((g.reserved, g.in_flight, k.reserved, k.in_flight), (Usd::ZERO, 0, Usd::ZERO, 0));
    assert!(ok >= 62, "at least limit / largest estimate fit: {ok}");
}

async fn a_scope_named_twice_counts_once_at_its_lower_limit(kind: Kind) {
    let (stores, _db) = store(kind).await;
    let l = stores.ledger;
    let scopes = [(Scope::Global, 1.0), (key("k1"), 2.0), (Scope::Global, 0.5)];
    let first = request(&scopes, 0.4, now());
    l.reserve(&first).await.unwrap();
    let u = usage(l.as_ref(), &Scope::Global).await;
    assert_eq!((u.reserved, u.in_flight), (usd(0.4), 1));
    let err = l.reserve(&request(&scopes, 0.2, now())).await.unwrap_err();
    let Error::BudgetExceeded(b) = &err else { panic!("{err:?}") };
    assert_eq!((b.scope.as_str(), b.limit, b.reserved), ("global", usd(0.5), usd(0.4)));
    assert_eq!(usage(l.as_ref(), &key("k1")).await.reserved, usd(0.4), "the refused reserve held nothing");
    let out = l.settle(first.id, usd(0.3), now()).await.unwrap();
    assert_eq!(out.spent_after, vec![usd(0.3), usd(0.3)], "one figure per distinct scope");
    for scope in [Scope::Global, key("k1")] {
        let u = usage(l.as_ref(), &scope).await;
        assert_eq!((u.spent, u.reserved, u.in_flight), (usd(0.3), Usd::ZERO, 0), "{scope}");
    }
    let released = request(&scopes, 0.1, now());
    l.reserve(&released).await.unwrap();
    l.release(released.id).await.unwrap();
    let u = usage(l.as_ref(), &Scope::Global).await;
    assert_eq!((u.spent, u.reserved, u.in_flight), (usd(0.3), Usd::ZERO, 0));
}

sql_backends!(
    a_reserve_cancelled_mid_await_leaves_no_hold,
    lapsed_rows_are_removed_once_their_period_is_over,
    refused_writes_among_concurrent_ones_undo_only_themselves,
    writers_abandoned_at_every_point_never_leave_a_group_open
);
conformance!(budget_exceeded_names_the_scope_that_ran_out);

async fn budget_exceeded_names_the_scope_that_ran_out(kind: Kind) {
    let (stores, _db) = store(kind).await;
    let l = stores.ledger;
    let tenant = Scope::Tenant("t1".into());
    // Global has room, the tenant has not; on SQL the global row is taken first (sorted order).
    let err = l.reserve(&request(&[(Scope::Global, 1.0), (tenant.clone(), 0.5)], 0.6, now())).await.unwrap_err();
    let Error::BudgetExceeded(b) = &err else { panic!("{err:?}") };
    assert_eq!(
        (b.scope.as_str(), b.limit, b.spent, b.reserved, b.requested),
        ("tenant:t1", usd(0.5), Usd::ZERO, Usd::ZERO, usd(0.6))
    );
    assert_eq!(usage(l.as_ref(), &Scope::Global).await, ScopeUsage::default(), "nothing held");
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
async fn a_reserve_cancelled_mid_await_leaves_no_hold(kind: Kind) {
    let db = TestDb::new(kind).await;
    let ledger = db.open().await.ledger;
    let guard = splants::budget::BudgetGuard::new(
        Arc::clone(&ledger),
        Arc::new(splants::clock::SystemClock),
        splants::budget::BudgetConfig { global_limit: Some(usd(1000.0)), ..Default::default() },
        splants::events::EventSink::new(16),
    );
    let (mut cancelled, mut finished) = (0, 0);
    // Cancel at every point of the reserve, from the first poll to its COMMIT (and past it).
    let polls = std::iter::successors(Some(1_usize), |n| Some(n + n / 8 + 1)).take_while(|n| *n < 100_000);
    for (i, n) in polls.enumerate() {
        // SQLite runs a reserve's statements inline, so it only waits (and can only be
        // cancelled) while another connection holds the write lock: every other attempt starts
        // with the lock held elsewhere, given up a little later from another task.
        #[cfg(feature = "sqlite")]
        let blocker = if kind == Kind::Sqlite && i % 2 == 1 {
            Some(
                crate::support::hold_sqlite_write_lock(&db.url, std::time::Duration::from_micros(200 * i as u64)).await,
            )
        } else {
            None
        };
        #[cfg(not(feature = "sqlite"))]
        let _ = i;
        match splants_testkit::poll_at_most(guard.reserve(guard.scopes(None, None), usd(0.01)), n).await {
            None => cancelled += 1,
            Some(r) => {
                r.unwrap().release().await.unwrap();
                finished += 1;
            }
        }
        #[cfg(feature = "sqlite")]
        if let Some(b) = blocker {
            b.await.unwrap();
        }
    }
    assert!(cancelled > 0 && finished > 0, "cancelled {cancelled}, finished {finished}");
    // A cancelled reserve must not leave a hold behind that nobody owns (its lease is 15 min).
    let mut u = ScopeUsage::default();
    for _ in 0..200 {
        u = guard.ledger().usage(&Scope::Global, &guard.window()).await.unwrap();
        if u.in_flight == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!((u.reserved, u.in_flight), (Usd::ZERO, 0), "after {cancelled} cancelled reserves");
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
async fn lapsed_rows_are_removed_once_their_period_is_over(kind: Kind) {
    let db = TestDb::new(kind).await;
    let l = db.open().await.ledger;
    let dead = request(&[(Scope::Global, 1.0)], 0.2, now());
    l.reserve(&dead).await.unwrap();
    // Lapsed within the period: kept, so a late settle still counts.
    l.reclaim_expired(now() + Duration::hours(1)).await.unwrap();
    assert_eq!(crate::support::count_rows(&db, "budget_reservations").await, 1);
    // Once the period is over, nothing can settle into it any more: the row goes.
    let next_period = window().end + Duration::hours(1);
    l.reclaim_expired(next_period).await.unwrap();
    assert_eq!(crate::support::count_rows(&db, "budget_reservations").await, 0);
}

conformance!(a_lapsed_in_flight_hold_counts_as_spent_until_settled_or_released);

async fn a_lapsed_in_flight_hold_counts_as_spent_until_settled_or_released(kind: Kind) {
    let (stores, _db) = store(kind).await;
    let l = stores.ledger;
    let scopes = [(Scope::Global, 1.0), (key("k"), 1.0)];
    let sent = ReserveRequest { in_flight: true, ..request(&scopes, 0.4, now()) };
    let marked = request(&scopes, 0.3, now());
    let unsent = request(&scopes, 0.2, now());
    for r in [&sent, &marked, &unsent] {
        l.reserve(r).await.unwrap();
    }
    l.mark_in_flight(marked.id).await.unwrap();
    // Their process dies; the leases lapse: the calls in flight were probably billed.
    let later = now() + Duration::minutes(16);
    assert_eq!(l.reclaim_expired(later).await.unwrap(), 3);
    for scope in [Scope::Global, key("k")] {
        let u = usage(l.as_ref(), &scope).await;
        assert_eq!((u.spent, u.reserved, u.in_flight), (usd(0.7), Usd::ZERO, 0), "{scope}");
    }
    // A late settle replaces the counted amount with the real cost, once.
    let out = l.settle(sent.id, usd(0.1), later).await.unwrap();
    assert_eq!(out, SettleOutcome { overshoot: Usd::ZERO, spent_after: vec![usd(0.4), usd(0.4)], was_held: false });
    assert_eq!(l.settle(sent.id, usd(0.1), later).await.unwrap(), SettleOutcome::default());
    // A late release says it was never billed: the counted amount is taken back.
    l.release(marked.id).await.unwrap();
    l.release(unsent.id).await.unwrap();
    assert_eq!(usage(l.as_ref(), &Scope::Global).await, ScopeUsage { spent: usd(0.1), ..ScopeUsage::default() });
    // A late settle above the reserved amount is overshoot.
    let over = ReserveRequest { in_flight: true, ..request(&scopes, 0.1, later) };
    l.reserve(&over).await.unwrap();
    l.reclaim_expired(later + Duration::minutes(16)).await.unwrap();
    let out = l.settle(over.id, usd(0.15), later + Duration::minutes(17)).await.unwrap();
    assert_eq!(out.overshoot, usd(0.05));
    let u = usage(l.as_ref(), &Scope::Global).await;
    assert_eq!((u.spent, u.overshoot_count), (usd(0.25), 1));
}

/// Concurrent reserves, every other one refused half-way (its first scope taken, its second
/// without room), all queued on one database at once: SQLite commits writers that arrive
/// together as one transaction (each a savepoint), so a refused one must undo only its own
/// writes and every accepted one must be durable when its call returns (read back through a
/// connection of its own, as another process would).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
async fn refused_writes_among_concurrent_ones_undo_only_themselves(kind: Kind) {
    let db = TestDb::new(kind).await;
    let ledger = db.open().await.ledger;
    let tight = key("tight");
    let mut calls = Vec::new();
    for i in 0..64 {
        let l = Arc::clone(&ledger);
        // Sorted scope order takes `global` first, then the key: a refusal happens after the
        // global row was already changed inside the shared transaction.
        let scopes =
            if i % 2 == 0 { vec![(Scope::Global, 100.0)] } else { vec![(Scope::Global, 100.0), (tight.clone(), 0.0)] };
        calls.push(tokio::spawn(async move {
            let r = request(&scopes, 0.25, now());
            (i % 2 == 0, l.reserve(&r).await)
        }));
    }
    let mut accepted = 0_i64;
    for c in calls {
        match c.await.unwrap() {
            (true, Ok(())) => accepted += 1,
            (false, Err(Error::BudgetExceeded(b))) => assert_eq!(b.scope, "key:tight"),
            (fits, other) => panic!("fits {fits}: {other:?}"),
        }
    }
    assert_eq!(accepted, 32);
    assert_eq!(crate::support::count_rows(&db, "budget_reservations").await, 32, "every accepted hold is committed");
    let fresh = db.open().await.ledger;
    let g = usage(fresh.as_ref(), &Scope::Global).await;
    assert_eq!((g.reserved, g.in_flight), (usd(0.25 * 32.0), 32), "refused reserves left nothing on the global row");
    assert_eq!(usage(fresh.as_ref(), &tight).await.reserved, Usd::ZERO);
}

/// Concurrent reserves, every third abandoned by its caller after a few polls: while queued
/// for the writer, while holding it, after its savepoint is released, while waiting for the
/// group's COMMIT. A group commit must end whoever leaves it: every write that goes on
/// finishes, and the rows committed match the amount held (a member's writes are all in or
/// all out).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
async fn writers_abandoned_at_every_point_never_leave_a_group_open(kind: Kind) {
    let db = TestDb::new(kind).await;
    let ledger = db.open().await.ledger;
    let mut finished = 0_usize;
    for round in 0..64_usize {
        let mut calls = Vec::new();
        for i in 0..24_usize {
            let l = Arc::clone(&ledger);
            let polls = (i % 3 == 0).then_some(1 + (round * 5 + i) % 9);
            calls.push(tokio::spawn(async move {
                let r = request(&[(Scope::Global, 1_000.0)], 0.01, now());
                match polls {
                    Some(n) => splants_testkit::poll_at_most(l.reserve(&r), n).await,
                    None => Some(l.reserve(&r).await),
                }
            }));
        }
        for c in calls {
            // A group left open with nobody to end it would keep its members waiting forever.
            let outcome = tokio::time::timeout(std::time::Duration::from_secs(20), c)
                .await
                .unwrap_or_else(|_| panic!("round {round}: a write never finished"))
                .unwrap();
            if let Some(r) = outcome {
                r.unwrap();
                finished += 1;
            }
        }
    }
    let rows = crate::support::count_rows(&db, "budget_reservations").await;
    assert!(rows >= i64::try_from(finished).unwrap(), "{rows} rows for {finished} finished reserves");
    let held = usage(db.open().await.ledger.as_ref(), &Scope::Global).await.reserved;
    assert_eq!(
        held,
        Usd::from_nanos(usd(0.01).nanos() * rows),
        "every committed hold is on the global row, and only those"
    );
}

/// A database written under schema 0006 (holds in a rowid table, usage rows numbered by
/// AUTOINCREMENT) upgraded by 0007's table rebuilds: a held hold still settles, a lapsed one's
/// late settle still replaces what the reclaim counted, and usage rows keep their order
/// (ties on `created_at` in insertion order), with new rows after them.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn holds_and_usage_written_before_0007_survive_its_rebuilds() {
    use splants::storage::UsageOutcome;
    use sqlx::Connection;
    let db = TestDb::new(Kind::Sqlite).await;
    let (w, t) = (window(), now());
    let micros = |d: DateTime<Utc>| d.timestamp_micros();
    let (held, lapsed) = (ReservationId::new(), ReservationId::new());
    let mut c = sqlx::SqliteConnection::connect(&format!("{}?mode=rwc", db.url)).await.unwrap();
    sqlx::migrate!("./migrations/sqlite").run_to(6, &mut c).await.unwrap();
    // 0.8 held in flight, and a lapsed hold of 0.5 the reclaim counted as spent.
    sqlx::query(
        "INSERT INTO budget_spend (scope, period_start, period_end, spent, reserved, in_flight) VALUES ('global', $1, $2, $3, $4, 1)",
    )
    .bind(micros(w.start))
    .bind(micros(w.end))
    .bind(usd(0.5).nanos())
    .bind(usd(0.8).nanos())
    .execute(&mut c)
    .await
    .unwrap();
    for (id, amount, state, counted) in [(held, 0.8, "held", 0.0), (lapsed, 0.5, "lapsed", 0.5)] {
        sqlx::query(
            "INSERT INTO budget_reservations (id, scopes, period_start, period_end, amount, lease_until, state, \
             created_at, in_flight, counted) VALUES ($1, '[\"global\"]', $2, $3, $4, $5, $6, $7, 1, $8)",
        )
        .bind(id.0.to_string())
        .bind(micros(w.start))
        .bind(micros(w.end))
        .bind(usd(amount).nanos())
        .bind(micros(t + Duration::minutes(15)))
        .bind(state)
        .bind(micros(t))
        .bind(usd(counted).nanos())
        .execute(&mut c)
        .await
        .unwrap();
    }
    // Three usage rows at one instant, inserted out of id order.
    for id in ["u-b", "u-c", "u-a"] {
        sqlx::query(
            "INSERT INTO api_usage (id, provider, model, input_tokens, output_tokens, cached_tokens, \
             cache_write_tokens, cache_write_long_tokens, reasoning_tokens, cost, estimate, latency_ms, outcome, \
             created_at) VALUES ($1, 'test', 'm', 1, 1, 0, 0, 0, 0, 1, 1, 1, 'success', $2)",
        )
        .bind(id)
        .bind(micros(t))
        .execute(&mut c)
        .await
        .unwrap();
    }
    c.close().await.unwrap();

    let stores = db.open().await;
    let l = &stores.ledger;
    let spend = usage(l.as_ref(), &Scope::Global).await;
    assert_eq!((spend.spent, spend.reserved, spend.in_flight), (usd(0.5), usd(0.8), 1));
    l.settle(held, usd(0.3), t).await.unwrap();
    l.settle(lapsed, usd(0.2), t).await.unwrap();
    let spend = usage(l.as_ref(), &Scope::Global).await;
    assert_eq!((spend.spent, spend.reserved, spend.in_flight), (usd(0.5), Usd::ZERO, 0), "0.3 + 0.2 replaced 0.5");
    // Settled holds are gone: settling again changes nothing.
    assert_eq!(l.settle(held, usd(0.3), t).await.unwrap(), SettleOutcome::default());
    assert_eq!(usage(l.as_ref(), &Scope::Global).await.spent, usd(0.5));

    // At `now()`, 2026-11-25 12:00: 120 minutes after the records' base time.
    for id in ["u-0", "u-1"] {
        stores.usage.record_usage(&crate::records::usage(id, 120, None, UsageOutcome::Success, 1)).await.unwrap();
    }
    let listed = stores.usage.list_usage(t, t + Duration::seconds(1), None).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["u-b", "u-c", "u-a", "u-0", "u-1"]);
}
