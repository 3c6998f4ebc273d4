//! The storefront API: what the widget and the proxy say to each other under `/v1`.
//!
//! These types are the contract. The proxy serialises them and the widget deserialises the
//! same types, so the two cannot drift apart; the proxy's OpenAPI document is generated from
//! them. Money is always `{minor, currency}`, volumes bytes or `"unlimited"`, times Unix
//! seconds.

use serde::{Deserialize, Serialize};

use crate::activation::ActivationCode;
use crate::catalog::{Destination, Package};
use crate::money::{Currency, Money};
use crate::status::EsimStatus;
use crate::validity::Validity;
use crate::volume::Volume;

/// The most eSIMs one order or quote may hold.
pub const MAX_QUANTITY: u32 = 10;

/// Who may order: anyone in a test shop, or only the merchant's signed-in customers.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckoutMode {
    /// Anyone may order; every order is a test order and nothing is charged.
    Sandbox,
    /// Orders need a customer token issued by the merchant's backend.
    Customer,
    /// Anyone may order and pays by card through Stripe; the eSIM is bought only once the
    /// payment is authorized, and the card is charged only once the eSIM is bought.
    Stripe,
}

/// Who takes the shopper's payment.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    /// Card payment with Stripe.js.
    Stripe,
}

/// How the shopper pays, with what the widget needs for it (public values only).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentSettings {
    pub kind: PaymentKind,
    /// The merchant's publishable key (`pk_…`): public by Stripe's design.
    pub publishable_key: String,
    /// Where Stripe.js is loaded from.
    pub js_url: String,
}

/// What the provider behind this storefront can do; the widget hides the rest.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Features {
    /// Top-ups of existing eSIMs.
    pub top_up: bool,
    /// Cancel and refund of unused eSIMs.
    pub cancel: bool,
    /// Data usage of an eSIM.
    pub usage: bool,
    /// Prices in currencies other than the provider's.
    pub currencies: bool,
}

/// `GET /v1/storefront`: how this storefront is set up.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Storefront {
    /// The shop's name, as the merchant configured it.
    pub name: String,
    /// Currencies prices can be shown in.
    pub currencies: Vec<Currency>,
    /// The currency used when the shopper has not chosen one.
    pub default_currency: Currency,
    /// Locales the merchant allows (BCP 47, e.g. "en", "fr").
    pub locales: Vec<String>,
    /// What the provider supports.
    pub features: Features,
    /// Who may order.
    pub checkout: CheckoutMode,
    /// Whether orders are test orders (sandbox provider or sandbox checkout).
    pub test_mode: bool,
    /// How the shopper pays, for `checkout = "stripe"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentSettings>,
}

/// One destination with what it offers.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DestinationSummary {
    /// The destination.
    pub destination: Destination,
    /// How many packages are sold under it.
    pub package_count: u32,
    /// The cheapest package's price, in the requested currency.
    pub from_price: Option<Money>,
}

/// `GET /v1/destinations`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DestinationList {
    pub destinations: Vec<DestinationSummary>,
}

/// `GET /v1/packages` and `GET /v1/esims/{id}/topups`: packages priced in `currency`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageList {
    pub currency: Currency,
    pub packages: Vec<Package>,
}

/// `POST /v1/quotes`: the price of `quantity` of a package in a currency.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    pub package_code: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10))]
    #[serde(deserialize_with = "whole_number")]
    pub quantity: u32,
    /// An ISO 4217 code the storefront prices in; checked by the proxy, which answers
    /// `unknown_currency` otherwise.
    #[cfg_attr(feature = "openapi", schema(pattern = "^([A-Za-z]{3})?$"))]
    pub currency: String,
}

/// Reads a count that JSON may write `3` or `3.0` (both integers to JSON Schema); a fraction,
/// a negative, or a count beyond `T` is refused (and a written-out fraction beyond 2^53, where
/// a JSON number stops being exact).
pub fn whole_number<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<u64>,
{
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<u64, E> {
            Ok(n)
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<u64, E> {
            u64::try_from(n).map_err(|_| E::custom(format!("expected a whole number, not {n}")))
        }
        fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<u64, E> {
            const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
            if n.fract() == 0.0 && (0.0..=EXACT).contains(&n) {
                Ok(n as u64)
            } else {
                Err(E::custom(format!("expected a whole number, not {n}")))
            }
        }
    }
    let n = deserializer.deserialize_any(Whole)?;
    T::try_from(n).map_err(|_| serde::de::Error::custom(format!("{n} is too large")))
}

/// The server's price: the only one an order is charged at.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub package_code: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub total: Money,
}

/// `POST /v1/orders` (with an `Idempotency-Key` header). Any price or total a browser adds is
/// ignored: the proxy prices the order itself.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    pub package_code: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10))]
    #[serde(deserialize_with = "whole_number")]
    pub quantity: u32,
    /// As in [`QuoteRequest::currency`].
    #[cfg_attr(feature = "openapi", schema(pattern = "^([A-Za-z]{3})?$"))]
    pub currency: String,
    /// Where the receipt goes (empty: none).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = r#"^$|^[^@\s<>()\[\],;:"\\\x00-\x1f\x7f-\x9f]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"#
        )
    )]
    pub email: Option<String>,
    /// A top-up, in a shop that takes cards: the id of the shopper's eSIM (`esim_…`) that
    /// `package_code`, one of its top-ups, is added to. Paid like an order; buys no eSIM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub top_up_of: Option<String>,
}

/// Where an order is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Waiting for the shopper's card payment (see [`Order::payment`]); nothing is bought
    /// until it is authorized.
    AwaitingPayment,
    /// Sent to the provider; eSIMs are not ready yet (poll the order).
    Pending,
    /// Every eSIM was issued.
    Completed,
    /// The provider refused or failed the order; nothing was charged.
    Failed,
    /// The supplier did not confirm the order: it is being checked by the shop, and will be
    /// completed or refunded; it is never charged twice.
    NeedsReview,
}

/// An order and its eSIMs.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub state: OrderState,
    pub package_code: String,
    pub quantity: u32,
    pub total: Money,
    /// Unix seconds.
    pub created_at: i64,
    /// Whether this was a test order.
    pub test: bool,
    pub esims: Vec<Esim>,
    /// For a guest order: the token that lets this browser see the order and its eSIMs later.
    /// Returned once, on creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest_token: Option<String>,
    /// Why the order failed, fit to show a shopper.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// The card payment of an order paid by card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<OrderPayment>,
    /// For a top-up paid by card: the eSIM it adds to (which `esims` shows once it has).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_up_of: Option<String>,
}

/// Where an order's card payment stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Waiting for a card (`setup_secret` is the card field's to confirm).
    RequiresCard,
    /// The bank asks the shopper to confirm (3-D Secure) with `client_secret`.
    RequiresAction,
    /// The amount is held on the card; it is taken once the eSIM is bought.
    Authorized,
    /// Charged.
    Captured,
    /// The hold was released: nothing was charged.
    Cancelled,
    /// Charged, then given back.
    Refunded,
}

/// An order's card payment, with what the shopper's browser needs to go on with it. The
/// secrets are Stripe's client secrets, meant for this browser; never the merchant's key.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPayment {
    pub state: PaymentState,
    /// The PaymentIntent's client secret, while the shopper has something to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// A SetupIntent's client secret, for the card field to confirm, while a card is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup_secret: Option<String>,
}

/// `POST /v1/orders/{id}/payment`: pay an order awaiting payment with the payment method the
/// card field gave (`pm_…`), or, without one, go on after the bank's check.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^pm_[A-Za-z0-9_]{1,200}$"))]
    pub payment_method: Option<String>,
}

/// Whether `id` reads as a Stripe payment method id, as [`PaymentRequest`]'s schema pattern
/// says: `pm_` and 1 to 200 letters, digits or underscores.
pub fn is_payment_method(id: &str) -> bool {
    id.strip_prefix("pm_").is_some_and(|rest| {
        (1..=200).contains(&rest.len())
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// What a shopper may do with an eSIM now.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EsimActions {
    pub install: bool,
    pub top_up: bool,
    pub cancel: bool,
}

/// Data on an eSIM.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Everything the eSIM's plans include.
    pub total: Volume,
    /// Bytes used so far.
    pub used: u64,
    /// What is left.
    pub remaining: Volume,
    /// When the provider last measured it (Unix seconds), if it says.
    #[serde(default)]
    pub updated_at: Option<i64>,
}

/// How to install an eSIM, in every form a phone takes it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallInfo {
    /// The LPA string: the QR code's payload.
    pub activation_code: ActivationCode,
    pub smdp_address: String,
    pub matching_id: String,
    pub confirmation_required: bool,
    /// Apple's one-tap link (iOS 17.4+).
    pub ios_link: String,
    /// Android's provisioning link (some devices).
    pub android_link: String,
    /// The access point name, when the provider gives one.
    #[serde(default)]
    pub apn: Option<String>,
}

impl InstallInfo {
    /// Returns every install form of `code`.
    pub fn from_code(code: &ActivationCode, apn: Option<String>) -> InstallInfo {
        InstallInfo {
            activation_code: code.clone(),
            smdp_address: code.smdp_address().to_owned(),
            matching_id: code.matching_id().to_owned(),
            confirmation_required: code.confirmation_required(),
            ios_link: code.ios_install_link(),
            android_link: code.android_install_link(),
            apn,
        }
    }
}

/// One package applied to an eSIM: the original or a top-up.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageUse {
    pub package_code: String,
    pub title: String,
    pub data: Volume,
    pub validity: Validity,
    /// Unix seconds.
    pub added_at: i64,
    /// Whether it was a top-up.
    pub top_up: bool,
}

/// An eSIM as the shopper sees it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Esim {
    pub id: String,
    pub iccid: String,
    pub order_id: String,
    pub package_code: String,
    pub title: String,
    pub destination: String,
    pub status: EsimStatus,
    /// `None` when the provider does not report usage for this eSIM (the widget says so).
    pub usage: Option<Usage>,
    /// Everything the eSIM's plans last; `None` when neither the provider nor the plan says.
    pub validity: Option<Validity>,
    /// When the plan ends (Unix seconds), once it has started.
    #[serde(default)]
    pub expires_at: Option<i64>,
    pub actions: EsimActions,
    /// Present while the eSIM may be installed.
    #[serde(default)]
    pub install: Option<InstallInfo>,
    /// Packages applied to the eSIM, oldest first.
    #[serde(default)]
    pub history: Vec<PackageUse>,
    /// Whether it came from a test order.
    pub test: bool,
    /// The card refund of a cancelled eSIM paid by card: its share of the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund: Option<EsimRefund>,
}

/// What a cancelled eSIM paid by card gives back to the card.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EsimRefund {
    /// The eSIM's share of its order's total.
    pub amount: Money,
    pub state: RefundState,
}

/// Where a refund stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    /// Owed and being made (the payment service was out of reach): made shortly, by itself.
    Pending,
    /// Made: the card's bank shows it within days.
    Refunded,
}

impl Esim {
    /// Returns the whole days left at `now` (Unix seconds), counting a started day; `None`
    /// while the plan has not started (its whole validity is left), and once it has ended
    /// (expired, cancelled, revoked, failed: no time is left, whatever date a provider gives).
    pub fn days_left(&self, now: i64) -> Option<i64> {
        if self.status.lifecycle.is_final() {
            return None;
        }
        let end = self.expires_at?;
        Some(((end - now).max(0) + 86_399) / 86_400)
    }

    /// Returns the share of data used in per mille, for a usage bar; `None` for unlimited
    /// plans or when the provider does not report usage.
    pub fn used_per_mille(&self) -> Option<u16> {
        let usage = self.usage?;
        usage.total.used_per_mille(usage.used)
    }
}

/// `GET /v1/esims`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EsimList {
    pub esims: Vec<Esim>,
}

/// `POST /v1/esims/{id}/topups` (with an `Idempotency-Key` header).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopUpRequest {
    pub package_code: String,
    /// As in [`QuoteRequest::currency`].
    #[cfg_attr(feature = "openapi", schema(pattern = "^([A-Za-z]{3})?$"))]
    pub currency: String,
}

/// `GET /v1/rates`: units of each currency per unit of `base`, as exact decimal strings.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateTable {
    pub base: Currency,
    pub rates: Vec<RateEntry>,
}

/// One exchange rate.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateEntry {
    pub currency: Currency,
    /// Decimal text, e.g. "1550.25".
    pub rate: String,
}

/// Every storefront error code. Stable: the widget and merchants' code match on them. Not
/// `non_exhaustive` on purpose: the widget words each code in every language with exhaustive
/// matches, so a new code does not compile until it is written in each.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed in a way no other code names.
    BadRequest,
    /// The body is not valid JSON of the expected shape.
    InvalidJson,
    /// The body is larger than the proxy accepts.
    PayloadTooLarge,
    /// The body did not arrive in time, or ended before its `Content-Length`.
    RequestTimeout,
    /// No token, or a token that is forged, malformed or expired.
    Unauthorized,
    /// Nothing is there, or it belongs to someone else.
    NotFound,
    /// The path exists, but not with that HTTP method.
    MethodNotAllowed,
    /// No package with that code.
    UnknownPackage,
    /// A currency this storefront does not price in.
    UnknownCurrency,
    /// A quantity outside 1 to [`MAX_QUANTITY`].
    InvalidQuantity,
    /// An e-mail address that cannot receive a receipt.
    InvalidEmail,
    /// A creating or spending request without an `Idempotency-Key`.
    IdempotencyKeyRequired,
    /// An `Idempotency-Key` reused with a different request.
    IdempotencyKeyReused,
    /// The same request is still being processed.
    RequestInProgress,
    /// The eSIM's state does not allow that now (cancel after use, top-up after expiry).
    NotAllowed,
    /// The provider cannot do that at all.
    Unsupported,
    /// Too many requests; `retry_after` says when to try again.
    RateLimited,
    /// The merchant's balance with the provider cannot pay for this.
    InsufficientBalance,
    /// The card was declined or its check failed; another card may be tried on the order.
    CardDeclined,
    /// The payment service is down or did not answer; nothing new was charged.
    PaymentUnavailable,
    /// The provider is down or answered with an error.
    ProviderUnavailable,
    /// The provider did not answer in time.
    ProviderTimeout,
    /// The provider answered something the proxy cannot read.
    ProviderBadResponse,
    /// The proxy has as many connections as it serves at once; `retry_after` says when to
    /// try again.
    ServerBusy,
    /// Something went wrong in the proxy itself.
    Internal,
}

/// Read by its name in [`ErrorCode::ALL`] (see [`crate::by_name`]).
impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<ErrorCode, D::Error> {
        crate::by_name(
            deserializer,
            &ErrorCode::ALL,
            ErrorCode::as_str,
            "error code",
        )
    }
}

impl ErrorCode {
    /// Every code, for documentation and tests.
    pub const ALL: [ErrorCode; 25] = [
        ErrorCode::BadRequest,
        ErrorCode::InvalidJson,
        ErrorCode::PayloadTooLarge,
        ErrorCode::RequestTimeout,
        ErrorCode::Unauthorized,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::UnknownPackage,
        ErrorCode::UnknownCurrency,
        ErrorCode::InvalidQuantity,
        ErrorCode::InvalidEmail,
        ErrorCode::IdempotencyKeyRequired,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::RequestInProgress,
        ErrorCode::NotAllowed,
        ErrorCode::Unsupported,
        ErrorCode::RateLimited,
        ErrorCode::InsufficientBalance,
        ErrorCode::CardDeclined,
        ErrorCode::PaymentUnavailable,
        ErrorCode::ProviderUnavailable,
        ErrorCode::ProviderTimeout,
        ErrorCode::ProviderBadResponse,
        ErrorCode::ServerBusy,
        ErrorCode::Internal,
    ];

    /// Returns the snake_case code as it appears on the wire.
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RequestTimeout => "request_timeout",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::UnknownPackage => "unknown_package",
            ErrorCode::UnknownCurrency => "unknown_currency",
            ErrorCode::InvalidQuantity => "invalid_quantity",
            ErrorCode::InvalidEmail => "invalid_email",
            ErrorCode::IdempotencyKeyRequired => "idempotency_key_required",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::RequestInProgress => "request_in_progress",
            ErrorCode::NotAllowed => "not_allowed",
            ErrorCode::Unsupported => "unsupported",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::InsufficientBalance => "insufficient_balance",
            ErrorCode::CardDeclined => "card_declined",
            ErrorCode::PaymentUnavailable => "payment_unavailable",
            ErrorCode::ProviderUnavailable => "provider_unavailable",
            ErrorCode::ProviderTimeout => "provider_timeout",
            ErrorCode::ProviderBadResponse => "provider_bad_response",
            ErrorCode::ServerBusy => "server_busy",
            ErrorCode::Internal => "internal",
        }
    }

    /// Returns the HTTP status that carries this code.
    pub fn http_status(&self) -> u16 {
        match self {
            ErrorCode::BadRequest
            | ErrorCode::InvalidJson
            | ErrorCode::UnknownCurrency
            | ErrorCode::InvalidQuantity
            | ErrorCode::InvalidEmail
            | ErrorCode::IdempotencyKeyRequired => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::CardDeclined => 402,
            ErrorCode::NotFound | ErrorCode::UnknownPackage => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::IdempotencyKeyReused
            | ErrorCode::RequestInProgress
            | ErrorCode::NotAllowed => 409,
            ErrorCode::RequestTimeout => 408,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::Unsupported => 501,
            ErrorCode::RateLimited => 429,
            ErrorCode::InsufficientBalance | ErrorCode::ServerBusy => 503,
            ErrorCode::ProviderUnavailable
            | ErrorCode::ProviderBadResponse
            | ErrorCode::PaymentUnavailable => 502,
            ErrorCode::ProviderTimeout => 504,
            ErrorCode::Internal => 500,
        }
    }
}

/// The one error shape: `{"error": {"code": "...", "message": "..."}}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// An error's code and a message fit to show a shopper.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds to wait before retrying, for `rate_limited`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl ErrorBody {
    /// Returns an error body with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code,
                message: message.into(),
                retry_after: None,
            },
        }
    }
}

/// Returns whether `email` looks deliverable: one `@`, a non-empty local part without spaces,
/// and a domain with a dot and no empty labels. Deliberately lenient beyond that: the receipt
/// itself is the real test.
pub fn is_valid_email(email: &str) -> bool {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    // Lengths in characters, as the OpenAPI document's `maxLength` and pattern count them
    // (an address with an accented or non-Latin local part is still one address).
    email.chars().count() <= 254
        && !local.is_empty()
        && local.chars().count() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && domain
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'))
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_distinct_wire_name_and_a_client_or_server_status() {
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(ErrorCode::as_str).collect();
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert!((400..600).contains(&code.http_status()));
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn every_error_code_reads_back_by_its_name() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
        }
        let unknown = serde_json::from_str::<ErrorCode>("\"teleported\"").unwrap_err();
        assert!(
            unknown.to_string().contains("unknown error code"),
            "{unknown}"
        );
    }

    #[test]
    fn error_body_has_the_documented_shape() {
        let body = ErrorBody::new(ErrorCode::UnknownPackage, "No package with that code.");
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"error":{"code":"unknown_package","message":"No package with that code."}}"#
        );
    }

    #[test]
    fn order_requests_ignore_a_browser_sent_price() {
        // Unknown fields such as a total are accepted and dropped: the proxy prices orders.
        let req: OrderRequest = serde_json::from_str(
            r#"{"package_code":"JP-5","quantity":1,"currency":"USD","total":{"minor":1,"currency":"USD"}}"#,
        )
        .unwrap();
        assert_eq!(req.package_code, "JP-5");
    }

    #[test]
    fn email_validation() {
        for good in [
            "a@b.co",
            "traveller+jp@example.com",
            "Ana.María@correo.es",
            " x@y.io ",
            // 64 characters, more than 64 bytes: as long as the document allows.
            format!("{}@example.com", "é".repeat(64)).as_str(),
        ] {
            assert!(is_valid_email(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "a@",
            "@b.co",
            "a@b",
            "a@@b.co",
            "a b@c.co",
            "a@b..co",
            "a@.co",
            "<a@b.co>",
            "a@b.co;x",
            format!("{}@example.com", "é".repeat(65)).as_str(),
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
    }

    fn esim(expires_at: Option<i64>, usage: Option<Usage>) -> Esim {
        Esim {
            id: "e".into(),
            iccid: "8988".into(),
            order_id: "o".into(),
            package_code: "JP".into(),
            title: "Japan".into(),
            destination: "JP".into(),
            status: crate::status::EsimStatus::new(
                crate::Lifecycle::Active,
                crate::ProfileState::Installed,
                "x",
            ),
            usage,
            validity: Some(Validity::days(7)),
            expires_at,
            actions: EsimActions::default(),
            install: None,
            history: Vec::new(),
            test: true,
            refund: None,
        }
    }

    #[test]
    fn days_left_count_a_started_day_and_never_go_negative() {
        let now = 1_000_000;
        assert_eq!(esim(None, None).days_left(now), None, "not started");
        assert_eq!(
            esim(Some(now + 86_400 * 2 + 1), None).days_left(now),
            Some(3)
        );
        assert_eq!(esim(Some(now + 86_400), None).days_left(now), Some(1));
        assert_eq!(esim(Some(now - 5), None).days_left(now), Some(0));
        let mut cancelled = esim(Some(now + 180 * 86_400), None);
        cancelled.status.lifecycle = crate::Lifecycle::Cancelled;
        assert_eq!(
            cancelled.days_left(now),
            None,
            "an ended plan has no days left"
        );
    }

    #[test]
    fn usage_share_for_the_bar() {
        let used = |total: Volume, used: u64| {
            Some(Usage {
                total,
                used,
                remaining: total.remaining_after(used),
                updated_at: None,
            })
        };
        assert_eq!(
            esim(None, used(Volume::Bytes(1000), 250)).used_per_mille(),
            Some(250)
        );
        assert_eq!(
            esim(None, used(Volume::Unlimited, 250)).used_per_mille(),
            None
        );
        assert_eq!(esim(None, None).used_per_mille(), None);
    }

    #[test]
    fn install_info_carries_every_form() {
        let code = ActivationCode::from_parts("smdp.io", "ABC").unwrap();
        let info = InstallInfo::from_code(&code, Some("globaldata".into()));
        assert_eq!(info.smdp_address, "smdp.io");
        assert_eq!(info.matching_id, "ABC");
        assert!(info.ios_link.ends_with("LPA:1$smdp.io$ABC"));
        assert_eq!(info.apn.as_deref(), Some("globaldata"));
    }

    #[test]
    fn a_quantity_is_a_whole_number_however_json_writes_it() {
        let read = |q: &str| {
            serde_json::from_str::<QuoteRequest>(&format!(
                r#"{{"package_code":"JP-1GB-7D","quantity":{q},"currency":"USD"}}"#
            ))
            .map(|r| r.quantity)
        };
        assert_eq!(read("3").unwrap(), 3);
        assert_eq!(read("3.0").unwrap(), 3, "an integer to JSON Schema");
        assert_eq!(read("3e0").unwrap(), 3);
        for bad in ["3.5", "-1", "1e20", "4294967296", "\"3\"", "null"] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
