//! Helpers of the widget's component tests: a fake `fetch`, fresh host elements, waiting.
#![allow(dead_code)]

use esim_storefront::mount;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlElement};

/// Makes `fetch` answer each URL containing a key of `routes` with that route's
/// `{status, body}`, or never (`{hang: true}`). The longest matching key wins; a key may start
/// with a method ("POST /v1/esims/a/cancel"). A route whose value is a list answers with its
/// items in turn, staying on the last. Requests are recorded in `window.__requests`.
pub fn fake_fetch(routes: serde_json::Value) {
    let install = js_sys::Function::new_with_args(
        "routes",
        "window.__keys = [];
        window.__requests = [];
        window.fetch = async (input) => {
            const url = typeof input === 'string' ? input : input.url;
            const method = typeof input === 'string' ? 'GET' : input.method;
            if (typeof input !== 'string' && input.headers.get('Idempotency-Key')) {
                window.__keys.push(input.headers.get('Idempotency-Key'));
            }
            window.__requests.push(method + ' ' + url);
            const routes = Object.entries(window.__routes).sort((a, b) => b[0].length - a[0].length);
            for (const [key, route] of routes) {
                const [m, part] = key.includes(' ') ? key.split(' ') : [null, key];
                if ((m === null || m === method) && url.includes(part)) {
                    const answer = Array.isArray(route) ? (route.length > 1 ? route.shift() : route[0]) : route;
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

pub fn host() -> HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let el: HtmlElement = document.create_element("div").unwrap().dyn_into().unwrap();
    document.body().unwrap().append_child(&el).unwrap();
    el
}

pub fn mount_browser(el: &HtmlElement, destination: Option<&str>) {
    let options = match destination {
        Some(d) => format!(r#"{{"locale":"en","destination":"{d}"}}"#),
        None => r#"{"locale":"en"}"#.to_owned(),
    };
    mount(el.clone(), js_sys::JSON::parse(&options).unwrap()).unwrap();
}

pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits up to two seconds for `selector` in the widget's shadow root.
pub async fn wait_for(el: &HtmlElement, selector: &str) -> Element {
    for _ in 0..100 {
        // Custom elements mount in a microtask: the shadow root may not exist yet.
        let root = el.shadow_root();
        if let Some(found) = root.and_then(|r| r.query_selector(selector).unwrap()) {
            return found;
        }
        sleep(20).await;
    }
    panic!("{selector} never appeared");
}

/// Waits up to two seconds for `selector` among the host's light-DOM children (what the widget
/// puts outside its shadow root: Stripe's card field).
pub async fn wait_for_light(el: &HtmlElement, selector: &str) -> Element {
    for _ in 0..100 {
        if let Some(found) = el.query_selector(selector).unwrap() {
            return found;
        }
        sleep(20).await;
    }
    panic!("{selector} never appeared in the light DOM");
}

pub fn all(el: &HtmlElement, selector: &str) -> Vec<String> {
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

pub fn destinations() -> serde_json::Value {
    serde_json::json!({"status": 200, "body": {"destinations": [
        {"destination": {"code": "JP", "name": "Japan", "kind": "country"}, "package_count": 2,
         "from_price": {"minor": 499, "currency": "USD"}},
        {"destination": {"code": "CI", "name": "Côte d'Ivoire", "kind": "country"}, "package_count": 0, "from_price": null},
        {"destination": {"code": "europe", "name": "Europe", "kind": "region"}, "package_count": 9,
         "from_price": {"minor": 599, "currency": "USD"}}
    ]}})
}

pub fn package(
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

/// The `/v1/storefront` route of a sandbox storefront selling in dollars and euros.
pub fn storefront() -> serde_json::Value {
    serde_json::json!({"status": 200, "body": {"name": "Test", "currencies": ["USD", "EUR"], "default_currency": "USD",
        "locales": ["en"], "features": {"top_up": true, "cancel": true, "usage": true, "currencies": true},
        "checkout": "sandbox", "test_mode": true}})
}

/// Returns the Idempotency-Key headers sent since `fake_fetch` was installed.
pub fn idempotency_keys() -> Vec<String> {
    let keys = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__keys".into()).unwrap();
    js_sys::Array::from(&keys)
        .iter()
        .filter_map(|k| k.as_string())
        .collect()
}

/// Clicks the first element matching `selector` in the widget.
pub async fn click(el: &HtmlElement, selector: &str) {
    let target: HtmlElement = wait_for(el, selector).await.dyn_into().unwrap();
    target.click();
}

/// Returns the requests the fake `fetch` saw, as "METHOD url".
pub fn requests() -> Vec<String> {
    let list = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__requests".into()).unwrap();
    js_sys::Array::from(&list)
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}

/// Waits up to two seconds for `selector` to hold text containing `text`.
pub async fn wait_for_text(el: &HtmlElement, selector: &str, text: &str) -> Element {
    for _ in 0..100 {
        let root = el.shadow_root();
        if let Some(found) = root.and_then(|r| r.query_selector(selector).unwrap()) {
            if found.text_content().unwrap_or_default().contains(text) {
                return found;
            }
        }
        sleep(20).await;
    }
    panic!("{selector} never said {text:?}");
}

/// Sends a bubbling keydown of `key` to `target`, as a keyboard would.
pub fn press(target: &HtmlElement, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&event).unwrap();
}
