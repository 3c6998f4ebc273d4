//! The proxy's Stripe client against localstripe over HTTP (`cargo xtask test` starts it and
//! sets `ESIM_LOCALSTRIPE_URL`): create, retrieve, capture, cancel, refund, a declined card,
//! and a refused key.

use std::time::Duration;

use esim_core::{Currency, Money};
use esim_providers::Secret;
use esim_proxy::payments::stripe::{IntentStatus, NewIntent, Stripe, StripeError};

const KEY: &str = "sk_test_esim_storefront";

fn base() -> String {
    std::env::var("ESIM_LOCALSTRIPE_URL").expect(
        "ESIM_LOCALSTRIPE_URL names a running localstripe: `cargo xtask test` starts one \
         (or run `localstripe --port 8420` and set ESIM_LOCALSTRIPE_URL=http://127.0.0.1:8420)",
    )
}

fn stripe(key: &str) -> Stripe {
    Stripe::new(&base(), Secret::new(key), Duration::from_secs(10)).unwrap()
}

/// A card payment method made as Stripe.js would make it from the card field.
async fn card(number: &str) -> String {
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/v1/payment_methods", base()))
        .basic_auth(KEY, Some(""))
        .form(&[
            ("type", "card"),
            ("card[number]", number),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2034"),
            ("card[cvc]", "123"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["id"].as_str().expect("a pm_ id").to_owned()
}

fn eur(cents: i64) -> Money {
    Money::from_minor(cents, "EUR".parse::<Currency>().unwrap())
}

#[tokio::test]
async fn an_authorized_payment_is_captured_then_refunded() {
    let stripe = stripe(KEY);
    let method = card("4242424242424242").await;
    let intent = stripe
        .create_intent(&NewIntent {
            total: eur(1299),
            order_id: "ord_capture",
            payment_method: Some(&method),
            idempotency_key: "ord_capture-intent",
        })
        .await
        .unwrap();
    assert_eq!(intent.status, IntentStatus::RequiresCapture, "{intent:?}");
    assert_eq!((intent.amount, intent.currency.as_str()), (1299, "eur"));
    assert_eq!(intent.metadata["order_id"], "ord_capture");
    assert!(intent
        .client_secret
        .as_deref()
        .is_some_and(|s| s.starts_with(&intent.id)));

    let read = stripe.intent(&intent.id).await.unwrap();
    assert_eq!(read.status, IntentStatus::RequiresCapture);

    let captured = stripe
        .capture(&intent.id, "ord_capture-capture")
        .await
        .unwrap();
    assert_eq!(captured.status, IntentStatus::Succeeded);
    assert_eq!(captured.amount, 1299);

    let refund = stripe
        .refund(&intent.id, "ord_capture-refund")
        .await
        .unwrap();
    assert_eq!(refund.amount, 1299);
    assert_eq!(refund.status, "succeeded");
}

/// The flow the widget drives: the order's PaymentIntent waits for a card the browser set up;
/// a card declined when charged leaves it unpaid; a good card authorizes it; a 3-D Secure card
/// asks for the browser's challenge. (Stripe lets a declined PaymentIntent be paid with another
/// card; localstripe does not, so each case here has its own PaymentIntent. In the widget, a
/// card declined outright is refused earlier, when the browser confirms the SetupIntent.)
#[tokio::test]
async fn a_waiting_intent_is_paid_with_a_card_the_browser_set_up() {
    let stripe = stripe(KEY);
    let setup = stripe.create_setup("ord_flow-setup").await.unwrap();
    assert_eq!(setup.status, "requires_payment_method");
    assert!(setup
        .client_secret
        .as_deref()
        .is_some_and(|s| s.starts_with(&setup.id)));
    assert!(!format!("{setup:?}").contains("secret"));
    assert_eq!(stripe.setup(&setup.id).await.unwrap().id, setup.id);

    let waiting = |order: &'static str| {
        let stripe = stripe.clone();
        async move {
            stripe
                .create_intent(&NewIntent {
                    total: eur(1500),
                    order_id: order,
                    payment_method: None,
                    idempotency_key: order,
                })
                .await
                .unwrap()
        }
    };
    let intent = waiting("ord_declined_at_charge").await;
    let declined = card("4000000000000341").await;
    let e = stripe
        .pay_with(&intent.id, &declined, "ord_declined_at_charge-pay")
        .await
        .unwrap_err();
    assert!(matches!(e, StripeError::Card { .. }), "{e:?}");
    assert!(!stripe.intent(&intent.id).await.unwrap().status.is_paid());

    let intent = waiting("ord_flow").await;
    let good = card("4242424242424242").await;
    let paid = stripe
        .pay_with(&intent.id, &good, "ord_flow-pay")
        .await
        .unwrap();
    assert_eq!(paid.id, intent.id, "the same PaymentIntent");
    assert_eq!(paid.status, IntentStatus::RequiresCapture);

    let challenged = waiting("ord_3ds").await;
    let secure = card("4000002500003155").await;
    let asked = stripe
        .pay_with(&challenged.id, &secure, "ord_3ds-pay-1")
        .await
        .unwrap();
    assert_eq!(asked.status, IntentStatus::RequiresAction);
    assert!(!asked.status.is_paid());
}

#[tokio::test]
async fn a_cancelled_authorization_cannot_be_captured() {
    let stripe = stripe(KEY);
    let method = card("4242424242424242").await;
    let intent = stripe
        .create_intent(&NewIntent {
            total: eur(499),
            order_id: "ord_cancel",
            payment_method: Some(&method),
            idempotency_key: "ord_cancel-intent",
        })
        .await
        .unwrap();
    let cancelled = stripe
        .cancel(&intent.id, "ord_cancel-cancel")
        .await
        .unwrap();
    assert_eq!(cancelled.status, IntentStatus::Canceled);
    assert!(!cancelled.status.is_paid());
    let e = stripe
        .capture(&intent.id, "ord_cancel-capture")
        .await
        .unwrap_err();
    assert!(matches!(e, StripeError::Invalid { .. }), "{e:?}");
}

#[tokio::test]
async fn an_intent_without_a_card_waits_for_one() {
    let intent = stripe(KEY)
        .create_intent(&NewIntent {
            total: eur(700),
            order_id: "ord_waiting",
            payment_method: None,
            idempotency_key: "ord_waiting-intent",
        })
        .await
        .unwrap();
    assert_eq!(intent.status, IntentStatus::RequiresPaymentMethod);
    assert!(!intent.status.is_paid());
}

#[tokio::test]
async fn a_declined_card_and_a_wrong_key_are_their_own_errors() {
    let stripe_ = stripe(KEY);
    let declined = card("4000000000000341").await;
    let e = stripe_
        .create_intent(&NewIntent {
            total: eur(500),
            order_id: "ord_declined",
            payment_method: Some(&declined),
            idempotency_key: "ord_declined-intent",
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StripeError::Card { code, .. } if code == "card_declined"),
        "{e:?}"
    );

    let e = stripe("wrong").intent("pi_anything").await.unwrap_err();
    assert!(matches!(e, StripeError::Unauthorized(_)), "{e:?}");
    assert!(
        !format!("{e:?}").contains(KEY),
        "the key is in no error: {e:?}"
    );
    let e = stripe_.intent("pi_doesnotexist").await.unwrap_err();
    assert!(matches!(e, StripeError::Invalid { .. }), "{e:?}");
}
