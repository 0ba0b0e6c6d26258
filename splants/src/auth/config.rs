//! The auth section of [`crate::config::Config`]: the bootstrap admin key.

use crate::secret::Secret;
use crate::setting;
use serde::Deserialize;

/// The original app's placeholder API key; a server configured with it counts as unconfigured.
pub const PLACEHOLDER_API_KEY: &str = "change-this-to-a-secure-password-123";

/// API keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// `API_KEY`: the bootstrap admin key of the server (the original app's one key).
    #[serde(deserialize_with = "setting::secret")]
    pub api_key: Option<Secret>,
}

impl AuthConfig {
    /// Whether a real (non-placeholder) `API_KEY` is configured.
    pub fn api_key_configured(&self) -> bool {
        self.api_key.as_ref().is_some_and(|k| k.expose() != PLACEHOLDER_API_KEY)
    }
}
