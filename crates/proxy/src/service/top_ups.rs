//! Top-ups paid by card: an order (`top_up_of` an eSIM) priced, paid and captured like any
//! other, whose purchase adds its package to the shopper's eSIM instead of buying one. A
//! top-up is sent once: the eSIM's size is written before it is sent, and where the answer
//! was lost the eSIM itself says whether it grew; if it cannot, the order is held for review
//! with the card's hold kept, never captured on a guess.

use esim_core::api::Quote;

use super::esims::{grew, size_of};
use super::orders::crash_point_after_provider_order;
use super::*;

/// What a top-up order needs when it is placed: its price, and the eSIM it adds to.
pub(super) struct TopUpQuote {
    pub quote: Quote,
    pub esim: EsimRow,
}

impl Service {
    /// Prices a top-up of the caller's eSIM `esim_id` with one of the packages that fit it,
    /// refusing one the eSIM cannot take now.
    pub(super) async fn top_up_quote(
        &self,
        caller: &Caller,
        esim_id: &str,
        package_code: &str,
        quantity: u32,
        currency: Currency,
    ) -> AppResult<TopUpQuote> {
        if !self.takes_cards() {
            return Err(AppError::new(
                ErrorCode::NotAllowed,
                "In this shop, top-ups are added with POST /v1/esims/{id}/topups.",
            ));
        }
        self.require_top_ups()?;
        if quantity != 1 {
            return Err(AppError::new(
                ErrorCode::InvalidQuantity,
                "A top-up is one package at a time.",
            ));
        }
        let esim = self.owned_esim(caller, esim_id).await?;
        let current = self.provider_esim(&esim.provider_id, true).await?;
        self.may_top_up(&current)?;
        let package = self.top_up_package(&esim, package_code).await?;
        let unit_price = self.price(package.price, currency).await?;
        Ok(TopUpQuote {
            quote: Quote {
                package_code: package.code,
                quantity: 1,
                unit_price,
                total: unit_price,
            },
            esim,
        })
    }

    /// Refuses a top-up of an eSIM in a state that takes none (or, where the provider tops
    /// up only eSIMs in use, one not in use yet).
    pub(super) fn may_top_up(&self, current: &ProviderEsim) -> AppResult<()> {
        let active_only = self.capabilities().top_up_active_only;
        if current.status.may_top_up()
            && (!active_only || current.status.lifecycle == esim_core::Lifecycle::Active)
        {
            return Ok(());
        }
        Err(AppError::new(
            ErrorCode::NotAllowed,
            if active_only && current.status.may_top_up() {
                "This eSIM can be topped up once it is in use.".to_owned()
            } else {
                format!(
                    "This eSIM is {} and can no longer be topped up.",
                    current.status.lifecycle.as_str()
                )
            },
        ))
    }

    /// The wholesale top-up `code` of an eSIM, if it is one that fits it.
    pub(super) async fn top_up_package(&self, esim: &EsimRow, code: &str) -> AppResult<Package> {
        self.provider
            .top_up_packages(&esim.provider_id)
            .await?
            .into_iter()
            .find(|p| p.code.eq_ignore_ascii_case(code.trim()))
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::UnknownPackage,
                    "That top-up does not fit this eSIM.",
                )
            })
    }

    /// Sends a paid top-up order to the provider, once, and records what came of it: the
    /// card captured once the package is on the eSIM, released if the provider refused.
    pub(super) async fn buy_top_up(self: &Arc<Self>, order: &OrderRow, esim_id: &str) -> Outcome {
        let esim = self
            .store
            .esim(esim_id.to_owned())
            .await?
            .ok_or_else(|| AppError::internal("a top-up order of an eSIM not stored"))?;
        if order.size_before.is_none() && !self.store.top_up_free(order.id.clone()).await? {
            // Another top-up of this eSIM is still unconfirmed, or a cancel of it under way:
            // this one waits, paid and unsent, the provider not asked. The sweep sends it once
            // that is settled (or releases it, the eSIM cancelled).
            tracing::info!(order = %order.id, esim = %esim.id, "a top-up waits for another top-up or a cancel of the same eSIM");
            return self.answer(&order.id, None, None).await;
        }
        // The eSIM as it is now: one that can no longer take it is refused before anything
        // is sent, and its hold released.
        let current = match self.provider_esim(&esim.provider_id, true).await {
            Ok(current) => current,
            Err(e) => {
                // Nothing sent: the sweep sends it once the eSIM can be read.
                tracing::warn!(order = %order.id, error = %e.message, "could not read the eSIM before a top-up; trying again");
                return self.answer(&order.id, None, None).await;
            }
        };
        if let Err(refused) = self.may_top_up(&current) {
            return self.top_up_refused(order, refused).await;
        }
        // Measured before it is sent, and sent only by the run that measured it: a second
        // run (after a restart, or on another instance) compares the eSIM instead.
        if !self
            .store
            .measure_top_up(order.id.clone(), size_of(&current), now())
            .await?
        {
            // Measured by another run (which sends it), or its eSIM taken meanwhile (it waits,
            // as above).
            if self.stored_order(&order.id).await?.size_before.is_some() {
                self.check_now(order).await?;
            }
            return self.answer(&order.id, None, None).await;
        }
        let sent = self
            .provider
            .top_up(&esim.provider_id, &order.package_code, &order.reference);
        match self.spend("top-up", sent).await {
            Ok(after) => {
                crash_point_after_provider_order();
                self.updated(&esim, after).await;
                self.top_up_done(order).await
            }
            Err(e) if is_definitive(&e.kind) => {
                let refused = match e.kind {
                    ErrorKind::NotAllowed => AppError::new(
                        ErrorCode::NotAllowed,
                        "This eSIM can no longer be topped up.",
                    )
                    .because(e.to_string()),
                    ErrorKind::NotFound => {
                        AppError::new(ErrorCode::UnknownPackage, "That top-up is no longer sold.")
                            .because(e.to_string())
                    }
                    _ => e.into(),
                };
                self.top_up_refused(order, refused).await
            }
            Err(e) => self.top_up_unknown(order, e).await,
        }
    }

    /// The top-up is on the eSIM: completed and captured, and that is the request's answer.
    async fn top_up_done(&self, order: &OrderRow) -> Outcome {
        self.finish_order(&order.id, OrderStatus::Completed, None)
            .await?;
        tracing::info!(order = %order.id, "top-up added");
        let body = serde_json::to_string(&self.order_view(order.id.clone()).await?)
            .map_err(|e| AppError::internal(e.to_string()))?;
        self.store
            .complete_order_idempotency(order.id.clone(), 201, body.clone())
            .await?;
        Ok(OrderAnswer { status: 201, body })
    }

    /// The provider certainly did not add it: the order fails and its hold is released.
    async fn top_up_refused(&self, order: &OrderRow, refused: AppError) -> Outcome {
        self.fail_order(&order.id, refused.message.clone()).await?;
        let body = serde_json::to_string(&refused.body())
            .map_err(|e| AppError::internal(e.to_string()))?;
        self.store
            .complete_order_idempotency(order.id.clone(), refused.status().as_u16(), body)
            .await?;
        Err(refused)
    }

    /// No answer: the eSIM will say, when it can be asked; the order stays in flight.
    async fn top_up_unknown(self: &Arc<Self>, order: &OrderRow, e: ProviderError) -> Outcome {
        tracing::warn!(order = %order.id, error = %e, "a top-up's outcome is unknown");
        self.next_check
            .lock()
            .insert(order.id.clone(), Instant::now() + CHECK_EVERY);
        if let Err(e) = self.check_now(order).await {
            tracing::warn!(order = %order.id, error = %e.message, "could not find out where a top-up stands");
        }
        self.answer(&order.id, None, None).await
    }

    /// Finds out where an unresolved top-up order stands, from its eSIM: grown since it was
    /// measured → added; never measured → certainly never sent, so sent now if paid; not
    /// grown → still unknown, held for review once `review_after_secs` have passed (its
    /// hold kept, for the merchant to settle).
    pub(super) async fn check_top_up(
        self: &Arc<Self>,
        order: &OrderRow,
        esim_id: &str,
    ) -> AppResult<()> {
        let Some(before) = order.size_before.as_deref() else {
            if order.payment == Some(Payment::Authorized)
                && order.status == OrderStatus::InFlight
                && self.running_purchase(&order.id).is_none()
            {
                tracing::info!(order = %order.id, "a paid top-up never reached the provider: sending it now");
                self.start_purchase(order.clone(), None);
            }
            return Ok(());
        };
        let esim = self
            .store
            .esim(esim_id.to_owned())
            .await?
            .ok_or_else(|| AppError::internal("a top-up order of an eSIM not stored"))?;
        let current = self.provider_esim(&esim.provider_id, true).await?;
        if grew(before, &current) {
            self.top_up_done(order).await?;
            tracing::info!(order = %order.id, "a top-up found on its eSIM");
            return Ok(());
        }
        if order.status == OrderStatus::InFlight && self.searched_long_enough(order) {
            self.hold(order, "top-up").await?;
        }
        Ok(())
    }
}
