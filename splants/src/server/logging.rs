//! Logging setup for servers: human lines by default, JSON lines with `LOG_FORMAT=json`.

use super::{LogFormat, ServerConfig};
use tracing_subscriber::EnvFilter;

/// Installs the global logger: level from `LOG_LEVEL` (or the filter of `RUST_LOG` when set),
/// format from `LOG_FORMAT`. Every line inside a request carries its `request_id` (the
/// request's span). Does nothing if a logger is already installed.
pub fn init_logging(config: &ServerConfig) {
    let level = || EnvFilter::new(format!("{},hyper=warn,reqwest=warn,sqlx=warn", config.effective_log_level()));
    let filter = match &config.log_filter {
        Some(f) => EnvFilter::try_new(f).unwrap_or_else(|_| level()),
        None => level(),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(true).flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
