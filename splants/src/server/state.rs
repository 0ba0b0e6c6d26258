//! What every handler shares.

use super::ServerConfig;
use super::metrics::Metrics;
use crate::engine::ContentEngine;
use std::sync::Arc;

/// Shared by every handler; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct AppState {
    pub engine: ContentEngine,
    pub metrics: Arc<Metrics>,
    pub options: Arc<ServerConfig>,
}
