//! Publishing: one [`Publisher`] per platform account, speaking that platform's own wire format.
//!
//! A publisher validates a post against the platform's limits (length as the platform counts
//! it, hashtags, thread size), publishes it, and classifies every failure by whether the post
//! may have gone out ([`FailureClass`]). The schedule's worker (`crate::schedule`) decides from
//! that class whether to retry, fail, or mark the post `unknown`:
//!
//! | class | meaning | the worker |
//! |---|---|---|
//! | [`FailureClass::NotPosted`] | certainly not posted: connection refused, 408, 429, 503 | retries with backoff (at least `Retry-After`) up to its attempt limit |
//! | [`FailureClass::Rejected`] | the platform refused the post (4xx): sending it again cannot help | `failed`, with the platform's reason |
//! | [`FailureClass::MaybePosted`] | the request may have been accepted: timeout, connection reset after sending, 500/502/504 | retries only when [`Publisher::idempotent`]; otherwise `unknown` |
//!
//! Platforms ([`PublisherKind`]): X (API v2 `POST /2/tweets`), LinkedIn (Posts API), Mastodon
//! (`POST /api/v1/statuses` with `Idempotency-Key`), Bluesky (`com.atproto.repo.createRecord`),
//! Facebook Pages (`POST /{page-id}/feed`) and a signed webhook to the user's own system. Each
//! account is configured in [`PublishConfig`] (`SPLANTS_PUBLISH_ACCOUNTS`); base URLs are
//! configurable, so tests run the publishers against local servers that speak those formats.

mod config;
#[cfg(feature = "publish")]
mod platforms;
pub mod text;

pub(crate) use config::check_account_name;
pub use config::{AccountConfig, Credential, PublishConfig};
#[cfg(feature = "publish")]
pub use platforms::{build, build_all};
pub use text::{bluesky_graphemes, mastodon_length, x_weighted_length};

use crate::error::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fmt::{self, Debug};
use std::time::Duration;

/// The platform an account publishes to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[non_exhaustive]
pub enum PublisherKind {
    /// X (Twitter), API v2.
    X,
    /// LinkedIn, Posts API.
    Linkedin,
    /// A Mastodon instance.
    Mastodon,
    /// Bluesky (AT Protocol).
    Bluesky,
    /// A Facebook Page (Graph API).
    Facebook,
    /// A signed `POST` to the user's own system.
    Webhook,
}

impl PublisherKind {
    /// Every kind.
    pub const ALL: [PublisherKind; 6] = [
        PublisherKind::X,
        PublisherKind::Linkedin,
        PublisherKind::Mastodon,
        PublisherKind::Bluesky,
        PublisherKind::Facebook,
        PublisherKind::Webhook,
    ];

    /// The stable string form (`x`, `linkedin`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            PublisherKind::X => "x",
            PublisherKind::Linkedin => "linkedin",
            PublisherKind::Mastodon => "mastodon",
            PublisherKind::Bluesky => "bluesky",
            PublisherKind::Facebook => "facebook",
            PublisherKind::Webhook => "webhook",
        }
    }

    /// Whether the platform has threads (a post replying to the previous one), so copy split
    /// into several posts is published as a reply chain.
    pub const fn has_threads(self) -> bool {
        matches!(self, PublisherKind::X | PublisherKind::Mastodon | PublisherKind::Bluesky)
    }

    /// Parses the string form.
    pub fn parse(s: &str) -> Option<Self> {
        PublisherKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for PublisherKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One part of a post that the platform accepted (a thread has one per post of the chain).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct PostedPart {
    /// The platform's id of the post (X tweet id, Mastodon status id, LinkedIn post URN,
    /// Bluesky `at://` URI, Facebook `{page}_{post}` id, the webhook receiver's id).
    pub id: String,
    /// Where the post can be seen, when the platform says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Bluesky's content id (the `cid` of the record's strong reference), which a reply needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cid: Option<String>,
}

/// What a publisher is asked to publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Post {
    /// The schedule entry's id; stable across attempts, so platforms with idempotency keys
    /// (Mastodon, the webhook) see every retry as the same request. Part `i` of a thread sends
    /// `<key>-<i>`.
    pub idempotency_key: String,
    /// The piece's id in the library.
    pub content_id: String,
    /// The text of each post: one for a single post, several for a thread (published as a
    /// reply chain on platforms with threads).
    pub parts: Vec<String>,
    /// Parts an earlier attempt already published, in order: publishing continues after them
    /// (the next part replies to the last of these).
    pub done: Vec<PostedPart>,
}

/// The published post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    /// Every part posted, in order, including those of earlier attempts; the first is the post
    /// (or the thread's first post).
    pub parts: Vec<PostedPart>,
}

impl Published {
    /// The first part's id: the post's id on the platform.
    pub fn post_id(&self) -> Option<&str> {
        self.parts.first().map(|p| p.id.as_str())
    }

    /// The first part's URL.
    pub fn url(&self) -> Option<&str> {
        self.parts.first().and_then(|p| p.url.as_deref())
    }
}

/// Whether a failed publish may have gone out (see the module docs for what the worker does).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// Certainly not posted (the request never reached the platform, or it answered that it
    /// did not take it: 408, 429, 503): safe to send again.
    NotPosted,
    /// The platform refused the post (authentication, permissions, content): not posted, and
    /// sending it again cannot succeed.
    Rejected,
    /// The request may have been accepted (timeout or connection lost after sending, 500, 502,
    /// 504): sending it again could post twice unless the platform deduplicates by key.
    MaybePosted,
}

/// A failed publish.
#[derive(Clone, PartialEq, Eq)]
pub struct PublishFailure {
    /// Whether it may have gone out.
    pub class: FailureClass,
    /// The platform's HTTP status, when it answered.
    pub status: Option<u16>,
    /// What went wrong, in words a user can act on; never a token.
    pub message: String,
    /// The wait the platform asked for (`Retry-After`, rate-limit reset headers).
    pub retry_after: Option<Duration>,
    /// Parts of a thread this attempt published before it failed (added to [`Post::done`] for
    /// the next attempt).
    pub posted: Vec<PostedPart>,
}

impl PublishFailure {
    /// A failure of `class` with `message` and nothing else known.
    pub fn new(class: FailureClass, message: impl Into<String>) -> Self {
        PublishFailure { class, status: None, message: message.into(), retry_after: None, posted: Vec::new() }
    }
}

impl Debug for PublishFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublishFailure")
            .field("class", &self.class)
            .field("status", &self.status)
            .field("message", &self.message)
            .field("retry_after", &self.retry_after)
            .field("posted", &self.posted.len())
            .finish()
    }
}

impl fmt::Display for PublishFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(s) => write!(f, "HTTP {s}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Publishers by account name.
pub type Publishers = std::collections::BTreeMap<String, std::sync::Arc<dyn Publisher>>;

/// One platform account that posts can be published to.
///
/// Implementations speak the platform's HTTP API; tests and embedding apps may add their own.
/// Credentials never appear in `Debug`, errors or logs.
#[async_trait]
pub trait Publisher: Send + Sync + Debug {
    /// The account's name in the configuration (`brand-x`); schedule entries refer to it.
    fn account(&self) -> &str;

    /// The platform.
    fn kind(&self) -> PublisherKind;

    /// Whether the platform deduplicates requests by [`Post::idempotency_key`], so a request
    /// that may have been accepted can be sent again without posting twice.
    fn idempotent(&self) -> bool;

    /// Checks `parts` against the platform's limits (length as the platform counts it,
    /// hashtags, thread size): a post that cannot succeed is refused before it is scheduled.
    /// The error is [`Error::Validation`](crate::Error::Validation) naming the part
    /// (`content`, `parts[2]`) and the reason with the figures.
    fn validate(&self, parts: &[String]) -> Result<()>;

    /// Publishes `post` (continuing after [`Post::done`]).
    async fn publish(&self, post: &Post) -> std::result::Result<Published, PublishFailure>;
}
