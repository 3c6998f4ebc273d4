//! The shopper's eSIM routes: the list, one eSIM, top-ups and cancel.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use esim_core::api::{ErrorBody, Esim, EsimList, PackageList, TopUpRequest};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{json_answer, AppState, CurrencyParam};
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, IdempotencyKey};
use crate::service::Caller;

/// The caller's eSIMs.
#[utoipa::path(get, path = "/v1/esims", responses((status = 200, body = EsimList), (status = 401, body = ErrorBody)))]
pub async fn esims(State(state): State<AppState>, caller: Caller) -> AppResult<Json<EsimList>> {
    Ok(Json(EsimList {
        esims: state.service.esims(&caller).await?,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RefreshParam {
    /// true: ask the provider for fresh usage (within its rate limits).
    #[serde(default)]
    refresh: bool,
}

/// One of the caller's eSIMs, with usage and install data.
#[utoipa::path(get, path = "/v1/esims/{id}", params(("id" = String, Path), RefreshParam),
    responses((status = 200, body = Esim), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn esim(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<RefreshParam>,
) -> AppResult<Json<Esim>> {
    Ok(Json(state.service.esim(&caller, &id, q.refresh).await?))
}

/// Top-up packages that fit one of the caller's eSIMs.
#[utoipa::path(get, path = "/v1/esims/{id}/topups", params(("id" = String, Path), CurrencyParam),
    responses((status = 200, body = PackageList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 501, body = ErrorBody)))]
pub async fn top_ups(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<CurrencyParam>,
) -> AppResult<Json<PackageList>> {
    let currency = state.service.currency(q.currency.as_deref()).await?;
    Ok(Json(PackageList {
        currency,
        packages: state.service.top_ups(&caller, &id, currency).await?,
    }))
}

/// Tops up one of the caller's eSIMs.
#[utoipa::path(post, path = "/v1/esims/{id}/topups", request_body = TopUpRequest,
    params(("id" = String, Path), ("Idempotency-Key" = String, Header, pattern = "^[!-~]{1,255}$")),
    responses((status = 200, body = Esim), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 501, body = ErrorBody)))]
pub async fn top_up(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(req): ApiJson<TopUpRequest>,
) -> AppResult<Response> {
    let currency = state.service.currency(Some(&req.currency)).await?;
    Ok(json_answer(
        state
            .service
            .top_up(&caller, &key, &id, &req.package_code, currency)
            .await?,
    ))
}

/// Cancels and refunds one of the caller's eSIMs while it is unused.
#[utoipa::path(post, path = "/v1/esims/{id}/cancel", params(("id" = String, Path)),
    responses((status = 200, body = Esim), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 501, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Json<Esim>> {
    Ok(Json(state.service.cancel(&caller, &id).await?))
}
