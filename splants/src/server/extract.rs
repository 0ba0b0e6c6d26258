//! Extractors whose errors name the field: JSON bodies, query strings, the caller.

use super::error::ApiError;
use crate::auth::RequestContext;
use crate::auth::{ApiKeyInfo, KeyRole};
use crate::error::Error;
use crate::ratelimit::RateDecision;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body; malformed JSON, wrong types and unknown fields become a 422 naming the field,
/// an oversize body a 413.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req, state).await?;
        Ok(JsonBody(parse_json(&bytes)?))
    }
}

/// The body's bytes, refused when over the limit or empty.
pub(crate) async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    let limit = req.extensions().get::<BodyLimit>().map(|l| l.0).unwrap_or(usize::MAX);
    let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge { limit_bytes: limit }
        } else {
            ApiError::Engine(Error::validation("body", rejection.body_text()))
        }
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::Engine(Error::validation("body", "is empty; send a JSON document")));
    }
    Ok(bytes)
}

/// JSON into `T`, errors naming the field.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| ApiError::Engine(crate::content::json_body_error(&e)))
}

/// The configured body limit, put in the request extensions for error messages.
#[derive(Copy, Clone, Debug)]
pub(crate) struct BodyLimit(pub usize);

/// Query-string parameters; errors name the parameter.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        let value = serde_path_to_error::deserialize(de).map_err(|e| {
            let err = crate::content::json_error(&e);
            match err {
                Error::Validation { field, reason } if field == "body" => Error::validation("query", reason),
                other => other,
            }
        })?;
        Ok(QueryParams(value))
    }
}

/// Path parameters; errors (invalid UTF-8 after percent-decoding, a value of the wrong type)
/// are a 422 naming the parameter instead of axum's plain-text 400.
#[derive(Debug)]
pub struct PathParam<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParam<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::path::{ErrorKind, Path};
        use axum::extract::rejection::PathRejection;
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(PathParam(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let err = match e.kind() {
                    ErrorKind::InvalidUtf8InPathParam { key } => Error::validation(key.clone(), "is not valid UTF-8"),
                    ErrorKind::ParseErrorAtKey { key, expected_type, .. } => {
                        Error::validation(key.clone(), format!("is not a valid {expected_type}"))
                    }
                    ErrorKind::DeserializeError { key, message, .. } => Error::validation(key.clone(), message.clone()),
                    _ => Error::validation("path", e.body_text()),
                };
                Err(ApiError::Engine(err))
            }
            Err(other) => Err(ApiError::Engine(Error::validation("path", other.body_text()))),
        }
    }
}

/// The authenticated caller (set by the auth middleware).
#[derive(Clone, Debug)]
pub struct Caller {
    /// The key (never its secret).
    pub key: ApiKeyInfo,
    /// The engine context for this request.
    pub ctx: RequestContext,
    /// The rate-limit decision for this request.
    pub rate: Option<RateDecision>,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
            ApiError::Engine(Error::Unauthorized { reason: "missing API key (send it in the X-API-Key header)".into() })
        })
    }
}

/// A caller with an admin key.
#[derive(Clone, Debug)]
pub struct Admin(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.key.role != KeyRole::Admin {
            return Err(ApiError::Engine(Error::Unauthorized { reason: "this route needs an admin key".into() }));
        }
        Ok(Admin(caller))
    }
}
