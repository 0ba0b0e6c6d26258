//! X (Twitter), API v2: `POST /2/tweets` with a user access token; a thread is a reply chain
//! (`reply.in_reply_to_tweet_id`). X has no idempotency key, so a request that may have been
//! accepted is never sent again.

use super::http::{field, send};
use super::{check_parts, thread};
use crate::error::Result;
use crate::publish::text::x_weighted_length;
use crate::publish::{Post, PostedPart, PublishFailure, Published, Publisher, PublisherKind};
use crate::secret::Secret;
use async_trait::async_trait;
use serde_json::json;

/// Weighted characters per post.
pub(crate) const X_MAX: usize = 280;

#[derive(Debug)]
pub(crate) struct X {
    pub(crate) name: String,
    pub(crate) token: Secret,
    pub(crate) base: String,
    pub(crate) client: reqwest::Client,
}

#[async_trait]
impl Publisher for X {
    fn account(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> PublisherKind {
        PublisherKind::X
    }
    fn idempotent(&self) -> bool {
        false
    }
    fn validate(&self, parts: &[String]) -> Result<()> {
        check_parts(parts, true, X_MAX, "weighted length", x_weighted_length)
    }
    async fn publish(&self, post: &Post) -> std::result::Result<Published, PublishFailure> {
        let parts = thread(&post.parts, &post.done, |_, text, refs| async move {
            let mut body = json!({ "text": text });
            if let Some((_, parent)) = refs {
                body["reply"] = json!({ "in_reply_to_tweet_id": parent.id });
            }
            let answer =
                send(self.client.post(format!("{}/2/tweets", self.base)).bearer_auth(self.token.expose()).json(&body))
                    .await?;
            let id = field(&answer, &["data", "id"])?;
            Ok(PostedPart { url: Some(format!("https://x.com/i/web/status/{id}")), id, cid: None })
        })
        .await?;
        Ok(Published { parts })
    }
}
