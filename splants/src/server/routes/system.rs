//! Health, readiness, public config, metrics.

use crate::engine::{ComponentHealth, SystemHealth};
use crate::error::Error;
use crate::server::error::{ApiError, ErrorBody, REQUEST_ID};
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The original app's public configuration answer.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct PublicConfig {
    /// Whether a real (non-placeholder) `API_KEY` is configured.
    api_key_configured: bool,
    /// Feature flags.
    features: PublicFeatures,
    /// The provider in use (`openai`, `anthropic`, `compatible`, `offline`).
    provider: String,
    /// splants version.
    version: String,
}

/// Feature flags (the original's names first).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct PublicFeatures {
    /// `CACHE_ENABLED`.
    redis_enabled: bool,
    /// An Anthropic key is configured.
    anthropic_enabled: bool,
    /// A content-generated webhook is configured.
    webhooks_enabled: bool,
    /// An OpenAI key or compatible server is configured.
    openai_enabled: bool,
    /// A `REDIS_URL` is configured.
    redis_configured: bool,
}

/// Public configuration for a frontend's first run (no auth).
#[utoipa::path(get, path = "/v1/config/public", tag = "Config", responses((status = 200, description = "Public configuration", body = PublicConfig)))]
pub(crate) async fn public_config(State(s): State<AppState>) -> Json<PublicConfig> {
    let c = s.engine.config();
    #[cfg(feature = "webhooks")]
    let webhooks_enabled = c.webhooks.content_generated_url.is_some();
    #[cfg(not(feature = "webhooks"))]
    let webhooks_enabled = false;
    Json(PublicConfig {
        api_key_configured: c.api_key_configured(),
        features: PublicFeatures {
            redis_enabled: c.cache.enabled,
            anthropic_enabled: c.provider.anthropic_api_key.is_some(),
            webhooks_enabled,
            openai_enabled: c.provider.openai_api_key.is_some() || c.provider.openai_base_url.is_some(),
            redis_configured: c.redis.url.is_some(),
        },
        provider: s.engine.provider().name().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// `GET /health`: the engine's [`crate::engine::Health`] and this request's id.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    /// `healthy`, or `degraded` when a component fails.
    status: String,
    /// When the check ran.
    timestamp: DateTime<Utc>,
    /// `database`, `cache`, `providers`.
    components: BTreeMap<String, ComponentHealth>,
    /// Process figures.
    system: SystemHealth,
    /// This request's id: failed checks are logged under it.
    request_id: String,
}

/// Health of the database, cache and providers; `degraded` when one fails. `/health` is
/// public: a failure shows only that the check failed (or timed out) and the request id; what
/// failed (hosts, paths, SQL) goes to the log.
#[utoipa::path(get, path = "/health", tag = "System", responses((status = 200, description = "Health", body = Health)))]
pub(crate) async fn health(State(s): State<AppState>) -> Json<Health> {
    let health = s.engine.health().await;
    let request_id = REQUEST_ID.try_with(Clone::clone).unwrap_or_default();
    let components = health
        .components
        .into_iter()
        .map(|(name, mut c)| {
            if let Some(e) = &mut c.error {
                e.push_str(&format!("; the details are in the server log under request id {request_id}"));
            }
            (name, c)
        })
        .collect();
    Json(Health { status: health.status, timestamp: health.timestamp, components, system: health.system, request_id })
}

/// A probe's answer.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Probe {
    /// `alive` or `ready`.
    status: String,
}

/// Liveness probe: the process answers.
#[utoipa::path(get, path = "/health/live", tag = "System", responses((status = 200, description = "Alive", body = Probe)))]
pub(crate) async fn live() -> Json<Probe> {
    Json(Probe { status: "alive".into() })
}

/// Readiness probe: 503 when the database does not answer.
#[utoipa::path(
    get, path = "/health/ready", tag = "System",
    responses((status = 200, description = "Ready", body = Probe), (status = 503, description = "The database does not answer", body = ErrorBody))
)]
pub(crate) async fn ready(State(s): State<AppState>) -> Response {
    match tokio::time::timeout(Duration::from_secs(3), s.engine.stores().backend.ping()).await {
        Ok(Ok(())) => Json(Probe { status: "ready".into() }).into_response(),
        Ok(Err(e)) => not_ready(e),
        Err(_) => not_ready(Error::storage("the database did not answer within 3 s")),
    }
}

fn not_ready(e: Error) -> Response {
    let mut r = ApiError::Engine(e).into_response();
    *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    r
}

/// Prometheus metrics (OpenMetrics text).
#[utoipa::path(get, path = "/metrics", tag = "System", responses((status = 200, description = "Metrics", content_type = "application/openmetrics-text", body = String)))]
pub(crate) async fn metrics(State(s): State<AppState>) -> Response {
    if let Ok(scopes) = s.engine.budget_status(&crate::auth::RequestContext::anonymous()).await
        && let Some(global) = scopes.first()
    {
        s.metrics.set_budget_usage(global.spent.dollars());
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], s.metrics.encode())
        .into_response()
}
