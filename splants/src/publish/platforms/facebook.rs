//! Facebook Pages, Graph API: `POST /{version}/{page-id}/feed` with `message` and the Page
//! access token in the form body (never in the URL, where proxies and logs would keep it).
//! The Graph API has no idempotency key.

use super::check_parts;
use super::http::{field, send};
use crate::error::Result;
use crate::publish::{FailureClass, Post, PostedPart, PublishFailure, Published, Publisher, PublisherKind};
use crate::secret::Secret;
use async_trait::async_trait;

/// Characters per post.
const MAX: usize = 63_206;

/// Graph API error codes that mean "rate limited; nothing was done".
const RATE_LIMIT_CODES: [i64; 5] = [4, 17, 32, 341, 613];

#[derive(Debug)]
pub(crate) struct Facebook {
    pub(crate) name: String,
    pub(crate) page_id: String,
    pub(crate) token: Secret,
    pub(crate) version: String,
    pub(crate) base: String,
    pub(crate) client: reqwest::Client,
}

#[async_trait]
impl Publisher for Facebook {
    fn account(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> PublisherKind {
        PublisherKind::Facebook
    }
    fn idempotent(&self) -> bool {
        false
    }
    fn validate(&self, parts: &[String]) -> Result<()> {
        check_parts(parts, false, MAX, "characters", |t| t.chars().count())
    }
    async fn publish(&self, post: &Post) -> std::result::Result<Published, PublishFailure> {
        if let Some(done) = post.done.first() {
            return Ok(Published { parts: vec![done.clone()] });
        }
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("message", &post.parts[0])
            .append_pair("access_token", self.token.expose())
            .finish();
        let request = self
            .client
            .post(format!("{}/{}/{}/feed", self.base, self.version, self.page_id))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form);
        let answer = send(request).await.map_err(|mut f| {
            // Rate limits come as 400/403 with these codes: nothing was posted.
            if f.class == FailureClass::Rejected
                && RATE_LIMIT_CODES.iter().any(|c| f.message.ends_with(&format!("(code {c})")))
            {
                f.class = FailureClass::NotPosted;
            }
            f
        })?;
        let id = field(&answer, &["id"])?;
        Ok(Published { parts: vec![PostedPart { url: Some(format!("https://www.facebook.com/{id}")), id, cid: None }] })
    }
}
