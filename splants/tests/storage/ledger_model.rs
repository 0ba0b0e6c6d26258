//! The budget's money promise as a state-machine property, on every ledger: random reserve /
//! settle / release / cancel-mid-await / process-crash / reclaim sequences from two simulated
//! processes (two guards, and on SQL two connection pools on one database), checked against a
//! reference model of what the provider billed.
//!
//! Invariants: spent + reserved ≤ limit at every step; after quiescence and reclaim, recorded ≥
//! billed and recorded − billed ≤ Σ(reserved − actual) of the calls whose outcome the ledger
//! could not know; no hold outlives its lease.

use crate::support::{Kind, TestDb, at, conformance};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestRunner};
use splants::Usd;
use splants::budget::{BudgetConfig, BudgetGuard, BudgetLedger, Reservation, ReserveOptions, Scope, ScopeLimit};
use splants::clock::FakeClock;
use splants::events::EventSink;
use splants_testkit::poll_at_most;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

conformance!(random_sequences_never_overspend_and_never_lose_spend);

/// One unit of money in the model: a thousandth of a dollar.
const UNIT: i64 = 1_000_000;
const TENANT_LIMIT: i64 = 60;
const KEY_LIMIT: i64 = 25;
const LEASE: Duration = Duration::from_secs(60);

#[derive(Clone, Debug)]
enum Op {
    /// A process reserves `amount` units for key `key` (the call is sent right after).
    Reserve { proc: usize, key: usize, amount: i64 },
    /// A reserve whose caller goes away after `polls` polls.
    CancelReserve { proc: usize, key: usize, amount: i64, polls: usize },
    /// The call of the `slot`-th live reservation is billed `percent` of its amount and settled.
    Settle { slot: usize, percent: i64 },
    /// … settled, but the caller goes away after `polls` polls of the settle.
    CancelSettle { slot: usize, percent: i64, polls: usize },
    /// … never billed (it failed before anything was sent) and released.
    Release { slot: usize },
    /// … dropped while the call was in flight (billed `percent`, which the ledger cannot know).
    DropInFlight { slot: usize, percent: i64 },
    /// A process dies: its live reservations vanish without a word (each billed `percent`).
    Crash { proc: usize, percent: i64 },
    /// Time passes beyond every lease and one process reclaims.
    Reclaim { proc: usize },
}

fn op() -> impl Strategy<Value = Op> {
    let proc = 0..2_usize;
    prop_oneof![
        4 => (proc.clone(), 0..3_usize, 1..=12_i64).prop_map(|(proc, key, amount)| Op::Reserve { proc, key, amount }),
        1 => (proc.clone(), 0..3_usize, 1..=12_i64, 0..60_usize)
            .prop_map(|(proc, key, amount, polls)| Op::CancelReserve { proc, key, amount, polls }),
        3 => (0..8_usize, 0..=100_i64).prop_map(|(slot, percent)| Op::Settle { slot, percent }),
        1 => (0..8_usize, 0..=100_i64, 0..30_usize)
            .prop_map(|(slot, percent, polls)| Op::CancelSettle { slot, percent, polls }),
        1 => (0..8_usize).prop_map(|slot| Op::Release { slot }),
        1 => (0..8_usize, 0..=100_i64).prop_map(|(slot, percent)| Op::DropInFlight { slot, percent }),
        1 => (proc.clone(), 0..=100_i64).prop_map(|(proc, percent)| Op::Crash { proc, percent }),
        1 => proc.prop_map(|proc| Op::Reclaim { proc }),
    ]
}

/// What the model knows of one call and its scopes.
#[derive(Default)]
struct Books {
    /// What the provider billed, per scope.
    billed: BTreeMap<Scope, i64>,
    /// Σ(reserved − billed) of calls whose outcome the ledger could not know, per scope.
    slack: BTreeMap<Scope, i64>,
}

impl Books {
    fn add(&mut self, scopes: &[ScopeLimit], billed: i64, slack: i64) {
        for s in scopes {
            *self.billed.entry(s.scope.clone()).or_default() += billed;
            *self.slack.entry(s.scope.clone()).or_default() += slack;
        }
    }
}

struct Live {
    proc: usize,
    scopes: Arc<[ScopeLimit]>,
    amount: i64,
    reservation: Reservation,
}

fn units(u: Usd) -> i64 {
    u.nanos() / UNIT
}

/// Runs one sequence; `case` keeps its scopes apart from earlier cases on the same database.
async fn run_case(ledgers: &[Arc<dyn BudgetLedger>; 2], case: u64, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let clock = FakeClock::new(at(2026, 11, 25, 12, 0, 0));
    let config = BudgetConfig { global_limit: None, lease: LEASE, ..BudgetConfig::default() };
    let guards: Vec<BudgetGuard> = ledgers
        .iter()
        .map(|l| BudgetGuard::new(Arc::clone(l), Arc::new(clock.clone()), config.clone(), EventSink::new(16)))
        .collect();
    let tenant = Scope::Tenant(format!("case{case}"));
    let key_scope = |k: usize| Scope::Key(format!("case{case}-k{k}"));
    let all_scopes: Vec<(Scope, i64)> =
        std::iter::once((tenant.clone(), TENANT_LIMIT)).chain((0..3).map(|k| (key_scope(k), KEY_LIMIT))).collect();
    let scopes_for = |k: usize| -> Arc<[ScopeLimit]> {
        vec![
            ScopeLimit { scope: tenant.clone(), limit: Usd::from_nanos(TENANT_LIMIT * UNIT) },
            ScopeLimit { scope: key_scope(k), limit: Usd::from_nanos(KEY_LIMIT * UNIT) },
        ]
        .into()
    };
    let options = ReserveOptions { in_flight: true, wait: Some(Duration::ZERO) };
    let mut live: Vec<Live> = Vec::new();
    let mut books = Books::default();
    let mut forgotten = Vec::new();

    for op in ops {
        match op {
            Op::Reserve { proc, key, amount } => {
                let scopes = scopes_for(key);
                match guards[proc].reserve_with(Arc::clone(&scopes), Usd::from_nanos(amount * UNIT), options).await {
                    Ok(reservation) => live.push(Live { proc, scopes, amount, reservation }),
                    Err(splants::Error::BudgetExceeded(_)) => {}
                    Err(e) => return Err(TestCaseError::fail(format!("reserve failed: {e}"))),
                }
            }
            Op::CancelReserve { proc, key, amount, polls } => {
                let scopes = scopes_for(key);
                let fut = guards[proc].reserve_with(Arc::clone(&scopes), Usd::from_nanos(amount * UNIT), options);
                if let Some(Ok(reservation)) = poll_at_most(fut, polls).await {
                    live.push(Live { proc, scopes, amount, reservation });
                }
            }
            Op::Settle { slot, percent } if !live.is_empty() => {
                let l = live.remove(slot % live.len());
                let billed = l.amount * percent / 100;
                l.reservation
                    .settle(Usd::from_nanos(billed * UNIT), "m")
                    .await
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                books.add(&l.scopes, billed, 0);
            }
            Op::CancelSettle { slot, percent, polls } if !live.is_empty() => {
                let l = live.remove(slot % live.len());
                let billed = l.amount * percent / 100;
                // Settled now or in the background: the ledger knows the real cost either way.
                let _ = poll_at_most(l.reservation.settle(Usd::from_nanos(billed * UNIT), "m"), polls).await;
                books.add(&l.scopes, billed, 0);
            }
            Op::Release { slot } if !live.is_empty() => {
                let l = live.remove(slot % live.len());
                l.reservation.release().await.map_err(|e| TestCaseError::fail(e.to_string()))?;
                books.add(&l.scopes, 0, 0);
            }
            Op::DropInFlight { slot, percent } if !live.is_empty() => {
                let mut l = live.remove(slot % live.len());
                l.reservation.mark_in_flight().await.map_err(|e| TestCaseError::fail(e.to_string()))?;
                let billed = l.amount * percent / 100;
                drop(l.reservation);
                books.add(&l.scopes, billed, l.amount - billed);
            }
            Op::Crash { proc, percent } => {
                let (dead, alive): (Vec<Live>, Vec<Live>) = live.into_iter().partition(|l| l.proc == proc);
                live = alive;
                for l in dead {
                    let billed = l.amount * percent / 100;
                    books.add(&l.scopes, billed, l.amount - billed);
                    // No destructor runs in a dead process.
                    forgotten.push(l.reservation);
                }
            }
            Op::Reclaim { proc } => {
                for g in &guards {
                    g.flush(Duration::from_secs(10)).await;
                }
                clock.advance(LEASE + Duration::from_secs(1));
                guards[proc].reclaim_expired().await.map_err(|e| TestCaseError::fail(e.to_string()))?;
                // The live reservations of the processes still running are past their lease
                // now too: their calls were reclaimed as spent; settling them later corrects it.
            }
            _ => {}
        }
        // Never overspent, at every step.
        for (scope, limit) in &all_scopes {
            let u = guards[0]
                .ledger()
                .usage(scope, &guards[0].window())
                .await
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(
                units(u.spent + u.reserved) <= *limit,
                "{scope}: spent {} + reserved {} over {limit} units",
                u.spent,
                u.reserved
            );
        }
    }

    // Quiescence: the survivors settle what they hold, background writes finish, leases lapse.
    for l in live.drain(..) {
        let billed = l.amount / 2;
        l.reservation
            .settle(Usd::from_nanos(billed * UNIT), "m")
            .await
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        books.add(&l.scopes, billed, 0);
    }
    for g in &guards {
        prop_assert_eq!(g.flush(Duration::from_secs(10)).await, 0, "background writes did not finish");
    }
    clock.advance(LEASE + Duration::from_secs(1));
    guards[1].reclaim_expired().await.map_err(|e| TestCaseError::fail(e.to_string()))?;
    for (scope, _) in &all_scopes {
        let u = guards[0]
            .ledger()
            .usage(scope, &guards[0].window())
            .await
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let recorded = units(u.spent);
        let billed = books.billed.get(scope).copied().unwrap_or(0);
        let slack = books.slack.get(scope).copied().unwrap_or(0);
        prop_assert!(recorded >= billed, "{scope}: recorded {recorded} below billed {billed}");
        prop_assert!(
            recorded - billed <= slack,
            "{scope}: recorded {recorded} − billed {billed} over the unknown {slack}"
        );
        prop_assert_eq!((u.reserved, u.in_flight), (Usd::ZERO, 0), "{} keeps a hold past its lease", scope);
    }
    drop(forgotten);
    Ok(())
}

async fn random_sequences_never_overspend_and_never_lose_spend(kind: Kind) {
    let db = TestDb::new(kind).await;
    let ledgers: [Arc<dyn BudgetLedger>; 2] = match kind {
        // One process's memory cannot be shared: both guards use one ledger.
        Kind::Memory => {
            let l: Arc<dyn BudgetLedger> = Arc::new(splants::budget::MemoryLedger::new());
            [Arc::clone(&l), l]
        }
        #[allow(unreachable_patterns)]
        _ => [db.open().await.ledger, db.open().await.ledger],
    };
    let cases = if kind == Kind::Memory { 512 } else { 32 };
    let handle = tokio::runtime::Handle::current();
    let case = std::sync::atomic::AtomicU64::new(0);
    let result = tokio::task::block_in_place(|| {
        let mut runner = TestRunner::new(RunnerConfig { cases, failure_persistence: None, ..RunnerConfig::default() });
        runner.run(&proptest::collection::vec(op(), 1..60), |ops| {
            let n = case.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            handle.block_on(run_case(&ledgers, n, ops))
        })
    });
    if let Err(e) = result {
        panic!("{kind:?}: {e}");
    }
}
