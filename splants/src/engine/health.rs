//! [`ContentEngine::health`]: whether the database, the cache and the providers answer.

use super::ContentEngine;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long one component's check may take before it counts as unhealthy.
pub const HEALTH_CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a provider check's answer is reused: checking a provider calls it, so a health
/// probe every few seconds must not turn into a stream of provider calls.
pub const PROVIDER_HEALTH_TTL: Duration = Duration::from_secs(30);

/// A component's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub enum ComponentStatus {
    /// The check passed.
    Healthy,
    /// The check failed or got no answer within [`HEALTH_CHECK_TIMEOUT`].
    Unhealthy,
    /// The engine does not use this component (no cache and no Redis).
    Disabled,
}

impl ComponentStatus {
    /// The JSON name (`healthy`, `unhealthy`, `disabled`).
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentStatus::Healthy => "healthy",
            ComponentStatus::Unhealthy => "unhealthy",
            ComponentStatus::Disabled => "disabled",
        }
    }
}

/// One component's health.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct ComponentHealth {
    /// `healthy`, `unhealthy` or `disabled`.
    pub status: ComponentStatus,
    /// How long the check took, in milliseconds.
    pub latency_ms: f64,
    /// What went wrong, without detail: `the check failed (storage_error)` or `no answer within
    /// 3 s`. The detail (hosts, paths, SQL) is logged at `warn`, never put here, since a health
    /// answer is often public.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub error: Option<String>,
}

/// Figures of the process the engine runs in (the original's `system` block). Each figure is
/// left out where this platform cannot read it; none names a path.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct SystemHealth {
    /// Seconds since the engine was built.
    pub uptime_s: f64,
    /// Resident memory of the process in bytes (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub rss_bytes: Option<u64>,
    /// The share of the machine's CPU time (all cores together, 0–100) the process used since
    /// the previous health check, or since the engine was built (Unix).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub cpu_percent: Option<f64>,
    /// The process's resident memory as a share of the machine's memory, 0–100 (Linux).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub memory_percent: Option<f64>,
    /// How full the volume holding the SQLite database is, 0–100, as `df` counts it (used
    /// over used plus available to unprivileged users); left out for Postgres and `memory://`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub disk_percent: Option<f64>,
}

/// The engine's health: `healthy`, or `degraded` when the database or the providers fail or a
/// cache in use does not answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Health {
    /// `healthy` or `degraded`.
    pub status: String,
    /// When the checks ran.
    pub timestamp: DateTime<Utc>,
    /// `database`, `cache` and `providers`.
    pub components: BTreeMap<String, ComponentHealth>,
    /// Process figures.
    pub system: SystemHealth,
}

impl Health {
    /// Whether every component in use is healthy.
    pub fn is_healthy(&self) -> bool {
        self.status == "healthy"
    }
}

/// Runs one component's check within [`HEALTH_CHECK_TIMEOUT`].
async fn timed<F: Future<Output = crate::Result<()>>>(component: &str, f: F) -> ComponentHealth {
    let t = Instant::now();
    let r = tokio::time::timeout(HEALTH_CHECK_TIMEOUT, f).await;
    let latency_ms = t.elapsed().as_secs_f64() * 1000.0;
    let unhealthy =
        |what: String| ComponentHealth { status: ComponentStatus::Unhealthy, latency_ms, error: Some(what) };
    match r {
        Ok(Ok(())) => ComponentHealth { status: ComponentStatus::Healthy, latency_ms, error: None },
        Ok(Err(e)) => {
            tracing::warn!(component, code = e.code().as_str(), error = %e, "health check failed");
            unhealthy(format!("the check failed ({})", e.code().as_str()))
        }
        Err(_) => {
            tracing::warn!(component, "health check got no answer within {} s", HEALTH_CHECK_TIMEOUT.as_secs());
            unhealthy(format!("no answer within {} s", HEALTH_CHECK_TIMEOUT.as_secs()))
        }
    }
}

/// A `kB` figure of a `/proc` file (`VmRSS:` of `/proc/self/status`), in bytes.
fn proc_kb(file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(file).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line[key.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kb * 1024)
}

/// The process's CPU time at one moment.
#[derive(Copy, Clone, Debug)]
pub(crate) struct CpuSample {
    at: Instant,
    cpu: Duration,
}

impl CpuSample {
    /// Now, where the process's CPU time can be read (Unix).
    pub(crate) fn now() -> Option<CpuSample> {
        #[cfg(unix)]
        {
            let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
            let cpu = Duration::new(u64::try_from(t.tv_sec).ok()?, u32::try_from(t.tv_nsec).ok()?);
            Some(CpuSample { at: Instant::now(), cpu })
        }
        #[cfg(not(unix))]
        None
    }

    /// CPU used between `self` and `later` as a share of all cores' time, 0–100.
    fn percent_until(self, later: CpuSample) -> Option<f64> {
        let wall = later.at.checked_duration_since(self.at)?.as_secs_f64();
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get) as f64;
        let used = later.cpu.checked_sub(self.cpu)?.as_secs_f64();
        (wall > 0.0).then(|| (100.0 * used / (wall * cores)).clamp(0.0, 100.0))
    }
}

/// How full the volume holding `file` is, 0–100 (`df`'s Use%).
fn disk_percent(file: &std::path::Path) -> Option<f64> {
    #[cfg(unix)]
    {
        let dir = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => std::path::Path::new("."),
        };
        let s = rustix::fs::statvfs(dir).ok()?;
        let used = s.f_blocks.checked_sub(s.f_bfree)?;
        let total = used + s.f_bavail;
        (total > 0).then(|| 100.0 * used as f64 / total as f64)
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        None
    }
}

impl ContentEngine {
    /// The process figures of [`Health::system`]; `cpu_percent` covers the time since the
    /// previous call.
    fn system_health(&self) -> SystemHealth {
        let inner = &self.inner;
        let rss = proc_kb("/proc/self/status", "VmRSS:");
        let total = proc_kb("/proc/meminfo", "MemTotal:");
        let now = CpuSample::now();
        let cpu_percent = {
            let mut last = inner.cpu_sample.lock();
            let pct = last.zip(now).and_then(|(a, b)| a.percent_until(b));
            if now.is_some() {
                *last = now;
            }
            pct
        };
        SystemHealth {
            uptime_s: inner.started.elapsed().as_secs_f64(),
            rss_bytes: rss,
            cpu_percent,
            memory_percent: rss.zip(total).filter(|(_, t)| *t > 0).map(|(r, t)| 100.0 * r as f64 / t as f64),
            disk_percent: inner.stores.backend.data_file().and_then(|f| disk_percent(&f)),
        }
    }
}

impl ContentEngine {
    /// Checks the database (a ping), the cache (Redis `PING` when Redis is used, `disabled`
    /// without cache and Redis) and the providers (their own health call, reused for
    /// [`PROVIDER_HEALTH_TTL`]), all at once, each within [`HEALTH_CHECK_TIMEOUT`]. Never fails:
    /// a failing component is reported, and its detail logged.
    pub async fn health(&self) -> Health {
        let inner = &self.inner;
        let cached = inner
            .provider_health
            .lock()
            .as_ref()
            .filter(|(at, _)| at.elapsed() < PROVIDER_HEALTH_TTL)
            .map(|(_, h)| h.clone());
        let providers = async {
            match cached {
                Some(h) => h,
                None => {
                    let h = timed("providers", inner.provider.health()).await;
                    *inner.provider_health.lock() = Some((Instant::now(), h.clone()));
                    h
                }
            }
        };
        let cache = async {
            if self.cache_in_use() {
                timed("cache", async { self.cache_health().await.unwrap_or(Ok(())) }).await
            } else {
                ComponentHealth { status: ComponentStatus::Disabled, latency_ms: 0.0, error: None }
            }
        };
        let (database, providers, cache) =
            tokio::join!(timed("database", inner.stores.backend.ping()), providers, cache);
        let degraded = database.status != ComponentStatus::Healthy
            || providers.status != ComponentStatus::Healthy
            || cache.status == ComponentStatus::Unhealthy;
        let components = BTreeMap::from([
            ("database".to_owned(), database),
            ("cache".to_owned(), cache),
            ("providers".to_owned(), providers),
        ]);
        Health {
            status: if degraded { "degraded" } else { "healthy" }.to_owned(),
            timestamp: inner.clock.now(),
            components,
            system: self.system_health(),
        }
    }
}
