//! What the storefront API does, apart from HTTP: pricing, caching, orders, ownership.
//!
//! Handlers in `routes` parse requests and call these methods; every rule about money, owners
//! and order safety lives here, where tests can reach it through the router.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use esim_core::api::{
    CheckoutMode, ErrorCode, Esim, EsimActions, InstallInfo, Order, OrderRequest, OrderState, Usage,
};
use esim_core::{Currency, Destination, Markup, Money, Package, Rates};
use esim_providers::{
    Capabilities, ErrorKind, OrderLookup, OrderRequest as ProviderOrderRequest, Provider,
    ProviderError, ProviderEsim, ProviderOrder, ProviderOrderState, Recovery,
};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::auth::{self, Owner};
use crate::cache::TtlCache;
use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::store::{EsimRow, NewIdempotency, OrderRow, OrderStatus, Store};

/// Everything a request needs, shared by all of them.
pub struct Service {
    pub config: Config,
    pub provider: Arc<dyn Provider>,
    pub store: Store,
    markup: Markup,
    destinations: TtlCache<(), Vec<Destination>>,
    packages: TtlCache<String, Vec<Package>>,
    package: TtlCache<String, Package>,
    rates: TtlCache<(), Rates>,
    esims: TtlCache<String, ProviderEsim>,
    /// Serialised catalogue answers by query, for as long as the catalogue is cached.
    responses: TtlCache<String, axum::body::Bytes>,
    /// When a rate-limited provider allows the next call for an eSIM.
    esim_retry_at: Mutex<std::collections::HashMap<String, Instant>>,
    /// Idempotency keys being processed right now in this process.
    in_progress: Mutex<HashSet<String>>,
    /// Purchases and top-ups running in this process (by order id, or top-up key): each
    /// turns to its outcome once that is written.
    running: Mutex<HashMap<String, watch::Receiver<Option<Outcome>>>>,
    /// When an unresolved order may next be asked about.
    next_check: Mutex<HashMap<String, Instant>>,
    /// Failures already logged by [`Service::log_once`].
    logged: Mutex<HashSet<String>>,
}

/// What a purchase or top-up came to: the answer for its request.
type Outcome = AppResult<OrderAnswer>;

/// How often one unresolved order is asked about at most (reads, retries and the sweep share
/// it).
const CHECK_EVERY: Duration = Duration::from_secs(3);

/// How often an order held for review is looked for at the provider again.
const REVIEW_CHECK_EVERY: Duration = Duration::from_secs(300);

/// Locks a mutex, carrying on with its data if a holder panicked (the data is plain values).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    Known(Owner),
}

impl Caller {
    fn owner(&self) -> AppResult<&Owner> {
        match self {
            Caller::Known(owner) => Ok(owner),
            Caller::Anonymous => Err(AppError::new(
                ErrorCode::Unauthorized,
                "Sign in, or use the link from your order, to see your eSIMs.",
            )),
        }
    }
}

/// Returns the current time in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The answer to an order request: a fresh or a replayed response.
#[derive(Debug, Clone)]
pub struct OrderAnswer {
    pub status: u16,
    pub body: String,
}

impl Service {
    /// Builds the service.
    pub fn new(
        config: Config,
        provider: Arc<dyn Provider>,
        store: Store,
    ) -> Result<Service, String> {
        let markup = config.markup.to_markup()?;
        let catalogue_ttl = Duration::from_secs(config.catalogue_ttl_secs);
        let usage_ttl = Duration::from_secs(config.usage_ttl_secs);
        Ok(Service {
            config,
            provider,
            store,
            markup,
            destinations: TtlCache::new(catalogue_ttl),
            packages: TtlCache::new(catalogue_ttl),
            package: TtlCache::new(catalogue_ttl),
            rates: TtlCache::new(catalogue_ttl),
            esims: TtlCache::new(usage_ttl),
            responses: TtlCache::new(catalogue_ttl),
            esim_retry_at: Mutex::new(std::collections::HashMap::new()),
            in_progress: Mutex::new(HashSet::new()),
            running: Mutex::new(HashMap::new()),
            next_check: Mutex::new(HashMap::new()),
            logged: Mutex::new(HashSet::new()),
        })
    }

    /// Logs a warning about `what` once per distinct failure, however often it recurs.
    pub fn log_once(&self, what: &str, failure: &str) {
        if lock(&self.logged).insert(format!("{what}\u{0}{failure}")) {
            tracing::warn!(
                what,
                failure,
                "left out: the provider's answer cannot be read"
            );
        }
    }

    /// Returns the provider's capabilities.
    pub fn capabilities(&self) -> Capabilities {
        self.provider.capabilities()
    }

    /// Runs a provider call with the configured deadline.
    async fn call<T>(
        &self,
        fut: impl Future<Output = Result<T, ProviderError>>,
    ) -> Result<T, ProviderError> {
        match tokio::time::timeout(Duration::from_secs(self.config.provider_timeout_secs), fut)
            .await
        {
            Ok(result) => result,
            Err(_) => Err(ProviderError::new(
                ErrorKind::Timeout,
                format!("no answer within {}s", self.config.provider_timeout_secs),
            )),
        }
    }

    /// Identifies the caller from an `Authorization: Bearer` value.
    pub async fn caller(&self, bearer: Option<&str>) -> AppResult<Caller> {
        let Some(token) = bearer else {
            return Ok(Caller::Anonymous);
        };
        let refused = || {
            AppError::new(
                ErrorCode::Unauthorized,
                "Your session has expired or is not valid. Please sign in again.",
            )
        };
        if token.starts_with(auth::GUEST_PREFIX) {
            let guest = self
                .store
                .guest_by_token_hash(auth::hash_guest_token(token))
                .await?;
            return guest
                .map(|id| Caller::Known(Owner::Guest(id)))
                .ok_or_else(refused);
        }
        let secret = self
            .config
            .token_secret
            .as_deref()
            .ok_or_else(|| refused().because("customer token sent but no secret configured"))?;
        let claims =
            auth::verify(token, secret, now()).map_err(|e| refused().because(e.to_string()))?;
        Ok(Caller::Known(Owner::Customer(claims.sub)))
    }

    // ---- catalogue and prices ----

    /// Returns the exchange rates: the provider's, or just its own currency.
    pub async fn rates(&self) -> AppResult<Rates> {
        if !self.capabilities().rates {
            return Ok(Rates::new(Currency::USD));
        }
        Ok(self
            .rates
            .get_or_fetch(&(), || self.call(self.provider.rates()))
            .await?)
    }

    /// Returns the currencies this storefront prices in: the configured ones the rates know.
    pub async fn currencies(&self) -> AppResult<Vec<Currency>> {
        let known = self.rates().await?.currencies();
        Ok(if self.config.currencies.is_empty() {
            known
        } else {
            self.config
                .currencies
                .iter()
                .copied()
                .filter(|c| known.contains(c))
                .collect()
        })
    }

    /// Parses a currency the shopper chose, or the storefront's default.
    pub async fn currency(&self, code: Option<&str>) -> AppResult<Currency> {
        let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
            return Ok(self.config.default_currency);
        };
        let unknown = || {
            AppError::new(
                ErrorCode::UnknownCurrency,
                format!("Prices are not available in {:?}.", code.trim()),
            )
        };
        let currency = Currency::from_code(code).map_err(|_| unknown())?;
        if self.currencies().await?.contains(&currency) {
            Ok(currency)
        } else {
            Err(unknown())
        }
    }

    /// Returns the shopper's price for something costing `cost`.
    pub async fn price(&self, cost: Money, currency: Currency) -> AppResult<Money> {
        let rates = self.rates().await?;
        self.markup
            .price(cost, currency, &rates)
            .map_err(|e| AppError::internal(format!("pricing {cost}: {e}")))
    }

    /// Returns a package with its price in the shopper's currency.
    pub async fn priced(&self, mut package: Package, currency: Currency) -> AppResult<Package> {
        package.price = self.price(package.price, currency).await?;
        Ok(package)
    }

    /// Returns every destination.
    pub async fn destinations(&self) -> AppResult<Vec<Destination>> {
        Ok(self
            .destinations
            .get_or_fetch(&(), || self.call(self.provider.destinations()))
            .await?)
    }

    /// Returns the wholesale packages of a destination.
    pub async fn packages_of(&self, destination: &str) -> AppResult<Vec<Package>> {
        let key = destination.trim().to_ascii_lowercase();
        Ok(self
            .packages
            .get_or_fetch(&key, || {
                self.call(self.provider.packages(destination.trim()))
            })
            .await?)
    }

    /// Returns one wholesale package, answering `unknown_package` if there is none.
    pub async fn wholesale_package(&self, code: &str) -> AppResult<Package> {
        let key = code.trim().to_ascii_uppercase();
        self.package
            .get_or_fetch(&key, || self.call(self.provider.package(code.trim())))
            .await
            .map_err(|e: ProviderError| match e.kind {
                ErrorKind::NotFound => AppError::new(
                    ErrorCode::UnknownPackage,
                    format!("There is no package {:?}.", code.trim()),
                ),
                _ => e.into(),
            })
    }

    /// Returns the serialised answer for a catalogue query, computing it once per query for as
    /// long as the catalogue and rates it was computed from are cached. Errors are not cached.
    pub async fn cached_response<F, Fut>(
        &self,
        query: &str,
        compute: F,
    ) -> AppResult<axum::body::Bytes>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = AppResult<axum::body::Bytes>>,
    {
        self.responses
            .get_or_fetch(&query.to_owned(), compute)
            .await
    }

    // ---- orders ----

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
        let package = self.wholesale_package(&request.package_code).await?;

        let scope = match caller {
            Caller::Known(owner) => owner.key(),
            // Anonymous keys share one scope; they are random UUIDs from the widget.
            Caller::Anonymous => "anonymous".to_owned(),
        };
        let hash = request_hash(&[
            "orders",
            &package.code,
            &request.quantity.to_string(),
            currency.code(),
            email.as_deref().unwrap_or(""),
        ]);
        let guard = self.claim_key(&scope, key)?;

        if let Some(row) = self.prior(&scope, key, "orders", &hash).await? {
            if let Some((status, body)) = row.response {
                return Ok(OrderAnswer {
                    status,
                    body: with_guest_token(body, row.guest_token.as_deref()),
                });
            }
            let order_id = row.resource_id.unwrap_or_default();
            let order = self
                .store
                .order(order_id)
                .await?
                .ok_or_else(|| AppError::internal("idempotency row without its order"))?;
            let done = match self.running_purchase(&order.id) {
                Some(done) => Some(done),
                // Refused for certain (the merchant's balance or credentials, or never
                // placed): nothing was bought, so the same attempt may try again.
                None if order.status == OrderStatus::Failed => {
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

        let total = self
            .price(package.price, currency)
            .await?
            .checked_mul(request.quantity)
            .map_err(|e| AppError::internal(e.to_string()))?;
        let (owner, guest_token) = match caller {
            Caller::Known(owner) => (owner.clone(), None),
            Caller::Anonymous => {
                let (token, token_hash) = auth::new_guest_token();
                let id = self.store.create_guest(token_hash, now()).await?;
                (Owner::Guest(id), Some(token))
            }
        };
        let order_id = format!("ord_{}", uuid::Uuid::new_v4().simple());
        let reserved = self
            .store
            .reserve_idempotency(
                NewIdempotency {
                    owner: scope.clone(),
                    key: key.to_owned(),
                    endpoint: "orders".into(),
                    request_hash: hash,
                    resource_id: Some(order_id.clone()),
                    guest_token: guest_token.clone(),
                },
                now(),
            )
            .await?;
        if !reserved {
            return Err(AppError::new(
                ErrorCode::RequestInProgress,
                "This order is already being placed.",
            ));
        }
        let order = OrderRow {
            reference: format!("esf_{}", uuid::Uuid::new_v4().simple()),
            id: order_id,
            owner: owner.key(),
            package_code: package.code.clone(),
            quantity: request.quantity,
            total_minor: total.minor(),
            currency: currency.code().to_owned(),
            email,
            test: self.config.test_mode(),
            status: OrderStatus::InFlight,
            failure: None,
            provider_order_id: None,
            created_at: now(),
        };
        // Written before the provider is called: whatever happens next can be reconciled.
        self.store.insert_order(order.clone(), now()).await?;
        let done = self.start_purchase(order.clone(), guest_token.clone());
        drop(guard);
        self.answer(&order.id, Some(done), guest_token).await
    }

    /// Runs a provider call that spends the merchant's money with the purchase deadline (the
    /// adapter's own purchase timeout, and a margin): it is never cut short at the ordinary
    /// timeout.
    async fn spend<T>(
        &self,
        what: &str,
        call: impl Future<Output = Result<T, ProviderError>>,
    ) -> Result<T, ProviderError> {
        let deadline = Duration::from_secs(
            self.config
                .purchase_timeout_secs
                .max(self.config.provider_timeout_secs)
                + 5,
        );
        match tokio::time::timeout(deadline, call).await {
            Ok(result) => result,
            Err(_) => Err(ProviderError::new(
                ErrorKind::Timeout,
                format!("no answer to the {what} within {}s", deadline.as_secs()),
            )),
        }
    }

    /// Waits up to the provider timeout for a running purchase's or top-up's outcome.
    async fn outcome_within(
        &self,
        done: Option<watch::Receiver<Option<Outcome>>>,
    ) -> Option<Outcome> {
        let mut done = done?;
        let wait = Duration::from_secs(self.config.provider_timeout_secs.max(1));
        let outcome = match tokio::time::timeout(wait, done.wait_for(Option::is_some)).await {
            Ok(Ok(outcome)) => outcome.clone(),
            _ => None,
        };
        outcome
    }

    /// Answers an order request: the purchase's own outcome if it arrives within the
    /// provider timeout, else the order as it stands (pending, or held for review), 202.
    async fn answer(
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
    fn running_purchase(&self, order_id: &str) -> Option<watch::Receiver<Option<Outcome>>> {
        lock(&self.running).get(order_id).cloned()
    }

    /// Sends an in-flight order to the provider in a task of its own, which records the
    /// outcome however the request that started it ends.
    fn start_purchase(
        self: &Arc<Self>,
        order: OrderRow,
        guest_token: Option<String>,
    ) -> watch::Receiver<Option<Outcome>> {
        let (sender, receiver) = watch::channel(None);
        lock(&self.running).insert(order.id.clone(), receiver.clone());
        let service = Arc::clone(self);
        tokio::spawn(async move {
            let outcome = service.purchase(&order, guest_token).await;
            if let Err(e) = &outcome {
                tracing::info!(order = %order.id, code = e.code.as_str(), "order not placed");
            }
            lock(&service.running).remove(&order.id);
            let _ = sender.send(Some(outcome));
        });
        receiver
    }

    /// Sends an order to the provider, once, and records what came of it.
    async fn purchase(&self, order: &OrderRow, guest_token: Option<String>) -> Outcome {
        let request = ProviderOrderRequest {
            reference: order.reference.clone(),
            package_code: order.package_code.clone(),
            quantity: order.quantity,
        };
        match self.spend("purchase", self.provider.order(&request)).await {
            Ok(placed) => {
                crash_point_after_provider_order();
                self.settle(order, &placed).await?;
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
                let final_answer = matches!(
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
                lock(&self.next_check).insert(order.id.clone(), Instant::now() + CHECK_EVERY);
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

    /// Records that an order failed, and why; it has no eSIMs.
    async fn fail_order(&self, id: &str, reason: impl Into<String>) -> AppResult<()> {
        self.store
            .settle_order(
                id.to_owned(),
                OrderStatus::Failed,
                Some(reason.into()),
                None,
                Vec::new(),
                now(),
            )
            .await?;
        Ok(())
    }

    /// Finds out where an unresolved order stands that no task of this process is placing,
    /// from the provider's records, and records it: completed or pending when found; failed
    /// when the provider can say for certain that it was never placed; held for review when
    /// the provider cannot be asked, or has not shown it within `review_after_secs`. Asks at
    /// most every few seconds per order unless `now`. Errors are logged: the order stays as
    /// it was, to be asked about again.
    pub async fn check(&self, order: &OrderRow, now_please: bool) {
        if self.running_purchase(&order.id).is_some() {
            return;
        }
        {
            let mut next = lock(&self.next_check);
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
        if let Err(e) = self.check_now(order).await {
            tracing::warn!(order = %order.id, error = %e.message, cause = e.cause.as_deref().unwrap_or(""), "could not find out where an order stands");
        }
    }

    async fn check_now(&self, order: &OrderRow) -> AppResult<()> {
        let Some(order) = self
            .store
            .order(order.id.clone())
            .await?
            .filter(OrderRow::unresolved)
        else {
            return Ok(());
        };
        let lookup = OrderLookup {
            reference: order.reference.clone(),
            provider_order_id: order.provider_order_id.clone(),
            package_code: order.package_code.clone(),
            quantity: order.quantity,
            sent_at: order.created_at,
            held: self.store.held_esims().await?,
        };
        let found = self.call(self.provider.recover_order(&lookup)).await?;
        if let Some(found) = found {
            self.settle(&order, &found).await?;
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
        let waited = now() - order.created_at;
        let review = match self.capabilities().recovery {
            Recovery::Exact => {
                self.fail_order(&order.id, "Not placed: the supplier has no such order.")
                    .await?;
                tracing::info!(order = %order.id, "an order in flight never reached the provider");
                return Ok(());
            }
            Recovery::Unfindable => true,
            Recovery::Search => {
                waited > i64::try_from(self.config.review_after_secs).unwrap_or(i64::MAX)
            }
        };
        if review {
            self.store
                .hold_for_review(
                    order.id.clone(),
                    "The supplier did not confirm this order; it is being checked.".into(),
                    now(),
                )
                .await?;
            tracing::warn!(order = %order.id, reference = %order.reference, "an order's outcome is unknown: held for review (esim-proxy orders unresolved)");
        }
        Ok(())
    }

    /// Records a provider order and its eSIMs in one transaction.
    async fn settle(&self, order: &OrderRow, placed: &ProviderOrder) -> AppResult<()> {
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
            self.esims.put(esim.provider_id.clone(), esim.clone());
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

    /// Returns an order the caller owns, finding out first where it stands if it is not settled.
    pub async fn order(&self, caller: &Caller, id: &str) -> AppResult<Order> {
        let owner = caller.owner()?.key();
        let row = self
            .store
            .order(id.to_owned())
            .await?
            .filter(|o| o.owner == owner)
            .ok_or_else(|| AppError::not_found("order"))?;
        if row.unresolved() {
            self.check(&row, false).await;
        }
        self.order_view(row.id).await
    }

    async fn order_view(&self, id: String) -> AppResult<Order> {
        let row = self
            .store
            .order(id.clone())
            .await?
            .ok_or_else(|| AppError::not_found("order"))?;
        let mut esims = Vec::new();
        for esim in self.store.esims_of_order(id).await? {
            esims.push(self.esim_view(&esim, false).await?);
        }
        let currency =
            Currency::from_code(&row.currency).map_err(|e| AppError::internal(e.to_string()))?;
        Ok(Order {
            id: row.id,
            state: match row.status {
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
        })
    }

    /// Finds out where every unresolved order stands that no task of this process is placing
    /// (at start: those an earlier run left). Returns how many changed state.
    pub async fn reconcile(&self) -> AppResult<usize> {
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
    pub async fn sweep(&self) -> AppResult<()> {
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
            let running = lock(&self.running).len();
            if running == 0 || Instant::now() >= until {
                return running;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    // ---- orders held for review (the merchant's command line) ----

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
        } else {
            let held = self.store.held_esims().await?;
            let mut esims = Vec::new();
            for iccid in iccids {
                let esim = self.call(self.provider.esim_by_iccid(iccid)).await?;
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
        }
        let view = self.order_view(id.to_owned()).await?;
        let body = serde_json::to_string(&view).map_err(|e| AppError::internal(e.to_string()))?;
        self.store
            .complete_order_idempotency(id.to_owned(), 201, body)
            .await?;
        Ok(view)
    }

    // ---- eSIMs ----

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
    async fn provider_esim(&self, provider_id: &str, refresh: bool) -> AppResult<ProviderEsim> {
        let key = provider_id.to_owned();
        let wait_until = self
            .esim_retry_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
            .copied();
        // The last view, served while a rate-limited provider asks us to wait.
        let last = self.esims.peek(&key);
        if let Some(until) = wait_until.filter(|u| *u > Instant::now()) {
            return last.ok_or_else(|| AppError::rate_limited(until - Instant::now()));
        }
        // A pending eSIM changes within seconds: never serve it from the cache.
        let pending = last
            .as_ref()
            .is_some_and(|e| e.status.lifecycle == esim_core::Lifecycle::Pending);
        if refresh || pending {
            self.esims.invalidate(&key);
        }
        match self
            .esims
            .get_or_fetch(&key, || self.call(self.provider.esim(provider_id)))
            .await
        {
            Ok(esim) => Ok(esim),
            Err(ProviderError {
                kind: ErrorKind::RateLimited { retry_after },
                ..
            }) => {
                let wait = retry_after.unwrap_or(Duration::from_secs(60));
                self.esim_retry_at
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(key.clone(), Instant::now() + wait);
                match last {
                    Some(view) => {
                        self.esims.put(key, view.clone());
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
    async fn view_of(&self, row: &EsimRow, mut esim: ProviderEsim) -> Esim {
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
        let caps = self.capabilities();
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
                cancel: caps.cancel && esim.status.may_cancel(),
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
            history: esim.history,
            test: row.test,
        }
    }

    /// Records a fresh provider view of an eSIM after a change and returns the shopper's view.
    pub async fn updated(&self, row: &EsimRow, esim: ProviderEsim) -> Esim {
        self.esims.put(row.provider_id.clone(), esim.clone());
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
        let packages = self
            .call(self.provider.top_up_packages(&row.provider_id))
            .await?;
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
        let row = self.owned_esim(caller, id).await?;
        let scope = caller.owner()?.key();
        let hash = request_hash(&["topup", id, package_code.trim(), currency.code()]);
        let guard = self.claim_key(&scope, key)?;
        let task = format!("topup\u{0}{scope}\u{0}{key}");
        if let Some(existing) = self.prior(&scope, key, "topup", &hash).await? {
            if let Some((status, body)) = existing.response {
                return Ok(OrderAnswer { status, body });
            }
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
        } else {
            let new = NewIdempotency {
                owner: scope.clone(),
                key: key.to_owned(),
                endpoint: "topup".into(),
                request_hash: hash.clone(),
                resource_id: Some(id.to_owned()),
                guest_token: None,
            };
            self.store.reserve_idempotency(new, now()).await?;
        }
        let current = self.provider_esim(&row.provider_id, true).await?;
        let active_only = self.capabilities().top_up_active_only;
        if !current.status.may_top_up()
            || (active_only && current.status.lifecycle != esim_core::Lifecycle::Active)
        {
            return Err(AppError::new(
                ErrorCode::NotAllowed,
                if active_only && current.status.may_top_up() {
                    "This eSIM can be topped up once it is in use.".to_owned()
                } else {
                    format!(
                        "This eSIM is {} and can no longer be topped up.",
                        current.status.lifecycle.as_str()
                    )
                },
            ));
        }
        let options = self
            .call(self.provider.top_up_packages(&row.provider_id))
            .await?;
        if !options
            .iter()
            .any(|p| p.code.eq_ignore_ascii_case(package_code.trim()))
        {
            return Err(AppError::new(
                ErrorCode::UnknownPackage,
                "That top-up does not fit this eSIM.",
            ));
        }
        // Measured before it is sent: a retry after a crash compares the eSIM with it.
        self.store
            .set_idempotency_detail(scope.clone(), key.to_owned(), Some(size_of(&current)))
            .await?;
        let (sender, receiver) = watch::channel(None);
        lock(&self.running).insert(task.clone(), receiver.clone());
        let service = Arc::clone(self);
        let (esim, code, key) = (row.clone(), package_code.trim().to_owned(), key.to_owned());
        tokio::spawn(async move {
            let outcome = service.run_top_up(&scope, &key, &esim, &code).await;
            lock(&service.running).remove(&task);
            let _ = sender.send(Some(outcome));
        });
        drop(guard);
        self.answer_top_up(&row, Some(receiver)).await
    }

    /// Sends a top-up to the provider, once, and records what came of it.
    async fn run_top_up(&self, scope: &str, key: &str, row: &EsimRow, code: &str) -> Outcome {
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
    async fn answer_top_up(
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
    fn require_top_ups(&self) -> AppResult<()> {
        if self.capabilities().top_up {
            Ok(())
        } else {
            Err(AppError::new(
                ErrorCode::Unsupported,
                "This shop does not sell top-ups.",
            ))
        }
    }

    /// Cancels an unused eSIM the caller owns.
    pub async fn cancel(&self, caller: &Caller, id: &str) -> AppResult<Esim> {
        if !self.capabilities().cancel {
            return Err(AppError::new(
                ErrorCode::Unsupported,
                "This shop cannot cancel eSIMs.",
            ));
        }
        let row = self.owned_esim(caller, id).await?;
        let esim = self
            .call(self.provider.cancel(&row.provider_id))
            .await
            .map_err(|e| match e.kind {
                ErrorKind::NotAllowed => AppError::new(
                    ErrorCode::NotAllowed,
                    "This eSIM can no longer be cancelled: it has been installed or used.",
                )
                .because(e.to_string()),
                _ => e.into(),
            })?;
        Ok(self.updated(&row, esim).await)
    }

    /// Returns what an earlier request with this key left (its answer, if it finished), or
    /// `None` for a new key; a key used for a different request is refused.
    async fn prior(
        &self,
        scope: &str,
        key: &str,
        endpoint: &str,
        hash: &str,
    ) -> AppResult<Option<crate::store::IdempotencyRow>> {
        let row = self
            .store
            .idempotency(scope.to_owned(), key.to_owned())
            .await?;
        if row
            .as_ref()
            .is_some_and(|r| r.endpoint != endpoint || r.request_hash != hash)
        {
            return Err(AppError::new(
                ErrorCode::IdempotencyKeyReused,
                "This Idempotency-Key was already used for a different request.",
            ));
        }
        Ok(row)
    }

    /// Marks an idempotency key as being processed in this process, or answers 409.
    fn claim_key(&self, scope: &str, key: &str) -> AppResult<KeyGuard<'_>> {
        let id = format!("{scope}\u{0}{key}");
        let mut keys = self
            .in_progress
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !keys.insert(id.clone()) {
            return Err(AppError::new(
                ErrorCode::RequestInProgress,
                "This request is already being processed.",
            ));
        }
        Ok(KeyGuard {
            keys: &self.in_progress,
            id,
        })
    }
}

/// Releases a claimed idempotency key when the request ends, however it ends.
struct KeyGuard<'a> {
    keys: &'a Mutex<HashSet<String>>,
    id: String,
}

impl Drop for KeyGuard<'_> {
    fn drop(&mut self) {
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.id);
    }
}

/// Errors after which the provider certainly did not act: it refused, or was never reached.
fn is_definitive(kind: &ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::NotFound
            | ErrorKind::InvalidRequest
            | ErrorKind::InsufficientBalance
            | ErrorKind::Unauthorized
            | ErrorKind::NotAllowed
            | ErrorKind::Unsupported
            | ErrorKind::RateLimited { .. }
            | ErrorKind::Unreachable
    )
}

/// Puts the guest token issued with an order into its stored answer (stored without it).
fn with_guest_token(body: String, token: Option<&str>) -> String {
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

/// An eSIM's size, to tell later whether a top-up took effect: its bytes (unlimited counts as
/// the most) and how many plans its history lists.
fn size_of(esim: &ProviderEsim) -> String {
    format!(
        "{}:{}",
        esim.total.bytes().unwrap_or(u64::MAX),
        esim.history.len()
    )
}

/// Whether an eSIM has grown since `before` (a [`size_of`]).
fn grew(before: &str, after: &ProviderEsim) -> bool {
    let parse = |text: &str| -> Option<(u64, usize)> {
        let (bytes, plans) = text.split_once(':')?;
        Some((bytes.parse().ok()?, plans.parse().ok()?))
    };
    match (parse(before), parse(&size_of(after))) {
        (Some((b0, p0)), Some((b1, p1))) => b1 > b0 || p1 > p0,
        _ => false,
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

/// Returns a stable hash of a request's meaningful fields.
fn request_hash(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Test hook: with `ESIM_PROXY_TEST_CRASH_AFTER_ORDER` set, a debug build dies right after the
/// provider accepted an order and before the store records it, as a power cut would.
fn crash_point_after_provider_order() {
    #[cfg(debug_assertions)]
    if std::env::var_os("ESIM_PROXY_TEST_CRASH_AFTER_ORDER").is_some() {
        eprintln!("esim-proxy: crashing on purpose after the provider accepted an order");
        std::process::abort();
    }
}
