//! The storefront API's routes: each handler parses, calls the service, answers. Every route is
//! listed once, in [`router`], which feeds both the router and the OpenAPI document served at
//! `/v1/openapi.json`.

mod catalogue;
mod esims;
mod orders;
mod payments;
mod sandbox;

pub use payments::STRIPE_WEBHOOK_PATH;

use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use esim_core::api::{ErrorBody, ErrorCode};
use esim_providers::sandbox::Sandbox;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::AppError;
use crate::service::{OrderAnswer, Service};

/// The storefront's routes, each listed once; with `sandbox`, its lifecycle controls too.
pub fn router(sandbox: bool) -> OpenApiRouter<AppState> {
    let api = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(openapi))
        .routes(routes!(catalogue::storefront))
        .routes(routes!(catalogue::destinations))
        .routes(routes!(catalogue::packages))
        .routes(routes!(catalogue::package))
        .routes(routes!(catalogue::rates))
        .routes(routes!(catalogue::quote))
        .routes(routes!(orders::create_order))
        .routes(routes!(orders::order))
        .routes(routes!(orders::pay))
        .routes(routes!(payments::stripe_webhook))
        .routes(routes!(esims::esims))
        .routes(routes!(esims::esim))
        .routes(routes!(esims::top_ups, esims::top_up))
        .routes(routes!(esims::cancel));
    if !sandbox {
        return api;
    }
    api.routes(routes!(sandbox::install))
        .routes(routes!(sandbox::use_data))
        .routes(routes!(sandbox::expire))
        .routes(routes!(sandbox::balance))
}

/// The OpenAPI document: every route, the sandbox's included (marked "Sandbox only").
pub fn document() -> utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT
        .get_or_init(|| {
            let mut document = router(true).into_openapi();
            utoipa::Modify::modify(&EdgeErrors, &mut document);
            utoipa::Modify::modify(&OrderLinks, &mut document);
            document
        })
        .clone()
}

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

/// Whether this instance can serve, for a load balancer: its database (reachable, at this
/// binary's schema) and its provider (answering within its timeout). 503 says which is not:
/// the one error shape (`error.code` `internal` for the database, `provider_unavailable` for
/// the provider), with `database` and `provider` beside it.
#[utoipa::path(get, path = "/readyz", responses(
    (status = 200, description = "Ready: database and provider answer"),
    (status = 503, body = ErrorBody, description = "Not ready: which part, and why")))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let (database, provider) = state.service.readiness().await;
    let ready = database.is_ok() && provider.is_ok();
    let part = |r: &Result<(), String>| match r {
        Ok(()) => "ok".to_owned(),
        Err(why) => why.clone(),
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut body = serde_json::json!({
        "status": if ready { "ready" } else { "not_ready" },
        "database": part(&database),
        "provider": part(&provider),
    });
    if !ready {
        let (code, why) = match (&database, &provider) {
            (Err(why), _) => (ErrorCode::Internal, why.clone()),
            (_, Err(why)) => (ErrorCode::ProviderUnavailable, why.clone()),
            _ => (ErrorCode::Internal, String::new()),
        };
        body["error"] =
            serde_json::json!({"code": code.as_str(), "message": format!("Not ready: {why}")});
    }
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The OpenAPI document of this API, generated from the code, with the currencies this
/// storefront prices in.
#[utoipa::path(get, path = "/v1/openapi.json", responses((status = 200, description = "OpenAPI 3 document")))]
pub async fn openapi(State(state): State<AppState>) -> crate::error::AppResult<Response> {
    let mut document =
        serde_json::to_value(document()).map_err(|e| AppError::internal(e.to_string()))?;
    // Without the rates (the provider is down), the document still serves, with "three
    // letters" for a currency.
    if let Ok(currencies) = state.service.currencies().await {
        let codes: Vec<String> = currencies.iter().map(|c| c.code().to_owned()).collect();
        with_currencies(&mut document, &codes);
    }
    Ok(public(Json(document)))
}

/// The pattern of a currency in a request: three letters, or empty for the default.
const REQUEST_CURRENCY: &str = "^([A-Za-z]{3})?$";

/// Narrows every currency a request names (a query's `currency`, a body's `currency`) from
/// "three letters" to this storefront's codes, or empty for its default: a client generated
/// from the document then offers only what can be priced.
fn with_currencies(document: &mut serde_json::Value, codes: &[String]) {
    use serde_json::{json, Value};
    let choices: Vec<Value> = std::iter::once(json!(""))
        .chain(codes.iter().map(|c| json!(c)))
        .collect();
    // Only what a request names: those carry the request pattern (answers' currencies are
    // any the provider or the rates use).
    let narrow = |schema: &mut Value| {
        if let Some(schema) = schema.as_object_mut() {
            if schema.get("pattern").and_then(Value::as_str) == Some(REQUEST_CURRENCY) {
                schema.remove("pattern");
                schema.insert("enum".into(), Value::Array(choices.clone()));
            }
        }
    };
    let operations = document
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    for operation in operations {
        let parameters = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut);
        for parameter in parameters.into_iter().flatten() {
            if parameter.get("name").is_some_and(|n| n == "currency") {
                if let Some(schema) = parameter.get_mut("schema") {
                    narrow(schema);
                }
            }
        }
    }
    if let Some(schemas) = document["components"]["schemas"].as_object_mut() {
        for schema in schemas.values_mut() {
            if let Some(currency) = schema.pointer_mut("/properties/currency") {
                narrow(currency);
            }
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CurrencyParam {
    /// ISO 4217 code to price in; the storefront's default if absent.
    #[param(pattern = "^([A-Za-z]{3})?$")] // REQUEST_CURRENCY
    currency: Option<String>,
}

/// What the OpenAPI document says beyond its routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "esim-storefront API",
        description = "The storefront API between the esim-storefront widget and the merchant's proxy. Errors are always {\"error\": {\"code\", \"message\"}}; prices are {\"minor\", \"currency\"}; volumes are bytes or \"unlimited\"."
    ),
    components(schemas(ErrorBody, ErrorCode, sandbox::UseData))
)]
pub struct ApiDoc;

/// Documents, on every operation, the errors its edges can answer whatever the handler does:
/// an unreadable path or query (400), a full server (503 `server_busy`), the proxy's own
/// failure (500); on every API operation, the provider's (502, 504); on every POST, a slow or
/// oversized body (408, 413) and the rate limit (429). Each is the one error shape.
struct EdgeErrors;

impl utoipa::Modify for EdgeErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let api = path.starts_with("/v1/") && path != "/v1/openapi.json";
            let operations = [(&mut item.get, false), (&mut item.post, true)];
            for (operation, post) in operations {
                let Some(operation) = operation else { continue };
                let mut add = |status: &str, description: &str| {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error(description).into());
                };
                add("400", "bad_request: the path, query or body cannot be read");
                add("500", "internal: the proxy failed");
                add("503", "server_busy: too many connections; see Retry-After");
                if api {
                    add(
                        "502",
                        "the provider is unavailable or answered what cannot be read",
                    );
                    add(
                        "504",
                        "provider_timeout: the provider did not answer in time",
                    );
                }
                if post {
                    add(
                        "408",
                        "request_timeout: the body came too slowly or short of its length",
                    );
                    add("413", "payload_too_large");
                    add("429", "rate_limited: see Retry-After");
                }
            }
        }
    }
}

/// Says what an order's answer leads to, as OpenAPI links, so that a client (and an API
/// fuzzer's stateful phase) can follow it: the order itself, its payment, and its first eSIM
/// (read, top-ups offered, topped up, cancelled). Both answers of placing and of paying
/// carry them.
struct OrderLinks;

impl utoipa::Modify for OrderLinks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::link::LinkBuilder;
        use utoipa::openapi::RefOr;
        let link = |operation: &str, value: &str, description: &str| {
            LinkBuilder::new()
                .operation_id(operation)
                .parameter("id", value)
                .description(description)
                .build()
        };
        let links = [
            ("Order", link("order", "$response.body#/id", "The order")),
            (
                "Payment",
                link("pay", "$response.body#/id", "Paying the order by card"),
            ),
            (
                "Esim",
                link("esim", "$response.body#/esims/0/id", "Its first eSIM"),
            ),
            (
                "TopUps",
                link(
                    "top_ups",
                    "$response.body#/esims/0/id",
                    "The top-ups its first eSIM can take",
                ),
            ),
            (
                "TopUp",
                link(
                    "top_up",
                    "$response.body#/esims/0/id",
                    "Topping its first eSIM up",
                ),
            ),
            (
                "Cancel",
                link(
                    "cancel",
                    "$response.body#/esims/0/id",
                    "Cancelling its first eSIM",
                ),
            ),
        ];
        for (path, statuses) in [
            ("/v1/orders", &["201"][..]),
            ("/v1/orders/{id}/payment", &["201", "202"][..]),
        ] {
            let Some(post) = openapi
                .paths
                .paths
                .get_mut(path)
                .and_then(|item| item.post.as_mut())
            else {
                continue;
            };
            for status in statuses {
                if let Some(RefOr::T(response)) = post.responses.responses.get_mut(*status) {
                    for (name, link) in &links {
                        response
                            .links
                            .insert((*name).to_owned(), RefOr::T(link.clone()));
                    }
                }
            }
        }
    }
}
