//! Health, readiness, public config, metrics.

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
use std::time::{Duration, Instant};

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

/// One component's health.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ComponentHealth {
    /// `healthy`, `unhealthy` or `disabled`.
    status: String,
    /// How long the check took.
    latency_ms: f64,
    /// That the check failed, with the request id under which the log has the detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Process figures.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SystemHealth {
    /// Seconds since the server started.
    uptime_s: f64,
    /// Resident memory in bytes (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    rss_bytes: Option<u64>,
}

/// `GET /health`.
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

/// Runs one component's check. `/health` is public: a failure shows only that the check failed
/// (or timed out) and the request id; what failed (hosts, paths, SQL) goes to the log.
async fn timed<F: std::future::Future<Output = crate::Result<()>>>(component: &str, f: F) -> ComponentHealth {
    let t = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(3), f).await;
    let latency_ms = t.elapsed().as_secs_f64() * 1000.0;
    let request_id = REQUEST_ID.try_with(Clone::clone).unwrap_or_default();
    let unhealthy = |what: &str| ComponentHealth {
        status: "unhealthy".into(),
        latency_ms,
        error: Some(format!("{what}; the details are in the server log under request id {request_id}")),
    };
    match r {
        Ok(Ok(())) => ComponentHealth { status: "healthy".into(), latency_ms, error: None },
        Ok(Err(e)) => {
            tracing::warn!(component, code = e.code().as_str(), error = %e, "health check failed");
            unhealthy("the check failed")
        }
        Err(_) => {
            tracing::warn!(component, "health check got no answer within 3 s");
            unhealthy("no answer within 3 s")
        }
    }
}

fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Health of the database, cache and providers; `degraded` when one fails.
#[utoipa::path(get, path = "/health", tag = "System", responses((status = 200, description = "Health", body = Health)))]
pub(crate) async fn health(State(s): State<AppState>) -> Json<Health> {
    let database = s.engine.stores().backend.clone();
    let provider = s.engine.provider().clone();
    // Provider checks call the provider; their result is reused for 30 s.
    let cached = s
        .provider_health
        .lock()
        .as_ref()
        .filter(|(at, _)| at.elapsed() < Duration::from_secs(30))
        .map(|(_, h)| h.clone());
    let provider_check = async move {
        match cached {
            Some(h) => h,
            None => timed("providers", async move { provider.health().await }).await,
        }
    };
    // The cache component is Redis when the engine uses it (cache or rate limits).
    let engine = s.engine.clone();
    let cache_check = async move {
        let mut disabled = false;
        let health = timed("cache", async {
            engine.cache_health().await.unwrap_or_else(|| {
                disabled = true;
                Ok(())
            })
        })
        .await;
        if disabled { ComponentHealth { status: "disabled".into(), latency_ms: 0.0, error: None } } else { health }
    };
    let (database, providers, cache) =
        tokio::join!(timed("database", async move { database.ping().await }), provider_check, cache_check);
    *s.provider_health.lock() = Some((Instant::now(), providers.clone()));
    let degraded = database.status != "healthy" || providers.status != "healthy" || cache.status == "unhealthy";
    let mut components = BTreeMap::new();
    components.insert("database".to_owned(), database);
    components.insert("cache".to_owned(), cache);
    components.insert("providers".to_owned(), providers);
    Json(Health {
        status: if degraded { "degraded" } else { "healthy" }.to_owned(),
        timestamp: Utc::now(),
        components,
        system: SystemHealth { uptime_s: s.started.elapsed().as_secs_f64(), rss_bytes: rss_bytes() },
        request_id: REQUEST_ID.try_with(Clone::clone).unwrap_or_default(),
    })
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
