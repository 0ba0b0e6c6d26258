//! The platform publishers (feature `publish`), built from the accounts of [`PublishConfig`].

mod bluesky;
mod facebook;
mod http;
mod linkedin;
mod mastodon;
mod webhook;
mod x;

use super::{AccountConfig, PostedPart, PublishConfig, PublishFailure, Publisher, Publishers};
use crate::error::{Error, Result};
use std::sync::Arc;
use std::time::Duration;

/// Most posts in one thread, on every platform with threads.
pub const MAX_THREAD_PARTS: usize = 25;

/// The publisher of account `name`, its credentials resolved now (an unset variable is a config
/// error naming `publish.accounts.<name>.<field>`); requests time out after `timeout`.
pub fn build(name: &str, account: &AccountConfig, timeout: Duration) -> Result<Arc<dyn Publisher>> {
    let at = |field: &str| format!("publish.accounts.{name}.{field}");
    let client = http::client(timeout)?;
    let base = |v: &Option<String>, default: &str| v.as_deref().unwrap_or(default).trim_end_matches('/').to_owned();
    Ok(match account {
        AccountConfig::X { token, base_url } => Arc::new(x::X {
            name: name.to_owned(),
            token: token.resolve(&at("token"))?,
            base: base(base_url, "https://api.x.com"),
            client,
        }),
        AccountConfig::Linkedin { token, author, version, base_url } => Arc::new(linkedin::Linkedin {
            name: name.to_owned(),
            token: token.resolve(&at("token"))?,
            author: author.clone(),
            version: version.clone().unwrap_or_else(|| "202411".to_owned()),
            base: base(base_url, "https://api.linkedin.com"),
            client,
        }),
        AccountConfig::Mastodon { instance, token, max_chars } => Arc::new(mastodon::Mastodon {
            name: name.to_owned(),
            token: token.resolve(&at("token"))?,
            base: instance.trim_end_matches('/').to_owned(),
            max_chars: max_chars.unwrap_or(500),
            client,
        }),
        AccountConfig::Bluesky { identifier, app_password, service } => Arc::new(bluesky::Bluesky::new(
            name,
            identifier.clone(),
            app_password.resolve(&at("app_password"))?,
            base(service, "https://bsky.social"),
            client,
        )),
        AccountConfig::Facebook { page_id, token, api_version, base_url } => Arc::new(facebook::Facebook {
            name: name.to_owned(),
            page_id: page_id.clone(),
            token: token.resolve(&at("token"))?,
            version: api_version.clone().unwrap_or_else(|| "v21.0".to_owned()),
            base: base(base_url, "https://graph.facebook.com"),
            client,
        }),
        AccountConfig::Webhook { url, secret } => Arc::new(webhook::Webhook {
            name: name.to_owned(),
            url: url.clone(),
            secret: secret.as_ref().map(|s| s.resolve(&at("secret"))).transpose()?,
            client,
        }),
    })
}

/// Every configured account's publisher, by name.
pub fn build_all(config: &PublishConfig, timeout: Duration) -> Result<Publishers> {
    config.accounts.iter().map(|(name, account)| Ok((name.clone(), build(name, account, timeout)?))).collect()
}

/// Checks the parts of a post: one for platforms without threads, 1..=25 with; each within
/// `max` as `measure` counts (`unit` names what is counted in the reason).
pub(crate) fn check_parts(
    parts: &[String],
    threads: bool,
    max: usize,
    unit: &str,
    measure: impl Fn(&str) -> usize,
) -> Result<()> {
    if parts.is_empty() || parts.iter().all(|p| p.trim().is_empty()) {
        return Err(Error::validation("content", "is empty: there is nothing to publish"));
    }
    if !threads && parts.len() > 1 {
        return Err(Error::validation(
            "content",
            format!("is a thread of {} posts; this platform takes one post", parts.len()),
        ));
    }
    if parts.len() > MAX_THREAD_PARTS {
        return Err(Error::validation(
            "content",
            format!("a thread of {} posts; at most {MAX_THREAD_PARTS}", parts.len()),
        ));
    }
    for (i, p) in parts.iter().enumerate() {
        let field = if parts.len() == 1 { "content".to_owned() } else { format!("parts[{i}]") };
        if p.trim().is_empty() {
            return Err(Error::validation(field, "is empty"));
        }
        let n = measure(p);
        if n > max {
            return Err(Error::validation(field, format!("{unit} {n} > {max}")));
        }
    }
    Ok(())
}

/// Posts `parts` one after the other from `done` on, each replying to the one before; on a
/// failure, the parts this attempt posted are in the failure's `posted`.
pub(crate) async fn thread<F, Fut>(
    parts: &[String],
    done: &[PostedPart],
    mut post: F,
) -> std::result::Result<Vec<PostedPart>, PublishFailure>
where
    F: FnMut(usize, String, Option<(PostedPart, PostedPart)>) -> Fut,
    Fut: std::future::Future<Output = std::result::Result<PostedPart, PublishFailure>>,
{
    let mut all = done.to_vec();
    for (i, text) in parts.iter().enumerate().skip(done.len()) {
        // (root, parent): what a reply refers to.
        let refs = all.first().cloned().zip(all.last().cloned());
        match post(i, text.clone(), refs).await {
            Ok(p) => all.push(p),
            Err(mut f) => {
                f.posted = all[done.len()..].to_vec();
                return Err(f);
            }
        }
    }
    Ok(all)
}
