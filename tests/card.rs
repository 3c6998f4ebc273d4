//! Component tests of the card checkout in headless Chromium, against a stand-in for Stripe.js
//! defined in the page (as `window.Stripe`, which the widget uses when the page has it): the
//! card field in the light DOM through the checkout's slot, the card set up then paid on the
//! same order, a decline shown with "not charged" and another card tried on the same order,
//! the bank's check when the proxy asks for it. (The real Stripe.js stand-in, localstripe, is
//! driven end to end in `tests/e2e-cards/`.)
#![cfg(target_arch = "wasm32")]

mod support;

use serde_json::json;
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlInputElement;

wasm_bindgen_test_configure!(run_in_browser);

/// Defines `window.Stripe`: it records its calls in `window.__stripe`, mounts an `<input>` as
/// its card field, and answers `confirmCardSetup` with the items of `window.__setups` in turn.
fn fake_stripe_js(setups: serde_json::Value) {
    let install = js_sys::Function::new_with_args(
        "setups",
        "window.__stripe = [];
        window.__setups = setups;
        window.Stripe = (key) => {
            __stripe.push('Stripe ' + key);
            return {
                elements: () => ({ create: (type, options) => {
                    __stripe.push('create ' + type + ' ' + JSON.stringify(options.style.base.color !== undefined));
                    return {
                        mount: (el) => { __stripe.push('mount ' + el.getAttribute('slot')); const i = document.createElement('input'); i.className = 'fake-card'; el.appendChild(i); },
                        destroy: () => __stripe.push('destroy'),
                    };
                } }),
                confirmCardSetup: async (secret, data) => {
                    __stripe.push('setup ' + secret + ' ' + (data.payment_method.card ? 'card' : 'none'));
                    return __setups.length > 1 ? __setups.shift() : __setups[0];
                },
                confirmCardPayment: async (secret) => { __stripe.push('authenticate ' + secret); return { paymentIntent: { status: 'requires_capture' } }; },
            };
        };",
    );
    let setups = js_sys::JSON::parse(&setups.to_string()).unwrap();
    install
        .call1(&wasm_bindgen::JsValue::NULL, &setups)
        .unwrap();
}

fn stripe_calls() -> Vec<String> {
    let calls = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__stripe".into()).unwrap();
    js_sys::Array::from(&calls)
        .iter()
        .filter_map(|c| c.as_string())
        .collect()
}

fn card_storefront() -> serde_json::Value {
    json!({"status": 200, "body": {"name": "Test", "currencies": ["USD"], "default_currency": "USD",
        "locales": ["en"], "features": {"top_up": false, "cancel": false, "usage": true, "currencies": false},
        "checkout": "stripe", "test_mode": false,
        "payment": {"kind": "stripe", "publishable_key": "pk_test_card", "js_url": "https://stand-in.invalid/v3/"}}})
}

fn order(state: &str, payment: serde_json::Value) -> serde_json::Value {
    json!({"id": "ord_1", "state": state, "package_code": "JP-5GB-30D", "quantity": 1,
        "total": {"minor": 2399, "currency": "USD"}, "created_at": 1, "test": false,
        "guest_token": "gst_card", "esims": [], "payment": payment})
}

fn awaiting(setup: &str) -> serde_json::Value {
    order(
        "awaiting_payment",
        json!({"state": "requires_card", "client_secret": "pi_1_secret_x", "setup_secret": setup}),
    )
}

fn routes(orders: serde_json::Value, payments: serde_json::Value) -> serde_json::Value {
    json!({
        "/v1/destinations": destinations(),
        "/v1/packages": {"status": 200, "body": {"currency": "USD", "packages": [
            package("JP-5GB-30D", json!(5368709120u64), 30, 2399, "Fast.")
        ]}},
        "/v1/storefront": card_storefront(),
        "/v1/quotes": {"status": 200, "body": {"package_code": "JP-5GB-30D", "quantity": 1,
            "unit_price": {"minor": 2399, "currency": "USD"}, "total": {"minor": 2399, "currency": "USD"}}},
        "POST /v1/orders": orders,
        "/v1/orders/ord_1/payment": payments,
        "GET /v1/orders/ord_1": {"status": 200, "body": order("pending", json!({"state": "authorized"}))},
    })
}

async fn open_card_checkout(routes: serde_json::Value) -> web_sys::HtmlElement {
    fake_fetch(routes);
    let el = host();
    mount_browser(&el, Some("JP"));
    click(&el, ".plan-card").await;
    click(&el, ".details .button").await;
    wait_for(&el, ".checkout-form .card-box").await;
    wait_for_light(&el, "[slot=esim-card] .fake-card").await;
    let email: HtmlInputElement = wait_for(&el, "input[type=email]").await.dyn_into().unwrap();
    email.set_value("ana@example.com");
    email
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    click(&el, ".terms input").await;
    el
}

#[wasm_bindgen_test]
async fn the_card_field_is_in_the_light_dom_and_a_good_card_pays_the_order() {
    fake_stripe_js(json!([{"setupIntent": {"payment_method": "pm_good"}}]));
    let el = open_card_checkout(routes(
        json!({"status": 201, "body": awaiting("seti_1_secret_a")}),
        json!({"status": 202, "body": order("pending", json!({"state": "authorized"}))}),
    ))
    .await;
    // In the host's light DOM, assigned to the checkout's named slot.
    let holder = el
        .query_selector("[slot=esim-card]")
        .unwrap()
        .expect("a light-DOM child");
    let parent: web_sys::Element = el.clone().into();
    assert_eq!(holder.parent_element().unwrap(), parent);
    let slot = holder
        .assigned_slot()
        .expect("the card field shows through a slot");
    assert_eq!(slot.get_attribute("name").as_deref(), Some("esim-card"));
    assert!(
        el.shadow_root().unwrap().contains(Some(&slot)),
        "the checkout's slot, in the widget's shadow root"
    );
    assert_eq!(all(&el, ".checkout-form button[type=submit]"), ["Pay"]);

    click(&el, ".checkout-form button[type=submit]").await;
    wait_for_text(&el, "[role=status]", "Preparing your eSIM").await;
    let calls = stripe_calls();
    assert_eq!(calls[0], "Stripe pk_test_card");
    assert_eq!(calls[1], "create card true", "themed");
    assert_eq!(calls[2], "mount esim-card");
    assert!(
        calls.contains(&"setup seti_1_secret_a card".to_owned()),
        "{calls:?}"
    );
    assert!(
        requests()
            .iter()
            .any(|r| r.starts_with("POST") && r.ends_with("/v1/orders/ord_1/payment")),
        "{:?}",
        requests()
    );
}

#[wasm_bindgen_test]
async fn a_declined_card_says_not_charged_and_another_card_pays_the_same_order() {
    fake_stripe_js(json!([
        {"error": {"type": "card_error", "code": "card_declined", "message": "Your card was declined."}},
        {"setupIntent": {"payment_method": "pm_good"}}
    ]));
    let mut shop = routes(
        json!({"status": 201, "body": awaiting("seti_1_secret_a")}),
        json!({"status": 202, "body": order("pending", json!({"state": "authorized"}))}),
    );
    // Read again for the next card: a new SetupIntent, the same order.
    shop["GET /v1/orders/ord_1"] = json!({"status": 200, "body": awaiting("seti_1_secret_b")});
    let el = open_card_checkout(shop).await;
    click(&el, ".checkout-form button[type=submit]").await;
    let error = wait_for(&el, ".checkout-form .error-box").await;
    let text = error.text_content().unwrap();
    assert!(text.contains("Your card was declined"), "{text}");
    assert!(text.contains("You have not been charged"), "{text}");
    assert!(
        !requests().iter().any(|r| r.ends_with("/payment")),
        "nothing paid"
    );

    click(&el, ".checkout-form button[type=submit]").await;
    wait_for_text(&el, "[role=status]", "Preparing your eSIM").await;
    assert_eq!(
        idempotency_keys().len(),
        1,
        "one order placed: {:?}",
        requests()
    );
    let orders = requests()
        .iter()
        .filter(|r| r.starts_with("POST") && r.ends_with("/v1/orders"))
        .count();
    assert_eq!(orders, 1, "never a second order");
    let setups: Vec<String> = stripe_calls()
        .into_iter()
        .filter(|c| c.starts_with("setup "))
        .collect();
    assert_eq!(
        setups,
        ["setup seti_1_secret_a card", "setup seti_1_secret_b card"]
    );
}

#[wasm_bindgen_test]
async fn the_bank_check_is_completed_when_the_proxy_asks_for_it() {
    fake_stripe_js(json!([{"setupIntent": {"payment_method": "pm_3ds"}}]));
    let asked = order(
        "awaiting_payment",
        json!({"state": "requires_action", "client_secret": "pi_1_secret_3ds"}),
    );
    let el = open_card_checkout(routes(
        json!({"status": 201, "body": awaiting("seti_1_secret_a")}),
        json!([
            {"status": 201, "body": asked},
            {"status": 202, "body": order("pending", json!({"state": "authorized"}))}
        ]),
    ))
    .await;
    click(&el, ".checkout-form button[type=submit]").await;
    wait_for_text(&el, "[role=status]", "Preparing your eSIM").await;
    assert!(
        stripe_calls().contains(&"authenticate pi_1_secret_3ds".to_owned()),
        "{:?}",
        stripe_calls()
    );
    let paid = requests()
        .iter()
        .filter(|r| r.ends_with("/v1/orders/ord_1/payment"))
        .count();
    assert_eq!(
        paid, 2,
        "paid with the card, then again after the bank's check"
    );
}

#[wasm_bindgen_test]
async fn a_purchase_refused_after_payment_says_not_charged() {
    fake_stripe_js(json!([{"setupIntent": {"payment_method": "pm_good"}}]));
    let refused = json!({"status": 503, "body": {"error": {"code": "insufficient_balance",
        "message": "The shop cannot take orders."}}});
    let el = open_card_checkout(routes(
        json!({"status": 201, "body": awaiting("seti_1_secret_a")}),
        refused,
    ))
    .await;
    click(&el, ".checkout-form button[type=submit]").await;
    let text = wait_for(&el, ".checkout-form .error-box")
        .await
        .text_content()
        .unwrap();
    assert!(text.contains("cannot take orders"), "{text}");
    assert!(text.contains("You have not been charged"), "{text}");
}

/// An eSIM of the shopper's, `total` bytes, listing `plans` in its history.
fn my_esim(total: u64, plans: usize) -> serde_json::Value {
    let plan = json!({"package_code": "JP-1GB-7D", "title": "Japan 1GB", "data": 1u64 << 30,
        "validity": {"amount": 7, "unit": "day"}, "added_at": 1_790_000_000, "top_up": false});
    let mut history = vec![plan.clone(); plans];
    if plans > 1 {
        history[1]["top_up"] = json!(true);
    }
    json!({"id": "esim_a", "iccid": "8988247000000000017", "order_id": "ord_0", "package_code": "JP-1GB-7D",
        "title": "Japan 1GB", "destination": "JP",
        "status": {"lifecycle": "active", "profile": "installed", "raw": "X"},
        "usage": {"total": total, "used": 0, "remaining": total, "updated_at": 1},
        "validity": {"amount": 7, "unit": "day"}, "expires_at": null,
        "actions": {"install": false, "top_up": true, "cancel": false}, "install": null,
        "history": history, "test": false})
}

fn top_up_order(
    state: &str,
    payment: serde_json::Value,
    esims: serde_json::Value,
) -> serde_json::Value {
    json!({"id": "ord_t", "state": state, "package_code": "TOPUP-JP-1GB-7D", "quantity": 1,
        "total": {"minor": 699, "currency": "USD"}, "created_at": 1, "test": false,
        "esims": esims, "payment": payment, "top_up_of": "esim_a"})
}

fn top_up_awaiting(setup: &str) -> serde_json::Value {
    top_up_order(
        "awaiting_payment",
        json!({"state": "requires_card", "client_secret": "pi_t_secret_x", "setup_secret": setup}),
        json!([]),
    )
}

#[wasm_bindgen_test]
async fn a_top_up_in_a_card_shop_is_paid_on_its_own_order_and_a_declined_card_retries_it() {
    fake_stripe_js(json!([
        {"error": {"type": "card_error", "code": "card_declined", "message": "Your card was declined."}},
        {"setupIntent": {"payment_method": "pm_good"}}
    ]));
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .set_item("esim-storefront:v1:guest-token:", "gst_card")
        .unwrap();
    fake_fetch(json!({
        "/v1/storefront": card_storefront(),
        "/v1/esims": {"status": 200, "body": {"esims": [my_esim(1 << 30, 1)]}},
        "GET /v1/esims/esim_a/topups": {"status": 200, "body": {"currency": "USD", "packages": [
            package("TOPUP-JP-1GB-7D", json!(1u64 << 30), 7, 699, "")]}},
        "POST /v1/orders": {"status": 201, "body": top_up_awaiting("seti_t_secret_a")},
        // Read again for the next card, then followed once paid.
        "GET /v1/orders/ord_t": [
            {"status": 200, "body": top_up_awaiting("seti_t_secret_b")},
            {"status": 200, "body": top_up_order("completed", json!({"state": "captured"}), json!([my_esim(2 << 30, 2)]))}
        ],
        "/v1/orders/ord_t/payment": {"status": 202, "body": top_up_order("pending", json!({"state": "authorized"}), json!([]))},
    }));
    let el = host();
    esim_storefront::mount(
        el.clone(),
        js_sys::JSON::parse(r#"{"panel":"my-esims","locale":"en"}"#).unwrap(),
    )
    .unwrap();
    click(&el, ".open-esim").await;
    click(&el, ".add-data").await;
    click(&el, ".top-up-option").await;
    wait_for(&el, ".confirm .card-box").await;
    // The top-up's own card field, in the light DOM, through the confirmation's slot.
    let holder = wait_for_light(&el, "[slot=esim-top-up-card] .fake-card")
        .await
        .parent_element()
        .unwrap();
    let parent: web_sys::Element = el.clone().into();
    assert_eq!(holder.parent_element().unwrap(), parent);
    let slot = holder.assigned_slot().expect("shown through a slot");
    assert_eq!(
        slot.get_attribute("name").as_deref(),
        Some("esim-top-up-card")
    );
    assert_eq!(all(&el, ".confirm-top-up"), ["Pay"]);

    click(&el, ".confirm-top-up").await;
    let text = wait_for(&el, ".confirm .error")
        .await
        .text_content()
        .unwrap();
    assert!(text.contains("Your card was declined"), "{text}");
    assert!(text.contains("You have not been charged"), "{text}");
    assert!(
        !requests().iter().any(|r| r.ends_with("/payment")),
        "nothing paid"
    );

    click(&el, ".confirm-top-up").await;
    wait_for_text(&el, ".notice", "Top-up added.").await;
    assert_eq!(all(&el, ".history .badge"), ["Top-up"]);
    let orders = requests()
        .iter()
        .filter(|r| r.starts_with("POST") && r.ends_with("/v1/orders"))
        .count();
    assert_eq!(orders, 1, "one order for the top-up: {:?}", requests());
    assert!(
        !requests()
            .iter()
            .any(|r| r.starts_with("POST") && r.ends_with("/topups")),
        "never added without payment: {:?}",
        requests()
    );
    let setups: Vec<String> = stripe_calls()
        .into_iter()
        .filter(|c| c.starts_with("setup ") || c.starts_with("mount "))
        .collect();
    assert_eq!(
        setups,
        [
            "mount esim-top-up-card",
            "setup seti_t_secret_a card",
            "setup seti_t_secret_b card"
        ]
    );
    assert!(
        el.query_selector("[slot=esim-top-up-card]")
            .unwrap()
            .is_none(),
        "the card field goes with the confirmation"
    );
}
