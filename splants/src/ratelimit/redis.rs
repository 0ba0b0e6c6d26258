//! GCRA in Redis, shared by every instance: one Lua script per check.
//!
//! The numbers are the memory limiter's (governor's GCRA): with `T = period / limit` and
//! `τ = T · (limit − 1)`, a key's state is its *theoretical arrival time* `tat`; `n` cells are
//! allowed at `now` when `now ≥ tat + T·(n − 1) − τ`, and then `tat = max(tat, now) + n·T`.
//! A refusal waits until that bound; `remaining` and `reset_after` are computed as the memory
//! limiter does.
//!
//! Differences from [`super::MemoryRateLimiter`], all deliberate:
//! - **A refused request consumes nothing.** The script evaluates every quota and commits none
//!   unless all pass (the memory limiter counts the quotas before the refusing one).
//! - **Microseconds.** Redis's Lua numbers are doubles, exact up to 2⁵³, so times travel as
//!   microseconds since the Unix epoch; an emission interval that is not a whole number of
//!   microseconds is rounded *up* (never more than the quota). The refusal's `retry_after` is
//!   still exact to the nanosecond of the caller's clock.
//! - **Clocks.** By default the time is the engine clock's (so tests can use
//!   [`crate::clock::FakeClock`]), which means every instance's clock must agree (NTP): an
//!   instance running `d` ahead can let a key through up to `d` early. With
//!   [`RedisRateLimiter::server_time`] the script reads Redis's `TIME` instead.
//!
//! Keys: `<prefix>rl:{<api key>}:<limit>/<period ns>` (one per key and quota, like the memory
//! limiter's state; the braces keep one key's quotas in one Redis Cluster slot). Each expires
//! a second after its state no longer matters (when `tat` has passed), so idle keys vanish.

use super::{NamedQuota, Quota, RateDecision, RateLimiter};
use crate::clock::SharedClock;
use crate::error::{Error, RateLimited, Result};
use crate::redis_conn::RedisConnection;
use async_trait::async_trait;
use std::time::Duration;

/// `KEYS[i]`: the state of quota `i`. `ARGV`: now in µs (empty: use Redis `TIME`), cells, then
/// per quota its emission interval and tolerance in µs. Returns `{1, now, tat of the last
/// quota}` when every quota passes (and stores them all), else `{0, now, index, earliest}`
/// for the first quota that refuses (and stores nothing). A quota listed twice (same key)
/// sees its own earlier update, as in the memory limiter.
const SCRIPT: &str = r"
local now = tonumber(ARGV[1])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local n = tonumber(ARGV[2])
local state = {}
local last = now
for i = 1, #KEYS do
  local t = tonumber(ARGV[1 + 2 * i])
  local tau = tonumber(ARGV[2 + 2 * i])
  local tat = state[KEYS[i]]
  if tat == nil then
    tat = tonumber(redis.call('GET', KEYS[i])) or now
  end
  local extra = t * (n - 1)
  local earliest = tat + extra - tau
  if now < earliest then
    return {0, now, i, earliest}
  end
  last = math.max(tat, now) + t + extra
  state[KEYS[i]] = last
end
for k, tat in pairs(state) do
  redis.call('SET', k, string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
end
return {1, now, last}
";

/// A GCRA rate limiter whose state lives in Redis, so quotas hold across every instance.
///
/// Redis down → the check fails with [`Error::Storage`] (requests are refused, never let
/// through unchecked).
pub struct RedisRateLimiter {
    redis: RedisConnection,
    clock: SharedClock,
    server_time: bool,
    script: redis::Script,
}

impl std::fmt::Debug for RedisRateLimiter {
    // Not derived: the script's Debug prints its whole source.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRateLimiter").field("redis", &self.redis).field("server_time", &self.server_time).finish()
    }
}

/// Microseconds, rounded up; at least 1.
fn micros_ceil(d: Duration) -> i64 {
    i64::try_from(d.as_nanos().div_ceil(1000)).unwrap_or(i64::MAX).max(1)
}

impl RedisRateLimiter {
    /// A limiter on `redis`, reading the time from `clock`.
    pub fn new(redis: RedisConnection, clock: SharedClock) -> Self {
        RedisRateLimiter { redis, clock, server_time: false, script: redis::Script::new(SCRIPT) }
    }

    /// Reads the time from Redis (`TIME`) instead of the engine clock, so instances' clocks
    /// need not agree (the engine clock, and so a fake clock, is then ignored).
    #[must_use]
    pub fn server_time(mut self, yes: bool) -> Self {
        self.server_time = yes;
        self
    }

    /// Sends `PING` to the limiter's Redis.
    pub async fn ping(&self) -> Result<()> {
        self.redis.ping().await
    }

    fn state_key(&self, key: &str, quota: Quota) -> String {
        self.redis.key(&format!("rl:{{{key}}}:{}/{}", quota.limit(), quota.period().as_nanos()))
    }
}

/// `(emission interval, tolerance)` in µs.
fn gcra_micros(quota: Quota) -> (i64, i64) {
    let t = micros_ceil(quota.emission_interval());
    (t, t.saturating_mul(i64::from(quota.limit() - 1)))
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn check(&self, key: &str, quotas: &[NamedQuota], cells: u32) -> Result<RateDecision> {
        if cells == 0 {
            return Err(Error::validation("cells", "must be at least 1"));
        }
        if let Some(nq) = quotas.iter().find(|nq| cells > nq.quota.limit()) {
            return Err(Error::validation(
                "requests",
                format!("{cells} requests can never fit the quota `{}` of {}", nq.name, nq.quota.limit()),
            ));
        }
        let Some(last) = quotas.last() else {
            return Ok(RateDecision { limit: 0, remaining: 0, reset_after: Duration::ZERO });
        };
        let now_ns = if self.server_time {
            None
        } else {
            Some(u64::try_from(self.clock.now().timestamp_nanos_opt().unwrap_or(0)).unwrap_or(0))
        };
        let mut call = self.script.prepare_invoke();
        call.arg(now_ns.map(|ns| (ns / 1000).to_string()).unwrap_or_default()).arg(cells);
        for nq in quotas {
            let (t, tau) = gcra_micros(nq.quota);
            call.key(self.state_key(key, nq.quota)).arg(t).arg(tau);
        }
        let mut conn = self.redis.manager();
        let reply: Vec<i64> =
            call.invoke_async(&mut conn).await.map_err(|e| self.redis.error("the rate-limit script", e))?;
        match reply.as_slice() {
            [1, now, tat] => {
                let (t, tau) = gcra_micros(last.quota);
                // As governor: min(now + τ + T − tat, τ + T) / T, never below 0.
                let room =
                    now.saturating_add(tau).saturating_add(t).saturating_sub(*tat).clamp(0, tau.saturating_add(t));
                let remaining = u32::try_from(room / t).unwrap_or(u32::MAX).min(last.quota.limit());
                let used = last.quota.limit().saturating_sub(remaining);
                Ok(RateDecision {
                    limit: last.quota.limit(),
                    remaining,
                    reset_after: last.quota.emission_interval() * used,
                })
            }
            [0, now, index, earliest] => {
                let nq = usize::try_from(*index - 1).ok().and_then(|i| quotas.get(i)).unwrap_or(last);
                let earliest_ns = u64::try_from(*earliest).unwrap_or(0).saturating_mul(1000);
                let now_ns = now_ns.unwrap_or_else(|| u64::try_from(*now).unwrap_or(0).saturating_mul(1000));
                Err(Error::RateLimited(Box::new(RateLimited {
                    limit: nq.quota.limit(),
                    period_s: nq.quota.period().as_secs(),
                    quota: nq.name.clone(),
                    retry_after: Duration::from_nanos(earliest_ns.saturating_sub(now_ns).max(1)),
                })))
            }
            other => Err(Error::storage(format!(
                "Redis at {} gave the rate-limit script an unexpected answer {other:?}",
                self.redis.address()
            ))),
        }
    }
}

#[cfg(test)]
mod tests;
