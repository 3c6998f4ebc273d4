//! The proxy's one error type: a stable code, a message fit to show a shopper, and a cause
//! that is logged but never sent.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use esim_core::api::{ErrorBody, ErrorCode, ErrorDetail};
use esim_providers::{ErrorKind, ProviderError};

/// An error answered as `{"error": {"code", "message"}}`.
#[derive(Debug, Clone)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    pub retry_after: Option<u64>,
    /// What went wrong inside, for the log only.
    pub cause: Option<String>,
}

impl AppError {
    /// Returns an error with a shopper-facing message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError {
            code,
            message: message.into(),
            retry_after: None,
            cause: None,
        }
    }

    /// Adds the internal cause, logged when the error is answered.
    pub fn because(mut self, cause: impl Into<String>) -> AppError {
        self.cause = Some(cause.into());
        self
    }

    /// Returns a 404 that does not say whether the thing exists for someone else.
    pub fn not_found(what: &str) -> AppError {
        AppError::new(ErrorCode::NotFound, format!("No {what} with that id."))
    }

    /// Returns a 500 for a failure inside the proxy.
    pub fn internal(cause: impl Into<String>) -> AppError {
        AppError::new(
            ErrorCode::Internal,
            "Something went wrong on our side. Please try again.",
        )
        .because(cause)
    }

    /// Returns a 429 asking the client to wait.
    pub fn rate_limited(retry_after: Duration) -> AppError {
        let seconds = retry_after.as_secs().max(1);
        AppError {
            retry_after: Some(seconds),
            ..AppError::new(
                ErrorCode::RateLimited,
                format!("Too many requests. Please try again in {seconds} seconds."),
            )
        }
    }

    /// Returns the body as sent.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message.clone(),
                retry_after: self.retry_after,
            },
        }
    }

    /// Returns the HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        match (&self.cause, status.is_server_error()) {
            (Some(cause), true) => {
                tracing::error!(code = self.code.as_str(), %cause, "request failed")
            }
            (Some(cause), false) => {
                tracing::info!(code = self.code.as_str(), %cause, "request refused")
            }
            (None, _) => tracing::debug!(code = self.code.as_str(), "request refused"),
        }
        let retry_after = self.retry_after;
        let mut response = (status, Json(self.body())).into_response();
        if let Some(seconds) = retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok())
        {
            response.headers_mut().insert(header::RETRY_AFTER, seconds);
        }
        response
    }
}

impl From<ProviderError> for AppError {
    fn from(e: ProviderError) -> AppError {
        let cause = e.to_string();
        let error = match e.kind {
            ErrorKind::RateLimited { retry_after } => AppError::rate_limited(retry_after.unwrap_or(Duration::from_secs(30))),
            ErrorKind::InsufficientBalance => AppError::new(
                ErrorCode::InsufficientBalance,
                "This shop cannot take orders right now. Please try again later.",
            ),
            ErrorKind::NotFound => AppError::not_found("item"),
            ErrorKind::NotAllowed => AppError::new(ErrorCode::NotAllowed, "That is not possible for this eSIM right now."),
            ErrorKind::Unsupported => AppError::new(ErrorCode::Unsupported, "This shop does not offer that."),
            ErrorKind::Timeout => AppError::new(
                ErrorCode::ProviderTimeout,
                "Our eSIM supplier is taking too long to answer. Please try again; you will not be charged twice.",
            ),
            ErrorKind::MalformedResponse => AppError::new(
                ErrorCode::ProviderBadResponse,
                "Our eSIM supplier sent an answer we could not read. Please try again shortly.",
            ),
            ErrorKind::Unauthorized | ErrorKind::InvalidRequest | ErrorKind::Unavailable | ErrorKind::Unreachable => AppError::new(
                ErrorCode::ProviderUnavailable,
                "Our eSIM supplier is unavailable right now. Please try again shortly.",
            ),
            _ => AppError::new(ErrorCode::ProviderUnavailable, "Our eSIM supplier is unavailable right now."),
        };
        error.because(cause)
    }
}

impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> AppError {
        AppError::internal(e.to_string())
    }
}

/// Shorthand for handler results.
pub type AppResult<T> = Result<T, AppError>;
