//! Component tests of the package browser in headless Chromium: loading, data, empty and error
//! states. `fetch` answers from a table here; the end-to-end tests use the real proxy.
#![cfg(target_arch = "wasm32")]

use esim_storefront::mount;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Makes `fetch` answer each URL containing a key of `routes` with that route's
/// `{status, body}`, or never (`{hang: true}`).
fn fake_fetch(routes: serde_json::Value) {
    let install = js_sys::Function::new_with_args(
        "routes",
        "window.fetch = async (input) => {
            const url = typeof input === 'string' ? input : input.url;
            for (const [part, answer] of Object.entries(window.__routes)) {
                if (url.includes(part)) {
                    if (answer.hang) return new Promise(() => {});
                    return new Response(JSON.stringify(answer.body), {
                        status: answer.status, headers: { 'content-type': 'application/json' } });
                }
            }
            return new Response('{}', { status: 404 });
        };
        window.__routes = routes;",
    );
    let routes = js_sys::JSON::parse(&routes.to_string()).unwrap();
    install.call1(&JsValue::NULL, &routes).unwrap();
}

fn host() -> HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let el: HtmlElement = document.create_element("div").unwrap().dyn_into().unwrap();
    document.body().unwrap().append_child(&el).unwrap();
    el
}

fn mount_browser(el: &HtmlElement, destination: Option<&str>) {
    let options = match destination {
        Some(d) => format!(r#"{{"locale":"en","destination":"{d}"}}"#),
        None => r#"{"locale":"en"}"#.to_owned(),
    };
    mount(el.clone(), js_sys::JSON::parse(&options).unwrap()).unwrap();
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits up to two seconds for `selector` in the widget's shadow root.
async fn wait_for(el: &HtmlElement, selector: &str) -> Element {
    for _ in 0..100 {
        if let Some(found) = el.shadow_root().unwrap().query_selector(selector).unwrap() {
            return found;
        }
        sleep(20).await;
    }
    panic!("{selector} never appeared");
}

fn all(el: &HtmlElement, selector: &str) -> Vec<String> {
    let list = el
        .shadow_root()
        .unwrap()
        .query_selector_all(selector)
        .unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.text_content().unwrap_or_default())
        .collect()
}

fn destinations() -> serde_json::Value {
    serde_json::json!({"status": 200, "body": {"destinations": [
        {"destination": {"code": "JP", "name": "Japan", "kind": "country"}, "package_count": 2,
         "from_price": {"minor": 499, "currency": "USD"}},
        {"destination": {"code": "CI", "name": "Côte d'Ivoire", "kind": "country"}, "package_count": 0, "from_price": null},
        {"destination": {"code": "europe", "name": "Europe", "kind": "region"}, "package_count": 9,
         "from_price": {"minor": 599, "currency": "USD"}}
    ]}})
}

fn package(
    code: &str,
    data: serde_json::Value,
    days: u32,
    cents: i64,
    description: &str,
) -> serde_json::Value {
    serde_json::json!({"code": code, "title": code, "destination": "JP", "kind": "country", "countries": ["JP"],
        "data": data, "validity": {"amount": days, "unit": "day"}, "price": {"minor": cents, "currency": "USD"},
        "networks": [{"country": "JP", "operator": "NTT Docomo", "types": ["4G", "5G"]}],
        "top_up": true, "description": description})
}

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
async fn an_error_shows_the_proxys_message_and_a_retry_that_works() {
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
