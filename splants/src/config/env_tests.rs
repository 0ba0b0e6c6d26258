use super::super::*;
use super::insert;
use crate::error::Error;
use crate::money::Usd;
use std::time::Duration;

fn field_of(r: Result<Config>) -> String {
    match r {
        Err(Error::Config { field, .. }) => field,
        Err(other) => panic!("expected a config error, got {other:?}"),
        Ok(_) => panic!("expected a config error, got a config"),
    }
}

fn options(json: serde_json::Value) -> Result<Config> {
    match json {
        serde_json::Value::Object(map) => Config::from_options(map),
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn original_env_names_work() {
    let c = Config::from_vars([
        ("API_KEY", "k-123"),
        ("OPENAI_API_KEY", "sk-test"),
        ("ANTHROPIC_API_KEY", "sk-ant"),
        ("MONTHLY_AI_BUDGET", "500"),
        ("DATABASE_URL", "postgresql://u:p@localhost:5432/splants"),
        ("REDIS_URL", "redis://localhost:6379"),
        ("CACHE_ENABLED", "true"),
        ("ALLOWED_ORIGINS", "http://localhost:3000, https://yourdomain.com"),
        ("WEBHOOK_CONTENT_GENERATED_URL", "https://hooks.example.com/gen"),
        ("LOG_LEVEL", "WARNING"),
        ("DEBUG", "false"),
        ("SPLANTS_BUDGET_UTC_OFFSET", "+02:00"),
    ])
    .unwrap();
    assert_eq!(c.budget.global_limit, Usd::from_dollars(500.0));
    assert!(c.cache.enabled);
    #[cfg(feature = "server")]
    {
        assert_eq!(c.server.allowed_origins, vec!["http://localhost:3000", "https://yourdomain.com"]);
        assert_eq!(c.server.effective_log_level(), "warn");
    }
    assert_eq!(c.budget.period.utc_offset_minutes(), 120);
    assert!(c.api_key_configured());
    assert_eq!(format!("{:?}", c.provider.openai_api_key), "Some(Secret([redacted]))");
    assert!(!format!("{c:?}").contains("sk-test"));
    let c = Config::from_vars([
        ("DATABASE_URL", "postgresql://app:hunter2@db:5432/x"),
        ("REDIS_URL", "redis://:s3cret@cache:6379"),
        ("WEBHOOK_CONTENT_GENERATED_URL", "https://hooks.example.com/x?token=abc123"),
    ])
    .unwrap();
    let shown = format!("{c:?}");
    for secret in ["hunter2", "s3cret", "abc123"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("postgresql://app:[redacted]@db:5432/x"), "{shown}");
}

#[test]
fn bad_values_name_the_variable() {
    #[cfg_attr(not(any(feature = "server", feature = "webhooks")), allow(unused_mut))]
    let mut cases = vec![
        ("MONTHLY_AI_BUDGET", "lots"),
        ("MONTHLY_AI_BUDGET", "-5"),
        ("CACHE_ENABLED", "maybe"),
        ("DATABASE_URL", "mysql://x"),
        ("SPLANTS_PROVIDER", "gemini"),
        ("SPLANTS_BUDGET_PERIOD", "fortnight"),
        ("SPLANTS_BUDGET_RESET_DAY", "31"),
        ("SPLANTS_BUDGET_ALERTS", "50,150"),
        ("SPLANTS_BUDGET_DEGRADE", "sometimes"),
        ("SPLANTS_RATE_FREE_PER_HOUR", "0"),
        ("SPLANTS_DEFAULT_TIER", "gold"),
        ("SPLANTS_DB_MAX_CONNECTIONS", "0"),
        ("SPLANTS_DB_MAX_CONNECTIONS", "many"),
        ("SPLANTS_DB_MIN_CONNECTIONS", "50"),
        ("SPLANTS_DB_ACQUIRE_TIMEOUT_SECS", "0"),
        ("SPLANTS_DB_STATEMENT_TIMEOUT_SECS", "1m"),
        ("SPLANTS_DB_IDLE_TIMEOUT_SECS", "-1"),
        ("SPLANTS_BUDGET_UTC_OFFSET", "+20:00"),
        ("SPLANTS_PROVIDER_MAX_ATTEMPTS", "0"),
        ("SPLANTS_TEMPERATURE", "3"),
        ("SPLANTS_BUDGET_WAIT_SECS", "601"),
        ("SPLANTS_ON_CALLER_LEFT", "sometimes"),
        ("SPLANTS_FREELANCE_RATES", "blog"),
        ("REDIS_URL", "http://cache"),
    ];
    #[cfg(feature = "server")]
    cases.extend([
        ("PORT", "99999"),
        ("LOG_FORMAT", "xml"),
        ("LOG_LEVEL", "loud"),
        ("SPLANTS_BODY_LIMIT_BYTES", "10"),
        ("SPLANTS_REQUEST_TIMEOUT_SECS", "0"),
        ("SPLANTS_WORKER_THREADS", "0"),
    ]);
    #[cfg(feature = "webhooks")]
    cases.extend([("WEBHOOK_DAILY_REPORT_URL", "ftp://x"), ("SPLANTS_WEBHOOK_ALLOW_PRIVATE", "perhaps")]);
    for (name, value) in cases {
        let err = Config::from_vars([(name, value)]).unwrap_err();
        match &err {
            Error::Config { field, .. } => assert_eq!(field, name, "{value}: {err}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    let err = Config::from_vars([("OPENAI_BASE_URL", "ftp://user:pw@host")]).unwrap_err();
    assert!(!err.to_string().contains("pw@"), "{err}");
}

#[test]
fn defaults_and_placeholder() {
    let c = Config::from_vars(Vec::<(String, String)>::new()).unwrap();
    let pool = &c.storage.pool;
    assert_eq!(c.storage.url, "sqlite://splants.db");
    assert_eq!((pool.min_connections, pool.max_connections), (5, 20));
    assert_eq!(pool.acquire_timeout, Duration::from_secs(30));
    assert_eq!(pool.statement_timeout, Duration::from_secs(60));
    assert_eq!(pool.idle_timeout, Duration::from_secs(300));
    assert_eq!(c.budget.admission_wait, Duration::from_secs(15));
    let c = Config::from_vars([
        ("SPLANTS_DB_MIN_CONNECTIONS", "1"),
        ("SPLANTS_DB_MAX_CONNECTIONS", "4"),
        ("SPLANTS_DB_ACQUIRE_TIMEOUT_SECS", "2"),
        ("SPLANTS_DB_STATEMENT_TIMEOUT_SECS", "0"),
        ("SPLANTS_DB_IDLE_TIMEOUT_SECS", "30"),
    ])
    .unwrap();
    let pool = &c.storage.pool;
    assert_eq!((pool.min_connections, pool.max_connections), (1, 4));
    assert_eq!(pool.acquire_timeout, Duration::from_secs(2));
    assert_eq!((pool.statement_timeout, pool.idle_timeout), (Duration::ZERO, Duration::from_secs(30)));
    assert_eq!(c.batch.max, 10);
    assert!(!c.cache.enabled);
    assert!(!c.api_key_configured());
    let c =
        Config::from_vars([("API_KEY", PLACEHOLDER_API_KEY), ("DEBUG", "true"), ("MONTHLY_AI_BUDGET", "")]).unwrap();
    assert!(!c.api_key_configured());
    #[cfg(feature = "server")]
    assert_eq!(c.server.effective_log_level(), "debug");
    assert_eq!(c.budget.global_limit, Usd::from_dollars(100.0));
    assert_eq!("model:gpt-6-luna".parse::<DegradePolicy>().unwrap(), DegradePolicy::CheaperModel("gpt-6-luna".into()));
    assert_eq!("shrink:128".parse::<DegradePolicy>().unwrap(), DegradePolicy::ShrinkMaxTokens { min_tokens: 128 });
}

#[test]
fn options_apply_and_name_the_option() {
    let c = options(serde_json::json!({
        "provider": "compatible", "openai_base_url": "http://localhost:11434/v1", "model": "llama3.1",
        "prices": {"llama3.1": {"input": 0, "output": 0}}, "provider_timeout": 0.5, "monthly_budget": null,
        "rate_limits": {"gold": 1000}, "default_tier": "gold", "budget_period": "week", "budget_reset_day": 1
    }))
    .unwrap();
    assert_eq!(c.provider.kind, ProviderKind::Compatible);
    assert_eq!(c.budget.global_limit, None);
    assert_eq!(c.provider.timeout, Duration::from_millis(500));
    assert_eq!(c.rate_limits.default_tier, "gold");
    assert_eq!(c.rate_limits.tiers.len(), 4, "gold is added to the default tiers");
    assert!(c.provider.prices.unwrap().contains("llama3.1"));
    let field = |json: serde_json::Value| field_of(options(json));
    assert_eq!(field(serde_json::json!({"max_attempts": 0})), "max_attempts");
    assert_eq!(field(serde_json::json!({"provider": "gemini"})), "provider");
    assert_eq!(field(serde_json::json!({"budget_reset_day": 31})), "budget_reset_day");
    assert_eq!(field(serde_json::json!({"budget_utc_offset": "+20:00"})), "budget_utc_offset");
    assert_eq!(field(serde_json::json!({"budget_period": "fortnight"})), "budget_period");
    assert_eq!(field(serde_json::json!({"rate_limits": {"gold": 0}})), "rate_limits.gold");
    assert_eq!(field(serde_json::json!({"default_tier": "gold"})), "default_tier");
    assert_eq!(field(serde_json::json!({"database_url": "mysql://x"})), "database_url");
    assert_eq!(field(serde_json::json!({"degrade": "sometimes"})), "degrade");
    assert_eq!(field(serde_json::json!({"monthly_budget": -1})), "monthly_budget");
    assert_eq!(field(serde_json::json!({"cache_ttl": "x"})), "cache_ttl");
    assert_eq!(field(serde_json::json!({"colour": 1})), "colour");
    // `null` leaves a setting at its default (a binding passes unset keyword arguments so).
    let c = options(serde_json::json!({"max_attempts": null, "cache": null})).unwrap();
    assert_eq!((c.provider.max_attempts, c.cache.enabled), (3, false));
}

#[test]
fn the_same_bad_value_gets_the_same_reason_from_the_environment_and_from_options() {
    for (var, option, value) in [
        ("SPLANTS_PROVIDER_MAX_ATTEMPTS", "max_attempts", serde_json::json!(0)),
        ("SPLANTS_BUDGET_DEGRADE", "degrade", serde_json::json!("sometimes")),
        ("SPLANTS_DEFAULT_TIER", "default_tier", serde_json::json!("gold")),
        ("SPLANTS_BUDGET_RESET_DAY", "budget_reset_day", serde_json::json!(31)),
        ("DATABASE_URL", "database_url", serde_json::json!("mysql://x")),
    ] {
        let text = match &value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let reason = |r: Result<Config>| match r {
            Err(Error::Config { reason, .. }) => reason,
            other => panic!("{other:?}"),
        };
        let from_env = reason(Config::from_vars([(var, text.as_str())]));
        let mut map = serde_json::Map::new();
        map.insert(option.to_owned(), value);
        assert_eq!(from_env, reason(Config::from_options(map)), "{var}");
    }
}

#[test]
fn a_config_from_code_is_checked_by_the_same_validate() {
    let mut c = Config::default();
    c.provider.max_attempts = 0;
    assert_eq!(field_of(c.validate().map(|()| Config::default())), "provider.max_attempts");
    let mut c = Config::default();
    c.budget.alert_thresholds = vec![150];
    assert_eq!(field_of(c.validate().map(|()| Config::default())), "budget.alert_thresholds");
    Config::default().validate().unwrap();
    let c: Config =
        serde_json::from_value(serde_json::json!({"budget": {"global_limit": 5, "period": {"kind": "day"}}})).unwrap();
    assert_eq!(c.budget.global_limit, Usd::from_dollars(5.0));
    assert!(serde_json::from_value::<Config>(serde_json::json!({"budget": {"colour": 1}})).is_err());
}

#[test]
fn every_setting_has_a_unique_option_and_variable_and_a_real_path() {
    let mut options = std::collections::HashSet::new();
    let mut vars = std::collections::HashSet::new();
    for s in settings() {
        if let Some(o) = s.option {
            assert!(options.insert(o), "option {o} twice");
        }
        if let Some(v) = s.env {
            assert!(vars.insert(v), "variable {v} twice");
        }
        if s.ty == SettingType::Unused {
            continue;
        }
        // Every path must deserialize on its own: a typo in the table fails here.
        let mut nested = serde_json::Map::new();
        let sample = match s.ty {
            SettingType::Tiers => serde_json::json!({"gold": 5}),
            SettingType::Percentages => serde_json::json!([50]),
            SettingType::Words => serde_json::json!(["a"]),
            SettingType::Flag => serde_json::json!(true),
            SettingType::Seconds | SettingType::Number | SettingType::Dollars | SettingType::Whole => {
                serde_json::json!(1)
            }
            _ => serde_json::Value::Null,
        };
        insert(&mut nested, s.path, sample);
        let r: std::result::Result<Config, _> = serde_path_to_error::deserialize(serde_json::Value::Object(nested));
        if let Err(e) = r {
            assert!(!e.to_string().contains("unknown field"), "{}: {e}", s.path);
        }
    }
}

/// Every variable `docs/configuration.md` lists is read through the table, and every variable
/// of the table is documented there.
#[cfg(all(feature = "server", feature = "webhooks"))]
#[test]
fn the_documented_variables_are_the_table() {
    let docs = include_str!("../../../docs/configuration.md");
    let documented: std::collections::BTreeSet<&str> = docs
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|v| v.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
        .collect();
    let table: std::collections::BTreeSet<&str> = settings().iter().filter_map(|s| s.env).collect();
    let undocumented: Vec<_> = table.difference(&documented).collect();
    let unread: Vec<_> = documented.difference(&table).collect();
    assert!(undocumented.is_empty(), "in the table, not in docs/configuration.md: {undocumented:?}");
    assert!(unread.is_empty(), "in docs/configuration.md, not read through the table: {unread:?}");
}

/// The shared table of bad options that the Python and Node tests also run: the core gives
/// exactly the error each case names.
#[test]
fn the_shared_bad_options_get_the_errors_the_table_names() {
    let table: serde_json::Value =
        serde_json::from_str(include_str!("../../../bindings/shared/bad-options.json")).unwrap();
    let cases = table["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let option = case["option"].as_str().unwrap();
        let mut map = serde_json::Map::new();
        map.insert(option.to_owned(), case["value"].clone());
        match Config::from_options(map) {
            Err(Error::Config { field, reason }) => {
                assert_eq!(
                    (field.as_str(), reason.as_str()),
                    (case["field"].as_str().unwrap(), case["reason"].as_str().unwrap()),
                    "{case}"
                );
            }
            other => panic!("{option}: expected a config error, got {other:?}"),
        }
    }
}
