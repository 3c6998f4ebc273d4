//! The catalogue's routes: the storefront's settings, destinations, packages, rates, quotes.
//! The same for every shopper, so cacheable.

use axum::extract::State;
use axum::http::header;
use axum::response::Response;
use axum::Json;
use esim_core::api::{
    DestinationList, ErrorBody, ErrorCode, Features, PackageList, Quote, QuoteRequest, RateEntry,
    RateTable, Storefront,
};
use esim_core::{Package, PackageQuery};
use utoipa::IntoParams;

use super::{public, AppState, CurrencyParam};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};

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
        payment: service.config.payment_settings(),
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

/// Filters for the package list, as [`PackageQuery::from_pairs`] reads them (this type only
/// documents them).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // read as pairs, by the core's one parser
pub struct PackagesParams {
    /// Destination code: ISO country code ("JP"), region ("europe") or "global".
    #[param(pattern = "\\S")]
    destination: String,
    /// Only packages working in this country (ISO code).
    covers: Option<String>,
    /// "country", "region" or "global".
    #[param(pattern = "^(country|region|global)?$")]
    kind: Option<String>,
    /// Minimum data: bytes, or text such as "5GB" or "500 MB".
    #[param(pattern = "^([0-9]{1,6}((\\.[0-9]{1,3})? ?[KMGT](i?B)?| ?B)?)?$")]
    min_data: Option<String>,
    /// Minimum validity in days.
    #[param(pattern = "^[0-9]{0,9}$")]
    min_days: Option<String>,
    /// Maximum price in the chosen currency, as a decimal ("19.99").
    #[param(pattern = "^([0-9]{1,12}(\\.[0-9]{1,4})?)?$")]
    max_price: Option<String>,
    /// "true": only unlimited plans; "false": only capped plans; empty: both.
    #[param(pattern = "^(true|false)?$")]
    unlimited: Option<String>,
    /// "price" (default), "data", "days" or "price_per_gb".
    #[param(pattern = "^(price|data|days|price_per_gb)?$")]
    sort: Option<String>,
    /// ISO 4217 code to price in.
    #[param(pattern = "^([A-Za-z]{3})?$")]
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
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> AppResult<Response> {
    let key = format!("packages?{}", uri.query().unwrap_or(""));
    let body = state
        .service
        .cached_response(&key, || package_list(&state, pairs))
        .await?;
    Ok(public(([(header::CONTENT_TYPE, "application/json")], body)))
}

/// Computes the package list answer for [`packages`].
async fn package_list(
    state: &AppState,
    pairs: Vec<(String, String)>,
) -> AppResult<axum::body::Bytes> {
    let service = &state.service;
    let asked = pairs.iter().find(|(k, _)| k == "currency");
    let currency = service.currency(asked.map(|(_, v)| v.as_str())).await?;
    let mut query =
        PackageQuery::from_pairs(pairs.iter().map(|(k, v)| (&**k, &**v)), currency).map_err(bad)?;
    // The provider lists the destination's packages; the query filters what it lists.
    let destination = query
        .destination
        .take()
        .ok_or_else(|| bad("Choose a destination (?destination=JP, europe or global)."))?;
    let mut priced = Vec::new();
    for package in service.packages_of(&destination).await? {
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
    ApiPath(code): ApiPath<String>,
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
