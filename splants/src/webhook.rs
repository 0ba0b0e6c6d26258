//! Signed webhook delivery of engine events, with retries and an SSRF guard.
//!
//! The original app's `WEBHOOK_CONTENT_GENERATED_URL` receives `content.generated` for every
//! generated piece, `WEBHOOK_DAILY_REPORT_URL` a `daily.report` (the previous UTC day's
//! analytics overview) after midnight UTC, and `WEBHOOK_CONTENT_PUBLISHED_URL` is reserved for
//! `content.published` once publishing lands.
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

pub mod guard;

pub use guard::{AddressRefused, GuardedResolver, HostResolver, SystemResolver, is_private, special_purpose};

use crate::auth::RequestContext;
use crate::config::Config;
use crate::engine::{ContentEngine, WeakEngine};
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// Deliveries waiting to be sent before new ones are dropped.
const QUEUE: usize = 1024;
/// Attempts per delivery.
const ATTEMPTS: u32 = 4;

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

/// The webhook HTTP client: 10 s per attempt, no redirects, and every connection resolved
/// through a [`GuardedResolver`] over `resolver`. While the guard is on, no HTTP proxy from
/// the environment is used (the proxy would resolve the host where the guard cannot see it).
fn client(resolver: Arc<dyn HostResolver>, allow_private: bool) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(GuardedResolver::new(resolver, allow_private)));
    if !allow_private {
        builder = builder.no_proxy();
    }
    builder.build().map_err(|e| Error::internal(format!("webhook client: {e}")))
}

/// The signature header value for `body` sent at `timestamp` (Unix seconds).
pub fn sign(secret: &Secret, timestamp: i64, body: &[u8]) -> String {
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose().as_bytes()) {
        Ok(m) => m,
        // HMAC accepts keys of any length; this branch cannot be taken.
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    event: &'a str,
    timestamp: DateTime<Utc>,
    data: T,
}

#[derive(Debug)]
struct Delivery {
    url: reqwest::Url,
    event: &'static str,
    body: Vec<u8>,
}

/// Posts engine events to the configured webhook URLs.
#[derive(Debug, Clone)]
pub struct WebhookDispatcher {
    tx: mpsc::Sender<Delivery>,
    generated: Option<reqwest::Url>,
    daily: Option<reqwest::Url>,
    engine: WeakEngine,
}

impl WebhookDispatcher {
    /// Validates the configured URLs and starts delivering `engine`'s events in the background
    /// (on the current tokio runtime), resolving hosts with the [`SystemResolver`]. `None`
    /// when no webhook URL is configured.
    pub async fn start(engine: &ContentEngine) -> Result<Option<Self>> {
        Self::start_with_resolver(engine, Arc::new(SystemResolver)).await
    }

    /// [`WebhookDispatcher::start`] resolving every host through `resolver`, at start-up and
    /// on every connection (the SSRF guard filters each answer).
    pub async fn start_with_resolver(engine: &ContentEngine, resolver: Arc<dyn HostResolver>) -> Result<Option<Self>> {
        let c: &Config = engine.config();
        let allow = c.webhook_allow_private;
        let r = resolver.as_ref();
        let generated = match &c.webhook_content_generated_url {
            Some(u) => Some(validate_url_with("WEBHOOK_CONTENT_GENERATED_URL", u, allow, r).await?),
            None => None,
        };
        if let Some(u) = &c.webhook_content_published_url {
            validate_url_with("WEBHOOK_CONTENT_PUBLISHED_URL", u, allow, r).await?;
        }
        let daily = match &c.webhook_daily_report_url {
            Some(u) => Some(validate_url_with("WEBHOOK_DAILY_REPORT_URL", u, allow, r).await?),
            None => None,
        };
        if generated.is_none() && daily.is_none() {
            return Ok(None);
        }
        let client = client(resolver.clone(), allow)?;
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(deliver(client, rx, c.webhook_secret.clone(), allow));
        let dispatcher = WebhookDispatcher { tx, generated, daily, engine: engine.downgrade() };
        if let Some(url) = dispatcher.generated.clone() {
            tokio::spawn(forward(dispatcher.tx.clone(), url, engine.subscribe()));
        }
        if dispatcher.daily.is_some() {
            tokio::spawn(daily_reports(dispatcher.clone()));
        }
        tracing::info!(
            content_generated = dispatcher.generated.is_some(),
            daily_report = dispatcher.daily.is_some(),
            "webhooks enabled"
        );
        Ok(Some(dispatcher))
    }

    fn enqueue<T: Serialize>(&self, url: &reqwest::Url, event: &'static str, data: T) {
        enqueue(&self.tx, url, event, data);
    }

    /// Sends the analytics overview of the UTC day before `now` to the daily-report URL.
    pub async fn send_daily_report(&self, now: DateTime<Utc>) -> Result<()> {
        let Some(url) = &self.daily else { return Ok(()) };
        let Some(engine) = self.engine.upgrade() else { return Ok(()) };
        let end = now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
        let start = end - chrono::Duration::days(1);
        let overview = engine.analytics_overview(Some(start), Some(end), &RequestContext::anonymous()).await?;
        self.enqueue(url, "daily.report", overview);
        Ok(())
    }
}

fn enqueue<T: Serialize>(tx: &mpsc::Sender<Delivery>, url: &reqwest::Url, event: &'static str, data: T) {
    let body = match serde_json::to_vec(&Envelope { event, timestamp: Utc::now(), data }) {
        Ok(b) => b,
        Err(e) => return tracing::error!(error = %e, "could not serialise a webhook event"),
    };
    if tx.try_send(Delivery { url: url.clone(), event, body }).is_err() {
        tracing::warn!(event, "webhook queue full; event dropped");
    }
}

async fn forward(tx: mpsc::Sender<Delivery>, url: reqwest::Url, mut events: broadcast::Receiver<EngineEvent>) {
    loop {
        match events.recv().await {
            Ok(e @ EngineEvent::ContentGenerated { .. }) => enqueue(&tx, &url, "content.generated", &e),
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "webhooks fell behind the engine's events")
            }
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
}

async fn daily_reports(d: WebhookDispatcher) {
    loop {
        if d.engine.upgrade().is_none() {
            break;
        }
        let now = Utc::now();
        let next = (now.date_naive() + chrono::Duration::days(1)).and_time(chrono::NaiveTime::MIN).and_utc()
            + chrono::Duration::minutes(5);
        let wait = (next - now).to_std().unwrap_or(Duration::from_secs(3600));
        tokio::time::sleep(wait).await;
        if let Err(e) = d.send_daily_report(Utc::now()).await {
            tracing::warn!(error = %e, "could not build the daily report");
        }
    }
}

async fn deliver(
    client: reqwest::Client,
    mut rx: mpsc::Receiver<Delivery>,
    secret: Option<Secret>,
    allow_private: bool,
) {
    while let Some(d) = rx.recv().await {
        if !allow_private && let Err(e) = guard::check_literal(&d.url) {
            tracing::warn!(event = d.event, ip = %e.ip, range = e.range, "webhook address refused by the SSRF guard");
            continue;
        }
        let mut delay = Duration::from_millis(500);
        for attempt in 1..=ATTEMPTS {
            let ts = Utc::now().timestamp();
            let mut req = client
                .post(d.url.clone())
                .header("content-type", "application/json")
                .header("x-splants-event", d.event)
                .header("x-splants-timestamp", ts.to_string())
                .body(d.body.clone());
            if let Some(s) = &secret {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    #[tokio::test]
    async fn urls_are_checked() {
        let f = "WEBHOOK_CONTENT_GENERATED_URL";
        for bad in [
            "ftp://x.example.com/hook",
            "not a url",
            "http://127.0.0.1:9000/hook",
            "http://169.254.169.254/latest",
            "http://[::1]/x",
            "http://localhost/x",
        ] {
            let err = validate_url(f, bad, false).await.unwrap_err();
            assert!(matches!(&err, Error::Config { field, .. } if field == f), "{bad}: {err}");
        }
        for special in
            ["http://100.64.0.1/x", "http://198.18.0.1/x", "http://240.0.0.1/x", "http://[64:ff9b::a9fe:a9fe]/x"]
        {
            let err = validate_url(f, special, false).await.unwrap_err();
            assert!(err.to_string().contains("resolves to"), "{special}: {err}");
        }
        validate_url(f, "http://127.0.0.1:9000/hook", true).await.unwrap();
        validate_url(f, "https://8.8.8.8/hook", false).await.unwrap();
    }

    #[derive(Debug)]
    struct Answer(Vec<IpAddr>);

    #[async_trait::async_trait]
    impl HostResolver for Answer {
        async fn lookup(&self, _host: &str) -> std::io::Result<Vec<IpAddr>> {
            Ok(self.0.clone())
        }
    }

    #[tokio::test]
    async fn urls_are_checked_with_the_given_resolver() {
        let f = "WEBHOOK_DAILY_REPORT_URL";
        let public = Answer(vec!["93.184.215.14".parse().unwrap()]);
        validate_url_with(f, "https://hooks.example.test/x", false, &public).await.unwrap();
        let mixed = Answer(vec!["93.184.215.14".parse().unwrap(), "10.0.0.7".parse().unwrap()]);
        let err = validate_url_with(f, "https://hooks.example.test/x", false, &mixed).await.unwrap_err();
        assert!(matches!(&err, Error::Config { field, .. } if field == f), "{err}");
        assert!(err.to_string().contains("10.0.0.7"), "{err}");
        let none = Answer(vec![]);
        assert!(validate_url_with(f, "https://hooks.example.test/x", false, &none).await.is_err());
    }

    /// hyper connects to an IP literal without asking the resolver: each delivery checks it.
    #[tokio::test]
    async fn a_delivery_to_a_private_ip_literal_never_connects() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = reqwest::Url::parse(&format!("http://{}/hook", listener.local_addr().unwrap())).unwrap();
        let (tx, rx) = mpsc::channel(4);
        tx.send(Delivery { url, event: "content.generated", body: b"{}".to_vec() }).await.unwrap();
        drop(tx);
        let sent = tokio::spawn(deliver(client(Arc::new(SystemResolver), false).unwrap(), rx, None, false));
        let accepted = tokio::time::timeout(Duration::from_millis(700), listener.accept()).await;
        assert!(accepted.is_err(), "the delivery connected to 127.0.0.1");
        sent.await.unwrap();
    }

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_and_body() {
        // RFC 4231-style check: HMAC-SHA256("key", "1700000000.{}") computed independently.
        let sig = sign(&Secret::new("key"), 1_700_000_000, b"{}");
        assert!(sig.starts_with("sha256="));
        assert_eq!(sig.len(), 7 + 64);
        assert_eq!(sig, sign(&Secret::new("key"), 1_700_000_000, b"{}"));
        assert_ne!(sig, sign(&Secret::new("key2"), 1_700_000_000, b"{}"));
        assert_ne!(sig, sign(&Secret::new("key"), 1_700_000_001, b"{}"));
        // Known answer: HMAC_SHA256(key="key", msg="The quick brown fox jumps over the lazy dog")
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"key").unwrap();
        mac.update(b"The quick brown fox jumps over the lazy dog");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }
}
