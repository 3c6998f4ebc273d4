//! The one interface the proxy has to every eSIM provider.

use std::time::Duration;

use async_trait::async_trait;
use esim_core::api::PackageUse;
use esim_core::{ActivationCode, Destination, EsimStatus, Money, Package, Rates, Validity, Volume};

/// What a provider can do. The proxy refuses the rest with `unsupported`, and the widget
/// hides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    pub top_up: bool,
    pub cancel: bool,
    pub usage: bool,
    /// The provider publishes exchange rates from its catalogue currency.
    pub rates: bool,
    pub balance: bool,
    /// Top-ups are sold only for eSIMs in use (PressOne: "active eSIMs only").
    pub top_up_active_only: bool,
    /// How a purchase whose answer was lost can be found again.
    pub recovery: Recovery,
}

impl Capabilities {
    /// Top-ups, usage and the balance, but no cancelling, no exchange rates and no way to
    /// find a lost purchase: what most resellers offer, for an adapter to start from.
    pub const COMMON: Capabilities = Capabilities {
        top_up: true,
        cancel: false,
        usage: true,
        rates: false,
        balance: true,
        top_up_active_only: false,
        recovery: Recovery::Unfindable,
    };
}

/// How a provider can find a purchase whose answer never came back (the process that sent it
/// died, or the answer was lost on the way). A lost purchase is never bought again: it is found
/// this way, or held for the merchant to review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Recovery {
    /// It cannot be found: the provider takes no reference of ours and lists nothing to search.
    #[default]
    Unfindable,
    /// By searching the provider's own records (its eSIM or order list), which may lag the
    /// purchase: not finding it soon after the call proves nothing.
    Search,
    /// By our reference, at once and for certain: not found means it was never placed.
    Exact,
}

/// An order whose outcome the proxy must find out: one it sent and has no final answer for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLookup {
    /// The reference the order was sent with.
    pub reference: String,
    /// The provider's order id, once it accepted the order (eSIMs still being issued).
    pub provider_order_id: Option<String>,
    pub package_code: String,
    pub quantity: u32,
    /// When the purchase was sent (Unix seconds): what it bought was made after this.
    pub sent_at: i64,
    /// eSIMs (provider ids and ICCIDs) that other orders already hold: never this order's.
    pub held: Vec<String>,
}

impl OrderLookup {
    /// The ids in `provider_order_id`, for adapters that store several there, joined by
    /// commas (Vellosim's transactions, VeloeSIM's ICCIDs).
    pub fn provider_ids(&self) -> Vec<String> {
        self.provider_order_id
            .iter()
            .flat_map(|ids| ids.split(','))
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Why a provider call failed, in kinds a caller can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The provider refused our credentials.
    Unauthorized,
    /// Too many requests; wait this long if the provider said.
    RateLimited { retry_after: Option<Duration> },
    /// The merchant's balance cannot pay for the order.
    InsufficientBalance,
    /// No such package, order or eSIM.
    NotFound,
    /// The provider rejected the request's content.
    InvalidRequest,
    /// The eSIM's state does not allow the operation (cancel after use, top-up after expiry).
    NotAllowed,
    /// The provider is down or answered 5xx.
    Unavailable,
    /// No answer in time. The operation may or may not have happened.
    Timeout,
    /// No connection could be made: the request never reached the provider.
    Unreachable,
    /// The provider answered something we cannot read.
    MalformedResponse,
    /// The provider does not offer this operation.
    Unsupported,
}

/// A failed provider call: its kind, and a message for logs (never holding a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct ProviderError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ProviderError {
    /// Returns an error of `kind` with a log message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ProviderError {
        ProviderError {
            kind,
            message: message.into(),
        }
    }

    /// Returns a "not found" error for `what`.
    pub fn not_found(what: impl Into<String>) -> ProviderError {
        ProviderError::new(ErrorKind::NotFound, what)
    }

    /// Returns a "malformed response" error: the provider answered something we cannot read.
    pub fn malformed(what: impl Into<String>) -> ProviderError {
        ProviderError::new(ErrorKind::MalformedResponse, what)
    }

    /// Returns an "unsupported" error naming the operation.
    pub fn unsupported(operation: &str) -> ProviderError {
        ProviderError::new(
            ErrorKind::Unsupported,
            format!("{operation} is not supported"),
        )
    }
}

/// An order as the proxy asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    /// The proxy's own reference, stored before the call and sent to the provider (as its
    /// transaction id or description) so that a lost answer can be found again.
    pub reference: String,
    pub package_code: String,
    pub quantity: u32,
}

/// Where an order is at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderOrderState {
    /// Accepted; eSIMs are still being allocated.
    Pending,
    /// Every eSIM was issued.
    Completed,
    /// Refused or failed, with the provider's reason.
    Failed(String),
}

/// An order at the provider.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderOrder {
    /// Our reference, echoed.
    pub reference: String,
    /// The provider's own order number.
    pub provider_order_id: String,
    pub state: ProviderOrderState,
    /// What the provider charged (wholesale).
    pub cost: Money,
    /// eSIMs issued so far.
    pub esims: Vec<ProviderEsim>,
}

impl ProviderOrder {
    /// An order of one eSIM per id (Vellosim's transactions, VeloeSIM's ICCIDs): its provider
    /// id is the ids joined by commas, as [`OrderLookup::provider_ids`] reads them back, and
    /// it is completed once every id has its eSIM, pending until then.
    pub fn of_ids(
        reference: &str,
        ids: &[String],
        cost: Money,
        esims: Vec<ProviderEsim>,
    ) -> ProviderOrder {
        let state = if esims.len() >= ids.len() {
            ProviderOrderState::Completed
        } else {
            ProviderOrderState::Pending
        };
        ProviderOrder {
            reference: reference.to_owned(),
            provider_order_id: ids.join(","),
            state,
            cost,
            esims,
        }
    }
}

/// An eSIM as a provider reports it, in core units.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderEsim {
    /// The key the provider wants for later calls (eSIM Access `esimTranNo`, Vellosim `_id`,
    /// otherwise the ICCID).
    pub provider_id: String,
    pub iccid: String,
    pub package_code: String,
    pub status: EsimStatus,
    /// Absent while the profile is still being allocated.
    pub activation: Option<ActivationCode>,
    pub apn: Option<String>,
    /// Everything the eSIM's plans include.
    pub total: Volume,
    /// Bytes used, when the provider reports usage.
    pub used: Option<u64>,
    pub usage_updated_at: Option<i64>,
    /// Everything the eSIM's plans last, when the provider says (`None`: it does not).
    pub validity: Option<Validity>,
    /// When the plan ends (Unix seconds), once started.
    pub expires_at: Option<i64>,
    pub history: Vec<PackageUse>,
}

/// An eSIM reseller API, seen through core types.
///
/// Every method is one logical operation; adapters hide pagination, envelopes, units and
/// status words. Errors are [`ProviderError`]s with an actionable [`ErrorKind`].
#[async_trait]
pub trait Provider: Send + Sync {
    /// Returns the provider's name for logs ("sandbox", "vellosim").
    fn name(&self) -> &'static str;

    /// Returns what this provider supports.
    fn capabilities(&self) -> Capabilities;

    /// Returns every destination with packages.
    async fn destinations(&self) -> Result<Vec<Destination>, ProviderError>;

    /// Returns the packages sold under `destination`, priced at wholesale cost.
    async fn packages(&self, destination: &str) -> Result<Vec<Package>, ProviderError>;

    /// Returns one package by code, priced at wholesale cost.
    async fn package(&self, code: &str) -> Result<Package, ProviderError>;

    /// Returns exchange rates from the catalogue's currency.
    /// (Unsupported unless the provider's capabilities say `rates`.)
    async fn rates(&self) -> Result<Rates, ProviderError> {
        Err(ProviderError::unsupported(&format!(
            "{}: exchange rates",
            self.name()
        )))
    }

    /// Places an order. Ordering the same reference twice must not buy twice: adapters use
    /// the provider's idempotency key where it has one, and [`Provider::find_order`] first
    /// where it does not.
    async fn order(&self, request: &OrderRequest) -> Result<ProviderOrder, ProviderError>;

    /// Finds an order by our reference among the orders this adapter placed or the provider
    /// can find by it.
    async fn find_order(&self, reference: &str) -> Result<Option<ProviderOrder>, ProviderError>;

    /// Finds out where an order stands that has no final answer: still being issued
    /// (`provider_order_id` known), or sent without an answer, perhaps by a process that has
    /// since died. `None` when it cannot be found now; [`Capabilities::recovery`] says what
    /// that means. Never places anything.
    async fn recover_order(
        &self,
        lookup: &OrderLookup,
    ) -> Result<Option<ProviderOrder>, ProviderError> {
        match self.find_order(&lookup.reference).await? {
            Some(known) => Ok(Some(known)),
            None => self.recover_from_records(lookup).await,
        }
    }

    /// What [`Provider::recover_order`] asks when [`Provider::find_order`] knows nothing of
    /// the reference: the order as the provider's own records show it (by the order id it
    /// accepted, or a search of what was bought after `sent_at`). `None` by default.
    async fn recover_from_records(
        &self,
        _lookup: &OrderLookup,
    ) -> Result<Option<ProviderOrder>, ProviderError> {
        Ok(None)
    }

    /// Returns one eSIM by its ICCID (for the merchant settling an order by hand).
    async fn esim_by_iccid(&self, iccid: &str) -> Result<ProviderEsim, ProviderError> {
        self.esim(iccid).await
    }

    /// Returns one eSIM with usage and install data.
    async fn esim(&self, provider_id: &str) -> Result<ProviderEsim, ProviderError>;

    /// Returns the top-up packages compatible with an eSIM, at wholesale cost.
    async fn top_up_packages(&self, provider_id: &str) -> Result<Vec<Package>, ProviderError>;

    /// Applies a top-up package to an eSIM; `reference` makes a retry safe.
    async fn top_up(
        &self,
        provider_id: &str,
        package_code: &str,
        reference: &str,
    ) -> Result<ProviderEsim, ProviderError>;

    /// Cancels an unused eSIM and refunds it (unsupported unless the provider's capabilities
    /// say `cancel`).
    async fn cancel(&self, _provider_id: &str) -> Result<ProviderEsim, ProviderError> {
        Err(ProviderError::unsupported(&format!(
            "{}: cancelling an eSIM",
            self.name()
        )))
    }

    /// Returns the merchant's balance with the provider.
    async fn balance(&self) -> Result<Money, ProviderError>;
}
