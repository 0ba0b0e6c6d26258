//! Injected time, so periods, rate windows and leases are tested without sleeping.

use chrono::{DateTime, TimeZone, Utc};
use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// A source of wall-clock time.
pub trait Clock: Send + Sync + Debug {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;

    /// The current time in nanoseconds since the Unix epoch (0 before it). The same instant as
    /// [`Clock::now`]; clocks override it when they can skip building a calendar date (the rate
    /// limiter reads it on every check).
    fn now_nanos(&self) -> u64 {
        self.now().timestamp_nanos_opt().and_then(|n| u64::try_from(n).ok()).unwrap_or(0)
    }
}

/// A clock shared by the engine's parts.
pub type SharedClock = Arc<dyn Clock>;

/// The real system clock.
#[derive(Copy, Clone, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn now_nanos(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }
}

/// A clock that only moves when told to; clones share the same time.
///
/// ```
/// use splants::clock::{Clock, FakeClock};
/// use std::time::Duration;
/// let clock = FakeClock::at_ymd_hms(2026, 1, 31, 23, 59, 0);
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(clock.now().to_rfc3339(), "2026-02-01T00:00:00+00:00");
/// ```
#[derive(Clone, Debug)]
pub struct FakeClock {
    nanos: Arc<AtomicI64>,
}

impl FakeClock {
    /// A fake clock showing `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        FakeClock { nanos: Arc::new(AtomicI64::new(at.timestamp_nanos_opt().unwrap_or(0))) }
    }

    /// A fake clock at the given UTC date and time (falls back to the epoch if invalid).
    pub fn at_ymd_hms(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Self {
        let at = Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().unwrap_or_default();
        Self::new(at)
    }

    /// Moves time forward.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_nanos()).unwrap_or(i64::MAX);
        self.nanos.fetch_add(by, Ordering::SeqCst);
    }

    /// Sets the time.
    pub fn set(&self, at: DateTime<Utc>) {
        self.nanos.store(at.timestamp_nanos_opt().unwrap_or(0), Ordering::SeqCst);
    }
}

#[cfg(test)]
impl FakeClock {
    pub(crate) fn now_for_test(&self) -> DateTime<Utc> {
        Clock::now(self)
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_nanos(self.nanos.load(Ordering::SeqCst))
    }

    fn now_nanos(&self) -> u64 {
        u64::try_from(self.nanos.load(Ordering::SeqCst)).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_nanos_is_the_same_instant_as_now() {
        let fake = FakeClock::at_ymd_hms(2026, 3, 1, 12, 0, 0);
        fake.advance(Duration::from_nanos(7));
        assert_eq!(fake.now_nanos(), 1_772_366_400_000_000_007);
        assert_eq!(fake.now_nanos() as i64, fake.now().timestamp_nanos_opt().unwrap());
        let system = SystemClock;
        let (a, b, c) = (system.now().timestamp_nanos_opt().unwrap(), system.now_nanos(), system.now());
        assert!(a as u64 <= b && b as i64 <= c.timestamp_nanos_opt().unwrap(), "{a} {b} {c}");
    }
}
