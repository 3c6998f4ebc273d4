//! Several proxies on one PostgreSQL database (`ESIM_TEST_DATABASE_URL`, which `cargo xtask
//! test` sets to a throwaway server; without it these tests have nothing to run on): one
//! provider behind them all, as a merchant's load balancer would have it. A key raced on two
//! instances places one order; a purchase still running on one is left alone by another's
//! reconciliation, and finishes there once.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use common::postgres::fresh_postgres;
use common::*;
use esim_providers::sandbox::{Fault, Sandbox, SandboxConfig};
use serde_json::json;

/// A proxy on `database`, in front of `sandbox`.
fn instance(database: &str, sandbox: &Arc<Sandbox>) -> esim_proxy::Proxy {
    let mut config = config();
    config.database = database.to_owned();
    esim_proxy::build_with(config, sandbox.clone(), Some(sandbox.clone())).unwrap()
}

/// Two proxies on one fresh database and one sandbox; `None` without a PostgreSQL server.
async fn two_instances() -> Option<(esim_proxy::Proxy, esim_proxy::Proxy, Arc<Sandbox>)> {
    let Some(database) = fresh_postgres().await else {
        eprintln!("ESIM_TEST_DATABASE_URL is not set: no PostgreSQL to run several instances on");
        return None;
    };
    let sandbox = Arc::new(Sandbox::new(SandboxConfig::default()).unwrap());
    let a = instance(&database, &sandbox);
    let b = instance(&database, &sandbox);
    // The catalogue read first, so that a fault hits the purchase itself.
    for proxy in [&a, &b] {
        post(
            "/v1/quotes",
            json!({"package_code": "JP-1GB-7D", "quantity": 1, "currency": "USD"}),
        )
        .send(&proxy.router)
        .await;
    }
    Some((a, b, sandbox))
}

fn order_body() -> serde_json::Value {
    json!({"package_code": "JP-1GB-7D", "quantity": 1, "currency": "USD"})
}

#[tokio::test]
async fn one_key_raced_on_two_instances_places_one_order() {
    let Some((a, b, sandbox)) = two_instances().await else {
        return;
    };
    // The purchase takes a while, so the second request arrives while it runs.
    sandbox.inject_fault(Fault::Slow(Duration::from_millis(1500)));
    let (first, second) = tokio::join!(
        post("/v1/orders", order_body())
            .key("raced")
            .send(&a.router),
        async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            post("/v1/orders", order_body())
                .key("raced")
                .send(&b.router)
                .await
        }
    );
    let id = first.json["id"]
        .as_str()
        .expect("the first placed it")
        .to_owned();
    match second.status {
        // Refused while the first held the key, or handed the same order.
        StatusCode::CONFLICT => assert_eq!(second.code(), "request_in_progress"),
        _ => assert_eq!(second.json["id"], id.as_str(), "{}", second.json),
    }
    assert_eq!(a.service.drain(Duration::from_secs(10)).await, 0);
    // Asked again on either, once it is done: the same order, bought once.
    let again = post("/v1/orders", order_body())
        .key("raced")
        .send(&b.router)
        .await;
    assert_eq!(again.json["id"], id.as_str(), "{}", again.json);
    assert_eq!(again.json["state"], "completed");
    assert_eq!(sandbox.purchases_asked(), 1, "one purchase");
    assert_eq!(a.service.store.count_esims().await.unwrap(), 1);
}

#[tokio::test]
async fn a_purchase_running_on_one_instance_is_left_alone_by_anothers_reconciliation() {
    let Some((a, b, sandbox)) = two_instances().await else {
        return;
    };
    // Slower than the 1 s provider timeout: answered pending while it goes on.
    sandbox.inject_fault(Fault::Slow(Duration::from_millis(2500)));
    let placed = post("/v1/orders", order_body())
        .key("slow")
        .send(&a.router)
        .await;
    assert_eq!(placed.status, StatusCode::ACCEPTED, "{}", placed.json);
    let id = placed.json["id"].as_str().unwrap().to_owned();
    let token = placed.json["guest_token"].as_str().unwrap().to_owned();
    // The other instance looks at every unresolved order now, and reads this one: the
    // provider knows nothing of it yet, and it is another's to settle.
    b.service.reconcile().await.unwrap();
    let read = get(&format!("/v1/orders/{id}"))
        .token(&token)
        .send(&b.router)
        .await;
    assert_eq!(read.json["state"], "pending", "{}", read.json);
    assert_eq!(a.service.drain(Duration::from_secs(10)).await, 0);
    let done = get(&format!("/v1/orders/{id}"))
        .token(&token)
        .send(&b.router)
        .await;
    assert_eq!(done.json["state"], "completed", "{}", done.json);
    assert_eq!(done.json["esims"].as_array().unwrap().len(), 1);
    assert_eq!(sandbox.purchases_asked(), 1, "bought once");
}
