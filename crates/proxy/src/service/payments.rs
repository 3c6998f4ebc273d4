//! Card payment (`checkout = "stripe"`): an order is written awaiting payment with a
//! PaymentIntent for exactly its total (manual capture); once Stripe says the amount is held
//! (seen in the pay request's answer, a webhook, a read of the order or a sweep, whichever is
//! first: the store lets one of them take it) the order is sent to the provider once; the
//! card is charged (captured) once the provider accepted it, and the hold released if it
//! refused. What the browser says is never trusted: the PaymentIntent is always read from
//! Stripe.

use esim_core::api::{OrderPayment, PaymentRequest, PaymentState};

use super::*;
use crate::payments::stripe::{stripe_amount, IntentStatus, NewIntent, PaymentIntent, StripeError};
use crate::payments::webhook;

impl Service {
    /// The Stripe client, or why this shop takes no card payment.
    pub(super) fn stripe(&self) -> AppResult<&Stripe> {
        self.stripe.as_ref().ok_or_else(|| {
            AppError::new(ErrorCode::NotFound, "This shop does not take card payment.")
        })
    }

    /// Whether this shop takes card payment.
    pub(super) fn takes_cards(&self) -> bool {
        self.stripe.is_some()
    }

    /// Creates what an order awaiting payment needs and has not got yet: its PaymentIntent
    /// (for exactly its total, the order's id in its metadata, under an idempotency key
    /// derived from the order, so that a second try gives the same one at Stripe) and the
    /// SetupIntent its card field confirms.
    pub(super) async fn open_payment(&self, order: &OrderRow) -> AppResult<OrderRow> {
        let stripe = self.stripe()?;
        let mut intent = order.payment_intent.clone();
        let mut setup = order.setup_intent.clone();
        if intent.is_none() {
            let created = stripe
                .create_intent(&NewIntent {
                    total: order_total(order)?,
                    order_id: &order.id,
                    payment_method: None,
                    idempotency_key: &format!("esf-intent-{}", order.id),
                })
                .await
                .map_err(payment_error)?;
            intent = Some(created.id);
        }
        if setup.is_none() {
            let created = stripe
                .create_setup(&format!("esf-setup-{}", order.id))
                .await
                .map_err(payment_error)?;
            setup = Some(created.id);
        }
        self.store
            .set_intents(order.id.clone(), intent, setup, now())
            .await?;
        self.stored_order(&order.id).await
    }

    /// The payment part of an order's view. For an order awaiting payment it carries what
    /// this browser needs next: a SetupIntent for the card field (a new one once the last
    /// was used), or the PaymentIntent's secret while the bank asks the shopper to confirm.
    pub(super) async fn payment_view(&self, row: &OrderRow) -> AppResult<Option<OrderPayment>> {
        let Some(payment) = row.payment else {
            return Ok(None);
        };
        let state = match payment {
            Payment::Open if row.status == OrderStatus::AwaitingPayment => {
                return self.payment_to_make(row).await.map(Some);
            }
            Payment::Open | Payment::Cancelled => PaymentState::Cancelled,
            Payment::Authorized => PaymentState::Authorized,
            Payment::Captured => PaymentState::Captured,
            Payment::Refunded => PaymentState::Refunded,
        };
        Ok(Some(OrderPayment {
            state,
            client_secret: None,
            setup_secret: None,
        }))
    }

    async fn payment_to_make(&self, row: &OrderRow) -> AppResult<OrderPayment> {
        let row = self.open_payment(row).await?;
        let stripe = self.stripe.as_ref().ok_or_else(|| {
            AppError::new(
                ErrorCode::NotAllowed,
                "This shop does not take card payment now; this order cannot be paid.",
            )
        })?;
        let intent_id = row.payment_intent.clone().unwrap_or_default();
        let intent = stripe.intent(&intent_id).await.map_err(payment_error)?;
        if intent.status == IntentStatus::RequiresAction {
            return Ok(OrderPayment {
                state: PaymentState::RequiresAction,
                client_secret: intent.client_secret.map(|s| s.expose().to_owned()),
                setup_secret: None,
            });
        }
        let setup_id = row.setup_intent.clone().unwrap_or_default();
        let mut setup = stripe.setup(&setup_id).await.map_err(payment_error)?;
        if setup.status != "requires_payment_method" {
            // Used (a card was confirmed with it, then declined or abandoned): a new one.
            setup = stripe
                .create_setup(&format!("esf-setup-{}-after-{}", row.id, setup.id))
                .await
                .map_err(payment_error)?;
            self.store
                .set_intents(row.id.clone(), None, Some(setup.id.clone()), now())
                .await?;
        }
        Ok(OrderPayment {
            state: PaymentState::RequiresCard,
            client_secret: intent.client_secret.map(|s| s.expose().to_owned()),
            setup_secret: setup.client_secret.map(|s| s.expose().to_owned()),
        })
    }

    /// `POST /v1/orders/{id}/payment`: pays an order awaiting payment with the payment method
    /// the card field gave, or (without one) goes on after the bank's check; then answers as
    /// an order request does. An order already paid answers as it stands: paying twice is
    /// never possible, as the PaymentIntent is the order's one.
    pub async fn pay(
        self: &Arc<Self>,
        caller: &Caller,
        id: &str,
        request: PaymentRequest,
    ) -> AppResult<OrderAnswer> {
        // The order first: one that is not the caller's is not found, and one with nothing
        // left to pay (every order of a shop without cards) answers as it stands, in any shop.
        let method = request.payment_method.as_deref().map(str::trim);
        if method.is_some_and(|m| !esim_core::api::is_payment_method(m)) {
            return Err(AppError::new(
                ErrorCode::BadRequest,
                "payment_method must be a payment method id (pm_…).",
            ));
        }
        let row = self.owned_order(caller, id).await?;
        if row.status != OrderStatus::AwaitingPayment {
            return self
                .answer(&row.id, self.running_purchase(&row.id), None)
                .await;
        }
        let stripe = self.stripe()?;
        let row = self.open_payment(&row).await?;
        let intent_id = row.payment_intent.clone().unwrap_or_default();
        let intent = match method {
            Some(method) => {
                stripe
                    .pay_with(&intent_id, method, &format!("esf-pay-{}-{method}", row.id))
                    .await
            }
            None => stripe.intent(&intent_id).await,
        }
        .map_err(payment_error)?;
        let done = self.act_on_intent(&row, &intent).await?;
        self.answer(&row.id, done, None).await
    }

    /// Acts on where a PaymentIntent stands, as read from Stripe: paid → the order is taken
    /// and sent to the provider (by this call only if no other took it first); cancelled →
    /// the order fails, not charged. Returns the purchase this call started, if it did.
    pub(super) async fn act_on_intent(
        self: &Arc<Self>,
        row: &OrderRow,
        intent: &PaymentIntent,
    ) -> AppResult<Option<watch::Receiver<Option<Outcome>>>> {
        if row.payment_intent.as_deref() != Some(intent.id.as_str()) {
            return Err(AppError::internal("a PaymentIntent not of this order"));
        }
        match intent.status {
            IntentStatus::RequiresCapture | IntentStatus::Succeeded => {
                let (amount, currency) = stripe_amount(order_total(row)?);
                if intent.amount != amount || intent.currency != currency {
                    // Never fulfilled for another amount than the order's: released.
                    tracing::error!(order = %row.id, intent = %intent.id, amount = intent.amount, currency = %intent.currency, "a PaymentIntent for another amount than its order: released");
                    self.release_unpaid(row, "The payment did not match the order.")
                        .await?;
                    return Ok(None);
                }
                if self.store.take_paid_order(row.id.clone(), now()).await? {
                    tracing::info!(order = %row.id, "payment authorized: buying");
                    hold_point_after_authorization().await;
                    let order = self.stored_order(&row.id).await?;
                    return Ok(Some(self.start_purchase(order, None)));
                }
                Ok(self.running_purchase(&row.id))
            }
            IntentStatus::Canceled => {
                self.store
                    .fail_unpaid_order(
                        row.id.clone(),
                        "The payment was cancelled; you were not charged.".into(),
                        now(),
                    )
                    .await?;
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    /// Cancels an order's PaymentIntent before anything was bought and fails the order.
    async fn release_unpaid(&self, row: &OrderRow, why: &str) -> AppResult<()> {
        if let Some(intent) = &row.payment_intent {
            let stripe = self.stripe()?;
            if let Err(e) = stripe
                .cancel(intent, &format!("esf-cancel-{}", row.id))
                .await
            {
                self.done_at_stripe(intent, IntentStatus::Canceled, e)
                    .await?;
            }
        }
        self.store
            .fail_unpaid_order(
                row.id.clone(),
                format!("{why} You were not charged."),
                now(),
            )
            .await?;
        Ok(())
    }

    /// Reads the PaymentIntent of an order awaiting payment and acts on it (a read of the
    /// order, the sweep and the start-up reconciliation: a lost webhook still fulfils). One
    /// left unpaid beyond `payment_window_secs` (30 minutes) is cancelled.
    pub(super) async fn refresh_payment(self: &Arc<Self>, row: &OrderRow) -> AppResult<()> {
        let Some(intent_id) = &row.payment_intent else {
            if self.unpaid_too_long(row.created_at) {
                self.release_unpaid(row, "Not paid in time.").await?;
            }
            return Ok(());
        };
        let intent = self
            .stripe()?
            .intent(intent_id)
            .await
            .map_err(payment_error)?;
        if intent.status.is_paid() || intent.status == IntentStatus::Canceled {
            self.act_on_intent(row, &intent).await?;
        } else if self.unpaid_too_long(row.created_at) {
            self.release_unpaid(row, "Not paid in time.").await?;
            tracing::info!(order = %row.id, "not paid within 30 minutes: cancelled");
        }
        Ok(())
    }

    /// Captures or releases the held payment of an order whose provider answer is known:
    /// captured once the provider accepted it (pending or completed), released if it
    /// failed. Held for review: left held, for the merchant to settle. A failure is logged;
    /// the sweep tries again.
    pub(super) async fn collect(&self, id: &str) {
        if let Err(e) = self.collect_now(id).await {
            tracing::warn!(order = %id, error = %e.message, cause = e.cause.as_deref().unwrap_or(""), "could not settle an order's card payment; trying again");
        }
    }

    async fn collect_now(&self, id: &str) -> AppResult<()> {
        let row = self.stored_order(id).await?;
        let (Some(Payment::Authorized), Some(intent)) = (row.payment, &row.payment_intent) else {
            return Ok(());
        };
        let stripe = self.stripe()?;
        let (to, result) = match row.status {
            OrderStatus::Pending | OrderStatus::Completed => (
                Payment::Captured,
                stripe.capture(intent, &format!("esf-capture-{id}")).await,
            ),
            OrderStatus::Failed => (
                Payment::Cancelled,
                stripe.cancel(intent, &format!("esf-cancel-{id}")).await,
            ),
            _ => return Ok(()),
        };
        if let Err(e) = result {
            let wanted = match to {
                Payment::Captured => IntentStatus::Succeeded,
                _ => IntentStatus::Canceled,
            };
            self.done_at_stripe(intent, wanted, e).await?;
        }
        self.store
            .move_payment(id.to_owned(), Payment::Authorized, to, now())
            .await?;
        tracing::info!(order = %id, payment = ?to, "card payment settled");
        Ok(())
    }

    /// After a capture or cancel that failed (`e`): whether it was done before all the same
    /// (an answer lost, a restart, a second instance), as Stripe's own state of `intent` says.
    async fn done_at_stripe(
        &self,
        intent: &str,
        wanted: IntentStatus,
        e: StripeError,
    ) -> AppResult<()> {
        let status = self
            .stripe()?
            .intent(intent)
            .await
            .map_err(payment_error)?
            .status;
        if status == wanted {
            Ok(())
        } else {
            Err(payment_error(e))
        }
    }

    /// Whether an order written at `created_at` has waited longer than the payment window.
    fn unpaid_too_long(&self, created_at: i64) -> bool {
        let window = i64::try_from(self.config.payment_window_secs).unwrap_or(i64::MAX);
        now() - created_at > window
    }

    /// Settles card payments left between steps: orders awaiting payment (paid, cancelled,
    /// or unpaid for too long), and payments held for orders the provider has answered.
    /// With `all`, every order awaiting payment is read from Stripe (at start); otherwise
    /// only those old enough to expire.
    pub(super) async fn sweep_payments(self: &Arc<Self>, all: bool) -> AppResult<()> {
        if !self.takes_cards() {
            return Ok(());
        }
        for row in self.store.orders_awaiting_payment().await? {
            if all || self.unpaid_too_long(row.created_at) {
                if let Err(e) = self.refresh_payment(&row).await {
                    tracing::warn!(order = %row.id, error = %e.message, "could not read an order's payment");
                }
            }
        }
        for row in self.store.orders_to_collect().await? {
            if self.running_purchase(&row.id).is_none() {
                self.collect(&row.id).await;
            }
        }
        self.sweep_refunds().await
    }

    /// `POST /v1/webhooks/stripe`: a Stripe event, acted on once, and only by what Stripe
    /// says of the PaymentIntent when asked (the event's own content is not trusted beyond
    /// naming it). Events about PaymentIntents that are not ours are ignored.
    pub async fn stripe_webhook(
        self: &Arc<Self>,
        signature: Option<&str>,
        body: &[u8],
    ) -> AppResult<()> {
        // Whatever the shop, a request without Stripe's signature is not Stripe's.
        if signature.is_none() {
            return Err(AppError::new(
                ErrorCode::BadRequest,
                "The webhook is not a valid Stripe event.",
            )
            .because("no Stripe-Signature header"));
        }
        self.stripe()?;
        let secret = self
            .config
            .payments
            .stripe
            .as_ref()
            .and_then(|s| s.webhook_secret.as_ref())
            .ok_or_else(|| AppError::not_found("webhook"))?;
        let event = webhook::read_event(signature, body, secret.expose(), now()).map_err(|e| {
            AppError::new(
                ErrorCode::BadRequest,
                "The webhook is not a valid Stripe event.",
            )
            .because(e.to_string())
        })?;
        if self.store.payment_event_seen(event.id.clone()).await? {
            tracing::info!(event = %event.id, "a Stripe event seen before: nothing to do");
            return Ok(());
        }
        match &event.intent {
            Some(intent_id) => match self.store.order_by_intent(intent_id.clone()).await? {
                Some(row) => {
                    let intent = self
                        .stripe()?
                        .intent(intent_id)
                        .await
                        .map_err(payment_error)?;
                    self.act_on_intent(&row, &intent).await?;
                }
                None => {
                    tracing::info!(event = %event.id, kind = %event.kind, intent = %intent_id, "a Stripe event about a PaymentIntent that is not ours: ignored")
                }
            },
            None => {
                tracing::info!(event = %event.id, kind = %event.kind, "a Stripe event not about a PaymentIntent: ignored")
            }
        }
        self.store.record_payment_event(event.id, now()).await?;
        Ok(())
    }

    /// An order as stored, which must exist.
    pub(super) async fn stored_order(&self, id: &str) -> AppResult<OrderRow> {
        self.store
            .order(id.to_owned())
            .await?
            .ok_or_else(|| AppError::not_found("order"))
    }
}

/// An order's total as money.
fn order_total(row: &OrderRow) -> AppResult<Money> {
    let currency =
        Currency::from_code(&row.currency).map_err(|e| AppError::internal(e.to_string()))?;
    Ok(Money::from_minor(row.total_minor, currency))
}

/// A Stripe failure as the shopper's answer: a declined card may be retried with another;
/// anything else is the payment service's trouble, and nothing new was charged.
fn payment_error(e: StripeError) -> AppError {
    match &e {
        StripeError::Card { .. } => AppError::new(
            ErrorCode::CardDeclined,
            "Your card was declined. Please try another card.",
        ),
        _ => AppError::new(
            ErrorCode::PaymentUnavailable,
            "Card payment is unavailable right now. You have not been charged.",
        ),
    }
    .because(e.to_string())
}

/// Test hook: with `ESIM_PROXY_TEST_HOLD_AFTER_AUTHORIZATION` set, a debug build stops for an
/// hour right after an order's payment was authorized and it was taken for buying, before
/// the provider is called, and says so on stderr: the moment a test kills it (SIGKILL).
async fn hold_point_after_authorization() {
    #[cfg(debug_assertions)]
    if std::env::var_os("ESIM_PROXY_TEST_HOLD_AFTER_AUTHORIZATION").is_some() {
        eprintln!("esim-proxy: holding on purpose after a payment was authorized");
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}
