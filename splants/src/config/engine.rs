//! The engine's own sections of [`crate::config::Config`] (defined here because the engine
//! imports `config`): generations whose caller left
//! ([`CallsConfig`]) and batches ([`BatchConfig`]).

use crate::auth::CallerLeftPolicy;
use crate::error::Result;
use crate::setting;
use serde::Deserialize;
use std::time::Duration;

/// Generations that outlive their caller, and how long shutdown waits for them.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallsConfig {
    /// `SPLANTS_ON_CALLER_LEFT` (complete): what a generation does when its caller goes away
    /// after the provider request was sent.
    pub on_caller_left: CallerLeftPolicy,
    /// `SPLANTS_SHUTDOWN_GRACE_SECS` (30, 0..=3600): how long
    /// [`crate::ContentEngine::shutdown`] (and the server, once it stops taking requests) waits
    /// for generations completing in the background.
    #[serde(deserialize_with = "setting::seconds")]
    pub shutdown_grace: Duration,
}

impl Default for CallsConfig {
    fn default() -> Self {
        CallsConfig { on_caller_left: CallerLeftPolicy::Complete, shutdown_grace: Duration::from_secs(30) }
    }
}

impl CallsConfig {
    /// Checks every setting; the error names it (`calls.shutdown_grace`).
    pub fn validate(&self) -> Result<()> {
        setting::check_seconds("calls.shutdown_grace", self.shutdown_grace, 0.0, 3600.0)
    }
}

/// Batches: how many briefs one may hold and how many are generated at once.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BatchConfig {
    /// `SPLANTS_BATCH_MAX` (10, as the original; 1..=1000): requests per batch.
    pub max: usize,
    /// `SPLANTS_BATCH_CONCURRENCY` (4; 1..=256): items of a batch generated at once.
    pub concurrency: usize,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig { max: 10, concurrency: 4 }
    }
}

impl BatchConfig {
    /// Checks every setting; the error names it (`batch.max`).
    pub fn validate(&self) -> Result<()> {
        setting::check_range("batch.max", self.max, 1, 1000)?;
        setting::check_range("batch.concurrency", self.concurrency, 1, 256)
    }
}
