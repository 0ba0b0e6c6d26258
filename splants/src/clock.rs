//! Injected time, so periods, rate windows, leases and timers are tested without sleeping.

use chrono::{DateTime, TimeZone, Utc};
use futures::future::BoxFuture;
use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// Longest nap of [`Clock::sleep_until`]'s default before it reads the clock again, so a wall
/// clock stepped (NTP, a suspended machine) is noticed within this time.
const LONGEST_NAP: Duration = Duration::from_secs(60);

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

    /// Waits until this clock shows `deadline` or later (at once if it already does).
    ///
    /// The default naps on the tokio timer for the time left (at most a minute) and reads the
    /// clock again, which suits any clock that follows real time; [`FakeClock`] overrides it to
    /// wake when it is moved, so timers are tested without waiting.
    fn sleep_until(&self, deadline: DateTime<Utc>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            while let Ok(left) = (deadline - self.now()).to_std() {
                if left.is_zero() {
                    break;
                }
                tokio::time::sleep(left.min(LONGEST_NAP)).await;
            }
        })
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
/// [`Clock::sleep_until`] on a fake clock returns once [`FakeClock::advance`] or
/// [`FakeClock::set`] moves it to the deadline; [`FakeClock::sleepers`] says how many wait.
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
    /// Notified whenever the time is moved (wakes `sleep_until`).
    moved: Arc<Notify>,
    /// `sleep_until` calls waiting now.
    sleepers: Arc<AtomicUsize>,
}

impl FakeClock {
    /// A fake clock showing `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        FakeClock {
            nanos: Arc::new(AtomicI64::new(at.timestamp_nanos_opt().unwrap_or(0))),
            moved: Arc::default(),
            sleepers: Arc::default(),
        }
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
        self.moved.notify_waiters();
    }

    /// Sets the time.
    pub fn set(&self, at: DateTime<Utc>) {
        self.nanos.store(at.timestamp_nanos_opt().unwrap_or(0), Ordering::SeqCst);
        self.moved.notify_waiters();
    }

    /// How many [`Clock::sleep_until`] calls are waiting on this clock (or a clone of it): a
    /// test moves the clock once the task it drives is asleep.
    pub fn sleepers(&self) -> usize {
        self.sleepers.load(Ordering::SeqCst)
    }
}

/// Counts a waiting `sleep_until` for as long as it waits (also when it is dropped unfinished).
struct Asleep<'a>(&'a AtomicUsize);

impl<'a> Asleep<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Asleep(count)
    }
}

impl Drop for Asleep<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Waits until `done()` holds or `timeout` passes, waking whenever `notify` is notified (its
/// notifier must notify after the change `done` looks for). Returns whether `done()` held.
pub(crate) async fn wait_until(
    notify: &tokio::sync::Notify,
    timeout: std::time::Duration,
    done: impl Fn() -> bool,
) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        // Listen before looking, so a change between the look and the wait is not missed.
        let woken = notify.notified();
        let mut woken = std::pin::pin!(woken);
        woken.as_mut().enable();
        if done() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        let _ = tokio::time::timeout_at(deadline, woken).await;
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

    fn sleep_until(&self, deadline: DateTime<Utc>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let _asleep = Asleep::new(&self.sleepers);
            loop {
                // Listen before looking, so a move between the look and the wait is not missed.
                let moved = self.moved.notified();
                let mut moved = std::pin::pin!(moved);
                moved.as_mut().enable();
                if self.now() >= deadline {
                    return;
                }
                moved.await;
            }
        })
    }
}

/// The first instant a caller may pass as a time (query bounds, event times, key expiries):
/// `0001-01-01T00:00:00Z`, in microseconds since the Unix epoch.
pub const EARLIEST_MICROS: i64 = -62_135_596_800_000_000;
/// The last instant a caller may pass as a time: `9999-12-31T23:59:59.999999Z`, in
/// microseconds since the Unix epoch.
pub const LATEST_MICROS: i64 = 253_402_300_799_999_999;

/// The first accepted time, `0001-01-01T00:00:00Z` (see [`check_time`]).
pub fn earliest_time() -> DateTime<Utc> {
    DateTime::from_timestamp_micros(EARLIEST_MICROS).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The last accepted time, `9999-12-31T23:59:59.999999Z` (see [`check_time`]).
pub fn latest_time() -> DateTime<Utc> {
    DateTime::from_timestamp_micros(LATEST_MICROS).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Accepts a caller's time only within years 1..=9999 UTC, the span RFC 3339 writes with four
/// digits and every backend stores (Postgres `TIMESTAMPTZ`, SQLite microseconds, JavaScript
/// dates); chrono parses years out to ±262,143, where date arithmetic would overflow.
///
/// ```
/// use splants::clock::check_time;
/// let ok = "2026-11-25T12:00:00Z".parse().unwrap();
/// assert!(check_time("end_date", ok).is_ok());
/// let far = "-262143-01-10T00:00:00Z".parse().unwrap();
/// let e = check_time("end_date", far).unwrap_err();
/// assert_eq!(e.details()["field"], "end_date");
/// ```
pub fn check_time(field: &str, t: DateTime<Utc>) -> crate::Result<DateTime<Utc>> {
    if t < earliest_time() || t > latest_time() {
        return Err(crate::Error::validation(
            field,
            format!("{} is out of range 0001-01-01T00:00:00Z..=9999-12-31T23:59:59.999999Z", t.to_rfc3339()),
        ));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_times_are_years_1_to_9999() {
        assert_eq!(earliest_time().to_rfc3339(), "0001-01-01T00:00:00+00:00");
        assert_eq!(latest_time().to_rfc3339(), "9999-12-31T23:59:59.999999+00:00");
        assert!(check_time("t", earliest_time()).is_ok() && check_time("t", latest_time()).is_ok());
        for bad in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC, earliest_time() - Duration::from_micros(1)] {
            let e = check_time("since", bad).unwrap_err();
            assert!(matches!(&e, crate::Error::Validation { field, .. } if field == "since"), "{e}");
        }
    }

    #[tokio::test]
    async fn a_fake_clock_wakes_its_sleepers_when_moved_to_their_deadline() {
        let clock = FakeClock::at_ymd_hms(2026, 3, 1, 23, 59, 0);
        let deadline = clock.now() + Duration::from_secs(60);
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move { clock.sleep_until(deadline).await })
        };
        while clock.sleepers() == 0 {
            tokio::task::yield_now().await;
        }
        clock.advance(Duration::from_secs(59));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "woke a second early");
        assert_eq!(clock.sleepers(), 1);
        clock.advance(Duration::from_secs(1));
        tokio::time::timeout(Duration::from_secs(5), sleeper).await.unwrap().unwrap();
        assert_eq!(clock.sleepers(), 0);
        // A deadline already passed does not wait.
        clock.sleep_until(deadline).await;
    }

    #[tokio::test]
    async fn the_system_clock_sleeps_until_the_deadline() {
        let started = std::time::Instant::now();
        let deadline = SystemClock.now() + Duration::from_millis(30);
        SystemClock.sleep_until(deadline).await;
        assert!(SystemClock.now() >= deadline);
        assert!(started.elapsed() < Duration::from_secs(5));
        SystemClock.sleep_until(deadline - Duration::from_secs(3600)).await;
    }

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
