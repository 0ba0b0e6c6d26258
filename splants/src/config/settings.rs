//! `Settings`: named settings as a binding or a config file gives them, checked in one place.
//!
//! [`Config::apply`] is the only code that checks the range and shape of these settings; the
//! environment reader ([`Config::from_vars`]) and the Python and Node bindings all go through
//! it, so a value is accepted or refused the same way everywhere. Errors name the setting
//! (`max_attempts`); the environment reader renames them to the variable (`SPLANTS_PROVIDER_MAX_ATTEMPTS`).

use super::{CallerLeftPolicy, Config, DegradePolicy, ProviderKind, Secret};
use crate::budget::{BudgetPeriod, PeriodKind};
use crate::error::{Error, Result};
use crate::money::Usd;
use crate::ratelimit::Quota;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// Settings by name; every field is optional and replaces the current value when given.
/// Deserializes from JSON objects with these snake_case names (unknown names are refused).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `auto`, `openai`, `anthropic`, `compatible` or `offline`.
    pub provider: Option<String>,
    /// OpenAI key.
    pub openai_api_key: Option<String>,
    /// OpenAI-compatible base URL (`http(s)://…`).
    pub openai_base_url: Option<String>,
    /// Anthropic key.
    pub anthropic_api_key: Option<String>,
    /// Anthropic base URL.
    pub anthropic_base_url: Option<String>,
    /// The primary provider's model.
    pub model: Option<String>,
    /// The fallback provider's model.
    pub fallback_model: Option<String>,
    /// Price overrides: an object `{model: {input, output, …}}` or its JSON text.
    pub prices: Option<serde_json::Value>,
    /// Seconds per provider attempt.
    pub provider_timeout: Option<f64>,
    /// Attempts per provider (1..=10).
    pub max_attempts: Option<u32>,
    /// Cap on `max_tokens` (64..=1,000,000).
    pub max_output_tokens: Option<u32>,
    /// Extra output tokens for reasoning models.
    pub reasoning_tokens: Option<u32>,
    /// Sampling temperature (0..=2).
    pub temperature: Option<f32>,
    /// Dollars per budget period; `null` means no limit.
    #[serde(default, deserialize_with = "present")]
    pub monthly_budget: Option<Option<f64>>,
    /// `day`, `week` or `month`.
    pub budget_period: Option<String>,
    /// Day of month (1..=28) or ISO weekday (1..=7).
    pub budget_reset_day: Option<u32>,
    /// Offset of the period's midnight: `+02:00`, or minutes.
    pub budget_utc_offset: Option<String>,
    /// Alert thresholds in percent.
    pub budget_alerts: Option<Vec<u8>>,
    /// Seconds a generation held up only by calls in flight waits for room (0..=600).
    pub budget_wait: Option<f64>,
    /// `off`, `shrink[:min_tokens]` or `model:<id>`.
    pub degrade: Option<String>,
    /// `complete` or `abort`: a generation whose caller went away after the request was sent.
    pub on_caller_left: Option<String>,
    /// Seconds shutdown waits for generations completing in the background (0..=3600).
    pub shutdown_grace: Option<f64>,
    /// Requests per hour by tier (adds tiers or replaces their quota).
    pub rate_limits: Option<BTreeMap<String, u32>>,
    /// Requests per minute for every key (0 disables).
    pub rate_per_minute: Option<u32>,
    /// Tier of keys created without one.
    pub default_tier: Option<String>,
    /// Answer identical briefs from the cache.
    pub cache: Option<bool>,
    /// Seconds a cached piece lives.
    pub cache_ttl: Option<f64>,
    /// Pieces the cache holds.
    pub cache_capacity: Option<u64>,
    /// `redis://` or `rediss://` URL.
    pub redis_url: Option<String>,
    /// `sqlite://…`, `postgres://…` or `memory://`.
    pub database_url: Option<String>,
    /// The bootstrap admin key.
    pub api_key: Option<String>,
    /// CORS origins.
    pub allowed_origins: Option<Vec<String>>,
    /// Receives `content.generated`.
    pub webhook_content_generated_url: Option<String>,
    /// Reserved for `content.published`.
    pub webhook_content_published_url: Option<String>,
    /// Receives `daily.report`.
    pub webhook_daily_report_url: Option<String>,
    /// HMAC key of webhook signatures.
    pub webhook_secret: Option<String>,
    /// Allow webhook URLs on private networks.
    pub webhook_allow_private: Option<bool>,
    /// Requests per batch (1..=1000).
    pub batch_max: Option<usize>,
    /// Items of a batch generated at once (1..=256).
    pub batch_concurrency: Option<usize>,
    /// A directory of extra templates.
    pub templates_dir: Option<String>,
    /// ROI rates, `blog=150:3,social_media=25:0.5`.
    pub freelance_rates: Option<String>,
}

/// Distinguishes an explicit `null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Option<f64>>, D::Error> {
    Option::<f64>::deserialize(d).map(Some)
}

/// Re-labels an error of a core parser with the setting's name.
fn named(field: &str, e: Error) -> Error {
    match e {
        Error::Config { reason, .. } | Error::Validation { reason, .. } => Error::config(field, reason),
        other => other,
    }
}

fn seconds(field: &str, value: f64, min: f64) -> Result<Duration> {
    if !(value.is_finite() && value >= min && value <= 365.0 * 86_400.0) {
        return Err(Error::config(field, format!("{value} is not a number of seconds in {min}..=31536000")));
    }
    Ok(Duration::from_secs_f64(value))
}

fn url(field: &str, value: Option<String>, schemes: &[&str]) -> Result<Option<String>> {
    match value {
        Some(u) if u.trim().is_empty() => Ok(None),
        Some(u) if !schemes.iter().any(|s| u.trim().starts_with(&format!("{s}://"))) => Err(Error::config(
            field,
            format!("`{}` is not a URL starting with {}://", crate::error::redact(&u), schemes.join("://, ")),
        )),
        other => Ok(other.map(|u| u.trim().to_owned())),
    }
}

fn in_range<T: PartialOrd + std::fmt::Display>(field: &str, n: T, min: T, max: T) -> Result<T> {
    if n < min || n > max {
        return Err(Error::config(field, format!("{n} is out of range {min}..={max}")));
    }
    Ok(n)
}

/// Parses a UTC offset: `+02:00`, `-05:30` or whole minutes (`120`).
pub(super) fn parse_offset(v: &str) -> Option<i32> {
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

impl Config {
    /// A default config with `settings` applied.
    pub fn from_settings(settings: Settings) -> Result<Self> {
        let mut c = Config::default();
        c.apply(settings)?;
        Ok(c)
    }

    /// Applies `settings`, checking each; the first bad one is a config error naming it and
    /// nothing is changed then.
    pub fn apply(&mut self, s: Settings) -> Result<()> {
        let mut c = self.clone();
        if let Some(p) = s.provider {
            c.provider = p.parse::<ProviderKind>().map_err(|e| named("provider", e))?;
        }
        if let Some(k) = s.openai_api_key {
            c.openai_api_key = Some(Secret::new(k)).filter(|k| !k.expose().is_empty());
        }
        if s.openai_base_url.is_some() {
            c.openai_base_url = url("openai_base_url", s.openai_base_url, &["http", "https"])?;
        }
        if let Some(k) = s.anthropic_api_key {
            c.anthropic_api_key = Some(Secret::new(k)).filter(|k| !k.expose().is_empty());
        }
        if s.anthropic_base_url.is_some() {
            c.anthropic_base_url = url("anthropic_base_url", s.anthropic_base_url, &["http", "https"])?;
        }
        if let Some(m) = s.model {
            c.model = Some(m).filter(|m| !m.trim().is_empty());
        }
        if let Some(m) = s.fallback_model {
            c.fallback_model = Some(m).filter(|m| !m.trim().is_empty());
        }
        match s.prices {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::String(text)) => c.prices_json = Some(text),
            Some(v @ serde_json::Value::Object(_)) => c.prices_json = Some(v.to_string()),
            Some(_) => return Err(Error::config("prices", "must be an object of model prices or its JSON text")),
        }
        if let Some(t) = s.provider_timeout {
            c.provider_timeout = seconds("provider_timeout", t, 0.001)?;
        }
        if let Some(n) = s.max_attempts {
            c.max_attempts = in_range("max_attempts", n, 1, 10)?;
        }
        if let Some(n) = s.max_output_tokens {
            c.max_output_tokens = in_range("max_output_tokens", n, 64, 1_000_000)?;
        }
        if let Some(n) = s.reasoning_tokens {
            c.reasoning_tokens = n;
        }
        if let Some(t) = s.temperature {
            c.temperature = Some(in_range("temperature", t, 0.0, 2.0)?);
        }
        if let Some(budget) = s.monthly_budget {
            c.monthly_budget = match budget {
                None => None,
                Some(b) => Some(
                    Usd::from_dollars(b)
                        .filter(|u| !u.is_negative())
                        .ok_or_else(|| Error::config("monthly_budget", format!("{b} must be a dollar amount >= 0")))?,
                ),
            };
        }
        if s.budget_period.is_some() || s.budget_reset_day.is_some() || s.budget_utc_offset.is_some() {
            let kind = match s.budget_period.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None => c.budget_period.kind(),
                Some("month" | "monthly") => PeriodKind::Month,
                Some("week" | "weekly") => PeriodKind::Week,
                Some("day" | "daily") => PeriodKind::Day,
                Some(other) => {
                    return Err(Error::config("budget_period", format!("`{other}` is not one of: day, week, month")));
                }
            };
            let reset_day = s.budget_reset_day.unwrap_or_else(|| c.budget_period.reset_day());
            let offset = match &s.budget_utc_offset {
                None => c.budget_period.utc_offset_minutes(),
                Some(o) => parse_offset(o.trim()).ok_or_else(|| {
                    Error::config("budget_utc_offset", format!("`{o}` is not an offset such as +02:00 or -300"))
                })?,
            };
            c.budget_period = BudgetPeriod::new(kind, reset_day, offset).map_err(|e| match e {
                Error::Config { field, reason } if field.ends_with("UTC_OFFSET") => {
                    Error::config("budget_utc_offset", reason)
                }
                other => named("budget_reset_day", other),
            })?;
        }
        if let Some(alerts) = s.budget_alerts {
            if let Some(bad) = alerts.iter().find(|t| !(1..=100).contains(*t)) {
                return Err(Error::config("budget_alerts", format!("{bad} is not a percentage in 1..=100")));
            }
            c.budget_alerts = alerts;
        }
        if let Some(w) = s.budget_wait {
            if !(0.0..=600.0).contains(&w) {
                return Err(Error::config("budget_wait", format!("{w} is not a number of seconds in 0..=600")));
            }
            c.budget_wait = Duration::from_secs_f64(w);
        }
        if let Some(d) = s.degrade {
            c.degrade = d.parse::<DegradePolicy>().map_err(|e| named("degrade", e))?;
        }
        if let Some(p) = s.on_caller_left {
            c.on_caller_left = p.parse::<CallerLeftPolicy>().map_err(|e| named("on_caller_left", e))?;
        }
        if let Some(g) = s.shutdown_grace {
            if !(0.0..=3600.0).contains(&g) {
                return Err(Error::config("shutdown_grace", format!("{g} is not a number of seconds in 0..=3600")));
            }
            c.shutdown_grace = Duration::from_secs_f64(g);
        }
        if let Some(tiers) = s.rate_limits {
            for (tier, per_hour) in tiers {
                let field = format!("rate_limits.{tier}");
                if tier.trim().is_empty() {
                    return Err(Error::config(field, "a tier needs a name"));
                }
                let q = Quota::new(per_hour, Duration::from_secs(3600))
                    .map_err(|_| Error::config(field, "must be at least 1 request per hour"))?;
                c.rate_limits.tiers.insert(tier, q);
            }
        }
        if let Some(n) = s.rate_per_minute {
            c.rate_limits.per_minute = match n {
                0 => None,
                n => Some(Quota::new(n, Duration::from_secs(60)).map_err(|e| named("rate_per_minute", e))?),
            };
        }
        if let Some(t) = s.default_tier {
            if !c.rate_limits.tiers.contains_key(&t) {
                let known = c.rate_limits.tiers.keys().cloned().collect::<Vec<_>>().join(", ");
                return Err(Error::config("default_tier", format!("unknown tier `{t}`; expected one of: {known}")));
            }
            c.rate_limits.default_tier = t;
        }
        if let Some(on) = s.cache {
            c.cache_enabled = on;
        }
        if let Some(t) = s.cache_ttl {
            c.cache_ttl = seconds("cache_ttl", t, 1.0)?;
        }
        if let Some(n) = s.cache_capacity {
            c.cache_capacity = n;
        }
        if s.redis_url.is_some() {
            c.redis_url = url("redis_url", s.redis_url, &["redis", "rediss"])?;
        }
        if let Some(db) = url("database_url", s.database_url, &["sqlite", "postgres", "postgresql", "memory"])? {
            c.database_url = db;
        }
        if let Some(k) = s.api_key {
            c.api_key = Some(Secret::new(k)).filter(|k| !k.expose().is_empty());
        }
        if let Some(origins) = s.allowed_origins {
            c.allowed_origins = origins.into_iter().map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect();
        }
        let web = ["http", "https"];
        if s.webhook_content_generated_url.is_some() {
            c.webhook_content_generated_url =
                url("webhook_content_generated_url", s.webhook_content_generated_url, &web)?;
        }
        if s.webhook_content_published_url.is_some() {
            c.webhook_content_published_url =
                url("webhook_content_published_url", s.webhook_content_published_url, &web)?;
        }
        if s.webhook_daily_report_url.is_some() {
            c.webhook_daily_report_url = url("webhook_daily_report_url", s.webhook_daily_report_url, &web)?;
        }
        if let Some(k) = s.webhook_secret {
            c.webhook_secret = Some(Secret::new(k)).filter(|k| !k.expose().is_empty());
        }
        if let Some(on) = s.webhook_allow_private {
            c.webhook_allow_private = on;
        }
        if let Some(n) = s.batch_max {
            c.batch_max = in_range("batch_max", n, 1, 1000)?;
        }
        if let Some(n) = s.batch_concurrency {
            c.batch_concurrency = in_range("batch_concurrency", n, 1, 256)?;
        }
        if let Some(d) = s.templates_dir {
            c.templates_dir = Some(PathBuf::from(d)).filter(|d| !d.as_os_str().is_empty());
        }
        if let Some(r) = s.freelance_rates {
            c.freelance_rates = crate::analytics::RoiRates::parse(&r).map_err(|e| named("freelance_rates", e))?;
        }
        *self = c;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(json: serde_json::Value) -> Settings {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn applies_and_names_the_setting() {
        let c = Config::from_settings(settings(serde_json::json!({
            "provider": "compatible", "openai_base_url": "http://localhost:11434/v1", "model": "llama3.1",
            "prices": {"llama3.1": {"input": 0, "output": 0}}, "provider_timeout": 0.5, "monthly_budget": null,
            "rate_limits": {"gold": 1000}, "default_tier": "gold", "budget_period": "week", "budget_reset_day": 1
        })))
        .unwrap();
        assert_eq!(c.provider, ProviderKind::Compatible);
        assert_eq!(c.monthly_budget, None);
        assert_eq!(c.provider_timeout, Duration::from_millis(500));
        assert_eq!(c.rate_limits.default_tier, "gold");
        assert!(c.prices_json.unwrap().contains("llama3.1"));
        let field = |json: serde_json::Value| match Config::from_settings(settings(json)) {
            Err(Error::Config { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(serde_json::json!({"max_attempts": 0})), "max_attempts");
        assert_eq!(field(serde_json::json!({"provider": "gemini"})), "provider");
        assert_eq!(field(serde_json::json!({"budget_reset_day": 31})), "budget_reset_day");
        assert_eq!(field(serde_json::json!({"budget_utc_offset": "+20:00"})), "budget_utc_offset");
        assert_eq!(field(serde_json::json!({"rate_limits": {"gold": 0}})), "rate_limits.gold");
        assert_eq!(field(serde_json::json!({"default_tier": "gold"})), "default_tier");
        assert_eq!(field(serde_json::json!({"database_url": "mysql://x"})), "database_url");
        assert_eq!(field(serde_json::json!({"degrade": "sometimes"})), "degrade");
        assert_eq!(field(serde_json::json!({"monthly_budget": -1})), "monthly_budget");
        assert!(serde_json::from_value::<Settings>(serde_json::json!({"colour": 1})).is_err());
    }

    #[test]
    fn a_refused_setting_changes_nothing() {
        let mut c = Config::default();
        let before = format!("{c:?}");
        let err = c.apply(settings(serde_json::json!({"model": "x", "batch_max": 0})));
        assert!(err.is_err());
        assert_eq!(format!("{c:?}"), before);
    }
}
