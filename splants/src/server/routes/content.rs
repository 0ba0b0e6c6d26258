//! `/v1/content/*`: generation and the content library.

use crate::content::{ContentRequest, ContentType, GeneratedContent, Platform};
use crate::engine::BatchResult;
use crate::error::{Error, ErrorCode};
use crate::server::error::{ApiError, CommonErrors, ErrorBody, GenerationErrors, REQUEST_ID, generic_message};
use crate::server::extract::{Caller, JsonBody, PathParam, QueryParams};
use crate::server::state::AppState;
use crate::storage::{ContentPage, ContentQuery};
use crate::template::TemplateOverrides;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Deserialize;

type ApiResult<T> = Result<Json<T>, ApiError>;

/// Generate one piece.
///
/// The brief uses the original app's fields (`content_type`, `topic`, `keywords`, `tone`,
/// `target_audience`, `platform`, `length`, `seo_optimize`, `include_hashtags`). The call's
/// worst-case cost is reserved against the budget before the provider is called.
///
/// **Streaming**: with `Accept: text/event-stream`, or `"stream": true` in the body, the answer
/// is server-sent events once the budget is reserved: `event: delta` with `{"text"}` as the
/// model writes, then one `event: done` with the finished piece (the 200 body below), or one
/// `event: error` with the same body as an error response. Errors before the stream starts
/// (validation, rate limit, budget) are ordinary error responses. A client that disconnects
/// aborts the provider request; its hold is settled in full.
#[utoipa::path(
    post, path = "/v1/content/generate", tag = "Content Generation",
    request_body = ContentRequest,
    responses(
        (status = 200, description = "The generated piece, scored and stored; or, when streaming, `delta` events (`{\"text\"}`), then `done` (the piece) or `error` (an error body)",
            content((GeneratedContent = "application/json"), (String = "text/event-stream"))),
        CommonErrors, GenerationErrors),
    security(("api_key" = []))
)]
pub(crate) async fn generate(
    State(s): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    body: GenerateBody,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let wants_events = body.stream
        || headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/event-stream"));
    if !wants_events {
        return Ok(Json(s.engine.generate(body.request, &caller.ctx).await?).into_response());
    }
    let stream = s.engine.generate_stream(body.request, &caller.ctx).await?;
    let request_id = REQUEST_ID.try_with(Clone::clone).unwrap_or_default();
    Ok(crate::server::sse::events(stream, request_id).into_response())
}

/// A generate body: the brief, and `"stream": true` to ask for events.
pub(crate) struct GenerateBody {
    request: ContentRequest,
    stream: bool,
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for GenerateBody {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = crate::server::extract::body_bytes(req, state).await?;
        // Only a body that mentions `stream` pays for a second parse.
        if !bytes.windows(8).any(|w| w == b"\"stream\"") {
            return Ok(GenerateBody { request: crate::server::extract::parse_json(&bytes)?, stream: false });
        }
        let mut value: serde_json::Value = crate::server::extract::parse_json(&bytes)?;
        let stream = match value.as_object_mut().and_then(|o| o.remove("stream")) {
            None => false,
            Some(serde_json::Value::Bool(b)) => b,
            Some(_) => return Err(Error::validation("stream", "must be true or false").into()),
        };
        let bytes = serde_json::to_vec(&value).map_err(|e| Error::internal(format!("re-encoding the body: {e}")))?;
        Ok(GenerateBody { request: crate::server::extract::parse_json(&bytes)?, stream })
    }
}

/// A batch body as parsed: items stay JSON so that a bad item fails alone.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum BatchBody {
    List(Vec<serde_json::Value>),
    Wrapped { requests: Vec<serde_json::Value> },
}

/// A batch body: the original's plain array of briefs, or `{"requests": [...]}`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub(crate) enum BatchRequest {
    /// `[brief, …]`
    List(Vec<ContentRequest>),
    /// `{"requests": [brief, …]}`
    Wrapped {
        /// The briefs.
        requests: Vec<ContentRequest>,
    },
}

/// Generate several pieces in parallel (at most `SPLANTS_BATCH_MAX`, 10 by default).
///
/// Each item succeeds or fails on its own (`status`, `data` or `error` per item); each item
/// counts against the key's rate limit.
#[utoipa::path(
    post, path = "/v1/content/batch", tag = "Content Generation",
    request_body = BatchRequest,
    responses((status = 200, description = "Per-item results", body = BatchResult), CommonErrors, GenerationErrors),
    security(("api_key" = []))
)]
pub(crate) async fn batch(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<BatchBody>,
) -> ApiResult<BatchResult> {
    let items = match body {
        BatchBody::List(items) | BatchBody::Wrapped { requests: items } => items,
    };
    let max = s.engine.config().batch.max;
    if items.is_empty() || items.len() > max {
        return Err(Error::validation("requests", format!("{} requests; send 1..={max} per batch", items.len())).into());
    }
    // The request itself was counted once; each further item counts too.
    if let Ok(extra) = u32::try_from(items.len() - 1)
        && extra > 0
    {
        s.engine.check_rate_limit(&caller.ctx, extra).await?;
    }
    let mut result = s.engine.generate_batch_json(items, &caller.ctx).await?;
    hide_internal_item_errors(&mut result);
    Ok(Json(result))
}

/// A batch answers 200 with per-item errors; an item that failed as a 5xx would gets the same
/// generic text as a 5xx body, its detail logged under the request id.
fn hide_internal_item_errors(result: &mut BatchResult) {
    let request_id = REQUEST_ID.try_with(Clone::clone).unwrap_or_default();
    for item in &mut result.results {
        let Some(e) = item.error.as_mut().filter(|e| e.code.status_code() >= 500) else { continue };
        tracing::error!(index = item.index, code = e.code.as_str(), error = %e.error, "batch item failed");
        e.error = generic_message(e.code, &request_id);
        if matches!(e.code, ErrorCode::StorageError | ErrorCode::Internal | ErrorCode::ConfigError) {
            e.details = serde_json::json!({});
        }
    }
}

/// Generate from a template: `{"template_name", "variables", …overrides}` where the overrides
/// are the fields of `TemplateOverrides` (`tone`, `length`, `platform`, `keywords`, …).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub(crate) struct FromTemplateBody {
    /// The template's name.
    template_name: String,
    /// Values of the template's variables.
    #[schema(value_type = Object)]
    variables: serde_json::Map<String, serde_json::Value>,
    /// Brief fields that replace the template's defaults (given at the top level).
    #[schema(inline)]
    overrides: TemplateOverrides,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct FromTemplateQuery {
    /// The template's name (the original app's style: then the body holds only the variables).
    template_name: Option<String>,
}

/// Generate from a named template.
///
/// Send `{"template_name": "product_launch", "variables": {...}, "tone": "casual"}`; or, as the
/// original app did, `?template_name=product_launch` with the variables as the JSON body.
#[utoipa::path(
    post, path = "/v1/content/from-template", tag = "Content Generation",
    params(FromTemplateQuery),
    request_body = FromTemplateBody,
    responses((status = 200, description = "The generated piece", body = GeneratedContent), (status = 404, description = "Unknown template", body = ErrorBody), CommonErrors, GenerationErrors),
    security(("api_key" = []))
)]
pub(crate) async fn from_template(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<FromTemplateQuery>,
    JsonBody(body): JsonBody<serde_json::Value>,
) -> ApiResult<GeneratedContent> {
    let (name, variables, overrides) = match q.template_name {
        Some(name) => {
            let serde_json::Value::Object(vars) = body else {
                return Err(Error::validation("body", "must be a JSON object of template variables").into());
            };
            (name, vars, TemplateOverrides::default())
        }
        None => {
            let serde_json::Value::Object(mut fields) = body else {
                return Err(
                    Error::validation("body", "must be a JSON object with `template_name` and `variables`").into()
                );
            };
            let name = match fields.remove("template_name") {
                Some(serde_json::Value::String(n)) => n,
                Some(_) => return Err(Error::validation("template_name", "must be a string").into()),
                None => return Err(Error::validation("template_name", "is required").into()),
            };
            let variables = match fields.remove("variables") {
                Some(serde_json::Value::Object(v)) => v,
                None | Some(serde_json::Value::Null) => serde_json::Map::new(),
                Some(_) => return Err(Error::validation("variables", "must be a JSON object").into()),
            };
            let overrides: TemplateOverrides = serde_path_to_error::deserialize(serde_json::Value::Object(fields))
                .map_err(|e| crate::content::json_error(&e))?;
            (name, variables, overrides)
        }
    };
    Ok(Json(s.engine.generate_from_template(&name, &variables, &overrides, &caller.ctx).await?))
}

/// Library filters (all optional).
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct LibraryQuery {
    /// Only this content type.
    #[param(value_type = Option<String>)]
    content_type: Option<ContentType>,
    /// Only this platform.
    #[param(value_type = Option<String>)]
    platform: Option<Platform>,
    /// Created at or after (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// Created before (RFC 3339).
    until: Option<DateTime<Utc>>,
    /// Text to find in the topic or the copy.
    q: Option<String>,
    /// Minimum quality score.
    min_quality: Option<f64>,
    /// `true`: only pieces completed after their caller had gone away (stored in the
    /// background, never received); `false`: only the others.
    caller_left: Option<bool>,
    /// Page size (1..=100, default 20).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// List the content library, newest first, with filters and cursor pagination.
#[utoipa::path(
    get, path = "/v1/content", tag = "Content Library",
    params(LibraryQuery),
    responses((status = 200, description = "A page of pieces", body = ContentPage), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn list(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<LibraryQuery>,
) -> ApiResult<ContentPage> {
    let query = ContentQuery {
        owner: None,
        content_type: q.content_type,
        platform: q.platform,
        since: q.since,
        until: q.until,
        text: q.q,
        min_quality: q.min_quality,
        caller_left: q.caller_left,
        limit: q.limit,
        cursor: q.cursor,
    };
    // The core names the search text `text`; over HTTP it is the `q` parameter.
    s.engine.list_content(query, &caller.ctx).await.map(Json).map_err(|e| match e {
        Error::Validation { field, reason } if field == "text" => ApiError::Engine(Error::validation("q", reason)),
        other => ApiError::Engine(other),
    })
}

/// Get one stored piece.
#[utoipa::path(
    get, path = "/v1/content/{id}", tag = "Content Library",
    params(("id" = String, Path, description = "The piece's id")),
    responses((status = 200, description = "The piece", body = GeneratedContent), (status = 404, description = "No such piece", body = ErrorBody), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn get_one(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> ApiResult<GeneratedContent> {
    Ok(Json(s.engine.get_content(&id, &caller.ctx).await?))
}

/// Delete one stored piece.
#[utoipa::path(
    delete, path = "/v1/content/{id}", tag = "Content Library",
    params(("id" = String, Path, description = "The piece's id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such piece", body = ErrorBody), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn delete_one(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> Result<StatusCode, ApiError> {
    s.engine.delete_content(&id, &caller.ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}
