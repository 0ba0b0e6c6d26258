//! Mastodon: `POST /api/v1/statuses` with an `Idempotency-Key` (Mastodon answers a repeated key
//! with the status it already made, for an hour), so a request that may have been accepted is
//! sent again safely. A thread is a reply chain (`in_reply_to_id`).

use super::http::{field, send};
use super::{check_parts, thread};
use crate::error::Result;
use crate::publish::text::mastodon_length;
use crate::publish::{Post, PostedPart, PublishFailure, Published, Publisher, PublisherKind};
use crate::secret::Secret;
use async_trait::async_trait;
use serde_json::json;

#[derive(Debug)]
pub(crate) struct Mastodon {
    pub(crate) name: String,
    pub(crate) token: Secret,
    pub(crate) base: String,
    pub(crate) max_chars: usize,
    pub(crate) client: reqwest::Client,
}

#[async_trait]
impl Publisher for Mastodon {
    fn account(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> PublisherKind {
        PublisherKind::Mastodon
    }
    fn idempotent(&self) -> bool {
        true
    }
    fn validate(&self, parts: &[String]) -> Result<()> {
        check_parts(parts, true, self.max_chars, "characters (URLs as 23)", mastodon_length)
    }
    async fn publish(&self, post: &Post) -> std::result::Result<Published, PublishFailure> {
        let parts = thread(&post.parts, &post.done, |i, text, refs| async move {
            let mut body = json!({ "status": text, "visibility": "public" });
            if let Some((_, parent)) = refs {
                body["in_reply_to_id"] = json!(parent.id);
            }
            let request = self
                .client
                .post(format!("{}/api/v1/statuses", self.base))
                .bearer_auth(self.token.expose())
                .header("Idempotency-Key", format!("{}-{i}", post.idempotency_key))
                .json(&body);
            let answer = send(request).await?;
            let id = field(&answer, &["id"])?;
            let url = answer.body["url"].as_str().map(str::to_owned);
            Ok(PostedPart { id, url, cid: None })
        })
        .await?;
        Ok(Published { parts })
    }
}
