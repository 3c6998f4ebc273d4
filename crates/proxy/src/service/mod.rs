//! What the storefront API does, apart from HTTP: pricing, caching, orders, ownership.
//!
//! Handlers in `routes` parse requests and call these methods; every rule about money, owners
//! and order safety lives here, where tests can reach it through the router.

mod catalogue;
mod esims;
mod idempotency;
mod orders;
mod payments;
mod reconcile;
mod refunds;
mod top_ups;

pub use orders::validate_quantity;

use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
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
use crate::payments::stripe::Stripe;
use crate::store::{EsimRow, NewIdempotency, OrderRow, OrderStatus, Payment, Store};

/// Everything a request needs, shared by all of them.
pub struct Service {
    pub config: Config,
    pub provider: Arc<dyn Provider>,
    pub store: Store,
    /// Stripe, for `checkout = "stripe"`.
    stripe: Option<Stripe>,
    markup: Markup,
    destinations: TtlCache<(), Vec<Destination>>,
    packages: TtlCache<String, Vec<Package>>,
    package: TtlCache<String, Package>,
    rates: TtlCache<(), Rates>,
    esims: TtlCache<String, ProviderEsim>,
    /// Serialised catalogue answers by query, for as long as the catalogue is cached.
    responses: TtlCache<String, axum::body::Bytes>,
    /// The eSIMs a rate-limited provider asked us to wait before asking about again.
    esim_cooling: esim_providers::Cooling,
    /// Idempotency keys being processed right now in this process.
    in_progress: Mutex<HashSet<String>>,
    /// Purchases and top-ups running in this process (by order id, or top-up key): each
    /// turns to its outcome once that is written.
    running: Mutex<HashMap<String, watch::Receiver<Option<Outcome>>>>,
    /// When an unresolved order may next be asked about.
    next_check: Mutex<HashMap<String, Instant>>,
    /// Failures already logged by [`Service::log_once`].
    logged: Mutex<HashSet<String>>,
    /// This process's name in the leases it takes in the store (see `store/leases.rs`).
    instance: String,
    /// What this instance counts, for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// What a purchase or top-up came to: the answer for its request.
type Outcome = AppResult<OrderAnswer>;

/// How often one unresolved order is asked about at most (reads, retries and the sweep share
/// it).
const CHECK_EVERY: Duration = Duration::from_secs(3);

/// How often an order held for review is looked for at the provider again.
const REVIEW_CHECK_EVERY: Duration = Duration::from_secs(300);

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
        let stripe = match (&config.checkout, &config.payments.stripe) {
            (CheckoutMode::Stripe, Some(stripe)) => {
                let key = stripe.secret_key.clone().ok_or_else(|| {
                    format!(
                        "checkout = \"stripe\" needs {}",
                        crate::config::STRIPE_SECRET_KEY_ENV
                    )
                })?;
                let timeout = Duration::from_secs(config.provider_timeout_secs.max(1));
                Some(Stripe::new(&stripe.api_base, key, timeout).map_err(|e| e.to_string())?)
            }
            _ => None,
        };
        let metrics = Arc::new(crate::metrics::Metrics::default());
        // Every provider call counted, by operation and outcome.
        let provider: Arc<dyn Provider> =
            Arc::new(crate::metrics::Metered::new(provider, metrics.clone()));
        Ok(Service {
            config,
            provider,
            store,
            stripe,
            markup,
            destinations: TtlCache::new(catalogue_ttl).counted("destinations", metrics.clone()),
            packages: TtlCache::new(catalogue_ttl).counted("packages", metrics.clone()),
            package: TtlCache::new(catalogue_ttl).counted("package", metrics.clone()),
            rates: TtlCache::new(catalogue_ttl).counted("rates", metrics.clone()),
            esims: TtlCache::keeping_last(usage_ttl).counted("esims", metrics.clone()),
            responses: TtlCache::new(catalogue_ttl).counted("responses", metrics.clone()),
            esim_cooling: Default::default(),
            in_progress: Mutex::new(HashSet::new()),
            running: Mutex::new(HashMap::new()),
            next_check: Mutex::new(HashMap::new()),
            logged: Mutex::new(HashSet::new()),
            instance: format!("p{}", uuid::Uuid::new_v4().simple()),
            metrics,
        })
    }

    /// Logs a warning about `what` once per distinct failure, however often it recurs.
    pub fn log_once(&self, what: &str, failure: &str) {
        if self.logged.lock().insert(format!("{what}\u{0}{failure}")) {
            tracing::warn!(
                what,
                failure,
                "left out: the provider's answer cannot be read"
            );
        }
    }

    /// Returns what this shop offers: the provider's capabilities (a card shop charges its
    /// top-ups as orders, and refunds its cancels).
    pub fn capabilities(&self) -> Capabilities {
        self.provider.capabilities()
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
            .as_ref()
            .ok_or_else(|| refused().because("customer token sent but no secret configured"))?;
        let claims = auth::verify(token, secret.expose().as_bytes(), now())
            .map_err(|e| refused().because(e.to_string()))?;
        Ok(Caller::Known(Owner::Customer(claims.sub)))
    }

    /// Runs a provider call that spends the merchant's money with the purchase deadline (the
    /// adapter's own purchase timeout, and a margin): it is never cut short at the ordinary
    /// timeout. Ordinary calls have no deadline here: each adapter applies
    /// `provider_timeout_secs` itself (as [`esim_providers::Timeouts`]), once. This one is the
    /// backstop of the money path: whatever an adapter does, a purchase's outcome becomes
    /// known or "unknown, to reconcile" by this deadline, never pending for ever.
    pub(super) async fn spend<T>(
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
    pub(super) async fn outcome_within(
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
}

/// Errors after which the provider certainly did not act: it refused, or was never reached.
pub(super) fn is_definitive(kind: &ErrorKind) -> bool {
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
