//! The finished piece and what the analysis found in it.

use super::Usage;
use super::assessment::Assessment;
use super::kinds::{ContentType, Platform};
use super::repair::RepairNote;
use super::request::ContentRequest;
use crate::money::Usd;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Readability figures of a text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Readability {
    /// Flesch reading ease (higher is easier; 60–70 is plain English).
    pub flesch_reading_ease: f64,
    /// Flesch–Kincaid grade level.
    pub flesch_kincaid_grade: f64,
    /// Number of sentences.
    pub sentences: usize,
    /// Average words per sentence.
    pub avg_words_per_sentence: f64,
    /// Average syllables per word.
    pub avg_syllables_per_word: f64,
}

/// What the analysis measured in a piece (the original app's `ContentMetadata`, extended).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct ContentMetadata {
    /// Words in the copy.
    pub word_count: usize,
    /// Characters in the copy.
    pub char_count: usize,
    /// Reading time in whole minutes (at least 1).
    pub reading_time: u32,
    /// The platform the copy was fitted to.
    pub platform_optimized: String,
    /// Whether the copy (or each thread post) fits the platform's limits.
    pub fits_platform: bool,
    /// Hashtags for the piece (with `#`).
    pub hashtags: Vec<String>,
    /// Brief keywords found in the copy.
    pub keywords_used: Vec<String>,
    /// Brief keywords not found in the copy.
    pub keywords_missing: Vec<String>,
    /// Share of words that belong to keyword occurrences, in percent.
    pub keyword_density: f64,
    /// Readability figures.
    pub readability: Readability,
    /// The first heading or title line, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The email subject line, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_line: Option<String>,
    /// A suggested meta description (about 155 characters) for web copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta_description: Option<String>,
    /// Whether a call to action was found.
    pub has_call_to_action: bool,
    /// The copy split into numbered posts, for platforms that need a thread.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thread: Vec<String>,
    /// The score of each assessment in the quality score (id → 0..=1), see [`crate::analysis`].
    pub quality_breakdown: BTreeMap<String, f64>,
    /// The score of each assessment in the SEO score (id → 0..=1), see [`crate::analysis`].
    pub seo_breakdown: BTreeMap<String, f64>,
    /// Every assessment of the piece (id, score, traffic light, message), quality checks first.
    /// Empty for pieces stored before assessments existed.
    #[serde(default)]
    pub assessments: Vec<Assessment>,
    /// The hard limits of the platform the copy broke as the provider first wrote it, and how
    /// each was repaired (empty when it fitted).
    #[serde(default)]
    pub repairs: Vec<RepairNote>,
    /// A note for the reader, e.g. that the offline drafter (not AI) wrote the piece.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

/// The template a piece was generated from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct TemplateRef {
    /// Template name.
    pub name: String,
    /// Template version.
    pub version: String,
}

/// A finished, scored piece of copy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct GeneratedContent {
    /// Stable id (UUID v7, time-ordered).
    pub id: String,
    /// The copy.
    pub content: String,
    /// The content type asked for.
    pub content_type: ContentType,
    /// The platform it was fitted to.
    pub platform: Platform,
    /// The brief's topic.
    pub topic: String,
    /// Composite quality score in 0..=1 (formula in [`crate::analysis`]).
    pub quality_score: f64,
    /// Composite SEO score in 0..=1 (formula in [`crate::analysis`]).
    pub seo_score: f64,
    /// What the analysis measured.
    pub metadata: ContentMetadata,
    /// What the provider call cost, in dollars (0 for cache hits and the offline drafter).
    pub cost_usd: Usd,
    /// Tokens used by the provider call.
    pub usage: Usage,
    /// Provider that wrote it (`openai`, `anthropic`, `compatible`, `offline`).
    pub provider: String,
    /// Model that wrote it, as the provider reported it.
    pub model: String,
    /// Whether this answer came from the cache.
    pub cached: bool,
    /// Whether the piece is in the library. A paid piece whose store failed (after retries) is
    /// still returned, with `false` here, rather than lost behind an error.
    #[serde(default = "stored_default")]
    pub stored: bool,
    /// Whether the provider call completed after its caller had gone away: the piece was stored
    /// in the background and nobody received it in a response. Find such pieces in the library
    /// with [`ContentQuery::caller_left`](crate::storage::ContentQuery::caller_left).
    #[serde(default)]
    pub caller_left: bool,
    /// When it was generated.
    pub created_at: DateTime<Utc>,
    /// The brief it answers.
    pub request: ContentRequest,
    /// The API key id or tenant it belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The template it came from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateRef>,
}

fn stored_default() -> bool {
    true
}
