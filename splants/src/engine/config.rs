//! The engine's own sections of [`crate::config::Config`]: generations whose caller left
//! ([`CallsConfig`]) and batches ([`BatchConfig`]).

use crate::error::{Error, Result};
use crate::setting;
use serde::{Deserialize, Deserializer};
use std::str::FromStr;
use std::time::Duration;

/// What happens to a generation whose caller goes away after the provider request was sent.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum CallerLeftPolicy {
    /// The call completes in the background: the piece is analysed and stored (marked
    /// `caller_left`) and the hold settled at the real cost. A sent request is billed whether or
    /// not anyone waits for the answer, so this keeps what was paid for.
    #[default]
    Complete,
    /// The call is aborted: nothing is stored, and the hold is settled at its worst-case
    /// estimate because the provider may still bill the request (the cost of this choice: up to
    /// the estimate per abandoned call, for a piece nobody can see).
    Abort,
}

impl FromStr for CallerLeftPolicy {
    type Err = Error;
    /// `complete` or `abort`.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "complete" | "" => Ok(CallerLeftPolicy::Complete),
            "abort" => Ok(CallerLeftPolicy::Abort),
            other => Err(Error::config("calls.on_caller_left", format!("`{other}` is not one of: complete, abort"))),
        }
    }
}

impl<'de> Deserialize<'de> for CallerLeftPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(|e| serde::de::Error::custom(crate::provider::reason_of(e)))
    }
}

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
