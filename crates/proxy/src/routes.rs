//! The storefront API's handlers: parse, call the service, answer. Each is annotated for the
//! OpenAPI document served at `/v1/openapi.json`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use esim_core::api::{
    DestinationList, ErrorBody, ErrorCode, Esim, EsimList, Features, Order, OrderRequest,
    PackageList, Quote, QuoteRequest, RateEntry, RateTable, Storefront, TopUpRequest,
};
use esim_core::{DestinationKind, Money, Package, PackageQuery, SortKey, Volume};
use esim_providers::sandbox::Sandbox;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::service::{Caller, OrderAnswer, Service};

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    pub service: Arc<Service>,
    /// The sandbox, when it is the provider: its lifecycle controls are served too.
    pub sandbox: Option<Arc<Sandbox>>,
}

/// Marks a response cacheable for a minute: catalogue data, the same for every shopper.
fn public(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    response
}

fn json_answer(answer: OrderAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        answer.body,
    )
        .into_response()
}

/// The storefront's health: answers while the process can serve.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The proxy is up")))]
pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// The OpenAPI document of this API, generated from the code.
#[utoipa::path(get, path = "/v1/openapi.json", responses((status = 200, description = "OpenAPI 3 document")))]
pub async fn openapi() -> Response {
    public(Json(ApiDoc::openapi()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CurrencyParam {
    /// ISO 4217 code to price in; the storefront's default if absent.
    currency: Option<String>,
}

/// How this storefront is set up: currencies, locales, features, test mode.
#[utoipa::path(get, path = "/v1/storefront", responses((status = 200, body = Storefront), (status = 502, body = ErrorBody)))]
pub async fn storefront(State(state): State<AppState>) -> AppResult<Response> {
    let service = &state.service;
    let caps = service.capabilities();
    let currencies = service.currencies().await?;
    Ok(public(Json(Storefront {
        name: service.config.shop_name.clone(),
        default_currency: service.default_currency().await?,
        currencies,
        locales: service.config.locales.clone(),
        features: Features {
            top_up: caps.top_up,
            cancel: caps.cancel,
            usage: caps.usage,
            currencies: caps.rates,
        },
        checkout: service.config.checkout,
        test_mode: service.config.test_mode(),
    })))
}

/// Every destination, with how many packages it has and the cheapest price.
#[utoipa::path(get, path = "/v1/destinations", params(CurrencyParam),
    responses((status = 200, body = DestinationList), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn destinations(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<CurrencyParam>,
) -> AppResult<Response> {
    let service = &state.service;
    let currency = service.currency(q.currency.as_deref()).await?;
    let destinations = service.destination_summaries(currency).await?;
    Ok(public(Json(DestinationList { destinations })))
}

/// Filters for the package list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PackagesParams {
    /// Destination code: ISO country code ("JP"), region ("europe") or "global".
    destination: Option<String>,
    /// Only packages working in this country (ISO code).
    covers: Option<String>,
    /// "country", "region" or "global".
    kind: Option<String>,
    /// Minimum data: bytes, or text such as "5GB".
    min_data: Option<String>,
    /// Minimum validity in days.
    min_days: Option<String>,
    /// Maximum price in the chosen currency, as a decimal ("19.99").
    max_price: Option<String>,
    /// true: only unlimited plans; false: only capped plans.
    unlimited: Option<bool>,
    /// "price" (default), "data", "days" or "price_per_gb".
    sort: Option<String>,
    /// ISO 4217 code to price in.
    currency: Option<String>,
}

fn bad(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::BadRequest, message)
}

/// The packages of one destination, priced and filtered as asked.
#[utoipa::path(get, path = "/v1/packages", params(PackagesParams),
    responses((status = 200, body = PackageList), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn packages(
    State(state): State<AppState>,
    uri: axum::http::Uri,
    ApiQuery(q): ApiQuery<PackagesParams>,
) -> AppResult<Response> {
    let key = format!("packages?{}", uri.query().unwrap_or(""));
    let body = state
        .service
        .cached_response(&key, || package_list(&state, q))
        .await?;
    Ok(public(([(header::CONTENT_TYPE, "application/json")], body)))
}

/// Computes the package list answer for [`packages`].
async fn package_list(state: &AppState, q: PackagesParams) -> AppResult<axum::body::Bytes> {
    let service = &state.service;
    let currency = service.currency(q.currency.as_deref()).await?;
    let destination = q
        .destination
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| bad("Choose a destination (?destination=JP, europe or global)."))?;
    let query = PackageQuery {
        destination: None,
        covers: q.covers.clone(),
        kind: match q.kind.as_deref().filter(|k| !k.is_empty()) {
            None => None,
            Some(text) => Some(DestinationKind::parse(text).ok_or_else(|| {
                bad(format!(
                    "kind must be country, region or global, not {text:?}."
                ))
            })?),
        },
        min_data: match q.min_data.as_deref() {
            None | Some("") => None,
            Some(text) => Some(
                text.parse::<Volume>()
                    .map_err(|e| bad(format!("min_data: {e}.")))?,
            ),
        },
        min_days: match q.min_days.as_deref() {
            None | Some("") => None,
            Some(text) => Some(text.trim().parse().map_err(|_| {
                bad(format!(
                    "min_days must be a whole number of days, not {text:?}."
                ))
            })?),
        },
        max_price: match q.max_price.as_deref() {
            None | Some("") => None,
            Some(text) => Some(
                Money::parse_major(text, currency).map_err(|e| bad(format!("max_price: {e}.")))?,
            ),
        },
        unlimited: q.unlimited,
        sort: match q.sort.as_deref().filter(|k| !k.is_empty()) {
            None => SortKey::Price,
            Some(text) => SortKey::parse(text).ok_or_else(|| {
                bad(format!(
                    "sort must be price, data, days or price_per_gb, not {text:?}."
                ))
            })?,
        },
    };
    let mut priced = Vec::new();
    for package in service.packages_of(destination).await? {
        priced.push(service.priced(package, currency).await?);
    }
    let packages = query.apply(&priced).into_iter().cloned().collect();
    serde_json::to_vec(&PackageList { currency, packages })
        .map(axum::body::Bytes::from)
        .map_err(|e| AppError::internal(e.to_string()))
}

/// One package with its details, priced.
#[utoipa::path(get, path = "/v1/packages/{code}", params(("code" = String, Path, description = "Package code"), CurrencyParam),
    responses((status = 200, body = Package), (status = 404, body = ErrorBody)))]
pub async fn package(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<CurrencyParam>,
) -> AppResult<Response> {
    let service = &state.service;
    let currency = service.currency(q.currency.as_deref()).await?;
    let package = service.wholesale_package(&code).await?;
    Ok(public(Json(service.priced(package, currency).await?)))
}

/// Exchange rates used for prices.
#[utoipa::path(get, path = "/v1/rates", responses((status = 200, body = RateTable)))]
pub async fn rates(State(state): State<AppState>) -> AppResult<Response> {
    let rates = state.service.rates().await?;
    let currencies = state.service.currencies().await?;
    let entries = currencies
        .into_iter()
        .filter_map(|c| {
            rates.rate(c).map(|r| RateEntry {
                currency: c,
                rate: r.normalize().to_string(),
            })
        })
        .collect();
    Ok(public(Json(RateTable {
        base: rates.base(),
        rates: entries,
    })))
}

/// The server's price for a quantity of a package: what an order will charge.
#[utoipa::path(post, path = "/v1/quotes", request_body = QuoteRequest,
    responses((status = 200, body = Quote), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn quote(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<QuoteRequest>,
) -> AppResult<Json<Quote>> {
    let service = &state.service;
    let currency = service.currency(Some(&req.currency)).await?;
    Ok(Json(
        service
            .quote(&req.package_code, req.quantity, currency)
            .await?,
    ))
}

/// Places an order. The same Idempotency-Key and body answer the first response again.
#[utoipa::path(post, path = "/v1/orders", request_body = OrderRequest,
    params(("Idempotency-Key" = String, Header, description = "Unique per checkout attempt, reused by its retries")),
    responses((status = 201, body = Order), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
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
    Path(id): Path<String>,
) -> AppResult<Json<Order>> {
    Ok(Json(state.service.order(&caller, &id).await?))
}

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
    responses((status = 200, body = Esim), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn esim(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<RefreshParam>,
) -> AppResult<Json<Esim>> {
    Ok(Json(state.service.esim(&caller, &id, q.refresh).await?))
}

/// Top-up packages that fit one of the caller's eSIMs.
#[utoipa::path(get, path = "/v1/esims/{id}/topups", params(("id" = String, Path), CurrencyParam),
    responses((status = 200, body = PackageList), (status = 404, body = ErrorBody), (status = 501, body = ErrorBody)))]
pub async fn top_ups(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
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
    params(("id" = String, Path), ("Idempotency-Key" = String, Header)),
    responses((status = 200, body = Esim), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn top_up(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
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
    responses((status = 200, body = Esim), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Esim>> {
    Ok(Json(state.service.cancel(&caller, &id).await?))
}

// ---- sandbox lifecycle controls (served only when the provider is the sandbox) ----

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
#[utoipa::path(post, path = "/v1/sandbox/esims/{id}/install", params(("id" = String, Path)), responses((status = 200, body = Esim)))]
pub async fn sandbox_install(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Esim>> {
    sandbox_change(&state, caller, &id, |sb, pid| sb.install(pid)).await
}

/// How much data to use.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UseData {
    /// Bytes to use.
    bytes: u64,
}

/// Sandbox only: the shopper uses data.
#[utoipa::path(post, path = "/v1/sandbox/esims/{id}/usage", params(("id" = String, Path)), request_body = UseData, responses((status = 200, body = Esim)))]
pub async fn sandbox_use(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UseData>,
) -> AppResult<Json<Esim>> {
    sandbox_change(&state, caller, &id, |sb, pid| sb.use_data(pid, body.bytes)).await
}

/// Sandbox only: the plan's validity runs out.
#[utoipa::path(post, path = "/v1/sandbox/esims/{id}/expire", params(("id" = String, Path)), responses((status = 200, body = Esim)))]
pub async fn sandbox_expire(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> AppResult<Json<Esim>> {
    sandbox_change(&state, caller, &id, |sb, pid| sb.expire(pid)).await
}

/// Sandbox only: the merchant's test balance with the provider.
#[utoipa::path(get, path = "/v1/sandbox/balance", responses((status = 200, body = Money)))]
pub async fn sandbox_balance(State(state): State<AppState>) -> AppResult<Json<Money>> {
    use esim_providers::Provider;
    Ok(Json(sandbox_of(&state)?.balance().await?))
}

/// The generated OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "esim-storefront API",
        description = "The storefront API between the esim-storefront widget and the merchant's proxy. Errors are always {\"error\": {\"code\", \"message\"}}; prices are {\"minor\", \"currency\"}; volumes are bytes or \"unlimited\"."
    ),
    paths(
        healthz,
        openapi,
        storefront,
        destinations,
        packages,
        package,
        rates,
        quote,
        create_order,
        order,
        esims,
        esim,
        top_ups,
        top_up,
        cancel,
        sandbox_install,
        sandbox_use,
        sandbox_expire,
        sandbox_balance
    ),
    components(schemas(ErrorBody, ErrorCode, UseData))
)]
pub struct ApiDoc;
