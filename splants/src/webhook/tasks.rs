//! The background side of webhooks: the bounded queue, the event forwarder, the daily timer and
//! the delivery loop with its retries.

use super::{GuardedResolver, HostResolver, ReportSource, guard, next_daily_report, sign};
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};

/// Deliveries waiting to be sent before new ones are dropped.
const QUEUE: usize = 1024;
/// Attempts per delivery.
const ATTEMPTS: u32 = 4;

/// The webhook HTTP client: 10 s per attempt, no redirects, and every connection resolved
/// through a [`GuardedResolver`] over `resolver`. While the guard is on, no HTTP proxy from
/// the environment is used (the proxy would resolve the host where the guard cannot see it).
pub(super) fn client(resolver: Arc<dyn HostResolver>, allow_private: bool) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(GuardedResolver::new(resolver, allow_private)));
    if !allow_private {
        builder = builder.no_proxy();
    }
    builder.build().map_err(|e| Error::internal(format!("webhook client: {e}")).with_source(e.without_url()))
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    event: &'a str,
    timestamp: DateTime<Utc>,
    data: T,
}

/// One queued POST.
#[derive(Debug)]
pub(super) struct Delivery {
    pub(super) url: reqwest::Url,
    pub(super) event: &'static str,
    pub(super) body: Vec<u8>,
}

/// How many deliveries are queued or being sent.
#[derive(Clone, Debug, Default)]
pub(super) struct Pending(Arc<AtomicUsize>);

impl Pending {
    pub(super) fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    fn done(&self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The sending side of the delivery queue; the queue closes when every clone is dropped.
#[derive(Clone, Debug)]
pub(super) struct Outbox {
    tx: mpsc::Sender<Delivery>,
    pending: Pending,
    clock: SharedClock,
}

impl Outbox {
    /// A queue whose envelopes are stamped by `clock`.
    pub(super) fn new(clock: SharedClock) -> (Self, mpsc::Receiver<Delivery>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (Outbox { tx, pending: Pending::default(), clock }, rx)
    }

    pub(super) fn pending(&self) -> Pending {
        self.pending.clone()
    }

    /// Queues `data` as `event` for `url`; drops it with a warning when the queue is full.
    pub(super) fn enqueue<T: Serialize>(&self, url: &reqwest::Url, event: &'static str, data: T) {
        let body = match serde_json::to_vec(&Envelope { event, timestamp: self.clock.now(), data }) {
            Ok(b) => b,
            Err(e) => return tracing::error!(error = %e, "could not serialise a webhook event"),
        };
        self.pending.0.fetch_add(1, Ordering::SeqCst);
        if self.tx.try_send(Delivery { url: url.clone(), event, body }).is_err() {
            self.pending.done();
            tracing::warn!(event, "webhook queue full; event dropped");
        }
    }
}

/// Where forwarded events go.
pub(super) struct Routes {
    /// `content.generated`.
    pub(super) generated: Option<reqwest::Url>,
    /// `content.published` and `content.publish_failed`.
    pub(super) published: Option<reqwest::Url>,
}

/// Queues a delivery for each event a route takes (`content.generated`, `content.published`,
/// `content.publish_failed`) until `stop` says so (or its sender is gone), after the events
/// already received.
pub(super) async fn forward(
    outbox: Outbox,
    routes: Routes,
    mut events: broadcast::Receiver<EngineEvent>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            biased;
            event = events.recv() => match event {
                Ok(e) => {
                    let (url, name) = match &e {
                        EngineEvent::ContentGenerated { .. } => (&routes.generated, "content.generated"),
                        EngineEvent::ContentPublished { .. } => (&routes.published, "content.published"),
                        EngineEvent::ContentPublishFailed { .. } => (&routes.published, "content.publish_failed"),
                        _ => continue,
                    };
                    if let Some(url) = url {
                        outbox.enqueue(url, name, &e);
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "webhooks fell behind the engine's events")
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            _ = stop.wait_for(|stopped| *stopped) => break,
        }
    }
}

/// The daily report: where it goes and where its figures come from.
#[derive(Clone)]
pub(super) struct Daily {
    pub(super) outbox: Outbox,
    pub(super) url: reqwest::Url,
    pub(super) reports: Arc<dyn ReportSource>,
}

impl std::fmt::Debug for Daily {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Daily").field("url", &crate::error::redact(self.url.as_str())).finish_non_exhaustive()
    }
}

impl Daily {
    /// Queues the overview of the UTC day before `now`.
    pub(super) async fn send(&self, now: DateTime<Utc>) -> Result<()> {
        let Some(day) = now.date_naive().pred_opt() else { return Ok(()) };
        let overview = self.reports.daily_report(day).await?;
        self.outbox.enqueue(&self.url, "daily.report", overview);
        Ok(())
    }

    /// Sends each report when it is due by the clock, until `stop` says so.
    pub(super) async fn run(self, mut stop: watch::Receiver<bool>) {
        let clock = Arc::clone(&self.outbox.clock);
        loop {
            let due = next_daily_report(clock.now());
            tokio::select! {
                () = clock.sleep_until(due) => {}
                _ = stop.wait_for(|stopped| *stopped) => break,
            }
            if let Err(e) = self.send(clock.now()).await {
                tracing::warn!(error = %e, "could not build the daily report");
            }
        }
    }
}

/// Sends every queued delivery (signed when there is a secret, stamped by `clock`), with
/// retries; ends when the queue is closed and empty.
pub(super) async fn deliver(
    client: reqwest::Client,
    mut rx: mpsc::Receiver<Delivery>,
    pending: Pending,
    secret: Option<Secret>,
    clock: SharedClock,
    allow_private: bool,
) {
    while let Some(d) = rx.recv().await {
        send(&client, &d, secret.as_ref(), &clock, allow_private).await;
        pending.done();
    }
}

async fn send(client: &reqwest::Client, d: &Delivery, secret: Option<&Secret>, clock: &SharedClock, allow: bool) {
    if !allow && let Err(e) = guard::check_literal(&d.url) {
        tracing::warn!(event = d.event, ip = %e.ip, range = e.range, "webhook address refused by the SSRF guard");
        return;
    }
    // Retry pauses pace the network, not the calendar: they run on the runtime's timer, so a
    // stopped test clock cannot hold the queue.
    let mut delay = Duration::from_millis(500);
    for attempt in 1..=ATTEMPTS {
        let ts = clock.now().timestamp();
        let mut req = client
            .post(d.url.clone())
            .header("content-type", "application/json")
            .header("x-splants-event", d.event)
            .header("x-splants-timestamp", ts.to_string())
            .body(d.body.clone());
        if let Some(s) = secret {
            req = req.header("x-splants-signature", sign(s, ts, &d.body));
        }
        let retry = match req.send().await {
            Ok(r) if r.status().is_success() => {
                tracing::debug!(event = d.event, status = r.status().as_u16(), "webhook delivered");
                false
            }
            Ok(r) => {
                let s = r.status().as_u16();
                tracing::warn!(event = d.event, status = s, attempt, "webhook refused");
                s == 408 || s == 429 || s >= 500
            }
            Err(e) if guard::refused_by_guard(&e) => {
                tracing::warn!(event = d.event, attempt, "webhook not sent: the SSRF guard refused every address");
                false
            }
            Err(e) => {
                tracing::warn!(event = d.event, error = %crate::error::redact(&e.to_string()), attempt, "webhook failed");
                true
            }
        };
        if !retry {
            break;
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
    }
}
