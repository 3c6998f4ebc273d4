//! Bad input, provider faults and every storefront error code, through the router.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::http::{Method, StatusCode};
use common::*;
use esim_core::api::ErrorCode;
use esim_core::{Destination, Money, Package, Rates};
use esim_providers::sandbox::{Fault, Sandbox};
use esim_providers::{
    Capabilities, OrderRequest, Provider, ProviderError, ProviderEsim, ProviderOrder,
};
use serde_json::json;

fn order_body() -> serde_json::Value {
    json!({"package_code": "JP-1GB-7D", "quantity": 1, "currency": "USD"})
}

/// The storefront's JSON error, with `status`, `code` and a message.
fn assert_json_error(answer: &common::Answer, status: StatusCode, code: &str) {
    assert_eq!(
        (answer.status, answer.code()),
        (status, code),
        "{}",
        answer.json
    );
    assert!(!answer.json["error"]["message"].as_str().unwrap().is_empty());
    assert_eq!(answer.headers["content-type"], "application/json");
}

#[tokio::test]
async fn bad_input_gets_a_4xx_json_error() {
    let h = harness();
    let cases: Vec<(common::Call, StatusCode, &str)> = vec![
        (post("/v1/orders", json!(null)).raw_body("{\"package_code\": ").key("a"), StatusCode::BAD_REQUEST, "invalid_json"),
        (post("/v1/orders", json!({"package_code": "JP-1GB-7D"})).key("b"), StatusCode::BAD_REQUEST, "invalid_json"),
        (post("/v1/orders", json!({"package_code": "JP-1GB-7D", "quantity": -1, "currency": "USD"})).key("c"), StatusCode::BAD_REQUEST, "invalid_json"),
        // A struct's fields in order are still not an object.
        (post("/v1/orders", json!(["JP-1GB-7D", 1, "USD"])).key("c2"), StatusCode::BAD_REQUEST, "invalid_json"),
        (post("/v1/quotes", json!([])), StatusCode::BAD_REQUEST, "invalid_json"),
        (post("/v1/orders", json!({"package_code": "NOPE", "quantity": 1, "currency": "USD"})).key("d"), StatusCode::NOT_FOUND, "unknown_package"),
        (post("/v1/orders", json!({"package_code": "JP-1GB-7D", "quantity": 0, "currency": "USD"})).key("e"), StatusCode::BAD_REQUEST, "invalid_quantity"),
        (post("/v1/orders", json!({"package_code": "JP-1GB-7D", "quantity": 1000, "currency": "USD"})).key("f"), StatusCode::BAD_REQUEST, "invalid_quantity"),
        (post("/v1/orders", json!({"package_code": "JP-1GB-7D", "quantity": 1, "currency": "XYZ"})).key("g"), StatusCode::BAD_REQUEST, "unknown_currency"),
        (post("/v1/orders", json!({"package_code": "JP-1GB-7D", "quantity": 1, "currency": "CLF"})).key("h"), StatusCode::BAD_REQUEST, "unknown_currency"),
        (post("/v1/orders", json!({"package_code": "JP-1GB-7D", "quantity": 1, "currency": "USD", "email": "not-an-email"})).key("i"), StatusCode::BAD_REQUEST, "invalid_email"),
        (post("/v1/quotes", json!({"package_code": "JP-1GB-7D", "quantity": 11, "currency": "USD"})), StatusCode::BAD_REQUEST, "invalid_quantity"),
        (get("/v1/packages?destination=JP&sort=random"), StatusCode::BAD_REQUEST, "bad_request"),
        (get("/v1/packages?destination=JP&min_data=lots"), StatusCode::BAD_REQUEST, "bad_request"),
        (get("/v1/packages?destination=JP&max_price=cheap"), StatusCode::BAD_REQUEST, "bad_request"),
        (get("/v1/packages?destination=JP&unlimited=perhaps"), StatusCode::BAD_REQUEST, "bad_request"),
        (get("/v1/packages?destination=JP&currency=EURO"), StatusCode::BAD_REQUEST, "unknown_currency"),
        (get("/v1/packages?destination=JP&currency=%0C"), StatusCode::BAD_REQUEST, "unknown_currency"),
        (get("/v1/destinations?currency=%20USD"), StatusCode::BAD_REQUEST, "unknown_currency"),
        (get("/v1/packages/NOPE"), StatusCode::NOT_FOUND, "unknown_package"),
        (get("/v1/nothing-here"), StatusCode::NOT_FOUND, "not_found"),
        (get("/v1/esims"), StatusCode::UNAUTHORIZED, "unauthorized"),
        (get("/v1/esims").token("gst_forged"), StatusCode::UNAUTHORIZED, "unauthorized"),
    ];
    for (call, status, code) in cases {
        assert_json_error(&call.send(&h.router).await, status, code);
    }
    assert_eq!(balance(&h).await, 500_000, "no bad request spent anything");
    assert_eq!(h.service.store.count_esims().await.unwrap(), 0);
}

#[tokio::test]
async fn every_rejection_the_framework_makes_is_the_json_error() {
    let h = harness();
    let cases = [
        (
            get("/v1/orders/%FF%FE"),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            get("/v1/esims/%C3%28"),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (get("/v1"), StatusCode::NOT_FOUND, "not_found"),
        (get("/v1/"), StatusCode::NOT_FOUND, "not_found"),
        (
            get("/v1/nothing/here/either"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            get("/v1/storefront").method(Method::DELETE),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            get("/v1/quotes"),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
    ];
    for (call, status, code) in cases {
        let answer = call.send(&h.router).await;
        assert_json_error(&answer, status, code);
        if status == StatusCode::METHOD_NOT_ALLOWED {
            assert!(
                answer.headers.contains_key("allow"),
                "405 says what is allowed"
            );
        }
    }
}

#[tokio::test]
async fn a_request_id_is_echoed_only_when_short_and_printable() {
    let h = harness();
    let id = |call: common::Call| async {
        let answer = call.send(&h.router).await;
        answer.headers["x-request-id"].to_str().unwrap().to_owned()
    };
    assert_eq!(
        id(get("/v1/healthz").header("x-request-id", "req-42_a.b")).await,
        "req-42_a.b"
    );
    for unfit in ["a".repeat(8 * 1024), "two words".to_owned(), "x".repeat(65)] {
        let answered = id(get("/v1/healthz").header("x-request-id", &unfit)).await;
        assert_ne!(answered, unfit);
        assert_eq!(answered.len(), 36, "a new id is made instead: {answered}");
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused() {
    let h = harness();
    let huge = format!(
        r#"{{"package_code": "{}", "quantity": 1, "currency": "USD"}}"#,
        "X".repeat(100_000)
    );
    let answer = post("/v1/orders", json!(null))
        .raw_body(&huge)
        .key("big")
        .send(&h.router)
        .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.code(), "payload_too_large");
}

/// Runs one order while the provider misbehaves and returns the answer.
async fn order_during(fault: Fault) -> (common::Harness, common::Answer) {
    let h = harness();
    // Warm the catalogue so that the fault hits the order call itself.
    post(
        "/v1/quotes",
        json!({"package_code": "JP-1GB-7D", "quantity": 1, "currency": "USD"}),
    )
    .send(&h.router)
    .await;
    h.sandbox.inject_fault(fault.clone());
    // A lost answer needs its "find by reference" to fail too, to be seen as a failure.
    if matches!(fault, Fault::Hang(_)) {
        h.sandbox.inject_fault(Fault::Hang(Duration::from_secs(3)));
    }
    let answer = post("/v1/orders", order_body())
        .key("fault")
        .send(&h.router)
        .await;
    (h, answer)
}

#[tokio::test]
async fn provider_faults_end_in_clear_codes_with_nothing_half_written() {
    let cases = [
        (
            Fault::Unavailable,
            StatusCode::BAD_GATEWAY,
            "provider_unavailable",
        ),
        (
            Fault::Malformed,
            StatusCode::BAD_GATEWAY,
            "provider_bad_response",
        ),
        (
            Fault::RateLimited(Duration::from_secs(17)),
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
        ),
        (
            Fault::Unauthorized,
            StatusCode::BAD_GATEWAY,
            "provider_unavailable",
        ),
    ];
    for (fault, status, code) in cases {
        let (h, answer) = order_during(fault.clone()).await;
        assert_eq!(
            (answer.status, answer.code()),
            (status, code),
            "{fault:?}: {}",
            answer.json
        );
        if code == "rate_limited" {
            assert_eq!(answer.headers["retry-after"], "17");
            assert_eq!(answer.json["error"]["retry_after"], 17);
        }
        assert_eq!(balance(&h).await, 500_000, "{fault:?}: nothing bought");
        assert_eq!(
            h.service.store.count_esims().await.unwrap(),
            0,
            "{fault:?}: no eSIM recorded"
        );

        // The same checkout attempt, retried once the provider is back, buys exactly once.
        let retry = post("/v1/orders", order_body())
            .key("fault")
            .send(&h.router)
            .await;
        assert_eq!(
            retry.status,
            StatusCode::CREATED,
            "{fault:?} retry: {}",
            retry.json
        );
        assert_eq!(h.service.store.count_esims().await.unwrap(), 1);
        let cost = h.sandbox.package("JP-1GB-7D").await.unwrap().price.minor();
        assert_eq!(balance(&h).await, 500_000 - cost);
    }
}

#[tokio::test]
async fn a_lost_answer_is_found_by_reference_and_charged_once() {
    let h = harness();
    h.sandbox.inject_fault(Fault::LoseResponse);
    let answer = post("/v1/orders", order_body())
        .key("lost")
        .send(&h.router)
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json);
    assert_eq!(answer.json["esims"].as_array().unwrap().len(), 1);
    let cost = h.sandbox.package("JP-1GB-7D").await.unwrap().price.minor();
    assert_eq!(balance(&h).await, 500_000 - cost);
}

#[tokio::test]
async fn a_timeout_without_an_answer_is_reconciled_later() {
    let (h, answer) = order_during(Fault::Hang(Duration::from_secs(3))).await;
    assert_eq!(
        (answer.status, answer.json["state"].as_str()),
        (StatusCode::ACCEPTED, Some("pending")),
        "no answer within the timeout: the order is pending, not an error: {}",
        answer.json
    );
    let id = answer.json["id"].as_str().unwrap().to_owned();
    // The purchase runs to its end (the provider gives up), and its lookup by reference
    // hangs too: the order stays in flight, unknown.
    assert_eq!(h.service.drain(Duration::from_secs(10)).await, 0);
    assert_eq!(h.service.store.orders_in_flight().await.unwrap().len(), 1);
    // Asked again (as at start-up), the sandbox, which knows every reference, has none.
    assert_eq!(
        h.service.reconcile().await.unwrap(),
        1,
        "never reached the provider: settled as failed"
    );
    assert!(h.service.store.orders_in_flight().await.unwrap().is_empty());
    // The same checkout attempt, retried, buys exactly once.
    let retry = post("/v1/orders", order_body())
        .key("fault")
        .send(&h.router)
        .await;
    assert_eq!(retry.status, StatusCode::CREATED, "{}", retry.json);
    assert_eq!(retry.json["id"], id.as_str(), "the same order, sent again");
    assert_eq!(h.service.store.count_esims().await.unwrap(), 1);
}

#[tokio::test]
async fn a_slow_purchase_is_answered_pending_and_bought_once() {
    let h = harness();
    post(
        "/v1/quotes",
        json!({"package_code": "JP-1GB-7D", "quantity": 1, "currency": "USD"}),
    )
    .send(&h.router)
    .await;
    // The provider completes the purchase 2.5 s after it is asked; the timeout is 1 s.
    h.sandbox
        .inject_fault(Fault::Slow(Duration::from_millis(2500)));
    let first = post("/v1/orders", order_body())
        .key("slow")
        .send(&h.router)
        .await;
    assert_eq!(
        (first.status, first.json["state"].as_str()),
        (StatusCode::ACCEPTED, Some("pending")),
        "{}",
        first.json
    );
    let token = first.json["guest_token"].as_str().unwrap().to_owned();
    let id = first.json["id"].as_str().unwrap().to_owned();
    // A retry during the wait waits for the same purchase.
    let during = post("/v1/orders", order_body())
        .key("slow")
        .send(&h.router)
        .await;
    assert_eq!(during.json["id"], id.as_str(), "{}", during.json);
    assert_eq!(h.service.drain(Duration::from_secs(10)).await, 0);
    // After it: the purchase's own answer, with its eSIM.
    let after = post("/v1/orders", order_body())
        .key("slow")
        .send(&h.router)
        .await;
    assert_eq!(after.status, StatusCode::CREATED, "{}", after.json);
    assert_eq!(after.json["id"], id.as_str());
    assert_eq!(after.json["state"], "completed");
    assert_eq!(after.json["esims"].as_array().unwrap().len(), 1);
    assert_eq!(after.json["guest_token"], token.as_str());
    // Retried with the token its answer gave (as the widget does once it has stored it): the
    // same order, not a second.
    let as_guest = post("/v1/orders", order_body())
        .key("slow")
        .token(&token)
        .send(&h.router)
        .await;
    assert_eq!(as_guest.json["id"], id.as_str(), "{}", as_guest.json);
    // Another guest cannot reach it with the same key: their own scope, a new order.
    let (_, other) = guest_order(&h.router, "JP-1GB-7D", 1, "other-guest").await;
    let theirs = post("/v1/orders", order_body())
        .key("slow")
        .token(&other)
        .send(&h.router)
        .await;
    assert_ne!(theirs.json["id"], id.as_str(), "{}", theirs.json);
    assert!(theirs.json.get("guest_token").is_none(), "{}", theirs.json);
    let read = get(&format!("/v1/orders/{id}"))
        .token(&token)
        .send(&h.router)
        .await;
    assert_eq!(read.json["state"], "completed");
    let cost = h.sandbox.package("JP-1GB-7D").await.unwrap().price.minor();
    assert_eq!(
        balance(&h).await,
        500_000 - 3 * cost,
        "bought once, and the other guest's two"
    );
    assert_eq!(h.service.store.count_esims().await.unwrap(), 3);
}

#[tokio::test]
async fn insufficient_balance_and_write_rate_limits() {
    let h = harness_with(config(), poor_sandbox(100));
    let poor = post("/v1/orders", order_body())
        .key("p")
        .send(&h.router)
        .await;
    assert_eq!(
        (poor.status, poor.code()),
        (StatusCode::SERVICE_UNAVAILABLE, "insufficient_balance")
    );
    assert!(
        !poor.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("balance"),
        "the merchant's balance is not the shopper's business"
    );
    let replay = post("/v1/orders", order_body())
        .key("p")
        .send(&h.router)
        .await;
    assert_eq!(
        replay.code(),
        "insufficient_balance",
        "retried with the same key: still too poor"
    );
    assert_eq!(balance(&h).await, 100, "still nothing bought");

    let mut limited = config();
    limited.writes_per_minute = 2;
    limited.quotes_per_minute = 3;
    let h = harness_with(limited, Default::default());
    let quote = || post("/v1/quotes", order_body());
    for i in 0..3 {
        let q = quote().key(&i.to_string()).send(&h.router).await;
        assert_eq!(q.status, StatusCode::OK);
    }
    let fourth = quote().send(&h.router).await;
    assert_json_error(&fourth, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(fourth.headers.contains_key("retry-after"));

    // Quotes have their own bucket: the anonymous caller's orders are all still there.
    let first = post("/v1/orders", order_body())
        .key("o1")
        .send(&h.router)
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.json);
    let guest = first.json["guest_token"].as_str().unwrap().to_owned();
    let second = post("/v1/orders", order_body())
        .key("o2")
        .send(&h.router)
        .await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.json);
    let third = post("/v1/orders", order_body())
        .key("o3")
        .send(&h.router)
        .await;
    assert_json_error(&third, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let seconds: u64 = third.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=30).contains(&seconds),
        "one order back every 30 s: {seconds}"
    );

    // A shopper the token names has a bucket of their own, whatever address they share.
    for key in ["g1", "g2"] {
        let own = post("/v1/orders", order_body())
            .key(key)
            .token(&guest)
            .send(&h.router)
            .await;
        assert_eq!(own.status, StatusCode::CREATED, "{}", own.json);
    }
    let over = post("/v1/orders", order_body())
        .key("g3")
        .token(&guest)
        .send(&h.router)
        .await;
    assert_json_error(&over, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // A token that does not verify buys no bucket of its own: it counts as its address.
    let forged = post("/v1/orders", order_body())
        .key("f1")
        .token("gst_forged")
        .send(&h.router)
        .await;
    assert_json_error(&forged, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(
        get("/v1/packages?destination=JP")
            .send(&h.router)
            .await
            .status,
        StatusCode::OK,
        "reads are not limited"
    );
}

#[tokio::test]
async fn a_concurrent_retry_of_the_same_key_never_buys_twice() {
    let mut slow = config();
    slow.provider_timeout_secs = 5;
    let h = harness_with(slow, Default::default());
    post(
        "/v1/quotes",
        json!({"package_code": "JP-1GB-7D", "quantity": 1, "currency": "USD"}),
    )
    .send(&h.router)
    .await;
    h.sandbox
        .inject_fault(Fault::Slow(Duration::from_millis(800)));
    let router = h.router.clone();
    let first = tokio::spawn(async move {
        post("/v1/orders", order_body())
            .key("busy")
            .send(&router)
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = post("/v1/orders", order_body())
        .key("busy")
        .send(&h.router)
        .await;
    let first = first.await.unwrap();
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.json);
    // The retry waited for the same purchase and got its answer.
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.json);
    assert_eq!(second.json["id"], first.json["id"]);
    assert_eq!(h.service.store.count_esims().await.unwrap(), 1);
}

#[tokio::test]
async fn usage_rate_limits_serve_the_last_answer_or_ask_to_wait() {
    let h = harness();
    let (order, token) = guest_order(&h.router, "JP-1GB-7D", 1, "u").await;
    let id = order.json["esims"][0]["id"].as_str().unwrap().to_owned();
    h.sandbox
        .inject_fault(Fault::RateLimited(Duration::from_secs(900)));
    let stale = get(&format!("/v1/esims/{id}?refresh=true"))
        .token(&token)
        .send(&h.router)
        .await;
    assert_eq!(
        stale.status,
        StatusCode::OK,
        "the cached view is served while the provider asks us to wait"
    );
    assert_eq!(stale.json["status"]["lifecycle"], "ready");
    // No further provider call happens until Retry-After has passed: a queued fault stays queued.
    h.sandbox.inject_fault(Fault::Unavailable);
    let again = get(&format!("/v1/esims/{id}?refresh=true"))
        .token(&token)
        .send(&h.router)
        .await;
    assert_eq!(again.status, StatusCode::OK);
}

/// A provider that can do nothing but sell: capabilities say so, and the proxy refuses the rest.
struct SellOnly(Arc<Sandbox>);

#[async_trait]
impl Provider for SellOnly {
    fn name(&self) -> &'static str {
        "sell-only"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }
    async fn destinations(&self) -> Result<Vec<Destination>, ProviderError> {
        self.0.destinations().await
    }
    async fn packages(&self, d: &str) -> Result<Vec<Package>, ProviderError> {
        self.0.packages(d).await
    }
    async fn package(&self, c: &str) -> Result<Package, ProviderError> {
        self.0.package(c).await
    }
    async fn rates(&self) -> Result<Rates, ProviderError> {
        Err(ProviderError::unsupported("rates"))
    }
    async fn order(&self, r: &OrderRequest) -> Result<ProviderOrder, ProviderError> {
        self.0.order(r).await
    }
    async fn find_order(&self, r: &str) -> Result<Option<ProviderOrder>, ProviderError> {
        self.0.find_order(r).await
    }
    async fn esim(&self, id: &str) -> Result<ProviderEsim, ProviderError> {
        self.0.esim(id).await
    }
    async fn top_up_packages(&self, _: &str) -> Result<Vec<Package>, ProviderError> {
        Err(ProviderError::unsupported("top-up"))
    }
    async fn top_up(&self, _: &str, _: &str, _: &str) -> Result<ProviderEsim, ProviderError> {
        Err(ProviderError::unsupported("top-up"))
    }
    async fn cancel(&self, _: &str) -> Result<ProviderEsim, ProviderError> {
        Err(ProviderError::unsupported("cancel"))
    }
    async fn balance(&self) -> Result<Money, ProviderError> {
        Err(ProviderError::unsupported("balance"))
    }
}

#[tokio::test]
async fn what_the_provider_cannot_do_is_hidden_and_refused() {
    let sandbox = Arc::new(Sandbox::new(Default::default()).unwrap());
    let proxy = esim_proxy::build_with(config(), Arc::new(SellOnly(sandbox)), None).unwrap();
    let router = proxy.router;
    let storefront = get("/v1/storefront").send(&router).await;
    assert_eq!(
        storefront.json["features"],
        json!({"top_up": false, "cancel": false, "usage": false, "currencies": false})
    );
    assert_eq!(storefront.json["currencies"], json!(["USD"]));
    let (order, token) = guest_order(&router, "JP-1GB-7D", 1, "s").await;
    let esim = &order.json["esims"][0];
    assert_eq!(esim["actions"]["top_up"], false);
    assert_eq!(esim["actions"]["cancel"], false);
    assert!(esim["usage"].is_null());
    let id = esim["id"].as_str().unwrap();
    let top = get(&format!("/v1/esims/{id}/topups"))
        .token(&token)
        .send(&router)
        .await;
    assert_eq!(
        (top.status, top.code()),
        (StatusCode::NOT_IMPLEMENTED, "unsupported")
    );
    let cancel = post(&format!("/v1/esims/{id}/cancel"), json!({}))
        .token(&token)
        .send(&router)
        .await;
    assert_eq!(cancel.code(), "unsupported");
    assert_eq!(
        get("/v1/sandbox/balance").send(&router).await.status,
        StatusCode::NOT_FOUND,
        "no sandbox routes"
    );
}

#[tokio::test]
async fn every_error_code_but_internal_is_reachable() {
    // Each code asserted in a test of this file, of api.rs, connections.rs or card_checkout.rs;
    // `internal` is reserved for
    // failures of the proxy itself (a broken database), which no request can cause.
    let reached: BTreeSet<&str> = [
        "bad_request",
        "invalid_json",
        "payload_too_large",
        "request_timeout",
        "unauthorized",
        "not_found",
        "method_not_allowed",
        "unknown_package",
        "unknown_currency",
        "invalid_quantity",
        "invalid_email",
        "idempotency_key_required",
        "idempotency_key_reused",
        "request_in_progress",
        "not_allowed",
        "unsupported",
        "rate_limited",
        "insufficient_balance",
        "card_declined",
        "payment_unavailable",
        "provider_unavailable",
        "provider_timeout",
        "provider_bad_response",
        "server_busy",
    ]
    .into_iter()
    .collect();
    let all: BTreeSet<&str> = ErrorCode::ALL
        .iter()
        .map(ErrorCode::as_str)
        .filter(|c| *c != "internal")
        .collect();
    assert_eq!(
        reached, all,
        "a new error code needs a test that reaches it"
    );
}
