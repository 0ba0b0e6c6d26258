//! Request id, logging span, timeout, metrics and API-key authentication with rate-limit headers.

use super::error::{ApiError, REQUEST_ID};
use super::extract::{BodyLimit, Caller};
use super::state::AppState;
use crate::auth::KeyStatus;
use crate::error::Error;
use crate::ratelimit::RateDecision;
use axum::extract::{MatchedPath, Request, State};

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;
use tracing::Instrument;

/// The route not counted against a key's request quota (it has its own, per identity), so a
/// key whose quota a thief has spent can still be rotated.
const ROTATE_KEY_ROUTE: &str = "/v1/admin/rotate-key";

/// `X-Request-ID`.
pub(crate) static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// `X-API-Key`.
pub(crate) static X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");

fn valid_request_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic())).then(|| s.to_owned())
}

/// Accepts a caller's `X-Request-ID` (1–128 visible ASCII characters) or makes one, runs the
/// request in a span carrying it, echoes it, counts the request in the metrics and enforces
/// the request timeout.
pub(crate) async fn request_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id =
        req.headers().get(&X_REQUEST_ID).and_then(valid_request_id).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let route_label = route.clone().unwrap_or_else(|| "unmatched".to_owned());
    req.extensions_mut().insert(BodyLimit(state.options.body_limit_bytes));
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(X_REQUEST_ID.clone(), v);
    }
    let span = tracing::info_span!("http", request_id = %id, method = %method, route = %route_label, key = tracing::field::Empty);
    state.metrics.active_requests.inc();
    let timeout = state.options.request_timeout;
    let response = REQUEST_ID
        .scope(id.clone(), async move {
            match tokio::time::timeout(timeout, next.run(req)).await {
                Ok(r) => r,
                Err(_) => ApiError::Engine(Error::Timeout {
                    after_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                })
                .into_response(),
            }
        })
        .instrument(span.clone())
        .await;
    state.metrics.active_requests.dec();
    let mut response = response;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID.clone(), v);
    }
    let elapsed = started.elapsed();
    state.metrics.observe_http(method.as_str(), &route_label, response.status().as_u16(), elapsed);
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request served"
        );
    });
    response
}

fn rate_headers(headers: &mut HeaderMap, d: &RateDecision) {
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    };
    set("x-ratelimit-limit", d.limit.to_string());
    set("x-ratelimit-remaining", d.remaining.to_string());
    set("x-ratelimit-reset", d.reset_after.as_secs_f64().ceil().to_string());
}

/// Verifies `X-API-Key`, counts the request against the key's quotas (all but key rotation)
/// and adds `X-RateLimit-Limit/Remaining/Reset` (and `Retry-After` on 429) to the response.
pub(crate) async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let secret = req.headers().get(&X_API_KEY).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let key = match state.engine.keys().verify(&secret).await {
        Ok(k) => k,
        Err(e) => return ApiError::Engine(e).into_response(),
    };
    let mut ctx = key.context();
    ctx.request_id = REQUEST_ID.try_with(Clone::clone).ok();
    // Only the current secret skips the quota; an old one in its grace period is counted (its
    // rotation is refused anyway, and would otherwise be an uncounted request).
    let rotation = key.status == KeyStatus::Active
        && req.extensions().get::<MatchedPath>().is_some_and(|p| p.as_str() == ROTATE_KEY_ROUTE);
    let counted = if rotation { Ok(None) } else { state.engine.check_rate_limit(&ctx, 1).await };
    let rate = match counted {
        Ok(d) => d,
        Err(e) => {
            if let Error::RateLimited(r) = &e {
                let mut resp = ApiError::Engine(e.clone()).into_response();
                let d = RateDecision { limit: r.limit, remaining: 0, reset_after: r.retry_after };
                rate_headers(resp.headers_mut(), &d);
                return resp;
            }
            return ApiError::Engine(e).into_response();
        }
    };
    ctx.rate_limit_counted = !rotation;
    tracing::Span::current().record("key", key.id.as_str());
    req.extensions_mut().insert(Caller { key, ctx, rate });
    let mut response = next.run(req).await;
    if let Some(d) = &rate {
        rate_headers(response.headers_mut(), d);
    }
    response
}
