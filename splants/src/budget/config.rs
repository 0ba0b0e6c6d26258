//! `BudgetConfig`: the budget section of [`crate::config::Config`] and the guard's settings.

use super::{BudgetPeriod, DEFAULT_ALERT_THRESHOLDS, PeriodKind};
use crate::error::{Error, Result};
use crate::money::Usd;
use crate::setting;
use serde::{Deserialize, Deserializer};
use std::str::FromStr;
use std::time::Duration;

/// What to do when a call's worst-case cost does not fit the remaining budget.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DegradePolicy {
    /// Refuse with `budget_exceeded`.
    #[default]
    Off,
    /// Lower `max_tokens` so the worst case fits, if at least `min_tokens` remain.
    ShrinkMaxTokens {
        /// Smallest output cap worth calling with.
        min_tokens: u32,
    },
    /// Use this cheaper model of the same provider instead.
    CheaperModel(String),
}

impl FromStr for DegradePolicy {
    type Err = Error;
    /// `off`, `shrink`, `shrink:<min_tokens>` or `model:<model id>`.
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        let bad = || {
            Error::config(
                "budget.degrade",
                format!("`{s}` is not one of: off, shrink, shrink:<min tokens>, model:<model id>"),
            )
        };
        match s {
            "off" | "" => Ok(DegradePolicy::Off),
            "shrink" => Ok(DegradePolicy::ShrinkMaxTokens { min_tokens: 256 }),
            _ => {
                if let Some(n) = s.strip_prefix("shrink:") {
                    let min_tokens = n.parse().map_err(|_| bad())?;
                    Ok(DegradePolicy::ShrinkMaxTokens { min_tokens })
                } else if let Some(m) = s.strip_prefix("model:").filter(|m| !m.trim().is_empty()) {
                    Ok(DegradePolicy::CheaperModel(m.trim().to_owned()))
                } else {
                    Err(bad())
                }
            }
        }
    }
}

impl<'de> Deserialize<'de> for DegradePolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(|e| serde::de::Error::custom(crate::setting::reason_of(e)))
    }
}

/// Budget settings: the budget section of [`crate::config::Config`], and what
/// [`super::BudgetGuard`] runs with.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BudgetConfig {
    /// `MONTHLY_AI_BUDGET` (100): the global limit per period in dollars; `None` means no
    /// global limit.
    pub global_limit: Option<Usd>,
    /// `SPLANTS_BUDGET_PERIOD` (month), `SPLANTS_BUDGET_RESET_DAY` (1),
    /// `SPLANTS_BUDGET_UTC_OFFSET` (+00:00): given as `{kind, reset_day, utc_offset}`.
    #[serde(deserialize_with = "period")]
    pub period: BudgetPeriod,
    /// `SPLANTS_BUDGET_ALERTS` (50,80,95,100): alert thresholds in percent (each fires once per
    /// period and scope).
    pub alert_thresholds: Vec<u8>,
    /// How long a hold lives without being settled before others may reclaim it (the engine
    /// raises it to outlive its slowest provider call).
    #[serde(deserialize_with = "setting::seconds")]
    pub lease: Duration,
    /// `SPLANTS_BUDGET_WAIT_SECS` (15): how long a reserve refused only because of holds in
    /// flight waits for them to settle before it gives up (zero: refuse at once; 0..=600).
    #[serde(deserialize_with = "setting::seconds")]
    pub admission_wait: Duration,
    /// `SPLANTS_BUDGET_DEGRADE` (off): what a call that does not fit does instead of failing.
    pub degrade: DegradePolicy,
}

impl Default for BudgetConfig {
    fn default() -> Self {
        BudgetConfig {
            global_limit: Usd::from_dollars(100.0),
            period: BudgetPeriod::monthly(),
            alert_thresholds: DEFAULT_ALERT_THRESHOLDS.to_vec(),
            lease: Duration::from_secs(15 * 60),
            admission_wait: Duration::from_secs(15),
            degrade: DegradePolicy::Off,
        }
    }
}

impl BudgetConfig {
    /// Checks every setting; the error names it (`budget.global_limit`).
    pub fn validate(&self) -> Result<()> {
        if let Some(limit) = self.global_limit.filter(|l| l.is_negative()) {
            return Err(Error::config("budget.global_limit", format!("{limit} must be a dollar amount >= 0")));
        }
        let p = self.period;
        BudgetPeriod::new(p.kind(), p.reset_day(), p.utc_offset_minutes())?;
        if let Some(bad) = self.alert_thresholds.iter().find(|t| !(1..=100).contains(*t)) {
            return Err(Error::config("budget.alert_thresholds", format!("{bad} is not a percentage in 1..=100")));
        }
        setting::check_seconds("budget.admission_wait", self.admission_wait, 0.0, 600.0)?;
        setting::check_seconds("budget.lease", self.lease, 1.0, 365.0 * 86_400.0)
    }
}

/// The period as `{kind, reset_day, utc_offset}`, each optional (month, 1, UTC); checked by
/// [`BudgetConfig::validate`].
fn period<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<BudgetPeriod, D::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Spec {
        kind: Option<String>,
        reset_day: Option<u32>,
        utc_offset: Option<serde_json::Value>,
    }
    let spec = Spec::deserialize(d)?;
    let kind = match spec.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("month" | "monthly") => PeriodKind::Month,
        Some("week" | "weekly") => PeriodKind::Week,
        Some("day" | "daily") => PeriodKind::Day,
        Some(other) => {
            return Err(serde::de::Error::custom(format!("`{other}` is not one of: day, week, month")));
        }
    };
    let offset = match spec.utc_offset {
        None | Some(serde_json::Value::Null) => 0,
        Some(serde_json::Value::Number(n)) => n
            .as_i64()
            .and_then(|m| i32::try_from(m).ok())
            .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a whole number of minutes")))?,
        Some(serde_json::Value::String(s)) => parse_offset(s.trim())
            .ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not an offset such as +02:00 or -300")))?,
        Some(other) => return Err(serde::de::Error::custom(format!("{other} is not an offset such as +02:00"))),
    };
    Ok(BudgetPeriod::unchecked(kind, spec.reset_day.unwrap_or(1), offset))
}

/// Parses a UTC offset: `+02:00`, `-05:30` or whole minutes (`120`).
pub(crate) fn parse_offset(v: &str) -> Option<i32> {
    if let Ok(m) = v.parse::<i32>() {
        return Some(m);
    }
    let (sign, rest) = match v.as_bytes().first()? {
        b'+' => (1, &v[1..]),
        b'-' => (-1, &v[1..]),
        _ => (1, v),
    };
    let (h, m) = rest.split_once(':')?;
    Some(sign * (h.parse::<i32>().ok()? * 60 + m.parse::<i32>().ok()?))
}
