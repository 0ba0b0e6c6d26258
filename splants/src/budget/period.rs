//! Budget periods: calendar day, week or month, with a reset day and a UTC offset.

use crate::error::{Error, Result};
use chrono::{DateTime, Datelike, Duration as ChronoDuration, FixedOffset, Months, NaiveDate, Offset, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// How long a budget period lasts.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// One calendar day.
    Day,
    /// One week, starting on the reset weekday.
    Week,
    /// One month, starting on the reset day of the month.
    Month,
}

/// When budget periods start and end.
///
/// ```
/// use splants::budget::BudgetPeriod;
/// use chrono::{TimeZone, Utc};
/// let p = BudgetPeriod::monthly();
/// let w = p.window(Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap());
/// assert_eq!(w.start.to_rfc3339(), "2026-11-01T00:00:00+00:00");
/// assert_eq!(w.end.to_rfc3339(), "2026-12-01T00:00:00+00:00");
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BudgetPeriod {
    kind: PeriodKind,
    reset_day: u32,
    utc_offset_minutes: i32,
}

/// One period: `[start, end)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PeriodWindow {
    /// First instant of the period.
    pub start: DateTime<Utc>,
    /// First instant after the period.
    pub end: DateTime<Utc>,
}

impl PeriodWindow {
    /// Whole days left until the period ends, rounded up (0 once it has ended).
    pub fn remaining_days(&self, now: DateTime<Utc>) -> i64 {
        let secs = (self.end - now).num_seconds();
        if secs <= 0 { 0 } else { (secs + 86_399) / 86_400 }
    }
}

impl Default for BudgetPeriod {
    fn default() -> Self {
        BudgetPeriod::monthly()
    }
}

impl BudgetPeriod {
    /// Calendar months in UTC (the original app's monthly budget).
    pub const fn monthly() -> Self {
        BudgetPeriod { kind: PeriodKind::Month, reset_day: 1, utc_offset_minutes: 0 }
    }

    /// A period of `kind` starting on `reset_day` (day of month 1..=28 for months, ISO weekday
    /// 1 = Monday ..= 7 for weeks, ignored for days) at midnight in a zone `utc_offset_minutes`
    /// from UTC (-14 h ..= +14 h).
    pub fn new(kind: PeriodKind, reset_day: u32, utc_offset_minutes: i32) -> Result<Self> {
        match kind {
            PeriodKind::Month if !(1..=28).contains(&reset_day) => {
                return Err(Error::config(
                    "budget.period.reset_day",
                    format!("{reset_day} is not a day of the month in 1..=28 (every month must have it)"),
                ));
            }
            PeriodKind::Week if !(1..=7).contains(&reset_day) => {
                return Err(Error::config(
                    "budget.period.reset_day",
                    format!("{reset_day} is not an ISO weekday in 1..=7 (1 = Monday)"),
                ));
            }
            _ => {}
        }
        if !(-14 * 60..=14 * 60).contains(&utc_offset_minutes) {
            return Err(Error::config(
                "budget.period.utc_offset",
                format!("{utc_offset_minutes} minutes is outside -14:00..=+14:00"),
            ));
        }
        let reset_day = if kind == PeriodKind::Day { 1 } else { reset_day };
        Ok(BudgetPeriod { kind, reset_day, utc_offset_minutes })
    }

    /// A period as given, checked later by [`BudgetPeriod::new`] (config validation).
    pub(crate) fn unchecked(kind: PeriodKind, reset_day: u32, utc_offset_minutes: i32) -> Self {
        BudgetPeriod { kind, reset_day, utc_offset_minutes }
    }

    /// The period kind.
    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    /// The reset day (see [`BudgetPeriod::new`]).
    pub fn reset_day(&self) -> u32 {
        self.reset_day
    }

    /// The zone offset in minutes.
    pub fn utc_offset_minutes(&self) -> i32 {
        self.utc_offset_minutes
    }

    /// The period that contains `now`.
    pub fn window(&self, now: DateTime<Utc>) -> PeriodWindow {
        let zone = FixedOffset::east_opt(self.utc_offset_minutes * 60).unwrap_or_else(|| Utc.fix());
        let local = now.with_timezone(&zone).date_naive();
        let (start, end) = match self.kind {
            PeriodKind::Day => (local, local.succ_opt().unwrap_or(local)),
            PeriodKind::Week => {
                let today = local.weekday().number_from_monday();
                let back = (today + 7 - self.reset_day) % 7;
                let start = local - ChronoDuration::days(i64::from(back));
                (start, start + ChronoDuration::days(7))
            }
            PeriodKind::Month => {
                let this = NaiveDate::from_ymd_opt(local.year(), local.month(), self.reset_day).unwrap_or(local);
                let start = if local.day() >= self.reset_day { this } else { this - Months::new(1) };
                (start, start + Months::new(1))
            }
        };
        let at_midnight = |d: NaiveDate| {
            zone.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
                .single()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(now)
        };
        PeriodWindow { start: at_midnight(start), end: at_midnight(end) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn month_boundaries() {
        let p = BudgetPeriod::monthly();
        let w = p.window(at("2026-01-31T23:59:59Z"));
        assert_eq!(w.start, at("2026-01-01T00:00:00Z"));
        assert_eq!(w.end, at("2026-02-01T00:00:00Z"));
        let w = p.window(at("2026-02-01T00:00:00Z"));
        assert_eq!(w.start, at("2026-02-01T00:00:00Z"));
        assert_eq!(w.end, at("2026-03-01T00:00:00Z"));
        assert_eq!(w.remaining_days(at("2026-02-27T00:00:00Z")), 2);
        assert_eq!(w.remaining_days(at("2026-02-28T23:00:00Z")), 1);
        assert_eq!(w.remaining_days(at("2026-03-01T00:00:00Z")), 0);
    }

    #[test]
    fn month_with_reset_day_and_offset() {
        // Resets on the 15th at midnight in UTC+02:00, i.e. 22:00 UTC on the 14th.
        let p = BudgetPeriod::new(PeriodKind::Month, 15, 120).unwrap();
        let w = p.window(at("2026-03-14T21:59:59Z"));
        assert_eq!(w.start, at("2026-02-14T22:00:00Z"));
        assert_eq!(w.end, at("2026-03-14T22:00:00Z"));
        let w = p.window(at("2026-03-14T22:00:00Z"));
        assert_eq!(w.start, at("2026-03-14T22:00:00Z"));
        assert_eq!(w.end, at("2026-04-14T22:00:00Z"));
        // Year wrap.
        let w = p.window(at("2026-01-02T00:00:00Z"));
        assert_eq!(w.start, at("2025-12-14T22:00:00Z"));
    }

    #[test]
    fn week_and_day() {
        // 2026-11-25 is a Wednesday; weeks reset on Monday.
        let p = BudgetPeriod::new(PeriodKind::Week, 1, 0).unwrap();
        let w = p.window(at("2026-11-25T10:00:00Z"));
        assert_eq!(w.start, at("2026-11-23T00:00:00Z"));
        assert_eq!(w.end, at("2026-11-30T00:00:00Z"));
        let p = BudgetPeriod::new(PeriodKind::Week, 3, 0).unwrap();
        assert_eq!(p.window(at("2026-11-25T00:00:00Z")).start, at("2026-11-25T00:00:00Z"));
        let d = BudgetPeriod::new(PeriodKind::Day, 0, -300).unwrap();
        let w = d.window(at("2026-11-25T03:00:00Z"));
        assert_eq!(w.start, at("2026-11-24T05:00:00Z"));
        assert_eq!(w.end, at("2026-11-25T05:00:00Z"));
    }

    #[test]
    fn rejects_bad_settings() {
        assert!(BudgetPeriod::new(PeriodKind::Month, 29, 0).is_err());
        assert!(BudgetPeriod::new(PeriodKind::Week, 0, 0).is_err());
        assert!(BudgetPeriod::new(PeriodKind::Month, 1, 15 * 60).is_err());
    }
}
