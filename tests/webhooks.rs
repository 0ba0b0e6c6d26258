//! Webhooks: signed `content.generated` deliveries with retries, the daily report, the SSRF guard.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use splants::config::{Config, Secret};
use splants::webhook::{WebhookDispatcher, sign};
use splants::{ContentEngine, ContentRequest, ContentType, RequestContext};
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
    Config {
        webhook_content_generated_url: Some(format!("{}/hooks/generated", receiver.uri())),
        webhook_secret: Some(Secret::new("whsec-test")),
        webhook_allow_private: true,
        ..Config::default()
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

#[tokio::test]
async fn daily_report_posts_yesterdays_overview() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST")).and(path("/daily")).respond_with(ResponseTemplate::new(200)).mount(&receiver).await;
    let cfg = Config {
        webhook_daily_report_url: Some(format!("{}/daily", receiver.uri())),
        webhook_allow_private: true,
        ..Config::default()
    };
    let engine = ContentEngine::builder().config(cfg).in_memory().build().await.unwrap();
    let d = WebhookDispatcher::start(&engine).await.unwrap().unwrap();
    d.send_daily_report(chrono::Utc::now()).await.unwrap();
    let got = wait_for(&receiver, 1).await;
    let body: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["event"], "daily.report");
    assert!(body["data"].get("total_content").is_some() && body["data"].get("total_cost").is_some());
    assert!(got[0].headers.get("x-splants-signature").is_none(), "unsigned without a secret");
}

#[tokio::test]
async fn private_webhook_urls_are_refused_unless_allowed() {
    let cfg = Config { webhook_content_generated_url: Some("http://127.0.0.1:9/hook".into()), ..Config::default() };
    let err = ContentEngine::builder().config(cfg).in_memory().build().await.unwrap_err();
    assert!(matches!(&err, splants::Error::Config { field, .. } if field == "WEBHOOK_CONTENT_GENERATED_URL"), "{err}");
    assert!(err.to_string().contains("SPLANTS_WEBHOOK_ALLOW_PRIVATE"));
    let cfg = Config {
        webhook_daily_report_url: Some("http://169.254.169.254/latest/meta-data".into()),
        ..Config::default()
    };
    assert!(ContentEngine::builder().config(cfg).in_memory().build().await.is_err());
}
