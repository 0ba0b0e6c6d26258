//! The ledger behind a budget: one atomic reserve across scopes, settle, release, leases.

use super::period::PeriodWindow;
use crate::error::Result;
use crate::money::Usd;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// Whose money a limit guards.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Scope {
    /// Everything this deployment spends (`MONTHLY_AI_BUDGET`).
    Global,
    /// One API key, by key id.
    Key(String),
    /// One tenant (a customer of the embedding application).
    Tenant(String),
}

impl Scope {
    /// The stable string form: `global`, `key:<id>`, `tenant:<id>`.
    pub fn as_key(&self) -> String {
        match self {
            Scope::Global => "global".to_owned(),
            Scope::Key(id) => format!("key:{id}"),
            Scope::Tenant(id) => format!("tenant:{id}"),
        }
    }

    /// Parses the string form.
    pub fn parse(s: &str) -> Option<Scope> {
        if s == "global" {
            return Some(Scope::Global);
        }
        if let Some(id) = s.strip_prefix("key:") {
            return Some(Scope::Key(id.to_owned()));
        }
        s.strip_prefix("tenant:").map(|id| Scope::Tenant(id.to_owned()))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_key())
    }
}

impl From<&Scope> for Scope {
    fn from(s: &Scope) -> Scope {
        s.clone()
    }
}

impl From<Scope> for String {
    fn from(s: Scope) -> String {
        s.as_key()
    }
}

impl TryFrom<String> for Scope {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        Scope::parse(&s).ok_or_else(|| format!("`{s}` is not a budget scope (global, key:<id>, tenant:<id>)"))
    }
}

/// A scope and its limit for the period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeLimit {
    /// The scope.
    pub scope: Scope,
    /// Most it may spend in the period.
    pub limit: Usd,
}

/// Each scope of `scopes` once, in the order it is first named, with the lowest limit any entry
/// gives it: a scope named twice in one reservation is held, settled and released once. Every
/// ledger and the guard's alerts read a reservation's scopes through this.
pub(crate) fn distinct_scopes(scopes: &[ScopeLimit]) -> impl Iterator<Item = (&Scope, Usd)> {
    scopes.iter().enumerate().filter(|(i, sl)| !scopes[..*i].iter().any(|p| p.scope == sl.scope)).map(|(_, sl)| {
        let limit = scopes.iter().filter(|p| p.scope == sl.scope).fold(sl.limit, |l, p| l.min(p.limit));
        (&sl.scope, limit)
    })
}

/// Identifies a reservation in a ledger.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReservationId(pub uuid::Uuid);

impl ReservationId {
    /// A fresh, time-ordered id.
    pub fn new() -> Self {
        ReservationId(uuid::Uuid::now_v7())
    }
}

impl Default for ReservationId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ReservationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What to reserve.
#[derive(Clone, Debug)]
pub struct ReserveRequest {
    /// Id for the new reservation.
    pub id: ReservationId,
    /// Every scope the spend counts against; all must have room or nothing is reserved.
    pub scopes: Arc<[ScopeLimit]>,
    /// The period the spend belongs to.
    pub window: PeriodWindow,
    /// The worst-case cost to hold.
    pub amount: Usd,
    /// Now, by the engine's clock.
    pub now: DateTime<Utc>,
    /// When the hold lapses if never settled or released (a crashed process).
    pub lease_until: DateTime<Utc>,
    /// Whether the call this hold pays for is sent right after the reserve. A lapsed in-flight
    /// hold counts as spent at its amount (the provider probably billed it); a lapsed hold that
    /// was never sent is given back.
    pub in_flight: bool,
}

/// How a reservation ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettleOutcome {
    /// `actual - reserved` when the call cost more than its estimate, else zero.
    pub overshoot: Usd,
    /// Each scope's settled spend in the period after this settlement, in the order of the
    /// reservation's scopes; a scope named more than once appears once, where it was first named.
    pub spent_after: Vec<Usd>,
    /// Whether the reservation was still held (false if its lease had lapsed and was reclaimed;
    /// the spend is recorded either way).
    pub was_held: bool,
}

/// A scope's figures for one period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeUsage {
    /// Settled spend.
    pub spent: Usd,
    /// Held by reservations in flight.
    pub reserved: Usd,
    /// Reservations in flight.
    pub in_flight: u64,
    /// Total by which settled calls exceeded their estimates.
    pub overshoot: Usd,
    /// Calls that exceeded their estimates.
    pub overshoot_count: u64,
}

/// Stores budget state. `reserve` must be one atomic step across all scopes: either every
/// scope has `spent + reserved + amount <= limit` and all are charged, or none is.
#[async_trait]
pub trait BudgetLedger: Send + Sync + fmt::Debug {
    /// Holds `amount` against every scope, or fails with [`crate::Error::BudgetExceeded`]
    /// naming the first scope without room. Reclaims lapsed leases first.
    async fn reserve(&self, request: &ReserveRequest) -> Result<()>;

    /// Replaces the hold with the actual cost. Idempotent: settling twice counts once.
    async fn settle(&self, id: ReservationId, actual: Usd, now: DateTime<Utc>) -> Result<SettleOutcome>;

    /// Drops the hold without spending. Idempotent.
    async fn release(&self, id: ReservationId) -> Result<()>;

    /// A scope's figures in a period.
    async fn usage(&self, scope: &Scope, window: &PeriodWindow) -> Result<ScopeUsage>;

    /// Reclaims every hold whose lease lapsed by `now` (its process died); returns how many. An
    /// in-flight hold counts as spent at its amount, any other is given back; a late settle of
    /// either still replaces that with the real cost. Lapsed holds of periods that ended before
    /// `now` are forgotten.
    async fn reclaim_expired(&self, now: DateTime<Utc>) -> Result<u64>;

    /// Marks a held reservation as in flight (its call is being sent): if its lease lapses it
    /// counts as spent. Idempotent; a reservation that is gone is left alone.
    async fn mark_in_flight(&self, id: ReservationId) -> Result<()>;

    /// Ends the hold of a reserve whose caller stopped waiting for it (the future was dropped):
    /// it is released if it was taken, and can no longer be taken if its write was still on the
    /// way. Nothing was sent for it, so nothing is spent.
    async fn cancel_reserve(&self, request: &ReserveRequest) -> Result<()> {
        self.release(request.id).await
    }

    /// Records that `threshold` percent was announced for a scope and period; true the first
    /// time only (alerts fire once per period, also across processes).
    async fn mark_alert(&self, scope: &Scope, window: &PeriodWindow, threshold: u8) -> Result<bool>;

    /// Finishes a reservation from synchronous code (a `Drop`) if this ledger can do so
    /// without blocking; returns false to have the caller finish it on the async runtime.
    fn finish_now(&self, _id: ReservationId, _settle_at: Option<Usd>) -> bool {
        false
    }
}
