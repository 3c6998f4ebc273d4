//! Card payments: an order's PaymentIntent and SetupIntent, the one step from "awaiting
//! payment" to "in flight" (taken once, whoever sees the payment first), where the money
//! stands, and the Stripe events already acted on.

use super::rows::*;
use super::sql::values;
use super::{Store, StoreError, StoreResult};

impl Store {
    /// Records an order's PaymentIntent and the SetupIntent its card field confirms (each
    /// only where given).
    pub async fn set_intents(
        &self,
        id: String,
        payment_intent: Option<String>,
        setup_intent: Option<String>,
        now: i64,
    ) -> StoreResult<()> {
        self.exec(
            "UPDATE orders SET payment_intent = COALESCE(?2, payment_intent),
                               setup_intent = COALESCE(?3, setup_intent), updated_at = ?4
             WHERE id = ?1",
            values![id, payment_intent, setup_intent, now],
        )
        .await?;
        Ok(())
    }

    /// Takes a paid order from awaiting payment to in flight, its payment authorized. Returns
    /// whether this call took it: of every request, webhook and sweep that sees the payment,
    /// exactly one does, and only that one sends the order to the provider.
    pub async fn take_paid_order(&self, id: String, now: i64) -> StoreResult<bool> {
        let changed = self
            .exec(
                "UPDATE orders SET state = 'in_flight', payment = 'authorized', updated_at = ?2
                 WHERE id = ?1 AND state = 'awaiting_payment'",
                values![id, now],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Fails an order that was never paid (its PaymentIntent cancelled): nothing was bought
    /// and nothing charged. Returns whether it was still awaiting payment.
    pub async fn fail_unpaid_order(&self, id: String, why: String, now: i64) -> StoreResult<bool> {
        let changed = self
            .exec(
                "UPDATE orders SET state = 'failed', failure = ?2, payment = 'cancelled', updated_at = ?3
                 WHERE id = ?1 AND state = 'awaiting_payment'",
                values![id, why, now],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Moves an order's payment from `from` to `to`; returns whether it was in `from`.
    pub async fn move_payment(
        &self,
        id: String,
        from: Payment,
        to: Payment,
        now: i64,
    ) -> StoreResult<bool> {
        let changed = self
            .exec(
                "UPDATE orders SET payment = ?3, updated_at = ?4 WHERE id = ?1 AND payment = ?2",
                values![id, from.as_str(), to.as_str(), now],
            )
            .await?;
        Ok(changed == 1)
    }

    /// The order paid with `payment_intent`, if it is one of ours.
    pub async fn order_by_intent(&self, payment_intent: String) -> StoreResult<Option<OrderRow>> {
        self.row(
            format!("{ORDER_SELECT} WHERE payment_intent = ?1"),
            values![payment_intent],
        )
        .await?
        .as_ref()
        .map(order_row)
        .transpose()
    }

    /// Orders waiting for the shopper's payment, oldest first.
    pub async fn orders_awaiting_payment(&self) -> StoreResult<Vec<OrderRow>> {
        self.orders_in(&["awaiting_payment"]).await
    }

    /// Orders whose authorized payment is to be captured (the provider accepted them) or
    /// released (it refused): held, with the provider's answer known.
    pub async fn orders_to_collect(&self) -> StoreResult<Vec<OrderRow>> {
        self.orders_where(
            "payment = 'authorized' AND state IN ('pending', 'completed', 'failed')".into(),
        )
        .await
    }

    /// Whether the Stripe event `id` was acted on already.
    pub async fn payment_event_seen(&self, id: String) -> StoreResult<bool> {
        Ok(self
            .row("SELECT 1 FROM payment_events WHERE id = ?1", values![id])
            .await?
            .is_some())
    }

    /// Records that the Stripe event `id` was acted on.
    pub async fn record_payment_event(&self, id: String, now: i64) -> StoreResult<()> {
        self.exec(
            "INSERT INTO payment_events (id, received_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            values![id, now],
        )
        .await?;
        Ok(())
    }

    /// Records that a cancelled eSIM's share of its order is owed back to the card, before
    /// the provider is asked to cancel it. Returns the refund as stored: an earlier one for
    /// the same eSIM stands.
    pub async fn owe_refund(&self, refund: RefundRow, now: i64) -> StoreResult<RefundRow> {
        self.exec(
            "INSERT INTO refunds
                 (esim_id, order_id, amount_minor, currency, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'owed', ?5, ?5) ON CONFLICT DO NOTHING",
            values![
                &refund.esim_id,
                refund.order_id,
                refund.amount_minor,
                refund.currency,
                now
            ],
        )
        .await?;
        self.refund_of(refund.esim_id)
            .await?
            .ok_or_else(|| StoreError("a refund just owed is not there".into()))
    }

    /// The refund of an eSIM, if one is owed or was made.
    pub async fn refund_of(&self, esim_id: String) -> StoreResult<Option<RefundRow>> {
        self.row(
            format!("{REFUND_SELECT} WHERE esim_id = ?1"),
            values![esim_id],
        )
        .await?
        .as_ref()
        .map(refund_row)
        .transpose()
    }

    /// Refunds owed and not made yet (being made, too), oldest first.
    pub async fn refunds_owed(&self) -> StoreResult<Vec<RefundRow>> {
        self.rows(
            format!(
                "{REFUND_SELECT} WHERE state IN ('owed', 'refunding') ORDER BY created_at, esim_id"
            ),
            Vec::new(),
        )
        .await?
        .iter()
        .map(refund_row)
        .collect()
    }

    /// Takes an owed refund to make it: of every request and sweep that would, exactly one
    /// does (a claim older than `stale_before` was left by a run that died: taken over).
    /// Returns whether this call took it.
    pub async fn claim_refund(
        &self,
        esim_id: String,
        now: i64,
        stale_before: i64,
    ) -> StoreResult<bool> {
        let changed = self
            .exec(
                "UPDATE refunds SET state = 'refunding', updated_at = ?2
                 WHERE esim_id = ?1
                   AND (state = 'owed' OR (state = 'refunding' AND updated_at < ?3))",
                values![esim_id, now, stale_before],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Gives back a claimed refund that could not be made now, owed again.
    pub async fn release_refund(&self, esim_id: String, now: i64) -> StoreResult<()> {
        self.exec(
            "UPDATE refunds SET state = 'owed', updated_at = ?2
             WHERE esim_id = ?1 AND state = 'refunding'",
            values![esim_id, now],
        )
        .await?;
        Ok(())
    }

    /// Records that Stripe made an owed refund; once every eSIM of the order is refunded (the
    /// eSIMs its total is split over), the order's payment is too. Returns whether it was still owed.
    pub async fn mark_refunded(
        &self,
        esim_id: String,
        refund_id: String,
        now: i64,
    ) -> StoreResult<bool> {
        let changed = self
            .transaction(vec![
                (
                    "UPDATE refunds SET state = 'refunded', refund_id = ?2, updated_at = ?3
                     WHERE esim_id = ?1 AND state IN ('owed', 'refunding')"
                        .to_owned(),
                    values![&esim_id, refund_id, now],
                ),
                (
                    "UPDATE orders SET payment = 'refunded', updated_at = ?2
                     WHERE payment = 'captured'
                       AND id = (SELECT order_id FROM refunds WHERE esim_id = ?1)
                       AND (SELECT COUNT(*) FROM esims WHERE order_id = orders.id)
                         = (SELECT COUNT(*) FROM refunds
                            WHERE order_id = orders.id AND state = 'refunded')"
                        .to_owned(),
                    values![esim_id, now],
                ),
            ])
            .await?;
        Ok(changed.first() == Some(&1))
    }

    /// Forgets an owed refund whose eSIM was not cancelled after all (the provider refused,
    /// or never did it).
    pub async fn forget_refund(&self, esim_id: String) -> StoreResult<()> {
        self.exec(
            "DELETE FROM refunds WHERE esim_id = ?1 AND state = 'owed'",
            values![esim_id],
        )
        .await?;
        Ok(())
    }
}
