//! The webhooks section of [`crate::config::Config`].

use crate::error::{Result, redact};
use crate::secret::Secret;
use crate::setting;
use serde::Deserialize;
use std::fmt;

/// Where engine events are posted, and how they are signed.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    /// `WEBHOOK_CONTENT_GENERATED_URL`: receives `content.generated`.
    #[serde(deserialize_with = "setting::text")]
    pub content_generated_url: Option<String>,
    /// `WEBHOOK_CONTENT_PUBLISHED_URL`: receives `content.published`.
    #[serde(deserialize_with = "setting::text")]
    pub content_published_url: Option<String>,
    /// `WEBHOOK_DAILY_REPORT_URL`: receives `daily.report`.
    #[serde(deserialize_with = "setting::text")]
    pub daily_report_url: Option<String>,
    /// `SPLANTS_WEBHOOK_SECRET`: HMAC key of the signatures.
    #[serde(deserialize_with = "setting::secret")]
    pub secret: Option<Secret>,
    /// `SPLANTS_WEBHOOK_ALLOW_PRIVATE` (false): allow URLs on loopback or private networks (off
    /// by default as an SSRF guard).
    pub allow_private: bool,
}

impl WebhookConfig {
    /// Checks the URLs' schemes; the error names the setting (`webhooks.daily_report_url`).
    /// Where they point is checked when the dispatcher starts (the SSRF guard resolves them).
    pub fn validate(&self) -> Result<()> {
        let web = ["http", "https"];
        setting::check_url("webhooks.content_generated_url", self.content_generated_url.as_deref(), &web)?;
        setting::check_url("webhooks.content_published_url", self.content_published_url.as_deref(), &web)?;
        setting::check_url("webhooks.daily_report_url", self.daily_report_url.as_deref(), &web)
    }
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("content_generated_url", &self.content_generated_url.as_deref().map(redact))
            .field("content_published_url", &self.content_published_url.as_deref().map(redact))
            .field("daily_report_url", &self.daily_report_url.as_deref().map(redact))
            .field("secret", &self.secret)
            .field("allow_private", &self.allow_private)
            .finish()
    }
}
