//! `BudgetGuard`: a dollar budget that is never overspent.
//!
//! Before a provider call the engine *reserves* the call's worst-case cost (see
//! [`crate::provider::pricing`]) against every scope it counts for — the global budget
//! (`MONTHLY_AI_BUDGET`), the API key, the tenant — in one atomic ledger step; after the call
//! it *settles* with the real cost, or *releases* the hold if nothing was billed. So as long as
//! no call costs more than its estimate, settled spend can never pass the limit, whatever the
//! concurrency, and across processes when the ledger is shared (SQLite/Postgres).
//!
//! Holds cannot leak: a dropped [`Reservation`] is released (or, if its provider call was in
//! flight and may have been billed, settled at its estimate), and every hold carries a lease
//! after which another process reclaims it. A call that costs more than its estimate is
//! recorded as overshoot and announced as an [`EngineEvent::BudgetOvershoot`].

mod ledger;
mod memory;
mod period;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use ledger::distinct_scopes;
pub use ledger::{BudgetLedger, ReservationId, ReserveRequest, Scope, ScopeLimit, ScopeUsage, SettleOutcome};
pub use memory::MemoryLedger;
pub use period::{BudgetPeriod, PeriodKind, PeriodWindow};

use crate::clock::SharedClock;
use crate::error::Result;
use crate::events::{EngineEvent, EventSink};
use crate::money::Usd;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// Default alert thresholds, in percent of the limit.
pub const DEFAULT_ALERT_THRESHOLDS: [u8; 4] = [50, 80, 95, 100];

/// Budget settings.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetConfig {
    /// The global limit per period; `None` means no global limit.
    pub global_limit: Option<Usd>,
    /// The period.
    pub period: BudgetPeriod,
    /// Alert thresholds in percent (each fires once per period and scope).
    pub alert_thresholds: Vec<u8>,
    /// How long a hold lives without being settled before others may reclaim it.
    pub lease: Duration,
}

impl Default for BudgetConfig {
    fn default() -> Self {
        BudgetConfig {
            global_limit: None,
            period: BudgetPeriod::monthly(),
            alert_thresholds: DEFAULT_ALERT_THRESHOLDS.to_vec(),
            lease: Duration::from_secs(15 * 60),
        }
    }
}

/// One scope's budget in the current period.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BudgetStatus {
    /// The scope (`global`, `key:<id>`, `tenant:<id>`).
    pub scope: String,
    /// The limit, if the scope has one.
    pub limit: Option<Usd>,
    /// Settled spend.
    pub spent: Usd,
    /// Held by calls in flight.
    pub reserved: Usd,
    /// `limit - spent - reserved` (never below zero), if limited.
    pub remaining: Option<Usd>,
    /// Calls in flight.
    pub in_flight: u64,
    /// Total by which calls exceeded their estimates.
    pub overshoot: Usd,
    /// Calls that exceeded their estimates.
    pub overshoot_count: u64,
    /// Settled spend as a percentage of the limit.
    pub percent_used: Option<f64>,
    /// Period start.
    pub period_start: DateTime<Utc>,
    /// Period end (the budget resets then).
    pub period_end: DateTime<Utc>,
    /// Whole days left in the period.
    pub remaining_days: i64,
}

#[derive(Debug)]
struct GuardInner {
    ledger: Arc<dyn BudgetLedger>,
    clock: SharedClock,
    config: BudgetConfig,
    events: EventSink,
    /// The last period computed; most calls fall in it, which saves the calendar arithmetic.
    current: parking_lot::Mutex<Option<PeriodWindow>>,
}

impl GuardInner {
    fn window_at(&self, now: DateTime<Utc>) -> PeriodWindow {
        let mut current = self.current.lock();
        match *current {
            Some(w) if w.start <= now && now < w.end => w,
            _ => {
                let w = self.config.period.window(now);
                *current = Some(w);
                w
            }
        }
    }
}

/// Reserves, settles and reports spend against budget scopes. Cheap to clone.
#[derive(Clone, Debug)]
pub struct BudgetGuard {
    inner: Arc<GuardInner>,
}

impl BudgetGuard {
    /// A guard over `ledger`. Thresholds outside 1..=100 are ignored; they are sorted.
    pub fn new(ledger: Arc<dyn BudgetLedger>, clock: SharedClock, mut config: BudgetConfig, events: EventSink) -> Self {
        config.alert_thresholds.retain(|t| (1..=100).contains(t));
        config.alert_thresholds.sort_unstable();
        config.alert_thresholds.dedup();
        BudgetGuard {
            inner: Arc::new(GuardInner { ledger, clock, config, events, current: parking_lot::Mutex::new(None) }),
        }
    }

    /// The ledger.
    pub fn ledger(&self) -> &Arc<dyn BudgetLedger> {
        &self.inner.ledger
    }

    /// The settings.
    pub fn config(&self) -> &BudgetConfig {
        &self.inner.config
    }

    /// The current period.
    pub fn window(&self) -> PeriodWindow {
        self.inner.window_at(self.inner.clock.now())
    }

    /// The scopes a call counts against: global (if limited), the key and the tenant when
    /// they have limits.
    pub fn scopes(&self, key: Option<(&str, Option<Usd>)>, tenant: Option<(&str, Option<Usd>)>) -> Vec<ScopeLimit> {
        let mut scopes = Vec::with_capacity(3);
        if let Some(limit) = self.inner.config.global_limit {
            scopes.push(ScopeLimit { scope: Scope::Global, limit });
        }
        if let Some((id, Some(limit))) = key {
            scopes.push(ScopeLimit { scope: Scope::Key(id.to_owned()), limit });
        }
        if let Some((id, Some(limit))) = tenant {
            scopes.push(ScopeLimit { scope: Scope::Tenant(id.to_owned()), limit });
        }
        scopes
    }

    /// Holds `amount` against all `scopes` at once, or fails with `budget_exceeded` naming the
    /// first scope without room (nothing is held then).
    pub async fn reserve(&self, scopes: impl Into<Arc<[ScopeLimit]>>, amount: Usd) -> Result<Reservation> {
        let scopes = scopes.into();
        let now = self.inner.clock.now();
        let window = self.inner.window_at(now);
        let lease = chrono::Duration::from_std(self.inner.config.lease).unwrap_or(chrono::Duration::minutes(15));
        let request =
            ReserveRequest { id: ReservationId::new(), scopes, window, amount, now, lease_until: now + lease };
        self.inner.ledger.reserve(&request).await?;
        Ok(Reservation {
            guard: Arc::clone(&self.inner),
            id: request.id,
            amount,
            scopes: request.scopes,
            window,
            in_flight: false,
            done: false,
        })
    }

    /// A scope's figures in the current period (`limit` as configured for it).
    pub async fn status(&self, scope: &Scope, limit: Option<Usd>) -> Result<BudgetStatus> {
        let now = self.inner.clock.now();
        let window = self.inner.window_at(now);
        let u = self.inner.ledger.usage(scope, &window).await?;
        let limit = match scope {
            Scope::Global => limit.or(self.inner.config.global_limit),
            _ => limit,
        };
        Ok(BudgetStatus {
            scope: scope.as_key(),
            limit,
            spent: u.spent,
            reserved: u.reserved,
            remaining: limit.map(|l| {
                let r = l - u.spent - u.reserved;
                if r.is_negative() { Usd::ZERO } else { r }
            }),
            in_flight: u.in_flight,
            overshoot: u.overshoot,
            overshoot_count: u.overshoot_count,
            percent_used: limit.filter(|l| l.nanos() > 0).map(|l| u.spent.nanos() as f64 * 100.0 / l.nanos() as f64),
            period_start: window.start,
            period_end: window.end,
            remaining_days: window.remaining_days(now),
        })
    }

    /// Reclaims holds whose lease lapsed (dead processes); returns how many.
    pub async fn reclaim_expired(&self) -> Result<u64> {
        self.inner.ledger.reclaim_expired(self.inner.clock.now()).await
    }
}

/// A hold on the budget. Settle it with the real cost or release it; dropping it releases
/// it (or settles it at the estimate if [`Reservation::mark_in_flight`] was called).
#[derive(Debug)]
#[must_use = "a reservation holds budget until it is settled or released"]
pub struct Reservation {
    guard: Arc<GuardInner>,
    id: ReservationId,
    amount: Usd,
    scopes: Arc<[ScopeLimit]>,
    window: PeriodWindow,
    in_flight: bool,
    done: bool,
}

impl Reservation {
    /// The reservation's id.
    pub fn id(&self) -> ReservationId {
        self.id
    }

    /// The amount held.
    pub fn amount(&self) -> Usd {
        self.amount
    }

    /// Marks the provider request as sent: from now on, dropping the reservation settles it
    /// at its full estimate, because the provider may bill a request the caller abandoned.
    pub fn mark_in_flight(&mut self) {
        self.in_flight = true;
    }

    /// Replaces the hold with the actual cost; announces threshold crossings and overshoot.
    pub async fn settle(mut self, actual: Usd, model: &str) -> Result<SettleOutcome> {
        self.done = true;
        let now = self.guard.clock.now();
        let outcome = self.guard.ledger.settle(self.id, actual, now).await?;
        if outcome.overshoot > Usd::ZERO {
            tracing::warn!(
                reservation = %self.id, estimate = %self.amount, actual = %actual, model,
                "provider call cost more than its reserved estimate"
            );
            self.guard.events.emit(EngineEvent::BudgetOvershoot {
                reservation: self.id.to_string(),
                estimate: self.amount,
                actual,
                model: model.to_owned(),
            });
        }
        self.announce_thresholds(&outcome).await;
        Ok(outcome)
    }

    /// Drops the hold without spending (the call was never billed).
    pub async fn release(mut self) -> Result<()> {
        self.done = true;
        self.guard.ledger.release(self.id).await
    }

    async fn announce_thresholds(&self, outcome: &SettleOutcome) {
        let thresholds = &self.guard.config.alert_thresholds;
        if thresholds.is_empty() {
            return;
        }
        // One figure per distinct scope (see `SettleOutcome::spent_after`).
        for ((scope, limit), spent) in ledger::distinct_scopes(&self.scopes).zip(&outcome.spent_after) {
            if limit.nanos() <= 0 {
                continue;
            }
            let percent = (spent.nanos() as i128 * 100 / limit.nanos() as i128).clamp(0, 255) as u8;
            for &t in thresholds.iter().filter(|&&t| t <= percent) {
                match self.guard.ledger.mark_alert(scope, &self.window, t).await {
                    Ok(true) => {
                        tracing::info!(scope = %scope, threshold = t, spent = %spent, limit = %limit, "budget threshold crossed");
                        self.guard.events.emit(EngineEvent::BudgetThreshold {
                            scope: scope.as_key(),
                            threshold_percent: t,
                            spent: *spent,
                            limit,
                            period_end: self.window.end,
                        });
                    }
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "could not record a budget alert"),
                }
            }
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if !self.done {
            let settle_at = self.in_flight.then_some(self.amount);
            ledger::finish_detached(&self.guard.ledger, self.id, settle_at, self.guard.clock.now());
        }
    }
}

#[cfg(test)]
mod tests;
