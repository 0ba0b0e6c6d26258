//! What was done to make a piece fit its platform's hard limits.

use serde::{Deserialize, Serialize};

/// How a hard-limit violation was repaired.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub enum RepairMethod {
    /// The provider rewrote the copy in a repair round (its cost is in the piece's cost).
    Provider,
    /// Cut deterministically (sentence end, word, dropped hashtags) as the last resort.
    Cut,
}

impl RepairMethod {
    /// `provider` or `cut`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RepairMethod::Provider => "provider",
            RepairMethod::Cut => "cut",
        }
    }
}

/// One hard limit the copy broke as first written, and how it was made to fit.
///
/// Limits and how each platform counts are in `docs/scores.md` ("Platform limits").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct RepairNote {
    /// Stable id of the limit, e.g. `x_thread_posts`, `bluesky_post_graphemes`,
    /// `instagram_hashtags`, `email_subject_chars`.
    pub limit: String,
    /// What broke it: `content`, `hashtags` or `subject_line`.
    pub field: String,
    /// The most the platform allows, in its own unit.
    pub max: usize,
    /// What the copy had before this repair.
    pub found: usize,
    /// What it has after.
    pub after: usize,
    /// Who repaired it.
    pub method: RepairMethod,
    /// What was done, in a sentence.
    pub message: String,
}
