//! The shopper's eSIMs: views completed with what the proxy knows, top-ups (bought once, like
//! orders) and cancels.

use super::idempotency::{request_hash, Claim};
use super::*;

impl Service {
    /// Returns the caller's eSIMs.
    pub async fn esims(&self, caller: &Caller) -> AppResult<Vec<Esim>> {
        let owner = caller.owner()?.key();
        let mut out = Vec::new();
        for row in self.store.esims_of(owner).await? {
            out.push(self.esim_view(&row, false).await?);
        }
        Ok(out)
    }

    /// Returns an eSIM row the caller owns, or 404.
    pub async fn owned_esim(&self, caller: &Caller, id: &str) -> AppResult<EsimRow> {
        let owner = caller.owner()?.key();
        self.store
            .esim(id.to_owned())
            .await?
            .filter(|e| e.owner == owner)
            .ok_or_else(|| AppError::not_found("eSIM"))
    }

    /// Returns one eSIM the caller owns; `refresh` asks the provider again (within its limits).
    pub async fn esim(&self, caller: &Caller, id: &str, refresh: bool) -> AppResult<Esim> {
        let row = self.owned_esim(caller, id).await?;
        self.esim_view(&row, refresh).await
    }

    /// Returns the provider's view of an eSIM, from cache unless stale or `refresh`; while the
    /// provider asks us to wait, the last view is served instead.
    pub(super) async fn provider_esim(
        &self,
        provider_id: &str,
        refresh: bool,
    ) -> AppResult<ProviderEsim> {
        let key = provider_id.to_owned();
        // The last view, served while a rate-limited provider asks us to wait.
        let last = self.esims.peek(&key).await;
        if let Some(wait) = self.esim_cooling.wait(&key) {
            return last.ok_or_else(|| AppError::rate_limited(wait));
        }
        // A pending eSIM changes within seconds: never serve it from the cache.
        let pending = last
            .as_ref()
            .is_some_and(|e| e.status.lifecycle == esim_core::Lifecycle::Pending);
        if refresh || pending {
            self.esims.invalidate(&key).await;
        }
        match self
            .esims
            .get_or_fetch(&key, || self.provider.esim(provider_id))
            .await
        {
            Ok(esim) => Ok(esim),
            Err(ProviderError {
                kind: ErrorKind::RateLimited { retry_after },
                ..
            }) => {
                let wait = retry_after.unwrap_or(Duration::from_secs(60));
                self.esim_cooling.hold(key.clone(), wait);
                match last {
                    Some(view) => {
                        self.esims.put(key, view.clone()).await;
                        Ok(view)
                    }
                    None => Err(AppError::rate_limited(wait)),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Builds the shopper's view of an eSIM.
    pub async fn esim_view(&self, row: &EsimRow, refresh: bool) -> AppResult<Esim> {
        let esim = self.provider_esim(&row.provider_id, refresh).await?;
        Ok(self.view_of(row, esim).await)
    }

    /// The shopper's view of an eSIM: the provider's, completed with what the proxy knows
    /// itself (the activation code from the order's answer, the plan's validity) where the
    /// provider's answer leaves it out.
    pub(super) async fn view_of(&self, row: &EsimRow, mut esim: ProviderEsim) -> Esim {
        if esim.activation.is_none() {
            esim.activation = row.activation.as_deref().and_then(|c| c.parse().ok());
        }
        if esim.validity.is_none() {
            esim.validity = self
                .wholesale_package(&row.package_code)
                .await
                .ok()
                .map(|p| p.validity);
        }
        let refund = self.refund_view(&row.id, esim.status.lifecycle).await;
        let caps = self.capabilities();
        let topped_up = caps.cancel && self.topped_up_by_card(row).await.unwrap_or(true);
        let may_install = esim.status.may_install() && esim.activation.is_some();
        let usage = esim.used.filter(|_| caps.usage).map(|used| Usage {
            total: esim.total,
            used,
            remaining: esim.total.remaining_after(used),
            updated_at: esim.usage_updated_at,
        });
        Esim {
            id: row.id.clone(),
            iccid: row.iccid.clone(),
            order_id: row.order_id.clone(),
            package_code: row.package_code.clone(),
            title: row.title.clone(),
            destination: row.destination.clone(),
            actions: EsimActions {
                install: may_install,
                top_up: caps.top_up
                    && esim.status.may_top_up()
                    && (!caps.top_up_active_only
                        || esim.status.lifecycle == esim_core::Lifecycle::Active),
                cancel: caps.cancel && esim.status.may_cancel() && !topped_up,
            },
            install: may_install
                .then(|| {
                    esim.activation
                        .as_ref()
                        .map(|code| InstallInfo::from_code(code, esim.apn.clone()))
                })
                .flatten(),
            status: esim.status,
            usage,
            validity: esim.validity,
            expires_at: esim.expires_at,
            refund,
            history: esim.history,
            test: row.test,
        }
    }

    /// Records a fresh provider view of an eSIM after a change and returns the shopper's view.
    pub async fn updated(&self, row: &EsimRow, esim: ProviderEsim) -> Esim {
        self.esims.put(row.provider_id.clone(), esim.clone()).await;
        self.view_of(row, esim).await
    }

    /// Returns the top-ups compatible with an eSIM the caller owns, priced in `currency`.
    pub async fn top_ups(
        &self,
        caller: &Caller,
        id: &str,
        currency: Currency,
    ) -> AppResult<Vec<Package>> {
        self.require_top_ups()?;
        let row = self.owned_esim(caller, id).await?;
        let packages = self.provider.top_up_packages(&row.provider_id).await?;
        let mut priced = Vec::with_capacity(packages.len());
        for p in packages {
            priced.push(self.priced(p, currency).await?);
        }
        Ok(priced)
    }

    /// Tops up an eSIM the caller owns, once per idempotency key. Like a purchase, the
    /// top-up runs to its end in the background; the request waits up to the provider
    /// timeout, then answers 202 with the eSIM as it stands, and a retry under the same key
    /// waits for the same top-up or reads its outcome.
    pub async fn top_up(
        self: &Arc<Self>,
        caller: &Caller,
        key: &str,
        id: &str,
        package_code: &str,
        currency: Currency,
    ) -> AppResult<OrderAnswer> {
        self.require_top_ups()?;
        if self.takes_cards() {
            return Err(AppError::new(
                ErrorCode::NotAllowed,
                "In this shop a top-up is paid by card: place it as an order (POST /v1/orders with top_up_of).",
            ));
        }
        let row = self.owned_esim(caller, id).await?;
        let scope = caller.owner()?.key();
        let hash = request_hash(&["topup", id, package_code.trim(), currency.code()]);
        let task = format!("topup\u{0}{scope}\u{0}{key}");
        let claim = self
            .claim(NewIdempotency {
                owner: scope.clone(),
                key: key.to_owned(),
                endpoint: "topup".into(),
                request_hash: hash,
                resource_id: Some(id.to_owned()),
                guest_token: None,
            })
            .await?;
        let guard = match claim {
            Claim::New(guard) => guard,
            Claim::Answered { status, body, .. } => return Ok(OrderAnswer { status, body }),
            Claim::Started(guard, existing) => {
                if let Some(done) = self.running_purchase(&task) {
                    drop(guard);
                    return self.answer_top_up(&row, Some(done)).await;
                }
                if let Some(before) = existing.detail {
                    // Sent by an earlier run, whose answer was lost: never sent again.
                    let current = self.provider_esim(&row.provider_id, true).await?;
                    if grew(&before, &current) {
                        let body = serde_json::to_string(&self.updated(&row, current).await)
                            .map_err(|e| AppError::internal(e.to_string()))?;
                        self.store
                            .complete_idempotency(scope, key.to_owned(), 200, body.clone())
                            .await?;
                        return Ok(OrderAnswer { status: 200, body });
                    }
                    tracing::warn!(esim = %row.id, "a top-up's outcome is unknown: not sent again");
                    return self.answer_top_up(&row, None).await;
                }
                // Never sent (refused before it was): this attempt goes on.
                guard
            }
        };
        let current = self.provider_esim(&row.provider_id, true).await?;
        self.may_top_up(&current)?;
        self.top_up_package(&row, package_code).await?;
        // Measured before it is sent: a retry after a crash compares the eSIM with it.
        self.store
            .set_idempotency_detail(scope.clone(), key.to_owned(), Some(size_of(&current)))
            .await?;
        let (sender, receiver) = watch::channel(None);
        self.running.lock().insert(task.clone(), receiver.clone());
        let service = Arc::clone(self);
        let (esim, code, key) = (row.clone(), package_code.trim().to_owned(), key.to_owned());
        tokio::spawn(async move {
            let outcome = service.run_top_up(&scope, &key, &esim, &code).await;
            service.running.lock().remove(&task);
            let _ = sender.send(Some(outcome));
        });
        drop(guard);
        self.answer_top_up(&row, Some(receiver)).await
    }

    /// Sends a top-up to the provider, once, and records what came of it.
    pub(super) async fn run_top_up(
        &self,
        scope: &str,
        key: &str,
        row: &EsimRow,
        code: &str,
    ) -> Outcome {
        // The provider's reference is derived from the key, so a retry is the same top-up.
        let reference = format!("tu_{}", &request_hash(&[scope, key])[..32]);
        let top_up = self.provider.top_up(&row.provider_id, code, &reference);
        match self.spend("top-up", top_up).await {
            Ok(esim) => {
                let body = serde_json::to_string(&self.updated(row, esim).await)
                    .map_err(|e| AppError::internal(e.to_string()))?;
                self.store
                    .complete_idempotency(scope.to_owned(), key.to_owned(), 200, body.clone())
                    .await?;
                Ok(OrderAnswer { status: 200, body })
            }
            Err(e) if is_definitive(&e.kind) => {
                // Nothing was bought: the same attempt may be sent again.
                self.store
                    .set_idempotency_detail(scope.to_owned(), key.to_owned(), None)
                    .await?;
                Err(match e.kind {
                    ErrorKind::NotAllowed => AppError::new(
                        ErrorCode::NotAllowed,
                        "This eSIM can no longer be topped up.",
                    )
                    .because(e.to_string()),
                    _ => e.into(),
                })
            }
            Err(e) => {
                tracing::warn!(esim = %row.id, error = %e, "a top-up's outcome is unknown");
                self.answer_top_up(row, None).await
            }
        }
    }

    /// Answers a top-up request: its outcome if it arrives within the provider timeout, else
    /// the eSIM as it stands, 202.
    pub(super) async fn answer_top_up(
        &self,
        row: &EsimRow,
        done: Option<watch::Receiver<Option<Outcome>>>,
    ) -> AppResult<OrderAnswer> {
        if let Some(outcome) = self.outcome_within(done).await {
            return outcome;
        }
        let view = self.esim_view(row, false).await?;
        let body = serde_json::to_string(&view).map_err(|e| AppError::internal(e.to_string()))?;
        Ok(OrderAnswer { status: 202, body })
    }

    /// Refuses top-up requests when the provider sells none.
    pub(super) fn require_top_ups(&self) -> AppResult<()> {
        if self.capabilities().top_up {
            Ok(())
        } else {
            Err(AppError::new(
                ErrorCode::Unsupported,
                "This shop does not sell top-ups.",
            ))
        }
    }

    /// Cancels an unused eSIM the caller owns. One paid by card is refunded its share of the
    /// order, owed in the store before the provider is asked, so that it is made even if
    /// this request does not see it through.
    pub async fn cancel(&self, caller: &Caller, id: &str) -> AppResult<Esim> {
        if !self.capabilities().cancel {
            return Err(AppError::new(
                ErrorCode::Unsupported,
                "This shop cannot cancel eSIMs.",
            ));
        }
        let row = self.owned_esim(caller, id).await?;
        let topped_up = || {
            AppError::new(
                ErrorCode::NotAllowed,
                "This eSIM has been topped up, so it can no longer be cancelled here. Please contact the shop.",
            )
        };
        if self.topped_up_by_card(&row).await? {
            return Err(topped_up());
        }
        let owed = self.owe_refund(&row).await?;
        // Looked at again once the refund is owed: a top-up measures itself only while none is
        // (see `Store::measure_top_up`), so one that slipped in between is seen here. The owed
        // refund is left for the sweep to forget (a cancel elsewhere may still be making it).
        if owed.is_some() && self.topped_up_by_card(&row).await? {
            return Err(topped_up());
        }
        let esim = match self.provider.cancel(&row.provider_id).await {
            Ok(esim) => esim,
            Err(e) => {
                if let Some(owed) = owed.as_ref().filter(|_| is_definitive(&e.kind)) {
                    // Refused: refunded if it was cancelled before all the same; otherwise
                    // left owed, for the sweep to forget once no cancel can still be running.
                    if let Err(e) = self.settle_refund(owed).await {
                        tracing::warn!(esim = %row.id, error = %e.message, "could not settle a refused cancel's refund");
                    }
                }
                return Err(match e.kind {
                    ErrorKind::NotAllowed => AppError::new(
                        ErrorCode::NotAllowed,
                        "This eSIM can no longer be cancelled: it has been installed or used.",
                    )
                    .because(e.to_string()),
                    _ => e.into(),
                });
            }
        };
        if let Some(owed) = &owed {
            self.refund_now(owed).await;
        }
        Ok(self.updated(&row, esim).await)
    }
}

impl Service {
    /// Whether a top-up paid by card was, or may have been, added to an eSIM: a cancel
    /// refunds the eSIM's own share only, so such an eSIM is not cancelled by the shopper.
    /// (One still awaiting payment is refused before it is sent once the eSIM is cancelled,
    /// and its hold released.)
    async fn topped_up_by_card(&self, row: &EsimRow) -> AppResult<bool> {
        if !self.takes_cards() {
            return Ok(false);
        }
        Ok(self
            .store
            .top_ups_of(row.id.clone())
            .await?
            .iter()
            .any(|o| o.status != OrderStatus::AwaitingPayment))
    }
}

/// An eSIM's size, to tell later whether a top-up took effect: its bytes (unlimited counts as
/// the most) and how many plans its history lists.
pub(super) fn size_of(esim: &ProviderEsim) -> String {
    format!(
        "{}:{}",
        esim.total.bytes().unwrap_or(u64::MAX),
        esim.history.len()
    )
}

/// Whether an eSIM has grown since `before` (a [`size_of`]).
pub(super) fn grew(before: &str, after: &ProviderEsim) -> bool {
    let parse = |text: &str| -> Option<(u64, usize)> {
        let (bytes, plans) = text.split_once(':')?;
        Some((bytes.parse().ok()?, plans.parse().ok()?))
    };
    match (parse(before), parse(&size_of(after))) {
        (Some((b0, p0)), Some((b1, p1))) => b1 > b0 || p1 > p0,
        _ => false,
    }
}
