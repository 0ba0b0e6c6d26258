//! Engine events: what happened, for webhooks, metrics and the embedding application.
//!
//! Subscribe with [`crate::ContentEngine::subscribe`]. Delivery is best effort through a
//! bounded broadcast channel: a subscriber that falls behind misses events (and is told so by
//! `RecvError::Lagged`); the engine never waits for subscribers.

use crate::content::{ContentType, Platform};
use crate::money::Usd;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast;

/// Something the engine did or noticed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EngineEvent {
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
    /// A request was refused by the rate limiter.
    RateLimited {
        /// The API key id.
        key_id: String,
        /// The quota that refused.
        quota: String,
    },
}

/// The sending side shared by the engine's parts.
#[derive(Clone, Debug)]
pub struct EventSink {
    tx: broadcast::Sender<EngineEvent>,
}

impl EventSink {
    /// A sink keeping up to `capacity` undelivered events per subscriber.
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity.max(1));
        EventSink { tx }
    }

    /// Publishes an event; a no-op when nobody listens.
    pub fn emit(&self, event: EngineEvent) {
        let _ = self.tx.send(event);
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
