//! What a provider call used, in tokens: part of every generated piece and usage record.

use serde::{Deserialize, Serialize};

/// Tokens a call used, normalised across providers.
///
/// `input_tokens` counts only the prompt tokens billed at the plain input rate: it excludes
/// cache reads and cache writes, which have their own fields (Anthropic reports it this way;
/// OpenAI's `prompt_tokens` is converted by subtracting its cached and cache-write subsets).
/// `output_tokens` includes reasoning/thinking tokens; `reasoning_tokens` is only a breakdown.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Usage {
    /// Prompt tokens billed at the input rate (not read from or written to a cache).
    pub input_tokens: u64,
    /// Output tokens, reasoning included.
    pub output_tokens: u64,
    /// Prompt tokens read from the provider's prompt cache.
    pub cached_tokens: u64,
    /// Prompt tokens written to the cache with the short retention (5 min / 30 min).
    #[serde(default)]
    pub cache_write_tokens: u64,
    /// Prompt tokens written to the cache with the long retention (1 h / 12 h).
    #[serde(default)]
    pub cache_write_long_tokens: u64,
    /// Reasoning or thinking tokens (already inside `output_tokens`).
    #[serde(default)]
    pub reasoning_tokens: u64,
    /// The provider reported no usage (some OpenAI-compatible servers when streaming), so these
    /// counts are splants' own: the prompt estimate plus the tokens of the text received, never
    /// zero. The cost is priced from them like any other usage.
    #[serde(default)]
    pub estimated: bool,
}

impl Usage {
    /// The whole prompt: plain input, cache reads and cache writes.
    pub fn prompt_tokens(&self) -> u64 {
        self.input_tokens + self.cached_tokens + self.cache_write_tokens + self.cache_write_long_tokens
    }

    /// Prompt plus output.
    pub fn total_tokens(&self) -> u64 {
        self.prompt_tokens() + self.output_tokens
    }
}
