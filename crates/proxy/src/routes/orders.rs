//! The order routes: placing one (idempotent) and reading it back.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use esim_core::api::{ErrorBody, Order, OrderRequest, PaymentRequest};

use super::{json_answer, AppState};
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiPath, IdempotencyKey};
use crate::service::Caller;

/// Places an order (or, in a shop that takes cards, a top-up of one of the caller's eSIMs:
/// `top_up_of`). The same Idempotency-Key and body answer the first response again.
#[utoipa::path(post, path = "/v1/orders", request_body = OrderRequest,
    params(("Idempotency-Key" = String, Header, pattern = "^[!-~]{1,255}$", description = "Unique per checkout attempt, reused by its retries")),
    responses((status = 201, body = Order), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 501, body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
pub async fn create_order(
    State(state): State<AppState>,
    caller: Caller,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(req): ApiJson<OrderRequest>,
) -> AppResult<Response> {
    Ok(json_answer(
        state.service.create_order(&caller, &key, req).await?,
    ))
}

/// One of the caller's orders, with its eSIMs.
#[utoipa::path(get, path = "/v1/orders/{id}", params(("id" = String, Path)),
    responses((status = 200, body = Order), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn order(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> AppResult<Json<Order>> {
    Ok(Json(state.service.order(&caller, &id).await?))
}

/// Pays an order awaiting payment with the payment method its card field gave (`pm_…`), or,
/// with none, goes on after the bank's check (3-D Secure). Answers as placing an order does:
/// the order paid and being bought, or still awaiting payment with what the browser needs
/// next. An order already paid answers as it stands.
#[utoipa::path(post, path = "/v1/orders/{id}/payment", params(("id" = String, Path)), request_body = PaymentRequest,
    responses((status = 201, body = Order), (status = 202, body = Order), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 402, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody), (status = 504, body = ErrorBody)))]
pub async fn pay(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<PaymentRequest>,
) -> AppResult<Response> {
    Ok(json_answer(state.service.pay(&caller, &id, req).await?))
}
