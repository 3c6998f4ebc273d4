//! The sandbox's lifecycle controls, served only when the sandbox is the provider: what a
//! shopper's phone and time would do to a real eSIM.

use axum::extract::State;
use axum::Json;
use esim_core::api::{ErrorBody, ErrorCode, Esim};
use esim_core::Money;
use esim_providers::sandbox::Sandbox;
use serde::Deserialize;
use utoipa::ToSchema;

use super::AppState;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath};
use crate::service::Caller;

fn sandbox_of(state: &AppState) -> AppResult<&Sandbox> {
    state
        .sandbox
        .as_deref()
        .ok_or_else(|| AppError::not_found("sandbox"))
}

async fn sandbox_change(
    state: &AppState,
    caller: Caller,
    id: &str,
    change: impl FnOnce(
        &Sandbox,
        &str,
    ) -> Result<esim_providers::ProviderEsim, esim_providers::ProviderError>,
) -> AppResult<Json<Esim>> {
    let row = state.service.owned_esim(&caller, id).await?;
    let esim = change(sandbox_of(state)?, &row.provider_id).map_err(|e| match e.kind {
        esim_providers::ErrorKind::NotAllowed => {
            AppError::new(ErrorCode::NotAllowed, e.message.clone())
        }
        _ => e.into(),
    })?;
    Ok(Json(state.service.updated(&row, esim).await))
}

/// Sandbox only: the shopper installs the eSIM and its plan starts.
#[utoipa::path(post, path = "/v1/sandbox/esims/{id}/install", operation_id = "sandbox_install", params(("id" = String, Path)), responses((status = 200, body = Esim), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn install(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Json<Esim>> {
    sandbox_change(&state, caller, &id, |sb, pid| sb.install(pid)).await
}

/// The most data one call may use: a pebibyte, far beyond any plan.
const MAX_USE: u64 = 1 << 50;

/// How much data to use.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UseData {
    /// Bytes to use (at most a pebibyte).
    #[serde(deserialize_with = "esim_core::api::whole_number")]
    #[schema(minimum = 0, maximum = 1125899906842624_u64)]
    bytes: u64,
}

/// Sandbox only: the shopper uses data.
#[utoipa::path(post, path = "/v1/sandbox/esims/{id}/usage", operation_id = "sandbox_use", params(("id" = String, Path)), request_body = UseData, responses((status = 200, body = Esim), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn use_data(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UseData>,
) -> AppResult<Json<Esim>> {
    if body.bytes > MAX_USE {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            format!("Use at most {MAX_USE} bytes at a time."),
        ));
    }
    sandbox_change(&state, caller, &id, |sb, pid| sb.use_data(pid, body.bytes)).await
}

/// Sandbox only: the plan's validity runs out.
#[utoipa::path(post, path = "/v1/sandbox/esims/{id}/expire", operation_id = "sandbox_expire", params(("id" = String, Path)), responses((status = 200, body = Esim), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn expire(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Json<Esim>> {
    sandbox_change(&state, caller, &id, |sb, pid| sb.expire(pid)).await
}

/// Sandbox only: the merchant's test balance with the provider.
#[utoipa::path(get, path = "/v1/sandbox/balance", operation_id = "sandbox_balance", responses((status = 200, body = Money)))]
pub async fn balance(State(state): State<AppState>) -> AppResult<Json<Money>> {
    use esim_providers::Provider;
    Ok(Json(sandbox_of(&state)?.balance().await?))
}
