//! The proxy's Stripe client against localstripe over HTTP (`cargo xtask test` starts it and
//! sets `ESIM_LOCALSTRIPE_URL`): create, retrieve, capture, cancel, refund, a declined card,
//! and a refused key.

mod common;

use std::time::Duration;

use esim_core::{Currency, Money};
use esim_providers::Secret;
use esim_proxy::payments::stripe::{IntentStatus, NewIntent, PaymentIntent, Stripe, StripeError};
use esim_proxy::payments::webhook::{read_event, WebhookError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KEY: &str = "sk_test_esim_storefront";

fn base() -> String {
    common::localstripe_url()
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

/// A PaymentIntent for `cents` euros of `order`, paid at once with `method` if given.
async fn new_intent(
    stripe: &Stripe,
    order: &str,
    cents: i64,
    method: Option<&str>,
) -> Result<PaymentIntent, StripeError> {
    stripe
        .create_intent(&NewIntent {
            total: eur(cents),
            order_id: order,
            payment_method: method,
            idempotency_key: &format!("{order}-intent"),
        })
        .await
}

fn eur(cents: i64) -> Money {
    Money::from_minor(cents, "EUR".parse::<Currency>().unwrap())
}

#[tokio::test]
async fn an_authorized_payment_is_captured_then_refunded() {
    let stripe = stripe(KEY);
    let method = card("4242424242424242").await;
    let intent = new_intent(&stripe, "ord_capture", 1299, Some(&method))
        .await
        .unwrap();
    assert_eq!(intent.status, IntentStatus::RequiresCapture, "{intent:?}");
    assert_eq!((intent.amount, intent.currency.as_str()), (1299, "eur"));
    assert_eq!(intent.metadata["order_id"], "ord_capture");
    assert!(intent
        .client_secret
        .as_ref()
        .map(Secret::expose)
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
        .refund(&intent.id, Some(500), "esim_a", "ord_capture-refund-a")
        .await
        .unwrap();
    assert_eq!(refund.amount, 500, "a part, as asked");
    assert_eq!(refund.status, "succeeded");
    let rest = stripe
        .refund(&intent.id, None, "esim_b", "ord_capture-refund-b")
        .await
        .unwrap();
    assert_eq!(rest.status, "succeeded");
    let made = stripe.refunds(&intent.id).await.unwrap();
    let mut by_esim: Vec<(String, i64)> = made
        .iter()
        .map(|r| (r.metadata["esim_id"].clone(), r.amount))
        .collect();
    by_esim.sort();
    assert_eq!(by_esim[0], ("esim_a".to_owned(), 500));
    assert_eq!(by_esim[1].0, "esim_b");
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
        .as_ref()
        .map(Secret::expose)
        .is_some_and(|s| s.starts_with(&setup.id)));
    let secret = setup.client_secret.as_ref().unwrap().expose();
    assert!(!format!("{setup:?}").contains(secret), "{setup:?}");
    assert_eq!(stripe.setup(&setup.id).await.unwrap().id, setup.id);

    let waiting = |order: &'static str| {
        let stripe = stripe.clone();
        async move { new_intent(&stripe, order, 1500, None).await.unwrap() }
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
    let intent = new_intent(&stripe, "ord_cancel", 499, Some(&method))
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
    let intent = new_intent(&stripe(KEY), "ord_waiting", 700, None)
        .await
        .unwrap();
    assert_eq!(intent.status, IntentStatus::RequiresPaymentMethod);
    assert!(!intent.status.is_paid());
}

#[tokio::test]
async fn a_declined_card_and_a_wrong_key_are_their_own_errors() {
    let stripe_ = stripe(KEY);
    let declined = card("4000000000000341").await;
    let e = new_intent(&stripe_, "ord_declined", 500, Some(&declined))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StripeError::Card { code, .. } if code == "card_declined"),
        "{e:?}"
    );

    let refused = "key_refused_by_the_stand_in_7q";
    let e = stripe(refused).intent("pi_anything").await.unwrap_err();
    assert!(matches!(e, StripeError::Unauthorized(_)), "{e:?}");
    assert!(
        !format!("{e:?}").contains(refused),
        "the key is in no error: {e:?}"
    );
    let e = stripe_.intent("pi_doesnotexist").await.unwrap_err();
    assert!(matches!(e, StripeError::Invalid { .. }), "{e:?}");
}

/// Reads one HTTP request from `listener` and answers 200: its `Stripe-Signature` and body.
async fn one_webhook(listener: &tokio::net::TcpListener) -> (Option<String>, Vec<u8>) {
    let (mut socket, _) = listener.accept().await.unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = socket.read(&mut buf).await.unwrap();
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let header = |name: &str| {
                head.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim()
                        .eq_ignore_ascii_case(name)
                        .then(|| v.trim().to_owned())
                })
            };
            let length: usize = header("content-length")
                .and_then(|l| l.parse().ok())
                .unwrap_or(0);
            if body.len() >= length || n == 0 {
                let start = raw.len() - body.len();
                let body = raw[start..start + length.min(body.len())].to_vec();
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await
                    .unwrap();
                return (header("stripe-signature"), body);
            }
        }
    }
}

/// localstripe signs its webhooks as Stripe does: an event it delivers for our PaymentIntent
/// reads as that PaymentIntent's; changed by a byte, or checked with another secret, it does not.
#[tokio::test]
async fn a_webhook_signed_by_localstripe_reads_as_its_event() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/v1/webhooks/stripe",
        listener.local_addr().unwrap()
    );
    let secret = "whsec_esim_storefront_test";
    let status = reqwest::Client::new()
        .post(format!("{}/_config/webhooks/esim-signature-test", base()))
        .form(&[
            ("url", url.as_str()),
            ("secret", secret),
            ("events[]", "payment_intent.amount_capturable_updated"),
            ("events[]", "payment_intent.succeeded"),
        ])
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "{status}");

    let method = card("4242424242424242").await;
    let intent = new_intent(&stripe(KEY), "ord_webhook", 900, Some(&method))
        .await
        .unwrap();
    // localstripe tells of a manually captured PaymentIntent once it is captured.
    stripe(KEY)
        .capture(&intent.id, "ord_webhook-capture")
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    // Other tests' PaymentIntents may be delivered here too: wait for ours.
    let (header, body) = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let (header, body) = one_webhook(&listener).await;
            let event = read_event(header.as_deref(), &body, secret, now).unwrap();
            if event.intent.as_deref() == Some(intent.id.as_str()) {
                assert!(event.id.starts_with("evt_"), "{event:?}");
                return (header, body);
            }
        }
    })
    .await
    .expect("localstripe delivers the event within 30 s");

    let mut changed = body.clone();
    let last = changed.iter().rposition(|b| b.is_ascii_digit()).unwrap();
    changed[last] = if changed[last] == b'9' { b'8' } else { b'9' };
    assert!(matches!(
        read_event(header.as_deref(), &changed, secret, now),
        Err(WebhookError::Signature(_))
    ));
    assert!(matches!(
        read_event(header.as_deref(), &body, "whsec_other", now),
        Err(WebhookError::Signature(_))
    ));
    assert!(matches!(
        read_event(header.as_deref(), &body, secret, now + 3600),
        Err(WebhookError::Signature(_))
    ));
}
