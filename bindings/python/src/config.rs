//! Keyword arguments of `ContentEngine(...)` → [`splants::config::Config`], starting from
//! `Config::default()`. Values are parsed with the core's own parsers; errors name the keyword.

use crate::convert::to_json;
use pyo3::prelude::*;
use splants::Error;
use splants::Usd;
use splants::budget::{BudgetPeriod, PeriodKind};
use splants::config::{Config, DegradePolicy, ProviderKind, Secret};
use splants::ratelimit::Quota;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The constructor's keyword arguments (all optional; see `docs/python.md`).
#[derive(Debug, Default)]
pub(crate) struct Options {
    pub provider: Option<String>,
    pub openai_api_key: Option<String>,
    pub openai_base_url: Option<String>,
    pub anthropic_api_key: Option<String>,
    pub anthropic_base_url: Option<String>,
    pub model: Option<String>,
    pub fallback_model: Option<String>,
    pub prices: Option<String>,
    pub provider_timeout: Option<f64>,
    pub max_attempts: Option<u32>,
    pub max_output_tokens: Option<u32>,
    pub temperature: Option<f32>,
    pub database_url: String,
    pub monthly_budget: Option<f64>,
    pub budget_period: Option<String>,
    pub budget_reset_day: Option<u32>,
    pub budget_alerts: Option<Vec<u8>>,
    pub degrade: Option<String>,
    pub rate_limits: Option<BTreeMap<String, u32>>,
    pub rate_per_minute: Option<u32>,
    pub default_tier: Option<String>,
    pub cache: bool,
    pub cache_ttl: Option<f64>,
    pub cache_capacity: Option<u64>,
    pub templates_dir: Option<PathBuf>,
    pub api_key: Option<String>,
    pub batch_max: Option<usize>,
    pub batch_concurrency: Option<usize>,
}

/// `prices` may be a dict (`{"model": {"input": 2.5, "output": 10}}`) or its JSON text.
pub(crate) fn prices_json(prices: Option<&Bound<'_, PyAny>>) -> Result<Option<String>, Error> {
    let Some(p) = prices.filter(|p| !p.is_none()) else { return Ok(None) };
    if let Ok(s) = p.extract::<String>() {
        return Ok(Some(s));
    }
    Ok(Some(to_json(p, "prices")?.to_string()))
}

/// Re-labels a core error with the keyword the caller used.
fn named(keyword: &str, e: Error) -> Error {
    match e {
        Error::Config { reason, .. } | Error::Validation { reason, .. } => Error::config(keyword, reason),
        other => other,
    }
}

fn seconds(keyword: &str, value: f64) -> Result<Duration, Error> {
    if !(value.is_finite() && value > 0.0 && value <= 86_400.0 * 365.0) {
        return Err(Error::config(keyword, format!("{value} is not a number of seconds in (0, one year]")));
    }
    Ok(Duration::from_secs_f64(value))
}

fn url(keyword: &str, value: Option<String>) -> Result<Option<String>, Error> {
    match value {
        Some(u) if !(u.starts_with("http://") || u.starts_with("https://")) => Err(Error::config(
            keyword,
            format!("`{}` is not a URL starting with http:// or https://", splants::error::redact(&u)),
        )),
        other => Ok(other),
    }
}

impl Options {
    /// The engine configuration these options describe.
    pub(crate) fn into_config(self) -> Result<Config, Error> {
        let mut c = Config::default();
        if let Some(p) = &self.provider {
            c.provider = p.parse::<ProviderKind>().map_err(|e| named("provider", e))?;
        }
        c.openai_api_key = self.openai_api_key.map(Secret::new);
        c.openai_base_url = url("openai_base_url", self.openai_base_url)?;
        c.anthropic_api_key = self.anthropic_api_key.map(Secret::new);
        c.anthropic_base_url = url("anthropic_base_url", self.anthropic_base_url)?;
        c.model = self.model;
        c.fallback_model = self.fallback_model;
        c.prices_json = self.prices;
        if let Some(t) = self.provider_timeout {
            c.provider_timeout = seconds("provider_timeout", t)?;
        }
        if let Some(n) = self.max_attempts {
            if !(1..=10).contains(&n) {
                return Err(Error::config("max_attempts", format!("{n} is out of range 1..=10")));
            }
            c.max_attempts = n;
        }
        if let Some(n) = self.max_output_tokens {
            if !(64..=1_000_000).contains(&n) {
                return Err(Error::config("max_output_tokens", format!("{n} is out of range 64..=1000000")));
            }
            c.max_output_tokens = n;
        }
        if let Some(t) = self.temperature {
            if !(0.0..=2.0).contains(&t) {
                return Err(Error::config("temperature", format!("{t} is out of range 0..=2")));
            }
            c.temperature = Some(t);
        }
        c.database_url = self.database_url;
        c.monthly_budget = match self.monthly_budget {
            None => None,
            Some(b) => Some(
                Usd::from_dollars(b)
                    .filter(|u| !u.is_negative())
                    .ok_or_else(|| Error::config("monthly_budget", format!("{b} is not a dollar amount >= 0")))?,
            ),
        };
        if self.budget_period.is_some() || self.budget_reset_day.is_some() {
            let kind = match self.budget_period.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("month" | "monthly") => PeriodKind::Month,
                Some("week" | "weekly") => PeriodKind::Week,
                Some("day" | "daily") => PeriodKind::Day,
                Some(other) => {
                    return Err(Error::config("budget_period", format!("`{other}` is not one of: day, week, month")));
                }
            };
            c.budget_period = BudgetPeriod::new(kind, self.budget_reset_day.unwrap_or(1), 0)
                .map_err(|e| named("budget_reset_day", e))?;
        }
        if let Some(alerts) = self.budget_alerts {
            if let Some(bad) = alerts.iter().find(|t| !(1..=100).contains(*t)) {
                return Err(Error::config("budget_alerts", format!("{bad} is not a percentage in 1..=100")));
            }
            c.budget_alerts = alerts;
        }
        if let Some(d) = &self.degrade {
            c.degrade = d.parse::<DegradePolicy>().map_err(|e| named("degrade", e))?;
        }
        if let Some(tiers) = self.rate_limits {
            for (tier, per_hour) in tiers {
                let q = Quota::new(per_hour, Duration::from_secs(3600)).map_err(|_| {
                    Error::config("rate_limits", format!("tier `{tier}`: {per_hour} must be at least 1"))
                })?;
                c.rate_limits.tiers.insert(tier, q);
            }
        }
        if let Some(n) = self.rate_per_minute {
            c.rate_limits.per_minute = match n {
                0 => None,
                n => Some(Quota::new(n, Duration::from_secs(60)).map_err(|e| named("rate_per_minute", e))?),
            };
        }
        if let Some(t) = self.default_tier {
            if !c.rate_limits.tiers.contains_key(&t) {
                let known = c.rate_limits.tiers.keys().cloned().collect::<Vec<_>>().join(", ");
                return Err(Error::config("default_tier", format!("unknown tier `{t}`; expected one of: {known}")));
            }
            c.rate_limits.default_tier = t;
        }
        c.cache_enabled = self.cache;
        if let Some(t) = self.cache_ttl {
            c.cache_ttl = seconds("cache_ttl", t)?;
        }
        if let Some(n) = self.cache_capacity {
            c.cache_capacity = n;
        }
        c.templates_dir = self.templates_dir;
        c.api_key = self.api_key.map(Secret::new);
        if let Some(n) = self.batch_max {
            if !(1..=1000).contains(&n) {
                return Err(Error::config("batch_max", format!("{n} is out of range 1..=1000")));
            }
            c.batch_max = n;
        }
        if let Some(n) = self.batch_concurrency {
            if !(1..=256).contains(&n) {
                return Err(Error::config("batch_concurrency", format!("{n} is out of range 1..=256")));
            }
            c.batch_concurrency = n;
        }
        Ok(c)
    }
}
