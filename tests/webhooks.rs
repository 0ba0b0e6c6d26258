//! Webhooks: signed `content.generated` deliveries with retries, the daily report, the SSRF guard.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use splants::Secret;
use splants::clock::FakeClock;
use splants::config::Config;
use splants::webhook::{HostResolver, sign};
use splants::{ContentEngine, ContentRequest, ContentType, RequestContext};
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

async fn wait_for(server: &MockServer, n: usize) -> Vec<Request> {
    for _ in 0..300 {
        let got = server.received_requests().await.unwrap();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("expected {n} webhook deliveries, got {}", server.received_requests().await.unwrap().len());
}

fn config(receiver: &MockServer) -> Config {
    {
        let mut config = Config::default();
        config.webhooks.content_generated_url = Some(format!("{}/hooks/generated", receiver.uri()));
        config.webhooks.secret = Some(Secret::new("whsec-test"));
        config.webhooks.allow_private = true;
        config
    }
}

#[tokio::test]
async fn content_generated_is_delivered_signed() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/generated"))
        .and(header("x-splants-event", "content.generated"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let engine = ContentEngine::builder().config(config(&receiver)).in_memory().build().await.unwrap();
    let piece = engine
        .generate(ContentRequest::new(ContentType::Email, "Welcome"), &RequestContext::anonymous())
        .await
        .unwrap();
    let got = wait_for(&receiver, 1).await;
    let req = &got[0];
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["event"], "content.generated");
    assert_eq!(body["data"]["content_id"], piece.id.as_str());
    let ts: i64 = req.headers.get("x-splants-timestamp").unwrap().to_str().unwrap().parse().unwrap();
    let sig = req.headers.get("x-splants-signature").unwrap().to_str().unwrap();
    assert_eq!(sig, sign(&Secret::new("whsec-test"), ts, &req.body), "the receiver can verify the signature");
    assert_ne!(sig, sign(&Secret::new("other"), ts, &req.body));
}

#[tokio::test]
async fn failed_deliveries_are_retried() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)).up_to_n_times(1).mount(&receiver).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(204)).mount(&receiver).await;
    let engine = ContentEngine::builder().config(config(&receiver)).in_memory().build().await.unwrap();
    engine.generate(ContentRequest::new(ContentType::AdCopy, "Boots"), &RequestContext::anonymous()).await.unwrap();
    let got = wait_for(&receiver, 2).await;
    assert_eq!(got[0].body, got[1].body, "the same delivery was sent again");
}

/// The engine's own timer sends yesterday's overview at 00:05 UTC by the engine's clock: a
/// fake clock here, moved past midnight, so nothing waits for a real day.
#[tokio::test]
async fn daily_report_posts_yesterdays_overview() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST")).and(path("/daily")).respond_with(ResponseTemplate::new(200)).mount(&receiver).await;
    let cfg = {
        let mut config = Config::default();
        config.webhooks.daily_report_url = Some(format!("{}/daily", receiver.uri()));
        config.webhooks.allow_private = true;
        config
    };
    let clock = FakeClock::at_ymd_hms(2026, 3, 1, 12, 0, 0);
    let engine = ContentEngine::builder().config(cfg).in_memory().clock(Arc::new(clock.clone())).build().await.unwrap();
    engine.generate(ContentRequest::new(ContentType::Email, "Welcome"), &RequestContext::anonymous()).await.unwrap();
    for _ in 0..500 {
        if clock.sleepers() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(clock.sleepers(), 1, "the daily timer waits on the engine's clock");
    clock.set("2026-03-02T00:05:00Z".parse().unwrap());
    let got = wait_for(&receiver, 1).await;
    let body: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["event"], "daily.report");
    assert!(body["data"].get("total_content").is_some() && body["data"].get("total_cost").is_some());
    assert_eq!(body["data"]["total_content"], 1, "the piece of 2026-03-01 is counted: {body}");
    assert_eq!(body["data"]["since"], "2026-03-01T00:00:00Z");
    assert!(got[0].headers.get("x-splants-signature").is_none(), "unsigned without a secret");
    assert_eq!(engine.shutdown(Duration::from_secs(1)).await.aborted, 0);
}

#[tokio::test]
async fn private_webhook_urls_are_refused_unless_allowed() {
    let cfg = {
        let mut config = Config::default();
        config.webhooks.content_generated_url = Some("http://127.0.0.1:9/hook".into());
        config
    };
    let err = ContentEngine::builder().config(cfg).in_memory().build().await.unwrap_err();
    assert!(matches!(&err, splants::Error::Config { field, .. } if field == "WEBHOOK_CONTENT_GENERATED_URL"), "{err}");
    assert!(err.to_string().contains("SPLANTS_WEBHOOK_ALLOW_PRIVATE"));
    let cfg = {
        let mut config = Config::default();
        config.webhooks.daily_report_url = Some("http://169.254.169.254/latest/meta-data".into());
        config
    };
    assert!(ContentEngine::builder().config(cfg).in_memory().build().await.is_err());
}

/// A listener on 127.0.0.1 that counts the connections it accepts and answers each request 200.
async fn counting_listener() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
            });
        }
    });
    (addr, hits)
}

/// A resolver that answers a public address the first time (start-up validation passes) and
/// `later` on every lookup after that, as a DNS-rebinding attacker's name server does.
#[derive(Debug)]
struct Rebinding {
    lookups: AtomicUsize,
    later: Vec<IpAddr>,
}

#[async_trait::async_trait]
impl HostResolver for Rebinding {
    async fn lookup(&self, _host: &str) -> std::io::Result<Vec<IpAddr>> {
        let n = self.lookups.fetch_add(1, Ordering::SeqCst);
        Ok(if n == 0 { vec!["93.184.215.14".parse().unwrap()] } else { self.later.clone() })
    }
}

async fn rebinding_engine(later: &[&str], allow_private: bool) -> (ContentEngine, Arc<Rebinding>, Arc<AtomicUsize>) {
    let (addr, hits) = counting_listener().await;
    // With private addresses allowed the URL is not resolved at start-up; skip the public
    // answer then, so that no connection ever leaves 127.0.0.1.
    let skip_public = usize::from(allow_private);
    let later = later.iter().map(|s| s.parse().unwrap()).collect();
    let resolver = Arc::new(Rebinding { lookups: AtomicUsize::new(skip_public), later });
    let cfg = {
        let mut config = Config::default();
        config.webhooks.content_generated_url = Some(format!("http://hooks.rebind.test:{}/hook", addr.port()));
        config.webhooks.allow_private = allow_private;
        config
    };
    let engine =
        ContentEngine::builder().config(cfg).in_memory().webhook_resolver(resolver.clone()).build().await.unwrap();
    assert_eq!(resolver.lookups.load(Ordering::SeqCst), 1, "the URL was validated at start-up, or skipped");
    (engine, resolver, hits)
}

async fn wait_for_lookups(resolver: &Rebinding, n: usize) {
    for _ in 0..250 {
        if resolver.lookups.load(Ordering::SeqCst) >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the webhook client never resolved the host again");
}

#[tokio::test]
async fn a_host_that_rebinds_to_loopback_after_start_up_is_refused_at_connect_time() {
    for later in [&["127.0.0.1"][..], &["169.254.169.254", "127.0.0.1"], &["::ffff:127.0.0.1"]] {
        let (engine, resolver, hits) = rebinding_engine(later, false).await;
        engine
            .generate(ContentRequest::new(ContentType::Email, "Welcome"), &RequestContext::anonymous())
            .await
            .unwrap();
        wait_for_lookups(&resolver, 2).await;
        // A retry would come 500 ms later; a refusal by the guard is final.
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(hits.load(Ordering::SeqCst), 0, "{later:?}: the delivery reached the local listener");
        assert_eq!(resolver.lookups.load(Ordering::SeqCst), 2, "{later:?}: a refused address is not retried");
    }
}

#[tokio::test]
async fn with_private_addresses_allowed_the_same_rebinding_host_is_reached() {
    // The control for the test above: the listener is reachable through this resolver.
    let (engine, _resolver, hits) = rebinding_engine(&["127.0.0.1"], true).await;
    engine.generate(ContentRequest::new(ContentType::Email, "Welcome"), &RequestContext::anonymous()).await.unwrap();
    for _ in 0..250 {
        if hits.load(Ordering::SeqCst) > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the delivery never reached the listener");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let (target, target_hits) = counting_listener().await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", format!("http://{target}/internal").as_str()),
        )
        .mount(&receiver)
        .await;
    let engine = ContentEngine::builder().config(config(&receiver)).in_memory().build().await.unwrap();
    engine.generate(ContentRequest::new(ContentType::Email, "Welcome"), &RequestContext::anonymous()).await.unwrap();
    wait_for(&receiver, 1).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(target_hits.load(Ordering::SeqCst), 0, "the redirect was followed");
    assert_eq!(receiver.received_requests().await.unwrap().len(), 1, "a redirect is an answer, not retried");
}
