//! JavaScript option objects into the crate's `Config`, `RequestContext` and query types.
//!
//! Every input arrives as a `serde_json::Value`, has its keys turned to snake_case by
//! [`snake_case_keys`], and is deserialized into a typed struct that rejects unknown fields, so
//! a typo is an error naming the field instead of a setting silently ignored.

use crate::keys::snake_case_keys;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use splants::budget::{BudgetPeriod, PeriodKind};
use splants::config::{Config, ProviderKind, Secret};
use splants::ratelimit::Quota;
use splants::{Error, RequestContext, Result, Usd};
use std::path::PathBuf;
use std::time::Duration;

/// Deserializes `value` into `T`; the error names the offending field (`tone`, `keywords[2]`).
pub fn parse<T: DeserializeOwned>(value: Value) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let reason = e.inner().to_string();
        let missing_or_unknown = ["missing field `", "unknown field `"]
            .iter()
            .find_map(|p| reason.strip_prefix(p).and_then(|r| r.split('`').next()).map(str::to_owned));
        match (path.as_str(), missing_or_unknown) {
            ("." | "?", Some(name)) => Error::validation(name, reason),
            ("." | "?", None) => Error::validation("body", reason),
            _ => Error::validation(path, reason),
        }
    })
}

/// Converts an optional argument, `{}` when it was left out.
pub fn object_or_empty(value: Option<Value>, opaque: &[&str]) -> Result<Value> {
    snake_case_keys(value.unwrap_or_else(|| Value::Object(Default::default())), opaque)
}

/// `Some(None)` for an explicit `null`, `None` when the key is absent.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The options of `new ContentEngine(options)`; every one is optional and starts from
/// `Config::default()` (which reads no environment variable).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EngineOptions {
    provider: Option<String>,
    openai_api_key: Option<String>,
    openai_base_url: Option<String>,
    anthropic_api_key: Option<String>,
    anthropic_base_url: Option<String>,
    model: Option<String>,
    fallback_model: Option<String>,
    prices: Option<serde_json::Map<String, Value>>,
    database_url: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    monthly_budget: Option<Option<Usd>>,
    budget_period: Option<String>,
    tiers: Option<std::collections::BTreeMap<String, u32>>,
    default_tier: Option<String>,
    rate_per_minute: Option<u32>,
    cache: Option<bool>,
    cache_ttl: Option<f64>,
    cache_capacity: Option<u64>,
    templates_dir: Option<String>,
    api_key: Option<String>,
    provider_timeout: Option<f64>,
    max_attempts: Option<u32>,
}

/// A positive number of seconds (at least one millisecond) as a `Duration`.
fn seconds(field: &str, secs: f64) -> Result<Duration> {
    if !(0.001..=86_400.0 * 365.0).contains(&secs) {
        return Err(Error::config(field, format!("{secs} is not a number of seconds in 0.001..=31536000")));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn http_url(field: &str, url: String) -> Result<String> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(url)
    } else {
        Err(Error::config(
            field,
            format!("`{}` is not a URL starting with http:// or https://", splants::error::redact(&url)),
        ))
    }
}

/// `monthly_budget` → `monthlyBudget`: option names in errors as JavaScript callers write them.
fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        match c {
            '_' if !out.is_empty() => upper = true,
            c if upper => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// Builds the engine's `Config` from the constructor's options object.
pub fn config_from_options(options: Option<Value>) -> Result<Config> {
    let value = object_or_empty(options, &["prices", "tiers"])?;
    let o: EngineOptions = parse(value).map_err(|e| match e {
        Error::Validation { field, reason } => Error::config(camel_case(&field), reason),
        other => other,
    })?;
    let mut c = Config::default();
    if let Some(p) = o.provider {
        c.provider = p.parse::<ProviderKind>().map_err(|e| match e {
            Error::Config { reason, .. } => Error::config("provider", reason),
            other => other,
        })?;
    }
    c.openai_api_key = o.openai_api_key.map(Secret::new);
    c.openai_base_url = o.openai_base_url.map(|u| http_url("openaiBaseUrl", u)).transpose()?;
    c.anthropic_api_key = o.anthropic_api_key.map(Secret::new);
    c.anthropic_base_url = o.anthropic_base_url.map(|u| http_url("anthropicBaseUrl", u)).transpose()?;
    c.model = o.model;
    c.fallback_model = o.fallback_model;
    if let Some(prices) = o.prices {
        // Model ids stay as written; each price card's own keys may be camelCase.
        let mut cards = serde_json::Map::with_capacity(prices.len());
        for (model, card) in prices {
            cards.insert(model, snake_case_keys(card, &[])?);
        }
        c.prices_json = Some(Value::Object(cards).to_string());
    }
    if let Some(url) = o.database_url {
        c.database_url = url;
    }
    if let Some(budget) = o.monthly_budget {
        if budget.is_some_and(Usd::is_negative) {
            return Err(Error::config("monthlyBudget", "must be a dollar amount >= 0 (or null for no limit)"));
        }
        c.monthly_budget = budget;
    }
    if let Some(period) = o.budget_period {
        let kind = match period.as_str() {
            "day" | "daily" => PeriodKind::Day,
            "week" | "weekly" => PeriodKind::Week,
            "month" | "monthly" => PeriodKind::Month,
            other => return Err(Error::config("budgetPeriod", format!("`{other}` is not one of: day, week, month"))),
        };
        c.budget_period = BudgetPeriod::new(kind, 1, 0)?;
    }
    if let Some(tiers) = o.tiers {
        for (tier, per_hour) in tiers {
            let quota = Quota::new(per_hour, Duration::from_secs(3600))
                .map_err(|_| Error::config(format!("tiers.{tier}"), "must be at least 1 request per hour"))?;
            c.rate_limits.tiers.insert(tier, quota);
        }
    }
    if let Some(tier) = o.default_tier {
        if !c.rate_limits.tiers.contains_key(&tier) {
            let known: Vec<&str> = c.rate_limits.tiers.keys().map(String::as_str).collect();
            return Err(Error::config(
                "defaultTier",
                format!("unknown tier `{tier}`; expected one of: {}", known.join(", ")),
            ));
        }
        c.rate_limits.default_tier = tier;
    }
    if let Some(n) = o.rate_per_minute {
        c.rate_limits.per_minute = match n {
            0 => None,
            n => Some(
                Quota::new(n, Duration::from_secs(60)).map_err(|e| Error::config("ratePerMinute", e.to_string()))?,
            ),
        };
    }
    if let Some(on) = o.cache {
        c.cache_enabled = on;
    }
    if let Some(ttl) = o.cache_ttl {
        c.cache_ttl = seconds("cacheTtl", ttl)?;
    }
    if let Some(n) = o.cache_capacity {
        c.cache_capacity = n;
    }
    c.templates_dir = o.templates_dir.map(PathBuf::from);
    c.api_key = o.api_key.map(Secret::new);
    if let Some(t) = o.provider_timeout {
        c.provider_timeout = seconds("providerTimeout", t)?;
    }
    if let Some(n) = o.max_attempts {
        if !(1..=10).contains(&n) {
            return Err(Error::config("maxAttempts", format!("{n} is out of range 1..=10")));
        }
        c.max_attempts = n;
    }
    Ok(c)
}

/// Who is calling: the optional context object of every method. Read with snake_case keys
/// (after [`snake_case_keys`]); written back in camelCase by `verifyApiKey`.
#[derive(Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all(serialize = "camelCase"))]
pub struct CallerContext {
    /// API key id (never the secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<String>,
    /// Rate-limit tier of the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    tier: Option<String>,
    /// The key's own hourly quota, replacing its tier's.
    #[serde(skip_serializing_if = "Option::is_none")]
    rate_limit_per_hour: Option<u32>,
    /// The key's budget per period, in dollars.
    #[serde(skip_serializing_if = "Option::is_none")]
    key_budget: Option<Usd>,
    /// Tenant (a customer of the embedding application).
    #[serde(skip_serializing_if = "Option::is_none")]
    tenant: Option<String>,
    /// The tenant's budget per period, in dollars.
    #[serde(skip_serializing_if = "Option::is_none")]
    tenant_budget: Option<Usd>,
    /// Correlation id for logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

impl CallerContext {
    /// Parses the optional context argument (anonymous when left out).
    pub fn from_arg(value: Option<Value>) -> Result<RequestContext> {
        let ctx: CallerContext = parse(object_or_empty(value, &[])?)?;
        let quota = ctx
            .rate_limit_per_hour
            .map(|n| {
                Quota::new(n, Duration::from_secs(3600))
                    .map_err(|_| Error::validation("rate_limit_per_hour", "must be at least 1"))
            })
            .transpose()?;
        Ok(RequestContext {
            key_id: ctx.key_id,
            tier: ctx.tier,
            quota,
            key_budget: ctx.key_budget,
            tenant: ctx.tenant,
            tenant_budget: ctx.tenant_budget,
            request_id: ctx.request_id,
            ..RequestContext::default()
        })
    }

    /// The JavaScript form of an engine context (what `verifyApiKey` hands back).
    pub fn from_context(ctx: RequestContext) -> Self {
        CallerContext {
            key_id: ctx.key_id,
            tier: ctx.tier,
            rate_limit_per_hour: ctx.quota.filter(|q| q.period() == Duration::from_secs(3600)).map(|q| q.limit()),
            key_budget: ctx.key_budget,
            tenant: ctx.tenant,
            tenant_budget: ctx.tenant_budget,
            request_id: ctx.request_id,
        }
    }
}

/// The date range (and platform) of the analytics methods; the original app's
/// `start_date` / `end_date` are accepted for `since` / `until`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// From (inclusive), ISO 8601.
    #[serde(alias = "start_date")]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Until (exclusive), ISO 8601.
    #[serde(alias = "end_date")]
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// Only this platform (engagement only).
    pub platform: Option<splants::Platform>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(e: Error) -> String {
        match e {
            Error::Validation { field, .. } | Error::Config { field, .. } => field,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn options_set_config_fields() {
        let c = config_from_options(Some(json!({
            "provider": "compatible",
            "openaiBaseUrl": "http://127.0.0.1:9/v1",
            "model": "mock",
            "prices": {"mock": {"input": 1.0, "output": 2.0, "cachedInput": 0.5}},
            "monthlyBudget": 2.5,
            "tiers": {"free": 3},
            "defaultTier": "free",
            "ratePerMinute": 0,
            "cache": true,
            "cacheTtl": 5,
            "databaseUrl": "memory://",
            "maxAttempts": 1
        })))
        .unwrap();
        assert_eq!(c.provider, ProviderKind::Compatible);
        assert_eq!(c.openai_base_url.as_deref(), Some("http://127.0.0.1:9/v1"));
        assert_eq!(c.prices_json.as_deref(), Some(r#"{"mock":{"cached_input":0.5,"input":1.0,"output":2.0}}"#));
        assert_eq!(c.monthly_budget, Usd::from_dollars(2.5));
        assert_eq!(c.rate_limits.tiers["free"].limit(), 3);
        assert_eq!(c.rate_limits.default_tier, "free");
        assert_eq!(c.rate_limits.per_minute, None);
        assert!(c.cache_enabled);
        assert_eq!(c.cache_ttl, Duration::from_secs(5));
        assert_eq!(c.database_url, "memory://");
        assert_eq!(c.max_attempts, 1);
    }

    #[test]
    fn null_budget_means_no_limit_and_absent_keeps_default() {
        let none = config_from_options(Some(json!({"monthlyBudget": null}))).unwrap();
        assert_eq!(none.monthly_budget, None);
        let default = config_from_options(None).unwrap();
        assert_eq!(default.monthly_budget, Config::default().monthly_budget);
    }

    #[test]
    fn bad_options_name_the_option() {
        assert_eq!(field_of(config_from_options(Some(json!({"provider": "nope"}))).unwrap_err()), "provider");
        assert_eq!(field_of(config_from_options(Some(json!({"colour": 1}))).unwrap_err()), "colour");
        assert_eq!(field_of(config_from_options(Some(json!({"monthlyBudjet": 1}))).unwrap_err()), "monthlyBudjet");
        assert_eq!(field_of(config_from_options(Some(json!({"cacheTtl": "x"}))).unwrap_err()), "cacheTtl");
        assert_eq!(
            field_of(config_from_options(Some(json!({"openaiBaseUrl": "ftp://x"}))).unwrap_err()),
            "openaiBaseUrl"
        );
        assert_eq!(field_of(config_from_options(Some(json!({"defaultTier": "gold"}))).unwrap_err()), "defaultTier");
        assert_eq!(field_of(config_from_options(Some(json!({"monthlyBudget": -1}))).unwrap_err()), "monthlyBudget");
        assert!(matches!(config_from_options(Some(json!({"cache": "yes"}))).unwrap_err(), Error::Config { .. }));
    }

    #[test]
    fn context_round_trips_in_both_spellings() {
        let ctx = CallerContext::from_arg(Some(
            json!({"keyId": "k1", "tier": "free", "key_budget": 1.5, "rateLimitPerHour": 7}),
        ))
        .unwrap();
        assert_eq!(ctx.key_id.as_deref(), Some("k1"));
        assert_eq!(ctx.key_budget, Usd::from_dollars(1.5));
        assert_eq!(ctx.quota.map(|q| q.limit()), Some(7));
        let back = serde_json::to_value(CallerContext::from_context(ctx)).unwrap();
        assert_eq!(back, json!({"keyId": "k1", "tier": "free", "keyBudget": 1.5, "rateLimitPerHour": 7}));
        assert_eq!(CallerContext::from_arg(None).unwrap(), RequestContext::anonymous());
        assert_eq!(field_of(CallerContext::from_arg(Some(json!({"keyid": "x"}))).unwrap_err()), "keyid");
    }
}
