//! Engine events: what happened, for webhooks, metrics and the embedding application.
//!
//! Subscribe with [`crate::ContentEngine::subscribe`]. Delivery is best effort through a
//! bounded broadcast channel: a subscriber that falls behind misses events (and is told so by
//! `RecvError::Lagged`); the engine never waits for subscribers.

use crate::content::{ContentType, Platform};
use crate::money::Usd;
use crate::publish::PublisherKind;
use chrono::{DateTime, Utc};
use parking_lot::RwLock;
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Something the engine did or noticed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EngineEvent {
    /// A generation completed and was stored after its caller had gone away.
    CompletedAfterCallerLeft {
        /// The piece's id.
        content_id: String,
        /// Who owns it.
        owner: Option<String>,
        /// What its provider call cost.
        cost_usd: Usd,
    },
    /// A paid piece could not be stored (after retries) and was returned marked unstored.
    ContentUnstored {
        /// The piece's id.
        content_id: String,
        /// What its provider call cost.
        cost_usd: Usd,
    },
    /// A piece was generated (or served from the cache) and stored.
    ContentGenerated {
        /// The piece's id.
        content_id: String,
        /// Owner (API key id or tenant), if any.
        owner: Option<String>,
        /// Content type.
        content_type: ContentType,
        /// Platform.
        platform: Platform,
        /// What it cost.
        cost_usd: Usd,
        /// Provider.
        provider: String,
        /// Model.
        model: String,
        /// Whether it came from the cache.
        cached: bool,
        /// Quality score.
        quality_score: f64,
        /// Time spent in the provider call, in microseconds (0 for cache hits).
        provider_us: u64,
        /// Time spent in the whole pipeline, in microseconds.
        total_us: u64,
    },
    /// A budget scope's settled spend crossed an alert threshold (once per period).
    BudgetThreshold {
        /// The scope (`global`, `key:<id>`, `tenant:<id>`).
        scope: String,
        /// The threshold crossed, in percent.
        threshold_percent: u8,
        /// Spend after the crossing.
        spent: Usd,
        /// The scope's limit.
        limit: Usd,
        /// When the period ends.
        period_end: DateTime<Utc>,
    },
    /// A call cost more than its reserved estimate (recorded, never silent).
    BudgetOvershoot {
        /// The reservation's id.
        reservation: String,
        /// What was reserved.
        estimate: Usd,
        /// What the call cost.
        actual: Usd,
        /// Provider and model billed.
        model: String,
    },
    /// A scheduled post is on its platform (`content.published` to
    /// `WEBHOOK_CONTENT_PUBLISHED_URL`).
    ContentPublished {
        /// The schedule entry's id.
        schedule_id: String,
        /// The piece published.
        content_id: String,
        /// Who scheduled it.
        owner: Option<String>,
        /// The account's name.
        account: String,
        /// The account's platform.
        platform: PublisherKind,
        /// The platform's id of the post (the first of a thread).
        post_id: Option<String>,
        /// Where it can be seen, when the platform says.
        post_url: Option<String>,
        /// Attempts it took.
        attempts: u32,
        /// When it was due.
        scheduled_time: DateTime<Utc>,
        /// When it was published.
        published_at: DateTime<Utc>,
    },
    /// A scheduled post ended `failed` (not posted) or `unknown` (it may have been posted;
    /// check the account): `content.publish_failed` to `WEBHOOK_CONTENT_PUBLISHED_URL`.
    ContentPublishFailed {
        /// The schedule entry's id.
        schedule_id: String,
        /// The piece.
        content_id: String,
        /// Who scheduled it.
        owner: Option<String>,
        /// The account's name.
        account: String,
        /// The account's platform.
        platform: PublisherKind,
        /// `failed` or `unknown`.
        status: crate::schedule::PostStatus,
        /// What went wrong (for `unknown`: what to check).
        error: String,
        /// Attempts made.
        attempts: u32,
    },
    /// A request was refused by the rate limiter.
    RateLimited {
        /// The API key id.
        key_id: String,
        /// The quota that refused.
        quota: String,
    },
}

/// A function called inline, on the emitting task, for every event (metrics counters).
/// It must be quick and must not block.
pub type EventListener = Arc<dyn Fn(&EngineEvent) + Send + Sync>;

/// The sending side shared by the engine's parts.
#[derive(Clone)]
pub struct EventSink {
    tx: broadcast::Sender<EngineEvent>,
    listeners: Arc<RwLock<Vec<EventListener>>>,
}

impl std::fmt::Debug for EventSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSink")
            .field("subscribers", &self.tx.receiver_count())
            .field("listeners", &self.listeners.read().len())
            .finish()
    }
}

impl EventSink {
    /// A sink keeping up to `capacity` undelivered events per subscriber.
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity.max(1));
        EventSink { tx, listeners: Arc::default() }
    }

    /// Publishes an event: inline listeners first, then subscribers (skipped when none).
    pub fn emit(&self, event: EngineEvent) {
        for l in self.listeners.read().iter() {
            l(&event);
        }
        if self.tx.receiver_count() > 0 {
            let _ = self.tx.send(event);
        }
    }

    /// Adds a listener called inline for every event. Unlike a subscription it costs no task
    /// switch per event, which matters on the hot path (the server's metrics use it).
    pub fn listen(&self, listener: EventListener) {
        self.listeners.write().push(listener);
    }

    /// A new subscription.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.tx.subscribe()
    }
}

impl Default for EventSink {
    fn default() -> Self {
        EventSink::new(1024)
    }
}
