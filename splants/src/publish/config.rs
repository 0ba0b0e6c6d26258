//! The publishing section of [`crate::config::Config`]: the platform accounts posts go to.

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::setting;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;

use super::PublisherKind;

/// The accounts posts can be published to, by name (`SPLANTS_PUBLISH_ACCOUNTS`: a JSON object
/// `{"brand-x": {"kind": "x", "token": {"env": "X_TOKEN"}}, …}`, or the `publish_accounts`
/// option).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublishConfig {
    /// Accounts by name: 1..=64 characters of `a-z`, `0-9`, `-`, `_`.
    #[serde(deserialize_with = "accounts")]
    pub accounts: BTreeMap<String, AccountConfig>,
}

/// A token or password: given in the configuration, or read from an environment variable when
/// the publishers are built (`{"env": "X_TOKEN"}`), so a configuration file need not hold it.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// The secret itself.
    Inline(Secret),
    /// The name of the environment variable that holds it.
    Env(String),
}

impl Credential {
    /// The secret: inline, or read from its variable now. `field` names the setting in errors
    /// (`publish.accounts.brand-x.token`); the error never shows a value.
    pub fn resolve(&self, field: &str) -> Result<Secret> {
        match self {
            Credential::Inline(s) => Ok(s.clone()),
            Credential::Env(var) => match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => Ok(Secret::new(v.trim())),
                _ => Err(Error::config(field, format!("environment variable {var} is not set"))),
            },
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Inline(_) => f.write_str("Credential([redacted])"),
            Credential::Env(var) => write!(f, "Credential(env {var})"),
        }
    }
}

impl<'de> Deserialize<'de> for Credential {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Inline(String),
            Env { env: String },
        }
        let bad = |what: &str| serde::de::Error::custom(what.to_owned());
        let raw = Raw::deserialize(d).map_err(|e: D::Error| {
            if e.to_string().starts_with("missing field") {
                e
            } else {
                bad("must be a text or {\"env\": \"VARIABLE\"}")
            }
        })?;
        match raw {
            Raw::Inline(s) if s.trim().is_empty() => Err(bad("is empty")),
            Raw::Inline(s) => Ok(Credential::Inline(Secret::new(s.trim()))),
            Raw::Env { env } if is_env_name(&env) => Ok(Credential::Env(env)),
            Raw::Env { .. } => Err(bad("`env` must name an environment variable (A-Z, 0-9, _)")),
        }
    }
}

fn is_env_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// One account, by platform (`"kind"`). Base URLs default to the platform's public API; point
/// them at another server (a test double, a proxy) to send there instead.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum AccountConfig {
    /// X (Twitter) API v2, with an OAuth 2.0 user access token (`tweet.write` scope).
    X {
        /// The user access token (`Authorization: Bearer`).
        token: Credential,
        /// API base URL (default `https://api.x.com`).
        #[serde(default, deserialize_with = "setting::text")]
        base_url: Option<String>,
    },
    /// LinkedIn Posts API (`POST /rest/posts`), as an organization or a member.
    Linkedin {
        /// OAuth 2.0 access token (`w_organization_social` or `w_member_social`).
        token: Credential,
        /// The author: `urn:li:organization:<id>` or `urn:li:person:<id>`.
        author: String,
        /// The `LinkedIn-Version` header, `YYYYMM` (default `202411`).
        #[serde(default, deserialize_with = "setting::text")]
        version: Option<String>,
        /// API base URL (default `https://api.linkedin.com`).
        #[serde(default, deserialize_with = "setting::text")]
        base_url: Option<String>,
    },
    /// A Mastodon account (`POST /api/v1/statuses`).
    Mastodon {
        /// The instance's base URL (`https://mastodon.social`).
        instance: String,
        /// An access token with the `write:statuses` scope.
        token: Credential,
        /// The instance's character limit (default 500).
        #[serde(default)]
        max_chars: Option<usize>,
    },
    /// A Bluesky account, with an app password.
    Bluesky {
        /// The handle or DID (`brand.bsky.social`).
        identifier: String,
        /// An app password.
        app_password: Credential,
        /// The PDS base URL (default `https://bsky.social`).
        #[serde(default, deserialize_with = "setting::text")]
        service: Option<String>,
    },
    /// A Facebook Page (Graph API `POST /{page-id}/feed`).
    Facebook {
        /// The page's id.
        page_id: String,
        /// A Page access token (`pages_manage_posts`).
        token: Credential,
        /// Graph API version (default `v21.0`).
        #[serde(default, deserialize_with = "setting::text")]
        api_version: Option<String>,
        /// Graph API base URL (default `https://graph.facebook.com`).
        #[serde(default, deserialize_with = "setting::text")]
        base_url: Option<String>,
    },
    /// A signed `POST` of the post to the user's own system.
    Webhook {
        /// Where to post.
        url: String,
        /// HMAC-SHA256 key of the `X-Splants-Signature` header (as the engine's webhooks).
        #[serde(default)]
        secret: Option<Credential>,
    },
}

impl AccountConfig {
    /// The platform.
    pub fn kind(&self) -> PublisherKind {
        match self {
            AccountConfig::X { .. } => PublisherKind::X,
            AccountConfig::Linkedin { .. } => PublisherKind::Linkedin,
            AccountConfig::Mastodon { .. } => PublisherKind::Mastodon,
            AccountConfig::Bluesky { .. } => PublisherKind::Bluesky,
            AccountConfig::Facebook { .. } => PublisherKind::Facebook,
            AccountConfig::Webhook { .. } => PublisherKind::Webhook,
        }
    }

    fn validate(&self, at: &str) -> Result<()> {
        let web = ["http", "https"];
        let url = |field: &str, v: Option<&str>| setting::check_url(&format!("{at}.{field}"), v, &web);
        match self {
            AccountConfig::X { base_url, .. } => url("base_url", base_url.as_deref()),
            AccountConfig::Linkedin { author, version, base_url, .. } => {
                if !(author.starts_with("urn:li:organization:") || author.starts_with("urn:li:person:")) {
                    return Err(Error::config(
                        format!("{at}.author"),
                        "must be urn:li:organization:<id> or urn:li:person:<id>",
                    ));
                }
                if let Some(v) = version
                    && !(v.len() == 6 && v.chars().all(|c| c.is_ascii_digit()))
                {
                    return Err(Error::config(format!("{at}.version"), "must be YYYYMM, e.g. 202411"));
                }
                url("base_url", base_url.as_deref())
            }
            AccountConfig::Mastodon { instance, max_chars, .. } => {
                if let Some(n) = *max_chars {
                    setting::check_range(&format!("{at}.max_chars"), n, 1, 100_000)?;
                }
                url("instance", Some(instance))
            }
            AccountConfig::Bluesky { identifier, service, .. } => {
                if identifier.trim().is_empty() {
                    return Err(Error::config(format!("{at}.identifier"), "is empty"));
                }
                url("service", service.as_deref())
            }
            AccountConfig::Facebook { page_id, api_version, base_url, .. } => {
                if page_id.is_empty() || !page_id.chars().all(|c| c.is_ascii_digit()) {
                    return Err(Error::config(format!("{at}.page_id"), "must be the page's numeric id"));
                }
                if let Some(v) = api_version
                    && !(v.starts_with('v')
                        && v[1..].split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())))
                {
                    return Err(Error::config(format!("{at}.api_version"), "must look like v21.0"));
                }
                url("base_url", base_url.as_deref())
            }
            AccountConfig::Webhook { url: u, .. } => url("url", Some(u)),
        }
    }
}

impl PublishConfig {
    /// Checks account names and each account's fields; errors name the path
    /// (`publish.accounts.brand-x.base_url`).
    pub fn validate(&self) -> Result<()> {
        for (name, account) in &self.accounts {
            check_account_name(&format!("publish.accounts.{name}"), name)?;
            account.validate(&format!("publish.accounts.{name}"))?;
        }
        Ok(())
    }
}

/// Checks an account name: 1..=64 characters of `a-z`, `0-9`, `-`, `_`.
pub(crate) fn check_account_name(field: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok { Ok(()) } else { Err(Error::config(field, "account names are 1..=64 characters of a-z, 0-9, - and _")) }
}

/// Accounts as an object, or as the JSON text of one (the environment variable).
fn accounts<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<BTreeMap<String, AccountConfig>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Map(serde_json::Map<String, serde_json::Value>),
    }
    let map = match Raw::deserialize(d).map_err(|_| serde::de::Error::custom("must be an object of accounts"))? {
        Raw::Text(t) if t.trim().is_empty() => return Ok(BTreeMap::new()),
        Raw::Text(t) => serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&t)
            .map_err(|e| serde::de::Error::custom(format!("is not a JSON object of accounts: {e}")))?,
        Raw::Map(m) => m,
    };
    let mut out = BTreeMap::new();
    for (name, value) in map {
        let account = AccountConfig::deserialize(value)
            .map_err(|e| serde::de::Error::custom(format!("account `{name}`: {e}")))?;
        out.insert(name, account);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> std::result::Result<PublishConfig, String> {
        let c: PublishConfig = serde_json::from_value(v).map_err(|e| e.to_string())?;
        c.validate().map_err(|e| e.to_string())?;
        Ok(c)
    }

    #[test]
    fn accounts_from_an_object_or_its_json_text() {
        let accounts = json!({
            "brand-x": {"kind": "x", "token": {"env": "X_TOKEN"}},
            "masto": {"kind": "mastodon", "instance": "https://mastodon.social", "token": "t0k"},
        });
        let a = parse(json!({"accounts": accounts.clone()})).unwrap();
        let b = parse(json!({"accounts": accounts.to_string()})).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.accounts["brand-x"].kind(), PublisherKind::X);
        assert_eq!(
            a.accounts["brand-x"],
            AccountConfig::X { token: Credential::Env("X_TOKEN".into()), base_url: None }
        );
        assert!(!format!("{:?}", a.accounts["masto"]).contains("t0k"), "Debug shows no token");
    }

    #[test]
    fn bad_accounts_are_refused_with_the_field() {
        let cases = [
            (json!({"Brand X": {"kind": "x", "token": "t"}}), "account names"),
            (json!({"a": {"kind": "myspace", "token": "t"}}), "unknown variant"),
            (json!({"a": {"kind": "x"}}), "missing field `token`"),
            (json!({"a": {"kind": "x", "token": "t", "colour": 1}}), "unknown field `colour`"),
            (json!({"a": {"kind": "x", "token": {"env": "lower"}}}), "environment variable"),
            (json!({"a": {"kind": "x", "token": "t", "base_url": "ftp://x"}}), "publish.accounts.a.base_url"),
            (json!({"a": {"kind": "linkedin", "token": "t", "author": "me"}}), "urn:li:organization"),
            (json!({"a": {"kind": "facebook", "token": "t", "page_id": "abc"}}), "numeric id"),
        ];
        for (accounts, want) in cases {
            let err = parse(json!({"accounts": accounts})).unwrap_err();
            assert!(err.contains(want), "{accounts}: {err}");
        }
    }

    #[test]
    fn a_credential_from_the_environment_names_the_variable_when_unset() {
        let c = Credential::Env("SPLANTS_TEST_SURELY_UNSET_TOKEN".into());
        let e = c.resolve("publish.accounts.a.token").unwrap_err().to_string();
        assert!(e.contains("SPLANTS_TEST_SURELY_UNSET_TOKEN") && e.contains("publish.accounts.a.token"), "{e}");
    }
}
