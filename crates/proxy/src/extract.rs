//! Request extractors whose every rejection is the storefront's JSON error.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use esim_core::api::ErrorCode;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::routes::AppState;
use crate::service::Caller;

/// A JSON body; malformed, mistyped or oversized bodies answer `invalid_json` or
/// `payload_too_large`. The whole body must arrive within `[connections] body_timeout_secs`
/// and be as long as its `Content-Length`, or the request answers `request_timeout`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let config = &state.service.config;
        let promised = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if promised.is_some_and(|n| n > config.body_limit as u64) {
            // Refused before a byte of it is waited for.
            return Err(too_large());
        }
        let deadline = config.connections.body_timeout();
        let read = axum::Json::<serde_json::Value>::from_request(req, state);
        match tokio::time::timeout(deadline, read).await {
            // Every request body of this API is an object: serde would also read a struct
            // from an array of its fields in order (`[]` as a request with nothing in it).
            Ok(Ok(axum::Json(value))) if !value.is_object() => Err(AppError::new(
                ErrorCode::InvalidJson,
                "The request could not be read: the body must be a JSON object.",
            )),
            Ok(Ok(axum::Json(value))) => serde_json::from_value(value).map(ApiJson).map_err(|e| {
                AppError::new(
                    ErrorCode::InvalidJson,
                    format!("The request could not be read: {e}."),
                )
            }),
            Ok(Err(rejection)) => Err(json_error(rejection)),
            Err(_) => Err(AppError::new(
                ErrorCode::RequestTimeout,
                format!(
                    "The request body did not arrive within {} seconds.",
                    deadline.as_secs()
                ),
            )),
        }
    }
}

fn too_large() -> AppError {
    AppError::new(ErrorCode::PayloadTooLarge, "The request is too large.")
}

fn json_error(rejection: JsonRejection) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large();
    }
    if let JsonRejection::BytesRejection(cause) = &rejection {
        // The connection failed or closed before the body was all there.
        return AppError::new(
            ErrorCode::RequestTimeout,
            "The request body ended before its Content-Length.",
        )
        .because(cause.body_text());
    }
    let detail = match &rejection {
        JsonRejection::JsonDataError(e) => e.body_text(),
        JsonRejection::JsonSyntaxError(_) => "the body is not valid JSON".to_owned(),
        JsonRejection::MissingJsonContentType(_) => {
            "send the body with Content-Type: application/json".to_owned()
        }
        other => other.body_text(),
    };
    AppError::new(
        ErrorCode::InvalidJson,
        format!("The request could not be read: {detail}."),
    )
}

/// Query parameters; a malformed query answers `bad_request`.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_error(rejection)),
        }
    }
}

fn query_error(rejection: QueryRejection) -> AppError {
    AppError::new(
        ErrorCode::BadRequest,
        format!("The query is not valid: {}.", rejection.body_text()),
    )
}

/// Path parameters; one that cannot be read (not UTF-8, say) answers `bad_request`.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(path_error(rejection)),
        }
    }
}

fn path_error(rejection: PathRejection) -> AppError {
    AppError::new(
        ErrorCode::BadRequest,
        format!("The path is not valid: {}.", rejection.body_text()),
    )
}

/// The `Idempotency-Key` header, required on requests that create or spend.
pub struct IdempotencyKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .unwrap_or("");
        if value.is_empty() || value.len() > 255 || !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AppError::new(
                ErrorCode::IdempotencyKeyRequired,
                "Send an Idempotency-Key header (1 to 255 visible characters, e.g. a UUID) with this request.",
            ));
        }
        Ok(IdempotencyKey(value.to_owned()))
    }
}

/// The bearer token, if any.
pub struct Bearer(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        bearer(&parts.headers).map(|token| Bearer(token.map(str::to_owned)))
    }
}

/// The bearer token in `headers`, if any; an Authorization header of another form is
/// refused.
pub fn bearer(headers: &HeaderMap) -> Result<Option<&str>, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(Some)
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::Unauthorized,
                "The Authorization header must be \"Bearer <token>\".",
            )
        })
}

/// Who is asking, from the bearer token: a handler that takes a [`Caller`] is identified by
/// its signature, and never looks the token up itself.
impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            // The rate limit has identified this caller already.
            return Ok(caller.clone());
        }
        let Bearer(token) = Bearer::from_request_parts(parts, state).await?;
        state.service.caller(token.as_deref()).await
    }
}
