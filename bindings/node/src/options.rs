//! JavaScript option objects into the crate's `Config`, `RequestContext` and query types.
//!
//! Every input arrives as a `serde_json::Value`, has its keys turned to snake_case by
//! [`snake_case_keys`], and is deserialized into a typed struct that rejects unknown fields, so
//! a typo is an error naming the field instead of a setting silently ignored.

use crate::keys::snake_case_keys;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use splants::config::Config;
#[cfg(test)]
use splants::config::SettingType;
use splants::ratelimit::Quota;
use splants::{Error, RequestContext, Result, Usd};
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

/// Builds the engine's `Config` from the constructor's options object: the keys, in
/// snake_case, are the core's option names ([`splants::config::settings`]), which
/// [`Config::from_options`] reads and checks; errors name the option as JavaScript callers
/// write it (`maxAttempts`, `rateLimits.gold`).
pub fn config_from_options(options: Option<Value>) -> Result<Config> {
    let value = object_or_empty(options, &["prices", "rate_limits"])?;
    let Value::Object(mut map) = value else {
        return Err(Error::config("options", "must be an object of engine options"));
    };
    if let Some(Value::Object(prices)) = map.remove("prices") {
        // Model ids stay as written; each price card's own keys may be camelCase.
        let mut cards = serde_json::Map::with_capacity(prices.len());
        for (model, card) in prices {
            cards.insert(model, snake_case_keys(card, &[])?);
        }
        map.insert("prices".to_owned(), Value::Object(cards));
    }
    Config::from_options(map).map_err(option_names)
}

/// Renames a config error to the option a JavaScript caller wrote (`max_attempts` →
/// `maxAttempts`, `rate_limits.gold` → `rateLimits.gold`).
fn option_names(e: Error) -> Error {
    match e {
        Error::Validation { field, reason } | Error::Config { field, reason } => {
            let name = match field.split_once('.') {
                Some((option, rest)) => format!("{}.{rest}", camel_case(option)),
                None => camel_case(&field),
            };
            Error::config(name, reason)
        }
        other => other,
    }
}

/// The start of the generated `EngineOptions` block in `types/header.d.ts` (the test that
/// compares it with the core is the generator: `SPLANTS_BLESS=1` rewrites the block).
#[cfg(test)]
pub const TS_BEGIN: &str = "// <generated from splants::config::engine_options(): do not edit>";
/// Its end.
#[cfg(test)]
pub const TS_END: &str = "// </generated>";

/// The TypeScript of an option's type.
#[cfg(test)]
fn ts_type(ty: SettingType) -> String {
    match ty {
        SettingType::Text | SettingType::Secret | SettingType::Url | SettingType::Path => "string".to_owned(),
        SettingType::Choice(words) => words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(" | "),
        SettingType::Seconds | SettingType::Number | SettingType::Whole => "number".to_owned(),
        SettingType::Dollars => "number | null".to_owned(),
        SettingType::Flag => "boolean".to_owned(),
        SettingType::Percentages => "number[]".to_owned(),
        SettingType::Words => "string[]".to_owned(),
        SettingType::Tiers => "Record<string, number>".to_owned(),
        SettingType::Prices => "Record<string, { input: number; output: number; cachedInput?: number; cacheWrite?: number; cacheWriteLong?: number }> | string".to_owned(),
        SettingType::Offset => "string | number".to_owned(),
        SettingType::Unused => "unknown".to_owned(),
    }
}

/// The `EngineOptions` interface, generated from the core's table of engine options (the
/// names in camelCase), between [`TS_BEGIN`] and [`TS_END`].
#[cfg(test)]
pub fn engine_options_ts() -> String {
    let mut out = format!(
        "{TS_BEGIN}\n/** Options of `new ContentEngine(options)` and `ContentEngine.create(options)`: the core's engine options, checked by the core (a bad value throws a `config_error` naming the option). */\nexport interface EngineOptions {{\n"
    );
    for s in splants::config::engine_options() {
        let Some(name) = s.option else { continue };
        out.push_str(&format!("  /** {} */\n  {}?: {}\n", s.doc, camel_case(name), ts_type(s.ty)));
    }
    out.push_str("}\n");
    out.push_str(TS_END);
    out
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

    /// The committed declaration of `EngineOptions` is the one generated from the core's table:
    /// an option added in Rust without its TypeScript fails here. `SPLANTS_BLESS=1` rewrites it.
    #[test]
    fn the_typescript_engine_options_are_generated_from_the_core() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/types/header.d.ts");
        let header = std::fs::read_to_string(path).unwrap();
        let (Some(start), Some(end)) = (header.find(TS_BEGIN), header.find(TS_END)) else {
            panic!("{path} has no generated EngineOptions block ({TS_BEGIN} … {TS_END})");
        };
        let committed = &header[start..end + TS_END.len()];
        let generated = engine_options_ts();
        if committed != generated {
            if std::env::var_os("SPLANTS_BLESS").is_some() {
                std::fs::write(path, header.replace(committed, &generated)).unwrap();
            } else {
                panic!(
                    "{path}: EngineOptions differs from the core's options; rerun with SPLANTS_BLESS=1\n{generated}"
                );
            }
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
            "rateLimits": {"free": 3},
            "defaultTier": "free",
            "ratePerMinute": 0,
            "cache": true,
            "cacheTtl": 5,
            "databaseUrl": "memory://",
            "maxAttempts": 1
        })))
        .unwrap();
        assert_eq!(c.provider.kind, splants::config::ProviderKind::Compatible);
        assert_eq!(c.provider.openai_base_url.as_deref(), Some("http://127.0.0.1:9/v1"));
        assert_eq!(c.provider.prices.as_deref(), Some(r#"{"mock":{"cached_input":0.5,"input":1.0,"output":2.0}}"#));
        assert_eq!(c.budget.global_limit, Usd::from_dollars(2.5));
        assert_eq!(c.rate_limits.tiers["free"].limit(), 3);
        assert_eq!(c.rate_limits.default_tier, "free");
        assert_eq!(c.rate_limits.per_minute, None);
        assert!(c.cache.enabled);
        assert_eq!(c.cache.ttl, Duration::from_secs(5));
        assert_eq!(c.storage.url, "memory://");
        assert_eq!(c.provider.max_attempts, 1);
    }

    #[test]
    fn null_budget_means_no_limit_and_absent_keeps_default() {
        let none = config_from_options(Some(json!({"monthlyBudget": null}))).unwrap();
        assert_eq!(none.budget.global_limit, None);
        let default = config_from_options(None).unwrap();
        assert_eq!(default.budget.global_limit, Config::default().budget.global_limit);
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

    #[test]
    fn library_query_takes_caller_left_in_both_spellings() {
        use splants::storage::ContentQuery;
        let query = |v: Value| object_or_empty(Some(v), &[]).and_then(parse::<ContentQuery>);
        assert_eq!(query(json!({"callerLeft": true})).unwrap().caller_left, Some(true));
        assert_eq!(query(json!({"caller_left": false})).unwrap().caller_left, Some(false));
        assert_eq!(query(json!({})).unwrap().caller_left, None);
        assert_eq!(field_of(query(json!({"callerLeft": "yes"})).unwrap_err()), "caller_left");
    }
}
