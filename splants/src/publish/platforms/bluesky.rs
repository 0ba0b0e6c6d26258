//! Bluesky (AT Protocol): `com.atproto.server.createSession` with an app password, then
//! `com.atproto.repo.createRecord` of an `app.bsky.feed.post` with facets for links and
//! hashtags (UTF-8 byte offsets) and, in a thread, `reply: {root, parent}` strong references.
//! The session is kept and made again once when the PDS says it expired. `createRecord` has
//! no idempotency key (a client-chosen `rkey` would make a repeat fail, but a repeat after an
//! ambiguous failure could still not tell "already posted" from "refused"), so a request that
//! may have been accepted is never sent again.

use super::http::{field, send};
use super::{check_parts, thread};
use crate::error::Result;
use crate::publish::text::{bluesky_facets, bluesky_graphemes, hashtags};
use crate::publish::{FailureClass, Post, PostedPart, PublishFailure, Published, Publisher, PublisherKind};
use crate::secret::Secret;
use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// Graphemes per post.
const MAX: usize = 300;

/// A hashtag facet's tag (without `#`): graphemes and bytes, as the `app.bsky.richtext.facet`
/// lexicon allows.
const TAG_MAX_GRAPHEMES: usize = 64;
const TAG_MAX_BYTES: usize = 640;

#[derive(Clone)]
struct Session {
    jwt: Secret,
    did: String,
    handle: String,
}

pub(crate) struct Bluesky {
    name: String,
    identifier: String,
    password: Secret,
    base: String,
    client: reqwest::Client,
    session: Mutex<Option<Session>>,
}

impl std::fmt::Debug for Bluesky {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bluesky")
            .field("name", &self.name)
            .field("identifier", &self.identifier)
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Bluesky {
    pub(crate) fn new(name: &str, identifier: String, password: Secret, base: String, client: reqwest::Client) -> Self {
        Bluesky { name: name.to_owned(), identifier, password, base, client, session: Mutex::new(None) }
    }

    async fn session(&self, fresh: bool) -> std::result::Result<Session, PublishFailure> {
        let mut slot = self.session.lock().await;
        if let (false, Some(s)) = (fresh, slot.as_ref()) {
            return Ok(s.clone());
        }
        let body = json!({ "identifier": self.identifier, "password": self.password.expose() });
        let request = self.client.post(format!("{}/xrpc/com.atproto.server.createSession", self.base)).json(&body);
        // Creating a session posts nothing: whatever fails here, the post is certainly not up.
        let answer = send(request).await.map_err(|mut f| {
            if f.class == FailureClass::MaybePosted {
                f.class = FailureClass::NotPosted;
            }
            f.message = format!("signing in: {}", f.message);
            f
        })?;
        let not_posted = |f: PublishFailure| PublishFailure { class: FailureClass::NotPosted, ..f };
        let s = Session {
            jwt: Secret::new(field(&answer, &["accessJwt"]).map_err(not_posted)?),
            did: field(&answer, &["did"]).map_err(not_posted)?,
            handle: answer.body["handle"].as_str().unwrap_or(&self.identifier).to_owned(),
        };
        *slot = Some(s.clone());
        Ok(s)
    }

    async fn create(&self, record: &Value) -> std::result::Result<PostedPart, PublishFailure> {
        let mut fresh = false;
        loop {
            let s = self.session(fresh).await?;
            let body = json!({ "repo": s.did, "collection": "app.bsky.feed.post", "record": record });
            let request = self
                .client
                .post(format!("{}/xrpc/com.atproto.repo.createRecord", self.base))
                .bearer_auth(s.jwt.expose())
                .json(&body);
            match send(request).await {
                Ok(answer) => {
                    let uri = field(&answer, &["uri"])?;
                    let cid = field(&answer, &["cid"])?;
                    let rkey = uri.rsplit('/').next().unwrap_or_default().to_owned();
                    let url = format!("https://bsky.app/profile/{}/post/{rkey}", s.handle);
                    return Ok(PostedPart { id: uri, url: Some(url), cid: Some(cid) });
                }
                // An expired access token is refused before anything is written: sign in again, once.
                Err(f) if !fresh && (f.status == Some(401) || f.message.starts_with("ExpiredToken")) => fresh = true,
                Err(f) => return Err(f),
            }
        }
    }
}

#[async_trait]
impl Publisher for Bluesky {
    fn account(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> PublisherKind {
        PublisherKind::Bluesky
    }
    fn idempotent(&self) -> bool {
        false
    }
    fn validate(&self, parts: &[String]) -> Result<()> {
        check_parts(parts, true, MAX, "graphemes", bluesky_graphemes)?;
        for (i, p) in parts.iter().enumerate() {
            for (_, tag) in hashtags(p) {
                let (g, b) = (bluesky_graphemes(&tag), tag.len());
                if g > TAG_MAX_GRAPHEMES || b > TAG_MAX_BYTES {
                    let field = if parts.len() == 1 { "content".to_owned() } else { format!("parts[{i}]") };
                    let shown: String = tag.chars().take(20).collect();
                    return Err(crate::error::Error::validation(
                        field,
                        format!(
                            "hashtag #{shown}… is {g} graphemes ({b} bytes); Bluesky takes at most \
                             {TAG_MAX_GRAPHEMES} graphemes and {TAG_MAX_BYTES} bytes per tag"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
    async fn publish(&self, post: &Post) -> std::result::Result<Published, PublishFailure> {
        let parts = thread(&post.parts, &post.done, |_, text, refs| async move {
            let mut record = json!({
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            });
            let facets = bluesky_facets(&text);
            if !facets.is_empty() {
                record["facets"] = Value::Array(facets);
            }
            if let Some((root, parent)) = refs {
                let strong = |p: &PostedPart| json!({ "uri": p.id, "cid": p.cid.clone().unwrap_or_default() });
                record["reply"] = json!({ "root": strong(&root), "parent": strong(&parent) });
            }
            self.create(&record).await
        })
        .await?;
        Ok(Published { parts })
    }
}
