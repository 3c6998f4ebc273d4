//! Component tests of the package browser in headless Chromium: loading, data, empty and error
//! states. `fetch` answers from a table here; the end-to-end tests use the real proxy.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn shows_a_skeleton_while_loading() {
    fake_fetch(serde_json::json!({"/v1/destinations": {"hang": true}}));
    let el = host();
    mount_browser(&el, None);
    let skeleton = wait_for(&el, ".skeleton-list").await;
    assert_eq!(skeleton.get_attribute("aria-busy").as_deref(), Some("true"));
    assert_eq!(all(&el, ".visually-hidden"), ["Loading…"]);
}

#[wasm_bindgen_test]
async fn lists_plans_with_formatted_data_prices_and_badges() {
    fake_fetch(serde_json::json!({
        "/v1/destinations": destinations(),
        "/v1/packages": {"status": 200, "body": {"currency": "USD", "packages": [
            package("JP-5GB-30D", serde_json::json!(5368709120u64), 30, 2399, "Fast."),
            package("JP-UNL-7D", serde_json::json!("unlimited"), 7, 3599, "Fair use.")
        ]}}
    }));
    let el = host();
    mount_browser(&el, Some("JP"));
    wait_for(&el, ".plan-card").await;
    assert_eq!(all(&el, ".plan-data"), ["5 GB", "Unlimited"]);
    assert_eq!(all(&el, ".plan-validity"), ["30 days", "7 days"]);
    assert_eq!(all(&el, ".plan-price"), ["$23.99", "$35.99"]);
    assert_eq!(all(&el, ".plan-per-gb"), ["$4.80 per GB", ""]);
    assert_eq!(all(&el, ".badge.network"), ["5G", "5G"]);
    assert!(all(&el, ".plans-header h3")[0].contains("Japan"));
}

#[wasm_bindgen_test]
async fn says_so_when_no_plan_matches() {
    fake_fetch(serde_json::json!({
        "/v1/destinations": destinations(),
        "/v1/packages": {"status": 200, "body": {"currency": "USD", "packages": []}}
    }));
    let el = host();
    mount_browser(&el, Some("CI"));
    let empty = wait_for(&el, ".empty").await;
    assert_eq!(
        empty.text_content().unwrap(),
        "No plan matches these filters."
    );
}

#[wasm_bindgen_test]
async fn an_error_is_explained_from_its_code_and_a_retry_works() {
    fake_fetch(
        serde_json::json!({"/v1/destinations": {"status": 502, "body": {"error": {
        "code": "provider_unavailable", "message": "Our eSIM supplier is unavailable right now."}}}}),
    );
    let el = host();
    mount_browser(&el, None);
    let error = wait_for(&el, ".error-box").await;
    assert_eq!(error.get_attribute("role").as_deref(), Some("alert"));
    assert!(error
        .text_content()
        .unwrap()
        .contains("Our eSIM supplier is unavailable right now."));

    fake_fetch(serde_json::json!({"/v1/destinations": destinations()}));
    let retry: HtmlElement = wait_for(&el, ".error-box button").await.dyn_into().unwrap();
    retry.click();
    wait_for(&el, ".destination-button").await;
    assert!(all(&el, ".destination-name").contains(&"Japan".to_owned()));
}

#[wasm_bindgen_test]
async fn provider_text_with_markup_is_shown_as_text() {
    fake_fetch(serde_json::json!({
        "/v1/destinations": destinations(),
        "/v1/packages": {"status": 200, "body": {"currency": "USD", "packages": [
            package("JP-5GB-30D", serde_json::json!(5368709120u64), 30, 2399, "<img src=x onerror=\"window.__pwned=1\"><b>Bold</b>")
        ]}}
    }));
    let el = host();
    mount_browser(&el, Some("JP"));
    let card: HtmlElement = wait_for(&el, ".plan-card").await.dyn_into().unwrap();
    card.click();
    let description = wait_for(&el, ".description").await;
    assert_eq!(
        description.text_content().unwrap(),
        "<img src=x onerror=\"window.__pwned=1\"><b>Bold</b>"
    );
    assert!(el
        .shadow_root()
        .unwrap()
        .query_selector(".description img, .description b")
        .unwrap()
        .is_none());
    sleep(50).await;
    let pwned = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__pwned".into()).unwrap();
    assert!(pwned.is_undefined(), "the markup never ran");
}

/// Chooses `value` in the select matching `selector` as a shopper would.
async fn select(el: &web_sys::HtmlElement, selector: &str, value: &str) {
    use wasm_bindgen::JsCast;
    let select: web_sys::HtmlSelectElement = wait_for(el, selector).await.dyn_into().unwrap();
    select.set_value(value);
    let event = web_sys::Event::new("change").unwrap();
    select.dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn data_days_and_price_filters_ask_the_proxy() {
    fake_fetch(serde_json::json!({
        "/v1/destinations": destinations(),
        "/v1/packages": {"status": 200, "body": {"currency": "USD", "packages": [
            package("JP-1GB-7D", serde_json::json!(1073741824u64), 7, 450, ""),
            package("JP-5GB-30D", serde_json::json!(5368709120u64), 30, 2399, ""),
            package("JP-10GB-30D", serde_json::json!(10737418240u64), 30, 3299, ""),
            package("JP-20GB-30D", serde_json::json!(21474836480u64), 30, 4599, "")
        ]}}
    }));
    let el = host();
    mount_browser(&el, Some("JP"));
    wait_for(&el, ".plan-card").await;
    wait_for(&el, ".filter-price option[value='2399']").await;
    assert_eq!(
        all(&el, ".filter-price option"),
        ["Any", "≤ $4.50", "≤ $23.99", "≤ $32.99", "≤ $45.99"]
    );
    assert_eq!(all(&el, ".filter-data option")[3], "5 GB+");
    select(&el, ".filter-data", "5").await;
    select(&el, ".filter-days", "15").await;
    select(&el, ".filter-price", "3299").await;
    sleep(50).await;
    let last = requests()
        .into_iter()
        .rev()
        .find(|r| r.contains("/v1/packages"))
        .unwrap();
    assert!(last.contains("&min_data=5GB"), "{last}");
    assert!(last.contains("&min_days=15"), "{last}");
    assert!(last.contains("&max_price=32.99"), "{last}");
}

#[wasm_bindgen_test]
async fn the_destination_tabs_follow_the_arrow_keys() {
    use wasm_bindgen::JsCast;
    fake_fetch(serde_json::json!({"/v1/destinations": destinations()}));
    let el = host();
    mount_browser(&el, None);
    let local: web_sys::HtmlElement = wait_for(&el, "#tab-country").await.dyn_into().unwrap();
    local.focus().unwrap();
    press(&local, "ArrowLeft");
    let global = wait_for(&el, "#tab-global[aria-selected='true']").await;
    let active = || el.shadow_root().unwrap().active_element().unwrap();
    assert!(active() == global, "wraps to the last tab");
    press(&local, "Home");
    wait_for(&el, "#tab-country[aria-selected='true']").await;
    press(&local, "ArrowRight");
    let regional = wait_for(&el, "#tab-region[aria-selected='true']").await;
    assert!(active() == regional);
    assert_eq!(regional.get_attribute("tabindex").as_deref(), Some("0"));
    assert_eq!(local.get_attribute("tabindex").as_deref(), Some("-1"));
}

#[wasm_bindgen_test]
async fn keys_typed_into_the_search_do_not_reach_the_pages_shortcuts() {
    fake_fetch(serde_json::json!({"/v1/destinations": destinations()}));
    let el = host();
    mount_browser(&el, None);
    let input: HtmlElement = wait_for(&el, "#destination-search")
        .await
        .dyn_into()
        .unwrap();
    // A page shortcut, as many sites have: "/" focuses the site's own search.
    let seen = std::rc::Rc::new(std::cell::Cell::new(0));
    let counter = seen.clone();
    let shortcut =
        wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || counter.set(counter.get() + 1));
    let document = web_sys::window().unwrap().document().unwrap();
    document
        .add_event_listener_with_callback("keydown", shortcut.as_ref().unchecked_ref())
        .unwrap();
    let key = |target: &web_sys::EventTarget| {
        let init = web_sys::KeyboardEventInit::new();
        init.set_key("/");
        init.set_bubbles(true);
        init.set_composed(true);
        let event =
            web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
        target.dispatch_event(&event).unwrap();
    };
    key(&input);
    assert_eq!(
        seen.get(),
        0,
        "a key typed into the widget's field stays in the widget"
    );
    // Keys elsewhere in the widget (its buttons, say) still reach the page.
    let button = wait_for(&el, ".destination-button").await;
    key(&button);
    assert_eq!(seen.get(), 1);
    document
        .remove_event_listener_with_callback("keydown", shortcut.as_ref().unchecked_ref())
        .unwrap();
}
