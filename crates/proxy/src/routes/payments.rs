//! Stripe's webhook: the raw body, its signature checked before anything is read.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use esim_core::api::ErrorBody;

use super::AppState;
use crate::error::AppResult;

/// Where Stripe delivers this shop's events (the endpoint to register in Stripe's dashboard).
pub const STRIPE_WEBHOOK_PATH: &str = "/v1/webhooks/stripe";

/// A Stripe event, signed with the endpoint's secret (`Stripe-Signature`). Acted on once; an
/// event about a PaymentIntent that is not ours is ignored. 400 for a signature that does not
/// hold; 502 when Stripe cannot be asked about the payment (Stripe delivers it again).
#[utoipa::path(post, path = "/v1/webhooks/stripe", request_body(content = String, content_type = "application/json", description = "The event, exactly as Stripe sent it"),
    params(("Stripe-Signature" = String, Header, description = "t=…,v1=…")),
    responses((status = 200, description = "Received"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<serde_json::Value>> {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    state.service.stripe_webhook(signature, &body).await?;
    Ok(Json(serde_json::json!({ "received": true })))
}
