//! What every platform publisher shares: the HTTP client, sending a request, and classifying
//! what came back by whether the post may have gone out.

use crate::publish::{FailureClass, PublishFailure};
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::time::Duration;

/// A client for one account: rustls, no redirects (a redirected POST could be sent twice or
/// somewhere else), no proxy from the environment, the per-request timeout.
pub(crate) fn client(timeout: Duration) -> crate::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("splants/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| crate::Error::internal("building the publishing HTTP client").with_source(e))
}

/// A platform's answer that was a success (2xx).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

/// Sends `request`; a 2xx answer is returned, anything else classified.
pub(crate) async fn send(request: reqwest::RequestBuilder) -> Result<Answer, PublishFailure> {
    let response = request.send().await.map_err(transport)?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = match response.bytes().await {
        Ok(b) => b,
        // The platform answered but the body was lost: for a 2xx the post is up.
        Err(e) if (200..300).contains(&status) => {
            return Err(PublishFailure {
                status: Some(status),
                ..PublishFailure::new(FailureClass::MaybePosted, format!("the answer could not be read: {}", short(&e)))
            });
        }
        Err(_) => Default::default(),
    };
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(Answer { status, headers, body });
    }
    Err(refusal(status, &headers, &body, &bytes))
}

/// A transport failure: not posted when the connection was never made, else maybe posted.
pub(crate) fn transport(e: reqwest::Error) -> PublishFailure {
    if e.is_builder() {
        return PublishFailure::new(FailureClass::Rejected, format!("the request could not be built: {}", short(&e)));
    }
    if e.is_connect() {
        return PublishFailure::new(FailureClass::NotPosted, format!("could not connect: {}", short(&e)));
    }
    if e.is_timeout() {
        return PublishFailure::new(FailureClass::MaybePosted, "no answer in time after the request was sent");
    }
    PublishFailure::new(
        FailureClass::MaybePosted,
        format!("the connection failed after the request was sent: {}", short(&e)),
    )
}

/// The error text of `e` and its causes (no publisher puts a credential in a URL; anything
/// that looks like one is redacted anyway).
fn short(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let t = s.to_string();
        if !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        source = s.source();
    }
    crate::error::redact(&out)
}

/// Classifies a non-2xx answer (see the table in `crate::publish`).
pub(crate) fn refusal(status: u16, headers: &HeaderMap, body: &Value, raw: &[u8]) -> PublishFailure {
    let class = match status {
        408 | 425 | 429 | 503 => FailureClass::NotPosted,
        400..=499 => FailureClass::Rejected,
        _ => FailureClass::MaybePosted,
    };
    let message = message(body).unwrap_or_else(|| {
        let text = String::from_utf8_lossy(raw);
        let text = text.trim();
        if text.is_empty() { "no error message".to_owned() } else { text.chars().take(300).collect() }
    });
    PublishFailure {
        class,
        status: Some(status),
        message: crate::error::redact(&message),
        retry_after: retry_after(headers),
        posted: Vec::new(),
    }
}

/// The platform's own error message, from the shapes the platforms use: X
/// `{"title", "detail", "errors": [{"message"}]}`, LinkedIn `{"message"}`, Mastodon
/// `{"error"}`, Bluesky `{"error", "message"}`, Facebook `{"error": {"message", "code"}}`.
pub(crate) fn message(body: &Value) -> Option<String> {
    let text = |v: &Value| v.as_str().map(str::to_owned).filter(|s| !s.is_empty());
    if let Some(err) = body.get("error").filter(|e| e.is_object()) {
        let m = text(&err["message"])?;
        return Some(match err.get("code").and_then(Value::as_i64) {
            Some(code) => format!("{m} (code {code})"),
            None => m,
        });
    }
    if let Some(detail) = text(&body["detail"]) {
        return Some(match text(&body["title"]) {
            Some(title) => format!("{title}: {detail}"),
            None => detail,
        });
    }
    if let (Some(kind), Some(m)) = (text(&body["error"]), text(&body["message"])) {
        return Some(format!("{kind}: {m}"));
    }
    text(&body["message"])
        .or_else(|| text(&body["error"]))
        .or_else(|| body["errors"].get(0).and_then(|e| text(&e["message"])))
        .or_else(|| text(&body["title"]))
}

/// The wait a platform asked for: `Retry-After` (seconds or an HTTP date), else a rate-limit
/// reset time (`x-rate-limit-reset` of X, `ratelimit-reset` / `x-ratelimit-reset` of Mastodon
/// and Bluesky: Unix seconds or an ISO time).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(v) = get("retry-after") {
        if let Ok(s) = v.parse::<u64>() {
            return Some(Duration::from_secs(s.min(86_400)));
        }
        if let Ok(at) = httpdate::parse_http_date(v) {
            return Some(
                at.duration_since(std::time::SystemTime::now()).unwrap_or_default().min(Duration::from_secs(86_400)),
            );
        }
    }
    for name in ["x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset"] {
        let Some(v) = get(name) else { continue };
        let now = chrono::Utc::now();
        let at = match v.parse::<i64>() {
            Ok(n) if n > 1_000_000_000 => chrono::DateTime::from_timestamp(n, 0),
            Ok(n) => Some(now + chrono::Duration::seconds(n.max(0))),
            Err(_) => chrono::DateTime::parse_from_rfc3339(v).ok().map(|t| t.to_utc()),
        };
        if let Some(at) = at {
            return Some((at - now).to_std().unwrap_or_default().min(Duration::from_secs(86_400)));
        }
    }
    None
}

/// A required text field of a success answer, or a maybe-posted failure saying it is missing
/// (the platform took the request, but its answer does not say where the post is).
pub(crate) fn field(answer: &Answer, path: &[&str]) -> Result<String, PublishFailure> {
    let mut v = &answer.body;
    for p in path {
        v = &v[*p];
    }
    match v {
        Value::String(s) if !s.is_empty() => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(PublishFailure {
            status: Some(answer.status),
            ..PublishFailure::new(
                FailureClass::MaybePosted,
                format!("the platform answered {} without `{}`", answer.status, path.join(".")),
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use serde_json::json;

    #[test]
    fn each_platforms_error_shape_gives_its_message() {
        let cases = [
            (
                json!({"title": "Forbidden", "detail": "You are not permitted to perform this action.", "type": "about:blank"}),
                "Forbidden: You are not permitted to perform this action.",
            ),
            (json!({"errors": [{"message": "Tweet text too long"}]}), "Tweet text too long"),
            (
                json!({"message": "Unable to verify access token", "status": 401, "serviceErrorCode": 65601}),
                "Unable to verify access token",
            ),
            (
                json!({"error": "Validation failed: Text character limit of 500 exceeded"}),
                "Validation failed: Text character limit of 500 exceeded",
            ),
            (json!({"error": "ExpiredToken", "message": "Token has expired"}), "ExpiredToken: Token has expired"),
            (
                json!({"error": {"message": "(#200) Permissions error", "type": "OAuthException", "code": 200, "fbtrace_id": "A"}}),
                "(#200) Permissions error (code 200)",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(message(&body).as_deref(), Some(want), "{body}");
        }
        assert_eq!(message(&json!({"ok": true})), None);
    }

    #[test]
    fn statuses_are_classified_by_whether_the_post_may_be_up() {
        let h = HeaderMap::new();
        let class = |s| refusal(s, &h, &Value::Null, b"").class;
        for s in [408, 425, 429, 503] {
            assert_eq!(class(s), FailureClass::NotPosted, "{s}");
        }
        for s in [400, 401, 403, 404, 409, 413, 422] {
            assert_eq!(class(s), FailureClass::Rejected, "{s}");
        }
        for s in [500, 502, 504, 599] {
            assert_eq!(class(s), FailureClass::MaybePosted, "{s}");
        }
    }

    #[test]
    fn waits_come_from_retry_after_or_the_rate_limit_reset() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("120"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(120)));
        let mut h = HeaderMap::new();
        let reset = (chrono::Utc::now() + chrono::Duration::seconds(300)).timestamp();
        h.insert("x-rate-limit-reset", HeaderValue::from_str(&reset.to_string()).unwrap());
        let wait = retry_after(&h).unwrap().as_secs();
        assert!((295..=300).contains(&wait), "{wait}");
        let mut h = HeaderMap::new();
        let at = (chrono::Utc::now() + chrono::Duration::seconds(60)).to_rfc3339();
        h.insert("ratelimit-reset", HeaderValue::from_str(&at).unwrap());
        assert!(retry_after(&h).unwrap().as_secs() <= 60);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
