//! The in-process ledger: one mutex, so a reserve across scopes is trivially atomic.

use super::ledger::{
    BudgetLedger, ReservationId, ReserveRequest, Scope, ScopeLimit, ScopeUsage, SettleOutcome, distinct_scopes,
};
use super::period::PeriodWindow;
use crate::error::{BudgetExceeded, Error, Result};
use crate::money::Usd;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hashbrown::{HashMap, HashSet};
use parking_lot::Mutex;
use std::collections::BTreeSet;
use std::sync::Arc;

type WindowKey = (DateTime<Utc>, DateTime<Utc>);

#[derive(Debug)]
struct Hold {
    scopes: Arc<[ScopeLimit]>,
    window: WindowKey,
    amount: Usd,
    lease_until: DateTime<Utc>,
    in_flight: bool,
}

/// A hold whose lease lapsed, with what the reclaim counted for it.
#[derive(Debug)]
struct Lapsed {
    hold: Hold,
    counted: Usd,
}

#[derive(Debug, Default)]
struct State {
    /// Each scope's periods, oldest first; the current one is found from the end.
    usage: HashMap<Scope, Vec<(WindowKey, ScopeUsage)>>,
    holds: HashMap<ReservationId, Hold>,
    leases: BTreeSet<(DateTime<Utc>, ReservationId)>,
    alerts: HashSet<(Scope, WindowKey, u8)>,
    /// Holds whose lease lapsed before they were settled: a late settle still counts the spend.
    lapsed: HashMap<ReservationId, Lapsed>,
    /// The lapsed holds by the end of their period, to forget them once it is over.
    lapsed_until: BTreeSet<(DateTime<Utc>, ReservationId)>,
}

impl State {
    fn entry(&mut self, scope: &Scope, window: WindowKey) -> &mut ScopeUsage {
        let periods = self.usage.entry_ref(scope).or_default();
        let i = match periods.iter().rposition(|(w, _)| *w == window) {
            Some(i) => i,
            None => {
                periods.push((window, ScopeUsage::default()));
                periods.len() - 1
            }
        };
        &mut periods[i].1
    }

    fn get(&self, scope: &Scope, window: WindowKey) -> Option<&ScopeUsage> {
        self.usage.get(scope)?.iter().rev().find(|(w, _)| *w == window).map(|(_, u)| u)
    }

    fn drop_hold(&mut self, id: ReservationId) -> Option<Hold> {
        let hold = self.holds.remove(&id)?;
        self.leases.remove(&(hold.lease_until, id));
        for (scope, _) in distinct_scopes(&hold.scopes) {
            let u = self.entry(scope, hold.window);
            u.reserved = u.reserved - hold.amount;
            u.in_flight = u.in_flight.saturating_sub(1);
        }
        Some(hold)
    }

    fn reclaim(&mut self, now: DateTime<Utc>) -> u64 {
        let mut n = 0;
        while let Some(&(until, id)) = self.leases.first() {
            if until > now {
                break;
            }
            if let Some(hold) = self.drop_hold(id) {
                // A call in flight was probably billed: count its worst case until it settles.
                let counted = if hold.in_flight { hold.amount } else { Usd::ZERO };
                if counted > Usd::ZERO {
                    for (scope, _) in distinct_scopes(&hold.scopes) {
                        self.entry(scope, hold.window).spent += counted;
                    }
                }
                self.lapsed_until.insert((hold.window.1, id));
                self.lapsed.insert(id, Lapsed { hold, counted });
            }
            n += 1;
        }
        while let Some(&(end, id)) = self.lapsed_until.first() {
            if end > now {
                break;
            }
            self.lapsed_until.remove(&(end, id));
            self.lapsed.remove(&id);
        }
        n
    }

    fn settle(&mut self, id: ReservationId, actual: Usd) -> SettleOutcome {
        let (hold, was_held, counted) = match self.holds.remove(&id) {
            Some(hold) => {
                self.leases.remove(&(hold.lease_until, id));
                (hold, true, Usd::ZERO)
            }
            // The lease lapsed first: the money was still spent, so it still counts (in place
            // of what the reclaim counted).
            None => match self.lapsed.remove(&id) {
                Some(Lapsed { hold, counted }) => {
                    self.lapsed_until.remove(&(hold.window.1, id));
                    (hold, false, counted)
                }
                // Already settled or released: settling twice counts once.
                None => return SettleOutcome::default(),
            },
        };
        let overshoot = if actual > hold.amount { actual - hold.amount } else { Usd::ZERO };
        let mut spent_after: Vec<Usd> = Vec::with_capacity(hold.scopes.len());
        for (scope, _) in distinct_scopes(&hold.scopes) {
            // The hold ends and the spend lands in one visit of the scope's figures.
            let u = self.entry(scope, hold.window);
            if was_held {
                u.reserved = u.reserved - hold.amount;
                u.in_flight = u.in_flight.saturating_sub(1);
            }
            u.spent = u.spent + actual - counted;
            if overshoot > Usd::ZERO {
                u.overshoot += overshoot;
                u.overshoot_count += 1;
            }
            spent_after.push(u.spent);
        }
        SettleOutcome { overshoot, spent_after, was_held }
    }

    fn release(&mut self, id: ReservationId) {
        if self.drop_hold(id).is_none()
            && let Some(l) = self.lapsed.remove(&id)
        {
            // Released after the reclaim counted it: nothing was billed after all.
            self.lapsed_until.remove(&(l.hold.window.1, id));
            for (scope, _) in distinct_scopes(&l.hold.scopes) {
                let u = self.entry(scope, l.hold.window);
                u.spent = u.spent - l.counted;
            }
        }
    }
}

/// A ledger in process memory: fast, exact, and gone when the process ends.
///
/// Good for one process and for tests; use the SQLite or Postgres ledger to share a budget
/// between processes or keep it across restarts.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    state: Mutex<State>,
}

impl MemoryLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        MemoryLedger::default()
    }
}

#[async_trait]
impl BudgetLedger for MemoryLedger {
    async fn reserve(&self, req: &ReserveRequest) -> Result<()> {
        let window = (req.window.start, req.window.end);
        let mut st = self.state.lock();
        st.reclaim(req.now);
        // Each scope takes the amount in turn; a scope without room undoes the ones before it.
        for (taken, (scope, limit)) in distinct_scopes(&req.scopes).enumerate() {
            let u = st.entry(scope, window);
            if u.spent + u.reserved + req.amount > limit {
                let refused = Error::BudgetExceeded(Box::new(BudgetExceeded {
                    scope: scope.as_key(),
                    limit,
                    spent: u.spent,
                    reserved: u.reserved,
                    requested: req.amount,
                    period_start: req.window.start,
                    period_end: req.window.end,
                    remaining_days: req.window.remaining_days(req.now),
                }));
                for (before, _) in distinct_scopes(&req.scopes).take(taken) {
                    let u = st.entry(before, window);
                    u.reserved = u.reserved - req.amount;
                    u.in_flight = u.in_flight.saturating_sub(1);
                }
                return Err(refused);
            }
            u.reserved += req.amount;
            u.in_flight += 1;
        }
        st.holds.insert(
            req.id,
            Hold {
                scopes: Arc::clone(&req.scopes),
                window,
                amount: req.amount,
                lease_until: req.lease_until,
                in_flight: req.in_flight,
            },
        );
        st.leases.insert((req.lease_until, req.id));
        Ok(())
    }

    async fn settle(&self, id: ReservationId, actual: Usd, _now: DateTime<Utc>) -> Result<SettleOutcome> {
        Ok(self.state.lock().settle(id, actual))
    }

    async fn release(&self, id: ReservationId) -> Result<()> {
        self.state.lock().release(id);
        Ok(())
    }

    async fn usage(&self, scope: &Scope, window: &PeriodWindow) -> Result<ScopeUsage> {
        let st = self.state.lock();
        Ok(st.get(scope, (window.start, window.end)).cloned().unwrap_or_default())
    }

    async fn reclaim_expired(&self, now: DateTime<Utc>) -> Result<u64> {
        Ok(self.state.lock().reclaim(now))
    }

    async fn mark_in_flight(&self, id: ReservationId) -> Result<()> {
        if let Some(hold) = self.state.lock().holds.get_mut(&id) {
            hold.in_flight = true;
        }
        Ok(())
    }

    async fn mark_alert(&self, scope: &Scope, window: &PeriodWindow, threshold: u8) -> Result<bool> {
        Ok(self.state.lock().alerts.insert((scope.clone(), (window.start, window.end), threshold)))
    }

    fn finish_now(&self, id: ReservationId, settle_at: Option<Usd>) -> bool {
        let mut st = self.state.lock();
        match settle_at {
            Some(amount) => {
                st.settle(id, amount);
            }
            None => st.release(id),
        }
        true
    }
}
