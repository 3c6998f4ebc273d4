//! The custom elements in headless Chromium: attributes become options, changing one mounts
//! again, removing the element unmounts it, a wrong attribute is reported, and the store's tabs
//! follow the keyboard.
#![cfg(target_arch = "wasm32")]

mod support;

use esim_storefront::define_elements;
use serde_json::json;
use support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

/// Creates `<tag>` with `attributes` in the page, the elements being defined.
fn element(tag: &str, attributes: &[(&str, &str)]) -> HtmlElement {
    define_elements(JsValue::UNDEFINED);
    let document = web_sys::window().unwrap().document().unwrap();
    let el: HtmlElement = document.create_element(tag).unwrap().dyn_into().unwrap();
    for (name, value) in attributes {
        el.set_attribute(name, value).unwrap();
    }
    document.body().unwrap().append_child(&el).unwrap();
    el
}

fn no_esims() {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .remove_item("esim-storefront:v1:guest-token:")
        .unwrap();
}

#[wasm_bindgen_test]
fn defining_twice_defines_nothing_new() {
    define_elements(JsValue::UNDEFINED);
    assert_eq!(define_elements(JsValue::UNDEFINED), 0);
    let registry = web_sys::window().unwrap().custom_elements();
    for tag in [
        "esim-store",
        "esim-packages",
        "esim-checkout",
        "esim-my-esims",
    ] {
        assert!(!registry.get(tag).is_undefined(), "{tag} is defined");
    }
}

#[wasm_bindgen_test]
async fn attributes_configure_the_widget_and_a_change_mounts_it_again() {
    no_esims();
    let el = element("esim-my-esims", &[("locale", "fr")]);
    wait_for_text(&el, "h3", "Mes eSIM").await;
    el.set_attribute("locale", "es").unwrap();
    wait_for_text(&el, "h3", "Mis eSIM").await;
    assert_eq!(all(&el, "h3").len(), 1, "one widget, not two");
}

#[wasm_bindgen_test]
async fn removing_the_element_unmounts_its_widget() {
    no_esims();
    let el = element("esim-my-esims", &[("locale", "en")]);
    wait_for(&el, ".my-esims").await;
    el.remove();
    sleep(20).await;
    assert_eq!(el.shadow_root().unwrap().child_element_count(), 0);
}

#[wasm_bindgen_test]
async fn moving_the_element_keeps_its_state() {
    no_esims();
    let el = element("esim-my-esims", &[("locale", "en")]);
    let first = wait_for(&el, ".my-esims").await;
    let body = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .body()
        .unwrap();
    body.append_child(&el).unwrap();
    sleep(20).await;
    let again = wait_for(&el, ".my-esims").await;
    assert!(first == again, "the same widget, not a new one");
}

#[wasm_bindgen_test]
async fn a_missing_attribute_is_reported_to_the_page() {
    let el = element("esim-checkout", &[]);
    // The element reports in a microtask after it is connected: listen on the document.
    let seen = js_sys::Function::new_no_args(
        "window.__mountError = null;
         document.addEventListener('esim:error', (e) => { window.__mountError = e.detail; }, { once: true });",
    );
    seen.call0(&wasm_bindgen::JsValue::NULL).unwrap();
    el.set_attribute("locale", "en").unwrap();
    sleep(50).await;
    let detail = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__mountError".into()).unwrap();
    let code = js_sys::Reflect::get(&detail, &"code".into()).unwrap();
    let message = js_sys::Reflect::get(&detail, &"message".into()).unwrap();
    assert_eq!(code.as_string().as_deref(), Some("invalid_attributes"));
    assert!(message.as_string().unwrap().contains("needs package"));
    assert_eq!(
        el.shadow_root()
            .map(|s| s.child_element_count())
            .unwrap_or(0),
        0
    );
}

#[wasm_bindgen_test]
async fn the_checkout_element_loads_its_plan_by_code() {
    fake_fetch(json!({
        "/v1/packages/JP-1GB-7D": {"status": 200, "body": package("JP-1GB-7D", json!(1u64 << 30), 7, 450, "")},
        "/v1/storefront": storefront(),
        "/v1/quotes": {"status": 200, "body": {"package_code": "JP-1GB-7D", "quantity": 1,
            "unit_price": {"minor": 450, "currency": "USD"}, "total": {"minor": 450, "currency": "USD"}}}
    }));
    let el = element(
        "esim-checkout",
        &[("package", "JP-1GB-7D"), ("locale", "en")],
    );
    wait_for(&el, ".checkout-form").await;
    assert!(requests()
        .iter()
        .any(|r| r.starts_with("GET ") && r.contains("/v1/packages/JP-1GB-7D")));
}

#[wasm_bindgen_test]
async fn the_store_tabs_follow_the_arrow_keys() {
    no_esims();
    fake_fetch(json!({"/v1/destinations": {"hang": true}, "/v1/storefront": {"hang": true}}));
    let el = element("esim-store", &[("locale", "en")]);
    let shop_tab: HtmlElement = wait_for(&el, "#tab-shop").await.dyn_into().unwrap();
    assert_eq!(
        shop_tab.get_attribute("aria-selected").as_deref(),
        Some("true")
    );
    shop_tab.focus().unwrap();
    press(&shop_tab, "ArrowRight");
    let esims_tab = wait_for(&el, "#tab-esims[aria-selected='true']").await;
    let active = el.shadow_root().unwrap().active_element().unwrap();
    assert!(active == esims_tab, "focus follows the selected tab");
    assert_eq!(esims_tab.get_attribute("tabindex").as_deref(), Some("0"));
    assert_eq!(shop_tab.get_attribute("tabindex").as_deref(), Some("-1"));
    // With no eSIMs, the empty state leads back to the plans.
    click(&el, ".my-esims .button").await;
    wait_for(&el, "#tab-shop[aria-selected='true']").await;
    let active = el.shadow_root().unwrap().active_element().unwrap();
    assert!(active == *shop_tab, "focus goes to the plans' tab");
}

#[wasm_bindgen_test]
async fn an_empty_standalone_my_esims_asks_the_page_for_plans() {
    no_esims();
    let el = element("esim-my-esims", &[("locale", "en")]);
    let heard = js_sys::Function::new_with_args(
        "el",
        "window.__browse = 0; el.addEventListener('esim:browse', () => { window.__browse += 1; });",
    );
    heard.call1(&wasm_bindgen::JsValue::NULL, &el).unwrap();
    click(&el, ".find-plan").await;
    let count = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__browse".into()).unwrap();
    assert_eq!(count.as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
async fn every_attribute_is_also_a_property_and_the_loaders_defaults_fill_the_rest() {
    no_esims();
    // As the loader passes its script's data-* attributes (first given wins).
    define_elements(js_sys::JSON::parse(r#"{"theme": "auto", "colour": "ignored"}"#).unwrap());
    let el = element("esim-my-esims", &[]);
    wait_for(&el, ".my-esims").await;
    assert_eq!(
        el.get_attribute("data-esim-theme").as_deref(),
        Some("auto"),
        "the default theme"
    );

    js_sys::Reflect::set(&el, &"theme".into(), &"dark".into()).unwrap();
    js_sys::Reflect::set(&el, &"customerToken".into(), &"cus_123".into()).unwrap();
    assert_eq!(el.get_attribute("theme").as_deref(), Some("dark"));
    assert_eq!(
        el.get_attribute("customer-token").as_deref(),
        Some("cus_123")
    );
    assert_eq!(
        js_sys::Reflect::get(&el, &"customerToken".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("cus_123")
    );
    for _ in 0..100 {
        if el.get_attribute("data-esim-theme").as_deref() == Some("dark") {
            break;
        }
        sleep(10).await;
    }
    assert_eq!(
        el.get_attribute("data-esim-theme").as_deref(),
        Some("dark"),
        "a property change shows"
    );
    js_sys::Reflect::set(&el, &"customerToken".into(), &JsValue::NULL).unwrap();
    assert!(
        !el.has_attribute("customer-token"),
        "null removes the attribute"
    );
    el.remove();
}

#[wasm_bindgen_test]
async fn a_wrong_theme_is_reported_like_any_wrong_attribute() {
    no_esims();
    let seen = js_sys::Function::new_no_args(
        "window.__themeError = null;
         document.addEventListener('esim:error', (e) => { window.__themeError = e.detail; }, { once: true });",
    );
    seen.call0(&JsValue::NULL).unwrap();
    let el = element("esim-my-esims", &[("theme", "purple")]);
    sleep(50).await;
    let detail = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__themeError".into()).unwrap();
    let code = js_sys::Reflect::get(&detail, &"code".into()).unwrap();
    let message = js_sys::Reflect::get(&detail, &"message".into()).unwrap();
    assert_eq!(code.as_string().as_deref(), Some("invalid_attributes"));
    assert!(message.as_string().unwrap().contains("theme must be"));
    assert!(
        el.shadow_root()
            .is_none_or(|s| s.query_selector(".my-esims").unwrap().is_none()),
        "nothing half-configured is shown"
    );
    el.remove();
}
