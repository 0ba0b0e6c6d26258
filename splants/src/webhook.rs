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
//! URLs must be `http(s)` and, unless `SPLANTS_WEBHOOK_ALLOW_PRIVATE=true`, must not resolve to
//! loopback, private, link-local (cloud metadata), multicast or unspecified addresses.

use crate::config::{Config, Secret};
use crate::engine::{ContentEngine, RequestContext, WeakEngine};
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;
use std::net::IpAddr;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// Deliveries waiting to be sent before new ones are dropped.
const QUEUE: usize = 1024;
/// Attempts per delivery.
const ATTEMPTS: u32 = 4;

/// Whether an address is loopback, private, link-local, multicast or unspecified.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]) // carrier-grade NAT
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let seg = v6.segments()[0];
            v6.is_loopback()
                || v6.is_multicast()
                || v6.is_unspecified()
                || (seg & 0xfe00) == 0xfc00 // unique local
                || (seg & 0xffc0) == 0xfe80 // link local
        }
    }
}

/// Checks a webhook URL: `http(s)`, a host, and (unless `allow_private`) no address in a
/// private range once resolved. `field` names the setting in errors.
pub async fn validate_url(field: &str, url: &str, allow_private: bool) -> Result<reqwest::Url> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::config(field, format!("`{}` is not a URL: {e}", crate::error::redact(url))))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::config(field, "must be an http:// or https:// URL"));
    }
    let host = parsed.host_str().ok_or_else(|| Error::config(field, "has no host"))?.to_owned();
    if allow_private {
        return Ok(parsed);
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    let host_for_lookup = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    let addrs: Vec<IpAddr> = match host_for_lookup.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host_for_lookup.as_str(), port))
            .await
            .map_err(|e| Error::config(field, format!("host `{host}` does not resolve: {e}")))?
            .map(|a| a.ip())
            .collect(),
    };
    if let Some(ip) = addrs.iter().find(|ip| is_private(**ip)) {
        return Err(Error::config(
            field,
            format!(
                "host `{host}` resolves to {ip}, a loopback/private/link-local address; \
                 set SPLANTS_WEBHOOK_ALLOW_PRIVATE=true to allow it"
            ),
        ));
    }
    Ok(parsed)
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
    /// (on the current tokio runtime). `None` when no webhook URL is configured.
    pub async fn start(engine: &ContentEngine) -> Result<Option<Self>> {
        let c: &Config = engine.config();
        let allow = c.webhook_allow_private;
        let generated = match &c.webhook_content_generated_url {
            Some(u) => Some(validate_url("WEBHOOK_CONTENT_GENERATED_URL", u, allow).await?),
            None => None,
        };
        if let Some(u) = &c.webhook_content_published_url {
            validate_url("WEBHOOK_CONTENT_PUBLISHED_URL", u, allow).await?;
        }
        let daily = match &c.webhook_daily_report_url {
            Some(u) => Some(validate_url("WEBHOOK_DAILY_REPORT_URL", u, allow).await?),
            None => None,
        };
        if generated.is_none() && daily.is_none() {
            return Ok(None);
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::internal(format!("webhook client: {e}")))?;
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(deliver(client, rx, c.webhook_secret.clone()));
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

async fn deliver(client: reqwest::Client, mut rx: mpsc::Receiver<Delivery>, secret: Option<Secret>) {
    while let Some(d) = rx.recv().await {
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

    #[test]
    fn private_ranges() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "1.1.1.1", "2606:4700::1111"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

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
        validate_url(f, "http://127.0.0.1:9000/hook", true).await.unwrap();
        validate_url(f, "https://8.8.8.8/hook", false).await.unwrap();
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
