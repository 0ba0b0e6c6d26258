//! Logging setup for servers: human lines by default, JSON lines with `LOG_FORMAT=json`.

use crate::config::{Config, LogFormat};
use tracing_subscriber::EnvFilter;

/// Installs the global logger: level from `LOG_LEVEL` (or `RUST_LOG` when set), format from
/// `LOG_FORMAT`. Every line inside a request carries its `request_id` (the request's span).
/// Does nothing if a logger is already installed.
pub fn init_logging(config: &Config) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{},hyper=warn,reqwest=warn,sqlx=warn", config.log_level)));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(true).flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
