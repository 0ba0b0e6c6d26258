//! Helpers shared by the server tests: a server on an ephemeral port, upstream mocks.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod flaky;

use serde_json::{Value, json};
use splants::Secret;
use splants::clock::FakeClock;
use splants::config::{Config, ProviderKind};
use splants::server::{router, serve};
use splants::storage::Stores;
use splants::{ContentEngine, Usd};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The fault proxy (one copy, in the `splants-testkit` crate) for Postgres, Redis and provider faults.
#[allow(unused_imports)]
pub use splants_testkit::{FaultProxy, Mode};

pub const ADMIN_KEY: &str = "admin-test-key-0001";

pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    pub engine: ContentEngine,
    pub clock: FakeClock,
    shutdown: Option<oneshot::Sender<()>>,
    pub handle: Option<JoinHandle<splants::Result<()>>>,
}

pub fn base_config() -> Config {
    {
        let mut config = Config::default();
        config.auth.api_key = Some(Secret::new(ADMIN_KEY));
        config.budget.global_limit = Usd::from_dollars(100.0);
        config
    }
}

pub async fn start(config: Config) -> TestServer {
    start_with(config, None).await
}

pub async fn start_with(config: Config, stores: Option<Stores>) -> TestServer {
    start_customized(config, stores, |b| b).await
}

/// A server whose engine builder `customize` adjusts last (publishers, a scheduler).
pub async fn start_customized(
    config: Config,
    stores: Option<Stores>,
    customize: impl FnOnce(splants::ContentEngineBuilder) -> splants::ContentEngineBuilder,
) -> TestServer {
    let clock = FakeClock::at_ymd_hms(2026, 11, 25, 12, 0, 0);
    let options = config.server.clone();
    let mut builder = ContentEngine::builder().config(config).clock(Arc::new(clock.clone())).in_memory();
    if let Some(s) = stores {
        builder = builder.stores(s);
    }
    let engine = customize(builder).build().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = oneshot::channel::<()>();
    let app = router(engine.clone(), options);
    let handle = tokio::spawn(serve(listener, app, async move {
        let _ = rx.await;
    }));
    TestServer { base, client: reqwest::Client::new(), engine, clock, shutdown: Some(tx), handle: Some(handle) }
}

impl TestServer {
    pub fn url(&self, p: &str) -> String {
        format!("{}{}", self.base, p)
    }

    pub async fn post(&self, p: &str, key: &str, body: Value) -> reqwest::Response {
        self.client.post(self.url(p)).header("x-api-key", key).json(&body).send().await.unwrap()
    }

    pub async fn get(&self, p: &str, key: &str) -> reqwest::Response {
        self.client.get(self.url(p)).header("x-api-key", key).send().await.unwrap()
    }

    pub fn shutdown(&mut self) -> JoinHandle<splants::Result<()>> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.handle.take().unwrap()
    }

    /// Creates a user key through the API and returns its secret.
    pub async fn user_key(&self, tier: &str) -> (String, String) {
        let r = self.post("/v1/admin/keys", ADMIN_KEY, json!({"name": "user", "tier": tier})).await;
        assert_eq!(r.status(), 201);
        let body: Value = r.json().await.unwrap();
        (body["secret"].as_str().unwrap().to_owned(), body["id"].as_str().unwrap().to_owned())
    }
}

pub async fn json(r: reqwest::Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, value)
}

/// An OpenAI-format upstream that answers every chat completion with `text` and fixed usage.
pub async fn openai_upstream(text: &str, delay_ms: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({
                    "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 400, "completion_tokens": 300, "total_tokens": 700}
                }))
                .set_delay(std::time::Duration::from_millis(delay_ms)),
        )
        .mount(&server)
        .await;
    server
}

pub fn openai_config(upstream: &MockServer) -> Config {
    {
        let mut config = base_config();
        config.provider.kind = ProviderKind::OpenAi;
        config.provider.openai_api_key = Some(Secret::new("sk-upstream-secret-123456"));
        config.provider.openai_base_url = Some(format!("{}/v1", upstream.uri()));
        config.provider.model = Some("gpt-4o-mini".into());
        config.provider.max_attempts = 1;
        config
    }
}
