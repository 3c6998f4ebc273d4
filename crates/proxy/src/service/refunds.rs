//! Refunds of cancelled eSIMs paid by card. The refund is written as owed before the provider
//! is asked to cancel, so that a cancel is never left unrefunded (a crash, Stripe out of
//! reach): whoever claims it in the store makes it, after looking at Stripe for one already
//! made for that eSIM, so that it is never made twice, even by two instances or after a
//! restart. An eSIM the provider did not cancel after all has its refund forgotten.

use esim_core::api::{EsimRefund, RefundState};

use super::*;
use crate::payments::stripe::{stripe_amount, StripeError};
use crate::store::RefundRow;

/// How long a claimed refund may stay unfinished before another run takes it over, and an
/// owed refund whose eSIM is not cancelled is forgotten (the cancel was refused or lost).
const REFUND_GRACE_SECS: i64 = 120;

impl Service {
    /// Before an eSIM is cancelled: the refund owed if it was paid by card (its share of the
    /// order's total), written down; `None` for an eSIM of an order not paid by card. An
    /// order whose payment is not taken yet is captured first; while it cannot be, the
    /// cancel waits (refused for now), so that nothing is cancelled that cannot be refunded.
    pub(super) async fn owe_refund(&self, esim: &EsimRow) -> AppResult<Option<RefundRow>> {
        if let Some(owed) = self.store.refund_of(esim.id.clone()).await? {
            return Ok(Some(owed));
        }
        let order = self.stored_order(&esim.order_id).await?;
        let Some(payment) = order.payment else {
            return Ok(None);
        };
        let payment = match payment {
            Payment::Authorized => {
                self.collect(&order.id).await;
                self.stored_order(&order.id).await?.payment
            }
            other => Some(other),
        };
        if payment != Some(Payment::Captured) {
            return Err(AppError::new(
                ErrorCode::PaymentUnavailable,
                "This eSIM cannot be cancelled just now, as its refund cannot be made. Please try again in a few minutes.",
            )
            .because(format!("order payment is {payment:?}")));
        }
        let amount = self.share_of(&order, &esim.id).await?;
        let owed = RefundRow {
            esim_id: esim.id.clone(),
            order_id: order.id.clone(),
            amount_minor: amount,
            currency: order.currency.clone(),
            refunded: false,
            refund_id: None,
            created_at: now(),
        };
        Ok(Some(self.store.owe_refund(owed, now()).await?))
    }

    /// An eSIM's share of its order's total, in minor units: the total split evenly over
    /// the order's eSIMs, the cents that do not split going to the last ones, so that the
    /// shares add up to exactly the total.
    async fn share_of(&self, order: &OrderRow, esim_id: &str) -> AppResult<i64> {
        let esims = self.store.esims_of_order(order.id.clone()).await?;
        let count = i64::try_from(esims.len().max(1)).unwrap_or(1);
        let index = esims
            .iter()
            .position(|e| e.id == esim_id)
            .ok_or_else(|| AppError::internal("an eSIM not of its order"))?;
        let index = i64::try_from(index).unwrap_or(0);
        let upto = |n: i64| order.total_minor * n / count;
        Ok(upto(index + 1) - upto(index))
    }

    /// Once the provider cancelled the eSIM: makes its refund now, if this call can claim
    /// it. Owed again first (a no-op unless the sweep forgot it meanwhile), so a cancel that
    /// happened is never left unrefunded. A failure leaves it owed, for the sweep to make; it
    /// is logged, not the shopper's error: the eSIM is cancelled.
    pub(super) async fn refund_now(&self, owed: &RefundRow) {
        let made = async {
            let owed = self.store.owe_refund(owed.clone(), now()).await?;
            self.make_refund(&owed).await
        };
        if let Err(e) = made.await {
            tracing::warn!(esim = %owed.esim_id, error = %e.message, cause = e.cause.as_deref().unwrap_or(""), "a cancelled eSIM's refund could not be made yet; trying again");
        }
    }

    async fn make_refund(&self, owed: &RefundRow) -> AppResult<()> {
        if !self
            .store
            .claim_refund(owed.esim_id.clone(), now(), now() - REFUND_GRACE_SECS)
            .await?
        {
            return Ok(());
        }
        let made = self.refund_at_stripe(owed).await;
        match made {
            Ok(refund_id) => {
                self.store
                    .mark_refunded(owed.esim_id.clone(), refund_id, now())
                    .await?;
                tracing::info!(esim = %owed.esim_id, order = %owed.order_id, amount = owed.amount_minor, "a cancelled eSIM was refunded");
                Ok(())
            }
            Err(e) => {
                self.store
                    .release_refund(owed.esim_id.clone(), now())
                    .await?;
                Err(e)
            }
        }
    }

    /// The refund at Stripe: one already made for this eSIM (an answer lost, a run that
    /// died) is found first; otherwise it is made, under a key derived from the eSIM.
    async fn refund_at_stripe(&self, owed: &RefundRow) -> AppResult<String> {
        let order = self.stored_order(&owed.order_id).await?;
        let intent = order
            .payment_intent
            .ok_or_else(|| AppError::internal("a card order without its PaymentIntent"))?;
        let stripe = self.stripe()?;
        let refunds = stripe.refunds(&intent).await.map_err(refund_error)?;
        if let Some(made) = refunds
            .iter()
            .find(|r| r.metadata.get("esim_id") == Some(&owed.esim_id))
        {
            return Ok(made.id.clone());
        }
        let currency =
            Currency::from_code(&owed.currency).map_err(|e| AppError::internal(e.to_string()))?;
        let (amount, _) = stripe_amount(Money::from_minor(owed.amount_minor, currency));
        let made = stripe
            .refund(
                &intent,
                Some(amount),
                &owed.esim_id,
                &format!("esf-refund-{}", owed.esim_id),
            )
            .await
            .map_err(refund_error)?;
        Ok(made.id)
    }

    /// Settles a refund owed earlier (the sweep, and a cancel the provider refused): made if
    /// its eSIM is cancelled at the provider, as the provider says now (never a cached view);
    /// forgotten if it is not and the cancel is older than the grace. Only then: a cancel
    /// still running elsewhere may yet succeed, and its refund must still be owed when it does.
    pub(super) async fn settle_refund(&self, owed: &RefundRow) -> AppResult<()> {
        let esim = self
            .store
            .esim(owed.esim_id.clone())
            .await?
            .ok_or_else(|| AppError::internal("a refund without its eSIM"))?;
        let at_provider = self.provider.esim(&esim.provider_id).await?;
        if at_provider.status.lifecycle == esim_core::Lifecycle::Cancelled {
            self.make_refund(owed).await
        } else {
            if now() - owed.created_at > REFUND_GRACE_SECS {
                self.store.forget_refund(owed.esim_id.clone()).await?;
            }
            Ok(())
        }
    }

    /// Makes the refunds owed (the sweep): those whose request did not finish them.
    pub(super) async fn sweep_refunds(&self) -> AppResult<()> {
        for owed in self.store.refunds_owed().await? {
            if let Err(e) = self.settle_refund(&owed).await {
                tracing::warn!(esim = %owed.esim_id, error = %e.message, cause = e.cause.as_deref().unwrap_or(""), "could not settle a cancelled eSIM's refund");
            }
        }
        Ok(())
    }

    /// The refund part of an eSIM's view: shown once the eSIM is cancelled.
    pub(super) async fn refund_view(
        &self,
        esim_id: &str,
        lifecycle: esim_core::Lifecycle,
    ) -> Option<EsimRefund> {
        let owed = self.store.refund_of(esim_id.to_owned()).await.ok()??;
        if !owed.refunded && lifecycle != esim_core::Lifecycle::Cancelled {
            return None;
        }
        let currency = Currency::from_code(&owed.currency).ok()?;
        Some(EsimRefund {
            amount: Money::from_minor(owed.amount_minor, currency),
            state: if owed.refunded {
                RefundState::Refunded
            } else {
                RefundState::Pending
            },
        })
    }
}

/// A refund Stripe did not make, as an error for the log (the shopper sees it pending).
fn refund_error(e: StripeError) -> AppError {
    AppError::new(
        ErrorCode::PaymentUnavailable,
        "The refund could not be made yet.",
    )
    .because(e.to_string())
}
