//! Card checkout (`checkout = "stripe"`) through the router, against localstripe over HTTP
//! (`cargo xtask test` starts it and sets `ESIM_LOCALSTRIPE_URL`): an order is bought only
//! once its payment is authorized, charged only once bought, released when the provider
//! refuses; a webhook's signature (computed here, independently) is checked before anything
//! is read, and each event acts once.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use esim_core::api::CheckoutMode;
use esim_providers::sandbox::{Fault, SandboxConfig};
use esim_providers::Secret;
use esim_proxy::config::StripeConfig;
use esim_proxy::payments::stripe::{IntentStatus, Stripe};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const KEY: &str = "sk_test_esim_storefront_cards";
const PUBLISHABLE: &str = "pk_test_esim_storefront_cards";
const WEBHOOK_SECRET: &str = "whsec_esim_storefront_cards";

fn base() -> String {
    localstripe_url()
}

fn card_harness(sandbox: SandboxConfig) -> Harness {
    harness_with(card_config(&base()), sandbox)
}

/// A card shop's configuration with Stripe at `api_base`.
fn card_config(api_base: &str) -> esim_proxy::config::Config {
    let mut config = config();
    config.checkout = CheckoutMode::Stripe;
    config.provider_timeout_secs = 5;
    config.payments.stripe = Some(StripeConfig {
        publishable_key: PUBLISHABLE.into(),
        api_base: api_base.into(),
        js_url: format!("{}/js.stripe.com/v3/", base()),
        secret_key: Some(Secret::new(KEY)),
        webhook_secret: Some(Secret::new(WEBHOOK_SECRET)),
    });
    config.validate().unwrap();
    config
}

fn stripe() -> Stripe {
    Stripe::new(&base(), Secret::new(KEY), Duration::from_secs(10)).unwrap()
}

/// Places a card order of one `JP-1GB-7D` under `key`: (answer, guest token).
async fn card_order(h: &Harness, key: &str) -> (Answer, String) {
    card_order_of(h, key, 1).await
}

/// Places a card order of `quantity` `JP-1GB-7D` under `key`: (answer, guest token).
async fn card_order_of(h: &Harness, key: &str, quantity: u32) -> (Answer, String) {
    let answer = post(
        "/v1/orders",
        json!({"package_code": "JP-1GB-7D", "quantity": quantity, "currency": "EUR"}),
    )
    .key(key)
    .send(&h.router)
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json);
    let token = answer.json["guest_token"].as_str().unwrap().to_owned();
    (answer, token)
}

/// The PaymentIntent id of an answer carrying its client secret.
fn intent_of(answer: &Value) -> String {
    let secret = answer["payment"]["client_secret"]
        .as_str()
        .expect("the PaymentIntent's client secret");
    secret.split("_secret_").next().unwrap().to_owned()
}

/// What Stripe.js's `confirmCardSetup` does with the card field: confirms the SetupIntent
/// with a card, as the browser does (the publishable key and the client secret only).
/// Returns the payment method, or Stripe's error.
async fn set_up_card(setup_secret: &str, number: &str) -> Result<String, Value> {
    let seti = setup_secret.split("_secret_").next().unwrap();
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/v1/setup_intents/{seti}/confirm", base()))
        .body(
            json!({
                "key": PUBLISHABLE,
                "use_stripe_sdk": true,
                "client_secret": setup_secret,
                "payment_method_data": {
                    "type": "card",
                    "card": {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"},
                    "billing_details": {"address": {"postal_code": "75001"}}
                }
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    match answer["payment_method"].as_str() {
        Some(pm) if answer["status"] == "succeeded" => Ok(pm.to_owned()),
        _ => Err(answer),
    }
}

async fn pay(h: &Harness, token: &str, order: &str, method: Option<&str>) -> Answer {
    let body = match method {
        Some(m) => json!({ "payment_method": m }),
        None => json!({}),
    };
    post(&format!("/v1/orders/{order}/payment"), body)
        .token(token)
        .send(&h.router)
        .await
}

async fn read_order(h: &Harness, token: &str, order: &str) -> Answer {
    get(&format!("/v1/orders/{order}"))
        .token(token)
        .send(&h.router)
        .await
}

/// Reads the order until it is settled (completed or failed) and its payment too (no longer
/// held: the capture or release follows the provider's answer by a moment), up to ten seconds.
async fn settled(h: &Harness, token: &str, order: &str) -> Value {
    for _ in 0..100 {
        let read = read_order(h, token, order).await;
        if matches!(read.json["state"].as_str(), Some("completed" | "failed"))
            && read.json["payment"]["state"] != "authorized"
        {
            return read.json;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("order {order} did not settle");
}

/// A card order, paid with a card that is accepted and settled.
struct Paid {
    token: String,
    order: String,
    intent: String,
    /// The order as read once settled.
    done: Value,
}

/// Places a card order of `quantity` under `key` and pays it with 4242 4242 4242 4242.
async fn paid_order(h: &Harness, key: &str, quantity: u32) -> Paid {
    let (created, token) = card_order_of(h, key, quantity).await;
    let order = created.json["id"].as_str().unwrap().to_owned();
    let setup = created.json["payment"]["setup_secret"].as_str().unwrap();
    let method = set_up_card(setup, "4242424242424242").await.unwrap();
    pay(h, &token, &order, Some(&method)).await;
    let done = settled(h, &token, &order).await;
    Paid {
        intent: intent_of(&created.json),
        token,
        order,
        done,
    }
}

async fn cancel(router: &axum::Router, token: &str, esim: &str) -> Answer {
    post(&format!("/v1/esims/{esim}/cancel"), json!({}))
        .token(token)
        .send(router)
        .await
}

#[tokio::test]
async fn an_order_is_bought_once_paid_and_charged_once_bought() {
    let h = card_harness(SandboxConfig::default());
    let opening = balance(&h).await;
    let (created, token) = card_order(&h, "card-1").await;
    let order = created.json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.json["state"], "awaiting_payment",
        "{}",
        created.json
    );
    assert_eq!(created.json["payment"]["state"], "requires_card");
    let text = created.json.to_string();
    assert!(!text.contains(KEY) && !text.contains("sk_test"), "{text}");
    assert_eq!(
        h.sandbox.purchases_asked(),
        0,
        "nothing bought before payment"
    );

    // The PaymentIntent: exactly the order's total, its id in the metadata, manual capture.
    let intent = intent_of(&created.json);
    let at_stripe = stripe().intent(&intent).await.unwrap();
    assert_eq!(
        at_stripe.amount,
        created.json["total"]["minor"].as_i64().unwrap()
    );
    assert_eq!(at_stripe.currency, "eur");
    assert_eq!(at_stripe.metadata["order_id"], order);
    assert_eq!(at_stripe.status, IntentStatus::RequiresPaymentMethod);

    // The same key again: the same order and PaymentIntent, never a second.
    let replay = post(
        "/v1/orders",
        json!({"package_code": "JP-1GB-7D", "quantity": 1, "currency": "EUR"}),
    )
    .key("card-1")
    .send(&h.router)
    .await;
    assert_eq!(replay.status, StatusCode::CREATED);
    assert_eq!(replay.json["id"], order.as_str());
    assert_eq!(intent_of(&replay.json), intent);

    let setup = created.json["payment"]["setup_secret"].as_str().unwrap();
    let method = set_up_card(setup, "4242424242424242").await.unwrap();
    let paid = pay(&h, &token, &order, Some(&method)).await;
    assert!(
        paid.status == StatusCode::CREATED || paid.status == StatusCode::ACCEPTED,
        "{}",
        paid.json
    );
    let done = settled(&h, &token, &order).await;
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(done["esims"].as_array().unwrap().len(), 1);
    assert_eq!(done["payment"]["state"], "captured");
    assert!(done["payment"].get("client_secret").is_none(), "{done}");
    let captured = stripe().intent(&intent).await.unwrap();
    assert_eq!(captured.status, IntentStatus::Succeeded);
    assert_eq!(
        captured.amount, at_stripe.amount,
        "captured for the proxy's total"
    );
    let charged = balance(&h).await;
    assert!(charged < opening, "bought");

    // Paying again, or Stripe telling of it again, buys nothing more.
    let again = pay(&h, &token, &order, Some(&method)).await;
    assert_eq!(again.json["state"], "completed", "{}", again.json);
    let event = signed_event("evt_after_capture", &intent, now());
    assert_eq!(webhook(&h, &event).await.status, StatusCode::OK);
    assert_eq!(balance(&h).await, charged);
    assert_eq!(h.sandbox.purchases_asked(), 1, "one provider purchase");
    assert_eq!(esim_count(&h, &token).await, 1);
}

#[tokio::test]
async fn a_declined_card_buys_nothing_and_leaves_the_order_to_pay() {
    let h = card_harness(SandboxConfig::default());
    let opening = balance(&h).await;
    let (created, token) = card_order(&h, "card-declined").await;
    let order = created.json["id"].as_str().unwrap().to_owned();
    let setup = created.json["payment"]["setup_secret"].as_str().unwrap();
    // Declined outright when the browser sets the card up: the same SetupIntent takes another.
    let refused = set_up_card(setup, "4000000000000002").await.unwrap_err();
    assert_eq!(refused["error"]["code"], "card_declined", "{refused}");
    // Declined when charged: the pay request says so, and nothing is bought.
    let method = set_up_card(setup, "4000000000000341").await.unwrap();
    let declined = pay(&h, &token, &order, Some(&method)).await;
    assert_eq!(
        declined.status,
        StatusCode::PAYMENT_REQUIRED,
        "{}",
        declined.json
    );
    assert_eq!(declined.code(), "card_declined");
    assert_eq!(balance(&h).await, opening);
    assert_eq!(h.sandbox.purchases_asked(), 0, "zero provider purchases");
    let read = read_order(&h, &token, &order).await;
    assert_eq!(read.json["state"], "awaiting_payment", "{}", read.json);
    assert_eq!(read.json["payment"]["state"], "requires_card");
    let fresh = read.json["payment"]["setup_secret"].as_str().unwrap();
    assert_ne!(
        fresh, setup,
        "a new SetupIntent for the next card: the last one was used"
    );

    // Garbage for a payment method is refused before Stripe is asked.
    for bad in ["", "card_123", "pm_../../v1/refunds", "pm_x y"] {
        let answer = pay(&h, &token, &order, Some(bad)).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{bad:?}: {}",
            answer.json
        );
    }
    // Another shopper's order is not theirs to pay.
    let (_, stranger) = card_order(&h, "card-stranger").await;
    let theirs = pay(&h, &stranger, &order, Some(&method)).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_refused_purchase_releases_the_authorization() {
    let h = card_harness(poor_sandbox(1));
    let (created, token) = card_order(&h, "card-poor").await;
    let order = created.json["id"].as_str().unwrap().to_owned();
    let intent = intent_of(&created.json);
    let setup = created.json["payment"]["setup_secret"].as_str().unwrap();
    let method = set_up_card(setup, "4242424242424242").await.unwrap();
    let refused = pay(&h, &token, &order, Some(&method)).await;
    assert_eq!(refused.code(), "insufficient_balance", "{}", refused.json);
    let read = read_order(&h, &token, &order).await;
    assert_eq!(read.json["state"], "failed", "{}", read.json);
    assert_eq!(read.json["payment"]["state"], "cancelled", "not charged");
    assert_eq!(
        stripe().intent(&intent).await.unwrap().status,
        IntentStatus::Canceled,
        "the hold released at Stripe"
    );
    assert_eq!(balance(&h).await, 1);
    assert_eq!(h.sandbox.purchases_asked(), 1);
    // The same checkout attempt again does not buy without a payment.
    let replay = post(
        "/v1/orders",
        json!({"package_code": "JP-1GB-7D", "quantity": 1, "currency": "EUR"}),
    )
    .key("card-poor")
    .send(&h.router)
    .await;
    assert_eq!(replay.code(), "insufficient_balance", "{}", replay.json);
    assert_eq!(
        h.sandbox.purchases_asked(),
        1,
        "not bought again without a payment"
    );
}

#[tokio::test]
async fn a_payment_whose_answer_was_lost_is_found_by_reading_the_order() {
    let h = card_harness(SandboxConfig::default());
    let (created, token) = card_order(&h, "card-lost").await;
    let order = created.json["id"].as_str().unwrap().to_owned();
    let setup = created.json["payment"]["setup_secret"].as_str().unwrap();
    let method = set_up_card(setup, "4242424242424242").await.unwrap();
    // Paid at Stripe, with no word to the proxy (the pay request's answer lost, no webhook).
    stripe()
        .pay_with(&intent_of(&created.json), &method, "lost-pay")
        .await
        .unwrap();
    let done = settled(&h, &token, &order).await;
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(done["payment"]["state"], "captured");
}

/// An event about `intent`, as Stripe writes one.
fn signed_event(id: &str, intent: &str, at: i64) -> (String, String) {
    let body = json!({
        "id": id,
        "object": "event",
        "type": "payment_intent.amount_capturable_updated",
        "data": {"object": {"id": intent, "object": "payment_intent", "status": "requires_capture"}}
    })
    .to_string();
    (sign(&body, at, WEBHOOK_SECRET), body)
}

/// `Stripe-Signature` for `body` at `at`, computed here as Stripe documents it.
fn sign(body: &str, at: i64, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{at}.{body}").as_bytes());
    format!("t={at},v1={}", hex::encode(mac.finalize().into_bytes()))
}

async fn webhook(h: &Harness, (signature, body): &(String, String)) -> Answer {
    post_raw("/v1/webhooks/stripe", body)
        .header("stripe-signature", signature)
        .send(&h.router)
        .await
}

fn post_raw(path: &str, body: &str) -> Call {
    post(path, Value::Null).raw_body(body)
}

fn now() -> i64 {
    esim_proxy::service::now()
}

#[tokio::test]
async fn a_webhook_fulfils_once_and_only_when_its_signature_holds() {
    let h = card_harness(SandboxConfig::default());
    let opening = balance(&h).await;
    let (created, token) = card_order(&h, "card-webhook").await;
    let order = created.json["id"].as_str().unwrap().to_owned();
    let intent = intent_of(&created.json);
    let setup = created.json["payment"]["setup_secret"].as_str().unwrap();
    let method = set_up_card(setup, "4242424242424242").await.unwrap();
    stripe()
        .pay_with(&intent, &method, "webhook-pay")
        .await
        .unwrap();

    // Refused, and nothing changes: another secret, a stale time, a body changed after
    // signing, no signature.
    let (_, body) = signed_event("evt_card_1", &intent, now());
    let wrong_secret = (sign(&body, now(), "whsec_other"), body.clone());
    let stale = (sign(&body, now() - 600, WEBHOOK_SECRET), body.clone());
    let (signature, _) = signed_event("evt_card_1", &intent, now());
    let changed = (signature.clone(), body.replace("evt_card_1", "evt_card_2"));
    for bad in [
        &wrong_secret,
        &stale,
        &changed,
        &(String::new(), body.clone()),
    ] {
        let answer = webhook(&h, bad).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.json);
    }
    // (The order is read from the store here, not through the API, which would find the
    // payment itself.)
    let row = h.service.store.order(order.clone()).await.unwrap().unwrap();
    assert_eq!(row.status, esim_proxy::store::OrderStatus::AwaitingPayment);
    assert_eq!(balance(&h).await, opening);

    // A valid event: bought, once; the same event again and another about the same payment
    // change nothing.
    let event = (signature, body);
    assert_eq!(webhook(&h, &event).await.status, StatusCode::OK);
    let done = settled(&h, &token, &order).await;
    assert_eq!(done["state"], "completed", "{done}");
    let charged = balance(&h).await;
    assert!(charged < opening);
    assert_eq!(webhook(&h, &event).await.status, StatusCode::OK);
    let other = signed_event("evt_card_3", &intent, now());
    assert_eq!(webhook(&h, &other).await.status, StatusCode::OK);
    assert_eq!(balance(&h).await, charged);
    assert_eq!(h.sandbox.purchases_asked(), 1, "one provider purchase");
    assert_eq!(
        stripe().intent(&intent).await.unwrap().status,
        IntentStatus::Succeeded,
        "captured once"
    );

    // About a PaymentIntent we did not create: ignored.
    let theirs = stripe()
        .create_intent(&esim_proxy::payments::stripe::NewIntent {
            total: esim_core::Money::from_minor(500, esim_core::Currency::USD),
            order_id: "not-ours",
            payment_method: None,
            idempotency_key: "not-ours",
        })
        .await
        .unwrap();
    let foreign = signed_event("evt_card_foreign", &theirs.id, now());
    assert_eq!(webhook(&h, &foreign).await.status, StatusCode::OK);
    assert_eq!(balance(&h).await, charged);
}

#[tokio::test]
async fn the_storefront_tells_the_widget_how_to_take_payment_and_nothing_secret() {
    let h = card_harness(SandboxConfig::default());
    let storefront = get("/v1/storefront").send(&h.router).await;
    assert_eq!(storefront.json["checkout"], "stripe");
    assert_eq!(storefront.json["payment"]["kind"], "stripe");
    assert_eq!(storefront.json["payment"]["publishable_key"], PUBLISHABLE);
    assert_eq!(
        storefront.json["payment"]["js_url"],
        format!("{}/js.stripe.com/v3/", base())
    );
    let text = storefront.json.to_string();
    assert!(
        !text.contains(KEY) && !text.contains(WEBHOOK_SECRET),
        "{text}"
    );
    // A top-up is paid by card as an order; a cancel refunds the card.
    assert_eq!(storefront.json["features"]["top_up"], true);
    assert_eq!(storefront.json["features"]["cancel"], true);
}

#[tokio::test]
async fn cancelling_an_unused_esim_refunds_the_card_once() {
    let h = card_harness(SandboxConfig::default());
    let Paid {
        token,
        order,
        intent,
        done,
    } = paid_order(&h, "card-refund", 1).await;
    assert_eq!(done["payment"]["state"], "captured", "{done}");
    let total = done["total"].clone();
    let esim = done["esims"][0]["id"].as_str().unwrap().to_owned();
    assert!(done["esims"][0].get("refund").is_none(), "{done}");

    let cancelled = cancel(&h.router, &token, &esim).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);
    assert_eq!(cancelled.json["status"]["lifecycle"], "cancelled");
    assert_eq!(cancelled.json["refund"]["state"], "refunded");
    assert_eq!(cancelled.json["refund"]["amount"], total, "the whole order");

    let refunds = stripe().refunds(&intent).await.unwrap();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0].amount, total["minor"].as_i64().unwrap());
    assert_eq!(refunds[0].metadata["esim_id"], esim);

    // Asked again, swept, read: refunded once, and the order says so.
    let again = cancel(&h.router, &token, &esim).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.json);
    assert_eq!(again.code(), "not_allowed");
    h.service.sweep().await.unwrap();
    assert_eq!(stripe().refunds(&intent).await.unwrap().len(), 1);
    let read = read_order(&h, &token, &order).await;
    assert_eq!(read.json["payment"]["state"], "refunded", "{}", read.json);
    assert_eq!(read.json["esims"][0]["refund"]["state"], "refunded");
}

#[tokio::test]
async fn each_cancelled_esim_of_an_order_gets_its_share_and_the_shares_make_the_total() {
    let h = card_harness(SandboxConfig::default());
    let Paid {
        token,
        order,
        intent,
        done,
    } = paid_order(&h, "card-refund-three", 3).await;
    let total = done["total"]["minor"].as_i64().unwrap();
    let esims: Vec<String> = done["esims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(esims.len(), 3);

    let mut shares = Vec::new();
    for (n, esim) in esims.iter().enumerate() {
        let cancelled = cancel(&h.router, &token, esim).await;
        assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);
        shares.push(
            cancelled.json["refund"]["amount"]["minor"]
                .as_i64()
                .unwrap(),
        );
        let read = read_order(&h, &token, &order).await;
        let expected = if n == 2 { "refunded" } else { "captured" };
        assert_eq!(
            read.json["payment"]["state"],
            expected,
            "after {} cancels",
            n + 1
        );
    }
    assert_eq!(shares.iter().sum::<i64>(), total, "{shares:?} of {total}");
    assert!(
        shares.iter().all(|s| (s - total / 3).abs() <= 1),
        "{shares:?}"
    );
    let made: i64 = stripe()
        .refunds(&intent)
        .await
        .unwrap()
        .iter()
        .map(|r| r.amount)
        .sum();
    assert_eq!(made, total, "refunded at Stripe exactly what was charged");
}

#[tokio::test]
async fn an_installed_esim_is_not_cancelled_and_nothing_is_refunded() {
    let h = card_harness(SandboxConfig::default());
    let Paid {
        token,
        intent,
        done,
        ..
    } = paid_order(&h, "card-refund-installed", 1).await;
    let esim = done["esims"][0]["id"].as_str().unwrap().to_owned();
    let installed = post(&format!("/v1/sandbox/esims/{esim}/install"), json!({}))
        .token(&token)
        .send(&h.router)
        .await;
    assert_eq!(
        installed.json["status"]["lifecycle"], "active",
        "{}",
        installed.json
    );

    let refused = cancel(&h.router, &token, &esim).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.json);
    assert_eq!(refused.code(), "not_allowed");
    h.service.sweep().await.unwrap();
    assert!(stripe().refunds(&intent).await.unwrap().is_empty());
    let read = get(&format!("/v1/esims/{esim}"))
        .token(&token)
        .send(&h.router)
        .await;
    assert!(read.json.get("refund").is_none(), "{}", read.json);
    assert_eq!(read.json["status"]["lifecycle"], "active");
}

#[tokio::test]
async fn a_refund_stripe_could_not_make_is_made_by_the_sweep() {
    // Stripe out of reach when the eSIM is cancelled: cancelled all the same, the refund
    // shown pending, then made once Stripe answers again.
    let db = std::env::temp_dir().join(format!(
        "esim-refund-later-{}-{}.sqlite",
        std::process::id(),
        now()
    ));
    let clock = std::sync::Arc::new(esim_providers::sandbox::ManualClock::new(START));
    let sandbox = std::sync::Arc::new(
        esim_providers::sandbox::Sandbox::with_clock(SandboxConfig::default(), clock.clone())
            .unwrap(),
    );
    let proxy = |api_base: &str| {
        let mut config = card_config(api_base);
        config.database = db.to_string_lossy().into_owned();
        esim_proxy::build_with(config, sandbox.clone(), Some(sandbox.clone())).unwrap()
    };
    let up = proxy(&base());
    let h = Harness {
        router: up.router,
        sandbox: sandbox.clone(),
        clock,
        service: up.service,
    };
    let unreachable = proxy("http://127.0.0.1:9");
    let Paid {
        token,
        intent,
        done,
        ..
    } = paid_order(&h, "card-refund-later", 1).await;
    let esim = done["esims"][0]["id"].as_str().unwrap().to_owned();

    let cancelled = cancel(&unreachable.router, &token, &esim).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);
    assert_eq!(cancelled.json["refund"]["state"], "pending");
    assert!(stripe().refunds(&intent).await.unwrap().is_empty());

    h.service.sweep().await.unwrap();
    let _ = std::fs::remove_file(&db);
    let refunds = stripe().refunds(&intent).await.unwrap();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    let read = get(&format!("/v1/esims/{esim}"))
        .token(&token)
        .send(&h.router)
        .await;
    assert_eq!(read.json["refund"]["state"], "refunded", "{}", read.json);
    h.service.sweep().await.unwrap();
    assert_eq!(stripe().refunds(&intent).await.unwrap().len(), 1, "once");
}

#[tokio::test]
async fn an_order_unpaid_beyond_the_payment_window_is_cancelled_not_charged() {
    let mut config = card_config(&base());
    config.payment_window_secs = 1;
    let h = harness_with(config, SandboxConfig::default());
    let (created, token) = card_order(&h, "card-late").await;
    let order = created.json["id"].as_str().unwrap().to_owned();
    let intent = intent_of(&created.json);
    // Within the window, the sweep leaves it waiting.
    h.service.sweep().await.unwrap();
    assert_eq!(
        read_order(&h, &token, &order).await.json["state"],
        "awaiting_payment"
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    h.service.sweep().await.unwrap();
    let read = read_order(&h, &token, &order).await;
    assert_eq!(read.json["state"], "failed", "{}", read.json);
    assert_eq!(read.json["payment"]["state"], "cancelled");
    assert_eq!(
        stripe().intent(&intent).await.unwrap().status,
        IntentStatus::Canceled
    );
    assert_eq!(h.sandbox.purchases_asked(), 0);
}

#[tokio::test]
async fn stripe_out_of_reach_is_said_and_buys_nothing() {
    // Nothing listens on the discard port.
    let h = harness_with(card_config("http://127.0.0.1:9"), SandboxConfig::default());
    let answer = post(
        "/v1/orders",
        json!({"package_code": "JP-1GB-7D", "quantity": 1, "currency": "EUR"}),
    )
    .key("card-down")
    .send(&h.router)
    .await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{}", answer.json);
    assert_eq!(answer.code(), "payment_unavailable");
    assert!(!answer.json.to_string().contains(KEY));
    assert_eq!(h.sandbox.purchases_asked(), 0);
}

/// The proxy killed (SIGKILL) between the payment's authorization and the provider call, and
/// started again: the start-up reconciliation buys the order once and captures it once.
#[tokio::test]
async fn a_proxy_killed_after_authorization_fulfils_once_on_restart() {
    use common::process::{http, place, start, temp_dir};
    use tokio::io::AsyncBufReadExt;

    let dir = temp_dir("card-kill");
    let config = dir.join("proxy.toml");
    std::fs::write(
        &config,
        format!(
            r#"
            checkout = "stripe"
            database = "{db}"
            [provider]
            kind = "sandbox"
            state_path = "{state}"
            [payments.stripe]
            publishable_key = "{PUBLISHABLE}"
            api_base = "{base}"
            "#,
            db = dir.join("proxy.sqlite3").display(),
            state = dir.join("sandbox.json").display(),
            base = base(),
        ),
    )
    .unwrap();
    let args = vec!["--config".to_owned(), config.display().to_string()];
    let secrets = [
        ("ESIM_PROXY_STRIPE_SECRET_KEY", KEY),
        ("ESIM_PROXY_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ];
    let mut holding = secrets.to_vec();
    holding.push(("ESIM_PROXY_TEST_HOLD_AFTER_AUTHORIZATION", "1"));
    let (mut first, addr) = start(&args, &holding).await;
    let balance = |addr: String| async move {
        http(&addr, "GET", "/v1/sandbox/balance", &[], None)
            .await
            .unwrap()
            .body["minor"]
            .as_i64()
            .unwrap()
    };
    let opening = balance(addr.clone()).await;
    let body = r#"{"package_code":"JP-1GB-7D","quantity":1,"currency":"EUR"}"#;
    let created = place(&addr, "kill-1", body).await.unwrap();
    assert_eq!(created.status, 201, "{}", created.body);
    let order = created.body["id"].as_str().unwrap().to_owned();
    let token = created.body["guest_token"].as_str().unwrap().to_owned();
    let intent = intent_of(&created.body);
    let setup = created.body["payment"]["setup_secret"].as_str().unwrap();
    let method = set_up_card(setup, "4242424242424242").await.unwrap();
    let bearer = format!("Bearer {token}");
    let pay_body = json!({ "payment_method": method }).to_string();
    let paying = {
        let (addr, order, bearer) = (addr.clone(), order.clone(), bearer.clone());
        tokio::spawn(async move {
            let path = format!("/v1/orders/{order}/payment");
            http(
                &addr,
                "POST",
                &path,
                &[("Authorization", &bearer)],
                Some(&pay_body),
            )
            .await
        })
    };
    let mut log = tokio::io::BufReader::new(first.stderr.take().unwrap()).lines();
    let held = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = log.next_line().await {
            if line.contains("holding on purpose after a payment was authorized") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(
        held,
        Ok(true),
        "the proxy reached the point between payment and purchase"
    );
    first.kill().await.unwrap(); // SIGKILL
    assert!(
        paying.await.unwrap().is_err_or_status_zero(),
        "the answer was lost"
    );
    assert_eq!(
        stripe().intent(&intent).await.unwrap().status,
        IntentStatus::RequiresCapture,
        "authorized, not captured"
    );

    let (second, addr) = start(&args, &secrets).await;
    let mut done = Value::Null;
    for _ in 0..100 {
        let read = http(
            &addr,
            "GET",
            &format!("/v1/orders/{order}"),
            &[("Authorization", &bearer)],
            None,
        )
        .await
        .unwrap();
        if read.body["state"] == "completed" && read.body["payment"]["state"] == "captured" {
            done = read.body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        done["esims"].as_array().map(Vec::len),
        Some(1),
        "fulfilled: {done}"
    );
    let captured = stripe().intent(&intent).await.unwrap();
    assert_eq!(captured.status, IntentStatus::Succeeded, "captured");
    assert_eq!(
        captured.amount,
        created.body["total"]["minor"].as_i64().unwrap()
    );
    let one = {
        use esim_providers::Provider;
        let sandbox = esim_providers::sandbox::Sandbox::new(Default::default()).unwrap();
        sandbox.package("JP-1GB-7D").await.unwrap().price.minor()
    };
    assert_eq!(
        opening - balance(addr.clone()).await,
        one,
        "bought exactly once"
    );
    drop(second);
    std::fs::remove_dir_all(dir).unwrap();
}

trait LostAnswer {
    fn is_err_or_status_zero(&self) -> bool;
}

impl LostAnswer for std::io::Result<common::process::Reply> {
    fn is_err_or_status_zero(&self) -> bool {
        self.as_ref().map_or(true, |r| r.status == 0)
    }
}

#[tokio::test]
async fn paying_an_order_with_nothing_left_to_pay_answers_the_order_in_any_shop() {
    // A shop without cards: its orders are placed at once. Asking to pay one (a retry, a
    // stale page, a client following the order's links) is not "not found": the order is
    // there and answers as it stands. Somebody else's order, or none, is not found.
    let h = harness();
    let (placed, token) = guest_order(&h.router, "JP-1GB-7D", 1, "pay-nothing").await;
    let id = placed.json["id"].as_str().unwrap().to_owned();
    let settled = settled(&h, &token, &id).await;
    let paid = pay(&h, &token, &id, None).await;
    assert!(paid.status.is_success(), "{}", paid.json);
    assert_eq!(paid.json["id"], id.as_str());
    assert_eq!(paid.json["state"], settled["state"]);
    // What is not a payment method is refused before anything else is looked at.
    assert_eq!(
        pay(&h, &token, &id, Some("4242 4242 4242 4242"))
            .await
            .code(),
        "bad_request"
    );
    let (_, stranger) = guest_order(&h.router, "JP-1GB-7D", 1, "pay-stranger").await;
    assert_eq!(pay(&h, &stranger, &id, None).await.code(), "not_found");
    assert_eq!(
        pay(&h, &token, "ord_00000000000000000000000000000000", None)
            .await
            .code(),
        "not_found"
    );
}

/// The first top-up that fits `esim`, priced in euros: (code, price as the answer gives it).
async fn a_top_up_of(h: &Harness, token: &str, esim: &str) -> (String, Value) {
    let options = get(&format!("/v1/esims/{esim}/topups?currency=EUR"))
        .token(token)
        .send(&h.router)
        .await;
    assert_eq!(options.status, StatusCode::OK, "{}", options.json);
    let first = options.json["packages"][0].clone();
    (
        first["code"].as_str().unwrap().to_owned(),
        first["price"].clone(),
    )
}

/// Places a top-up of `esim` with `code` as a card order under `key`.
async fn top_up_order(h: &Harness, token: &str, esim: &str, code: &str, key: &str) -> Answer {
    post(
        "/v1/orders",
        json!({"package_code": code, "quantity": 1, "currency": "EUR", "top_up_of": esim}),
    )
    .key(key)
    .token(token)
    .send(&h.router)
    .await
}

/// Confirms a card for an order awaiting payment (as the card field does) and pays with it.
async fn pay_with_card(h: &Harness, token: &str, created: &Value, number: &str) -> Answer {
    let setup = created["payment"]["setup_secret"].as_str().unwrap();
    let method = set_up_card(setup, number).await.unwrap();
    pay(h, token, created["id"].as_str().unwrap(), Some(&method)).await
}

/// A paid eSIM's top-up, placed as a card order and awaiting payment.
struct AwaitingTopUp {
    token: String,
    esim: String,
    /// The order's answer, with what the card field needs.
    created: Value,
    order: String,
    intent: String,
}

/// Buys an eSIM by card under `key`, then places a top-up of it (the first that fits) under
/// `{key}-1`.
async fn top_up_awaiting(h: &Harness, key: &str) -> AwaitingTopUp {
    let Paid { token, done, .. } = paid_order(h, key, 1).await;
    let esim = done["esims"][0]["id"].as_str().unwrap().to_owned();
    let (code, _) = a_top_up_of(h, &token, &esim).await;
    let created = top_up_order(h, &token, &esim, &code, &format!("{key}-1")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    AwaitingTopUp {
        order: created.json["id"].as_str().unwrap().to_owned(),
        intent: intent_of(&created.json),
        created: created.json,
        token,
        esim,
    }
}

/// How many plans an eSIM's history lists: the first, and each top-up added.
async fn plans_of(h: &Harness, token: &str, esim: &str) -> usize {
    let read = get(&format!("/v1/esims/{esim}?refresh=true"))
        .token(token)
        .send(&h.router)
        .await;
    read.json["history"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_top_up_is_paid_by_card_added_once_and_charged_once() {
    let h = card_harness(SandboxConfig::default());
    let Paid { token, done, .. } = paid_order(&h, "card-topup-esim", 1).await;
    let esim = done["esims"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(done["esims"][0]["actions"]["top_up"], true, "{done}");
    let storefront = get("/v1/storefront").send(&h.router).await;
    assert_eq!(storefront.json["features"]["top_up"], true);

    // The top-up endpoint of shops without cards adds without payment: refused here.
    let (code, price) = a_top_up_of(&h, &token, &esim).await;
    let unpaid = post(
        &format!("/v1/esims/{esim}/topups"),
        json!({"package_code": code, "currency": "EUR"}),
    )
    .key("card-topup-direct")
    .token(&token)
    .send(&h.router)
    .await;
    assert_eq!(unpaid.status, StatusCode::CONFLICT, "{}", unpaid.json);
    assert_eq!(unpaid.code(), "not_allowed");
    let before = balance(&h).await;
    let asked = h.sandbox.purchases_asked();

    let created = top_up_order(&h, &token, &esim, &code, "card-topup-1").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    assert_eq!(created.json["state"], "awaiting_payment");
    assert_eq!(created.json["top_up_of"], esim.as_str());
    assert_eq!(
        created.json["total"], price,
        "priced as the top-up is shown"
    );
    assert!(
        created.json.get("guest_token").is_none(),
        "{}",
        created.json
    );
    let intent = intent_of(&created.json);
    let at_stripe = stripe().intent(&intent).await.unwrap();
    assert_eq!(at_stripe.amount, price["minor"].as_i64().unwrap());
    assert_eq!(at_stripe.metadata["order_id"], created.json["id"]);
    assert_eq!(balance(&h).await, before, "nothing added before payment");

    // Replayed: the same order and PaymentIntent.
    let replay = top_up_order(&h, &token, &esim, &code, "card-topup-1").await;
    assert_eq!(replay.json["id"], created.json["id"]);
    assert_eq!(intent_of(&replay.json), intent);

    // A declined card adds nothing; another card on the same order does.
    // (Declined as the browser sets it up: localstripe lets no second card be tried on a
    // PaymentIntent that declined one, which Stripe does.)
    let setup = created.json["payment"]["setup_secret"].as_str().unwrap();
    let declined = set_up_card(setup, "4000000000000002").await.unwrap_err();
    assert_eq!(declined["error"]["code"], "card_declined", "{declined}");
    assert_eq!(plans_of(&h, &token, &esim).await, 1);
    let order = created.json["id"].as_str().unwrap();
    let paid = pay_with_card(&h, &token, &created.json, "4242424242424242").await;
    assert!(paid.status.is_success(), "{}", paid.json);
    let topped = settled(&h, &token, order).await;
    assert_eq!(topped["state"], "completed", "{topped}");
    assert_eq!(topped["payment"]["state"], "captured");
    assert_eq!(topped["esims"].as_array().unwrap().len(), 1);
    assert_eq!(topped["esims"][0]["id"], esim.as_str(), "the same eSIM");
    assert_eq!(topped["esims"][0]["history"].as_array().unwrap().len(), 2);
    let captured = stripe().intent(&intent).await.unwrap();
    assert_eq!(captured.status, IntentStatus::Succeeded);
    assert_eq!(captured.amount, at_stripe.amount);
    let charged = balance(&h).await;
    assert!(charged < before, "the provider charged the merchant");

    // Paid again, told again, swept: added once.
    let twice = pay(&h, &token, order, None).await;
    assert_eq!(twice.json["state"], "completed", "{}", twice.json);
    let event = signed_event("evt_topup_after_capture", &intent, now());
    assert_eq!(webhook(&h, &event).await.status, StatusCode::OK);
    h.service.sweep().await.unwrap();
    assert_eq!(balance(&h).await, charged);
    assert_eq!(plans_of(&h, &token, &esim).await, 2);
    assert_eq!(h.sandbox.purchases_asked(), asked, "no eSIM bought");
    assert_eq!(esim_count(&h, &token).await, 1);

    // Its refund would be the first order's share only: not cancelled by the shopper.
    let read = get(&format!("/v1/esims/{esim}"))
        .token(&token)
        .send(&h.router)
        .await;
    assert_eq!(read.json["actions"]["cancel"], false, "{}", read.json);
    let refused = cancel(&h.router, &token, &esim).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.json);
    assert!(stripe().refunds(&intent).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_top_up_is_only_for_the_esims_owner_and_what_fits_it() {
    let h = card_harness(SandboxConfig::default());
    let Paid { token, done, .. } = paid_order(&h, "card-topup-owner", 1).await;
    let esim = done["esims"][0]["id"].as_str().unwrap().to_owned();
    let (code, _) = a_top_up_of(&h, &token, &esim).await;
    let anonymous = post(
        "/v1/orders",
        json!({"package_code": code, "quantity": 1, "currency": "EUR", "top_up_of": esim}),
    )
    .key("card-topup-anon")
    .send(&h.router)
    .await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.json
    );
    let (_, stranger) = card_order(&h, "card-topup-stranger").await;
    let theirs = top_up_order(&h, &stranger, &esim, &code, "card-topup-theirs").await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{}", theirs.json);
    let unfit = top_up_order(&h, &token, &esim, "JP-1GB-7D", "card-topup-unfit").await;
    assert_eq!(unfit.code(), "unknown_package", "{}", unfit.json);
    let two = post(
        "/v1/orders",
        json!({"package_code": code, "quantity": 2, "currency": "EUR", "top_up_of": esim}),
    )
    .key("card-topup-two")
    .token(&token)
    .send(&h.router)
    .await;
    assert_eq!(two.code(), "invalid_quantity", "{}", two.json);
}

#[tokio::test]
async fn a_top_up_the_provider_refuses_after_payment_releases_the_hold() {
    let h = card_harness(SandboxConfig::default());
    let AwaitingTopUp {
        token,
        esim,
        created,
        order,
        intent,
    } = top_up_awaiting(&h, "card-topup-refused").await;
    let before = balance(&h).await;
    // The eSIM read before sending goes through; the top-up itself is refused.
    h.sandbox.inject_fault(Fault::Slow(Duration::ZERO));
    h.sandbox.inject_fault(Fault::Unauthorized);
    let refused = pay_with_card(&h, &token, &created, "4242424242424242").await;
    assert!(
        refused.status.is_client_error() || refused.status.is_server_error(),
        "{}",
        refused.json
    );
    let read = settled(&h, &token, &order).await;
    assert_eq!(read["state"], "failed", "{read}");
    assert_eq!(read["payment"]["state"], "cancelled", "not charged");
    assert_eq!(
        stripe().intent(&intent).await.unwrap().status,
        IntentStatus::Canceled
    );
    assert_eq!(balance(&h).await, before);
    assert_eq!(plans_of(&h, &token, &esim).await, 1);
}

#[tokio::test]
async fn a_top_up_whose_answer_was_lost_is_found_on_the_esim_and_charged_once() {
    let h = card_harness(SandboxConfig::default());
    let AwaitingTopUp {
        token,
        esim,
        created,
        order,
        intent,
    } = top_up_awaiting(&h, "card-topup-lost").await;
    let before = balance(&h).await;
    h.sandbox.inject_fault(Fault::Slow(Duration::ZERO));
    h.sandbox.inject_fault(Fault::LoseResponse);
    pay_with_card(&h, &token, &created, "4242424242424242").await;
    let read = settled(&h, &token, &order).await;
    assert_eq!(read["state"], "completed", "{read}");
    assert_eq!(read["payment"]["state"], "captured");
    assert_eq!(
        stripe().intent(&intent).await.unwrap().status,
        IntentStatus::Succeeded
    );
    h.service.sweep().await.unwrap();
    assert_eq!(plans_of(&h, &token, &esim).await, 2, "added once");
    assert!(balance(&h).await < before);
}

#[tokio::test]
async fn a_top_up_that_cannot_be_confirmed_is_held_for_review_and_not_charged() {
    let mut config = card_config(&base());
    config.review_after_secs = 0;
    let h = harness_with(config, SandboxConfig::default());
    let AwaitingTopUp {
        token,
        esim,
        created,
        order,
        intent,
    } = top_up_awaiting(&h, "card-topup-unknown").await;
    // Sent, and no answer: not added, and nothing says it will not be.
    h.sandbox.inject_fault(Fault::Slow(Duration::ZERO));
    h.sandbox
        .inject_fault(Fault::Hang(Duration::from_millis(10)));
    pay_with_card(&h, &token, &created, "4242424242424242").await;
    // Past the review window (whole seconds), looked at again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    h.service.reconcile().await.unwrap();
    let read = read_order(&h, &token, &order).await;
    assert_eq!(read.json["state"], "needs_review", "{}", read.json);
    assert_eq!(
        read.json["payment"]["state"], "authorized",
        "held, not taken"
    );
    assert_eq!(
        stripe().intent(&intent).await.unwrap().status,
        IntentStatus::RequiresCapture
    );
    // The merchant finds it was not added: released.
    let wrong = h
        .service
        .settle_by_hand(&order, &["8900000000000000000".into()])
        .await;
    assert!(wrong.is_err(), "only the topped-up eSIM's ICCID settles it");
    h.service.settle_by_hand(&order, &[]).await.unwrap();
    let read = read_order(&h, &token, &order).await;
    assert_eq!(read.json["state"], "failed", "{}", read.json);
    assert_eq!(read.json["payment"]["state"], "cancelled");
    assert_eq!(
        stripe().intent(&intent).await.unwrap().status,
        IntentStatus::Canceled
    );
    assert_eq!(plans_of(&h, &token, &esim).await, 1);
}

#[tokio::test]
async fn a_paid_top_up_a_restart_left_unsent_is_sent_once() {
    // A restart between the payment being taken and the top-up being measured and sent:
    // paid at Stripe and taken in the store, and nothing else.
    let h = card_harness(SandboxConfig::default());
    let AwaitingTopUp {
        token,
        esim,
        created,
        order,
        intent,
    } = top_up_awaiting(&h, "card-topup-restart").await;
    let setup = created["payment"]["setup_secret"].as_str().unwrap();
    let method = set_up_card(setup, "4242424242424242").await.unwrap();
    let held = stripe()
        .pay_with(&intent, &method, "card-topup-restart-pay")
        .await
        .unwrap();
    assert_eq!(held.status, IntentStatus::RequiresCapture);
    assert!(h
        .service
        .store
        .take_paid_order(order.clone(), now())
        .await
        .unwrap());
    let before = balance(&h).await;

    h.service.reconcile().await.unwrap();
    let read = settled(&h, &token, &order).await;
    assert_eq!(read["state"], "completed", "{read}");
    assert_eq!(read["payment"]["state"], "captured");
    h.service.reconcile().await.unwrap();
    assert_eq!(plans_of(&h, &token, &esim).await, 2, "sent once");
    assert!(balance(&h).await < before);
}

#[tokio::test]
async fn a_second_top_up_waits_while_an_earlier_one_of_the_same_esim_is_unconfirmed() {
    // The outcome of an unanswered top-up is read from the eSIM having grown: a second top-up
    // added meanwhile would make the first look added, and charged, when it was not.
    let mut config = card_config(&base());
    config.review_after_secs = 0;
    let h = harness_with(config, SandboxConfig::default());
    let first = top_up_awaiting(&h, "card-topup-two").await;
    let (code, _) = a_top_up_of(&h, &first.token, &first.esim).await;
    h.sandbox.inject_fault(Fault::Slow(Duration::ZERO));
    h.sandbox
        .inject_fault(Fault::Hang(Duration::from_millis(10)));
    pay_with_card(&h, &first.token, &first.created, "4242424242424242").await;
    let second = top_up_order(&h, &first.token, &first.esim, &code, "card-topup-two-2").await;
    pay_with_card(&h, &first.token, &second.json, "4242424242424242").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    h.service.reconcile().await.unwrap();
    h.service.reconcile().await.unwrap();

    // The first is held, its card not charged; the second, paid, is not sent meanwhile.
    let held = read_order(&h, &first.token, &first.order).await;
    assert_eq!(held.json["state"], "needs_review", "{}", held.json);
    assert_eq!(
        stripe().intent(&first.intent).await.unwrap().status,
        IntentStatus::RequiresCapture
    );
    let second_id = second.json["id"].as_str().unwrap().to_owned();
    let waiting = read_order(&h, &first.token, &second_id).await;
    assert_eq!(waiting.json["state"], "pending", "{}", waiting.json);
    assert_eq!(waiting.json["payment"]["state"], "authorized");
    assert_eq!(plans_of(&h, &first.token, &first.esim).await, 1);

    // The merchant finds the first was not added: released; the second goes through, and
    // only it is charged.
    h.service.settle_by_hand(&first.order, &[]).await.unwrap();
    h.service.reconcile().await.unwrap();
    let added = settled(&h, &first.token, &second_id).await;
    assert_eq!(added["state"], "completed", "{added}");
    assert_eq!(added["payment"]["state"], "captured");
    assert_eq!(plans_of(&h, &first.token, &first.esim).await, 2);
    assert_eq!(
        stripe().intent(&first.intent).await.unwrap().status,
        IntentStatus::Canceled,
        "the first, never added, never charged"
    );
}

#[tokio::test]
async fn a_top_up_waits_while_a_cancel_of_its_esim_is_under_way() {
    // A cancel refunds the eSIM's own share only: a top-up added while one is under way would
    // be charged and lost. Its refund owed stands for the cancel in progress.
    let h = card_harness(SandboxConfig::default());
    let topping = top_up_awaiting(&h, "card-topup-cancelling").await;
    let esim = h
        .service
        .store
        .esim(topping.esim.clone())
        .await
        .unwrap()
        .unwrap();
    let start = now();
    h.service
        .store
        .owe_refund(
            esim_proxy::store::RefundRow {
                esim_id: esim.id.clone(),
                order_id: esim.order_id.clone(),
                amount_minor: 100,
                currency: "EUR".into(),
                refunded: false,
                refund_id: None,
                created_at: start,
            },
            start,
        )
        .await
        .unwrap();
    pay_with_card(&h, &topping.token, &topping.created, "4242424242424242").await;
    h.service.reconcile().await.unwrap();
    let waiting = read_order(&h, &topping.token, &topping.order).await;
    assert_eq!(waiting.json["state"], "pending", "{}", waiting.json);
    assert_eq!(waiting.json["payment"]["state"], "authorized");
    assert_eq!(
        plans_of(&h, &topping.token, &topping.esim).await,
        1,
        "not sent"
    );

    // The cancel did not happen after all (its owed refund forgotten): the top-up goes on.
    h.service
        .store
        .forget_refund(esim.id.clone())
        .await
        .unwrap();
    h.service.reconcile().await.unwrap();
    let added = settled(&h, &topping.token, &topping.order).await;
    assert_eq!(added["state"], "completed", "{added}");
    assert_eq!(plans_of(&h, &topping.token, &topping.esim).await, 2);
}
