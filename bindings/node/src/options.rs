//! JavaScript argument objects into the crate's `Config` and `RequestContext`.
//!
//! Every input arrives as a `serde_json::Value`, has its keys turned to snake_case by
//! [`snake_case_keys`], and is parsed by the core into a typed shape that rejects unknown
//! fields ([`splants::shapes`]), so a typo is an error naming the field instead of a setting
//! silently ignored, and the same bad value gets the same error as in Python.

use crate::keys::camel_case_keys;
use crate::keys::snake_case_keys;
use serde_json::Value;
use splants::config::Config;
#[cfg(test)]
use splants::config::SettingType;
use splants::shapes::CallerContext;
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
        SettingType::Accounts => "Record<string, Record<string, unknown>> | string".to_owned(),
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
    use splants::shapes::from_value;
    use std::time::Duration;

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
