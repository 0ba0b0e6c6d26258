//! The server section of [`crate::config::Config`] (feature `server`; defined here because the
//! server imports `config`).

use crate::error::{Error, Result};
use crate::setting;
use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// Log line format.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl<'de> Deserialize<'de> for LogFormat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.trim().to_ascii_lowercase().as_str() {
            "text" | "human" | "pretty" | "" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(serde::de::Error::custom(format!("`{other}` is not one of: text, json"))),
        }
    }
}

/// The HTTP server: where it listens, what it accepts, how it logs.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// `HOST` (127.0.0.1).
    pub host: String,
    /// `PORT` (8080).
    pub port: u16,
    /// `ALLOWED_ORIGINS` (http://localhost:3000), comma-separated; `*` allows any origin
    /// (without credentials).
    pub allowed_origins: Vec<String>,
    /// `SPLANTS_BODY_LIMIT_BYTES` (1 MiB; 1024..=67108864): largest request body accepted.
    pub body_limit_bytes: usize,
    /// `SPLANTS_REQUEST_TIMEOUT_SECS` (300, at least 1): longest a request may take.
    #[serde(deserialize_with = "setting::seconds")]
    pub request_timeout: Duration,
    /// `SPLANTS_WORKER_THREADS` (one per CPU; 1..=1024): the async runtime's worker threads.
    pub worker_threads: Option<usize>,
    /// `LOG_LEVEL` (info; debug when `DEBUG=true`): trace, debug, info, warn (`warning`) or
    /// error (`critical`).
    #[serde(deserialize_with = "log_level")]
    pub log_level: Option<String>,
    /// `RUST_LOG`: a full `tracing` filter (`splants=debug,hyper=info`); wins over `LOG_LEVEL`.
    #[serde(deserialize_with = "setting::text")]
    pub log_filter: Option<String>,
    /// `LOG_FORMAT` (text or json).
    pub log_format: LogFormat,
    /// `DEBUG` (false): the original app's debug switch (logs at debug level).
    pub debug: bool,
    /// `SPLANTS_DASHBOARD` (true): serve the web dashboard at `/` (off: `/` is the JSON 404).
    pub dashboard: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            host: "127.0.0.1".to_owned(),
            port: 8080,
            allowed_origins: vec!["http://localhost:3000".to_owned()],
            body_limit_bytes: 1 << 20,
            request_timeout: Duration::from_secs(300),
            worker_threads: None,
            log_level: None,
            log_filter: None,
            log_format: LogFormat::Text,
            debug: false,
            dashboard: true,
        }
    }
}

impl ServerConfig {
    /// Checks every setting; the error names it (`server.body_limit_bytes`).
    pub fn validate(&self) -> Result<()> {
        setting::check_range("server.body_limit_bytes", self.body_limit_bytes, 1024, 64 << 20)?;
        if self.request_timeout < Duration::from_secs(1) {
            return Err(Error::config("server.request_timeout", "must be at least 1 second"));
        }
        if let Some(n) = self.worker_threads {
            setting::check_range("server.worker_threads", n, 1, 1024)?;
        }
        if let Some(l) = &self.log_level {
            normal_level(l).map_err(|reason| Error::config("server.log_level", reason))?;
        }
        Ok(())
    }

    /// The log level: `LOG_LEVEL`, else debug with `DEBUG`, else info.
    pub fn effective_log_level(&self) -> &str {
        match &self.log_level {
            Some(l) => l,
            None if self.debug => "debug",
            None => "info",
        }
    }
}

/// `warning` → `warn`, `critical` → `error`; anything else must be a `tracing` level.
fn normal_level(l: &str) -> std::result::Result<String, String> {
    let l = l.trim().to_ascii_lowercase();
    let l = match l.as_str() {
        "warning" => "warn".to_owned(),
        "critical" => "error".to_owned(),
        _ => l,
    };
    if ["trace", "debug", "info", "warn", "error"].contains(&l.as_str()) {
        Ok(l)
    } else {
        Err(format!("`{l}` is not one of: trace, debug, info, warning, error"))
    }
}

fn log_level<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    match setting::text(d)? {
        None => Ok(None),
        Some(l) => normal_level(&l).map(Some).map_err(serde::de::Error::custom),
    }
}
