//! `RateLimiter`: per API key quotas by tier.
//!
//! A [`Quota`] of *N per period* is enforced with GCRA (the generic cell rate algorithm): a
//! key may send a burst of up to N requests, after which one more is allowed every
//! `period / N`. So the long-run rate never exceeds N per period and, over any window of
//! length `w`, a key gets at most `N + floor(w · N / period)` requests. A refusal says how long
//! to wait (`retry_after`) until the next request would be allowed.
//!
//! Tiers are the original app's: `free` 10/hour, `standard` 60/hour, `premium` 300/hour, plus a
//! per-minute quota for every key (60/minute). Each key can also carry its own quota. The
//! per-minute quota is checked first; a request refused by the hourly tier quota after passing
//! the minute quota has used one minute cell, which refills within a second at 60/minute.

mod memory;
#[cfg(feature = "redis")]
mod redis;

#[cfg(feature = "redis")]
pub use self::redis::RedisRateLimiter;
pub use memory::MemoryRateLimiter;

use crate::error::{Error, Result};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::num::NonZeroU32;
use std::time::Duration;

/// N requests per period.
///
/// ```
/// use splants::ratelimit::Quota;
/// use std::time::Duration;
/// let q = Quota::new(60, Duration::from_secs(3600)).unwrap();
/// assert_eq!(q.emission_interval(), Duration::from_secs(60));
/// assert!(Quota::new(0, Duration::from_secs(60)).is_err());
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Quota {
    limit: NonZeroU32,
    #[serde(with = "secs")]
    period: Duration,
}

mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(d)?))
    }
}

impl Quota {
    /// `limit` requests per `period`; both must be positive, the period at most a day.
    pub fn new(limit: u32, period: Duration) -> Result<Self> {
        let limit = NonZeroU32::new(limit).ok_or_else(|| Error::validation("limit", "must be at least 1"))?;
        if period.is_zero() || period > Duration::from_secs(86_400) {
            return Err(Error::validation("period", "must be between 1 ns and 24 h"));
        }
        Ok(Quota { limit, period })
    }

    /// `limit` requests per hour.
    pub const fn per_hour(limit: NonZeroU32) -> Self {
        Quota { limit, period: Duration::from_secs(3600) }
    }

    /// `limit` requests per minute.
    pub const fn per_minute(limit: NonZeroU32) -> Self {
        Quota { limit, period: Duration::from_secs(60) }
    }

    /// Requests per period.
    pub fn limit(&self) -> u32 {
        self.limit.get()
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Time between two requests at the sustained rate (`period / limit`).
    pub fn emission_interval(&self) -> Duration {
        self.period / self.limit.get()
    }
}

/// A quota with a name for errors and headers (`tier:free`, `per_minute`, `key`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedQuota {
    /// Name.
    pub name: String,
    /// Quota.
    pub quota: Quota,
}

/// What an allowed request leaves, for `X-RateLimit-*` headers (of the reported quota).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RateDecision {
    /// The quota's limit.
    pub limit: u32,
    /// Requests still allowed right now.
    pub remaining: u32,
    /// Time until the quota is full again.
    pub reset_after: Duration,
}

/// Checks and counts requests against quotas, per key.
#[async_trait]
pub trait RateLimiter: Send + Sync + Debug {
    /// Counts `cells` requests (usually 1; a batch counts its items) for `key` against every
    /// quota in order, or refuses with [`Error::RateLimited`] naming the quota and the wait.
    /// The decision reports the last quota (the tier's).
    async fn check(&self, key: &str, quotas: &[NamedQuota], cells: u32) -> Result<RateDecision>;
}

/// Tiers and the per-minute quota: the rate-limit section of [`crate::config::Config`].
///
/// Deserialized as `{tiers: {name: per_hour}, per_minute: n, default_tier: name}`; the given
/// tiers are added to the default ones (or replace their quota), `per_minute: 0` disables it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// `SPLANTS_RATE_FREE_PER_HOUR` (10), `_STANDARD_` (60), `_PREMIUM_` (300): hourly (or
    /// other) quota per tier name.
    #[serde(deserialize_with = "tiers_over_defaults")]
    pub tiers: BTreeMap<String, Quota>,
    /// `SPLANTS_RATE_PER_MINUTE` (60, 0 disables): a quota every key also has; `None` to disable.
    #[serde(deserialize_with = "per_minute")]
    pub per_minute: Option<Quota>,
    /// `SPLANTS_DEFAULT_TIER` (standard): the tier of keys that name none.
    pub default_tier: String,
}

/// Requests per hour, at least 1.
struct PerHour(Quota);

impl<'de> Deserialize<'de> for PerHour {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let n = u32::deserialize(d)?;
        Quota::new(n, Duration::from_secs(3600))
            .map(PerHour)
            .map_err(|_| serde::de::Error::custom("must be at least 1 request per hour"))
    }
}

fn tiers_over_defaults<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<BTreeMap<String, Quota>, D::Error> {
    let given = BTreeMap::<String, PerHour>::deserialize(d)?;
    let mut tiers = RateLimitConfig::default().tiers;
    for (name, PerHour(q)) in given {
        tiers.insert(name, q);
    }
    Ok(tiers)
}

fn per_minute<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<Quota>, D::Error> {
    match Option::<u32>::deserialize(d)? {
        None | Some(0) => Ok(None),
        Some(n) => Quota::new(n, Duration::from_secs(60)).map(Some).map_err(serde::de::Error::custom),
    }
}

impl RateLimitConfig {
    /// Checks every setting; the error names it (`rate_limits.default_tier`).
    pub fn validate(&self) -> Result<()> {
        if let Some(name) = self.tiers.keys().find(|t| t.trim().is_empty()) {
            return Err(Error::config(format!("rate_limits.tiers.{name}"), "a tier needs a name"));
        }
        if !self.tiers.contains_key(&self.default_tier) {
            let known = self.tiers.keys().cloned().collect::<Vec<_>>().join(", ");
            return Err(Error::config(
                "rate_limits.default_tier",
                format!("unknown tier `{}`; expected one of: {known}", self.default_tier),
            ));
        }
        Ok(())
    }
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        let hour = |n: u32| Quota::per_hour(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        RateLimitConfig {
            tiers: BTreeMap::from([
                ("free".to_owned(), hour(10)),
                ("standard".to_owned(), hour(60)),
                ("premium".to_owned(), hour(300)),
            ]),
            per_minute: Some(Quota::per_minute(NonZeroU32::new(60).unwrap_or(NonZeroU32::MIN))),
            default_tier: "standard".to_owned(),
        }
    }
}

impl RateLimitConfig {
    /// The quotas for a key of `tier` (the default tier when `None`); a key's own quota
    /// replaces its tier's.
    pub fn quotas_for(&self, tier: Option<&str>, key_quota: Option<Quota>) -> Result<Vec<NamedQuota>> {
        let mut quotas = Vec::with_capacity(2);
        if let Some(q) = self.per_minute {
            quotas.push(NamedQuota { name: "per_minute".to_owned(), quota: q });
        }
        match key_quota {
            Some(q) => quotas.push(NamedQuota { name: "key".to_owned(), quota: q }),
            None => {
                let tier = tier.unwrap_or(&self.default_tier);
                let q = self.tiers.get(tier).ok_or_else(|| {
                    Error::validation(
                        "tier",
                        format!(
                            "unknown tier `{tier}`; expected one of: {}",
                            self.tiers.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    )
                })?;
                quotas.push(NamedQuota { name: format!("tier:{tier}"), quota: *q });
            }
        }
        Ok(quotas)
    }
}

#[cfg(test)]
mod tests;
