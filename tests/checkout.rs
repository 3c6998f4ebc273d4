//! Component tests of the checkout in headless Chromium: the proxy's total, validation, a
//! failed order retried with the same idempotency key, and the finished order's install data.
#![cfg(target_arch = "wasm32")]

mod support;

use esim_storefront::mount;
use serde_json::json;
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlInputElement;

wasm_bindgen_test_configure!(run_in_browser);

fn shop_routes(order: serde_json::Value) -> serde_json::Value {
    json!({
        "/v1/destinations": destinations(),
        "/v1/packages": {"status": 200, "body": {"currency": "USD", "packages": [
            package("JP-5GB-30D", json!(5368709120u64), 30, 2399, "Fast.")
        ]}},
        "/v1/storefront": storefront(),
        "/v1/quotes": {"status": 200, "body": {"package_code": "JP-5GB-30D", "quantity": 1,
            "unit_price": {"minor": 2399, "currency": "USD"}, "total": {"minor": 2399, "currency": "USD"}}},
        "/v1/orders": order,
    })
}

fn completed_order() -> serde_json::Value {
    json!({"status": 201, "body": {"id": "ord_1", "state": "completed", "package_code": "JP-5GB-30D", "quantity": 1,
        "total": {"minor": 2399, "currency": "USD"}, "created_at": 1, "test": true, "guest_token": "gst_test_token",
        "esims": [{"id": "esim_1", "iccid": "8988247000000000017", "order_id": "ord_1", "package_code": "JP-5GB-30D",
            "title": "Japan 5GB", "destination": "JP",
            "status": {"lifecycle": "ready", "profile": "not_installed", "raw": "READY"},
            "usage": {"total": 5368709120u64, "used": 0, "remaining": 5368709120u64, "updated_at": 1},
            "validity": {"amount": 30, "unit": "day"}, "expires_at": null,
            "actions": {"install": true, "top_up": true, "cancel": true},
            "install": {"activation_code": "LPA:1$smdp.example.com$MATCH-1", "smdp_address": "smdp.example.com",
                "matching_id": "MATCH-1", "confirmation_required": false,
                "ios_link": "https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=LPA:1$smdp.example.com$MATCH-1",
                "android_link": "https://esimsetup.android.com/esim_qrcode_provisioning?carddata=LPA:1$smdp.example.com$MATCH-1",
                "apn": "travel"},
            "history": [], "test": true}]}})
}

/// Opens the checkout of Japan 5GB.
async fn open_checkout(routes: serde_json::Value) -> web_sys::HtmlElement {
    fake_fetch(routes);
    let el = host();
    mount_browser(&el, Some("JP"));
    click(&el, ".plan-card").await;
    click(&el, ".details .button").await;
    wait_for(&el, ".checkout-form").await;
    el
}

async fn fill_form(el: &web_sys::HtmlElement) {
    let email: HtmlInputElement = wait_for(el, "input[type=email]").await.dyn_into().unwrap();
    email.set_value("ana@example.com");
    email
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    click(el, ".terms input").await;
}

#[wasm_bindgen_test]
async fn shows_the_proxys_total_and_requires_email_and_terms() {
    let el = open_checkout(shop_routes(completed_order())).await;
    wait_for(&el, ".total").await;
    assert_eq!(all(&el, ".total"), ["$23.99"]);
    assert_eq!(all(&el, ".test-note").len(), 1, "a test shop says so");
    click(&el, ".checkout-form button[type=submit]").await;
    wait_for(&el, ".field-error").await;
    assert_eq!(
        all(&el, ".field-error"),
        [
            "Please enter a valid e-mail address.",
            "Please accept the terms to continue."
        ]
    );
    assert!(idempotency_keys().is_empty(), "nothing was ordered");
}

#[wasm_bindgen_test]
async fn the_currency_shown_is_the_shops_default_until_the_shopper_picks_one() {
    // No currency named on the element, and a shop whose default is not its first currency
    // (a browser selects the first option by itself): the select shows the default.
    let mut routes = shop_routes(completed_order());
    routes["/v1/storefront"]["body"]["default_currency"] = json!("EUR");
    let el = open_checkout(routes).await;
    wait_for(&el, ".total").await;
    let selects = el
        .shadow_root()
        .unwrap()
        .query_selector_all(".checkout-form select")
        .unwrap();
    // The quantity, then the currency.
    let currency: web_sys::HtmlSelectElement = selects.item(1).unwrap().dyn_into().unwrap();
    assert_eq!(currency.value(), "EUR");
    assert_eq!(currency.selected_index(), 1);
}

#[wasm_bindgen_test]
async fn a_failed_order_is_explained_and_retried_with_the_same_key() {
    let failure = json!({"status": 504, "body": {"error": {"code": "provider_timeout",
        "message": "Our eSIM supplier is taking too long to answer."}}});
    let el = open_checkout(shop_routes(failure)).await;
    fill_form(&el).await;
    // Submitted in the same task as the typing, as a fast shopper (or a password manager) does.
    click(&el, ".checkout-form button[type=submit]").await;
    let error = wait_for(&el, ".checkout-form .error-box").await;
    let text = error.text_content().unwrap();
    assert!(
        text.contains("Our eSIM supplier is taking too long to answer."),
        "{text}"
    );
    assert!(text.contains("not be charged twice"), "{text}");
    click(&el, ".checkout-form button[type=submit]").await;
    sleep(100).await;
    let keys = idempotency_keys();
    assert_eq!(keys.len(), 2);
    assert_eq!(
        keys[0], keys[1],
        "a retry of the same attempt reuses its key"
    );
}

#[wasm_bindgen_test]
async fn a_completed_order_shows_how_to_install_each_esim() {
    let el = open_checkout(shop_routes(completed_order())).await;
    fill_form(&el).await;
    click(&el, ".checkout-form button[type=submit]").await;
    wait_for(&el, ".ready").await;
    assert_eq!(all(&el, ".matching-id"), ["MATCH-1"]);
    assert_eq!(all(&el, ".smdp"), ["smdp.example.com"]);
    assert_eq!(all(&el, ".data"), ["5 GB"]);
    assert!(all(&el, ".apn")[0].contains("travel"));
    assert!(el
        .shadow_root()
        .unwrap()
        .query_selector("svg.qr path")
        .unwrap()
        .is_some());
    let stored = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    assert_eq!(
        stored
            .get_item("esim-storefront:v1:guest-token:")
            .unwrap()
            .as_deref(),
        Some("gst_test_token")
    );
}

/// Opens the checkout of Japan 5GB for a French shopper.
async fn open_checkout_in_french(routes: serde_json::Value) -> web_sys::HtmlElement {
    fake_fetch(routes);
    let el = host();
    mount(
        el.clone(),
        js_sys::JSON::parse(r#"{"locale":"fr","destination":"JP"}"#).unwrap(),
    )
    .unwrap();
    click(&el, ".plan-card").await;
    click(&el, ".details .button").await;
    wait_for(&el, ".checkout-form").await;
    el
}

async fn type_email(el: &web_sys::HtmlElement, address: &str) {
    let email: HtmlInputElement = wait_for(el, "input[type=email]").await.dyn_into().unwrap();
    email.set_value(address);
    email
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
}

#[wasm_bindgen_test]
async fn a_french_shopper_reads_french_errors_never_the_servers_english() {
    let server_says_balance = "This shop cannot take orders right now. Please try again later.";
    let server_says_email = "That e-mail address cannot receive a receipt.";
    let el = open_checkout_in_french(shop_routes(json!([
        {"status": 503, "body": {"error": {"code": "insufficient_balance", "message": server_says_balance}}},
        {"status": 400, "body": {"error": {"code": "invalid_email", "message": server_says_email}}}
    ])))
    .await;

    // A bad e-mail, caught before anything is sent.
    type_email(&el, "pas-une-adresse").await;
    click(&el, ".terms input").await;
    click(&el, ".checkout-form button[type=submit]").await;
    wait_for(&el, ".field-error").await;
    assert_eq!(
        all(&el, ".field-error"),
        ["Veuillez saisir une adresse e-mail valide."]
    );
    assert!(idempotency_keys().is_empty(), "nothing was ordered");

    // The merchant's balance cannot pay: the order fails, in French.
    type_email(&el, "ana@example.com").await;
    click(&el, ".checkout-form button[type=submit]").await;
    let text = wait_for(&el, ".checkout-form .error-box")
        .await
        .text_content()
        .unwrap();
    assert!(text.contains("Votre commande n’a pas abouti."), "{text}");
    assert!(
        text.contains("Cette boutique ne peut pas prendre de commandes pour le moment."),
        "{text}"
    );
    assert!(
        text.contains("Vous ne serez pas débité deux fois"),
        "{text}"
    );

    // The proxy refuses the address it was sent: French again.
    type_email(&el, "ana@example.org").await;
    click(&el, ".checkout-form button[type=submit]").await;
    let text = wait_for_text(&el, ".checkout-form .error-box", "adresse e-mail valide").await;
    assert!(
        text.text_content()
            .unwrap()
            .contains("Veuillez saisir une adresse e-mail valide."),
        "{:?}",
        text.text_content()
    );
    assert_eq!(idempotency_keys().len(), 2, "both orders were sent");

    let shown = el.shadow_root().unwrap().text_content().unwrap();
    for english in [
        server_says_balance,
        server_says_email,
        "Please",
        "Your order",
        "supplier",
    ] {
        assert!(
            !shown.contains(english),
            "English shown: {english:?} in {shown}"
        );
    }
}
