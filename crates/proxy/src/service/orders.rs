//! Placing orders: priced on the server, written before the provider is called, bought once
//! in a task of their own, answered within the provider timeout or as pending.

use super::idempotency::{request_hash, Claim};
use super::*;

impl Service {
    /// Places an order, or answers again what a previous request with the same key got.
    ///
    /// A purchase, once sent, is never abandoned and never sent twice: it runs to its end in
    /// the background and writes its outcome whatever happens to this request. The request
    /// waits up to `provider_timeout_secs` for it, then answers with the order as pending
    /// (202); a retry under the same key waits for the same purchase or reads its outcome.
    pub async fn create_order(
        self: &Arc<Self>,
        caller: &Caller,
        key: &str,
        request: OrderRequest,
    ) -> AppResult<OrderAnswer> {
        if self.config.checkout == CheckoutMode::Customer
            && !matches!(caller, Caller::Known(Owner::Customer(_)))
        {
            return Err(AppError::new(
                ErrorCode::Unauthorized,
                "Please sign in to buy an eSIM.",
            ));
        }
        validate_quantity(request.quantity)?;
        let currency = self.currency(Some(&request.currency)).await?;
        let email = match request
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            Some(email) if !esim_core::api::is_valid_email(email) => {
                return Err(AppError::new(
                    ErrorCode::InvalidEmail,
                    "Please enter a valid e-mail address for your receipt.",
                ));
            }
            other => other.map(str::to_owned),
        };
        // Priced as a quote is: the one pricing rule (a top-up, from the eSIM's top-ups).
        let top_up_of = request
            .top_up_of
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty());
        let (quote, top_up_of) = match top_up_of {
            Some(esim_id) => {
                let top_up = self
                    .top_up_quote(
                        caller,
                        esim_id,
                        &request.package_code,
                        request.quantity,
                        currency,
                    )
                    .await?;
                (top_up.quote, Some(top_up.esim.id))
            }
            None => (
                self.quote(&request.package_code, request.quantity, currency)
                    .await?,
                None,
            ),
        };

        let scope = match caller {
            // The guest an anonymous order under this key made, retrying it with the token
            // its answer gave: the same checkout attempt, never a second order.
            Caller::Known(Owner::Guest(guest)) if self.made_guest(key, guest).await? => {
                "anonymous".to_owned()
            }
            Caller::Known(owner) => owner.key(),
            // Anonymous keys share one scope; they are random UUIDs from the widget.
            Caller::Anonymous => "anonymous".to_owned(),
        };
        let hash = request_hash(&[
            "orders",
            &quote.package_code,
            &request.quantity.to_string(),
            currency.code(),
            email.as_deref().unwrap_or(""),
            top_up_of.as_deref().unwrap_or(""),
        ]);
        // A new anonymous caller becomes a guest, whose token the answer hands over.
        let guest = matches!(caller, Caller::Anonymous).then(auth::new_guest_token);
        let order_id = format!("ord_{}", uuid::Uuid::new_v4().simple());
        let claim = self
            .claim(NewIdempotency {
                owner: scope.clone(),
                key: key.to_owned(),
                endpoint: "orders".into(),
                request_hash: hash,
                resource_id: Some(order_id.clone()),
                guest_token: guest.as_ref().map(|(token, _)| token.clone()),
            })
            .await?;
        let guard = match claim {
            Claim::New(guard) => guard,
            Claim::Answered { status, body, row } => {
                return Ok(OrderAnswer {
                    status,
                    body: with_guest_token(body, row.guest_token.as_deref()),
                });
            }
            Claim::Started(guard, row) => {
                let order_id = row.resource_id.unwrap_or_default();
                let order = self
                    .store
                    .order(order_id)
                    .await?
                    .ok_or_else(|| AppError::internal("idempotency row without its order"))?;
                if order.status == OrderStatus::AwaitingPayment {
                    // The same order and PaymentIntent again, never a second of either.
                    drop(guard);
                    return self.answer(&order.id, None, row.guest_token).await;
                }
                let done = match self.running_purchase(&order.id) {
                    Some(done) => Some(done),
                    // Refused for certain (the merchant's balance or credentials, or never
                    // placed): nothing was bought, so the same attempt may try again.
                    // (Not an order paid by card: its payment was released with its failure.)
                    None if order.status == OrderStatus::Failed && order.payment.is_none() => {
                        self.store.reopen_order(order.id.clone(), now()).await?;
                        Some(self.start_purchase(order.clone(), row.guest_token.clone()))
                    }
                    // Sent before and not finished here (an earlier run's): never sent again.
                    None => {
                        self.check(&order, true).await;
                        None
                    }
                };
                drop(guard);
                return self.answer(&order.id, done, row.guest_token).await;
            }
        };
        let (owner, guest_token) = match (caller, guest) {
            (Caller::Known(owner), _) => (owner.clone(), None),
            (Caller::Anonymous, guest) => {
                let (token, token_hash) = guest.unwrap_or_else(auth::new_guest_token);
                let id = self.store.create_guest(token_hash, now()).await?;
                (Owner::Guest(id), Some(token))
            }
        };
        let cards = self.takes_cards();
        let order = OrderRow {
            reference: format!("esf_{}", uuid::Uuid::new_v4().simple()),
            id: order_id,
            owner: owner.key(),
            package_code: quote.package_code,
            quantity: request.quantity,
            total_minor: quote.total.minor(),
            currency: currency.code().to_owned(),
            email,
            test: self.config.test_mode(),
            status: if cards {
                OrderStatus::AwaitingPayment
            } else {
                OrderStatus::InFlight
            },
            failure: None,
            provider_order_id: None,
            created_at: now(),
            payment: cards.then_some(Payment::Open),
            payment_intent: None,
            setup_intent: None,
            top_up_of,
            size_before: None,
        };
        // Written before the provider is called: whatever happens next can be reconciled.
        self.store.insert_order(order.clone(), now()).await?;
        if cards {
            // Bought once paid: the answer carries what the card field needs.
            let opened = self.open_payment(&order).await;
            drop(guard);
            opened?;
            return self.answer(&order.id, None, guest_token).await;
        }
        let done = self.start_purchase(order.clone(), guest_token.clone());
        drop(guard);
        self.answer(&order.id, Some(done), guest_token).await
    }

    /// Whether the anonymous order placed under `key` made the guest `guest`.
    async fn made_guest(&self, key: &str, guest: &str) -> AppResult<bool> {
        let Some(token) = self
            .store
            .idempotency("anonymous".to_owned(), key.to_owned())
            .await?
            .and_then(|row| row.guest_token)
        else {
            return Ok(false);
        };
        let made = self
            .store
            .guest_by_token_hash(auth::hash_guest_token(&token))
            .await?;
        Ok(made.as_deref() == Some(guest))
    }

    /// Answers an order request: the purchase's own outcome if it arrives within the
    /// provider timeout, else the order as it stands (pending, or held for review), 202.
    pub(super) async fn answer(
        &self,
        order_id: &str,
        done: Option<watch::Receiver<Option<Outcome>>>,
        guest_token: Option<String>,
    ) -> AppResult<OrderAnswer> {
        if let Some(outcome) = self.outcome_within(done).await {
            return outcome;
        }
        let mut view = self.order_view(order_id.to_owned()).await?;
        view.guest_token = guest_token;
        // Accepted by the provider: created. Sent with its outcome not known yet: accepted.
        let status = match view.state {
            OrderState::AwaitingPayment => 201,
            OrderState::Pending if view.esims.is_empty() => {
                let row = self.store.order(order_id.to_owned()).await?;
                if row.is_some_and(|r| r.status == OrderStatus::Pending) {
                    201
                } else {
                    202
                }
            }
            OrderState::NeedsReview => 202,
            _ => 201,
        };
        let body = serde_json::to_string(&view).map_err(|e| AppError::internal(e.to_string()))?;
        Ok(OrderAnswer { status, body })
    }

    /// The purchase of `order_id` running in this process, if there is one.
    pub(super) fn running_purchase(
        &self,
        order_id: &str,
    ) -> Option<watch::Receiver<Option<Outcome>>> {
        self.running.lock().get(order_id).cloned()
    }

    /// Sends an in-flight order to the provider in a task of its own, which records the
    /// outcome however the request that started it ends.
    pub(super) fn start_purchase(
        self: &Arc<Self>,
        order: OrderRow,
        guest_token: Option<String>,
    ) -> watch::Receiver<Option<Outcome>> {
        let (sender, receiver) = watch::channel(None);
        self.running
            .lock()
            .insert(order.id.clone(), receiver.clone());
        let service = Arc::clone(self);
        tokio::spawn(async move {
            // Sent only under the order's lease: another proxy on the same database never
            // sends it, nor looks it up as lost, meanwhile.
            let outcome = match service.lease_to_purchase(&order.id).await {
                Ok(true) => service.purchase(&order, guest_token).await,
                Ok(false) => {
                    tracing::info!(order = %order.id, "another instance is placing this order");
                    service.answer(&order.id, None, guest_token).await
                }
                Err(e) => Err(e),
            };
            if let Err(e) = &outcome {
                tracing::info!(order = %order.id, code = e.code.as_str(), "order not placed");
            }
            service.running.lock().remove(&order.id);
            service.release_order(&order.id).await;
            let _ = sender.send(Some(outcome));
        });
        receiver
    }

    /// Takes an order's lease in the store for this process, for `secs`.
    pub(super) async fn lease_order(&self, id: &str, secs: i64) -> AppResult<bool> {
        Ok(self
            .store
            .lease_order(id.to_owned(), self.instance.clone(), now(), now() + secs)
            .await?)
    }

    /// Takes an order's lease to send it. Another instance may hold it for a moment, looking
    /// the order up (a paid order just taken for buying is unresolved for it too): waited for,
    /// as long as such a look may last. Held beyond that, the other instance is placing it.
    async fn lease_to_purchase(&self, id: &str) -> AppResult<bool> {
        let until = Instant::now() + Duration::from_secs(self.check_lease_secs().unsigned_abs());
        loop {
            if self.lease_order(id, self.purchase_lease_secs()).await? {
                return Ok(true);
            }
            if Instant::now() >= until {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// How long a look at an order (see `Service::check`) holds its lease at most.
    pub(super) fn check_lease_secs(&self) -> i64 {
        i64::try_from(self.config.provider_timeout_secs.max(1) * 4 + 30).unwrap_or(i64::MAX)
    }

    /// Gives back an order's lease, unless a purchase of it is still running here.
    pub(super) async fn release_order(&self, id: &str) {
        if self.running_purchase(id).is_some() {
            return;
        }
        if let Err(e) = self
            .store
            .release_order(id.to_owned(), self.instance.clone())
            .await
        {
            tracing::warn!(order = %id, error = %e, "could not give back an order's lease; it expires");
        }
    }

    /// How long a purchase's lease lasts at most: its deadline (see [`Service::spend`]), the
    /// calls after it, and a margin.
    fn purchase_lease_secs(&self) -> i64 {
        let deadline = self
            .config
            .purchase_timeout_secs
            .max(self.config.provider_timeout_secs)
            + 5;
        i64::try_from(deadline + 4 * self.config.provider_timeout_secs.max(1) + 30)
            .unwrap_or(i64::MAX)
    }

    /// Sends an order to the provider, once, and records what came of it.
    pub(super) async fn purchase(
        self: &Arc<Self>,
        order: &OrderRow,
        guest_token: Option<String>,
    ) -> Outcome {
        if let Some(esim_id) = &order.top_up_of {
            return self.buy_top_up(order, esim_id).await;
        }
        let request = ProviderOrderRequest {
            reference: order.reference.clone(),
            package_code: order.package_code.clone(),
            quantity: order.quantity,
        };
        match self.spend("purchase", self.provider.order(&request)).await {
            Ok(placed) => {
                crash_point_after_provider_order();
                self.settle(order, &placed).await?;
                self.collect(&order.id).await;
                let mut view = self.order_view(order.id.clone()).await?;
                view.guest_token = None;
                let body =
                    serde_json::to_string(&view).map_err(|e| AppError::internal(e.to_string()))?;
                self.store
                    .complete_order_idempotency(order.id.clone(), 201, body.clone())
                    .await?;
                Ok(OrderAnswer {
                    status: 201,
                    body: with_guest_token(body, guest_token.as_deref()),
                })
            }
            Err(e) if is_definitive(&e.kind) => {
                // Failures that belong to the request itself are its final answer; the
                // merchant's own problems (credentials, balance) may be fixed, so a retry of
                // the same checkout attempt tries again, with the same reference.
                // An order paid by card has its payment released with the failure: a retry
                // would have to pay again, so the failure is final too.
                let final_answer = order.payment.is_some()
                    || matches!(
                        e.kind,
                        ErrorKind::NotFound
                            | ErrorKind::InvalidRequest
                            | ErrorKind::NotAllowed
                            | ErrorKind::Unsupported
                    );
                let error: AppError = match e.kind {
                    ErrorKind::NotFound => {
                        AppError::new(ErrorCode::UnknownPackage, "That package is no longer sold.")
                            .because(e.to_string())
                    }
                    _ => e.into(),
                };
                self.fail_order(&order.id, error.message.clone()).await?;
                if final_answer {
                    let body = serde_json::to_string(&error.body())
                        .map_err(|e| AppError::internal(e.to_string()))?;
                    self.store
                        .complete_order_idempotency(order.id.clone(), error.status().as_u16(), body)
                        .await?;
                }
                Err(error)
            }
            Err(e) => {
                // The provider may have acted: find out from its records, never by buying again.
                tracing::warn!(order = %order.id, error = %e, "a purchase's outcome is unknown");
                self.next_check
                    .lock()
                    .insert(order.id.clone(), Instant::now() + CHECK_EVERY);
                if let Err(e) = self.check_now(order).await {
                    tracing::warn!(order = %order.id, error = %e.message, "could not find out where an order stands");
                }
                match self.store.order(order.id.clone()).await? {
                    // Certainly never placed: the error is the answer, and a retry may buy.
                    Some(row) if row.status == OrderStatus::Failed => Err(e.into()),
                    _ => self.answer(&order.id, None, guest_token).await,
                }
            }
        }
    }

    /// Records that an order failed, and why; it has no eSIMs. A payment held for it is
    /// released.
    pub(super) async fn fail_order(&self, id: &str, reason: impl Into<String>) -> AppResult<()> {
        self.finish_order(id, OrderStatus::Failed, Some(reason.into()))
            .await
    }

    /// Records the final state of an order that brings no eSIMs of its own (a failure, or a
    /// top-up), and captures or releases the payment held for it.
    pub(super) async fn finish_order(
        &self,
        id: &str,
        status: OrderStatus,
        failure: Option<String>,
    ) -> AppResult<()> {
        self.store
            .settle_order(id.to_owned(), status, failure, None, Vec::new(), now())
            .await?;
        self.collect(id).await;
        Ok(())
    }

    /// An order the caller owns.
    pub(super) async fn owned_order(&self, caller: &Caller, id: &str) -> AppResult<OrderRow> {
        let owner = caller.owner()?.key();
        self.store
            .order(id.to_owned())
            .await?
            .filter(|o| o.owner == owner)
            .ok_or_else(|| AppError::not_found("order"))
    }

    /// Returns an order the caller owns, finding out first where it stands if it is not
    /// settled (at the provider, or, awaiting payment, at Stripe).
    pub async fn order(self: &Arc<Self>, caller: &Caller, id: &str) -> AppResult<Order> {
        let row = self.owned_order(caller, id).await?;
        if row.unresolved() {
            self.check(&row, false).await;
        } else if row.status == OrderStatus::AwaitingPayment {
            if let Err(e) = self.refresh_payment(&row).await {
                tracing::warn!(order = %row.id, error = %e.message, cause = e.cause.as_deref().unwrap_or(""), "could not read an order's payment");
            }
        }
        self.order_view(row.id).await
    }

    pub(super) async fn order_view(&self, id: String) -> AppResult<Order> {
        let row = self
            .store
            .order(id.clone())
            .await?
            .ok_or_else(|| AppError::not_found("order"))?;
        let mut esims = Vec::new();
        let mine = match &row.top_up_of {
            // A top-up shows the eSIM it added to, once it has.
            Some(esim_id) if row.status == OrderStatus::Completed => self
                .store
                .esim(esim_id.clone())
                .await?
                .into_iter()
                .collect(),
            Some(_) => Vec::new(),
            None => self.store.esims_of_order(id).await?,
        };
        for esim in mine {
            esims.push(self.esim_view(&esim, false).await?);
        }
        let currency =
            Currency::from_code(&row.currency).map_err(|e| AppError::internal(e.to_string()))?;
        let payment = self.payment_view(&row).await?;
        Ok(Order {
            id: row.id,
            state: match row.status {
                OrderStatus::AwaitingPayment => OrderState::AwaitingPayment,
                OrderStatus::InFlight | OrderStatus::Pending => OrderState::Pending,
                OrderStatus::Completed => OrderState::Completed,
                OrderStatus::Failed => OrderState::Failed,
                OrderStatus::NeedsReview => OrderState::NeedsReview,
            },
            package_code: row.package_code,
            quantity: row.quantity,
            total: Money::from_minor(row.total_minor, currency),
            created_at: row.created_at,
            test: row.test,
            esims,
            guest_token: None,
            failure: row.failure,
            payment,
            top_up_of: row.top_up_of,
        })
    }
}

/// Puts the guest token issued with an order into its stored answer (stored without it).
pub(super) fn with_guest_token(body: String, token: Option<&str>) -> String {
    let Some(token) = token else {
        return body;
    };
    match serde_json::from_str::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Object(mut map)) if map.contains_key("state") => {
            map.insert("guest_token".into(), token.into());
            serde_json::Value::Object(map).to_string()
        }
        _ => body,
    }
}

/// Checks an order quantity.
pub fn validate_quantity(quantity: u32) -> AppResult<()> {
    if (1..=esim_core::api::MAX_QUANTITY).contains(&quantity) {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::InvalidQuantity,
            format!(
                "You can buy 1 to {} eSIMs at a time.",
                esim_core::api::MAX_QUANTITY
            ),
        ))
    }
}

/// Test hook: with `ESIM_PROXY_TEST_CRASH_AFTER_ORDER` set, a debug build dies right after the
/// provider accepted an order and before the store records it, as a power cut would.
pub(super) fn crash_point_after_provider_order() {
    #[cfg(debug_assertions)]
    if std::env::var_os("ESIM_PROXY_TEST_CRASH_AFTER_ORDER").is_some() {
        eprintln!("esim-proxy: crashing on purpose after the provider accepted an order");
        std::process::abort();
    }
}
