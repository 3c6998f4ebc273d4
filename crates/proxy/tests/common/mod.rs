//! A proxy on a sandbox the test controls, called through the router without a socket.
#![allow(dead_code)]

pub mod postgres;
pub mod process;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use esim_core::api::CheckoutMode;
use esim_core::{Currency, Money};
use esim_providers::sandbox::{ManualClock, Sandbox, SandboxConfig};
use esim_proxy::auth::{sign, Claims};
use esim_proxy::config::Config;
use serde_json::Value;
use tower::ServiceExt;

pub const SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";
pub const START: i64 = 1_790_000_000;

pub struct Harness {
    pub router: Router,
    pub sandbox: Arc<Sandbox>,
    pub clock: Arc<ManualClock>,
    pub service: Arc<esim_proxy::Service>,
}

/// Returns the configuration tests start from: sandbox checkout, memory store, fast timeouts.
pub fn config() -> Config {
    let mut config = Config::sandbox();
    config.token_secret = Some(esim_providers::Secret::from(SECRET));
    config.writes_per_minute = 100_000;
    config.quotes_per_minute = 100_000;
    config.provider_timeout_secs = 1;
    config
}

/// The running localstripe that `cargo xtask test` starts for this layer.
pub fn localstripe_url() -> String {
    std::env::var("ESIM_LOCALSTRIPE_URL").expect(
        "ESIM_LOCALSTRIPE_URL names a running localstripe: `cargo xtask test` starts one \
         (or run `localstripe --port 8420 --from-scratch` and set ESIM_LOCALSTRIPE_URL=http://127.0.0.1:8420)",
    )
}

pub fn harness() -> Harness {
    harness_with(config(), SandboxConfig::default())
}

pub fn customer_harness() -> Harness {
    let mut config = config();
    config.checkout = CheckoutMode::Customer;
    harness_with(config, SandboxConfig::default())
}

pub fn harness_with(config: Config, sandbox: SandboxConfig) -> Harness {
    let clock = Arc::new(ManualClock::new(START));
    let sandbox = Arc::new(Sandbox::with_clock(sandbox, clock.clone()).unwrap());
    let proxy = esim_proxy::build_with(config, sandbox.clone(), Some(sandbox.clone())).unwrap();
    Harness {
        router: proxy.router,
        sandbox,
        clock,
        service: proxy.service,
    }
}

pub fn poor_sandbox(cents: i64) -> SandboxConfig {
    SandboxConfig {
        balance: Money::from_minor(cents, Currency::USD),
        ..Default::default()
    }
}

/// A customer token for `sub`, valid for an hour of real time.
pub fn customer(sub: &str) -> String {
    sign(
        &Claims {
            sub: sub.into(),
            exp: esim_proxy::service::now() + 3600,
            nbf: None,
        },
        SECRET.as_bytes(),
    )
}

/// The answer to one request.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    /// The body as text (for answers that are not JSON).
    pub text: String,
}

impl Answer {
    /// Returns the error code of an error answer.
    pub fn code(&self) -> &str {
        self.json["error"]["code"]
            .as_str()
            .unwrap_or("<not an error>")
    }
}

/// A request being built.
pub struct Call {
    method: Method,
    path: String,
    token: Option<String>,
    key: Option<String>,
    body: Option<String>,
    headers: Vec<(String, String)>,
}

pub fn get(path: &str) -> Call {
    Call {
        method: Method::GET,
        path: path.into(),
        token: None,
        key: None,
        body: None,
        headers: Vec::new(),
    }
}

pub fn post(path: &str, body: Value) -> Call {
    Call {
        method: Method::POST,
        path: path.into(),
        token: None,
        key: None,
        body: Some(body.to_string()),
        headers: Vec::new(),
    }
}

impl Call {
    pub fn token(mut self, token: &str) -> Call {
        self.token = Some(token.into());
        self
    }
    pub fn key(mut self, key: &str) -> Call {
        self.key = Some(key.into());
        self
    }
    pub fn raw_body(mut self, body: &str) -> Call {
        self.body = Some(body.into());
        self
    }
    pub fn method(mut self, method: Method) -> Call {
        self.method = method;
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Call {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub async fn send(self, router: &Router) -> Answer {
        let mut request = Request::builder().method(self.method).uri(&self.path);
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(key) = &self.key {
            request = request.header("idempotency-key", key);
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let body = match self.body {
            Some(body) => {
                request = request.header("content-type", "application/json");
                Body::from(body)
            }
            None => Body::empty(),
        };
        let response = router
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
            .await
            .unwrap();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            json,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

/// Places a guest order and returns (answer, guest token).
pub async fn guest_order(
    router: &Router,
    package: &str,
    quantity: u32,
    key: &str,
) -> (Answer, String) {
    let answer = post(
        "/v1/orders",
        serde_json::json!({"package_code": package, "quantity": quantity, "currency": "USD"}),
    )
    .key(key)
    .send(router)
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json);
    let token = answer.json["guest_token"].as_str().unwrap().to_owned();
    (answer, token)
}

/// How many eSIMs `token` sees in `GET /v1/esims`.
pub async fn esim_count(h: &Harness, token: &str) -> usize {
    let mine = get("/v1/esims").token(token).send(&h.router).await;
    mine.json["esims"]
        .as_array()
        .expect("a list of eSIMs")
        .len()
}

pub async fn balance(h: &Harness) -> i64 {
    use esim_providers::Provider;
    h.sandbox.balance().await.unwrap().minor()
}
