//! `/v1/content/publish` and `/v1/schedule/*`: publishing a piece now or later, and the
//! schedule it goes through.

use crate::engine::{AccountInfo, PublishRequest};
use crate::error::Error;
use crate::schedule::{PostStatus, SchedulePage, ScheduleQuery, ScheduledPost};
use crate::server::error::{ApiError, CommonErrors, ErrorBody};
use crate::server::extract::{Caller, JsonBody, PathParam, QueryParams};
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

type ApiResult<T> = Result<Json<T>, ApiError>;

/// The schedule entries made, one per account.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct PublishResponse {
    /// One entry per target, in the order given.
    posts: Vec<ScheduledPost>,
}

/// Publish a piece to accounts, now or at `scheduled_time`.
///
/// Each account's platform limits (length as the platform counts it, hashtags, thread size) are
/// checked first: a post that cannot succeed is refused with a 422 naming the target. The
/// entries are durable; the publishing worker sends them when due, retrying what certainly
/// did not post and never sending twice what may have (see `docs/publishing.md`).
#[utoipa::path(
    post, path = "/v1/content/publish", tag = "Publishing",
    request_body = PublishRequest,
    responses((status = 202, description = "Scheduled; the worker publishes each entry when due", body = PublishResponse), (status = 404, description = "No such piece", body = ErrorBody), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn publish(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<PublishRequest>,
) -> Result<(StatusCode, Json<PublishResponse>), ApiError> {
    let posts = s.engine.publish(&body.content_id, &body.targets, body.scheduled_time, &caller.ctx).await?;
    Ok((StatusCode::ACCEPTED, Json(PublishResponse { posts })))
}

/// The accounts configured for publishing (names, platforms; never credentials).
#[utoipa::path(
    get, path = "/v1/accounts", tag = "Publishing",
    responses((status = 200, description = "The accounts", body = [AccountInfo]), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn accounts(State(s): State<AppState>, _caller: Caller) -> ApiResult<Vec<AccountInfo>> {
    Ok(Json(s.engine.accounts()))
}

/// Schedule filters (all optional).
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScheduleParams {
    /// Only entries in this status (`scheduled`, `publishing`, `published`, `failed`, `unknown`,
    /// `cancelled`).
    #[param(value_type = Option<String>)]
    status: Option<PostStatus>,
    /// Only entries for this account.
    account: Option<String>,
    /// Only entries of this piece.
    content_id: Option<String>,
    /// Scheduled at or after (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// Scheduled before (RFC 3339).
    until: Option<DateTime<Utc>>,
    /// Page size (1..=100, default 20).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// List the schedule, earliest first, with filters and cursor pagination.
#[utoipa::path(
    get, path = "/v1/schedule", tag = "Publishing",
    params(ScheduleParams),
    responses((status = 200, description = "A page of schedule entries", body = SchedulePage), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn list(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ScheduleParams>,
) -> ApiResult<SchedulePage> {
    let query = ScheduleQuery {
        owner: None,
        status: q.status,
        account: q.account,
        content_id: q.content_id,
        since: q.since,
        until: q.until,
        limit: q.limit,
        cursor: q.cursor,
    };
    Ok(Json(s.engine.schedule(query, &caller.ctx).await?))
}

/// One schedule entry: its status, attempts, last error (for `unknown`: what to check) and,
/// once published, the platform's post id and URL.
#[utoipa::path(
    get, path = "/v1/schedule/{id}", tag = "Publishing",
    params(("id" = String, Path, description = "The entry's id")),
    responses((status = 200, description = "The entry", body = ScheduledPost), (status = 404, description = "No such entry", body = ErrorBody), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn get_one(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> ApiResult<ScheduledPost> {
    Ok(Json(s.engine.scheduled_post(&id, &caller.ctx).await?))
}

/// A new time for an entry.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RescheduleBody {
    /// The new time (RFC 3339).
    scheduled_time: Option<DateTime<Utc>>,
}

/// Reschedule an entry that is still `scheduled` (409 once it is publishing or done).
#[utoipa::path(
    patch, path = "/v1/schedule/{id}", tag = "Publishing",
    params(("id" = String, Path, description = "The entry's id")),
    request_body = RescheduleBody,
    responses((status = 200, description = "The entry, rescheduled", body = ScheduledPost), (status = 404, description = "No such entry", body = ErrorBody), (status = 409, description = "No longer scheduled", body = ErrorBody), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn reschedule(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
    JsonBody(body): JsonBody<RescheduleBody>,
) -> ApiResult<ScheduledPost> {
    let at = body.scheduled_time.ok_or_else(|| Error::validation("scheduled_time", "is required"))?;
    Ok(Json(s.engine.reschedule_post(&id, at, &caller.ctx).await?))
}

/// Cancel an entry that is still `scheduled` (409 once it is publishing or done).
#[utoipa::path(
    delete, path = "/v1/schedule/{id}", tag = "Publishing",
    params(("id" = String, Path, description = "The entry's id")),
    responses((status = 200, description = "The entry, cancelled", body = ScheduledPost), (status = 404, description = "No such entry", body = ErrorBody), (status = 409, description = "No longer scheduled", body = ErrorBody), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn cancel(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> ApiResult<ScheduledPost> {
    Ok(Json(s.engine.cancel_post(&id, &caller.ctx).await?))
}
