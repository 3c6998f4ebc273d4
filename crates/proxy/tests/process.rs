//! The proxy as a real process on a real socket: edges (CORS, headers, limits) and a crash
//! between the provider's success and the store's update.

mod common;

use std::path::Path;
use std::time::Duration;

use common::process::{get_with, http, place, start, stop_and_read_log, temp_dir, terminate};

fn sandbox_args(dir: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "--sandbox".to_owned(),
        "--database".to_owned(),
        dir.join("proxy.sqlite3").display().to_string(),
        "--sandbox-state".to_owned(),
        dir.join("sandbox.json").display().to_string(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

#[tokio::test]
async fn over_a_real_socket_the_edges_hold() {
    let dir = temp_dir("edges");
    // Debug logging, as a merchant might turn on while investigating: still no secrets.
    let (child, addr) = start(&sandbox_args(&dir, &[]), &[("RUST_LOG", "debug")]).await;

    let health = http(&addr, "GET", "/healthz", &[], None).await.unwrap();
    assert_eq!(
        (health.status, health.body["status"].as_str()),
        (200, Some("ok"))
    );
    let packages = http(
        &addr,
        "GET",
        "/v1/packages?destination=JP&currency=EUR",
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(packages.status, 200);
    assert!(packages.body["packages"].as_array().unwrap().len() >= 8);
    assert_eq!(
        packages.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(
        packages.header("referrer-policy").as_deref(),
        Some("no-referrer")
    );
    assert!(
        packages
            .header("x-request-id")
            .is_some_and(|id| id.len() >= 32),
        "every answer carries a request id"
    );
    let given = http(
        &addr,
        "GET",
        "/healthz",
        &[("x-request-id", "trace-me-123")],
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        given.header("x-request-id").as_deref(),
        Some("trace-me-123"),
        "a caller's request id is kept"
    );

    // No CORS origin is configured: a foreign page's preflight gets no permission.
    let preflight = http(
        &addr,
        "OPTIONS",
        "/v1/orders",
        &[
            ("Origin", "https://evil.example"),
            ("Access-Control-Request-Method", "POST"),
        ],
        None,
    )
    .await
    .unwrap();
    assert_eq!(preflight.header("access-control-allow-origin"), None);

    let huge = format!(
        r#"{{"package_code":"{}","quantity":1,"currency":"USD"}}"#,
        "X".repeat(64 * 1024)
    );
    let big = place(&addr, "big", &huge).await.unwrap();
    assert_eq!(
        (big.status, big.body["error"]["code"].as_str()),
        (413, Some("payload_too_large"))
    );

    let order = place(
        &addr,
        "socket-1",
        r#"{"package_code":"JP-1GB-7D","quantity":1,"currency":"USD"}"#,
    )
    .await
    .unwrap();
    assert_eq!(order.status, 201, "{}", order.body);
    let guest_token = order.body["guest_token"].as_str().unwrap().to_owned();
    assert!(guest_token.starts_with("gst_"));
    let bearer = format!("Bearer {guest_token}");
    let mine = get_with(&addr, "/v1/esims", &bearer).await.unwrap();
    assert_eq!(mine.status, 200);
    let forged = http(
        &addr,
        "GET",
        "/v1/esims",
        &[(
            "Authorization",
            "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2VjcmV0LXNpZw",
        )],
        None,
    )
    .await
    .unwrap();
    assert_eq!(forged.status, 401);
    // Nothing secret was logged: no guest token, no bearer value, not even at debug level.
    let log = stop_and_read_log(child).await;
    assert!(log.contains("request"), "debug logging was on: {log}");
    assert!(!log.contains(&guest_token[4..]), "guest token in the log");
    assert!(!log.contains("c2VjcmV0LXNpZw"), "bearer token in the log");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_cors_origin_from_the_config_is_allowed() {
    let dir = temp_dir("cors");
    let config = dir.join("proxy.toml");
    std::fs::write(
        &config,
        format!(
            "checkout = \"sandbox\"\ndatabase = \"{}\"\ncors_origins = [\"https://shop.example\"]\n",
            dir.join("db.sqlite3").display()
        ),
    )
    .unwrap();
    let (_child, addr) = start(&["--config".to_owned(), config.display().to_string()], &[]).await;
    let preflight = http(
        &addr,
        "OPTIONS",
        "/v1/orders",
        &[
            ("Origin", "https://shop.example"),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "idempotency-key,content-type",
            ),
        ],
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        preflight.header("access-control-allow-origin").as_deref(),
        Some("https://shop.example")
    );
    assert!(preflight
        .header("access-control-allow-headers")
        .unwrap()
        .contains("idempotency-key"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn killed_between_the_providers_success_and_the_store_the_order_is_fulfilled_exactly_once() {
    let dir = temp_dir("crash");
    let body = r#"{"package_code":"JP-5GB-30D","quantity":1,"currency":"USD"}"#;

    // First run: the proxy dies right after the provider accepted the order.
    let (mut crashing, addr) = start(
        &sandbox_args(&dir, &[]),
        &[("ESIM_PROXY_TEST_CRASH_AFTER_ORDER", "1")],
    )
    .await;
    let balance_before = http(&addr, "GET", "/v1/sandbox/balance", &[], None)
        .await
        .unwrap()
        .body["minor"]
        .as_i64()
        .unwrap();
    let lost = place(&addr, "crash-1", body).await;
    assert!(
        lost.is_err() || lost.as_ref().is_ok_and(|r| r.status == 0),
        "the answer was lost"
    );
    let status = tokio::time::timeout(Duration::from_secs(10), crashing.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(!status.success(), "the process died");

    // Second run: start-up reconciliation finds the order at the provider by its reference.
    let (child, addr) = start(&sandbox_args(&dir, &[]), &[]).await;
    let retry = place(&addr, "crash-1", body).await.unwrap();
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(retry.body["esims"].as_array().unwrap().len(), 1);
    let token = retry.body["guest_token"]
        .as_str()
        .expect("the guest token survives the crash")
        .to_owned();
    let again = place(&addr, "crash-1", body).await.unwrap();
    assert_eq!(again.body["id"], retry.body["id"]);

    let mine = http(
        &addr,
        "GET",
        "/v1/esims",
        &[("Authorization", &format!("Bearer {token}"))],
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        mine.body["esims"].as_array().unwrap().len(),
        1,
        "exactly one eSIM"
    );
    let balance_after = http(&addr, "GET", "/v1/sandbox/balance", &[], None)
        .await
        .unwrap()
        .body["minor"]
        .as_i64()
        .unwrap();
    let charges = balance_before - balance_after;
    assert!(charges > 0, "the provider was paid");
    let one_order_cost = {
        // The sandbox's wholesale price of JP-5GB-30D, from its own catalogue.
        use esim_providers::Provider;
        let sandbox = esim_providers::sandbox::Sandbox::new(Default::default()).unwrap();
        sandbox.package("JP-5GB-30D").await.unwrap().price.minor()
    };
    assert_eq!(charges, one_order_cost, "charged exactly once");

    let log = stop_and_read_log(child).await;
    assert!(
        log.contains("reconciled"),
        "start-up reconciliation ran: {log}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn sigterm_finishes_gracefully() {
    let dir = temp_dir("sigterm");
    let (mut child, addr) = start(&sandbox_args(&dir, &[]), &[]).await;
    assert_eq!(
        http(&addr, "GET", "/healthz", &[], None)
            .await
            .unwrap()
            .status,
        200
    );
    let status = terminate(&mut child, Duration::from_secs(10)).await;
    assert!(
        status.success(),
        "a clean exit on SIGTERM, not a kill: {status}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn json_logs_are_one_object_a_line_with_the_request_id() {
    let dir = temp_dir("json-logs");
    let (child, addr) = start(
        &sandbox_args(&dir, &["--log-format", "json"]),
        &[("RUST_LOG", "esim_proxy=debug")],
    )
    .await;
    let ready = http(&addr, "GET", "/readyz", &[], None).await.unwrap();
    assert_eq!(ready.status, 200, "{}", ready.body);
    // Refused (no Idempotency-Key), which the proxy logs, under the id the caller sent.
    let refused = http(
        &addr,
        "POST",
        "/v1/orders",
        &[("x-request-id", "trace-4242")],
        Some(r#"{"package_code":"JP-1GB-7D","quantity":1,"currency":"USD"}"#),
    )
    .await
    .unwrap();
    assert_eq!(refused.status, 400);
    let log = stop_and_read_log(child).await;
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(!lines.is_empty(), "something was logged");
    let traced = lines
        .iter()
        .find(|l| l["span"]["id"] == "trace-4242")
        .unwrap_or_else(|| panic!("no line with the request id: {log}"));
    assert_eq!(traced["span"]["path"], "/v1/orders");
    assert!(traced["level"].is_string(), "{traced}");
    assert!(traced["fields"]["message"].is_string(), "{traced}");
    std::fs::remove_dir_all(dir).unwrap();
}
