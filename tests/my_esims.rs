//! Component tests of "my eSIMs" in headless Chromium: empty, listed, error.
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
    fake_fetch(json!({"/v1/esims": {"status": 200, "body": {"esims": [
        esim("a", "active", 1 << 28, 1 << 30, Some(2 * 86_400 + 60)),
        esim("b", "ready", 0, 1 << 30, None)
    ]}}}));
    let el = mount_list();
    wait_for(&el, ".esim").await;
    assert_eq!(all(&el, ".esim-title"), ["Japan a", "Japan b"]);
    assert_eq!(all(&el, ".status"), ["Active", "Ready to install"]);
    assert_eq!(all(&el, ".esim-usage"), ["256 MB / 1 GB", "0 MB / 1 GB"]);
    assert_eq!(
        all(&el, ".esim-time"),
        ["3 days left", "Starts when first used · 7 days"]
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
