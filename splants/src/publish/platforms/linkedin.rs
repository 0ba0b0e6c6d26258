//! LinkedIn Posts API: `POST /rest/posts` as an organization or a member, with the
//! `LinkedIn-Version` and `X-Restli-Protocol-Version: 2.0.0` headers; the new post's URN is in
//! the `x-restli-id` header of the 201. The commentary is LinkedIn's "little text" format:
//! reserved characters are escaped with a backslash and hashtags are written as
//! `{hashtag|\#|tag}` so they stay hashtags. LinkedIn has no idempotency key.

use super::check_parts;
use super::http::send;
use crate::error::Result;
use crate::publish::text::{hashtags, url_ranges};
use crate::publish::{FailureClass, Post, PostedPart, PublishFailure, Published, Publisher, PublisherKind};
use crate::secret::Secret;
use async_trait::async_trait;
use serde_json::json;

/// Characters of commentary per post.
const MAX: usize = 3000;

/// The characters "little text" reserves.
const RESERVED: &str = "\\|{}@[]()<>#*_~";

#[derive(Debug)]
pub(crate) struct Linkedin {
    pub(crate) name: String,
    pub(crate) token: Secret,
    pub(crate) author: String,
    pub(crate) version: String,
    pub(crate) base: String,
    pub(crate) client: reqwest::Client,
}

/// `text` in "little text": reserved characters escaped (not inside URLs), hashtags as
/// hashtag templates.
pub(crate) fn little_text(text: &str) -> String {
    let urls = url_ranges(text);
    let tags = hashtags(text);
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    while i < text.len() {
        if let Some(r) = urls.iter().find(|r| r.start == i) {
            out.push_str(&text[r.clone()]);
            i = r.end;
            continue;
        }
        if let Some((r, tag)) = tags.iter().find(|(r, _)| r.start == i) {
            out.push_str("{hashtag|\\#|");
            for c in tag.chars() {
                if RESERVED.contains(c) {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('}');
            i = r.end;
            continue;
        }
        let Some(c) = text[i..].chars().next() else { break };
        if RESERVED.contains(c) {
            out.push('\\');
        }
        out.push(c);
        i += c.len_utf8();
    }
    out
}

#[async_trait]
impl Publisher for Linkedin {
    fn account(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> PublisherKind {
        PublisherKind::Linkedin
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
        let body = json!({
            "author": self.author,
            "commentary": little_text(&post.parts[0]),
            "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": false,
        });
        let request = self
            .client
            .post(format!("{}/rest/posts", self.base))
            .bearer_auth(self.token.expose())
            .header("LinkedIn-Version", &self.version)
            .header("X-Restli-Protocol-Version", "2.0.0")
            .json(&body);
        let answer = send(request).await?;
        let Some(urn) = answer.headers.get("x-restli-id").and_then(|v| v.to_str().ok()).filter(|s| !s.is_empty())
        else {
            return Err(PublishFailure {
                status: Some(answer.status),
                ..PublishFailure::new(FailureClass::MaybePosted, "LinkedIn answered without the post's x-restli-id")
            });
        };
        Ok(Published {
            parts: vec![PostedPart {
                url: Some(format!("https://www.linkedin.com/feed/update/{urn}/")),
                id: urn.to_owned(),
                cid: None,
            }],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::little_text;

    #[test]
    fn little_text_escapes_reserved_characters_and_keeps_hashtags_and_urls() {
        assert_eq!(
            little_text("Save 30% (today) on tools_kit #SpringSale @ https://shop.example/a_b?x=(1)"),
            "Save 30% \\(today\\) on tools\\_kit {hashtag|\\#|SpringSale} \\@ https://shop.example/a_b?x=(1)"
        );
        assert_eq!(little_text("a\\b"), "a\\\\b");
    }
}
