//! esim-proxy: the storefront API that the widget talks to.
//!
//! The merchant runs it; it keeps the provider's secret, decides every price from the
//! provider's catalogue and the merchant's markup, remembers which eSIM belongs to whom, and
//! makes orders safe to retry. [`app`] returns the whole HTTP surface as a router, so tests
//! call it without a socket.

pub mod auth;
mod cache;
pub mod client;
pub mod config;
mod error;
mod extract;
mod limits;
pub mod metrics;
pub mod payments;
pub mod routes;
mod server;
pub mod service;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware;
use axum::Router;
use esim_core::api::{CheckoutMode, ErrorCode};
use esim_providers::sandbox::Sandbox;
use esim_providers::Provider;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use config::Config;
pub use error::AppError;
use routes::AppState;
pub use service::Service;
pub use store::Store;

/// The Content-Security-Policy of the demo pages: no inline script or style, wasm allowed;
/// with a card checkout, exactly the sources Stripe.js needs (see
/// [`config::StripeConfig::csp_sources`]) and nothing else.
fn page_csp(config: &Config) -> String {
    let (script, frame, connect) = match (&config.checkout, &config.payments.stripe) {
        (CheckoutMode::Stripe, Some(stripe)) => stripe.csp_sources(),
        _ => Default::default(),
    };
    let with = |list: Vec<String>| list.iter().map(|s| format!(" {s}")).collect::<String>();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{}; style-src 'self'; img-src 'self' data:; connect-src 'self'{}; frame-src 'self'{}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        with(script),
        with(connect),
        with(frame)
    )
}

/// A running proxy's parts, for the binary and for tests.
pub struct Proxy {
    pub router: Router,
    pub service: Arc<Service>,
    pub sandbox: Option<Arc<Sandbox>>,
}

/// Builds the store, provider and router from configuration: the provider keeps its waits
/// and paced answers in the store, which every instance on the same database shares.
pub fn build(config: Config) -> Result<Proxy, String> {
    let store = store(&config)?;
    let esim_providers::Built { provider, sandbox } = provider(&config, Arc::new(store.clone()))?;
    build_on(config, store, provider, sandbox)
}

/// Opens the configured database.
fn store(config: &Config) -> Result<Store, String> {
    let password = config
        .database_password
        .as_ref()
        .map(|s| s.expose().to_owned());
    Store::connect(&config.database, password.as_deref()).map_err(|e| e.to_string())
}

/// Builds the configured provider (and, for the sandbox, its control handle), its pacing kept
/// in `pacing`.
pub fn provider(
    config: &Config,
    pacing: esim_providers::SharedPacing,
) -> Result<esim_providers::Built, String> {
    config.validate_provider()?;
    let timeouts = esim_providers::Timeouts {
        call: Duration::from_secs(config.provider_timeout_secs.max(1)),
        purchase: Duration::from_secs(config.purchase_timeout_secs.max(1)),
    };
    esim_providers::build(&config.provider, &config.credentials, timeouts, pacing)
        .map_err(|e| e.to_string())
}

/// Builds the router around a given provider (tests pass a sandbox they control).
pub fn build_with(
    config: Config,
    provider: Arc<dyn Provider>,
    sandbox: Option<Arc<Sandbox>>,
) -> Result<Proxy, String> {
    let store = store(&config)?;
    build_on(config, store, provider, sandbox)
}

fn build_on(
    config: Config,
    store: Store,
    provider: Arc<dyn Provider>,
    sandbox: Option<Arc<Sandbox>>,
) -> Result<Proxy, String> {
    let service = Arc::new(Service::new(config, provider, store)?);
    let router = app(AppState {
        service: service.clone(),
        sandbox: sandbox.clone(),
    });
    Ok(Proxy {
        router,
        service,
        sandbox,
    })
}

/// Returns the whole HTTP surface.
pub fn app(state: AppState) -> Router {
    let config = &state.service.config;
    let limits = Arc::new(limits::RateLimits::new(
        config.writes_per_minute,
        config.quotes_per_minute,
    ));
    let trusted = Arc::new(client::TrustedProxies::new(
        config.trusted_proxies.clone(),
        config.client_address_header,
    ));
    let (api, _) = routes::router(state.sandbox.is_some()).split_for_parts();
    let api = api
        .route("/metrics", axum::routing::get(metrics_route))
        .route("/v1/{*rest}", axum::routing::any(no_route))
        .route("/v1", axum::routing::any(no_route))
        .route("/v1/", axum::routing::any(no_route))
        .method_not_allowed_fallback(|| async {
            AppError::new(
                ErrorCode::MethodNotAllowed,
                "This path does not take that method.",
            )
        })
        .layer(middleware::from_fn_with_state(
            (limits, state.clone()),
            limits::limit,
        ))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(middleware::from_fn_with_state(
            state.service.metrics.clone(),
            metrics::record,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(cors(&config.cors_origins))
        .with_state(state.clone());

    let mut router = api;
    if let Some(dist) = &config.dist_dir {
        router = router.nest_service(
            "/pkg",
            ServeDir::new(dist).precompressed_br().precompressed_gzip(),
        );
    }
    if let Some(www) = &config.www_dir {
        let pages = Router::new()
            .fallback_service(ServeDir::new(www).precompressed_br())
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_str(&page_csp(config))
                    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
            ));
        router = router.merge(pages);
    }
    let request_id = HeaderName::from_static("x-request-id");
    router
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        // Spans name the method and path only: never headers (tokens) or bodies.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            let client = req.extensions().get::<client::ClientAddr>().map_or("-".to_owned(), |c| c.0.to_string());
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), id = %id, client = %client)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(middleware::map_request(keep_request_id_if_fit))
        .layer(middleware::from_fn_with_state(trusted, client::resolve))
}

/// `GET /metrics`: Prometheus's text, with the metrics token as a bearer; not there at all
/// without one configured.
async fn metrics_route(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    use sha2::{Digest, Sha256};
    let Some(token) = &state.service.config.metrics_token else {
        return Err(AppError::not_found("API route"));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compared as digests: equal lengths, no early exit on the token's own bytes.
    if Sha256::digest(given.as_bytes()) != Sha256::digest(token.expose().as_bytes()) {
        return Err(AppError::new(
            ErrorCode::Unauthorized,
            "The metrics need their bearer token.",
        ));
    }
    let orders = state.service.store.order_counts().await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.service.metrics.render(&orders),
    )
        .into_response())
}

/// Any path under `/v1` that is no route: the API's JSON 404.
async fn no_route() -> AppError {
    AppError::not_found("API route")
}

/// Keeps a caller's `x-request-id` only when it is short and printable, so that it can be
/// echoed and logged as it is; otherwise it is dropped, and a new one is made.
async fn keep_request_id_if_fit(mut request: Request) -> Request {
    let fit = |v: &HeaderValue| {
        (1..=64).contains(&v.len()) && v.as_bytes().iter().all(|b| b.is_ascii_graphic())
    };
    if request
        .headers()
        .get("x-request-id")
        .is_some_and(|v| !fit(v))
    {
        request.headers_mut().remove("x-request-id");
    }
    request
}

fn cors(origins: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([header::RETRY_AFTER, HeaderName::from_static("x-request-id")])
        .max_age(Duration::from_secs(600))
}

/// Serves `router` on `listener` until Ctrl-C or SIGTERM, with the connection deadlines and
/// cap of `limits` (see [`server`]).
pub async fn serve(
    router: Router,
    listener: tokio::net::TcpListener,
    limits: &config::Connections,
) -> std::io::Result<()> {
    server::serve(router, listener, limits, server::shutdown_signal()).await
}
