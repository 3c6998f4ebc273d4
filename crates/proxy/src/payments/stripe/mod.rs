//! The proxy's Stripe client: the few PaymentIntent and Refund calls card payment needs, over
//! Stripe's form-encoded API with the secret key as a bearer token. Every call that creates or
//! moves money carries an idempotency key, so that a retry never charges twice.

use std::collections::HashMap;
use std::time::Duration;

use esim_core::{Currency, Money};
use esim_providers::http::{self, Http};
use esim_providers::{Endpoint, ErrorKind, ProviderError, Secret};
use reqwest::Method;
use serde::Deserialize;

/// Stripe's API.
pub const API_BASE: &str = "https://api.stripe.com";

/// Why a Stripe call failed, in kinds the order flow acts on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripeError {
    /// The secret key was refused (401): the merchant's configuration is wrong.
    #[error("Stripe refused the secret key: {0}")]
    Unauthorized(String),
    /// The card was declined, or its check failed (`card_error`): the shopper may try another.
    #[error("the card was declined ({code}): {message}")]
    Card { code: String, message: String },
    /// Stripe refused the request's content (`invalid_request_error`), or its state does not
    /// allow it (capturing a cancelled PaymentIntent).
    #[error("Stripe refused the request ({code}): {message}")]
    Invalid { code: String, message: String },
    /// Stripe is down, answered 5xx, or asked to slow down.
    #[error("Stripe is unavailable: {0}")]
    Unavailable(String),
    /// No answer in time: the call may or may not have happened (retry with the same key).
    #[error("no answer from Stripe in time")]
    Timeout,
    /// An answer we cannot read.
    #[error("Stripe answered something unreadable: {0}")]
    Malformed(String),
}

/// Where a PaymentIntent stands (Stripe's `status`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentStatus {
    RequiresPaymentMethod,
    RequiresConfirmation,
    RequiresAction,
    Processing,
    /// Authorized, waiting for our capture (manual capture).
    RequiresCapture,
    Canceled,
    Succeeded,
    #[serde(other)]
    Unknown,
}

impl IntentStatus {
    /// Whether the shopper's money is held or taken: the order may be fulfilled.
    pub fn is_paid(&self) -> bool {
        matches!(
            self,
            IntentStatus::RequiresCapture | IntentStatus::Succeeded
        )
    }
}

/// A PaymentIntent, as far as the proxy reads it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    pub status: IntentStatus,
    /// In Stripe's minor units of `currency` (see [`stripe_amount`]).
    pub amount: i64,
    /// Lower-case ISO 4217, as Stripe writes it.
    pub currency: String,
    /// For the shopper's browser only: a [`Secret`], so never logged; never stored.
    pub client_secret: Option<Secret>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
}

/// A SetupIntent: what the shopper's browser confirms with the card field
/// (`stripe.confirmCardSetup`), leaving a payment method (`pm_…`) the proxy then pays with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SetupIntent {
    pub id: String,
    /// `requires_payment_method` until the browser confirms it, then `succeeded`.
    pub status: String,
    pub payment_method: Option<String>,
    /// For the shopper's browser only: a [`Secret`], so never logged.
    pub client_secret: Option<Secret>,
}

/// A refund of a PaymentIntent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Refund {
    pub id: String,
    pub amount: i64,
    pub status: String,
    #[serde(default)]
    pub metadata: std::collections::HashMap<String, String>,
}

/// A PaymentIntent to create: for exactly an order's total, captured by hand once the eSIM is
/// bought.
#[derive(Debug, Clone)]
pub struct NewIntent<'a> {
    pub total: Money,
    /// The order's id, kept in the PaymentIntent's metadata (`order_id`).
    pub order_id: &'a str,
    /// A payment method to confirm with at once (`pm_…`), if the shopper has given one.
    pub payment_method: Option<&'a str>,
    /// Derived from the order, so that creating twice gives the same PaymentIntent.
    pub idempotency_key: &'a str,
}

/// Stripe's amount and currency for `money`. Stripe counts in the currency's smallest unit as
/// ISO 4217 does (cents; yen for JPY, a zero-decimal currency; fils for the three-decimal
/// KWD, BHD, JOD, OMR and TND, where Stripe wants the last digit 0), with one exception we
/// sell in: ISK, zero-decimal in ISO 4217, is two-decimal at Stripe (amounts a multiple of 100).
pub fn stripe_amount(money: Money) -> (i64, String) {
    let currency = money.currency();
    let code = currency.code().to_ascii_lowercase();
    let amount = match currency.code() {
        "ISK" => money.minor().saturating_mul(100),
        _ => money.minor(),
    };
    (amount, code)
}

/// The amount Stripe reports for `currency`, back in ISO 4217 minor units.
pub fn from_stripe_amount(amount: i64, currency: Currency) -> Money {
    match currency.code() {
        "ISK" => Money::from_minor(amount / 100, currency),
        _ => Money::from_minor(amount, currency),
    }
}

/// The client, on the project's one HTTP layer (`esim_providers::http::Http`: the base URL
/// checked, the timeout, transport failures read as kinds, `Retry-After` honoured).
#[derive(Debug, Clone)]
pub struct Stripe {
    http: Http,
    key: Secret,
}

impl Stripe {
    /// A client for the API at `base` (Stripe's, or a stand-in's in tests) with `key`.
    pub fn new(base: &str, key: Secret, timeout: Duration) -> Result<Stripe, StripeError> {
        let http = Http::new("Stripe", &Endpoint::new(base).with_timeout(timeout))
            .map_err(transport)?
            .hiding(&[&key]);
        Ok(Stripe { http, key })
    }

    /// Creates a PaymentIntent for `intent` with manual capture.
    pub async fn create_intent(
        &self,
        intent: &NewIntent<'_>,
    ) -> Result<PaymentIntent, StripeError> {
        let (amount, currency) = stripe_amount(intent.total);
        let mut form = vec![
            ("amount", amount.to_string()),
            ("currency", currency),
            ("capture_method", "manual".to_owned()),
            ("payment_method_types[]", "card".to_owned()),
            ("metadata[order_id]", intent.order_id.to_owned()),
        ];
        if let Some(method) = intent.payment_method {
            form.push(("payment_method", method.to_owned()));
            form.push(("confirm", "true".to_owned()));
        }
        self.post("/v1/payment_intents", &form, Some(intent.idempotency_key))
            .await
    }

    /// Attaches the shopper's payment method to a PaymentIntent, then confirms it on the
    /// server: `requires_capture` once authorized, `requires_action` when the bank asks for
    /// 3-D Secure (the browser completes it with `stripe.confirmCardPayment`), or a
    /// [`StripeError::Card`] for a declined card, after which Stripe lets another card be tried
    /// on the same PaymentIntent (localstripe does not). (Confirming with a `payment_method` parameter is Stripe's shortcut;
    /// localstripe refuses it, so the method is set by an update first, which Stripe allows too.)
    pub async fn pay_with(
        &self,
        id: &str,
        payment_method: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, StripeError> {
        let path = format!("/v1/payment_intents/{}", segment(id)?);
        let form = [("payment_method", segment(payment_method)?.to_owned())];
        let _: PaymentIntent = self.post(&path, &form, None).await?;
        self.post(&format!("{path}/confirm"), &[], Some(idempotency_key))
            .await
    }

    /// Creates a SetupIntent for a card, for the browser to confirm with the card field.
    pub async fn create_setup(&self, idempotency_key: &str) -> Result<SetupIntent, StripeError> {
        let form = [("payment_method_types[]", "card".to_owned())];
        self.post("/v1/setup_intents", &form, Some(idempotency_key))
            .await
    }

    /// Retrieves a SetupIntent (to read the payment method the browser confirmed it with).
    pub async fn setup(&self, id: &str) -> Result<SetupIntent, StripeError> {
        let path = format!("/v1/setup_intents/{}", segment(id)?);
        self.send(self.http.get(&path, &[]), None).await
    }

    /// Retrieves a PaymentIntent.
    pub async fn intent(&self, id: &str) -> Result<PaymentIntent, StripeError> {
        let path = format!("/v1/payment_intents/{}", segment(id)?);
        self.send(self.http.get(&path, &[]), None).await
    }

    /// Captures an authorized PaymentIntent in full.
    pub async fn capture(
        &self,
        id: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, StripeError> {
        let path = format!("/v1/payment_intents/{}/capture", segment(id)?);
        let intent: PaymentIntent = self.post(&path, &[], Some(idempotency_key)).await?;
        expect(intent, IntentStatus::Succeeded)
    }

    /// Cancels a PaymentIntent: an authorization is released, nothing is charged.
    pub async fn cancel(
        &self,
        id: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, StripeError> {
        let path = format!("/v1/payment_intents/{}/cancel", segment(id)?);
        let intent: PaymentIntent = self.post(&path, &[], Some(idempotency_key)).await?;
        expect(intent, IntentStatus::Canceled)
    }

    /// Refunds `amount` (Stripe's units; the whole charge if `None`) of a captured
    /// PaymentIntent, recording what it is for (`for_esim`) in its metadata, so that
    /// [`Stripe::refunds`] can tell later whether it was made.
    pub async fn refund(
        &self,
        intent_id: &str,
        amount: Option<i64>,
        for_esim: &str,
        idempotency_key: &str,
    ) -> Result<Refund, StripeError> {
        let mut form = vec![
            ("payment_intent", segment(intent_id)?.to_owned()),
            ("metadata[esim_id]", for_esim.to_owned()),
        ];
        if let Some(amount) = amount {
            form.push(("amount", amount.to_string()));
        }
        self.post("/v1/refunds", &form, Some(idempotency_key)).await
    }

    /// The refunds made of a PaymentIntent (Stripe's first page of 100: an order has at most
    /// [`esim_core::api::MAX_QUANTITY`]).
    pub async fn refunds(&self, intent_id: &str) -> Result<Vec<Refund>, StripeError> {
        #[derive(Deserialize)]
        struct List {
            data: Vec<Refund>,
        }
        let query = [("payment_intent", segment(intent_id)?), ("limit", "100")];
        let list: List = self
            .send(self.http.get("/v1/refunds", &query), None)
            .await?;
        Ok(list.data)
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, String)],
        idempotency_key: Option<&str>,
    ) -> Result<T, StripeError> {
        let request = self.http.request(Method::POST, path).form(form);
        self.send(request, idempotency_key).await
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        idempotency_key: Option<&str>,
    ) -> Result<T, StripeError> {
        let mut request = request.bearer_auth(self.key.expose());
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        let reply = self.http.send(request).await.map_err(transport)?;
        if reply.is_success() {
            serde_json::from_slice(&reply.body).map_err(|e| StripeError::Malformed(e.to_string()))
        } else {
            Err(self.failure(reply.status, &reply.body))
        }
    }
}

/// `intent` if it ended in `status`; otherwise the change did not happen (Stripe refuses to
/// capture a cancelled PaymentIntent; localstripe answers it unchanged), which is an error.
fn expect(intent: PaymentIntent, status: IntentStatus) -> Result<PaymentIntent, StripeError> {
    if intent.status == status {
        Ok(intent)
    } else {
        Err(StripeError::Invalid {
            code: "payment_intent_unexpected_state".into(),
            message: format!("{} is {:?}, not {status:?}", intent.id, intent.status),
        })
    }
}

/// An id safe in a path, by the HTTP layer's one rule ([`http::segment`]).
fn segment(id: &str) -> Result<&str, StripeError> {
    http::segment("Stripe object", id).map_err(|e| StripeError::Invalid {
        code: "resource_missing".into(),
        message: e.message,
    })
}

impl Stripe {
    /// Stripe's error answer, with the secret key scrubbed from its message should Stripe
    /// (or a stand-in) ever echo it.
    fn failure(&self, status: u16, body: &[u8]) -> StripeError {
        let scrub = |m: String| self.http.scrub(&m);
        match error(status, body) {
            StripeError::Unauthorized(m) => StripeError::Unauthorized(scrub(m)),
            StripeError::Card { code, message } => StripeError::Card {
                code,
                message: scrub(message),
            },
            StripeError::Invalid { code, message } => StripeError::Invalid {
                code,
                message: scrub(message),
            },
            StripeError::Unavailable(m) => StripeError::Unavailable(scrub(m)),
            other => other,
        }
    }
}

/// A failure of the HTTP layer, before Stripe answered anything.
fn transport(e: ProviderError) -> StripeError {
    match e.kind {
        ErrorKind::Timeout => StripeError::Timeout,
        ErrorKind::InvalidRequest => StripeError::Invalid {
            code: "request".into(),
            message: e.message,
        },
        _ => StripeError::Unavailable(e.message),
    }
}

/// Reads Stripe's error body: `{"error": {"type", "code", "decline_code", "message"}}`.
fn error(status: u16, body: &[u8]) -> StripeError {
    #[derive(Deserialize, Default)]
    struct Body {
        #[serde(default)]
        error: Detail,
    }
    #[derive(Deserialize, Default)]
    struct Detail {
        #[serde(default, rename = "type")]
        kind: String,
        code: Option<String>,
        decline_code: Option<String>,
        message: Option<String>,
    }
    let detail = serde_json::from_slice::<Body>(body)
        .unwrap_or_default()
        .error;
    let message = detail
        .message
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned());
    let code = detail
        .decline_code
        .or(detail.code)
        .unwrap_or_else(|| detail.kind.clone());
    match (status, detail.kind.as_str()) {
        (401, _) => StripeError::Unauthorized(message),
        (_, "card_error") | (402, _) => StripeError::Card { code, message },
        (429, _) | (500..=599, _) => StripeError::Unavailable(message),
        _ => StripeError::Invalid { code, message },
    }
}

#[cfg(test)]
mod tests;
