//! In-process GCRA limiter on `governor`, driven by the engine's clock.

use super::{NamedQuota, Quota, RateDecision, RateLimiter};
use crate::clock::SharedClock;
use crate::error::{Error, RateLimited, Result};
use async_trait::async_trait;
use governor::clock::{Clock as GovernorClock, Reference};
use governor::middleware::StateInformationMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DashMapStateStore;
use hashbrown::HashMap;
use parking_lot::RwLock;
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Adapts the engine's clock to governor's, in nanoseconds since the Unix epoch.
#[derive(Clone)]
struct EngineClock(SharedClock);

impl GovernorClock for EngineClock {
    type Instant = Nanos;
    fn now(&self) -> Nanos {
        Nanos::from(self.0.now_nanos())
    }
}

/// Per-key GCRA state in a DashMap hashed with foldhash (hashbrown's default): keys are API key
/// ids chosen by the engine or the embedding app, and SipHash cost a tenth of each check.
type KeyState = DashMapStateStore<String, hashbrown::DefaultHashBuilder>;

type KeyedLimiter = governor::RateLimiter<String, KeyState, EngineClock, StateInformationMiddleware>;

/// Keys seen before stale state is pruned (every this many checks).
const PRUNE_EVERY: u64 = 1 << 16;

/// Keys longer than this do not keep their buffer (see [`with_key`]).
const KEY_BUFFER_KEEP: usize = 256;

thread_local! {
    /// A reusable `String` for the key: governor's keyed store looks keys up by `&String`, and
    /// copying the key into this buffer saves an allocation per check (the store clones the key
    /// only when it first sees it).
    static KEY_BUFFER: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Calls `f` with `key` as a `&String` without allocating in the common case.
fn with_key<R>(key: &str, f: impl FnOnce(&String) -> R) -> R {
    KEY_BUFFER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            buf.push_str(key);
            let out = f(&buf);
            if buf.capacity() > KEY_BUFFER_KEEP {
                *buf = String::new();
            }
            out
        }
        Err(_) => f(&key.to_owned()),
    })
}

/// An in-memory GCRA rate limiter (one process). Use the Redis limiter to share quotas
/// between instances.
pub struct MemoryRateLimiter {
    clock: EngineClock,
    limiters: RwLock<HashMap<Quota, Arc<KeyedLimiter>>>,
    checks: AtomicU64,
}

impl fmt::Debug for MemoryRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryRateLimiter").field("quotas", &self.limiters.read().len()).finish()
    }
}

impl MemoryRateLimiter {
    /// A limiter on `clock`.
    pub fn new(clock: SharedClock) -> Self {
        MemoryRateLimiter {
            clock: EngineClock(clock),
            limiters: RwLock::new(HashMap::new()),
            checks: AtomicU64::new(0),
        }
    }

    /// Runs `f` on the limiter of `quota` (created on first use).
    fn with_limiter<R>(&self, quota: Quota, f: impl FnOnce(&KeyedLimiter) -> R) -> R {
        if let Some(l) = self.limiters.read().get(&quota) {
            return f(l);
        }
        let created = self.limiter(quota);
        f(&created)
    }

    fn limiter(&self, quota: Quota) -> Arc<KeyedLimiter> {
        let mut map = self.limiters.write();
        let l = map.entry(quota).or_insert_with(|| {
            let per = quota.emission_interval().max(Duration::from_nanos(1));
            let gq = governor::Quota::with_period(per)
                .map(|q| q.allow_burst(std::num::NonZeroU32::new(quota.limit()).unwrap_or(std::num::NonZeroU32::MIN)))
                .unwrap_or_else(|| governor::Quota::per_second(std::num::NonZeroU32::MIN));
            Arc::new(
                governor::RateLimiter::<String, KeyState, EngineClock, governor::middleware::NoOpMiddleware<Nanos>>::dashmap_with_clock_and_hasher(
                    gq,
                    self.clock.clone(),
                    hashbrown::DefaultHashBuilder::default(),
                )
                .with_middleware::<StateInformationMiddleware>(),
            )
        });
        Arc::clone(l)
    }

    fn prune(&self) {
        for l in self.limiters.read().values() {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn check(&self, key: &str, quotas: &[NamedQuota], cells: u32) -> Result<RateDecision> {
        let Some(n) = std::num::NonZeroU32::new(cells) else {
            return Err(Error::validation("cells", "must be at least 1"));
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.prune();
        }
        with_key(key, |key| self.check_quotas(key, quotas, n))
    }
}

impl MemoryRateLimiter {
    /// Checks `key` against every quota in turn; the first refusal ends the check.
    fn check_quotas(&self, key: &String, quotas: &[NamedQuota], n: std::num::NonZeroU32) -> Result<RateDecision> {
        let cells = n.get();
        let mut decision = None;
        for nq in quotas {
            let outcome = match self.with_limiter(nq.quota, |l| l.check_key_n(key, n)) {
                Ok(outcome) => outcome,
                Err(_) => {
                    return Err(Error::validation(
                        "requests",
                        format!("{cells} requests can never fit the quota `{}` of {}", nq.name, nq.quota.limit()),
                    ));
                }
            };
            match outcome {
                Ok(snapshot) => {
                    let remaining = snapshot.remaining_burst_capacity();
                    let used = nq.quota.limit().saturating_sub(remaining);
                    decision = Some(RateDecision {
                        limit: nq.quota.limit(),
                        remaining,
                        reset_after: nq.quota.emission_interval() * used,
                    });
                }
                Err(not_until) => {
                    let now = GovernorClock::now(&self.clock);
                    let wait: Duration = not_until.earliest_possible().duration_since(now).into();
                    return Err(Error::RateLimited(Box::new(RateLimited {
                        limit: nq.quota.limit(),
                        period_s: nq.quota.period().as_secs(),
                        quota: nq.name.clone(),
                        retry_after: wait,
                    })));
                }
            }
        }
        Ok(decision.unwrap_or(RateDecision { limit: 0, remaining: 0, reset_after: Duration::ZERO }))
    }
}
