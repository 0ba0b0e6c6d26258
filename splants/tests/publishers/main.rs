//! Each platform publisher against a local server that speaks that platform's format: the exact
//! request (method, path, auth, headers, body), the post id and URL it reads back, threads as
//! reply chains and their continuation, error mapping with each failure's class, transport
//! failures, and validation against the platform's limits.
#![cfg(feature = "publish")]
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use splants::publish::{
    AccountConfig, Credential, FailureClass, Post, PostedPart, PublishFailure, Published, Publisher, build,
};
use splants::{Error, Secret};
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "tok-9f8e7d6c5b4a";

fn secret() -> Credential {
    Credential::Inline(Secret::new(TOKEN))
}

fn publisher(account: AccountConfig) -> Arc<dyn Publisher> {
    build("acct", &account, Duration::from_secs(2)).unwrap()
}

fn post(parts: &[&str]) -> Post {
    Post {
        idempotency_key: "0193c0de-key".into(),
        content_id: "piece-1".into(),
        parts: parts.iter().map(|s| (*s).to_owned()).collect(),
        done: Vec::new(),
    }
}

async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

async fn fail(p: &dyn Publisher, post: &Post) -> PublishFailure {
    match p.publish(post).await {
        Err(f) => f,
        Ok(ok) => panic!("published: {ok:?}"),
    }
}

fn validation(r: splants::Result<()>) -> (String, String) {
    match r {
        Err(Error::Validation { field, reason }) => (field, reason),
        other => panic!("{other:?}"),
    }
}

// ---- X ----

fn x(server: &MockServer) -> Arc<dyn Publisher> {
    publisher(AccountConfig::X { token: secret(), base_url: Some(server.uri()) })
}

/// Answers each tweet with the next id.
fn tweets(first: u64) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync {
    let n = std::sync::atomic::AtomicU64::new(first);
    move |req: &Request| {
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let id = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst).to_string();
        ResponseTemplate::new(201)
            .set_body_json(json!({"data": {"id": id, "text": body["text"], "edit_history_tweet_ids": [id]}}))
    }
}

#[tokio::test]
async fn x_posts_a_tweet_with_the_user_token_and_reads_its_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2/tweets"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"text": "Spring sale! https://shop.example/s"})))
        .respond_with(tweets(1_860_000_000_000_000_001))
        .expect(1)
        .mount(&server)
        .await;
    let p = x(&server);
    assert!(!p.idempotent());
    let done = p.publish(&post(&["Spring sale! https://shop.example/s"])).await.unwrap();
    assert_eq!(done.post_id(), Some("1860000000000000001"));
    assert_eq!(done.url(), Some("https://x.com/i/web/status/1860000000000000001"));
    assert!(!format!("{p:?}").contains(TOKEN), "no token in Debug: {p:?}");
}

#[tokio::test]
async fn an_x_thread_is_a_reply_chain_that_continues_after_the_parts_already_up() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/2/tweets")).respond_with(tweets(100)).mount(&server).await;
    let p = x(&server);
    let done = p.publish(&post(&["1/3 one", "2/3 two", "3/3 three"])).await.unwrap();
    let ids: Vec<&str> = done.parts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["100", "101", "102"]);
    let sent = bodies(&server).await;
    assert_eq!(sent[0], json!({"text": "1/3 one"}));
    assert_eq!(sent[1], json!({"text": "2/3 two", "reply": {"in_reply_to_tweet_id": "100"}}));
    assert_eq!(sent[2], json!({"text": "3/3 three", "reply": {"in_reply_to_tweet_id": "101"}}));

    // A later attempt with part 1 already up sends only the rest, replying to it.
    server.reset().await;
    Mock::given(method("POST")).and(path("/2/tweets")).respond_with(tweets(200)).mount(&server).await;
    let mut again = post(&["1/3 one", "2/3 two", "3/3 three"]);
    again.done = vec![PostedPart { id: "100".into(), url: None, cid: None }];
    let done = p.publish(&again).await.unwrap();
    assert_eq!(done.parts.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["100", "200", "201"]);
    let sent = bodies(&server).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["reply"]["in_reply_to_tweet_id"], "100");
}

#[tokio::test]
async fn x_failures_are_classified_and_a_thread_failing_part_way_reports_what_is_up() {
    let server = MockServer::start().await;
    let p = x(&server);
    let reset = (chrono::Utc::now() + chrono::Duration::seconds(600)).timestamp();
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-rate-limit-reset", reset.to_string().as_str())
                .set_body_json(json!({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let f = fail(&*p, &post(&["a"])).await;
    assert_eq!((f.class, f.status), (FailureClass::NotPosted, Some(429)));
    let wait = f.retry_after.unwrap().as_secs();
    assert!((590..=600).contains(&wait), "{wait}");

    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "detail": "You are not allowed to create a Tweet with duplicate content.", "type": "about:blank",
            "title": "Forbidden", "status": 403})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let f = fail(&*p, &post(&["a"])).await;
    assert_eq!(f.class, FailureClass::Rejected);
    assert_eq!(f.message, "Forbidden: You are not allowed to create a Tweet with duplicate content.");

    Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)).up_to_n_times(1).mount(&server).await;
    assert_eq!(fail(&*p, &post(&["a"])).await.class, FailureClass::NotPosted);
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(500)).up_to_n_times(1).mount(&server).await;
    assert_eq!(fail(&*p, &post(&["a"])).await.class, FailureClass::MaybePosted);

    // Part 1 goes up, part 2 meets a 502: the failure carries part 1.
    server.reset().await;
    Mock::given(method("POST")).respond_with(tweets(7)).up_to_n_times(1).mount(&server).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(502)).mount(&server).await;
    let f = fail(&*p, &post(&["1/2 a", "2/2 b"])).await;
    assert_eq!(f.class, FailureClass::MaybePosted);
    assert_eq!(f.posted.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["7"]);
}

#[tokio::test]
async fn x_validates_weighted_length_and_thread_size() {
    let server = MockServer::start().await;
    let p = x(&server);
    let url = "https://example.com/".to_owned() + &"a".repeat(200);
    p.validate(&[format!("{} {url}", "a".repeat(256))]).unwrap();
    let (field, reason) = validation(p.validate(&[format!("{} {url}", "a".repeat(257))]));
    assert_eq!((field.as_str(), reason.as_str()), ("content", "weighted length 281 > 280"));
    p.validate(&["春".repeat(140)]).unwrap();
    let (_, reason) = validation(p.validate(&["春".repeat(141)]));
    assert_eq!(reason, "weighted length 282 > 280", "CJK weighs 2");
    let (field, _) = validation(p.validate(&["ok".into(), "🌷".repeat(141)]));
    assert_eq!(field, "parts[1]");
    let thread: Vec<String> = (0..26).map(|i| format!("{i}")).collect();
    assert!(validation(p.validate(&thread)).1.contains("at most 25"));
    assert!(validation(p.validate(&[" ".into()])).1.contains("empty"));
    assert!(server.received_requests().await.unwrap().is_empty(), "validation sends nothing");
}

// ---- Mastodon ----

fn mastodon(server: &MockServer) -> Arc<dyn Publisher> {
    publisher(AccountConfig::Mastodon { instance: server.uri(), token: secret(), max_chars: None })
}

fn status(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": id, "uri": format!("https://masto.test/users/b/statuses/{id}"), "url": format!("https://masto.test/@b/{id}"),
        "visibility": "public", "content": "<p>…</p>"}))
}

#[tokio::test]
async fn mastodon_sends_an_idempotency_key_per_part_and_threads_by_reply() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("idempotency-key", "0193c0de-key-0"))
        .and(body_json(json!({"status": "1/2 hello #fediverse", "visibility": "public"})))
        .respond_with(status("111"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .and(header("idempotency-key", "0193c0de-key-1"))
        .and(body_json(json!({"status": "2/2 bye", "visibility": "public", "in_reply_to_id": "111"})))
        .respond_with(status("112"))
        .expect(1)
        .mount(&server)
        .await;
    let p = mastodon(&server);
    assert!(p.idempotent());
    let done = p.publish(&post(&["1/2 hello #fediverse", "2/2 bye"])).await.unwrap();
    assert_eq!(done.post_id(), Some("111"));
    assert_eq!(done.url(), Some("https://masto.test/@b/111"));
    assert_eq!(done.parts[1].id, "112");
}

#[tokio::test]
async fn mastodon_errors_and_limits() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_json(json!({"error": "Validation failed: Text character limit of 500 exceeded"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let p = mastodon(&server);
    let f = fail(&*p, &post(&["x"])).await;
    assert_eq!(
        (f.class, f.message.as_str()),
        (FailureClass::Rejected, "Validation failed: Text character limit of 500 exceeded")
    );
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "The access token is invalid"})))
        .mount(&server)
        .await;
    assert_eq!(fail(&*p, &post(&["x"])).await.class, FailureClass::Rejected);
    let long_url = "https://example.com/".to_owned() + &"p".repeat(600);
    p.validate(&[format!("{} {long_url}", "a".repeat(476))]).unwrap();
    let (_, reason) = validation(p.validate(&["a".repeat(501)]));
    assert_eq!(reason, "characters (URLs as 23) 501 > 500");
    let small = publisher(AccountConfig::Mastodon { instance: server.uri(), token: secret(), max_chars: Some(20) });
    assert!(small.validate(&["@someone@example.social hello".into()]).is_ok(), "a remote mention counts its user part");
}

// ---- Bluesky ----

fn bluesky(server: &MockServer) -> Arc<dyn Publisher> {
    publisher(AccountConfig::Bluesky {
        identifier: "brand.bsky.social".into(),
        app_password: secret(),
        service: Some(server.uri()),
    })
}

async fn mount_session(server: &MockServer, jwt: &str, times: u64) {
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.server.createSession"))
        .and(body_json(json!({"identifier": "brand.bsky.social", "password": TOKEN})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "accessJwt": jwt, "refreshJwt": "refresh", "did": "did:plc:brand123", "handle": "brand.bsky.social"})))
        .expect(times)
        .mount(server)
        .await;
}

fn record_answer() -> impl Fn(&Request) -> ResponseTemplate + Send + Sync {
    let n = std::sync::atomic::AtomicU64::new(0);
    move |_: &Request| {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        ResponseTemplate::new(200).set_body_json(json!({
            "uri": format!("at://did:plc:brand123/app.bsky.feed.post/3kabc{i}"), "cid": format!("bafyreicid{i}"),
            "commit": {"cid": "c", "rev": "r"}, "validationStatus": "valid"}))
    }
}

#[tokio::test]
async fn bluesky_signs_in_once_and_posts_records_with_facets_and_reply_refs() {
    let server = MockServer::start().await;
    mount_session(&server, "jwt-1", 1).await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.createRecord"))
        .and(header("authorization", "Bearer jwt-1"))
        .respond_with(record_answer())
        .expect(3)
        .mount(&server)
        .await;
    let p = bluesky(&server);
    let text = "🌷 Spring sale #Garden at https://shop.example/s";
    let done = p.publish(&post(&[text, "2/2 more"])).await.unwrap();
    assert_eq!(done.post_id(), Some("at://did:plc:brand123/app.bsky.feed.post/3kabc0"));
    assert_eq!(done.url(), Some("https://bsky.app/profile/brand.bsky.social/post/3kabc0"));
    assert_eq!(done.parts[0].cid.as_deref(), Some("bafyreicid0"));
    let sent: Vec<Value> = bodies(&server).await.into_iter().filter(|b| b.get("record").is_some()).collect();
    let r0 = &sent[0];
    assert_eq!(
        (r0["repo"].as_str(), r0["collection"].as_str()),
        (Some("did:plc:brand123"), Some("app.bsky.feed.post"))
    );
    assert_eq!(r0["record"]["$type"], "app.bsky.feed.post");
    assert_eq!(r0["record"]["text"], text);
    chrono::DateTime::parse_from_rfc3339(r0["record"]["createdAt"].as_str().unwrap()).unwrap();
    let facets = r0["record"]["facets"].as_array().unwrap();
    let tag = text.find("#Garden").unwrap();
    assert_eq!(facets[0]["index"], json!({"byteStart": tag, "byteEnd": tag + 7}));
    assert_eq!(facets[0]["features"][0], json!({"$type": "app.bsky.richtext.facet#tag", "tag": "Garden"}));
    assert_eq!(facets[1]["features"][0]["uri"], "https://shop.example/s");
    let reply = &sent[1]["record"]["reply"];
    let root = json!({"uri": "at://did:plc:brand123/app.bsky.feed.post/3kabc0", "cid": "bafyreicid0"});
    assert_eq!(reply, &json!({"root": root, "parent": root}));
    assert!(sent[1]["record"].get("facets").is_none(), "no facets without links or tags");
    // The session is kept for the next post.
    p.publish(&post(&["again"])).await.unwrap();
}

#[tokio::test]
async fn bluesky_signs_in_again_once_when_the_token_expired() {
    let server = MockServer::start().await;
    mount_session(&server, "jwt-new", 2).await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"error": "ExpiredToken", "message": "Token has expired"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(record_answer())
        .mount(&server)
        .await;
    let p = bluesky(&server);
    assert!(!p.idempotent());
    p.publish(&post(&["hello"])).await.unwrap();

    let bad = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "AuthenticationRequired", "message": "Invalid identifier or password"})),
        )
        .mount(&bad)
        .await;
    let f = fail(&*bluesky(&bad), &post(&["hello"])).await;
    assert_eq!(f.class, FailureClass::Rejected);
    assert_eq!(f.message, "signing in: AuthenticationRequired: Invalid identifier or password");
    assert!(!f.message.contains(TOKEN));
}

#[tokio::test]
async fn bluesky_counts_graphemes() {
    let server = MockServer::start().await;
    let p = bluesky(&server);
    p.validate(&["👩‍👩‍👧‍👦".repeat(300)]).unwrap();
    let (_, reason) = validation(p.validate(&["e\u{301}".repeat(301)]));
    assert_eq!(reason, "graphemes 301 > 300");
}

#[tokio::test]
async fn bluesky_refuses_a_hashtag_longer_than_its_lexicon_allows() {
    let server = MockServer::start().await;
    let p = bluesky(&server);
    p.validate(&[format!("Spring is here #{}", "a".repeat(64))]).unwrap();
    let (field, reason) = validation(p.validate(&["ok".into(), format!("Spring #{}", "a".repeat(65))]));
    assert_eq!(field, "parts[1]");
    assert!(reason.contains("65 graphemes") && reason.contains("at most 64"), "{reason}");
    // 64 families of four (seven code points each) are 64 graphemes but 1,600 bytes.
    let (_, reason) = validation(p.validate(&[format!("#{}", "👩‍👩‍👧‍👦".repeat(64))]));
    assert!(reason.contains("640 bytes"), "{reason}");
}

// ---- LinkedIn ----

#[tokio::test]
async fn linkedin_posts_little_text_as_the_author_and_reads_the_urn_header() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/posts"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("linkedin-version", "202411"))
        .and(header("x-restli-protocol-version", "2.0.0"))
        .and(body_json(json!({
            "author": "urn:li:organization:5515715",
            "commentary": "Save 30% \\(today\\) {hashtag|\\#|SpringSale}",
            "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": false,
        })))
        .respond_with(ResponseTemplate::new(201).insert_header("x-restli-id", "urn:li:share:6844785523593134080"))
        .expect(1)
        .mount(&server)
        .await;
    let p = publisher(AccountConfig::Linkedin {
        token: secret(),
        author: "urn:li:organization:5515715".into(),
        version: None,
        base_url: Some(server.uri()),
    });
    let done = p.publish(&post(&["Save 30% (today) #SpringSale"])).await.unwrap();
    assert_eq!(done.post_id(), Some("urn:li:share:6844785523593134080"));
    assert_eq!(done.url(), Some("https://www.linkedin.com/feed/update/urn:li:share:6844785523593134080/"));
    let (_, reason) = validation(p.validate(&["a".into(), "b".into()]));
    assert!(reason.contains("takes one post"), "{reason}");
    assert_eq!(validation(p.validate(&["a".repeat(3001)])).1, "characters 3001 > 3000");

    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"status": 403, "serviceErrorCode": 100, "code": "ACCESS_DENIED", "message": "Not enough permissions to access: partnerApiPostsExternal.CREATE.20241101"})))
        .mount(&server)
        .await;
    let f = fail(&*p, &post(&["x"])).await;
    assert_eq!(f.class, FailureClass::Rejected);
    assert!(f.message.starts_with("Not enough permissions"), "{}", f.message);
}

// ---- Facebook ----

#[tokio::test]
async fn facebook_posts_to_the_page_feed_with_the_token_in_the_form_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v21.0/1234567890/feed"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "1234567890_987654321"})))
        .expect(1)
        .mount(&server)
        .await;
    let p = publisher(AccountConfig::Facebook {
        page_id: "1234567890".into(),
        token: secret(),
        api_version: None,
        base_url: Some(server.uri()),
    });
    let done = p.publish(&post(&["Spring & summer: 30% off"])).await.unwrap();
    assert_eq!(done.url(), Some("https://www.facebook.com/1234567890_987654321"));
    let req = &server.received_requests().await.unwrap()[0];
    let form: Vec<(String, String)> = form_urlencoded::parse(&req.body).into_owned().collect();
    assert_eq!(form, [("message".into(), "Spring & summer: 30% off".into()), ("access_token".into(), TOKEN.into())]);
    assert!(!req.url.as_str().contains(TOKEN), "the token is not in the URL");

    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {"message": "(#4) Application request limit reached", "type": "OAuthException", "code": 4, "fbtrace_id": "AbC"}})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let f = fail(&*p, &post(&["x"])).await;
    assert_eq!(f.class, FailureClass::NotPosted, "a rate limit posted nothing: {f:?}");
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {"message": "(#200) The user hasn't authorized the application", "type": "OAuthException", "code": 200}})))
        .mount(&server)
        .await;
    let f = fail(&*p, &post(&["x"])).await;
    assert_eq!(
        (f.class, f.message.as_str()),
        (FailureClass::Rejected, "(#200) The user hasn't authorized the application (code 200)")
    );
}

// ---- Webhook ----

#[tokio::test]
async fn the_webhook_publisher_signs_its_post_and_sends_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/cms"))
        .and(header("idempotency-key", "0193c0de-key"))
        .and(header("x-splants-event", "content.publish"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "cms-42", "url": "https://cms.test/42"})))
        .mount(&server)
        .await;
    let p = publisher(AccountConfig::Webhook { url: format!("{}/hooks/cms", server.uri()), secret: Some(secret()) });
    assert!(p.idempotent());
    let done: Published = p.publish(&post(&["1/2 a", "2/2 b"])).await.unwrap();
    assert_eq!((done.post_id(), done.url()), (Some("cms-42"), Some("https://cms.test/42")));
    let req = &server.received_requests().await.unwrap()[0];
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["event"], "content.publish");
    assert_eq!(body["content_id"], "piece-1");
    assert_eq!(body["parts"], json!(["1/2 a", "2/2 b"]));
    let ts: i64 = req.headers.get("x-splants-timestamp").unwrap().to_str().unwrap().parse().unwrap();
    assert_eq!(body["timestamp"], ts);
    let sig = req.headers.get("x-splants-signature").unwrap().to_str().unwrap();
    #[cfg(feature = "webhooks")]
    assert_eq!(sig, splants::webhook::sign(&Secret::new(TOKEN), ts, &req.body));
    assert!(sig.starts_with("sha256=") && sig.len() == 71);
}

// ---- transport ----

#[tokio::test]
async fn a_refused_connection_did_not_post_and_a_timeout_after_sending_may_have() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let p = publisher(AccountConfig::X { token: secret(), base_url: Some(format!("http://127.0.0.1:{port}")) });
    let f = fail(&*p, &post(&["a"])).await;
    assert_eq!(f.class, FailureClass::NotPosted, "{f:?}");
    assert!(!f.message.contains(TOKEN));

    let slow = MockServer::start().await;
    Mock::given(method("POST")).respond_with(status("1").set_delay(Duration::from_secs(5))).mount(&slow).await;
    let p = publisher(AccountConfig::Mastodon { instance: slow.uri(), token: secret(), max_chars: None });
    let f = fail(&*p, &post(&["a"])).await;
    assert_eq!(f.class, FailureClass::MaybePosted, "{f:?}");
    assert_eq!(slow.received_requests().await.unwrap().len(), 1, "the request was sent");
}

#[tokio::test]
async fn an_unset_credential_variable_is_a_config_error_naming_the_setting() {
    let account = AccountConfig::X { token: Credential::Env("SPLANTS_TEST_UNSET_X_TOKEN".into()), base_url: None };
    let err = build("brand-x", &account, Duration::from_secs(1)).unwrap_err().to_string();
    assert!(err.contains("publish.accounts.brand-x.token") && err.contains("SPLANTS_TEST_UNSET_X_TOKEN"), "{err}");
}
