//! Stripe's units, its error bodies, and what never prints.

use super::*;

#[test]
fn amounts_in_stripe_units() {
    let cur = |c: &str| c.parse::<Currency>().unwrap();
    assert_eq!(
        stripe_amount(Money::from_minor(1299, cur("EUR"))),
        (1299, "eur".to_owned())
    );
    assert_eq!(
        stripe_amount(Money::from_minor(500, cur("JPY"))),
        (500, "jpy".to_owned()),
        "zero-decimal: yen"
    );
    assert_eq!(
        stripe_amount(Money::from_minor(2500, cur("ISK"))),
        (250_000, "isk".to_owned()),
        "ISK is two-decimal at Stripe"
    );
    assert_eq!(
        from_stripe_amount(250_000, cur("ISK")),
        Money::from_minor(2500, cur("ISK"))
    );
    assert_eq!(
        stripe_amount(Money::from_minor(1250, cur("KWD"))),
        (1250, "kwd".to_owned())
    );
}

#[test]
fn errors_read_as_kinds() {
    assert!(matches!(
        error(401, br#"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_***"}}"#),
        StripeError::Unauthorized(_)
    ));
    assert_eq!(
        error(402, br#"{"error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline","message":"Your card was declined."}}"#),
        StripeError::Card { code: "generic_decline".into(), message: "Your card was declined.".into() }
    );
    assert!(matches!(error(503, b"<html>"), StripeError::Unavailable(_)));
    assert!(matches!(
        error(400, br#"{"error":{"type":"invalid_request_error","code":"payment_intent_unexpected_state","message":"x"}}"#),
        StripeError::Invalid { code, .. } if code == "payment_intent_unexpected_state"
    ));
    assert!(segment("pi_123abc").is_ok());
    assert!(segment("../v1/charges").is_err());
}

#[test]
fn a_client_secret_never_prints() {
    let intent: PaymentIntent = serde_json::from_str(
        r#"{"id":"pi_1","status":"requires_capture","amount":500,"currency":"usd","client_secret":"pi_1_secret_abc","metadata":{"order_id":"o1"},"livemode":false}"#,
    )
    .unwrap();
    assert!(intent.status.is_paid());
    assert!(!format!("{intent:?}").contains("secret_abc"));
}

#[test]
fn an_echoed_key_is_scrubbed_from_errors() {
    let key = "sk_test_51Hechoed0000key";
    let stripe = Stripe::new(
        "http://127.0.0.1:9",
        Secret::new(key),
        Duration::from_secs(1),
    )
    .unwrap();
    let body = format!(
        r#"{{"error":{{"type":"invalid_request_error","message":"Invalid API Key provided: {key}"}}}}"#
    );
    let e = stripe.failure(401, body.as_bytes());
    assert!(
        matches!(&e, StripeError::Unauthorized(m) if m.contains("***")),
        "{e:?}"
    );
    assert!(!format!("{e:?}").contains(key), "{e:?}");
    let body = format!(
        r#"{{"error":{{"type":"card_error","code":"card_declined","message":"declined for {key}"}}}}"#
    );
    assert!(!format!("{:?}", stripe.failure(402, body.as_bytes())).contains(key));
}
