//! `BudgetGuard`: a dollar budget that is never overspent.
//!
//! Before a provider call the engine *reserves* the call's worst-case cost (see
//! [`crate::provider::pricing`]) against every scope it counts for — the global budget
//! (`MONTHLY_AI_BUDGET`), the API key, the tenant — in one atomic ledger step; after the call
//! it *settles* with the real cost, or *releases* the hold if nothing was billed. So as long as
//! no call costs more than its estimate, settled spend can never pass the limit, whatever the
//! concurrency, and across processes when the ledger is shared (SQLite/Postgres).
//!
//! Holds cannot leak and spend is never lost: a dropped [`Reservation`] is released (or, if its
//! provider call was in flight and may have been billed, settled at its estimate); a settle that
//! fails or whose caller goes away is finished in the background with retries; a reserve whose
//! caller goes away is cancelled; and every hold carries a lease after which another process
//! reclaims it — as spent at its amount if its call was in flight, until a late settle says what
//! it really cost. A call that costs more than its estimate is recorded as overshoot and
//! announced as an [`EngineEvent::BudgetOvershoot`].
//!
//! When only holds of calls in flight stand in the way (not settled spend), a reserve waits for
//! them to settle, up to [`BudgetConfig::admission_wait`] or the caller's own deadline, instead of
//! refusing a call the budget can still pay; a refusal says which it was
//! ([`crate::error::ExceededBy`]).

mod config;
mod ledger;
mod memory;
mod period;

pub use crate::error::ExceededBy;
pub use config::{BudgetConfig, DegradePolicy};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use ledger::distinct_scopes;
pub use ledger::{BudgetLedger, ReservationId, ReserveRequest, Scope, ScopeLimit, ScopeUsage, SettleOutcome};
pub use memory::MemoryLedger;
pub use period::{BudgetPeriod, PeriodKind, PeriodWindow};

use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::{EngineEvent, EventSink};
use crate::money::Usd;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Default alert thresholds, in percent of the limit.
pub const DEFAULT_ALERT_THRESHOLDS: [u8; 4] = [50, 80, 95, 100];

/// One scope's budget in the current period.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
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
    /// Woken whenever a hold ends in this process (reserves waiting for room try again).
    ended: tokio::sync::Notify,
    /// Ledger writes finishing in the background (settles and releases of dropped or failed
    /// reservations, cancelled reserves).
    background: AtomicUsize,
    /// Woken when `background` drops to zero.
    idle: tokio::sync::Notify,
}

/// How often a reserve waiting for room looks again when no hold ended in this process (holds
/// of other processes end without telling us).
const ADMISSION_POLL: Duration = Duration::from_millis(100);
/// Tries of a ledger write finished in the background, and the first pause between them.
const BACKGROUND_TRIES: u32 = 10;
const BACKGROUND_FIRST_PAUSE: Duration = Duration::from_millis(50);

/// A ledger write that must happen even though nobody waits for it.
#[derive(Debug)]
enum Finish {
    Settle { id: ReservationId, actual: Usd, now: DateTime<Utc> },
    Release(ReservationId),
    CancelReserve(ReserveRequest),
}

impl Finish {
    async fn run(&self, ledger: &dyn BudgetLedger) -> Result<()> {
        match self {
            Finish::Settle { id, actual, now } => ledger.settle(*id, *actual, *now).await.map(|_| ()),
            Finish::Release(id) => ledger.release(*id).await,
            Finish::CancelReserve(request) => ledger.cancel_reserve(request).await,
        }
    }
}

/// Counts a background write from its start to its end, also if its task is dropped.
struct BackgroundTicket(Arc<GuardInner>);

impl BackgroundTicket {
    fn new(guard: &Arc<GuardInner>) -> Self {
        guard.background.fetch_add(1, Ordering::SeqCst);
        BackgroundTicket(Arc::clone(guard))
    }
}

impl Drop for BackgroundTicket {
    fn drop(&mut self) {
        if self.0.background.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
        self.0.ended.notify_waiters();
    }
}

impl GuardInner {
    /// Makes sure `finish` reaches the ledger although nobody waits for it: inline when the
    /// ledger can do it without blocking, else on the tokio runtime with retries (a database
    /// that is down for a while). If every try fails the hold's lease lapses and a reclaim counts
    /// it (an in-flight hold at its amount, so spend is never under-counted).
    fn finish_detached(self: &Arc<Self>, finish: Finish) {
        let inline = match &finish {
            Finish::Settle { id, actual, .. } => self.ledger.finish_now(*id, Some(*actual)),
            Finish::Release(id) => self.ledger.finish_now(*id, None),
            Finish::CancelReserve(request) => self.ledger.finish_now(request.id, None),
        };
        if inline {
            self.ended.notify_waiters();
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(?finish, "budget write outside a runtime; the hold's lease will lapse");
            return;
        };
        let ticket = BackgroundTicket::new(self);
        handle.spawn(async move {
            let guard = &ticket.0;
            let mut pause = BACKGROUND_FIRST_PAUSE;
            for attempt in 1..=BACKGROUND_TRIES {
                match finish.run(guard.ledger.as_ref()).await {
                    Ok(()) => return,
                    Err(e) if attempt == BACKGROUND_TRIES => {
                        tracing::error!(?finish, error = %e, "could not finish a budget write; the hold's lease will lapse and a reclaim counts it");
                    }
                    Err(e) => {
                        tracing::warn!(?finish, attempt, error = %e, "budget write failed; trying again");
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_secs(5));
                    }
                }
            }
        });
    }

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
            inner: Arc::new(GuardInner {
                ledger,
                clock,
                config,
                events,
                current: parking_lot::Mutex::new(None),
                ended: tokio::sync::Notify::new(),
                background: AtomicUsize::new(0),
                idle: tokio::sync::Notify::new(),
            }),
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
    /// first scope without room (nothing is held then). Waits up to the configured
    /// [`BudgetConfig::admission_wait`] when only holds in flight stand in the way.
    pub async fn reserve(&self, scopes: impl Into<Arc<[ScopeLimit]>>, amount: Usd) -> Result<Reservation> {
        self.reserve_with(scopes, amount, ReserveOptions::default()).await
    }

    /// [`BudgetGuard::reserve`] with options: whether the call is sent right away (so a lapse
    /// of the hold counts it as spent) and how long to wait for holds in flight to settle.
    pub async fn reserve_with(
        &self,
        scopes: impl Into<Arc<[ScopeLimit]>>,
        amount: Usd,
        options: ReserveOptions,
    ) -> Result<Reservation> {
        let scopes = scopes.into();
        let wait = options.wait.unwrap_or(self.inner.config.admission_wait);
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Listen before trying, so a hold that ends during the try is not missed.
            let ended = self.inner.ended.notified();
            let mut ended = std::pin::pin!(ended);
            ended.as_mut().enable();
            let err = match self.try_reserve(Arc::clone(&scopes), amount, options.in_flight).await {
                Err(Error::BudgetExceeded(b)) if b.cause() == ExceededBy::Held => Error::BudgetExceeded(b),
                other => return other,
            };
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(err);
            }
            let pause = (deadline - now).min(ADMISSION_POLL);
            tokio::select! {
                () = ended => {},
                () = tokio::time::sleep(pause) => {},
            }
        }
    }

    async fn try_reserve(&self, scopes: Arc<[ScopeLimit]>, amount: Usd, in_flight: bool) -> Result<Reservation> {
        let now = self.inner.clock.now();
        let window = self.inner.window_at(now);
        let lease = chrono::Duration::from_std(self.inner.config.lease).unwrap_or(chrono::Duration::minutes(15));
        let request = ReserveRequest {
            id: ReservationId::new(),
            scopes,
            window,
            amount,
            now,
            lease_until: now + lease,
            in_flight,
        };
        // Until the ledger answers, a dropped future (the caller went away) or a failure whose
        // outcome is unknown (a COMMIT cut short) cancels the reserve in the background.
        let mut pending = PendingReserve { guard: &self.inner, request: Some(request.clone()) };
        let result = self.inner.ledger.reserve(&request).await;
        if matches!(result, Ok(()) | Err(Error::BudgetExceeded(_))) {
            // Taken, or refused with nothing held: there is nothing to cancel.
            pending.request = None;
        }
        drop(pending);
        result?;
        Ok(Reservation {
            guard: Arc::clone(&self.inner),
            id: request.id,
            amount,
            scopes: request.scopes,
            window,
            stored_in_flight: in_flight,
            in_flight: false,
            settling: None,
            done: false,
        })
    }

    /// Waits until the ledger writes finishing in the background (settles of dropped or failed
    /// reservations, cancelled reserves) are done, at most `timeout`; returns how many are left.
    pub async fn flush(&self, timeout: Duration) -> usize {
        let background = &self.inner.background;
        crate::clock::wait_until(&self.inner.idle, timeout, || background.load(Ordering::SeqCst) == 0).await;
        background.load(Ordering::SeqCst)
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

/// How a reserve behaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReserveOptions {
    /// The call is sent right after the reserve: the hold is stored as in flight, so if its
    /// process dies a reclaim counts it as spent (a later settle corrects it). Saves the write
    /// of [`Reservation::mark_in_flight`].
    pub in_flight: bool,
    /// How long to wait for holds in flight to settle when only they stand in the way;
    /// `None` uses [`BudgetConfig::admission_wait`].
    pub wait: Option<Duration>,
}

/// A reserve on its way to the ledger; dropped before it answers, it cancels the reserve.
struct PendingReserve<'a> {
    guard: &'a Arc<GuardInner>,
    request: Option<ReserveRequest>,
}

impl Drop for PendingReserve<'_> {
    fn drop(&mut self) {
        if let Some(request) = self.request.take() {
            self.guard.finish_detached(Finish::CancelReserve(request));
        }
    }
}

/// A hold on the budget. Settle it with the real cost or release it; dropping it releases
/// it (or settles it at the estimate if [`Reservation::mark_in_flight`] was called, or at the
/// actual cost if a settle was under way).
#[derive(Debug)]
#[must_use = "a reservation holds budget until it is settled or released"]
pub struct Reservation {
    guard: Arc<GuardInner>,
    id: ReservationId,
    amount: Usd,
    scopes: Arc<[ScopeLimit]>,
    window: PeriodWindow,
    /// The ledger knows the call is in flight (a lapse counts it as spent).
    stored_in_flight: bool,
    /// The call was sent: a drop settles at the estimate.
    in_flight: bool,
    /// A settle at this cost was started: a drop finishes it.
    settling: Option<Usd>,
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
    /// at its full estimate, because the provider may bill a request the caller abandoned, and a
    /// lapse of its lease (a dead process) counts it as spent. Writes to the ledger unless the
    /// hold was reserved in flight ([`ReserveOptions::in_flight`]).
    pub async fn mark_in_flight(&mut self) -> Result<()> {
        if !self.stored_in_flight {
            self.guard.ledger.mark_in_flight(self.id).await?;
            self.stored_in_flight = true;
        }
        self.in_flight = true;
        Ok(())
    }

    /// Replaces the hold with the actual cost; announces threshold crossings and overshoot.
    ///
    /// The cost is never lost: if the ledger fails, or this future is dropped before it
    /// answers, the settle is finished in the background with retries (the error is still
    /// returned, for the log).
    pub fn settle(mut self, actual: Usd, model: &str) -> impl Future<Output = Result<SettleOutcome>> + Send + '_ {
        // Set before the first poll: a future dropped unpolled still settles at `actual`.
        self.settling = Some(actual);
        self.settle_now(actual, model)
    }

    async fn settle_now(mut self, actual: Usd, model: &str) -> Result<SettleOutcome> {
        let now = self.guard.clock.now();
        let outcome = self.guard.ledger.settle(self.id, actual, now).await?;
        self.done = true;
        self.guard.ended.notify_waiters();
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

    /// Drops the hold without spending (the call was never billed). If the ledger fails or this
    /// future is dropped, the release is finished in the background.
    pub async fn release(mut self) -> Result<()> {
        self.guard.ledger.release(self.id).await?;
        self.done = true;
        self.guard.ended.notify_waiters();
        Ok(())
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
            let settle_at = self.settling.or(self.in_flight.then_some(self.amount));
            let finish = match settle_at {
                Some(actual) => Finish::Settle { id: self.id, actual, now: self.guard.clock.now() },
                None => Finish::Release(self.id),
            };
            self.guard.finish_detached(finish);
        }
    }
}

#[cfg(test)]
mod tests;
