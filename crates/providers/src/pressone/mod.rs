//! PressOne (providers.md §5): a white-label Airalo Partner API under `/customer/v2`, with no
//! public base URL (it must be configured). The client id and secret are exchanged for an
//! access token, cached, refreshed daily and whenever PressOne answers 401.
//!
//! Rate limits are kept before PressOne enforces them: an eSIM's package history is asked for
//! at most once per 15 minutes (its documented limit; meanwhile the last answer is served),
//! and usage at most once per usage period (PressOne caches usage for 20 minutes itself). Both
//! are kept in the endpoint's [`crate::Pacing`], so that several proxies on one account ask no
//! more often than one.
//! Orders carry our reference as their `description`, so a lost answer is found again by
//! `GET /orders?filter[description]=…`, across restarts too.

pub mod wire;

use parking_lot::Mutex;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use esim_core::{
    Destination, DestinationKind, EsimStatus, Lifecycle, Money, Package, ProfileState, Validity,
    Volume,
};
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::countries;
use crate::http::{segment, Endpoint, Http, Reply, Secret};
use crate::provider::{
    Capabilities, ErrorKind, OrderRequest, Provider, ProviderError, ProviderEsim, ProviderOrder,
    ProviderOrderState, Recovery,
};
use wire::{
    WireBalance, WireDestination, WireHistory, WireOrder, WirePackage, WireSim, WireToken,
    WireUsage,
};

/// How long an eSIM's package history is kept: PressOne allows one request per 15 minutes.
pub const HISTORY_PERIOD: Duration = Duration::from_secs(15 * 60);
/// How long usage is kept by default: PressOne's own cache period.
pub const USAGE_PERIOD: Duration = Duration::from_secs(20 * 60);
/// How long the catalogue is kept.
const CATALOGUE_TTL: Duration = Duration::from_secs(10 * 60);
/// The longest a token is used, whatever its `expires_in` (PressOne: "valid for 24 hours").
const TOKEN_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, Clone)]
struct Token {
    value: Secret,
    until: Instant,
}

/// The PressOne adapter.
#[derive(Debug)]
pub struct PressOne {
    http: Http,
    client_id: Secret,
    client_secret: Secret,
    token: tokio::sync::Mutex<Option<Token>>,
    catalogue: Mutex<Option<(Instant, Arc<Vec<WireDestination>>)>>,
    usage_period: Duration,
    page_size: u32,
}

impl PressOne {
    /// An adapter for the API at `endpoint` (its root, without `/customer/v2`).
    pub fn new(
        endpoint: &Endpoint,
        client_id: Secret,
        client_secret: Secret,
    ) -> Result<PressOne, ProviderError> {
        Ok(PressOne {
            http: Http::new("PressOne", endpoint)?.hiding(&[&client_id, &client_secret]),
            client_id,
            client_secret,
            token: tokio::sync::Mutex::new(None),
            catalogue: Mutex::new(None),
            usage_period: USAGE_PERIOD,
            page_size: 100,
        })
    }

    /// Changes how long usage is kept before PressOne is asked again.
    pub fn with_usage_period(mut self, period: Duration) -> PressOne {
        self.usage_period = period;
        self
    }

    /// Changes how many catalogue entries are asked for per page.
    pub fn with_page_size(mut self, size: u32) -> PressOne {
        self.page_size = size.max(1);
        self
    }

    /// A valid access token: the cached one, or a new one (`renew` forces that).
    async fn token(&self, renew: bool) -> Result<Secret, ProviderError> {
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref().filter(|t| !renew && Instant::now() < t.until) {
            return Ok(token.value.clone());
        }
        let request = self
            .http
            .request(Method::POST, "/customer/v2/token")
            .form(&[
                ("client_id", self.client_id.expose()),
                ("client_secret", self.client_secret.expose()),
                ("grant_type", "client_credentials"),
            ]);
        let token: WireToken = self.http.call::<wire::Envelope, _>(request).await?;
        if token.access_token.trim().is_empty() {
            return Err(ProviderError::new(
                ErrorKind::MalformedResponse,
                "PressOne issued an empty token",
            ));
        }
        let life = token
            .expires_in
            .map(Duration::from_secs)
            .unwrap_or(TOKEN_MAX_AGE)
            .min(TOKEN_MAX_AGE)
            .saturating_sub(Duration::from_secs(60));
        let token = Token {
            value: Secret::new(token.access_token),
            until: Instant::now() + life,
        };
        self.http.hide(&token.value);
        *slot = Some(token.clone());
        Ok(token.value)
    }

    /// Sends a request built by `build` with the token; on 401, renews the token once and
    /// sends it again.
    async fn send(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Reply, ProviderError> {
        let token = self.token(false).await?;
        let reply = self.http.send(build().bearer_auth(token.expose())).await?;
        if reply.status != 401 {
            return Ok(reply);
        }
        tracing::info!("PressOne refused the access token; asking for a new one");
        let token = self.token(true).await?;
        self.http.send(build().bearer_auth(token.expose())).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, ProviderError> {
        let reply = self.send(build).await?;
        self.http.read::<wire::Envelope, T>(&reply)
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ProviderError> {
        self.call(|| self.http.get(path, query)).await
    }

    /// The whole catalogue (local and global packages), every page, kept for a while.
    async fn catalogue(&self) -> Result<Arc<Vec<WireDestination>>, ProviderError> {
        if let Some((at, list)) = self.catalogue.lock().as_ref() {
            if at.elapsed() < CATALOGUE_TTL {
                return Ok(list.clone());
            }
        }
        let mut all = Vec::new();
        let limit = self.page_size.to_string();
        for kind in ["local", "global"] {
            let mut page = 1u64;
            loop {
                let number = page.to_string();
                let query = [
                    ("filter[type]", kind),
                    ("limit", limit.as_str()),
                    ("page", number.as_str()),
                ];
                let reply = self
                    .send(|| self.http.get("/customer/v2/packages", &query))
                    .await?;
                let entries: Vec<WireDestination> = self.http.read::<wire::Envelope, _>(&reply)?;
                let count = entries.len();
                all.extend(entries);
                // Without a stated last page (none is documented), a full page means there
                // may be another.
                let more = match wire::pages(&reply.body) {
                    Some((_, last)) => page < last,
                    None => count >= self.page_size as usize,
                };
                if count == 0 || !more || page >= 1000 {
                    break;
                }
                page += 1;
            }
        }
        let all = Arc::new(all);
        *self.catalogue.lock() = Some((Instant::now(), all.clone()));
        Ok(all)
    }

    /// The eSIM's usage: kept for the usage period (PressOne caches it as long itself), or
    /// asked now when `fresh` (after a top-up).
    async fn usage(&self, iccid: &str, fresh: bool) -> Result<WireUsage, ProviderError> {
        let path = format!("/customer/v2/sims/{iccid}/usage");
        let key = format!("pressone usage {iccid}");
        match self.paced(&key, &path, self.usage_period, fresh).await? {
            Some(usage) => Ok(usage),
            None => Err(ProviderError::new(
                ErrorKind::RateLimited {
                    retry_after: Some(Duration::from_secs(60)),
                },
                "PressOne: this eSIM's usage is being asked for elsewhere; try again shortly",
            )),
        }
    }

    /// The eSIM's package history: asked for at most once per [`HISTORY_PERIOD`] by all the
    /// instances together; meanwhile, and when PressOne says 429, the last answer (or none).
    async fn history(&self, iccid: &str) -> Result<Option<Vec<WireHistory>>, ProviderError> {
        let path = format!("/customer/v2/sims/{iccid}/packages");
        let key = format!("pressone history {iccid}");
        self.paced(&key, &path, HISTORY_PERIOD, false).await
    }

    /// An answer PressOne allows once per `period` per eSIM, kept in the pacing that every
    /// instance on this account shares: the kept one while it is younger than `period` (unless
    /// `fresh`); otherwise the instance that claims it asks, and the others wait a moment for
    /// that answer, then make do with the last one (`None` when there is none). A 429 serves
    /// the last one too; another failure frees the claim for the next caller.
    async fn paced<T: DeserializeOwned>(
        &self,
        key: &str,
        path: &str,
        period: Duration,
        fresh: bool,
    ) -> Result<Option<T>, ProviderError> {
        let pacing = self.http.pacing();
        let young = |kept: &Option<(Duration, String)>| {
            kept.as_ref()
                .filter(|(age, _)| *age < period)
                .and_then(|(_, text)| serde_json::from_str::<T>(text).ok())
        };
        let kept = pacing.recall(key).await;
        if let Some(answer) = young(&kept).filter(|_| !fresh) {
            return Ok(Some(answer));
        }
        if !pacing.claim(key, period).await && !fresh {
            for _ in 0..20 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if let Some(answer) = young(&pacing.recall(key).await) {
                    return Ok(Some(answer));
                }
            }
            return Ok(kept.and_then(|(_, text)| serde_json::from_str(&text).ok()));
        }
        match self.get::<serde_json::Value>(path, &[]).await {
            Ok(value) => {
                let answer = T::deserialize(&value)
                    .map_err(|e| ProviderError::malformed(format!("PressOne: {path}: {e}")))?;
                pacing.keep(key, value.to_string()).await;
                Ok(Some(answer))
            }
            Err(e) if matches!(e.kind, ErrorKind::RateLimited { .. }) => {
                tracing::debug!(error = %e, "PressOne rate-limited {path}; serving the last answer");
                Ok(kept.and_then(|(_, text)| serde_json::from_str(&text).ok()))
            }
            Err(e) => {
                pacing.hold(key, Duration::ZERO).await;
                Err(e)
            }
        }
    }

    /// An eSIM from its install data, usage and package history.
    fn compose(
        sim: &WireSim,
        usage: Option<&WireUsage>,
        history: Option<&[WireHistory]>,
        package: Option<&Package>,
    ) -> Result<ProviderEsim, ProviderError> {
        let history = history.unwrap_or_default();
        let mut uses = Vec::new();
        for entry in history {
            uses.push(entry.as_use()?);
        }
        let (total, used) = match usage {
            Some(usage) => usage.volumes()?,
            None if !uses.is_empty() => {
                let mut total = Volume::Bytes(0);
                for u in &uses {
                    total = total.checked_add(u.data).map_err(|_| {
                        ProviderError::new(
                            ErrorKind::MalformedResponse,
                            "PressOne volumes overflow",
                        )
                    })?;
                }
                let left: u64 = history.iter().filter_map(WireHistory::remaining_mb).sum();
                let used = total
                    .bytes()
                    .map(|t| t.saturating_sub(left.saturating_mul(1 << 20)));
                (total, used)
            }
            None => (package.map_or(Volume::Bytes(0), |p| p.data), Some(0)),
        };
        let buckets: Vec<Lifecycle> = history.iter().map(WireHistory::lifecycle).collect();
        let reported = usage
            .map(WireUsage::lifecycle)
            .filter(|l| *l != Lifecycle::Unknown);
        let lifecycle = if sim.recycled {
            Lifecycle::Revoked
        } else if let Some(state) = reported {
            state
        } else if !buckets.is_empty() {
            Lifecycle::from_buckets(&buckets, None)
        } else {
            Lifecycle::Ready
        };
        let raw = usage.map_or_else(|| "history".to_owned(), |u| u.status().to_owned());
        let mut expires = usage.map(WireUsage::expires_at).transpose()?.flatten();
        if expires.is_none() {
            for entry in history {
                expires = expires.max(entry.expires_at()?);
            }
        }
        let days: u32 = if uses.is_empty() {
            package.map_or(0, |p| p.validity.whole_days())
        } else {
            uses.iter()
                .map(|u| u.validity.whole_days())
                .fold(0u32, u32::saturating_add)
        };
        Ok(ProviderEsim {
            provider_id: sim.iccid.clone(),
            iccid: sim.iccid.clone(),
            package_code: uses
                .iter()
                .find(|u| !u.top_up)
                .map(|u| u.package_code.clone())
                .or_else(|| package.map(|p| p.code.clone()))
                .unwrap_or_default(),
            status: EsimStatus::new(lifecycle, ProfileState::Unknown, raw),
            activation: sim.activation(),
            apn: sim.apn(),
            total,
            used,
            usage_updated_at: None,
            validity: Some(Validity::days(days)),
            expires_at: expires,
            history: uses,
        })
    }

    /// Finds the order we described with `reference`.
    async fn order_described(&self, reference: &str) -> Result<Option<WireOrder>, ProviderError> {
        let orders: Vec<WireOrder> = self
            .get(
                "/customer/v2/orders",
                &[("filter[description]", reference), ("limit", "10")],
            )
            .await?;
        Ok(orders
            .into_iter()
            .find(|o| o.description.as_deref() == Some(reference)))
    }

    fn order_of(
        &self,
        reference: &str,
        order: &WireOrder,
        package: Option<&Package>,
        quantity: u32,
    ) -> Result<ProviderOrder, ProviderError> {
        let esims = order
            .sims
            .iter()
            .map(|sim| PressOne::compose(sim, None, None, package))
            .collect::<Result<Vec<_>, _>>()?;
        let cost = match (order.cost(), package) {
            (Some(cost), _) => cost,
            (None, Some(p)) => p
                .price
                .checked_mul(quantity)
                .map_err(|e| ProviderError::new(ErrorKind::MalformedResponse, e.to_string()))?,
            (None, None) => Money::zero(esim_core::Currency::USD),
        };
        Ok(ProviderOrder {
            reference: reference.to_owned(),
            provider_order_id: order.id(),
            state: if esims.is_empty() {
                ProviderOrderState::Pending
            } else {
                ProviderOrderState::Completed
            },
            cost,
            esims,
        })
    }
}

#[async_trait]
impl Provider for PressOne {
    fn name(&self) -> &'static str {
        "pressone"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            top_up_active_only: true,
            // Orders carry our reference as their description; PressOne may list an order
            // only once it has finished it.
            recovery: Recovery::Search,
            ..Capabilities::COMMON
        }
    }

    async fn destinations(&self) -> Result<Vec<Destination>, ProviderError> {
        let catalogue = self.catalogue().await?;
        Ok(countries::distinct(
            catalogue
                .iter()
                .filter(|entry| {
                    !crate::readable("pressone", [entry.packages()])
                        .concat()
                        .is_empty()
                })
                .map(|entry| {
                    let (code, name, kind) = entry.destination();
                    countries::destination(code, name, kind)
                }),
        ))
    }

    async fn packages(&self, destination: &str) -> Result<Vec<Package>, ProviderError> {
        let wanted = destination.trim();
        let mut out = Vec::new();
        for entry in self.catalogue().await?.iter() {
            if entry.destination().0.eq_ignore_ascii_case(wanted) {
                out.extend(crate::readable("pressone", [entry.packages()]).concat());
            }
        }
        Ok(out)
    }

    async fn package(&self, code: &str) -> Result<Package, ProviderError> {
        let code = code.trim();
        for entry in self.catalogue().await?.iter() {
            let packages = crate::readable("pressone", [entry.packages()]).concat();
            if let Some(package) = packages.into_iter().find(|p| p.code == code) {
                return Ok(package);
            }
        }
        Err(ProviderError::not_found(format!(
            "no PressOne package {code:?}"
        )))
    }

    async fn order(&self, request: &OrderRequest) -> Result<ProviderOrder, ProviderError> {
        let package = self.package(&request.package_code).await?;
        if let Some(found) = self.order_described(&request.reference).await? {
            return self.order_of(&request.reference, &found, Some(&package), request.quantity);
        }
        let quantity = request.quantity.max(1).to_string();
        let order: WireOrder = self
            .call(|| {
                self.http
                    .purchase(Method::POST, "/customer/v2/orders")
                    .form(&[
                        ("quantity", quantity.as_str()),
                        ("package_id", package.code.as_str()),
                        ("type", "sim"),
                        ("description", request.reference.as_str()),
                    ])
            })
            .await?;
        self.order_of(
            &request.reference,
            &order,
            Some(&package),
            request.quantity.max(1),
        )
    }

    async fn find_order(&self, reference: &str) -> Result<Option<ProviderOrder>, ProviderError> {
        match self.order_described(reference).await? {
            Some(order) => Ok(Some(self.order_of(reference, &order, None, 1)?)),
            None => Ok(None),
        }
    }

    async fn esim(&self, provider_id: &str) -> Result<ProviderEsim, ProviderError> {
        let iccid = segment("eSIM", provider_id)?;
        let sim: WireSim = self.get(&format!("/customer/v2/sims/{iccid}"), &[]).await?;
        let usage = self.usage(iccid, false).await?;
        let history = self.history(iccid).await?;
        PressOne::compose(&sim, Some(&usage), history.as_deref(), None)
    }

    async fn top_up_packages(&self, provider_id: &str) -> Result<Vec<Package>, ProviderError> {
        let iccid = segment("eSIM", provider_id)?;
        // Always asked fresh: PressOne says top-up lists must not be cached.
        let list: Vec<WirePackage> = self
            .get(&format!("/customer/v2/sims/{iccid}/topups"), &[])
            .await?;
        list.iter()
            .map(|p| {
                Ok(Package {
                    code: p.id.clone(),
                    title: p.as_use(0)?.title,
                    destination: String::new(),
                    kind: DestinationKind::Country,
                    countries: Vec::new(),
                    data: p.data()?,
                    validity: p.validity()?,
                    price: p.cost()?,
                    networks: Vec::new(),
                    top_up: true,
                    description: None,
                })
            })
            .collect()
    }

    async fn top_up(
        &self,
        provider_id: &str,
        package_code: &str,
        reference: &str,
    ) -> Result<ProviderEsim, ProviderError> {
        let iccid = segment("eSIM", provider_id)?;
        if self.order_described(reference).await?.is_none() {
            let _: WireOrder = self
                .call(|| {
                    self.http
                        .purchase(Method::POST, "/customer/v2/orders/topups")
                        .form(&[
                            ("package_id", package_code),
                            ("iccid", iccid),
                            ("description", reference),
                        ])
                })
                .await?;
        }
        // Usage may be asked again at once; the history only after its 15 minutes, so the
        // one kept is told about the new package meanwhile.
        let sim: WireSim = self.get(&format!("/customer/v2/sims/{iccid}"), &[]).await?;
        let usage = self.usage(iccid, true).await?;
        let history = self.history(iccid).await?;
        let mut esim = PressOne::compose(&sim, Some(&usage), history.as_deref(), None)?;
        if !esim
            .history
            .iter()
            .any(|u| u.package_code == package_code && u.top_up)
        {
            let list: Vec<WirePackage> = self
                .get(&format!("/customer/v2/sims/{iccid}/topups"), &[])
                .await
                .unwrap_or_default();
            if let Some(package) = list.iter().find(|p| p.id == package_code) {
                let mut added = package.as_use(crate::now_unix())?;
                added.top_up = true;
                esim.history.push(added);
            }
        }
        Ok(esim)
    }

    async fn balance(&self) -> Result<Money, ProviderError> {
        self.get::<WireBalance>("/customer/v2/balance", &[])
            .await?
            .into_money()
    }
}
