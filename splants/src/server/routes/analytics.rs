//! `/v1/analytics*` and `/v1/budget`.

use crate::analytics::{EngagementReport, NewEvent, Overview, RoiPeriod, RoiReport};
use crate::budget::BudgetStatus;
use crate::content::Platform;
use crate::server::error::{ApiError, CommonErrors};
use crate::server::extract::{Caller, JsonBody, QueryParams};
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

type ApiResult<T> = Result<Json<T>, ApiError>;

/// A date range (default: the last 30 days).
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct RangeQuery {
    /// From (RFC 3339, inclusive).
    start_date: Option<DateTime<Utc>>,
    /// Until (RFC 3339, exclusive).
    end_date: Option<DateTime<Utc>>,
}

/// What was generated and spent: total content, total cost, average quality, top platforms,
/// counts and cost by type, cost per day.
#[utoipa::path(
    get, path = "/v1/analytics", tag = "Analytics",
    params(RangeQuery),
    responses((status = 200, description = "Overview", body = Overview), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn overview(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<RangeQuery>,
) -> ApiResult<Overview> {
    Ok(Json(s.engine.analytics_overview(q.start_date, q.end_date, &caller.ctx).await?))
}

/// A date range and a platform.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct EngagementQuery {
    /// From (RFC 3339, inclusive).
    start_date: Option<DateTime<Utc>>,
    /// Until (RFC 3339, exclusive).
    end_date: Option<DateTime<Utc>>,
    /// Only this platform.
    #[param(value_type = Option<String>)]
    platform: Option<Platform>,
}

/// Engagement: clicks, shares, likes, comments; rate by platform; best content types and
/// posting hours.
#[utoipa::path(
    get, path = "/v1/analytics/engagement", tag = "Analytics",
    params(EngagementQuery),
    responses((status = 200, description = "Engagement report", body = EngagementReport), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn engagement(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<EngagementQuery>,
) -> ApiResult<EngagementReport> {
    Ok(Json(s.engine.engagement(q.start_date, q.end_date, q.platform, &caller.ctx).await?))
}

/// The ROI period.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoiQuery {
    /// `week`, `month` (default), `quarter` or `year`.
    #[param(value_type = Option<String>)]
    time_period: Option<RoiPeriod>,
}

/// ROI: AI cost against freelance rates, time saved, cost per piece, attributed revenue.
#[utoipa::path(
    get, path = "/v1/analytics/roi", tag = "Analytics",
    params(RoiQuery),
    responses((status = 200, description = "ROI report", body = RoiReport), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn roi(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<RoiQuery>,
) -> ApiResult<RoiReport> {
    Ok(Json(s.engine.roi(q.time_period.unwrap_or(RoiPeriod::Month), &caller.ctx).await?))
}

/// One event or a list of events.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub(crate) enum EventsBody {
    /// A list of events.
    Many(Vec<NewEvent>),
    /// One event.
    One(NewEvent),
}

/// How many events were stored.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Recorded {
    /// Events stored.
    recorded: usize,
}

/// Record engagement events (impression, click, share, like, comment, conversion).
#[utoipa::path(
    post, path = "/v1/analytics/events", tag = "Analytics",
    request_body = EventsBody,
    responses((status = 201, description = "Stored", body = Recorded), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn record_events(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<serde_json::Value>,
) -> Result<(StatusCode, Json<Recorded>), ApiError> {
    let events: Vec<NewEvent> = if body.is_array() {
        serde_path_to_error::deserialize(body).map_err(|e| crate::content::json_error(&e))?
    } else {
        vec![serde_path_to_error::deserialize(body).map_err(|e| crate::content::json_error(&e))?]
    };
    let recorded = s.engine.record_events(events, &caller.ctx).await?;
    Ok((StatusCode::CREATED, Json(Recorded { recorded })))
}

/// Budget scopes of the caller.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct BudgetResponse {
    /// The global budget, and the caller's key and tenant budgets when they have limits.
    scopes: Vec<BudgetStatus>,
    /// The alert thresholds in percent of each limit (`SPLANTS_BUDGET_ALERTS`), each announced
    /// once per period.
    alert_thresholds: Vec<u8>,
}

/// Budget: spend, reserved, limit and period end per scope.
#[utoipa::path(
    get, path = "/v1/budget", tag = "Budget",
    responses((status = 200, description = "Budget status", body = BudgetResponse), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn budget(State(s): State<AppState>, caller: Caller) -> ApiResult<BudgetResponse> {
    let alert_thresholds = s.engine.config().budget.alert_thresholds.clone();
    Ok(Json(BudgetResponse { scopes: s.engine.budget_status(&caller.ctx).await?, alert_thresholds }))
}
