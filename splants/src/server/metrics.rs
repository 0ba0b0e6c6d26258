//! Prometheus metrics (OpenMetrics text at `/metrics`).

use crate::events::EngineEvent;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ContentLabels {
    content_type: String,
    platform: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProviderLabels {
    provider: String,
    model: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn provider_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 14))
}

fn http_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0001, 2.5, 14))
}

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    content_generated: Family<ContentLabels, Counter>,
    ai_request_duration: HistogramFamily<ProviderLabels>,
    engine_overhead: Histogram,
    /// Requests being served.
    pub(crate) active_requests: Gauge,
    budget_usage: Gauge<f64, AtomicU64>,
    rate_limited: Counter,
    cache_hits: Counter,
    unstored: Counter,
    caller_left: Counter,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: HistogramFamily<RouteLabels>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let content_generated = Family::<ContentLabels, Counter>::default();
        registry.register(
            "content_generated",
            "Content pieces generated (cache hits included)",
            content_generated.clone(),
        );
        let ai_request_duration =
            HistogramFamily::<ProviderLabels>::new_with_constructor(provider_histogram as fn() -> Histogram);
        registry.register("ai_request_duration_seconds", "Time spent in provider calls", ai_request_duration.clone());
        let engine_overhead = Histogram::new(exponential_buckets(0.00001, 2.5, 14));
        registry.register(
            "engine_overhead_seconds",
            "Time a generation spends in the engine itself (pipeline time minus provider time)",
            engine_overhead.clone(),
        );
        let active_requests = Gauge::default();
        registry.register("active_requests", "HTTP requests being served", active_requests.clone());
        let budget_usage = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "monthly_budget_usage_dollars",
            "Settled AI spend in the current budget period",
            budget_usage.clone(),
        );
        let rate_limited = Counter::default();
        registry.register("rate_limited_requests", "Requests refused by the rate limiter", rate_limited.clone());
        let unstored = Counter::default();
        registry.register(
            "unstored_pieces",
            "Paid pieces returned marked unstored because the library could not store them",
            unstored.clone(),
        );
        let caller_left = Counter::default();
        registry.register(
            "completed_after_caller_left",
            "Generations completed and stored after their caller had gone away",
            caller_left.clone(),
        );
        let cache_hits = Counter::default();
        registry.register("content_cache_hits", "Generations answered from the cache", cache_hits.clone());
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests by method, route and status", http_requests.clone());
        let http_duration = HistogramFamily::<RouteLabels>::new_with_constructor(http_histogram as fn() -> Histogram);
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by method and route",
            http_duration.clone(),
        );
        Metrics {
            registry,
            content_generated,
            ai_request_duration,
            engine_overhead,
            active_requests,
            budget_usage,
            rate_limited,
            unstored,
            caller_left,
            cache_hits,
            http_requests,
            http_duration,
        }
    }

    /// Records one served HTTP request.
    pub(crate) fn observe_http(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.http_requests
            .get_or_create(&HttpLabels { method: method.to_owned(), route: route.to_owned(), status })
            .inc();
        self.http_duration
            .get_or_create(&RouteLabels { method: method.to_owned(), route: route.to_owned() })
            .observe(elapsed.as_secs_f64());
    }

    /// Records one engine event.
    pub(crate) fn observe_event(&self, event: &EngineEvent) {
        match event {
            EngineEvent::ContentGenerated {
                content_type,
                platform,
                provider,
                model,
                cached,
                provider_us,
                total_us,
                ..
            } => {
                self.content_generated
                    .get_or_create(&ContentLabels {
                        content_type: content_type.to_string(),
                        platform: platform.to_string(),
                    })
                    .inc();
                if *cached {
                    self.cache_hits.inc();
                } else {
                    self.ai_request_duration
                        .get_or_create(&ProviderLabels { provider: provider.clone(), model: model.clone() })
                        .observe(*provider_us as f64 / 1e6);
                    self.engine_overhead.observe(total_us.saturating_sub(*provider_us) as f64 / 1e6);
                }
            }
            EngineEvent::RateLimited { .. } => {
                self.rate_limited.inc();
            }
            EngineEvent::ContentUnstored { .. } => {
                self.unstored.inc();
            }
            EngineEvent::CompletedAfterCallerLeft { .. } => {
                self.caller_left.inc();
            }
            _ => {}
        }
    }

    /// Sets the budget gauge.
    pub(crate) fn set_budget_usage(&self, dollars: f64) {
        self.budget_usage.set(dollars);
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "could not encode metrics");
        }
        out
    }
}
