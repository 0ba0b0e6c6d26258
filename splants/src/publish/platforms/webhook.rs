//! A signed `POST` of the post to the user's own system: `{"event": "content.publish",
//! "idempotency_key", "content_id", "parts", "timestamp"}` with `Idempotency-Key`,
//! `X-Splants-Event`, `X-Splants-Timestamp` and, with a secret, `X-Splants-Signature:
//! sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` (as the engine's webhooks). The receiver is
//! expected to deduplicate by the key, so a request that may have been accepted is sent again.
//! The answer may name the post: `{"id", "url"}` (the id defaults to the key).

use super::check_parts;
use super::http::send;
use crate::error::Result;
use crate::publish::{Post, PostedPart, PublishFailure, Published, Publisher, PublisherKind};
use crate::secret::Secret;
use async_trait::async_trait;
use serde_json::json;

/// Bytes of text per post (the body stays well under a MiB).
const MAX: usize = 512 * 1024;

#[derive(Debug)]
pub(crate) struct Webhook {
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) secret: Option<Secret>,
    pub(crate) client: reqwest::Client,
}

#[async_trait]
impl Publisher for Webhook {
    fn account(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> PublisherKind {
        PublisherKind::Webhook
    }
    fn idempotent(&self) -> bool {
        true
    }
    fn validate(&self, parts: &[String]) -> Result<()> {
        check_parts(parts, true, MAX, "bytes", str::len)
    }
    async fn publish(&self, post: &Post) -> std::result::Result<Published, PublishFailure> {
        let timestamp = chrono::Utc::now().timestamp();
        let body = serde_json::to_vec(&json!({
            "event": "content.publish",
            "idempotency_key": post.idempotency_key,
            "content_id": post.content_id,
            "parts": post.parts,
            "timestamp": timestamp,
        }))
        .unwrap_or_default();
        let mut request = self
            .client
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", &post.idempotency_key)
            .header("X-Splants-Event", "content.publish")
            .header("X-Splants-Timestamp", timestamp.to_string());
        if let Some(secret) = &self.secret {
            request = request.header("X-Splants-Signature", crate::secret::signature(secret, timestamp, &body));
        }
        let answer = send(request.body(body)).await?;
        let text = |k: &str| answer.body[k].as_str().filter(|s| !s.is_empty()).map(str::to_owned);
        let id = text("id")
            .or_else(|| answer.body["id"].as_i64().map(|n| n.to_string()))
            .unwrap_or_else(|| post.idempotency_key.clone());
        Ok(Published { parts: vec![PostedPart { id, url: text("url"), cid: None }] })
    }
}
