//! Orders whose outcome is not known yet: asked about at the provider (never bought again),
//! settled, held for review, and settled by the merchant's hand.

use super::*;

impl Service {
    /// Finds out where an unresolved order stands that no task of this process is placing,
    /// from the provider's records, and records it: completed or pending when found; failed
    /// when the provider can say for certain that it was never placed; held for review when
    /// the provider cannot be asked, or has not shown it within `review_after_secs`. Asks at
    /// most every few seconds per order unless `now`. Errors are logged: the order stays as
    /// it was, to be asked about again.
    pub async fn check(self: &Arc<Self>, order: &OrderRow, now_please: bool) {
        if self.running_purchase(&order.id).is_some() {
            return;
        }
        {
            let mut next = self.next_check.lock();
            let due = next.get(&order.id).is_none_or(|at| *at <= Instant::now());
            if !due && !now_please {
                return;
            }
            // One held for review is looked for rarely: the merchant is on it.
            let every = if order.status == OrderStatus::NeedsReview {
                REVIEW_CHECK_EVERY
            } else {
                CHECK_EVERY
            };
            next.insert(order.id.clone(), Instant::now() + every);
        }
        // Looked at by one proxy at a time: another on the same database that holds the
        // order's lease is placing it, or looking already.
        match self.lease_order(&order.id, self.check_lease_secs()).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::warn!(order = %order.id, error = %e.message, "could not lease an order to look at it");
                return;
            }
        }
        if let Err(e) = self.check_now(order).await {
            tracing::warn!(order = %order.id, error = %e.message, cause = e.cause.as_deref().unwrap_or(""), "could not find out where an order stands");
        }
        self.release_order(&order.id).await;
    }

    pub(super) async fn check_now(self: &Arc<Self>, order: &OrderRow) -> AppResult<()> {
        let Some(order) = self
            .store
            .order(order.id.clone())
            .await?
            .filter(OrderRow::unresolved)
        else {
            return Ok(());
        };
        if let Some(esim_id) = order.top_up_of.clone() {
            return self.check_top_up(&order, &esim_id).await;
        }
        let lookup = OrderLookup {
            reference: order.reference.clone(),
            provider_order_id: order.provider_order_id.clone(),
            package_code: order.package_code.clone(),
            quantity: order.quantity,
            sent_at: order.created_at,
            held: self.store.held_esims().await?,
        };
        let found = self.provider.recover_order(&lookup).await?;
        if let Some(found) = found {
            self.settle(&order, &found).await?;
            self.collect(&order.id).await;
            let view = self.order_view(order.id.clone()).await?;
            if matches!(view.state, OrderState::Completed | OrderState::Failed) {
                let body =
                    serde_json::to_string(&view).map_err(|e| AppError::internal(e.to_string()))?;
                self.store
                    .complete_order_idempotency(order.id.clone(), 201, body)
                    .await?;
            }
            tracing::info!(order = %order.id, state = ?view.state, "found an order at the provider");
            return Ok(());
        }
        if order.provider_order_id.is_some() || order.status == OrderStatus::NeedsReview {
            // Accepted and still being issued, or already held: left as it is.
            return Ok(());
        }
        let review = match self.capabilities().recovery {
            Recovery::Exact
                if order.payment == Some(Payment::Authorized)
                    && self.running_purchase(&order.id).is_none() =>
            {
                // Paid for, and certainly never placed (a restart between the payment and
                // the provider call): bought now, under the same reference, once.
                tracing::info!(order = %order.id, "a paid order never reached the provider: buying it now");
                self.start_purchase(order.clone(), None);
                return Ok(());
            }
            Recovery::Exact => {
                self.fail_order(&order.id, "Not placed: the supplier has no such order.")
                    .await?;
                tracing::info!(order = %order.id, "an order in flight never reached the provider");
                return Ok(());
            }
            Recovery::Unfindable => true,
            Recovery::Search => self.searched_long_enough(&order),
        };
        if review {
            self.hold(&order, "order").await?;
        }
        Ok(())
    }

    /// Whether an order's outcome has been searched for `review_after_secs` since it was
    /// written, and not found.
    pub(super) fn searched_long_enough(&self, order: &OrderRow) -> bool {
        now() - order.created_at > i64::try_from(self.config.review_after_secs).unwrap_or(i64::MAX)
    }

    /// Holds an order in flight whose outcome is unknown for the merchant's review (its card
    /// hold, if any, kept: never captured on a guess). `what` is "order" or "top-up".
    pub(super) async fn hold(&self, order: &OrderRow, what: &str) -> AppResult<()> {
        self.store
            .hold_for_review(
                order.id.clone(),
                format!("The supplier did not confirm this {what}; it is being checked."),
                now(),
            )
            .await?;
        tracing::warn!(order = %order.id, reference = %order.reference, "the outcome of this {what} is unknown: held for review (esim-proxy orders unresolved)");
        Ok(())
    }

    /// Records a provider order and its eSIMs in one transaction.
    pub(super) async fn settle(&self, order: &OrderRow, placed: &ProviderOrder) -> AppResult<()> {
        let (status, failure) = match &placed.state {
            ProviderOrderState::Pending => (OrderStatus::Pending, None),
            ProviderOrderState::Completed => (OrderStatus::Completed, None),
            ProviderOrderState::Failed(reason) => (OrderStatus::Failed, Some(reason.clone())),
        };
        let package = self.wholesale_package(&order.package_code).await.ok();
        let rows = placed
            .esims
            .iter()
            .map(|e| EsimRow {
                id: format!("esim_{}", uuid::Uuid::new_v4().simple()),
                order_id: order.id.clone(),
                owner: order.owner.clone(),
                provider_id: e.provider_id.clone(),
                iccid: e.iccid.clone(),
                // Some providers' eSIM answers do not name their package: the order does.
                package_code: Some(e.package_code.clone())
                    .filter(|c| !c.trim().is_empty())
                    .unwrap_or_else(|| order.package_code.clone()),
                title: package
                    .as_ref()
                    .map_or_else(|| e.package_code.clone(), |p| p.title.clone()),
                destination: package
                    .as_ref()
                    .map_or_else(String::new, |p| p.destination.clone()),
                test: order.test,
                created_at: now(),
                activation: e.activation.as_ref().map(ToString::to_string),
            })
            .collect();
        for esim in &placed.esims {
            self.esims.put(esim.provider_id.clone(), esim.clone()).await;
        }
        self.store
            .settle_order(
                order.id.clone(),
                status,
                failure,
                Some(placed.provider_order_id.clone()).filter(|id| !id.is_empty()),
                rows,
                now(),
            )
            .await?;
        Ok(())
    }

    /// Finds out where every unresolved order stands that no task of this process is placing
    /// (at start: those an earlier run left). Returns how many changed state.
    pub async fn reconcile(self: &Arc<Self>) -> AppResult<usize> {
        self.sweep_payments(true).await?;
        let mut changed = 0;
        for order in self.store.orders_unresolved().await? {
            self.check(&order, true).await;
            let after = self.store.order(order.id.clone()).await?;
            if after.is_some_and(|a| a.status != order.status) {
                changed += 1;
            }
        }
        Ok(changed)
    }

    /// Asks about the unresolved orders that are due (the running proxy does this every few
    /// seconds, so that an order settles, or is held for review, without anyone asking).
    pub async fn sweep(self: &Arc<Self>) -> AppResult<()> {
        self.sweep_payments(false).await?;
        for order in self.store.orders_unresolved().await? {
            self.check(&order, false).await;
        }
        Ok(())
    }

    /// Waits until every purchase and top-up running in this process has written its
    /// outcome, or `limit` has passed; returns how many are still running.
    pub async fn drain(&self, limit: Duration) -> usize {
        let until = Instant::now() + limit;
        loop {
            let running = self.running.lock().len();
            if running == 0 || Instant::now() >= until {
                return running;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The orders held for review, oldest first.
    pub async fn orders_in_review(&self) -> AppResult<Vec<OrderRow>> {
        Ok(self.store.orders_in_review().await?)
    }

    /// Settles an order held for review with the eSIMs (by ICCID) the merchant found at the
    /// provider for it, or as failed (nothing was charged) when `iccids` is empty.
    pub async fn settle_by_hand(&self, id: &str, iccids: &[String]) -> AppResult<Order> {
        let order = self
            .store
            .order(id.to_owned())
            .await?
            .ok_or_else(|| AppError::not_found("order"))?;
        // Only an order held for review: one in flight or pending may still be settled by
        // its own purchase, in a server this command cannot see.
        if order.status != OrderStatus::NeedsReview {
            return Err(AppError::new(
                ErrorCode::NotAllowed,
                format!(
                    "Order {id} is {}, not held for review.",
                    match order.status {
                        OrderStatus::Completed => "already completed",
                        OrderStatus::Failed => "already failed",
                        _ => "still with the provider",
                    }
                ),
            ));
        }
        if iccids.is_empty() {
            self.fail_order(id, "Settled by the merchant: not charged.")
                .await?;
        } else if let Some(esim_id) = &order.top_up_of {
            // A top-up: the merchant names the eSIM it was added to, as found at the provider.
            let esim = self
                .store
                .esim(esim_id.clone())
                .await?
                .ok_or_else(|| AppError::internal("a top-up order of an eSIM not stored"))?;
            if iccids.len() != 1 || !iccids[0].trim().eq_ignore_ascii_case(&esim.iccid) {
                return Err(AppError::new(
                    ErrorCode::NotAllowed,
                    format!(
                        "Order {id} is a top-up of the eSIM {}: name that ICCID if it was added, or none if it was not.",
                        esim.iccid
                    ),
                ));
            }
            // Added: completed, and its payment captured.
            self.finish_order(id, OrderStatus::Completed, None).await?;
        } else {
            let held = self.store.held_esims().await?;
            let mut esims = Vec::new();
            for iccid in iccids {
                let esim = self.provider.esim_by_iccid(iccid).await?;
                if held.contains(&esim.provider_id) || held.contains(&esim.iccid) {
                    return Err(AppError::new(
                        ErrorCode::NotAllowed,
                        format!("The eSIM {iccid} already belongs to another order."),
                    ));
                }
                esims.push(esim);
            }
            let placed = ProviderOrder {
                reference: order.reference.clone(),
                provider_order_id: order.provider_order_id.clone().unwrap_or_default(),
                state: ProviderOrderState::Completed,
                cost: Money::zero(Currency::USD),
                esims,
            };
            self.settle(&order, &placed).await?;
            self.collect(id).await;
        }
        let view = self.order_view(id.to_owned()).await?;
        let body = serde_json::to_string(&view).map_err(|e| AppError::internal(e.to_string()))?;
        self.store
            .complete_order_idempotency(id.to_owned(), 201, body)
            .await?;
        Ok(view)
    }
}
