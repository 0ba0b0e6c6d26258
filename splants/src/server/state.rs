//! What every handler shares.

use super::metrics::Metrics;
use crate::config::Config;
use crate::engine::ContentEngine;
use std::sync::Arc;
use std::time::Instant;

/// Server settings, usually from [`Config`].
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// CORS origins (`ALLOWED_ORIGINS`); `*` allows any origin (without credentials).
    pub allowed_origins: Vec<String>,
    /// Largest request body in bytes.
    pub body_limit_bytes: usize,
    /// Longest a request may take.
    pub request_timeout: std::time::Duration,
}

impl ServerOptions {
    /// The server settings of a [`Config`].
    pub fn from_config(config: &Config) -> Self {
        ServerOptions {
            allowed_origins: config.allowed_origins.clone(),
            body_limit_bytes: config.body_limit_bytes,
            request_timeout: config.request_timeout,
        }
    }
}

/// Shared by every handler; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct AppState {
    pub engine: ContentEngine,
    pub metrics: Arc<Metrics>,
    pub options: Arc<ServerOptions>,
    pub started: Instant,
    pub provider_health: Arc<parking_lot::Mutex<Option<(Instant, super::routes::system::ComponentHealth)>>>,
}
