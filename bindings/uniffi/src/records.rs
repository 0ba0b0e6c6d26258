//! The shapes Kotlin and Swift see: uniffi records and enums that mirror the core's types.
//!
//! The core owns every shape and every check. A record here is a typed view of one core type
//! with the same field names, converted through the core's own serde form: results with
//! [`from_core`] (core → JSON → record, `deny_unknown_fields`, so a field the core adds and this
//! view forgets fails the conversion, and the tests, instead of being silently dropped);
//! arguments with [`to_core`] (record → JSON → the core's parser, whose errors name the field).
//! `tests/shapes.rs` checks every record against `bindings/shared/shapes.json`.
//!
//! Times are RFC 3339 text (`2026-12-06T10:00:00Z`), as in the HTTP API and the other bindings;
//! money is dollars as `Double`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A core result as its view here.
pub(crate) fn from_core<C: Serialize, M: DeserializeOwned>(value: &C) -> splants::Result<M> {
    let json = serde_json::to_value(value).map_err(|e| splants::Error::internal(format!("encoding a result: {e}")))?;
    serde_json::from_value(json)
        .map_err(|e| splants::Error::internal(format!("a result the binding does not know: {e}")))
}

/// An argument record as the core's type, checked by the core's parser (errors name `field`).
pub(crate) fn to_core<M: Serialize, C: DeserializeOwned>(value: &M, field: &str) -> splants::Result<C> {
    let json = serde_json::to_value(value).map_err(|e| splants::Error::validation(field, e.to_string()))?;
    splants::shapes::from_value_in(json, field)
}

/// Declares a fieldless enum whose variants are the core's snake_case words.
macro_rules! words {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
        #[serde(rename_all = "snake_case")]
        #[allow(missing_docs)] // each variant is the core's word of the same name, in snake_case
        pub enum $name { $($(#[$vmeta])* $variant),+ }
    };
}

words!(
    /// What to write.
    ContentType { Blog, SocialMedia, Email, AdCopy, ProductDescription, LandingPage, PressRelease, VideoScript }
);
words!(
    /// The voice of the copy.
    Tone { Professional, Casual, Exciting, Friendly, Authoritative, Humorous, Persuasive, Informative, Inspirational }
);
words!(
    /// Where the copy will appear (sets length limits and the shape of the post).
    Platform { Twitter, Linkedin, Facebook, Instagram, Tiktok, Bluesky, Threads, Mastodon, Blog, Email, Generic }
);
words!(
    /// The traffic light of an assessment.
    Light { Green, Orange, Red }
);
words!(
    /// Who repaired a hard-limit violation: the provider in a repair round, or a cut.
    RepairMethod { Provider, Cut }
);
words!(
    /// Whether one batch item succeeded.
    BatchStatus { Success, Error }
);
words!(
    /// An engagement event's kind.
    EventName { Impression, Click, Share, Like, Comment, Conversion }
);
words!(
    /// The window of an ROI report.
    RoiPeriod { Week, Month, Quarter, Year }
);
words!(
    /// The type a template variable takes.
    VariableKind { String, Integer, Number, Boolean, List, Date }
);
words!(
    /// What an API key may do.
    KeyRole { Admin, User }
);
words!(
    /// An API key's state.
    KeyStatus { Active, Expiring, Revoked }
);
words!(
    /// One component's health.
    ComponentStatus { Healthy, Unhealthy, Disabled }
);
words!(
    /// The kind of a publishing account.
    PublisherKind { X, Linkedin, Mastodon, Bluesky, Facebook, Webhook }
);
words!(
    /// Where a scheduled post stands.
    PostStatus { Scheduled, Publishing, Published, Failed, Unknown, Cancelled }
);

/// A brief: what to write, for whom, where. Only `content_type` and `topic` are required; the
/// rest take the core's defaults when left `null`.
#[derive(Clone, Debug, Serialize, uniffi::Record)]
pub struct ContentRequest {
    /// What to write.
    pub content_type: ContentType,
    /// The subject (1 to 500 characters).
    pub topic: String,
    /// Keywords to work in (the first is the focus keyword).
    #[uniffi(default)]
    pub keywords: Vec<String>,
    /// The voice (`professional` when left out).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tone: Option<Tone>,
    /// Who it is for.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_audience: Option<String>,
    /// Where it will appear.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// Target length in words.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// Whether to optimise for search (`true` when left out).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seo_optimize: Option<bool>,
    /// Whether to add hashtags (the platform decides when left out).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_hashtags: Option<bool>,
    /// The language to write in (`en` when left out).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// What the reader should do.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_to_action: Option<String>,
}

/// The brief a stored piece answers, with the defaults filled in.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct StoredRequest {
    /// What was asked for.
    pub content_type: ContentType,
    /// The subject.
    pub topic: String,
    /// The keywords.
    pub keywords: Vec<String>,
    /// The voice.
    pub tone: Tone,
    /// Who it is for.
    #[serde(default)]
    pub target_audience: Option<String>,
    /// Where it will appear.
    #[serde(default)]
    pub platform: Option<Platform>,
    /// Target length in words.
    #[serde(default)]
    pub length: Option<u32>,
    /// Whether search optimisation was asked for.
    pub seo_optimize: bool,
    /// Whether hashtags were asked for.
    #[serde(default)]
    pub include_hashtags: Option<bool>,
    /// The language.
    #[serde(default)]
    pub language: Option<String>,
    /// What the reader should do.
    #[serde(default)]
    pub call_to_action: Option<String>,
}

/// A caller's rate-limit quota: `limit` requests per `period_seconds` (at most a day).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Quota {
    /// Requests allowed per period (a whole number >= 1).
    pub limit: f64,
    /// The period, in seconds.
    pub period_seconds: f64,
}

/// Who is calling: an API key (turns on its rate limit, budget and owner scoping) and a tenant.
/// Leave it out (or pass `RequestContext()`) for the embedding application itself.
#[derive(Clone, Debug, Default, PartialEq, uniffi::Record)]
pub struct RequestContext {
    /// The API key's id (never the secret).
    #[uniffi(default = None)]
    pub key_id: Option<String>,
    /// The key's rate-limit tier.
    #[uniffi(default = None)]
    pub tier: Option<String>,
    /// The key's own quota, replacing its tier's.
    #[uniffi(default = None)]
    pub quota: Option<Quota>,
    /// Another way to write `quota = Quota(n, 3600)`.
    #[uniffi(default = None)]
    pub rate_limit_per_hour: Option<f64>,
    /// The key's budget per period, in dollars.
    #[uniffi(default = None)]
    pub key_budget: Option<f64>,
    /// The tenant: owns what it generates, has its own budget scope.
    #[uniffi(default = None)]
    pub tenant: Option<String>,
    /// The tenant's budget per period, in dollars.
    #[uniffi(default = None)]
    pub tenant_budget: Option<f64>,
    /// Correlation id for logs.
    #[uniffi(default = None)]
    pub request_id: Option<String>,
}

impl RequestContext {
    /// The core's caller shape (every field named, so a field the core adds breaks the build).
    pub(crate) fn to_core(&self) -> splants::shapes::CallerContext {
        splants::shapes::CallerContext {
            key_id: self.key_id.clone(),
            tier: self.tier.clone(),
            quota: self.quota.as_ref().map(|q| (q.limit, q.period_seconds)),
            rate_limit_per_hour: self.rate_limit_per_hour,
            key_budget: self.key_budget,
            tenant: self.tenant.clone(),
            tenant_budget: self.tenant_budget,
            request_id: self.request_id.clone(),
        }
    }

    /// The view of the core's caller shape.
    pub(crate) fn from_core(c: splants::shapes::CallerContext) -> Self {
        RequestContext {
            key_id: c.key_id,
            tier: c.tier,
            quota: c.quota.map(|(limit, period_seconds)| Quota { limit, period_seconds }),
            rate_limit_per_hour: c.rate_limit_per_hour,
            key_budget: c.key_budget,
            tenant: c.tenant,
            tenant_budget: c.tenant_budget,
            request_id: c.request_id,
        }
    }
}

/// A finished piece: the copy, its scores and what it cost.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct GeneratedContent {
    /// Stable id (UUID v7).
    pub id: String,
    /// The copy.
    pub content: String,
    /// The content type asked for.
    pub content_type: ContentType,
    /// The platform it was fitted to.
    pub platform: Platform,
    /// The brief's topic.
    pub topic: String,
    /// Composite quality score in 0..=1.
    pub quality_score: f64,
    /// Composite SEO score in 0..=1.
    pub seo_score: f64,
    /// What the analysis measured.
    pub metadata: ContentMetadata,
    /// What the provider call cost, in dollars.
    pub cost_usd: f64,
    /// Tokens used.
    pub usage: Usage,
    /// Provider that wrote it.
    pub provider: String,
    /// Model that wrote it.
    pub model: String,
    /// Whether it came from the cache.
    pub cached: bool,
    /// Whether it is in the library.
    pub stored: bool,
    /// Whether the call completed after its caller had gone away.
    pub caller_left: bool,
    /// When it was generated (RFC 3339).
    pub created_at: String,
    /// The brief it answers.
    pub request: StoredRequest,
    /// The key or tenant it belongs to.
    #[serde(default)]
    pub owner: Option<String>,
    /// The template it was generated from.
    #[serde(default)]
    pub template: Option<TemplateRef>,
}

/// What the analysis measured.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct ContentMetadata {
    /// Words.
    pub word_count: u64,
    /// Characters.
    pub char_count: u64,
    /// Minutes to read.
    pub reading_time: u64,
    /// The platform it was fitted to.
    pub platform_optimized: String,
    /// Whether it fits the platform's limits.
    pub fits_platform: bool,
    /// Hashtags.
    pub hashtags: Vec<String>,
    /// Keywords found in the copy.
    pub keywords_used: Vec<String>,
    /// Keywords missing from the copy.
    pub keywords_missing: Vec<String>,
    /// Share of words that are keywords, in percent.
    pub keyword_density: f64,
    /// Readability figures.
    pub readability: Readability,
    /// A title, when the type has one.
    #[serde(default)]
    pub title: Option<String>,
    /// An email subject line.
    #[serde(default)]
    pub subject_line: Option<String>,
    /// A meta description.
    #[serde(default)]
    pub meta_description: Option<String>,
    /// Whether the call to action is in the copy.
    pub has_call_to_action: bool,
    /// A thread's posts, in order.
    #[serde(default)]
    pub thread: Vec<String>,
    /// The parts of the quality score.
    pub quality_breakdown: HashMap<String, f64>,
    /// The parts of the SEO score.
    pub seo_breakdown: HashMap<String, f64>,
    /// Every assessment of the piece (empty for pieces stored before assessments existed).
    #[serde(default)]
    pub assessments: Vec<Assessment>,
    /// The platform's hard limits the copy broke as first written, and how each was repaired.
    #[serde(default)]
    pub repairs: Vec<RepairNote>,
    /// A notice for the reader (e.g. the offline drafter is not AI).
    #[serde(default)]
    pub notice: Option<String>,
}

/// One check of a piece on a traffic-light scale.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    /// Stable id, e.g. `sentence_length`.
    pub id: String,
    /// Yoast's points over 9, in 0..=1 (0: a detected failure).
    pub score: f64,
    /// The traffic light.
    pub light: Light,
    /// What was found and what to do.
    pub message: String,
}

/// One hard limit the copy broke as first written, and how it was made to fit.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct RepairNote {
    /// Stable id of the limit, e.g. `x_thread_posts`, `bluesky_post_graphemes`.
    pub limit: String,
    /// What broke it: `content`, `hashtags` or `subject_line`.
    pub field: String,
    /// The most the platform allows, in its own unit.
    pub max: u64,
    /// What the copy had before this repair.
    pub found: u64,
    /// What it has after.
    pub after: u64,
    /// Who repaired it.
    pub method: RepairMethod,
    /// What was done, in a sentence.
    pub message: String,
}

/// Readability figures.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct Readability {
    /// Flesch reading ease.
    pub flesch_reading_ease: f64,
    /// Flesch-Kincaid grade.
    pub flesch_kincaid_grade: f64,
    /// Sentences.
    pub sentences: u64,
    /// Average words per sentence.
    pub avg_words_per_sentence: f64,
    /// Average syllables per word.
    pub avg_syllables_per_word: f64,
}

/// Tokens a provider call used.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct Usage {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// Prompt tokens read from the provider's cache.
    pub cached_tokens: u64,
    /// Prompt tokens written to the cache.
    pub cache_write_tokens: u64,
    /// Prompt tokens written to the long-lived cache.
    pub cache_write_long_tokens: u64,
    /// Reasoning tokens (within the output).
    pub reasoning_tokens: u64,
    /// Whether the counts were estimated (the server sent none).
    pub estimated: bool,
}

/// The template a piece came from.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct TemplateRef {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The worst-case cost of a brief.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    /// Dollars a generation would reserve.
    pub estimate: f64,
    /// The output token cap.
    pub max_tokens: u64,
    /// Each model that may be called.
    pub targets: Vec<QuoteTarget>,
    /// Whether it costs nothing (the offline drafter).
    pub free: bool,
}

/// One model a quote counts.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct QuoteTarget {
    /// The provider.
    pub provider: String,
    /// The model.
    pub model: String,
    /// Estimated prompt tokens.
    pub input_tokens: u64,
    /// Its worst case, in dollars.
    pub worst_case: f64,
}

/// A batch's results, in the order of the requests.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct BatchResult {
    /// The batch's id.
    pub batch_id: String,
    /// Items.
    pub total: u64,
    /// Items that succeeded.
    pub successful: u64,
    /// Items that failed.
    pub failed: u64,
    /// Each item.
    pub results: Vec<BatchItem>,
}

/// One batch item.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct BatchItem {
    /// Its position in the request.
    pub index: u64,
    /// Whether it succeeded.
    pub status: BatchStatus,
    /// The piece, on success.
    #[serde(default)]
    pub data: Option<GeneratedContent>,
    /// The error, on failure.
    #[serde(default)]
    pub error: Option<BatchError>,
}

/// Why one batch item failed.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct BatchError {
    /// The message.
    pub error: String,
    /// The error's type name.
    #[serde(rename = "type")]
    pub error_type: String,
    /// The stable code (`budget_exceeded`).
    pub code: String,
    /// Details, as JSON text.
    #[serde(with = "json_text")]
    pub details: String,
}

/// A library query; every filter is optional.
#[derive(Clone, Debug, Default, Serialize, uniffi::Record)]
pub struct ContentQuery {
    /// Only this owner's pieces (a key id or tenant).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Only this content type.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<ContentType>,
    /// Only this platform.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// Created at or after (RFC 3339).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Created before (RFC 3339).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Text in the copy or topic.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Quality at least this.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_quality: Option<f64>,
    /// Only pieces whose caller left (or only the others).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller_left: Option<bool>,
    /// Page size (1 to 100).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `next_cursor`.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A page of the library, newest first.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct ContentPage {
    /// The pieces.
    pub items: Vec<GeneratedContent>,
    /// Pass it back as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// An engagement event to record.
#[derive(Clone, Debug, Serialize, uniffi::Record)]
pub struct NewEvent {
    /// Its kind.
    pub event_name: EventName,
    /// The piece it is about.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_id: Option<String>,
    /// Where it happened.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// How many (1 when left out).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Revenue, in dollars (conversions).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// When (RFC 3339; now when left out).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<String>,
}

/// A report's window (the last 30 days when left out) and, for engagement, a platform.
#[derive(Clone, Debug, Default, Serialize, uniffi::Record)]
pub struct ReportRange {
    /// From (inclusive, RFC 3339).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Until (exclusive, RFC 3339).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Only this platform (the engagement report only).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
}

/// What was generated and spent.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct Overview {
    /// Pieces.
    pub total_content: u64,
    /// Dollars spent.
    pub total_cost: f64,
    /// Average quality.
    pub avg_quality: f64,
    /// Pieces per platform, most first.
    pub top_platforms: Vec<PlatformCount>,
    /// Pieces and cost per content type.
    pub by_content_type: Vec<TypeStat>,
    /// Pieces and cost per day.
    pub cost_per_day: Vec<DayStat>,
    /// Provider calls.
    pub ai_usage: UsageTotals,
    /// From (RFC 3339).
    pub since: String,
    /// Until (RFC 3339).
    pub until: String,
}

/// Pieces on one platform.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct PlatformCount {
    /// The platform.
    pub platform: Platform,
    /// Pieces.
    pub count: u64,
}

/// Pieces and cost of one content type.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct TypeStat {
    /// The type (`null` for pieces of a type this version does not know).
    pub content_type: Option<ContentType>,
    /// Pieces.
    pub count: u64,
    /// Dollars.
    pub cost: f64,
}

/// Pieces and cost of one day.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct DayStat {
    /// The day (`2026-12-06`).
    pub date: String,
    /// Pieces.
    pub count: u64,
    /// Dollars.
    pub cost: f64,
}

/// Provider calls in a window.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct UsageTotals {
    /// Calls.
    pub calls: u64,
    /// Failed calls.
    pub failed_calls: u64,
    /// Dollars.
    pub cost: f64,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
    /// Cached prompt tokens.
    pub cached_tokens: u64,
}

/// Engagement by platform, content type and posting hour.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct EngagementReport {
    /// All events.
    pub totals: EngagementCounts,
    /// Interactions per impression.
    pub engagement_rate: f64,
    /// Per platform.
    pub by_platform: Vec<PlatformEngagement>,
    /// Content types, best first.
    pub best_content_types: Vec<TypeRank>,
    /// Posting hours (UTC), best first.
    pub best_posting_hours: Vec<HourRank>,
    /// From (RFC 3339).
    pub since: String,
    /// Until (RFC 3339).
    pub until: String,
}

/// Declares an engagement line: its key fields, then the counts every line has.
macro_rules! engagement_line {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty),* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            /// Impressions.
            pub impressions: u64,
            /// Clicks.
            pub clicks: u64,
            /// Shares.
            pub shares: u64,
            /// Likes.
            pub likes: u64,
            /// Comments.
            pub comments: u64,
            /// Conversions.
            pub conversions: u64,
            /// Revenue, in dollars.
            pub revenue: f64,
        }
    };
}

engagement_line!(
    /// Event counts.
    EngagementCounts {}
);
engagement_line!(
    /// Engagement on one platform.
    PlatformEngagement {
        /// The platform.
        platform: Platform,
        /// Interactions per impression.
        engagement_rate: f64
    }
);
engagement_line!(
    /// Engagement of one content type.
    TypeRank {
        /// The type.
        content_type: ContentType,
        /// Interactions per impression.
        engagement_rate: f64
    }
);
engagement_line!(
    /// Engagement of posts at one hour (UTC).
    HourRank {
        /// The hour, 0 to 23.
        hour: u32,
        /// Interactions per impression.
        engagement_rate: f64
    }
);

/// AI cost against freelance rates.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct RoiReport {
    /// The window.
    pub time_period: RoiPeriod,
    /// Pieces.
    pub pieces: u64,
    /// Dollars spent on AI.
    pub ai_cost: f64,
    /// What freelancers would have cost.
    pub freelance_cost: f64,
    /// The difference.
    pub savings: f64,
    /// Savings per AI dollar (`null` when nothing was spent).
    pub roi: Option<f64>,
    /// AI dollars per piece.
    pub cost_per_piece: Option<f64>,
    /// Writing hours saved.
    pub hours_saved: f64,
    /// Revenue from conversion events.
    pub attributed_revenue: f64,
    /// Per content type.
    pub by_content_type: Vec<RoiTypeLine>,
    /// From (RFC 3339).
    pub since: String,
    /// Until (RFC 3339).
    pub until: String,
}

/// ROI of one content type.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct RoiTypeLine {
    /// The type.
    pub content_type: ContentType,
    /// Pieces.
    pub pieces: u64,
    /// AI dollars.
    pub ai_cost: f64,
    /// Freelance dollars.
    pub freelance_cost: f64,
    /// Hours saved.
    pub hours_saved: f64,
}

/// One budget scope in the current period.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct BudgetStatus {
    /// `global`, `key:…` or `tenant:…`.
    pub scope: String,
    /// The limit in dollars (`null`: none).
    pub limit: Option<f64>,
    /// Settled spend.
    pub spent: f64,
    /// Held for calls in flight.
    pub reserved: f64,
    /// What is left.
    pub remaining: Option<f64>,
    /// Calls in flight.
    pub in_flight: u64,
    /// Spend past the limit (calls that cost more than their reservation).
    pub overshoot: f64,
    /// How many calls overshot.
    pub overshoot_count: u64,
    /// Percent of the limit used.
    pub percent_used: Option<f64>,
    /// The period's start (RFC 3339).
    pub period_start: String,
    /// The period's end (RFC 3339).
    pub period_end: String,
    /// Days left in the period.
    pub remaining_days: f64,
}

/// A template variable's value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, uniffi::Enum)]
#[serde(untagged)]
pub enum TemplateValue {
    /// `true` / `false`.
    Flag(bool),
    /// A whole number.
    Integer(i64),
    /// A number.
    Number(f64),
    /// Text (dates too, as `2026-03-01`).
    Text(String),
    /// A list of words (`list` variables).
    TextList(Vec<String>),
}

/// A registered template.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// What it is for.
    pub description: String,
    /// The type it writes.
    pub content_type: ContentType,
    /// The voice it uses unless overridden.
    pub default_tone: Tone,
    /// The length it uses unless overridden.
    #[serde(default)]
    pub default_length: Option<u32>,
    /// The platform it uses unless overridden.
    #[serde(default)]
    pub default_platform: Option<Platform>,
    /// Its variables.
    pub variables: Vec<TemplateVariable>,
    /// Its keywords.
    pub keywords: Vec<String>,
    /// Its topic (may use variables).
    pub topic: String,
    /// Its prompt (minijinja).
    pub prompt: String,
}

/// A template's variable.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct TemplateVariable {
    /// Its name.
    pub name: String,
    /// What it means.
    pub description: String,
    /// Its type.
    pub kind: VariableKind,
    /// Whether it must be given.
    pub required: bool,
    /// Its value when left out.
    #[serde(default, rename = "default")]
    pub default_value: Option<TemplateValue>,
}

/// A template to register.
#[derive(Clone, Debug, Serialize, uniffi::Record)]
pub struct TemplateInput {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// What it writes.
    pub content_type: ContentType,
    /// Its topic (may use variables).
    pub topic: String,
    /// Its prompt (minijinja).
    pub prompt: String,
    /// What it is for.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The voice it uses unless overridden.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_tone: Option<Tone>,
    /// The length it uses unless overridden.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_length: Option<u32>,
    /// The platform it uses unless overridden.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_platform: Option<Platform>,
    /// Its variables.
    #[uniffi(default)]
    pub variables: Vec<TemplateVariableInput>,
    /// Its keywords.
    #[uniffi(default)]
    pub keywords: Vec<String>,
}

/// A variable of a template to register.
#[derive(Clone, Debug, Serialize, uniffi::Record)]
pub struct TemplateVariableInput {
    /// Its name.
    pub name: String,
    /// What it means.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its type (`string` when left out).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<VariableKind>,
    /// Whether it must be given.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Its value when left out.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none", rename = "default")]
    pub default_value: Option<TemplateValue>,
}

/// What replaces a template's brief defaults.
#[derive(Clone, Debug, Default, Serialize, uniffi::Record)]
pub struct TemplateOverrides {
    /// The voice.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tone: Option<Tone>,
    /// The length in words.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// The platform.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// The keywords.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<String>>,
    /// Who it is for.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_audience: Option<String>,
    /// What the reader should do.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_to_action: Option<String>,
    /// The language.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Whether to add hashtags.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_hashtags: Option<bool>,
    /// Whether to optimise for search.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seo_optimize: Option<bool>,
}

/// An API key, never its secret.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyInfo {
    /// Its id.
    pub id: String,
    /// The identity its budget, quota and library belong to (kept across rotations).
    pub identity: String,
    /// Its name.
    pub name: String,
    /// The first characters of its secret.
    pub prefix: String,
    /// What it may do.
    pub role: KeyRole,
    /// Its rate-limit tier.
    pub tier: String,
    /// Its own quota per hour.
    pub rate_limit_per_hour: Option<u32>,
    /// Its budget per period, in dollars.
    pub budget: Option<f64>,
    /// Its tenant.
    pub tenant: Option<String>,
    /// Its state.
    pub status: KeyStatus,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it stops working.
    pub expires_at: Option<String>,
    /// When it was last used.
    pub last_used_at: Option<String>,
}

/// A key to create.
#[derive(Clone, Debug, Serialize, uniffi::Record)]
pub struct NewKey {
    /// Its name.
    pub name: String,
    /// What it may do (`user` when left out).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<KeyRole>,
    /// Its tier (the default tier when left out).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// Its own quota per hour.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_hour: Option<u32>,
    /// Its budget per period, in dollars.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<f64>,
    /// Its tenant.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// When it stops working (RFC 3339).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// A new key with its secret, shown this once.
#[derive(Clone, Debug, uniffi::Record)]
pub struct IssuedKey {
    /// The secret (the `X-API-Key` value); it cannot be recovered later.
    pub secret: String,
    /// The key.
    pub key: ApiKeyInfo,
}

// The core writes the secret beside the key's fields; the view keeps the key whole.
impl Serialize for IssuedKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut object = match serde_json::to_value(&self.key).map_err(serde::ser::Error::custom)? {
            serde_json::Value::Object(object) => object,
            _ => return Err(serde::ser::Error::custom("a key is an object")),
        };
        object.insert("secret".to_owned(), serde_json::Value::String(self.secret.clone()));
        object.serialize(s)
    }
}

impl<'de> Deserialize<'de> for IssuedKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut object = serde_json::Map::deserialize(d)?;
        let secret = match object.remove("secret") {
            Some(serde_json::Value::String(secret)) => secret,
            _ => return Err(serde::de::Error::missing_field("secret")),
        };
        let key = serde_json::from_value(serde_json::Value::Object(object)).map_err(serde::de::Error::custom)?;
        Ok(IssuedKey { secret, key })
    }
}

/// A rotation's result.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct RotatedKey {
    /// The new key and its secret.
    pub new_key: IssuedKey,
    /// Until when the old secret works (RFC 3339).
    pub old_key_expires: String,
    /// What happened, in words.
    pub message: String,
}

/// A key whose secret checked out, and the context to pass to the other methods.
#[derive(Clone, Debug, uniffi::Record)]
pub struct VerifiedKey {
    /// The key.
    pub key: ApiKeyInfo,
    /// Its caller context.
    pub context: RequestContext,
}

/// The health of the engine's parts.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct Health {
    /// `healthy` or `degraded`.
    pub status: String,
    /// When it was checked (RFC 3339).
    pub timestamp: String,
    /// Each component by name.
    pub components: HashMap<String, ComponentHealth>,
    /// The process.
    pub system: SystemHealth,
}

/// One component's health.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct ComponentHealth {
    /// Its state.
    pub status: ComponentStatus,
    /// How long the check took.
    pub latency_ms: f64,
    /// The kind of failure (never a path or address).
    #[serde(default)]
    pub error: Option<String>,
}

/// The process's figures.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct SystemHealth {
    /// Seconds since the engine started.
    pub uptime_s: f64,
    /// Resident memory, in bytes.
    #[serde(default)]
    pub rss_bytes: Option<u64>,
    /// Share of the machine's CPU time (all cores, 0–100) used since the previous check.
    #[serde(default)]
    pub cpu_percent: Option<f64>,
    /// Resident memory as a share of the machine's memory, 0–100.
    #[serde(default)]
    pub memory_percent: Option<f64>,
    /// How full the SQLite database's volume is, 0–100 (absent for Postgres and `memory://`).
    #[serde(default)]
    pub disk_percent: Option<f64>,
}

/// What a platform answered for one part of a post.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct PostedPart {
    /// The platform's id.
    pub id: String,
    /// Its address.
    #[serde(default)]
    pub url: Option<String>,
    /// Its content id (Bluesky).
    #[serde(default)]
    pub cid: Option<String>,
}

/// A post in the publishing queue.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct ScheduledPost {
    /// Its id.
    pub id: String,
    /// The piece.
    pub content_id: String,
    /// Its owner.
    #[serde(default)]
    pub owner: Option<String>,
    /// The account's name.
    pub account: String,
    /// The account's kind.
    pub platform: PublisherKind,
    /// The text of each part (a thread has several).
    pub parts: Vec<String>,
    /// When it is due (RFC 3339).
    pub scheduled_time: String,
    /// Where it stands.
    pub status: PostStatus,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt_at: String,
    /// The last failure.
    #[serde(default)]
    pub last_error: Option<String>,
    /// The platform's id of the first part.
    #[serde(default)]
    pub post_id: Option<String>,
    /// Its address.
    #[serde(default)]
    pub post_url: Option<String>,
    /// What the platform answered for each part published.
    #[serde(default)]
    pub posted: Vec<PostedPart>,
    /// Whether the platform takes idempotency keys.
    pub idempotent: bool,
    /// When it was published.
    #[serde(default)]
    pub published_at: Option<String>,
    /// The worker holding it.
    #[serde(default)]
    pub lease_owner: Option<String>,
    /// Until when.
    #[serde(default)]
    pub lease_until: Option<String>,
    /// When it was scheduled.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
}

/// A page of the schedule, earliest first.
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct SchedulePage {
    /// The posts.
    pub items: Vec<ScheduledPost>,
    /// Pass it back as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

/// A schedule query; every filter is optional.
#[derive(Clone, Debug, Default, Serialize, uniffi::Record)]
pub struct ScheduleQuery {
    /// Only this owner's posts.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Only posts in this state.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<PostStatus>,
    /// Only this account.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Only this piece.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_id: Option<String>,
    /// Due at or after (RFC 3339).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Due before (RFC 3339).
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Page size.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `next_cursor`.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// What to publish, where and when.
#[derive(Clone, Debug, Serialize, uniffi::Record)]
pub struct PublishRequest {
    /// The piece's id.
    pub content_id: String,
    /// Account names (from `accounts()`).
    pub targets: Vec<String>,
    /// When (RFC 3339); now when left out.
    #[uniffi(default = None)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_time: Option<String>,
}

/// A configured publishing account (never its credentials).
#[derive(Clone, Debug, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct AccountInfo {
    /// Its name.
    pub name: String,
    /// Its kind.
    pub platform: PublisherKind,
    /// Whether the platform takes idempotency keys.
    pub idempotent: bool,
    /// Whether it publishes threads.
    pub threads: bool,
}

/// How a shutdown ended.
#[derive(Clone, Debug, uniffi::Record)]
pub struct ShutdownReport {
    /// Background generations that finished in the grace period.
    pub completed: u64,
    /// Generations aborted at its end (held at their estimate).
    pub aborted: u64,
    /// Budget writes still unfinished.
    pub unsettled: u64,
    /// Posts still publishing at its end.
    pub unpublished: u64,
}

impl From<splants::engine::ShutdownReport> for ShutdownReport {
    fn from(r: splants::engine::ShutdownReport) -> Self {
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        ShutdownReport {
            completed: n(r.completed),
            aborted: n(r.aborted),
            unsettled: n(r.unsettled),
            unpublished: n(r.unpublished),
        }
    }
}

/// A JSON value carried as its text (`details`, whose shape depends on the error).
mod json_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(serde::ser::Error::custom)?;
        serde::Serialize::serialize(&value, s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Ok(value.to_string())
    }
}
