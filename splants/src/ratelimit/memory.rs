//! In-process GCRA limiter on `governor`, driven by the engine's clock.

use super::{NamedQuota, Quota, RateDecision, RateLimiter};
use crate::clock::SharedClock;
use crate::error::{Error, RateLimited, Result};
use async_trait::async_trait;
use governor::clock::{Clock as GovernorClock, Reference};
use governor::middleware::StateInformationMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DashMapStateStore;
use parking_lot::RwLock;
use std::collections::HashMap;
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
        let nanos = self.0.now().timestamp_nanos_opt().unwrap_or(0);
        Nanos::from(u64::try_from(nanos).unwrap_or(0))
    }
}

type KeyedLimiter = governor::RateLimiter<String, DashMapStateStore<String>, EngineClock, StateInformationMiddleware>;

/// Keys seen before stale state is pruned (every this many checks).
const PRUNE_EVERY: u64 = 1 << 16;

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

    fn limiter(&self, quota: Quota) -> Arc<KeyedLimiter> {
        if let Some(l) = self.limiters.read().get(&quota) {
            return Arc::clone(l);
        }
        let mut map = self.limiters.write();
        let l = map.entry(quota).or_insert_with(|| {
            let per = quota.emission_interval().max(Duration::from_nanos(1));
            let gq = governor::Quota::with_period(per)
                .map(|q| q.allow_burst(std::num::NonZeroU32::new(quota.limit()).unwrap_or(std::num::NonZeroU32::MIN)))
                .unwrap_or_else(|| governor::Quota::per_second(std::num::NonZeroU32::MIN));
            Arc::new(
                governor::RateLimiter::<
                    String,
                    DashMapStateStore<String>,
                    EngineClock,
                    governor::middleware::NoOpMiddleware<Nanos>,
                >::dashmap_with_clock(gq, self.clock.clone())
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
        let key = key.to_owned();
        let mut decision = None;
        for nq in quotas {
            let limiter = self.limiter(nq.quota);
            let outcome = match limiter.check_key_n(&key, n) {
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
