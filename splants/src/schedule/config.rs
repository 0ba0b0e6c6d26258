//! The schedule section of [`crate::config::Config`]: how the publishing worker runs.

use crate::error::Result;
use crate::setting;
use serde::Deserialize;
use std::time::Duration;

/// How the publishing worker claims and retries.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleConfig {
    /// `SPLANTS_SCHEDULER` (true): whether an engine with at least one account starts the
    /// publishing worker when it is built (`splants-server`, the bindings and Rust apps alike;
    /// the builder's `scheduler(..)` decides for one engine).
    pub enabled: bool,
    /// `SPLANTS_SCHEDULE_POLL_SECS` (1): how often an idle worker looks for due posts, 0.05..=3600
    /// (a post scheduled through this engine wakes it at once).
    #[serde(deserialize_with = "setting::seconds")]
    pub poll_interval: Duration,
    /// `SPLANTS_SCHEDULE_LEASE_SECS` (60): how long a claim holds before another worker may take
    /// it over, 1..=3600; a working worker renews it every third of this.
    #[serde(deserialize_with = "setting::seconds")]
    pub lease: Duration,
    /// `SPLANTS_SCHEDULE_CONCURRENCY` (16): posts one worker publishes at once, 1..=1024.
    pub concurrency: u32,
    /// `SPLANTS_SCHEDULE_MAX_ATTEMPTS` (5): attempts per post before it fails, 1..=100.
    pub max_attempts: u32,
    /// `SPLANTS_SCHEDULE_RETRY_SECS` (30): the first retry's delay, doubled for each one after
    /// (with ±20 % jitter; at least the platform's `Retry-After`), 0..=86400.
    #[serde(deserialize_with = "setting::seconds")]
    pub retry_base: Duration,
    /// `SPLANTS_SCHEDULE_RETRY_MAX_SECS` (3600): the longest delay between attempts, 1..=604800.
    #[serde(deserialize_with = "setting::seconds")]
    pub retry_max: Duration,
    /// `SPLANTS_PUBLISH_TIMEOUT_SECS` (30): seconds per platform request, 1..=600.
    #[serde(deserialize_with = "setting::seconds")]
    pub request_timeout: Duration,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig {
            enabled: true,
            poll_interval: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            concurrency: 16,
            max_attempts: 5,
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(3600),
            request_timeout: Duration::from_secs(30),
        }
    }
}

impl ScheduleConfig {
    /// Checks the ranges; errors name the path (`schedule.lease`).
    pub fn validate(&self) -> Result<()> {
        setting::check_seconds("schedule.poll_interval", self.poll_interval, 0.05, 3600.0)?;
        setting::check_seconds("schedule.lease", self.lease, 1.0, 3600.0)?;
        setting::check_range("schedule.concurrency", self.concurrency, 1, 1024)?;
        setting::check_range("schedule.max_attempts", self.max_attempts, 1, 100)?;
        setting::check_seconds("schedule.retry_base", self.retry_base, 0.0, 86_400.0)?;
        setting::check_seconds("schedule.retry_max", self.retry_max, 1.0, 604_800.0)?;
        setting::check_seconds("schedule.request_timeout", self.request_timeout, 1.0, 600.0)
    }

    /// The delay before attempt `attempt + 1` after `attempt` attempts that did not post
    /// (`retry_base · 2^(attempt-1)`, at most `retry_max`), times `jitter` in 0.8..=1.2, and
    /// never below the platform's `retry_after`.
    pub fn backoff(&self, attempt: u32, jitter: f64, retry_after: Option<Duration>) -> Duration {
        let doublings = attempt.saturating_sub(1).min(30);
        let raw = self.retry_base.as_secs_f64() * f64::from(1u32 << doublings);
        let capped = raw.min(self.retry_max.as_secs_f64()) * jitter.clamp(0.8, 1.2);
        let wait = Duration::from_secs_f64(capped.max(0.0));
        retry_after.map_or(wait, |r| wait.max(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_respects_retry_after() {
        let c = ScheduleConfig::default();
        let s = |a, r| c.backoff(a, 1.0, r).as_secs();
        assert_eq!([s(1, None), s(2, None), s(3, None), s(8, None), s(40, None)], [30, 60, 120, 3600, 3600]);
        assert_eq!(s(1, Some(Duration::from_secs(300))), 300);
        assert_eq!(c.backoff(1, 0.5, None), Duration::from_secs(24), "jitter is clamped to 0.8..=1.2");
    }

    #[test]
    fn out_of_range_settings_name_the_path() {
        let bad = ScheduleConfig { lease: Duration::from_millis(10), ..ScheduleConfig::default() };
        assert!(bad.validate().unwrap_err().to_string().contains("schedule.lease"));
        let bad = ScheduleConfig { max_attempts: 0, ..ScheduleConfig::default() };
        assert!(bad.validate().unwrap_err().to_string().contains("schedule.max_attempts"));
    }
}
