//! The one client of the storefront API, one function per endpoint: the only place that
//! knows the API's paths and how ids and values are encoded in them. Every request made while
//! a view is alive is aborted when that view is cleaned up, so leaving a panel cancels what it
//! was loading.

use esim_core::api::{
    DestinationList, ErrorBody, ErrorCode, Esim, EsimList, Order, OrderRequest, PackageList,
    PaymentRequest, Quote, QuoteRequest, Storefront, TopUpRequest,
};
use esim_core::query::encode;
use esim_core::{Package, PackageQuery};
use leptos::prelude::on_cleanup;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

use crate::i18n::{Locale, Msg};
use std::future::Future;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a request failed, with what a shopper should read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiError {
    /// The proxy answered with an error: its stable code, which the shopper's words are chosen
    /// from, and its English detail, which goes to the console only.
    Api {
        code: ErrorCode,
        detail: String,
        retry_after: Option<u64>,
    },
    /// No answer: offline, DNS, CORS, or the proxy is down.
    Network,
    /// An answer that is not what the API promises.
    BadAnswer(String),
}

impl ApiError {
    /// Returns what a shopper should read, in their language: worded from the error's code,
    /// never the proxy's English detail.
    pub(crate) fn message(&self, locale: Locale) -> String {
        match self {
            ApiError::Api {
                code: ErrorCode::RateLimited,
                retry_after: Some(seconds),
                ..
            } => locale.retry_in(*seconds),
            ApiError::Api { code, .. } => locale.error(*code).to_owned(),
            ApiError::Network => locale.t(Msg::Offline).to_owned(),
            ApiError::BadAnswer(_) => locale.t(Msg::LoadFailed).to_owned(),
        }
    }
}

/// Where the storefront API is and who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Api {
    /// Base URL without a trailing slash, e.g. "https://shop.example/esim-api" or "" for the
    /// page's own origin.
    base: String,
    token: Option<String>,
}

impl Api {
    /// Returns a client of the API at `base` sending `token` as its bearer.
    pub(crate) fn new(base: &str, token: Option<String>) -> Api {
        Api {
            base: base.trim_end_matches('/').to_owned(),
            token,
        }
    }

    /// Returns a copy that sends another bearer token.
    pub(crate) fn with_token(&self, token: Option<String>) -> Api {
        Api {
            base: self.base.clone(),
            token,
        }
    }

    /// Returns the bearer token this client sends, if any.
    pub(crate) fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Returns the base URL, to namespace what is stored for this storefront.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Builds a request to `path` with the bearer token, the abort signal of the current view
    /// and, for a POST, a JSON body and an idempotency key.
    fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        idempotency_key: Option<&str>,
    ) -> Result<Request, ApiError> {
        let failed = |_| ApiError::BadAnswer("the request could not be made".to_owned());
        let headers = Headers::new().map_err(failed)?;
        if let Some(token) = &self.token {
            headers
                .set("Authorization", &format!("Bearer {token}"))
                .map_err(failed)?;
        }
        if let Some(key) = idempotency_key {
            headers.set("Idempotency-Key", key).map_err(failed)?;
        }
        let init = RequestInit::new();
        init.set_method(method);
        if let Some(body) = body {
            headers
                .set("Content-Type", "application/json")
                .map_err(failed)?;
            init.set_body(&JsValue::from_str(&body));
        }
        init.set_headers(&headers);
        if let Some(signal) = abort_on_cleanup() {
            init.set_signal(Some(&signal));
        }
        Request::new_with_str_and_init(&self.url(path), &init).map_err(failed)
    }

    // Each endpoint builds its request at once and returns the one future `send` makes for
    // its answer's type: no future of its own, which would cost the bundle a state machine
    // per endpoint.

    /// How this storefront is set up: `GET /v1/storefront`.
    pub(crate) fn storefront(&self) -> impl Future<Output = Result<Storefront, ApiError>> {
        self.get("/v1/storefront".into())
    }

    /// Every destination, its "from" price in `currency`: `GET /v1/destinations`.
    pub(crate) fn destinations(
        &self,
        currency: Option<&str>,
    ) -> impl Future<Output = Result<DestinationList, ApiError>> {
        self.get(format!("/v1/destinations{}", priced_in(currency, '?')))
    }

    /// The packages `query` asks for, priced in `currency`: `GET /v1/packages`.
    pub(crate) fn packages(
        &self,
        query: &PackageQuery,
        currency: Option<&str>,
    ) -> impl Future<Output = Result<PackageList, ApiError>> {
        let query = query.to_query();
        self.get(format!("/v1/packages?{query}{}", priced_in(currency, '&')))
    }

    /// One package by its code: `GET /v1/packages/{code}`.
    pub(crate) fn package(
        &self,
        code: &str,
        currency: Option<&str>,
    ) -> impl Future<Output = Result<Package, ApiError>> {
        self.get(format!(
            "/v1/packages/{}{}",
            encode(code),
            priced_in(currency, '?')
        ))
    }

    /// The server's price for an order: `POST /v1/quotes`.
    pub(crate) fn quote(
        &self,
        request: &QuoteRequest,
    ) -> impl Future<Output = Result<Quote, ApiError>> {
        self.post("/v1/quotes".into(), request, None)
    }

    /// Places an order under its checkout attempt's `key`: `POST /v1/orders`.
    pub(crate) fn order(
        &self,
        request: &OrderRequest,
        key: &str,
    ) -> impl Future<Output = Result<Order, ApiError>> {
        self.post("/v1/orders".into(), request, Some(key))
    }

    /// Pays an order awaiting payment with the card field's payment method, or (with none)
    /// goes on after the bank's check: `POST /v1/orders/{id}/payment`.
    pub(crate) fn pay(
        &self,
        id: &str,
        request: &PaymentRequest,
    ) -> impl Future<Output = Result<Order, ApiError>> {
        self.post(format!("/v1/orders/{}/payment", encode(id)), request, None)
    }

    /// An order as it stands: `GET /v1/orders/{id}`.
    pub(crate) fn order_by_id(&self, id: &str) -> impl Future<Output = Result<Order, ApiError>> {
        self.get(format!("/v1/orders/{}", encode(id)))
    }

    /// The caller's eSIMs: `GET /v1/esims`.
    pub(crate) fn esims(&self) -> impl Future<Output = Result<EsimList, ApiError>> {
        self.get("/v1/esims".into())
    }

    /// One eSIM, asking the provider for fresh usage when `refresh`: `GET /v1/esims/{id}`.
    pub(crate) fn esim(
        &self,
        id: &str,
        refresh: bool,
    ) -> impl Future<Output = Result<Esim, ApiError>> {
        let fresh = if refresh { "?refresh=true" } else { "" };
        self.get(format!("/v1/esims/{}{fresh}", encode(id)))
    }

    /// The top-ups an eSIM can take, priced in `currency`: `GET /v1/esims/{id}/topups`.
    pub(crate) fn top_ups(
        &self,
        id: &str,
        currency: Option<&str>,
    ) -> impl Future<Output = Result<PackageList, ApiError>> {
        self.get(format!(
            "/v1/esims/{}/topups{}",
            encode(id),
            priced_in(currency, '?')
        ))
    }

    /// Adds a top-up under its attempt's `key`: `POST /v1/esims/{id}/topups`.
    pub(crate) fn top_up(
        &self,
        id: &str,
        request: &TopUpRequest,
        key: &str,
    ) -> impl Future<Output = Result<Esim, ApiError>> {
        let path = format!("/v1/esims/{}/topups", encode(id));
        self.post(path, request, Some(key))
    }

    /// Cancels an unused eSIM: `POST /v1/esims/{id}/cancel`, with nothing in its body (`{}`).
    pub(crate) fn cancel(&self, id: &str) -> impl Future<Output = Result<Esim, ApiError>> {
        #[derive(Serialize)]
        struct NoBody {}
        self.post(format!("/v1/esims/{}/cancel", encode(id)), &NoBody {}, None)
    }

    fn get<T: DeserializeOwned>(&self, path: String) -> impl Future<Output = Result<T, ApiError>> {
        send(self.request("GET", &path, None, None))
    }

    fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: String,
        body: &B,
        idempotency_key: Option<&str>,
    ) -> impl Future<Output = Result<T, ApiError>> {
        let request = to_json(body)
            .map_err(ApiError::BadAnswer)
            .and_then(|json| self.request("POST", &path, Some(json), idempotency_key));
        send(request)
    }
}

/// `?currency=EUR` (or `&currency=EUR` after other parameters), or nothing when the storefront's
/// default applies.
fn priced_in(currency: Option<&str>, separator: char) -> String {
    currency
        .map(|c| format!("{separator}currency={}", encode(c)))
        .unwrap_or_default()
}

/// Returns an abort signal fired when the current reactive owner is cleaned up.
fn abort_on_cleanup() -> Option<web_sys::AbortSignal> {
    let controller = web_sys::AbortController::new().ok()?;
    let signal = controller.signal();
    on_cleanup(move || controller.abort());
    Some(signal)
}

/// Sends `request` and decodes its answer: the JSON as `T` when it succeeded, the proxy's error
/// otherwise.
async fn send<T: DeserializeOwned>(request: Result<Request, ApiError>) -> Result<T, ApiError> {
    from_json(answer(request?).await?).map_err(ApiError::BadAnswer)
}

/// Sends `request` and returns its successful answer as parsed JSON. Not generic, so that each
/// type asked for adds only its decoding.
async fn answer(request: Request) -> Result<JsValue, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .and_then(|r| r.dyn_into())
        .map_err(|_| ApiError::Network)?;
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string()),
        Err(_) => None,
    }
    .ok_or(ApiError::Network)?;
    if response.ok() {
        return parse(&text).map_err(ApiError::BadAnswer);
    }
    match parse(&text).and_then(from_json::<ErrorBody>) {
        Ok(body) => {
            // For the page's developer: what the proxy said, as it said it.
            web_sys::console::warn_1(
                &format!(
                    "esim-storefront: HTTP {} {}: {}",
                    response.status(),
                    body.error.code.as_str(),
                    body.error.message
                )
                .into(),
            );
            Err(ApiError::Api {
                code: body.error.code,
                detail: body.error.message,
                retry_after: body.error.retry_after,
            })
        }
        Err(_) => Err(ApiError::BadAnswer(format!("HTTP {}", response.status()))),
    }
}

/// Parses JSON text with the browser's own parser, so the widget carries no JSON parser of its
/// own (serde_json alone was a tenth of the bundle).
fn parse(text: &str) -> Result<JsValue, String> {
    js_sys::JSON::parse(text).map_err(|_| "the answer is not JSON".to_owned())
}

/// Decodes parsed JSON as `T`.
fn from_json<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
    crate::json::from_value(&value)
}

/// Encodes `body` as JSON text with the browser's own `JSON.stringify`.
fn to_json<B: Serialize>(body: &B) -> Result<String, String> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let value = body.serialize(&serializer).map_err(|e| e.to_string())?;
    js_sys::JSON::stringify(&value)
        .map(String::from)
        .map_err(|_| "the request cannot be written as JSON".to_owned())
}
