//! The HTTP API over real HTTP on 127.0.0.1 with a real client: every endpoint, each error
//! status, auth and key rotation, batches, CORS, request ids, metrics, readiness, shutdown,
//! and the OpenAPI document against the served routes.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ADMIN_KEY, TestServer, base_config, json, openai_config, openai_upstream, start, start_with};
use serde_json::{Value, json};
use splants::Usd;
use std::time::Duration;

const BLOG: &str = "# Spring marketing\n\nSpring marketing helps small teams grow. Start your free trial today.";

#[tokio::test]
async fn every_endpoint_answers() {
    let s = start(base_config()).await;
    let (st, _, piece) = json(s.post("/v1/content/generate", ADMIN_KEY, json!({
        "content_type": "blog", "topic": "10 AI Marketing Tips", "keywords": ["AI marketing", "automation"],
        "tone": "professional", "platform": "blog", "length": 300, "seo_optimize": true, "include_hashtags": false
    })).await).await;
    assert_eq!(st, 200, "{piece}");
    for field in ["id", "content", "quality_score", "seo_score", "metadata", "cost_usd", "provider", "created_at"] {
        assert!(piece.get(field).is_some(), "missing {field}");
    }
    let id = piece["id"].as_str().unwrap();
    let (st, _, got) = json(s.get(&format!("/v1/content/{id}"), ADMIN_KEY).await).await;
    assert_eq!((st, got["id"].as_str()), (200, Some(id)));
    let (st, _, page) = json(s.get("/v1/content?content_type=blog&limit=5", ADMIN_KEY).await).await;
    assert_eq!((st, page["items"].as_array().unwrap().len()), (200, 1));
    let (st, _, t) = json(s.get("/v1/templates", ADMIN_KEY).await).await;
    assert_eq!(st, 200);
    assert!(t["templates"].as_array().unwrap().iter().any(|n| n == "product_launch"));
    let (st, _, tpl) = json(s.get("/v1/templates/product_launch", ADMIN_KEY).await).await;
    assert_eq!((st, tpl["content_type"].as_str()), (200, Some("social_media")));
    let vars = json!({"product_name": "Splants Pro", "features": "scheduling", "audience": "marketers", "launch_date": "March 1st"});
    let (st, _, p1) = json(
        s.post(
            "/v1/content/from-template",
            ADMIN_KEY,
            json!({"template_name": "product_launch", "variables": vars, "tone": "casual"}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 200, "{p1}");
    assert_eq!(p1["template"]["name"], "product_launch");
    let (st, _, p2) =
        json(s.post("/v1/content/from-template?template_name=product_launch", ADMIN_KEY, vars.clone()).await).await;
    assert_eq!(st, 200, "the original app's query-string style works: {p2}");
    let (st, _, b) = json(
        s.post(
            "/v1/content/batch",
            ADMIN_KEY,
            json!([
                {"content_type": "email", "topic": "Welcome"}, {"content_type": "ad_copy", "topic": "Winter boots"}
            ]),
        )
        .await,
    )
    .await;
    assert_eq!((st, b["successful"].as_u64(), b["failed"].as_u64()), (200, Some(2), Some(0)));
    let (st, _, ev) = json(s.post("/v1/analytics/events", ADMIN_KEY, json!([
        {"event_name": "impression", "content_id": id, "count": 100}, {"event_name": "click", "content_id": id, "count": 7}
    ])).await).await;
    assert_eq!((st, ev["recorded"].as_u64()), (201, Some(2)));
    let (st, _, ov) = json(s.get("/v1/analytics", ADMIN_KEY).await).await;
    assert_eq!((st, ov["total_content"].as_u64()), (200, Some(5)));
    assert!(ov.get("avg_quality").is_some() && ov.get("top_platforms").is_some() && ov.get("total_cost").is_some());
    let (st, _, en) = json(s.get("/v1/analytics/engagement?platform=blog", ADMIN_KEY).await).await;
    assert_eq!((st, en["totals"]["clicks"].as_u64()), (200, Some(7)));
    let (st, _, roi) = json(s.get("/v1/analytics/roi?time_period=quarter", ADMIN_KEY).await).await;
    assert_eq!((st, roi["time_period"].as_str(), roi["pieces"].as_u64()), (200, Some("quarter"), Some(5)));
    let (st, _, budget) = json(s.get("/v1/budget", ADMIN_KEY).await).await;
    assert_eq!(
        (st, budget["scopes"][0]["scope"].as_str(), budget["scopes"][0]["limit"].as_f64()),
        (200, Some("global"), Some(100.0))
    );
    let (st, _, cfg) = json(s.client.get(s.url("/v1/config/public")).send().await.unwrap()).await;
    assert_eq!(st, 200);
    assert_eq!(cfg["api_key_configured"], true);
    assert_eq!(cfg["features"]["redis_enabled"], false);
    assert_eq!(cfg["features"]["anthropic_enabled"], false);
    assert_eq!(cfg["features"]["webhooks_enabled"], false);
    let (st, _, h) = json(s.client.get(s.url("/health")).send().await.unwrap()).await;
    assert_eq!(
        (st, h["status"].as_str(), h["components"]["database"]["status"].as_str()),
        (200, Some("healthy"), Some("healthy"))
    );
    assert_eq!(json(s.client.get(s.url("/health/live")).send().await.unwrap()).await.2["status"], "alive");
    assert_eq!(json(s.client.get(s.url("/health/ready")).send().await.unwrap()).await.2["status"], "ready");
    let docs = s.client.get(s.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("/v1/content/generate"));
    let del = s.client.delete(s.url(&format!("/v1/content/{id}"))).header("x-api-key", ADMIN_KEY).send().await.unwrap();
    assert_eq!(del.status(), 204);
    assert_eq!(s.get(&format!("/v1/content/{id}"), ADMIN_KEY).await.status(), 404);
}

#[tokio::test]
async fn auth_failures_are_403_with_the_error_body() {
    let s = start(base_config()).await;
    let body = json!({"content_type": "blog", "topic": "x"});
    let r = s.client.post(s.url("/v1/content/generate")).json(&body).send().await.unwrap();
    let (st, _, e) = json(r).await;
    assert_eq!((st, e["type"].as_str(), e["code"].as_str()), (403, Some("AuthenticationError"), Some("unauthorized")));
    assert!(e["request_id"].as_str().is_some_and(|r| !r.is_empty()));
    let (st, _, e) = json(s.post("/v1/content/generate", "spl_not_a_real_key_at_all", body.clone()).await).await;
    assert_eq!((st, e["details"]["reason"].as_str()), (403, Some("invalid API key")));
    let (user, user_id) = s.user_key("standard").await;
    assert_eq!(s.post("/v1/content/generate", &user, body.clone()).await.status(), 200);
    let (st, _, e) = json(s.post("/v1/admin/keys", &user, json!({"name": "x"})).await).await;
    assert_eq!((st, e["details"]["reason"].as_str()), (403, Some("this route needs an admin key")));
    let r = s
        .client
        .delete(s.url(&format!("/v1/admin/keys/{user_id}")))
        .header("x-api-key", ADMIN_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (st, _, e) = json(s.post("/v1/content/generate", &user, body).await).await;
    assert_eq!((st, e["details"]["reason"].as_str()), (403, Some("API key revoked")));
    let (st, _, keys) = json(s.get("/v1/admin/keys", ADMIN_KEY).await).await;
    assert_eq!(st, 200);
    assert!(!keys.to_string().contains(&user), "no secrets in the key list");
    assert!(!keys.to_string().contains("\"hash\""), "no hashes in the key list");
}

#[tokio::test]
async fn bad_input_is_4xx_naming_the_field_never_500() {
    let s = start({
        let mut config = base_config();
        config.server.body_limit_bytes = 4096;
        config
    })
    .await;
    let raw = |body: &'static str| {
        s.client
            .post(s.url("/v1/content/generate"))
            .header("x-api-key", ADMIN_KEY)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let field = |v: &Value| v["details"]["field"].as_str().unwrap_or_default().to_owned();
    let (st, _, e) = json(raw("{\"content_type\": \"blog\", \"topic\": ").await.unwrap()).await;
    assert_eq!((st, field(&e).as_str()), (422, "body"), "{e}");
    let (st, _, e) =
        json(raw("{\"content_type\": \"blog\", \"topic\": \"x\", \"length\": \"long\"}").await.unwrap()).await;
    assert_eq!((st, field(&e).as_str()), (422, "length"), "{e}");
    let (st, _, e) = json(raw("{\"content_type\": \"blog\", \"topic\": \"x\", \"colour\": 1}").await.unwrap()).await;
    assert_eq!((st, field(&e).as_str()), (422, "colour"), "{e}");
    let (st, _, e) = json(raw("{\"content_type\": \"poem\", \"topic\": \"x\"}").await.unwrap()).await;
    assert_eq!((st, field(&e).as_str(), e["type"].as_str()), (422, "content_type", Some("ValidationError")), "{e}");
    assert!(e["error"].as_str().unwrap().contains("blog, social_media"));
    let (st, _, e) = json(raw("{\"content_type\": \"blog\", \"topic\": \"\"}").await.unwrap()).await;
    assert_eq!((st, field(&e).as_str()), (422, "topic"));
    let (st, _, e) = json(raw("").await.unwrap()).await;
    assert_eq!((st, field(&e).as_str()), (422, "body"));
    let (st, _, e) = json(s.get("/v1/content?limit=abc", ADMIN_KEY).await).await;
    assert_eq!((st, field(&e).as_str()), (422, "limit"), "{e}");
    let (st, _, e) = json(s.get("/v1/content?limit=500", ADMIN_KEY).await).await;
    assert_eq!((st, field(&e).as_str()), (422, "limit"), "{e}");
    let (st, _, e) = json(s.get("/v1/content?cursor=garbage", ADMIN_KEY).await).await;
    assert_eq!((st, field(&e).as_str()), (422, "cursor"));
    let (st, _, e) = json(s.get("/v1/content?sort=asc", ADMIN_KEY).await).await;
    assert_eq!((st, field(&e).as_str()), (422, "sort"), "{e}");
    let (st, _, e) = json(s.get("/v1/analytics/roi?time_period=decade", ADMIN_KEY).await).await;
    assert_eq!((st, field(&e).as_str()), (422, "time_period"), "{e}");
    let big = json!({"content_type": "blog", "topic": "x".repeat(10_000)});
    let (st, _, e) = json(s.post("/v1/content/generate", ADMIN_KEY, big).await).await;
    assert_eq!((st, e["code"].as_str()), (413, Some("payload_too_large")), "{e}");
    // The HTTP layer's own refusals (`ApiError`, not the core `Error`) keep the whole body.
    assert_eq!(e["type"], "PayloadTooLargeError", "{e}");
    let limit = e["details"]["limit_bytes"].as_u64().unwrap();
    assert_eq!(e["error"], format!("the request body is larger than {limit} bytes"), "{e}");
    assert!(e["request_id"].as_str().is_some_and(|id| !id.is_empty()), "{e}");
    let (st, _, e) = json(s.client.get(s.url("/v1/nope")).send().await.unwrap()).await;
    assert_eq!((st, e["code"].as_str()), (404, Some("not_found")));
    let (st, _, e) =
        json(s.client.put(s.url("/v1/content/generate")).header("x-api-key", ADMIN_KEY).send().await.unwrap()).await;
    assert_eq!((st, e["code"].as_str()), (405, Some("method_not_allowed")));
    assert_eq!(e["type"], "MethodNotAllowedError", "{e}");
    assert_eq!(e["error"], "method PUT is not allowed here", "{e}");
    assert_eq!(e["details"], json!({"method": "PUT"}), "{e}");
    let (st, _, e) = json(s.get("/v1/templates/nope", ADMIN_KEY).await).await;
    assert_eq!((st, e["details"]["kind"].as_str()), (404, Some("template")));
    let (st, _, e) = json(
        s.post("/v1/content/from-template", ADMIN_KEY, json!({"template_name": "product_launch", "variables": {}}))
            .await,
    )
    .await;
    assert_eq!(
        (st, e["code"].as_str(), e["details"]["variable"].as_str()),
        (422, Some("template_error"), Some("product_name")),
        "{e}"
    );
}

#[tokio::test]
async fn rate_limits_carry_headers_and_retry_after() {
    let s = start(base_config()).await;
    let (free, _) = s.user_key("free").await;
    for i in 0..10 {
        let r = s.get("/v1/templates", &free).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-ratelimit-limit"], "10");
        assert_eq!(r.headers()["x-ratelimit-remaining"].to_str().unwrap(), (9 - i).to_string());
        assert!(r.headers().contains_key("x-ratelimit-reset"));
    }
    let (st, h, e) = json(s.get("/v1/templates", &free).await).await;
    assert_eq!((st, e["code"].as_str(), e["type"].as_str()), (429, Some("rate_limited"), Some("RateLimitError")));
    assert_eq!(h["retry-after"], "360");
    assert_eq!(h["x-ratelimit-remaining"], "0");
    assert_eq!(e["details"]["limit"], 10);
    // A batch counts each item.
    let (free2, _) = s.user_key("free").await;
    let items: Vec<Value> = (0..9).map(|i| json!({"content_type": "ad_copy", "topic": format!("Item {i}")})).collect();
    assert_eq!(s.post("/v1/content/batch", &free2, Value::Array(items)).await.status(), 200);
    assert_eq!(s.get("/v1/templates", &free2).await.status(), 200);
    assert_eq!(s.get("/v1/templates", &free2).await.status(), 429);
}

#[tokio::test]
async fn budget_exceeded_is_402_with_the_original_details() {
    let upstream = openai_upstream(BLOG, 0).await;
    let s = start({
        let mut config = openai_config(&upstream);
        config.budget.global_limit = Usd::from_dollars(0.000_01);
        config
    })
    .await;
    let (st, _, e) =
        json(s.post("/v1/content/generate", ADMIN_KEY, json!({"content_type": "blog", "topic": "x"})).await).await;
    assert_eq!(
        (st, e["type"].as_str(), e["code"].as_str()),
        (402, Some("BudgetExceededError"), Some("budget_exceeded")),
        "{e}"
    );
    for f in
        ["current_usage", "budget", "remaining_days", "scope", "limit", "spent", "reserved", "requested", "period_end"]
    {
        assert!(e["details"].get(f).is_some(), "missing {f}");
    }
    assert_eq!(upstream.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn provider_failures_are_502_and_timeouts_504() {
    let failing = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(
            wiremock::ResponseTemplate::new(500)
                .set_body_json(json!({"error": {"message": "boom", "type": "server_error"}})),
        )
        .mount(&failing)
        .await;
    let s = start(openai_config(&failing)).await;
    let (st, _, e) =
        json(s.post("/v1/content/generate", ADMIN_KEY, json!({"content_type": "email", "topic": "x"})).await).await;
    assert_eq!(
        (st, e["type"].as_str(), e["details"]["status"].as_u64()),
        (502, Some("AIProviderError"), Some(500)),
        "{e}"
    );
    assert!(!e.to_string().contains("sk-upstream-secret"), "{e}");
    let slow = openai_upstream(BLOG, 3000).await;
    let s = start({
        let mut config = openai_config(&slow);
        config.provider.timeout = Duration::from_secs(1);
        config
    })
    .await;
    let (st, _, e) =
        json(s.post("/v1/content/generate", ADMIN_KEY, json!({"content_type": "email", "topic": "x"})).await).await;
    assert_eq!((st, e["code"].as_str()), (504, Some("provider_timeout")), "{e}");
}

#[tokio::test]
async fn key_rotation_keeps_the_old_key_for_the_grace_period() {
    let s = start(base_config()).await;
    let (old, old_id) = s.user_key("standard").await;
    let (st, _, r) = json(s.post("/v1/admin/rotate-key", &old, json!({})).await).await;
    assert_eq!(st, 200, "{r}");
    let new = r["new_key"].as_str().unwrap().to_owned();
    assert!(r["old_key_expires"].as_str().unwrap().starts_with("2026-11-26T12:00:00"));
    assert!(r["message"].as_str().is_some());
    assert_eq!(s.get("/v1/templates", &old).await.status(), 200, "old key works during the grace period");
    assert_eq!(s.get("/v1/templates", &new).await.status(), 200);
    s.clock.advance(Duration::from_secs(24 * 3600));
    let (st, _, e) = json(s.get("/v1/templates", &old).await).await;
    assert_eq!((st, e["details"]["reason"].as_str()), (403, Some("API key expired")));
    assert_eq!(s.get("/v1/templates", &new).await.status(), 200);
    // A user may not rotate someone else's key; an admin may.
    let (other, other_id) = s.user_key("standard").await;
    assert_eq!(s.post("/v1/admin/rotate-key", &new, json!({"key_id": other_id})).await.status(), 403);
    let (st, _, _) =
        json(s.post("/v1/admin/rotate-key", ADMIN_KEY, json!({"key_id": other_id, "grace_hours": 1})).await).await;
    assert_eq!(st, 200);
    assert_eq!(s.get("/v1/templates", &other).await.status(), 200);
    let (st, _, e) = json(s.post("/v1/admin/rotate-key", ADMIN_KEY, json!({"key_id": old_id})).await).await;
    assert_eq!((st, e["code"].as_str()), (422, Some("validation_error")), "an expiring key cannot be rotated again");
}

/// Creates a user key with `body` (merged into a name) and returns (secret, id, key).
async fn key_with(s: &TestServer, body: Value) -> (String, String, Value) {
    let mut req = json!({"name": "app"});
    req.as_object_mut().unwrap().extend(body.as_object().unwrap().clone());
    let (st, _, k) = json(s.post("/v1/admin/keys", ADMIN_KEY, req).await).await;
    assert_eq!(st, 201, "{k}");
    (k["secret"].as_str().unwrap().to_owned(), k["id"].as_str().unwrap().to_owned(), k)
}

/// Rotates the caller's own key; returns (status, body).
async fn rotate_self(s: &TestServer, secret: &str, body: Value) -> (u16, reqwest::header::HeaderMap, Value) {
    json(s.post("/v1/admin/rotate-key", secret, body).await).await
}

#[tokio::test]
async fn rotation_carries_budget_expiry_library_and_analytics_over() {
    let upstream = openai_upstream(BLOG, 0).await;
    let s = start(openai_config(&upstream)).await;
    let brief = json!({"content_type": "email", "topic": "Spring sale", "length": 100});
    let (mut secret, _, _) = key_with(&s, json!({"budget": 0.002, "expires_at": "2026-11-26T06:00:00Z"})).await;
    let mut pieces = 0;
    loop {
        let (st, _, r) = json(s.post("/v1/content/generate", &secret, brief.clone()).await).await;
        match st {
            200 => pieces += 1,
            402 => break,
            _ => panic!("{st}: {r}"),
        }
        assert!(pieces < 50, "the key budget never refused");
    }
    assert!(pieces >= 1);
    for round in 1..=3 {
        let (st, _, r) = rotate_self(&s, &secret, json!({})).await;
        assert_eq!(st, 200, "round {round}: a key whose budget is spent can still rotate: {r}");
        secret = r["new_key"].as_str().unwrap().to_owned();
        let (st, _, e) = json(s.post("/v1/content/generate", &secret, brief.clone()).await).await;
        assert_eq!((st, e["code"].as_str()), (402, Some("budget_exceeded")), "round {round}: no fresh budget: {e}");
        assert_eq!(r["key"]["budget"].as_f64(), Some(0.002));
        assert_eq!(r["key"]["expires_at"].as_str(), Some("2026-11-26T06:00:00Z"), "round {round}: expiry inherited");
        assert_eq!(r["old_key_expires"].as_str(), Some("2026-11-26T06:00:00Z"), "never past the old expiry");
    }
    let (st, _, page) = json(s.get("/v1/content?limit=100", &secret).await).await;
    assert_eq!((st, page["items"].as_array().unwrap().len()), (200, pieces), "the old key's pieces: {page}");
    let (_, _, ov) = json(s.get("/v1/analytics", &secret).await).await;
    assert_eq!(ov["total_content"].as_u64(), Some(pieces as u64), "{ov}");
    assert_eq!(upstream.received_requests().await.unwrap().len(), pieces, "no provider call after the 402s");
}

#[tokio::test]
async fn rotation_shares_one_quota_and_is_allowed_when_it_is_spent() {
    let s = start(base_config()).await;
    let (old, _) = s.user_key("free").await;
    for _ in 0..4 {
        assert_eq!(s.get("/v1/templates", &old).await.status(), 200);
    }
    let (st, _, r) = rotate_self(&s, &old, json!({})).await;
    assert_eq!(st, 200, "{r}");
    let new = r["new_key"].as_str().unwrap().to_owned();
    let mut ok = 4;
    for i in 0..20 {
        let key = if i % 2 == 0 { &new } else { &old };
        match s.get("/v1/templates", key).await.status().as_u16() {
            200 => ok += 1,
            429 => {}
            other => panic!("{other}"),
        }
    }
    assert_eq!(ok, 10, "old and new secrets together get one quota of 10 per hour");
    let (st, _, e) = rotate_self(&s, &old, json!({})).await;
    assert_eq!(st, 429, "the old secret's rotate-key is counted like any request: {e}");
    // The quota is spent, yet the key can still be rotated (a leaked key must always be).
    let (st, _, r) = rotate_self(&s, &new, json!({"grace_hours": 0})).await;
    assert_eq!(st, 200, "{r}");
    let newest = r["new_key"].as_str().unwrap().to_owned();
    assert_eq!(s.get("/v1/templates", &newest).await.status(), 429, "the newest secret shares the spent quota");
}

#[tokio::test]
async fn rotation_is_rate_limited_and_a_users_grace_is_capped() {
    let s = start(base_config()).await;
    let (mut secret, id, _) = key_with(&s, json!({})).await;
    let (st, _, r) = rotate_self(&s, &secret, json!({"grace_hours": 720})).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["old_key_expires"].as_str(), Some("2026-11-26T12:00:00Z"), "a user's grace is capped at 24 h: {r}");
    secret = r["new_key"].as_str().unwrap().to_owned();
    for _ in 1..5 {
        let (st, _, r) = rotate_self(&s, &secret, json!({"grace_hours": 1})).await;
        assert_eq!(st, 200, "{r}");
        secret = r["new_key"].as_str().unwrap().to_owned();
    }
    let (st, h, e) = rotate_self(&s, &secret, json!({})).await;
    assert_eq!((st, e["code"].as_str()), (429, Some("rate_limited")), "the sixth rotation in an hour: {e}");
    assert!(h.contains_key("retry-after"));
    assert_eq!(e["details"]["quota"].as_str(), Some("rotation"), "{e}");
    assert_eq!(s.get("/v1/templates", &secret).await.status(), 200, "the refusal changed nothing");
    // An admin is not held to a user's limits: it may rotate the key and give a long grace.
    let (_, _, keys) = json(s.get("/v1/admin/keys", ADMIN_KEY).await).await;
    let current = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["status"] == "active" && k["identity"].as_str() == Some(id.as_str()))
        .unwrap_or_else(|| panic!("the identity's active key: {keys}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (st, _, r) =
        json(s.post("/v1/admin/rotate-key", ADMIN_KEY, json!({"key_id": current, "grace_hours": 48})).await).await;
    assert_eq!((st, r["old_key_expires"].as_str()), (200, Some("2026-11-27T12:00:00Z")), "{r}");
}

#[tokio::test]
async fn batch_with_mixed_failures_reports_each_item() {
    let s = start(base_config()).await;
    let (st, _, b) = json(
        s.post(
            "/v1/content/batch",
            ADMIN_KEY,
            json!({"requests": [
                {"content_type": "blog", "topic": "Good one"},
                {"content_type": "blog", "topic": "Bad tone", "tone": "snarky"},
                {"content_type": "social_media", "topic": "Too long", "platform": "instagram", "length": 900},
            ]}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!((b["total"].as_u64(), b["successful"].as_u64(), b["failed"].as_u64()), (Some(3), Some(1), Some(2)));
    assert!(b["batch_id"].as_str().is_some());
    let r = b["results"].as_array().unwrap();
    assert_eq!(r[0]["status"], "success");
    assert_eq!((r[1]["status"].as_str(), r[1]["error"]["details"]["field"].as_str()), (Some("error"), Some("tone")));
    assert_eq!(r[2]["error"]["details"]["field"], "length");
    let eleven: Vec<Value> = (0..11).map(|_| json!({"content_type": "blog", "topic": "x"})).collect();
    let (st, _, e) = json(s.post("/v1/content/batch", ADMIN_KEY, Value::Array(eleven)).await).await;
    assert_eq!((st, e["details"]["field"].as_str()), (422, Some("requests")));
}

#[tokio::test]
async fn cors_preflight_follows_allowed_origins() {
    let s = start({
        let mut config = base_config();
        config.server.allowed_origins = vec!["http://localhost:3000".into(), "https://app.example.com".into()];
        config
    })
    .await;
    let pre = |origin: &str| {
        s.client
            .request(reqwest::Method::OPTIONS, s.url("/v1/content/generate"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "x-api-key,content-type")
            .send()
    };
    let r = pre("https://app.example.com").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "https://app.example.com");
    assert_eq!(r.headers()["access-control-allow-credentials"], "true");
    assert_eq!(r.headers()["access-control-max-age"], "3600");
    let methods = r.headers()["access-control-allow-methods"].to_str().unwrap().to_owned();
    for m in ["GET", "POST", "PUT", "DELETE"] {
        assert!(methods.contains(m), "{methods}");
    }
    assert!(r.headers()["access-control-allow-headers"].to_str().unwrap().contains("x-api-key"));
    let r = pre("https://evil.example.com").await.unwrap();
    assert!(!r.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn request_ids_are_accepted_generated_and_echoed() {
    let s = start(base_config()).await;
    let r = s.client.get(s.url("/v1/templates")).header("x-request-id", "trace-abc-123").send().await.unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-abc-123");
    let (_, _, e) = json(r).await;
    assert_eq!(e["request_id"], "trace-abc-123", "the error body carries it too");
    let r = s.client.get(s.url("/health/live")).send().await.unwrap();
    let generated = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(generated.len(), 36);
    let r = s.client.get(s.url("/health/live")).header("x-request-id", "x".repeat(200)).send().await.unwrap();
    assert_ne!(r.headers()["x-request-id"].to_str().unwrap(), "x".repeat(200), "oversize ids are replaced");
}

#[tokio::test]
async fn metrics_reflect_traffic() {
    let s = start(base_config()).await;
    for _ in 0..3 {
        assert_eq!(
            s.post("/v1/content/generate", ADMIN_KEY, json!({"content_type": "blog", "topic": "AI"})).await.status(),
            200
        );
    }
    let (free, _) = s.user_key("free").await;
    for _ in 0..11 {
        s.get("/v1/templates", &free).await;
    }
    let mut text = String::new();
    for _ in 0..100 {
        text = s.client.get(s.url("/metrics")).send().await.unwrap().text().await.unwrap();
        if text.contains("content_generated_total{content_type=\"blog\",platform=\"blog\"} 3")
            && text.contains("rate_limited_requests_total 1")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(text.contains("content_generated_total{content_type=\"blog\",platform=\"blog\"} 3"), "{text}");
    assert!(text.contains("rate_limited_requests_total 1"), "{text}");
    assert!(
        text.contains("http_requests_total{method=\"POST\",route=\"/v1/content/generate\",status=\"200\"} 3"),
        "{text}"
    );
    assert!(
        text.contains("ai_request_duration_seconds_count{provider=\"offline\",model=\"offline-draft-1\"} 3"),
        "{text}"
    );
    assert!(text.contains("engine_overhead_seconds_count 3"), "{text}");
    assert!(text.contains("monthly_budget_usage_dollars"), "{text}");
    assert!(text.contains("active_requests"), "{text}");
    assert!(text.contains("http_request_duration_seconds_bucket"), "{text}");
}

#[tokio::test]
async fn readiness_follows_the_database() {
    let flaky = std::sync::Arc::new(common::flaky::FlakyStorage::library("connection refused"));
    let s = start_with(base_config(), Some(common::flaky::FlakyStorage::stores(&flaky))).await;
    assert_eq!(s.client.get(s.url("/health/ready")).send().await.unwrap().status(), 200);
    flaky.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let (st, _, e) = json(s.client.get(s.url("/health/ready")).send().await.unwrap()).await;
    assert_eq!((st, e["code"].as_str()), (503, Some("storage_error")), "{e}");
    let (st, _, h) = json(s.client.get(s.url("/health")).send().await.unwrap()).await;
    assert_eq!(
        (st, h["status"].as_str(), h["components"]["database"]["status"].as_str()),
        (200, Some("degraded"), Some("unhealthy"))
    );
    let (st, _, e) = json(s.get("/v1/content", ADMIN_KEY).await).await;
    assert_eq!((st, e["code"].as_str()), (500, Some("storage_error")));
    flaky.down.store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(s.client.get(s.url("/health/ready")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn graceful_shutdown_finishes_the_request_in_flight() {
    let upstream = openai_upstream(BLOG, 800).await;
    let mut s = start(openai_config(&upstream)).await;
    let client = s.client.clone();
    let url = s.url("/v1/content/generate");
    let inflight = tokio::spawn(async move {
        client
            .post(url)
            .header("x-api-key", ADMIN_KEY)
            .json(&json!({"content_type": "blog", "topic": "x"}))
            .send()
            .await
    });
    while upstream.received_requests().await.unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let server = s.shutdown();
    let response = inflight.await.unwrap().unwrap();
    assert_eq!(response.status(), 200, "the request in flight completed");
    server.await.unwrap().unwrap();
    assert!(s.client.get(s.url("/health/live")).send().await.is_err(), "no new connections after shutdown");
    let status = &s.engine.budget_status(&splants::RequestContext::anonymous()).await.unwrap()[0];
    assert!(status.spent > Usd::ZERO);
    assert_eq!((status.reserved, status.in_flight), (Usd::ZERO, 0), "its budget settled");
}

#[tokio::test]
async fn openapi_describes_exactly_the_served_routes() {
    let s = start(base_config()).await;
    let (st, _, doc) = json(s.client.get(s.url("/openapi.json")).send().await.unwrap()).await;
    assert_eq!(st, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let expected = [
        ("post", "/v1/content/generate"),
        ("post", "/v1/content/quote"),
        ("post", "/v1/content/batch"),
        ("post", "/v1/content/from-template"),
        ("get", "/v1/content"),
        ("get", "/v1/content/{id}"),
        ("delete", "/v1/content/{id}"),
        ("post", "/v1/content/publish"),
        ("get", "/v1/accounts"),
        ("get", "/v1/schedule"),
        ("get", "/v1/schedule/{id}"),
        ("patch", "/v1/schedule/{id}"),
        ("delete", "/v1/schedule/{id}"),
        ("get", "/v1/templates"),
        ("get", "/v1/templates/{name}"),
        ("get", "/v1/analytics"),
        ("get", "/v1/analytics/engagement"),
        ("get", "/v1/analytics/roi"),
        ("post", "/v1/analytics/events"),
        ("get", "/v1/budget"),
        ("get", "/v1/config/public"),
        ("post", "/v1/admin/keys"),
        ("get", "/v1/admin/keys"),
        ("post", "/v1/admin/rotate-key"),
        ("delete", "/v1/admin/keys/{id}"),
        ("get", "/health"),
        ("get", "/health/live"),
        ("get", "/health/ready"),
        ("get", "/metrics"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (p, item) in paths {
        for m in ["get", "post", "put", "delete", "patch"] {
            if item.get(m).is_some() {
                documented.push((m.to_owned(), p.clone()));
            }
        }
    }
    let mut want: Vec<(String, String)> = expected.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
    want.sort();
    documented.sort();
    assert_eq!(documented, want, "the document lists exactly the served routes");
    // Every documented operation is served (no route 404 / 405), with the documented statuses.
    for (m, p) in &documented {
        let url = s.url(&p.replace("{id}", "key_missing").replace("{name}", "product_launch"));
        let req = match m.as_str() {
            "get" => s.client.get(url),
            "post" => s.client.post(url).json(&json!({})),
            "delete" => s.client.delete(url),
            "patch" => s.client.patch(url).json(&json!({})),
            _ => unreachable!(),
        };
        let r = req.header("x-api-key", ADMIN_KEY).send().await.unwrap();
        let status = r.status().as_u16().to_string();
        let (_, _, body) = json(r).await;
        assert_ne!(body["details"]["kind"], "route", "{m} {p} is not served");
        assert_ne!(status, "405", "{m} {p}");
        let responses = doc["paths"][p.as_str()][m.as_str()]["responses"].as_object().unwrap();
        assert!(responses.contains_key(&status), "{m} {p} answered {status}, not documented: {:?}", responses.keys());
    }
    // Bodies are described as served: every required property of the generated piece is present.
    let piece =
        json(s.post("/v1/content/generate", ADMIN_KEY, json!({"content_type": "blog", "topic": "AI"})).await).await.2;
    let schema = &doc["components"]["schemas"]["GeneratedContent"];
    for field in schema["required"].as_array().unwrap() {
        assert!(piece.get(field.as_str().unwrap()).is_some(), "served piece lacks documented {field}");
    }
    for key in piece.as_object().unwrap().keys() {
        assert!(schema["properties"].get(key).is_some(), "served field `{key}` is not documented");
    }
    let err_schema = &doc["components"]["schemas"]["ErrorBody"];
    for f in ["error", "type", "code", "details", "request_id"] {
        assert!(err_schema["properties"].get(f).is_some());
    }
}

#[tokio::test]
async fn a_paid_piece_is_returned_marked_unstored_when_the_library_is_down() {
    let upstream = openai_upstream(BLOG, 0).await;
    let flaky = std::sync::Arc::new(common::flaky::FlakyStorage::library("connection refused"));
    let s = start_with(openai_config(&upstream), Some(common::flaky::FlakyStorage::stores(&flaky))).await;
    flaky.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let (st, _, body) =
        json(s.post("/v1/content/generate", ADMIN_KEY, json!({"content_type": "blog", "topic": "spring"})).await).await;
    // The provider was paid: the caller gets the piece, marked as not stored, not an error.
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["stored"], false, "{body}");
    assert!(body["content"].as_str().unwrap().contains("Spring marketing"), "{body}");
    assert!(body["cost_usd"].as_f64().unwrap() > 0.0, "{body}");
    let metrics = s.client.get(s.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("unstored_pieces_total 1"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_hangs_up_still_gets_its_paid_piece_stored_and_settled_at_cost() {
    // An upstream that answers after 300 ms; clients that hang up after 100 ms.
    let upstream = openai_upstream(BLOG, 300).await;
    let s = start(openai_config(&upstream)).await;
    // One patient call first: the tokenizer loads on first use (slow in debug builds); a caller
    // that leaves before the request is sent is not billed and gets nothing stored.
    let (st, _, first) =
        json(s.post("/v1/content/generate", ADMIN_KEY, json!({"content_type": "social_media", "topic": "warm"})).await)
            .await;
    assert_eq!(st, 200, "{first}");
    let hasty = reqwest::Client::builder().timeout(Duration::from_millis(100)).build().unwrap();
    let mut calls = Vec::new();
    for i in 0..10 {
        let req = hasty
            .post(s.url("/v1/content/generate"))
            .header("x-api-key", ADMIN_KEY)
            .json(&json!({"content_type": "social_media", "topic": format!("spring sale {i}")}));
        calls.push(tokio::spawn(req.send()));
    }
    for c in calls {
        assert!(c.await.unwrap().unwrap_err().is_timeout(), "the client hung up");
    }
    // Wait for every call to end: none in the background and no hold left. The count of
    // background calls alone is 0 too while the server has not yet noticed a hang-up and the
    // call still runs in its request's task (it then finished the test early, now and then).
    let global = || s.engine.budget().status(&splants::budget::Scope::Global, None);
    for _ in 0..500 {
        if s.engine.background_calls() == 0 && global().await.unwrap().in_flight == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(s.engine.background_calls(), 0);
    s.engine.budget().flush(Duration::from_secs(5)).await;
    let answered = upstream.received_requests().await.unwrap().len() - 1;
    assert!(answered > 0, "requests reached the upstream before their callers left");
    // Every answered call has its piece in the library, and the ledger counts their real cost.
    let (st, _, page) = json(s.get("/v1/content?limit=100", ADMIN_KEY).await).await;
    assert_eq!(st, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), answered + 1, "{page}");
    let real: f64 = items.iter().map(|p| p["cost_usd"].as_f64().unwrap()).sum();
    let b = s.engine.budget().status(&splants::budget::Scope::Global, None).await.unwrap();
    assert_eq!((b.reserved, b.in_flight), (Usd::ZERO, 0));
    assert!((b.spent.dollars() - real).abs() < 1e-9, "recorded {} for real costs of {real}", b.spent);
    let metrics = s.client.get(s.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(&format!("completed_after_caller_left_total {answered}")), "{metrics}");
    // They are findable in the library: only the first, patient call is not marked.
    let (_, _, left) = json(s.get("/v1/content?limit=100&caller_left=true", ADMIN_KEY).await).await;
    assert_eq!(left["items"].as_array().unwrap().len(), answered, "{left}");
    let (_, _, waited) = json(s.get("/v1/content?limit=100&caller_left=false", ADMIN_KEY).await).await;
    assert_eq!(waited["items"][0]["id"], first["id"], "{waited}");
}

#[tokio::test]
async fn the_library_filters_pieces_whose_caller_left() {
    let s = start(base_config()).await;
    let mut received = Vec::new();
    for topic in ["spring", "summer", "autumn"] {
        let (st, _, piece) =
            json(s.post("/v1/content/generate", ADMIN_KEY, json!({"content_type": "blog", "topic": topic})).await)
                .await;
        assert_eq!((st, &piece["caller_left"]), (200, &json!(false)), "always in the response: {piece}");
        received.push(piece);
    }
    // Two pieces finished after their caller left, as the engine stores them then.
    let mut left = Vec::new();
    for (i, seconds) in [(1, 5), (2, 9)] {
        let mut piece = received[0].clone();
        piece["id"] = json!(format!("0193aaaa-0000-7000-8000-00000000000{i}"));
        piece["created_at"] = json!(format!("2026-11-25T12:00:0{seconds}Z"));
        piece["caller_left"] = json!(true);
        let piece: splants::GeneratedContent = serde_json::from_value(piece).unwrap();
        s.engine.stores().content.save_content(&piece).await.unwrap();
        left.push(piece.id);
    }
    let ids = |items: &[Value]| items.iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    // Every page of a filter, one piece at a time.
    let pages = |filter: &'static str| {
        let s = &s;
        async move {
            let mut got = Vec::new();
            let mut path = format!("/v1/content?{filter}limit=1");
            loop {
                let (st, _, page) = json(s.get(&path, ADMIN_KEY).await).await;
                assert_eq!(st, 200, "{path}: {page}");
                got.extend(page["items"].as_array().unwrap().iter().cloned());
                match page["next_cursor"].as_str() {
                    Some(c) => path = format!("/v1/content?{filter}limit=1&cursor={c}"),
                    None => return got,
                }
            }
        }
    };
    let got = pages("caller_left=true&").await;
    assert_eq!(ids(&got), [left[1].clone(), left[0].clone()], "newest first");
    assert!(got.iter().all(|p| p["caller_left"] == true));
    let got = pages("caller_left=false&").await;
    let mut want = ids(&received);
    want.reverse();
    assert_eq!(ids(&got), want);
    assert!(got.iter().all(|p| p["caller_left"] == false));
    assert_eq!(pages("").await.len(), 5, "no filter lists both");
    let (st, _, page) = json(s.get("/v1/content?caller_left=true&content_type=email", ADMIN_KEY).await).await;
    assert_eq!((st, page["items"].as_array().unwrap().len()), (200, 0), "{page}");
    let (st, _, piece) = json(s.get(&format!("/v1/content/{}", left[0]), ADMIN_KEY).await).await;
    assert_eq!((st, &piece["caller_left"]), (200, &json!(true)), "{piece}");
    let (st, _, e) = json(s.get("/v1/content?caller_left=1", ADMIN_KEY).await).await;
    assert_eq!((st, e["details"]["field"].as_str()), (422, Some("caller_left")), "{e}");
}

#[allow(dead_code)]
fn assert_send(_: &TestServer) {}
