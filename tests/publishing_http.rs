//! The publishing routes over HTTP: `POST /v1/content/publish`, `/v1/accounts`, `/v1/schedule`
//! (list, get, reschedule, cancel), their errors, the OpenAPI document, and the signed
//! `content.published` webhook. A recording publisher stands in for the platforms here; the
//! platform publishers' own wire formats are tested against local platform servers in
//! `splants/tests/publishers/`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use async_trait::async_trait;
use common::{ADMIN_KEY, base_config, json, start_customized};
use parking_lot::Mutex;
use serde_json::{Value, json};
use splants::Secret;
use splants::publish::{Post, PostedPart, PublishFailure, Published, Publisher, PublisherKind, Publishers};
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Default)]
struct Recorder {
    name: String,
    seen: Mutex<Vec<Post>>,
}

#[async_trait]
impl Publisher for Recorder {
    fn account(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> PublisherKind {
        PublisherKind::Mastodon
    }
    fn idempotent(&self) -> bool {
        true
    }
    fn validate(&self, parts: &[String]) -> splants::Result<()> {
        match parts.iter().position(|p| p.chars().count() > 500) {
            Some(i) => Err(splants::Error::validation(format!("parts[{i}]"), "longer than 500 characters")),
            None => Ok(()),
        }
    }
    async fn publish(&self, post: &Post) -> Result<Published, PublishFailure> {
        self.seen.lock().push(post.clone());
        let id = format!("status-{}", post.idempotency_key);
        Ok(Published {
            parts: vec![PostedPart { url: Some(format!("https://masto.test/@brand/{id}")), id, cid: None }],
        })
    }
}

fn publishers(r: &Arc<Recorder>) -> Publishers {
    [(r.name.clone(), r.clone() as Arc<dyn Publisher>)].into()
}

async fn piece(s: &common::TestServer, key: &str) -> String {
    let body = json!({"content_type": "social_media", "topic": "spring garden sale", "platform": "twitter"});
    let (st, _, v) = json(s.post("/v1/content/generate", key, body).await).await;
    assert_eq!(st, 200, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn until_status(s: &common::TestServer, id: &str, key: &str, want: &str) -> Value {
    for _ in 0..500 {
        let (_, _, v) = json(s.get(&format!("/v1/schedule/{id}"), key).await).await;
        if v["status"] == want {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{id} never became {want}");
}

#[tokio::test]
async fn a_piece_is_published_scheduled_listed_rescheduled_and_cancelled_over_http() {
    let masto = Arc::new(Recorder { name: "masto".into(), ..Recorder::default() });
    let m = masto.clone();
    let s = start_customized(base_config(), None, move |b| b.publishers(publishers(&m)).scheduler(true)).await;
    let (user, _) = s.user_key("standard").await;
    let id = piece(&s, &user).await;

    let (st, _, accounts) = json(s.get("/v1/accounts", &user).await).await;
    assert_eq!(st, 200);
    assert_eq!(accounts, json!([{"name": "masto", "platform": "mastodon", "idempotent": true, "threads": true}]));

    // Now: 202, published by the worker.
    let (st, _, v) =
        json(s.post("/v1/content/publish", &user, json!({"content_id": id, "platforms": ["masto"]})).await).await;
    assert_eq!(st, 202, "{v}");
    let now_id = v["posts"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(v["posts"][0]["status"], "scheduled");
    let done = until_status(&s, &now_id, &user, "published").await;
    assert_eq!(done["post_id"], format!("status-{now_id}"));
    assert_eq!(done["attempts"], 1);

    // Later: listed by time, rescheduled, cancelled; changes to done posts are 409.
    let later = |h: i64| (splants::clock::Clock::now(&s.clock) + chrono::Duration::hours(h)).to_rfc3339();
    let mut ids = Vec::new();
    for h in [5, 3] {
        let body = json!({"content_id": id, "targets": ["masto"], "scheduled_time": later(h)});
        let (st, _, v) = json(s.post("/v1/content/publish", &user, body).await).await;
        assert_eq!(st, 202, "{v}");
        ids.push(v["posts"][0]["id"].as_str().unwrap().to_owned());
    }
    let (st, _, page) = json(s.get("/v1/schedule?status=scheduled&limit=1", &user).await).await;
    assert_eq!(st, 200, "{page}");
    assert_eq!(page["items"][0]["id"], ids[1].as_str(), "earliest first");
    let next = page["next_cursor"].as_str().unwrap().to_owned();
    let (_, _, page2) = json(s.get(&format!("/v1/schedule?status=scheduled&cursor={next}"), &user).await).await;
    assert_eq!(page2["items"][0]["id"], ids[0].as_str());
    assert!(page2["next_cursor"].is_null());

    let patched = s
        .client
        .patch(s.url(&format!("/v1/schedule/{}", ids[0])))
        .header("x-api-key", &user)
        .json(&json!({"scheduled_time": later(1)}))
        .send()
        .await
        .unwrap();
    let (st, _, v) = json(patched).await;
    assert_eq!((st, v["status"].as_str()), (200, Some("scheduled")), "{v}");
    let delete = |sid: String| {
        let req = s.client.delete(s.url(&format!("/v1/schedule/{sid}"))).header("x-api-key", user.clone());
        async move { json(req.send().await.unwrap()).await }
    };
    let (st, _, v) = delete(ids[1].clone()).await;
    assert_eq!((st, v["status"].as_str()), (200, Some("cancelled")), "{v}");
    let (st, _, v) = delete(ids[1].clone()).await;
    assert_eq!(st, 409, "{v}");
    assert_eq!((v["code"].as_str(), v["type"].as_str()), (Some("conflict"), Some("ConflictError")));
    assert_eq!(v["details"]["state"], "cancelled");
    let (st, _, v) = delete(now_id.clone()).await;
    assert_eq!((st, v["details"]["state"].as_str()), (409, Some("published")), "{v}");

    // Another key sees none of it.
    let (other, _) = s.user_key("standard").await;
    let (st, _, v) = json(s.get(&format!("/v1/schedule/{now_id}"), &other).await).await;
    assert_eq!((st, v["code"].as_str()), (404, Some("not_found")));
    let (_, _, v) = json(s.get("/v1/schedule", &other).await).await;
    assert_eq!(v["items"], json!([]));
    let (_, _, v) = json(s.get("/v1/schedule", ADMIN_KEY).await).await;
    assert_eq!(v["items"], json!([]), "as in the library, every key sees its own entries");
    let (_, _, v) = json(s.get("/v1/schedule", &user).await).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 3);
    assert_eq!(masto.seen.lock().len(), 1, "only the post due now went out");
}

#[tokio::test]
async fn bad_publish_requests_are_422_naming_the_field_and_change_nothing() {
    let masto = Arc::new(Recorder { name: "masto".into(), ..Recorder::default() });
    let m = masto.clone();
    let s = start_customized(base_config(), None, move |b| b.publishers(publishers(&m)).scheduler(true)).await;
    let (user, _) = s.user_key("standard").await;
    let id = piece(&s, &user).await;
    let cases = [
        (json!({"content_id": id, "targets": ["nope"]}), "targets[0]"),
        (json!({"content_id": id, "targets": []}), "targets"),
        (json!({"content_id": id, "targets": ["masto", "masto"]}), "targets[1]"),
        (json!({"content_id": id, "targets": ["masto"], "scheduled_time": "tomorrow"}), "scheduled_time"),
        (json!({"content_id": id, "targets": ["masto"], "scheduled_time": "2001-01-01T00:00:00Z"}), "scheduled_time"),
        (json!({"content_id": id, "targets": ["masto"], "colour": "red"}), "colour"),
        (json!({"targets": ["masto"]}), "content_id"),
        (json!({"content_id": id, "targets": "masto"}), "targets"),
    ];
    for (body, field) in cases {
        let (st, _, v) = json(s.post("/v1/content/publish", &user, body.clone()).await).await;
        assert_eq!(st, 422, "{body}: {v}");
        assert!(v["details"]["field"].as_str().unwrap_or_default().contains(field), "{body}: {v}");
    }
    let (st, _, v) =
        json(s.post("/v1/content/publish", &user, json!({"content_id": "0000", "targets": ["masto"]})).await).await;
    assert_eq!((st, v["code"].as_str()), (404, Some("not_found")), "{v}");
    let (st, _, v) = json(s.get("/v1/schedule?status=sent", &user).await).await;
    assert_eq!(st, 422, "{v}");
    let (st, _, v) = json(s.get("/v1/schedule?limit=0", &user).await).await;
    assert_eq!((st, v["details"]["field"].as_str()), (422, Some("limit")), "{v}");
    let (st, _, _) = json(s.get("/v1/schedule/%00", &user).await).await;
    assert_eq!(st, 404);
    let patched =
        s.client.patch(s.url("/v1/schedule/x")).header("x-api-key", &user).json(&json!({})).send().await.unwrap();
    let (st, _, v) = json(patched).await;
    assert_eq!((st, v["details"]["field"].as_str()), (422, Some("scheduled_time")), "{v}");
    let (_, _, v) = json(s.get("/v1/schedule", &user).await).await;
    assert_eq!(v["items"], json!([]), "nothing was scheduled");
    let (st, _, _) = json(s.client.get(s.url("/v1/schedule")).send().await.unwrap()).await;
    assert_eq!(st, 403, "a key is required");
    assert!(masto.seen.lock().is_empty());
}

#[tokio::test]
async fn the_openapi_document_describes_the_publishing_routes() {
    let s = start_customized(base_config(), None, |b| b).await;
    let (_, _, doc) = json(s.client.get(s.url("/openapi.json")).send().await.unwrap()).await;
    let paths = &doc["paths"];
    assert!(paths["/v1/content/publish"]["post"]["responses"]["202"].is_object(), "{}", paths["/v1/content/publish"]);
    assert!(paths["/v1/schedule"]["get"].is_object());
    for m in ["get", "patch", "delete"] {
        assert!(paths["/v1/schedule/{id}"][m].is_object(), "{m}");
    }
    assert!(paths["/v1/schedule/{id}"]["delete"]["responses"]["409"].is_object());
    let schemas = &doc["components"]["schemas"];
    for name in ["PublishRequest", "ScheduledPost", "SchedulePage", "PostStatus", "AccountInfo"] {
        assert!(schemas[name].is_object(), "schema {name}");
    }
}

#[tokio::test]
async fn content_published_reaches_its_webhook_signed() {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/published"))
        .and(header("x-splants-event", "content.published"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let mut config = base_config();
    config.webhooks.content_published_url = Some(format!("{}/hooks/published", receiver.uri()));
    config.webhooks.secret = Some(Secret::new("whsec-pub"));
    config.webhooks.allow_private = true;
    let masto = Arc::new(Recorder { name: "masto".into(), ..Recorder::default() });
    let m = masto.clone();
    let s = start_customized(config, None, move |b| b.publishers(publishers(&m)).scheduler(true)).await;
    let (user, _) = s.user_key("standard").await;
    let id = piece(&s, &user).await;
    let (st, _, v) =
        json(s.post("/v1/content/publish", &user, json!({"content_id": id, "targets": ["masto"]})).await).await;
    assert_eq!(st, 202, "{v}");
    let sid = v["posts"][0]["id"].as_str().unwrap().to_owned();
    let mut got = Vec::new();
    for _ in 0..300 {
        got = receiver.received_requests().await.unwrap();
        if !got.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let req = got.first().expect("a content.published delivery");
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["event"], "content.published");
    assert_eq!(body["data"]["schedule_id"], sid.as_str());
    assert_eq!(body["data"]["content_id"], id.as_str());
    assert_eq!(body["data"]["account"], "masto");
    assert_eq!(body["data"]["post_id"], format!("status-{sid}"));
    let ts: i64 = req.headers.get("x-splants-timestamp").unwrap().to_str().unwrap().parse().unwrap();
    let sig = req.headers.get("x-splants-signature").unwrap().to_str().unwrap();
    assert_eq!(sig, splants::webhook::sign(&Secret::new("whsec-pub"), ts, &req.body));
}
