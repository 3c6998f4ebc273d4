//! What is stored, and how a row is read back.

use super::sql::Row;
use super::StoreResult;

/// Where an order is, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    /// Written with its PaymentIntent; waiting for the shopper's card. Nothing is sent to the
    /// provider until the payment is authorized.
    AwaitingPayment,
    /// Written; the provider call has not answered yet (or the answer was lost).
    InFlight,
    /// The provider accepted it; eSIMs are still being issued.
    Pending,
    /// Done.
    Completed,
    /// Refused; nothing was charged.
    Failed,
    /// Sent, and its outcome could not be found out: held for the merchant, never sent again.
    NeedsReview,
}

impl OrderStatus {
    pub(super) fn as_str(&self) -> &'static str {
        match self {
            OrderStatus::AwaitingPayment => "awaiting_payment",
            OrderStatus::InFlight => "in_flight",
            OrderStatus::Pending => "pending",
            OrderStatus::Completed => "completed",
            OrderStatus::Failed => "failed",
            OrderStatus::NeedsReview => "needs_review",
        }
    }

    pub(super) fn parse(text: &str) -> OrderStatus {
        match text {
            "awaiting_payment" => OrderStatus::AwaitingPayment,
            "pending" => OrderStatus::Pending,
            "completed" => OrderStatus::Completed,
            "failed" => OrderStatus::Failed,
            "needs_review" => OrderStatus::NeedsReview,
            _ => OrderStatus::InFlight,
        }
    }
}

/// Where an order's card payment stands, as stored (`NULL` for an order not paid by card).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payment {
    /// The PaymentIntent exists (or is being created); no money is held yet.
    Open,
    /// The amount is held on the card: to be captured once the provider accepted the order,
    /// released if it refused.
    Authorized,
    Captured,
    /// Released or never taken: nothing was charged.
    Cancelled,
    Refunded,
}

impl Payment {
    pub(super) fn as_str(&self) -> &'static str {
        match self {
            Payment::Open => "open",
            Payment::Authorized => "authorized",
            Payment::Captured => "captured",
            Payment::Cancelled => "cancelled",
            Payment::Refunded => "refunded",
        }
    }

    pub(super) fn parse(text: &str) -> Payment {
        match text {
            "authorized" => Payment::Authorized,
            "captured" => Payment::Captured,
            "cancelled" => Payment::Cancelled,
            "refunded" => Payment::Refunded,
            _ => Payment::Open,
        }
    }
}

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    pub id: String,
    pub reference: String,
    pub owner: String,
    pub package_code: String,
    pub quantity: u32,
    pub total_minor: i64,
    pub currency: String,
    pub email: Option<String>,
    pub test: bool,
    pub status: OrderStatus,
    pub failure: Option<String>,
    /// The provider's order number, once it accepted the order.
    pub provider_order_id: Option<String>,
    /// When it was written, just before it was sent.
    pub created_at: i64,
    /// Its card payment, for an order paid by card.
    pub payment: Option<Payment>,
    /// Its PaymentIntent (`pi_…`), once created.
    pub payment_intent: Option<String>,
    /// The SetupIntent (`seti_…`) its card field confirms now.
    pub setup_intent: Option<String>,
    /// For a top-up paid by card: the eSIM (ours, `esim_…`) it adds its package to. Such an
    /// order buys no eSIM of its own.
    pub top_up_of: Option<String>,
    /// For a top-up: the eSIM's size just before it was sent (see `service::esims::size_of`),
    /// so that where its answer was lost the eSIM itself says whether it took effect. Never
    /// sent while this is empty.
    pub size_before: Option<String>,
}

impl OrderRow {
    /// Whether the order may still change: sent, and no final outcome known.
    pub fn unresolved(&self) -> bool {
        matches!(
            self.status,
            OrderStatus::InFlight | OrderStatus::Pending | OrderStatus::NeedsReview
        )
    }
}

/// A stored eSIM: who owns it and how the provider knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsimRow {
    pub id: String,
    pub order_id: String,
    pub owner: String,
    pub provider_id: String,
    pub iccid: String,
    pub package_code: String,
    pub title: String,
    pub destination: String,
    pub test: bool,
    pub created_at: i64,
    /// The activation code (LPA string) the order's answer carried, if any.
    pub activation: Option<String>,
}

/// The refund of a cancelled eSIM paid by card: its share of the order's total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRow {
    pub esim_id: String,
    pub order_id: String,
    /// In the order's currency, ISO 4217 minor units.
    pub amount_minor: i64,
    pub currency: String,
    /// Owed (the eSIM is being or was cancelled, Stripe has not refunded yet) or made.
    pub refunded: bool,
    /// Stripe's refund (`re_…`), once made.
    pub refund_id: Option<String>,
    pub created_at: i64,
}

/// A stored idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRow {
    pub endpoint: String,
    pub request_hash: String,
    pub resource_id: Option<String>,
    /// The guest token issued to the anonymous caller of this key, so that a retry after a
    /// lost answer can still hand it over. Only the holder of the (random) key gets it.
    pub guest_token: Option<String>,
    /// The final answer, once there is one.
    pub response: Option<(u16, String)>,
    /// What the request measured before it spent, if anything.
    pub detail: Option<String>,
}

/// A key to reserve before a request that creates or spends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIdempotency {
    /// The caller's scope: an owner key, or "anonymous".
    pub owner: String,
    pub key: String,
    /// Which kind of request ("orders", "topup").
    pub endpoint: String,
    pub request_hash: String,
    /// The order or eSIM the request acts on.
    pub resource_id: Option<String>,
    /// The guest token issued with it, if any.
    pub guest_token: Option<String>,
}

pub(super) const ORDER_SELECT: &str = "SELECT id, reference, owner, package_code, quantity, total_minor, currency, email, test, state,
    failure, created_at, provider_order_id, payment, payment_intent, setup_intent, top_up_of, size_before FROM orders";
pub(super) const ESIM_SELECT: &str =
    "SELECT id, order_id, owner, provider_id, iccid, package_code, title, destination, test, created_at, activation FROM esims";

pub(super) fn order_row(r: &Row) -> StoreResult<OrderRow> {
    Ok(OrderRow {
        id: r.text(0)?,
        reference: r.text(1)?,
        owner: r.text(2)?,
        package_code: r.text(3)?,
        quantity: r.u32(4)?,
        total_minor: r.int(5)?,
        currency: r.text(6)?,
        email: r.opt_text(7)?,
        test: r.bool(8)?,
        status: OrderStatus::parse(&r.text(9)?),
        failure: r.opt_text(10)?,
        created_at: r.int(11)?,
        provider_order_id: r.opt_text(12)?,
        payment: r.opt_text(13)?.as_deref().map(Payment::parse),
        payment_intent: r.opt_text(14)?,
        setup_intent: r.opt_text(15)?,
        top_up_of: r.opt_text(16)?,
        size_before: r.opt_text(17)?,
    })
}

pub(super) fn esim_row(r: &Row) -> StoreResult<EsimRow> {
    Ok(EsimRow {
        id: r.text(0)?,
        order_id: r.text(1)?,
        owner: r.text(2)?,
        provider_id: r.text(3)?,
        iccid: r.text(4)?,
        package_code: r.text(5)?,
        title: r.text(6)?,
        destination: r.text(7)?,
        test: r.bool(8)?,
        created_at: r.int(9)?,
        activation: r.opt_text(10)?,
    })
}

pub(super) const REFUND_SELECT: &str =
    "SELECT esim_id, order_id, amount_minor, currency, state, refund_id, created_at FROM refunds";

pub(super) fn refund_row(r: &Row) -> StoreResult<RefundRow> {
    Ok(RefundRow {
        esim_id: r.text(0)?,
        order_id: r.text(1)?,
        amount_minor: r.int(2)?,
        currency: r.text(3)?,
        refunded: r.text(4)? == "refunded",
        refund_id: r.opt_text(5)?,
        created_at: r.int(6)?,
    })
}
