//! Signed webhook delivery of engine events, with retries and an SSRF guard.
//!
//! The original app's `WEBHOOK_CONTENT_GENERATED_URL` receives `content.generated` for every
//! generated piece, `WEBHOOK_DAILY_REPORT_URL` a `daily.report` (the previous UTC day's
//! analytics overview) five minutes after midnight UTC, and `WEBHOOK_CONTENT_PUBLISHED_URL`
//! `content.published` for every scheduled post that reached its platform and
//! `content.publish_failed` for every one that ended `failed` or `unknown` (with what to check).
//!
//! Each delivery is a `POST` of `{"event", "timestamp", "data"}` with headers
//! `X-Splants-Event`, `X-Splants-Timestamp` (Unix seconds) and, when `SPLANTS_WEBHOOK_SECRET` is
//! set, `X-Splants-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` — recompute it
//! and compare in constant time to trust a delivery. Failed deliveries (connection errors,
//! 408/429/5xx) are retried three times with backoff; the queue is bounded and never slows the
//! engine down (when full, events are dropped with a warning).
//!
//! URLs must be `http(s)` and, unless `SPLANTS_WEBHOOK_ALLOW_PRIVATE=true`, must not reach
//! loopback, private, link-local (cloud metadata), multicast or any other special-purpose
//! address: checked when the URL is configured and again on every connection (see [`guard`]
//! for the ranges and why once is not enough).
//!
//! The dispatcher knows nothing of the engine: it is given its [`WebhookConfig`], a stream of
//! [`EngineEvent`]s, a [`ReportSource`] for the daily figures and the shared clock, and returns
//! a [`WebhookHandle`] its owner keeps and shuts down (the engine does both).

mod config;
pub mod guard;
mod tasks;

pub use config::WebhookConfig;

pub use guard::{AddressRefused, GuardedResolver, HostResolver, SystemResolver, is_private, special_purpose};

use crate::analytics::Overview;
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::secret::Secret;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;
use tasks::{Daily, Outbox};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

/// Where the daily report's figures come from (the engine gives its analytics).
#[async_trait]
pub trait ReportSource: Send + Sync {
    /// The analytics overview of the UTC day `day`, from its midnight to the next.
    async fn daily_report(&self, day: NaiveDate) -> Result<Overview>;
}

/// Checks a webhook URL: `http(s)`, a host, and (unless `allow_private`) no special-purpose
/// address once resolved by the system resolver. `field` names the setting in errors.
pub async fn validate_url(field: &str, url: &str, allow_private: bool) -> Result<reqwest::Url> {
    validate_url_with(field, url, allow_private, &SystemResolver).await
}

/// [`validate_url`] resolving through `resolver`. Every address of the answer must be
/// allowed (a later connection uses only the allowed ones of its own answer).
pub async fn validate_url_with(
    field: &str,
    url: &str,
    allow_private: bool,
    resolver: &dyn HostResolver,
) -> Result<reqwest::Url> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::config(field, format!("`{}` is not a URL: {e}", crate::error::redact(url))))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::config(field, "must be an http:// or https:// URL"));
    }
    let host = parsed.host_str().filter(|h| !h.is_empty()).ok_or_else(|| Error::config(field, "has no host"))?;
    if allow_private {
        return Ok(parsed);
    }
    let addrs = match guard::literal(&parsed) {
        Some(ip) => vec![ip],
        None => resolver
            .lookup(host)
            .await
            .map_err(|e| Error::config(field, format!("host `{host}` does not resolve: {e}")))?,
    };
    if addrs.is_empty() {
        return Err(Error::config(field, format!("host `{host}` has no address")));
    }
    if let Some((ip, range)) = addrs.iter().find_map(|ip| special_purpose(*ip).map(|r| (ip, r))) {
        return Err(Error::config(
            field,
            format!(
                "host `{host}` resolves to {ip} ({range}), a loopback/private/special-purpose address; \
                 set SPLANTS_WEBHOOK_ALLOW_PRIVATE=true to allow it"
            ),
        ));
    }
    Ok(parsed)
}

/// The signature header value for `body` sent at `timestamp` (Unix seconds).
pub fn sign(secret: &Secret, timestamp: i64, body: &[u8]) -> String {
    crate::secret::signature(secret, timestamp, body)
}

/// When the daily report after `now` is due: five minutes past the next UTC midnight.
pub fn next_daily_report(now: DateTime<Utc>) -> DateTime<Utc> {
    let midnight = now.date_naive().succ_opt().unwrap_or(NaiveDate::MAX).and_time(chrono::NaiveTime::MIN).and_utc();
    midnight + chrono::Duration::minutes(5)
}

/// Starts webhook delivery from its settings, a report source and a clock.
///
/// ```no_run
/// # async fn demo(reports: std::sync::Arc<dyn splants::webhook::ReportSource>) -> splants::Result<()> {
/// use splants::clock::SystemClock;
/// use splants::events::EventSink;
/// use splants::webhook::{WebhookConfig, WebhookDispatcher};
/// use std::sync::Arc;
/// let events = EventSink::default();
/// let config = WebhookConfig {
///     content_generated_url: Some("https://hooks.example.com/generated".into()),
///     ..WebhookConfig::default()
/// };
/// let handle = WebhookDispatcher::new(config, reports, Arc::new(SystemClock)).start(events.subscribe()).await?;
/// if let Some(handle) = handle {
///     handle.shutdown(std::time::Duration::from_secs(5)).await;
/// }
/// # Ok(()) }
/// ```
#[must_use]
pub struct WebhookDispatcher {
    config: WebhookConfig,
    reports: Arc<dyn ReportSource>,
    clock: SharedClock,
    resolver: Arc<dyn HostResolver>,
}

impl std::fmt::Debug for WebhookDispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookDispatcher").field("config", &self.config).finish_non_exhaustive()
    }
}

impl WebhookDispatcher {
    /// A dispatcher for `config`, taking the daily figures from `reports` and all time (event
    /// timestamps, the daily report's schedule) from `clock`; hosts resolve with the
    /// [`SystemResolver`].
    pub fn new(config: WebhookConfig, reports: Arc<dyn ReportSource>, clock: SharedClock) -> Self {
        WebhookDispatcher { config, reports, clock, resolver: Arc::new(SystemResolver) }
    }

    /// Resolves every host through `resolver`, at start-up and on every connection (the SSRF
    /// guard filters each answer).
    pub fn resolver(mut self, resolver: Arc<dyn HostResolver>) -> Self {
        self.resolver = resolver;
        self
    }

    /// Validates the configured URLs and starts delivering in the background (on the current
    /// tokio runtime): `content.generated` for each such event of `events`, and the daily
    /// report. `None` when no URL that sends anything is configured.
    pub async fn start(self, events: broadcast::Receiver<EngineEvent>) -> Result<Option<WebhookHandle>> {
        let c = &self.config;
        let allow = c.allow_private;
        let r = self.resolver.as_ref();
        let generated = match &c.content_generated_url {
            Some(u) => Some(validate_url_with("WEBHOOK_CONTENT_GENERATED_URL", u, allow, r).await?),
            None => None,
        };
        let published = match &c.content_published_url {
            Some(u) => Some(validate_url_with("WEBHOOK_CONTENT_PUBLISHED_URL", u, allow, r).await?),
            None => None,
        };
        let daily = match &c.daily_report_url {
            Some(u) => Some(validate_url_with("WEBHOOK_DAILY_REPORT_URL", u, allow, r).await?),
            None => None,
        };
        if generated.is_none() && published.is_none() && daily.is_none() {
            return Ok(None);
        }
        let client = tasks::client(Arc::clone(&self.resolver), allow)?;
        let (outbox, queue) = Outbox::new(Arc::clone(&self.clock));
        let (stop, stopped) = watch::channel(false);
        let deliver =
            tokio::spawn(tasks::deliver(client, queue, outbox.pending(), c.secret.clone(), self.clock, allow));
        let forward = (generated.is_some() || published.is_some()).then(|| {
            let routes = tasks::Routes { generated, published };
            tokio::spawn(tasks::forward(outbox.clone(), routes, events, stopped.clone()))
        });
        let daily = daily.map(|url| Daily { outbox: outbox.clone(), url, reports: self.reports });
        let timer = daily.clone().map(|d| tokio::spawn(d.run(stopped)));
        tracing::info!(
            content_generated = c.content_generated_url.is_some(),
            content_published = c.content_published_url.is_some(),
            daily_report = daily.is_some(),
            "webhooks enabled"
        );
        Ok(Some(WebhookHandle {
            outbox: Mutex::new(Some(outbox)),
            daily: Mutex::new(daily),
            stop,
            tasks: Mutex::new(Tasks { forward, timer, deliver: Some(deliver) }),
        }))
    }
}

#[derive(Debug)]
struct Tasks {
    forward: Option<JoinHandle<()>>,
    timer: Option<JoinHandle<()>>,
    deliver: Option<JoinHandle<()>>,
}

/// The running webhook tasks. Dropping it stops forwarding events and the daily timer (what is
/// queued is still sent); [`WebhookHandle::shutdown`] does the same and waits for the queue.
#[derive(Debug)]
pub struct WebhookHandle {
    /// The queue's sending side; `None` once shut down (the queue closes when the last goes).
    outbox: Mutex<Option<Outbox>>,
    /// For [`WebhookHandle::send_daily_report`]; it holds a sending side too.
    daily: Mutex<Option<Daily>>,
    stop: watch::Sender<bool>,
    tasks: Mutex<Tasks>,
}

impl WebhookHandle {
    /// Sends the analytics overview of the UTC day before `now` to the daily-report URL
    /// (nothing when none is configured or after shutdown).
    pub async fn send_daily_report(&self, now: DateTime<Utc>) -> Result<()> {
        let daily = self.daily.lock().clone();
        match daily {
            Some(daily) => daily.send(now).await,
            None => Ok(()),
        }
    }

    /// Stops forwarding events and the daily timer, then waits up to `grace` for the deliveries
    /// already queued (retries included). Returns how many were still unsent and are dropped.
    pub async fn shutdown(&self, grace: Duration) -> usize {
        let _ = self.stop.send(true);
        let (forward, timer, deliver) = {
            let mut t = self.tasks.lock();
            (t.forward.take(), t.timer.take(), t.deliver.take())
        };
        if let Some(timer) = timer {
            // Waiting for tomorrow, or building a report nobody will receive now.
            timer.abort();
            let _ = timer.await;
        }
        if let Some(forward) = forward {
            // It stops at the signal, after the events it already holds.
            let _ = forward.await;
        }
        drop(self.daily.lock().take());
        let Some(outbox) = self.outbox.lock().take() else { return 0 };
        let pending = outbox.pending();
        drop(outbox);
        let Some(mut deliver) = deliver else { return 0 };
        if tokio::time::timeout(grace, &mut deliver).await.is_err() {
            deliver.abort();
            let _ = deliver.await;
        }
        let unsent = pending.get();
        if unsent > 0 {
            tracing::warn!(unsent, "webhook shutdown: deliveries still queued were dropped");
        }
        unsent
    }
}

impl Drop for WebhookHandle {
    fn drop(&mut self) {
        // The forwarder and the timer end; the delivery task sends what is queued, then ends.
        let _ = self.stop.send(true);
    }
}

#[cfg(test)]
mod tests;
