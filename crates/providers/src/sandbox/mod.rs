//! The sandbox provider: a whole eSIM reseller simulated in process.
//!
//! It sells a realistic generated catalogue (see [`catalogue`]), keeps a balance that orders
//! spend and cancels refund, issues eSIMs with Luhn-valid ICCIDs and LPA activation codes,
//! applies top-ups, and moves each eSIM through its lifecycle (ready, installed, data used,
//! depleted, expired) on a clock that tests control. It can persist its state to a file, so
//! that a proxy killed mid-order can be restarted against the same "remote" provider, and it
//! can be told to misbehave ([`Fault`]) so that the proxy's error handling can be tested.

pub(crate) mod catalogue;

use parking_lot::Mutex;
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use esim_core::api::PackageUse;
use esim_core::{
    ActivationCode, Currency, Decimal, Destination, EsimStatus, Lifecycle, Money, Package,
    ProfileState, Rates, Validity, Volume,
};
use serde::{Deserialize, Serialize};

use crate::provider::{
    Capabilities, ErrorKind, OrderRequest, Provider, ProviderError, ProviderEsim, ProviderOrder,
    ProviderOrderState, Recovery,
};
use catalogue::{fnv, Catalogue};

/// The sandbox's SM-DP+ host; `.test` is reserved, so it can never reach a real server.
const SMDP_ADDRESS: &str = "smdp.sandbox.esim-storefront.test";
/// The ICCID prefix: 89 (telecom) + 882 (international) + a sandbox issuer code.
const ICCID_PREFIX: &str = "8988247";
/// The most eSIMs one sandbox order may hold.
const MAX_ORDER_QUANTITY: u32 = 50;

/// A source of the current time, in Unix seconds.
pub trait Clock: Send + Sync {
    fn now(&self) -> i64;
}

/// The real time.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// Returns a clock stopped at `now`.
    pub fn new(now: i64) -> ManualClock {
        ManualClock(AtomicI64::new(now))
    }

    /// Moves the clock forward.
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A way to misbehave on the next provider call, as real providers do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer 5xx.
    Unavailable,
    /// Hang this long, then give up with a timeout.
    Hang(Duration),
    /// Answer 429 with this Retry-After.
    RateLimited(Duration),
    /// Answer something unreadable.
    Malformed,
    /// Refuse our credentials.
    Unauthorized,
    /// Do the work, then lose the answer (a timeout after success).
    LoseResponse,
    /// Take this long, then do the work and answer (a slow provider).
    Slow(Duration),
}

/// How the sandbox starts.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The merchant's opening balance.
    pub balance: Money,
    /// How long new eSIMs stay pending before their profile is ready.
    pub provisioning_delay: Duration,
    /// Where to keep state across restarts; `None` keeps it in memory.
    pub state_path: Option<PathBuf>,
}

impl Default for SandboxConfig {
    fn default() -> SandboxConfig {
        SandboxConfig {
            balance: Money::from_minor(500_000, Currency::USD),
            provisioning_delay: Duration::ZERO,
            state_path: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SandboxOrder {
    reference: String,
    provider_order_id: String,
    package_code: String,
    quantity: u32,
    cost_minor: i64,
    iccids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SandboxEsim {
    iccid: String,
    package_code: String,
    destination: String,
    matching_id: String,
    ready_at: i64,
    installed_at: Option<i64>,
    total: Volume,
    used: u64,
    validity: Validity,
    history: Vec<PackageUse>,
    cost_minor: i64,
    cancelled: bool,
    expired: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct State {
    balance_minor: i64,
    next_serial: u64,
    orders: BTreeMap<String, SandboxOrder>,
    esims: BTreeMap<String, SandboxEsim>,
    /// Top-up references already applied, so a retried top-up is not applied twice.
    top_ups: BTreeMap<String, String>,
}

/// The sandbox provider.
pub struct Sandbox {
    catalogue: Catalogue,
    rates: Rates,
    clock: Arc<dyn Clock>,
    config: SandboxConfig,
    state: Mutex<State>,
    faults: Mutex<VecDeque<Fault>>,
    /// Purchases asked for, a repeated reference included: what a caller that must buy once
    /// is checked by.
    purchases_asked: std::sync::atomic::AtomicUsize,
}

impl Sandbox {
    /// Returns a sandbox on the system clock.
    pub fn new(config: SandboxConfig) -> Result<Sandbox, ProviderError> {
        Sandbox::with_clock(config, Arc::new(SystemClock))
    }

    /// Returns a sandbox on `clock`, loading saved state from `config.state_path` if present.
    pub fn with_clock(
        config: SandboxConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Sandbox, ProviderError> {
        let fresh = State {
            balance_minor: config.balance.minor(),
            next_serial: 10_000_000_000 + fnv("sandbox") % 1_000_000_000,
            orders: BTreeMap::new(),
            esims: BTreeMap::new(),
            top_ups: BTreeMap::new(),
        };
        let state = match &config.state_path {
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    internal(format!("cannot read sandbox state {}: {e}", path.display()))
                })?;
                serde_json::from_str(&text).map_err(|e| {
                    internal(format!("sandbox state {} is corrupt: {e}", path.display()))
                })?
            }
            _ => fresh,
        };
        Ok(Sandbox {
            catalogue: Catalogue::generate(),
            rates: sandbox_rates(),
            clock,
            config,
            state: Mutex::new(state),
            faults: Mutex::new(VecDeque::new()),
            purchases_asked: Default::default(),
        })
    }

    /// How many purchases were asked of this sandbox (since it started), each call counted,
    /// those under a reference it already had included.
    pub fn purchases_asked(&self) -> usize {
        self.purchases_asked
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Makes the next provider call misbehave; several faults apply to successive calls.
    pub fn inject_fault(&self, fault: Fault) {
        self.faults.lock().push_back(fault);
    }

    /// Simulates the shopper installing the eSIM: the profile is installed and the plan starts.
    pub fn install(&self, iccid: &str) -> Result<ProviderEsim, ProviderError> {
        self.mutate(iccid, |esim, now| {
            let status = esim.status(now);
            if !status.may_install() {
                return Err(not_allowed(format!(
                    "cannot install an eSIM that is {}",
                    status.lifecycle.as_str()
                )));
            }
            esim.installed_at = Some(now);
            Ok(())
        })
    }

    /// Simulates the shopper using `bytes` of data on an installed eSIM.
    pub fn use_data(&self, iccid: &str, bytes: u64) -> Result<ProviderEsim, ProviderError> {
        self.mutate(iccid, |esim, now| {
            if esim.status(now).lifecycle != Lifecycle::Active {
                return Err(not_allowed(
                    "data can only be used on an active (installed, unexpired) eSIM",
                ));
            }
            let cap = esim.total.bytes().unwrap_or(u64::MAX);
            esim.used = esim.used.saturating_add(bytes).min(cap);
            Ok(())
        })
    }

    /// Simulates the plan's validity running out.
    pub fn expire(&self, iccid: &str) -> Result<ProviderEsim, ProviderError> {
        self.mutate(iccid, |esim, now| {
            if esim.cancelled || esim.status(now).lifecycle == Lifecycle::Pending {
                return Err(not_allowed("only an issued, uncancelled eSIM can expire"));
            }
            esim.expired = true;
            Ok(())
        })
    }

    fn mutate(
        &self,
        iccid: &str,
        change: impl FnOnce(&mut SandboxEsim, i64) -> Result<(), ProviderError>,
    ) -> Result<ProviderEsim, ProviderError> {
        let now = self.clock.now();
        let mut state = self.state.lock();
        let esim = state
            .esims
            .get_mut(iccid)
            .ok_or_else(|| ProviderError::not_found(format!("no eSIM {iccid}")))?;
        change(esim, now)?;
        let view = esim.view(now);
        self.save(&state)?;
        Ok(view)
    }

    /// Applies the next injected fault, if any. `Ok(true)` means "do the work, then lose the
    /// answer".
    async fn fault(&self) -> Result<bool, ProviderError> {
        let next = self.faults.lock().pop_front();
        match next {
            None => Ok(false),
            Some(Fault::LoseResponse) => Ok(true),
            Some(Fault::Unavailable) => Err(ProviderError::new(
                ErrorKind::Unavailable,
                "sandbox: HTTP 503",
            )),
            Some(Fault::Malformed) => Err(ProviderError::new(
                ErrorKind::MalformedResponse,
                "sandbox: truncated JSON",
            )),
            Some(Fault::Unauthorized) => Err(ProviderError::new(
                ErrorKind::Unauthorized,
                "sandbox: HTTP 401",
            )),
            Some(Fault::RateLimited(after)) => Err(ProviderError::new(
                ErrorKind::RateLimited {
                    retry_after: Some(after),
                },
                "sandbox: HTTP 429",
            )),
            Some(Fault::Hang(duration)) => {
                tokio::time::sleep(duration).await;
                Err(ProviderError::new(ErrorKind::Timeout, "sandbox: no answer"))
            }
            Some(Fault::Slow(duration)) => {
                tokio::time::sleep(duration).await;
                Ok(false)
            }
        }
    }

    fn save(&self, state: &State) -> Result<(), ProviderError> {
        let Some(path) = &self.config.state_path else {
            return Ok(());
        };
        let json = serde_json::to_vec(state).map_err(|e| internal(e.to_string()))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, json)
            .and_then(|_| std::fs::rename(&tmp, path))
            .map_err(|e| internal(format!("cannot save sandbox state {}: {e}", path.display())))
    }

    fn find_package(&self, code: &str) -> Option<&Package> {
        self.catalogue
            .packages
            .iter()
            .find(|p| p.code.eq_ignore_ascii_case(code))
    }

    fn order_view(&self, state: &State, order: &SandboxOrder, now: i64) -> ProviderOrder {
        let esims: Vec<ProviderEsim> = order
            .iccids
            .iter()
            .filter_map(|i| state.esims.get(i))
            .map(|e| e.view(now))
            .collect();
        let pending = esims
            .iter()
            .any(|e| e.status.lifecycle == Lifecycle::Pending);
        ProviderOrder {
            reference: order.reference.clone(),
            provider_order_id: order.provider_order_id.clone(),
            state: if pending {
                ProviderOrderState::Pending
            } else {
                ProviderOrderState::Completed
            },
            cost: Money::from_minor(order.cost_minor, Currency::USD),
            esims,
        }
    }
}

impl SandboxEsim {
    fn expires_at(&self) -> Option<i64> {
        self.installed_at
            .map(|start| start + self.validity.seconds())
    }

    fn status(&self, now: i64) -> EsimStatus {
        let profile = if self.installed_at.is_some() {
            ProfileState::Installed
        } else {
            ProfileState::NotInstalled
        };
        let lifecycle = if self.cancelled {
            Lifecycle::Cancelled
        } else if now < self.ready_at {
            Lifecycle::Pending
        } else if self.expired || self.expires_at().is_some_and(|end| now >= end) {
            Lifecycle::Expired
        } else if self.installed_at.is_none() {
            Lifecycle::Ready
        } else if self.total.bytes().is_some_and(|total| self.used >= total) {
            Lifecycle::Depleted
        } else {
            Lifecycle::Active
        };
        let raw = format!(
            "{}/{}",
            lifecycle.as_str().to_uppercase(),
            profile.as_str().to_uppercase()
        );
        EsimStatus::new(lifecycle, profile, raw)
    }

    fn view(&self, now: i64) -> ProviderEsim {
        let status = self.status(now);
        let activation = (status.lifecycle != Lifecycle::Pending)
            .then(|| ActivationCode::from_parts(SMDP_ADDRESS, &self.matching_id).ok())
            .flatten();
        ProviderEsim {
            provider_id: self.iccid.clone(),
            iccid: self.iccid.clone(),
            package_code: self.package_code.clone(),
            status,
            activation,
            apn: Some("sandbox".into()),
            total: self.total,
            used: Some(self.used),
            usage_updated_at: Some(now),
            validity: Some(self.validity),
            expires_at: self.expires_at(),
            history: self.history.clone(),
        }
    }
}

#[async_trait]
impl Provider for Sandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            cancel: true,
            rates: true,
            // Orders are kept by our reference, in the same process as the proxy.
            recovery: Recovery::Exact,
            ..Capabilities::COMMON
        }
    }

    async fn destinations(&self) -> Result<Vec<Destination>, ProviderError> {
        self.fault().await?;
        Ok(self.catalogue.destinations.clone())
    }

    async fn packages(&self, destination: &str) -> Result<Vec<Package>, ProviderError> {
        self.fault().await?;
        Ok(self
            .catalogue
            .packages
            .iter()
            .filter(|p| p.destination.eq_ignore_ascii_case(destination))
            .cloned()
            .collect())
    }

    async fn package(&self, code: &str) -> Result<Package, ProviderError> {
        self.fault().await?;
        self.find_package(code)
            .cloned()
            .ok_or_else(|| ProviderError::not_found(format!("no package {code}")))
    }

    async fn rates(&self) -> Result<Rates, ProviderError> {
        self.fault().await?;
        Ok(self.rates.clone())
    }

    async fn order(&self, request: &OrderRequest) -> Result<ProviderOrder, ProviderError> {
        self.purchases_asked
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let lose_response = self.fault().await?;
        let now = self.clock.now();
        let mut state = self.state.lock();
        if let Some(existing) = state.orders.get(&request.reference) {
            // Same reference: the same order, never a second purchase.
            return Ok(self.order_view(&state, existing, now));
        }
        if !(1..=MAX_ORDER_QUANTITY).contains(&request.quantity) {
            return Err(ProviderError::new(
                ErrorKind::InvalidRequest,
                format!("quantity {}", request.quantity),
            ));
        }
        let package = self.find_package(&request.package_code).ok_or_else(|| {
            ProviderError::not_found(format!("no package {}", request.package_code))
        })?;
        let cost = package.price.minor() * i64::from(request.quantity);
        if cost > state.balance_minor {
            return Err(ProviderError::new(
                ErrorKind::InsufficientBalance,
                format!(
                    "order costs {cost} cents, balance is {}",
                    state.balance_minor
                ),
            ));
        }
        state.balance_minor -= cost;
        let ready_at = now + i64::try_from(self.config.provisioning_delay.as_secs()).unwrap_or(0);
        let mut iccids = Vec::new();
        for index in 0..request.quantity {
            let iccid = iccid(state.next_serial);
            state.next_serial += 1;
            let matching_id = matching_id(&request.reference, index);
            state.esims.insert(
                iccid.clone(),
                SandboxEsim {
                    iccid: iccid.clone(),
                    package_code: package.code.clone(),
                    destination: package.destination.clone(),
                    matching_id,
                    ready_at,
                    installed_at: None,
                    total: package.data,
                    used: 0,
                    validity: package.validity,
                    history: vec![PackageUse {
                        package_code: package.code.clone(),
                        title: package.title.clone(),
                        data: package.data,
                        validity: package.validity,
                        added_at: now,
                        top_up: false,
                    }],
                    cost_minor: package.price.minor(),
                    cancelled: false,
                    expired: false,
                },
            );
            iccids.push(iccid);
        }
        let order = SandboxOrder {
            reference: request.reference.clone(),
            provider_order_id: format!("SBX{:012}", fnv(&request.reference) % 1_000_000_000_000),
            package_code: package.code.clone(),
            quantity: request.quantity,
            cost_minor: cost,
            iccids,
        };
        let view = self.order_view(&state, &order, now);
        state.orders.insert(order.reference.clone(), order);
        self.save(&state)?;
        if lose_response {
            return Err(ProviderError::new(
                ErrorKind::Timeout,
                "sandbox: answer lost after the order was placed",
            ));
        }
        Ok(view)
    }

    async fn find_order(&self, reference: &str) -> Result<Option<ProviderOrder>, ProviderError> {
        self.fault().await?;
        let state = self.state.lock();
        Ok(state
            .orders
            .get(reference)
            .map(|o| self.order_view(&state, o, self.clock.now())))
    }

    async fn esim(&self, provider_id: &str) -> Result<ProviderEsim, ProviderError> {
        self.fault().await?;
        let state = self.state.lock();
        state
            .esims
            .get(provider_id)
            .map(|e| e.view(self.clock.now()))
            .ok_or_else(|| ProviderError::not_found(format!("no eSIM {provider_id}")))
    }

    async fn top_up_packages(&self, provider_id: &str) -> Result<Vec<Package>, ProviderError> {
        self.fault().await?;
        let destination = {
            let state = self.state.lock();
            let esim = state
                .esims
                .get(provider_id)
                .ok_or_else(|| ProviderError::not_found(format!("no eSIM {provider_id}")))?;
            esim.destination.clone()
        };
        Ok(self.catalogue.top_ups(&destination))
    }

    async fn top_up(
        &self,
        provider_id: &str,
        package_code: &str,
        reference: &str,
    ) -> Result<ProviderEsim, ProviderError> {
        let lose_response = self.fault().await?;
        let now = self.clock.now();
        let mut state = self.state.lock();
        if state.top_ups.contains_key(reference) {
            let esim = state
                .esims
                .get(provider_id)
                .ok_or_else(|| ProviderError::not_found(format!("no eSIM {provider_id}")))?;
            return Ok(esim.view(now));
        }
        let esim = state
            .esims
            .get(provider_id)
            .ok_or_else(|| ProviderError::not_found(format!("no eSIM {provider_id}")))?;
        if !esim.status(now).may_top_up() {
            return Err(not_allowed(format!(
                "cannot top up an eSIM that is {}",
                esim.status(now).lifecycle.as_str()
            )));
        }
        let package = self
            .catalogue
            .top_ups(&esim.destination)
            .into_iter()
            .find(|p| p.code.eq_ignore_ascii_case(package_code))
            .ok_or_else(|| {
                ProviderError::not_found(format!("no top-up {package_code} for this eSIM"))
            })?;
        if package.price.minor() > state.balance_minor {
            return Err(ProviderError::new(
                ErrorKind::InsufficientBalance,
                "balance too low for the top-up",
            ));
        }
        state.balance_minor -= package.price.minor();
        state
            .top_ups
            .insert(reference.to_owned(), provider_id.to_owned());
        let esim = state
            .esims
            .get_mut(provider_id)
            .ok_or_else(|| ProviderError::not_found(provider_id.to_owned()))?;
        esim.total = esim
            .total
            .checked_add(package.data)
            .unwrap_or(Volume::Unlimited);
        esim.validity = esim.validity.extended_by(package.validity);
        esim.history.push(PackageUse {
            package_code: package.code.clone(),
            title: package.title.clone(),
            data: package.data,
            validity: package.validity,
            added_at: now,
            top_up: true,
        });
        let view = esim.view(now);
        self.save(&state)?;
        if lose_response {
            return Err(ProviderError::new(
                ErrorKind::Timeout,
                "sandbox: answer lost after the top-up",
            ));
        }
        Ok(view)
    }

    async fn cancel(&self, provider_id: &str) -> Result<ProviderEsim, ProviderError> {
        self.fault().await?;
        let now = self.clock.now();
        let mut state = self.state.lock();
        let esim = state
            .esims
            .get_mut(provider_id)
            .ok_or_else(|| ProviderError::not_found(format!("no eSIM {provider_id}")))?;
        let status = esim.status(now);
        if !status.may_cancel() {
            return Err(not_allowed(format!(
                "only a ready, never-installed eSIM can be cancelled; this one is {}/{}",
                status.lifecycle.as_str(),
                status.profile.as_str()
            )));
        }
        esim.cancelled = true;
        let refund = esim.cost_minor;
        let view = esim.view(now);
        state.balance_minor += refund;
        self.save(&state)?;
        Ok(view)
    }

    async fn balance(&self) -> Result<Money, ProviderError> {
        self.fault().await?;
        Ok(Money::from_minor(
            self.state.lock().balance_minor,
            Currency::USD,
        ))
    }
}

/// Exchange rates from USD, fixed so that tests can compute expected prices.
fn sandbox_rates() -> Rates {
    const TABLE: &[(&str, &str)] = &[
        ("EUR", "0.92"),
        ("GBP", "0.79"),
        ("NGN", "1550.25"),
        ("JPY", "151.34"),
        ("KWD", "0.3075"),
        ("CAD", "1.36"),
        ("AUD", "1.52"),
        ("CHF", "0.88"),
        ("INR", "83.30"),
        ("BRL", "5.05"),
        ("MXN", "17.10"),
        ("ZAR", "18.60"),
        ("SGD", "1.35"),
        ("AED", "3.6725"),
        ("KES", "129.50"),
        ("SEK", "10.60"),
    ];
    TABLE
        .iter()
        .fold(Rates::new(Currency::USD), |rates, (code, rate)| {
            match (Currency::from_code(code), Decimal::from_str_exact(rate)) {
                (Ok(currency), Ok(rate)) => {
                    rates.clone().with_rate(currency, rate).unwrap_or(rates)
                }
                _ => rates,
            }
        })
}

/// Returns a 19-digit ICCID with a Luhn check digit.
fn iccid(serial: u64) -> String {
    let body = format!("{ICCID_PREFIX}{:011}", serial % 100_000_000_000);
    format!("{body}{}", luhn_check_digit(&body))
}

/// Returns the Luhn check digit for a string of digits.
pub fn luhn_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let d2 = d * 2;
                if d2 > 9 {
                    d2 - 9
                } else {
                    d2
                }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// Returns whether a string of digits ends in a valid Luhn check digit.
pub fn luhn_valid(number: &str) -> bool {
    number.len() >= 2
        && number.bytes().all(|b| b.is_ascii_digit())
        && luhn_check_digit(&number[..number.len() - 1]).to_string() == number[number.len() - 1..]
}

fn matching_id(reference: &str, index: u32) -> String {
    let a = fnv(&format!("{reference}#{index}"));
    let b = fnv(&format!("{index}#{reference}"));
    let hex = format!("{a:016X}{b:016X}");
    format!(
        "SBX-{}-{}-{}-{}",
        &hex[0..5],
        &hex[5..10],
        &hex[10..15],
        &hex[15..20]
    )
}

fn not_allowed(message: impl Into<String>) -> ProviderError {
    ProviderError::new(ErrorKind::NotAllowed, message)
}

fn internal(message: String) -> ProviderError {
    ProviderError::new(ErrorKind::Unavailable, message)
}

#[cfg(test)]
mod tests;
