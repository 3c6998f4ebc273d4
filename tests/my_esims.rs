//! Component tests of "my eSIMs" in headless Chromium: empty, listed, error, and one eSIM
//! refreshed within rate limits, topped up (retried with the same key) and cancelled.
#![cfg(target_arch = "wasm32")]

mod support;

use esim_storefront::mount;
use serde_json::json;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const TOKEN_KEY: &str = "esim-storefront:v1:guest-token:";

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

fn mount_list() -> web_sys::HtmlElement {
    let el = host();
    mount(
        el.clone(),
        js_sys::JSON::parse(r#"{"panel":"my-esims","locale":"en"}"#).unwrap(),
    )
    .unwrap();
    el
}

fn esim(
    id: &str,
    lifecycle: &str,
    used: u64,
    total: u64,
    expires_in: Option<i64>,
) -> serde_json::Value {
    let now = (js_sys::Date::now() / 1000.0) as i64;
    json!({"id": id, "iccid": "8988247000000000017", "order_id": "ord_1", "package_code": "JP-1GB-7D",
        "title": format!("Japan {id}"), "destination": "JP",
        "status": {"lifecycle": lifecycle, "profile": "installed", "raw": "X"},
        "usage": {"total": total, "used": used, "remaining": total - used, "updated_at": now},
        "validity": {"amount": 7, "unit": "day"}, "expires_at": expires_in.map(|s| now + s),
        "actions": {"install": false, "top_up": true, "cancel": false}, "install": null, "history": [], "test": true})
}

#[wasm_bindgen_test]
async fn without_an_earlier_order_the_list_is_empty_and_nobody_is_asked() {
    storage().remove_item(TOKEN_KEY).unwrap();
    fake_fetch(json!({"/v1/esims": {"status": 500, "body": {}}}));
    let el = mount_list();
    let empty = wait_for(&el, ".empty").await;
    assert!(empty
        .text_content()
        .unwrap()
        .starts_with("You have no eSIMs yet."));
}

#[wasm_bindgen_test]
async fn lists_each_esim_with_state_usage_and_days_left() {
    storage().set_item(TOKEN_KEY, "gst_known").unwrap();
    // One whose provider reports no usage, and one cancelled with an end date still given.
    let mut unreported = esim("c", "active", 0, 1 << 30, Some(86_400));
    unreported["usage"] = serde_json::Value::Null;
    let cancelled = esim("d", "cancelled", 0, 1 << 30, Some(180 * 86_400));
    fake_fetch(json!({"/v1/esims": {"status": 200, "body": {"esims": [
        esim("a", "active", 1 << 28, 1 << 30, Some(2 * 86_400 + 60)),
        esim("b", "ready", 0, 1 << 30, None),
        unreported,
        cancelled
    ]}}}));
    let el = mount_list();
    wait_for(&el, ".esim").await;
    assert_eq!(
        all(&el, ".esim-title"),
        ["Japan a", "Japan b", "Japan c", "Japan d"]
    );
    assert_eq!(
        all(&el, ".status"),
        ["Active", "Ready to install", "Active", "Cancelled"]
    );
    assert_eq!(
        all(&el, ".esim-usage"),
        [
            "256 MB of 1 GB used",
            "0 MB of 1 GB used",
            "Data used is not reported for this eSIM.",
            "0 MB of 1 GB used"
        ]
    );
    assert_eq!(
        all(&el, ".esim-time"),
        [
            "3 days left",
            "Starts when first used · 7 days",
            "1 day left",
            ""
        ]
    );
    let bar = wait_for(&el, ".usage-bar").await;
    assert_eq!(bar.get_attribute("role").as_deref(), Some("progressbar"));
    assert_eq!(bar.get_attribute("aria-valuenow").as_deref(), Some("25"));
    storage().remove_item(TOKEN_KEY).unwrap();
}

#[wasm_bindgen_test]
async fn an_error_offers_a_retry() {
    storage().set_item(TOKEN_KEY, "gst_known").unwrap();
    fake_fetch(
        json!({"/v1/esims": {"status": 401, "body": {"error": {"code": "unauthorized",
        "message": "Your session has expired or is not valid. Please sign in again."}}}}),
    );
    let el = mount_list();
    let error = wait_for(&el, ".error-box").await;
    assert!(error
        .text_content()
        .unwrap()
        .contains("Please sign in again."));
    fake_fetch(
        json!({"/v1/esims": {"status": 200, "body": {"esims": [esim("c", "depleted", 1 << 30, 1 << 30, Some(86_400))]}}}),
    );
    click(&el, ".error-box button").await;
    wait_for(&el, ".esim").await;
    assert_eq!(all(&el, ".status"), ["Data used up"]);
    storage().remove_item(TOKEN_KEY).unwrap();
}

/// Mounts the list with one eSIM (`actions` as given) and opens it.
async fn open_one(esim: serde_json::Value, more: serde_json::Value) -> web_sys::HtmlElement {
    storage().set_item(TOKEN_KEY, "gst_known").unwrap();
    let mut routes = json!({"/v1/esims": {"status": 200, "body": {"esims": [esim]}}});
    for (k, v) in more.as_object().unwrap() {
        routes[k] = v.clone();
    }
    fake_fetch(routes);
    let el = mount_list();
    click(&el, ".open-esim").await;
    wait_for(&el, ".esim-detail").await;
    el
}

fn with_actions(mut esim: serde_json::Value, top_up: bool, cancel: bool) -> serde_json::Value {
    esim["actions"] = json!({"install": false, "top_up": top_up, "cancel": cancel});
    esim
}

#[wasm_bindgen_test]
async fn a_rate_limited_refresh_says_how_long_to_wait_and_waits() {
    let el = open_one(
        esim("a", "active", 1 << 28, 1 << 30, Some(86_400)),
        json!({"GET /v1/esims/a?refresh=true": {"status": 429, "body": {"error": {"code": "rate_limited",
            "message": "Too many requests.", "retry_after": 30}}}}),
    )
    .await;
    assert_eq!(
        all(&el, ".esim-detail .esim-usage"),
        ["256 MB of 1 GB used"]
    );
    click(&el, ".refresh").await;
    let notice = wait_for_text(&el, ".notice", "Try again in 30 s").await;
    assert_eq!(notice.get_attribute("aria-live").as_deref(), Some("polite"));
    let button = wait_for(&el, ".refresh").await;
    assert!(
        button.has_attribute("disabled"),
        "no hammering a rate-limited provider"
    );
    assert!(
        requests()
            .iter()
            .any(|r| r.starts_with("GET ") && r.contains("/v1/esims/a?refresh=true")),
        "{:?}",
        requests()
    );
}

#[wasm_bindgen_test]
async fn a_refresh_shows_the_new_usage() {
    let el = open_one(
        esim("a", "active", 1 << 28, 1 << 30, Some(86_400)),
        json!({"GET /v1/esims/a?refresh=true": {"status": 200, "body": esim("a", "active", 3 << 28, 1 << 30, Some(86_400))}}),
    )
    .await;
    click(&el, ".refresh").await;
    wait_for_text(&el, ".notice", "Usage updated.").await;
    assert_eq!(
        all(&el, ".esim-detail .esim-usage"),
        ["768 MB of 1 GB used"]
    );
    let bar = wait_for(&el, ".usage-bar").await;
    assert_eq!(bar.get_attribute("aria-valuenow").as_deref(), Some("75"));
}

#[wasm_bindgen_test]
async fn a_top_up_is_confirmed_and_its_retry_reuses_the_key() {
    let mut after = esim("a", "active", 1 << 28, 2 << 30, Some(86_400));
    after["history"] = json!([
        {"package_code": "JP-1GB-7D", "title": "Japan 1GB", "data": 1u64 << 30, "validity": {"amount": 7, "unit": "day"}, "added_at": 1_790_000_000, "top_up": false},
        {"package_code": "TOPUP-JP-1GB-7D", "title": "Japan top-up 1GB", "data": 1u64 << 30, "validity": {"amount": 7, "unit": "day"}, "added_at": 1_790_100_000, "top_up": true}
    ]);
    let el = open_one(
        with_actions(esim("a", "active", 1 << 28, 1 << 30, Some(86_400)), true, false),
        json!({
            "GET /v1/esims/a/topups": {"status": 200, "body": {"currency": "USD", "packages": [
                package("TOPUP-JP-1GB-7D", json!(1u64 << 30), 7, 699, "")]}},
            "POST /v1/esims/a/topups": [
                {"status": 503, "body": {"error": {"code": "provider_unavailable", "message": "The eSIM provider is not answering. Nothing was charged; please try again."}}},
                {"status": 200, "body": after}
            ]
        }),
    )
    .await;
    click(&el, ".add-data").await;
    click(&el, ".top-up-option").await;
    let question = wait_for(&el, ".confirm .question").await;
    assert_eq!(
        question.text_content().unwrap(),
        "Add 1 GB · 7 days to this eSIM for $6.99?"
    );
    click(&el, ".confirm-top-up").await;
    wait_for_text(&el, ".confirm .error", "Nothing was charged").await;
    click(&el, ".confirm-top-up").await;
    wait_for_text(&el, ".notice", "Top-up added.").await;
    assert_eq!(all(&el, ".history .badge"), ["Top-up"]);
    assert_eq!(
        all(&el, ".esim-detail .esim-usage"),
        ["256 MB of 2 GB used"]
    );
    let keys = idempotency_keys();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "the retry is the same top-up");
}

#[wasm_bindgen_test]
async fn a_cancel_the_proxy_refuses_is_explained_in_the_dialog() {
    let el = open_one(
        with_actions(esim("a", "ready", 0, 1 << 30, None), false, true),
        json!({"POST /v1/esims/a/cancel": {"status": 409, "body": {"error": {"code": "not_allowed",
            "message": "This eSIM has been installed and can no longer be cancelled."}}}}),
    )
    .await;
    click(&el, ".open-cancel").await;
    let dialog = wait_for(&el, "dialog[open]").await;
    assert_eq!(
        dialog.get_attribute("aria-labelledby").as_deref(),
        Some("cancel-title")
    );
    click(&el, ".confirm-cancel").await;
    wait_for_text(&el, "dialog .error", "can no longer be cancelled").await;
    assert!(wait_for(&el, ".confirm-cancel")
        .await
        .has_attribute("disabled"));
    assert_eq!(all(&el, ".keep"), ["Close"]);
    click(&el, ".keep").await;
    for _ in 0..50 {
        if el
            .shadow_root()
            .unwrap()
            .query_selector("dialog[open]")
            .unwrap()
            .is_none()
        {
            return;
        }
        sleep(20).await;
    }
    panic!("the dialog stayed open");
}

#[wasm_bindgen_test]
async fn cancelling_an_unused_esim_shows_it_cancelled() {
    let el = cancel_answered(cancelled_esim()).await;
    wait_for_text(&el, ".notice", "The eSIM is cancelled.").await;
    assert_eq!(all(&el, ".esim-detail .status"), ["Cancelled"]);
    assert!(el
        .shadow_root()
        .unwrap()
        .query_selector("dialog[open]")
        .unwrap()
        .is_none());
    assert_eq!(all(&el, ".open-cancel").len(), 0);
}

#[wasm_bindgen_test]
async fn cancelling_an_esim_paid_by_card_says_what_is_refunded() {
    let mut cancelled = cancelled_esim();
    cancelled["refund"] = json!({"amount": {"minor": 450, "currency": "EUR"}, "state": "refunded"});
    let el = cancel_answered(cancelled).await;
    wait_for_text(&el, ".notice", "€4.50 is refunded to your card").await;
}

/// An unused eSIM "a", cancelled.
fn cancelled_esim() -> serde_json::Value {
    let mut cancelled = with_actions(esim("a", "cancelled", 0, 1 << 30, None), false, false);
    cancelled["status"]["lifecycle"] = json!("cancelled");
    cancelled
}

/// Opens an unused eSIM "a" and cancels it, the proxy answering `answer`.
async fn cancel_answered(answer: serde_json::Value) -> web_sys::HtmlElement {
    let el = open_one(
        with_actions(esim("a", "ready", 0, 1 << 30, None), false, true),
        json!({"POST /v1/esims/a/cancel": {"status": 200, "body": answer}}),
    )
    .await;
    click(&el, ".open-cancel").await;
    click(&el, ".confirm-cancel").await;
    el
}

/// Opens the details of an eSIM in use (1 MB of 1 GB used), which may be topped up but not
/// cancelled.
async fn open_used_esim() -> web_sys::HtmlElement {
    open_one(
        with_actions(
            esim("a", "active", 1 << 20, 1 << 30, Some(86_400)),
            true,
            false,
        ),
        json!({"/v1/storefront": storefront()}),
    )
    .await
}

#[wasm_bindgen_test]
async fn a_used_esim_offers_no_cancel_and_says_why() {
    let el = open_used_esim().await;
    wait_for_text(&el, ".cancel-note", "only before it is installed or used").await;
    assert_eq!(all(&el, ".open-cancel").len(), 0);
    click(&el, ".back").await;
    wait_for(&el, ".esims").await;
}

#[wasm_bindgen_test]
async fn the_storefront_settings_are_fetched_once_per_widget() {
    let el = open_used_esim().await;
    wait_for(&el, ".cancel-note").await;
    click(&el, ".back").await;
    click(&el, ".open-esim").await;
    wait_for(&el, ".cancel-note").await;
    let asked = requests()
        .iter()
        .filter(|r| r.ends_with("/v1/storefront"))
        .count();
    assert_eq!(asked, 1, "opened twice, asked once: {:?}", requests());
}

#[wasm_bindgen_test]
async fn a_provider_that_never_cancels_says_nothing_about_cancelling() {
    let mut never = storefront();
    never["body"]["features"]["cancel"] = json!(false);
    let el = open_one(
        with_actions(esim("a", "ready", 0, 1 << 30, None), true, false),
        json!({"/v1/storefront": never}),
    )
    .await;
    wait_for(&el, ".add-data").await;
    // Give the storefront's answer time to arrive: still nothing is said.
    sleep(300).await;
    assert!(requests().iter().any(|r| r.ends_with("/v1/storefront")));
    assert_eq!(all(&el, ".cancel-note").len(), 0);
    assert_eq!(all(&el, ".open-cancel").len(), 0);
}

#[wasm_bindgen_test]
async fn a_pending_esim_is_asked_about_again_until_it_is_ready() {
    storage().set_item(TOKEN_KEY, "gst_known").unwrap();
    fake_fetch(json!({"/v1/esims": [
        {"status": 200, "body": {"esims": [esim("p", "pending", 0, 1 << 30, None)]}},
        {"status": 200, "body": {"esims": [esim("p", "ready", 0, 1 << 30, None)]}}
    ]}));
    let el = mount_list();
    wait_for_text(&el, ".status", "Being prepared").await;
    // The list asks again every three seconds while an eSIM is pending.
    for _ in 0..250 {
        if all(&el, ".status") == ["Ready to install"] {
            let asked = requests()
                .iter()
                .filter(|r| r.ends_with("/v1/esims"))
                .count();
            assert_eq!(asked, 2, "asked once more, then stopped");
            sleep(3500).await;
            let asked = requests()
                .iter()
                .filter(|r| r.ends_with("/v1/esims"))
                .count();
            assert_eq!(asked, 2, "nothing pending, nothing asked");
            storage().remove_item(TOKEN_KEY).unwrap();
            return;
        }
        sleep(20).await;
    }
    panic!("the eSIM never showed ready");
}
