//! Webhook tests: URL checks, the SSRF guard on delivery, signatures, and the daily report on
//! the fake clock. Nothing here uses the engine: a report source stands in for it.

use super::tasks::{Outbox, client, deliver};
use super::*;
use crate::analytics::{ContentStats, UsageTotals};
use crate::clock::{Clock, FakeClock};
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    for special in ["http://100.64.0.1/x", "http://198.18.0.1/x", "http://240.0.0.1/x", "http://[64:ff9b::a9fe:a9fe]/x"]
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
    let clock: SharedClock = Arc::new(FakeClock::at_ymd_hms(2026, 3, 1, 12, 0, 0));
    let (outbox, rx) = Outbox::new(Arc::clone(&clock));
    outbox.enqueue(&url, "content.generated", serde_json::json!({}));
    let pending = outbox.pending();
    drop(outbox);
    let client = client(Arc::new(SystemResolver), false).unwrap();
    let sent = tokio::spawn(deliver(client, rx, pending.clone(), None, clock, false));
    let accepted = tokio::time::timeout(Duration::from_millis(700), listener.accept()).await;
    assert!(accepted.is_err(), "the delivery connected to 127.0.0.1");
    sent.await.unwrap();
    assert_eq!(pending.get(), 0, "a refused delivery is done, not pending");
}

#[test]
fn signature_is_hmac_sha256_of_timestamp_and_body() {
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::Sha256;
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

#[test]
fn the_config_debug_shows_no_secret_and_no_url_credentials() {
    let c = WebhookConfig {
        content_generated_url: Some("https://user:hunter2@hooks.example.com/g?token=abc123".into()),
        daily_report_url: Some("https://hooks.example.com/d?key=k-999".into()),
        secret: Some(Secret::new("whsec-do-not-print")),
        ..WebhookConfig::default()
    };
    let shown = format!("{c:?}");
    for secret in ["hunter2", "abc123", "k-999", "whsec-do-not-print"] {
        assert!(!shown.contains(secret), "{secret} shown in {shown}");
    }
    assert!(shown.contains("hooks.example.com") && shown.contains("allow_private: false"), "{shown}");
    assert!(WebhookConfig::default().content_generated_url.is_none() && !WebhookConfig::default().allow_private);
}

#[test]
fn the_daily_report_is_due_five_minutes_after_utc_midnight() {
    let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    assert_eq!(next_daily_report(at("2026-03-01T23:59:00Z")), at("2026-03-02T00:05:00Z"));
    assert_eq!(next_daily_report(at("2026-03-02T00:04:59Z")), at("2026-03-03T00:05:00Z"));
    assert_eq!(next_daily_report(at("2026-12-31T12:00:00Z")), at("2027-01-01T00:05:00Z"));
}

/// Answers an empty overview for the day asked, and remembers which days were asked for.
#[derive(Default)]
struct Reports {
    days: parking_lot::Mutex<Vec<NaiveDate>>,
    calls: AtomicUsize,
}

#[async_trait]
impl ReportSource for Reports {
    async fn daily_report(&self, day: NaiveDate) -> Result<Overview> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.days.lock().push(day);
        let since = day.and_time(chrono::NaiveTime::MIN).and_utc();
        Ok(Overview::new(ContentStats::default(), UsageTotals::default(), since, since + chrono::Duration::days(1)))
    }
}

/// Waits (a few milliseconds of real time at most) until `done` holds.
async fn soon(what: &str, done: impl Fn() -> bool) {
    for _ in 0..2000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("{what} did not happen");
}

async fn received(server: &wiremock::MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap_or_default()
}

#[tokio::test]
async fn the_daily_report_is_sent_when_the_fake_clock_reaches_its_time_and_is_signed() {
    use wiremock::matchers::{method, path};
    let receiver = wiremock::MockServer::start().await;
    wiremock::Mock::given(method("POST"))
        .and(path("/daily"))
        .respond_with(wiremock::ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let clock = FakeClock::at_ymd_hms(2026, 3, 1, 23, 59, 0);
    let reports = Arc::new(Reports::default());
    let config = WebhookConfig {
        daily_report_url: Some(format!("{}/daily", receiver.uri())),
        secret: Some(Secret::new("whsec-daily")),
        allow_private: true,
        ..WebhookConfig::default()
    };
    let events = crate::events::EventSink::default();
    let handle = WebhookDispatcher::new(config, reports.clone(), Arc::new(clock.clone()))
        .start(events.subscribe())
        .await
        .unwrap()
        .expect("a daily-report URL starts the dispatcher");
    soon("the timer going to sleep", || clock.sleepers() == 1).await;

    // 00:04 the next day: not yet due.
    clock.advance(Duration::from_secs(5 * 60));
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(reports.calls.load(Ordering::SeqCst), 0, "the report was built before 00:05");
    assert!(received(&receiver).await.is_empty());
    assert_eq!(clock.sleepers(), 1, "the timer sleeps on");

    // 00:05: due.
    clock.advance(Duration::from_secs(60));
    soon("the report being built", || reports.calls.load(Ordering::SeqCst) == 1).await;
    let mut got = received(&receiver).await;
    for _ in 0..2000 {
        if !got.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
        got = received(&receiver).await;
    }
    assert_eq!(got.len(), 1, "one delivery");
    assert_eq!(reports.days.lock().as_slice(), ["2026-03-01".parse::<NaiveDate>().unwrap()], "yesterday's report");
    let req = &got[0];
    let header = |name: &str| req.headers.get(name).unwrap().to_str().unwrap().to_owned();
    assert_eq!(header("x-splants-event"), "daily.report");
    let ts: i64 = header("x-splants-timestamp").parse().unwrap();
    assert_eq!(ts, clock.now().timestamp(), "stamped by the engine's clock");
    assert_eq!(ts, "2026-03-02T00:05:00Z".parse::<DateTime<Utc>>().unwrap().timestamp());
    assert_eq!(header("x-splants-signature"), sign(&Secret::new("whsec-daily"), ts, &req.body), "verifiable");
    assert_ne!(header("x-splants-signature"), sign(&Secret::new("other"), ts, &req.body));
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["event"], "daily.report");
    assert_eq!(body["timestamp"], "2026-03-02T00:05:00Z");
    assert_eq!(body["data"]["since"], "2026-03-01T00:00:00Z");
    assert!(body["data"].get("total_content").is_some() && body["data"].get("total_cost").is_some());

    // Then it waits for the next day, and shutdown stops it.
    soon("the timer sleeping until tomorrow", || clock.sleepers() == 1).await;
    assert_eq!(handle.shutdown(Duration::from_secs(1)).await, 0, "nothing left unsent");
    assert_eq!(clock.sleepers(), 0, "the timer stopped");
    handle.send_daily_report(clock.now()).await.unwrap();
    assert_eq!(reports.calls.load(Ordering::SeqCst), 1, "nothing is sent after shutdown");
}

#[tokio::test]
async fn without_a_url_that_sends_nothing_starts() {
    let config = WebhookConfig { secret: Some(Secret::new("s")), ..WebhookConfig::default() };
    let clock: SharedClock = Arc::new(FakeClock::at_ymd_hms(2026, 3, 1, 0, 0, 0));
    let events = crate::events::EventSink::default();
    let started = WebhookDispatcher::new(config, Arc::new(Reports::default()), clock).start(events.subscribe()).await;
    assert!(started.unwrap().is_none());
}
