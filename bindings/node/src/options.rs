//! JavaScript argument objects into the crate's `Config` and `RequestContext`.
//!
//! Every input arrives as a `serde_json::Value`, has its keys turned to snake_case by
//! [`snake_case_keys`], and is parsed by the core into a typed shape that rejects unknown
//! fields ([`splants::shapes`]), so a typo is an error naming the field instead of a setting
//! silently ignored, and the same bad value gets the same error as in Python.

use crate::keys::camel_case_keys;
use crate::keys::snake_case_keys;
use serde_json::Value;
use splants::config::{Config, Settings};
use splants::shapes::{CallerContext, from_value};
use splants::{Error, RequestContext, Result};

/// Converts an optional argument, `{}` when it was left out.
pub fn object_or_empty(value: Option<Value>, opaque: &[&str]) -> Result<Value> {
    snake_case_keys(value.unwrap_or_else(|| Value::Object(Default::default())), opaque)
}

/// `monthly_budget` → `monthlyBudget`: option names in errors as JavaScript callers write them.
pub(crate) fn camel_case(name: &str) -> String {
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

/// Builds the engine's `Config` from the constructor's options object: the keys become the
/// core's [`Settings`] (`tiers` is `rate_limits`), which the core checks; errors name the
/// option as JavaScript callers write it.
pub fn config_from_options(options: Option<Value>) -> Result<Config> {
    let mut value = object_or_empty(options, &["prices", "tiers"])?;
    if let Value::Object(map) = &mut value {
        if let Some(Value::Object(prices)) = map.remove("prices") {
            // Model ids stay as written; each price card's own keys may be camelCase.
            let mut cards = serde_json::Map::with_capacity(prices.len());
            for (model, card) in prices {
                cards.insert(model, snake_case_keys(card, &[])?);
            }
            map.insert("prices".to_owned(), Value::Object(cards));
        }
        if let Some(tiers) = map.remove("tiers") {
            map.insert("rate_limits".to_owned(), tiers);
        }
    }
    let settings: Settings = from_value(value).map_err(option_names)?;
    Config::from_settings(settings).map_err(option_names)
}

/// Renames a settings error to the option a JavaScript caller wrote (`max_attempts` →
/// `maxAttempts`, `rate_limits.gold` → `tiers.gold`).
fn option_names(e: Error) -> Error {
    match e {
        Error::Validation { field, reason } | Error::Config { field, reason } => {
            let name = match field.strip_prefix("rate_limits") {
                Some(rest) => format!("tiers{rest}"),
                None => camel_case(&field),
            };
            Error::config(name, reason)
        }
        other => other,
    }
}

/// The optional context argument of every method (camelCase or snake_case keys), checked by the
/// core's [`CallerContext`]; anonymous when left out.
pub fn caller_context(value: Option<Value>) -> Result<RequestContext> {
    CallerContext::from_value(object_or_empty(value, &[])?)?.into_context()
}

/// An engine context as JavaScript writes it (camelCase keys), what `verifyApiKey` hands back;
/// [`caller_context`] reads it again.
pub fn context_object(ctx: &RequestContext) -> Result<Value> {
    serde_json::to_value(CallerContext::from_context(ctx))
        .map(camel_case_keys)
        .map_err(|e| Error::internal(format!("could not write the context: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use splants::Usd;
    use std::time::Duration;

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
        assert_eq!(c.provider, splants::config::ProviderKind::Compatible);
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
        let ctx =
            caller_context(Some(json!({"keyId": "k1", "tier": "free", "key_budget": 1.5, "rateLimitPerHour": 7})))
                .unwrap();
        assert_eq!(ctx.key_id.as_deref(), Some("k1"));
        assert_eq!(ctx.key_budget, Usd::from_dollars(1.5));
        assert_eq!(ctx.quota.map(|q| q.limit()), Some(7));
        let back = context_object(&ctx).unwrap();
        assert_eq!(back, json!({"keyId": "k1", "tier": "free", "keyBudget": 1.5, "quota": [7.0, 3600.0]}));
        assert_eq!(caller_context(Some(back)).unwrap(), ctx);
        assert_eq!(caller_context(None).unwrap(), RequestContext::anonymous());
        assert_eq!(field_of(caller_context(Some(json!({"keyid": "x"}))).unwrap_err()), "keyid");
        assert_eq!(field_of(caller_context(Some(json!({"keyBudget": -1}))).unwrap_err()), "key_budget");
    }

    #[test]
    fn library_query_takes_caller_left_in_both_spellings() {
        use splants::storage::ContentQuery;
        let query = |v: Value| object_or_empty(Some(v), &[]).and_then(from_value::<ContentQuery>);
        assert_eq!(query(json!({"callerLeft": true})).unwrap().caller_left, Some(true));
        assert_eq!(query(json!({"caller_left": false})).unwrap().caller_left, Some(false));
        assert_eq!(query(json!({})).unwrap().caller_left, None);
        assert_eq!(field_of(query(json!({"callerLeft": "yes"})).unwrap_err()), "caller_left");
    }
}
