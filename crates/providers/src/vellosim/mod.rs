//! Vellosim (providers.md §1): `X-API-Key`, `https://api.vellosim.com`, wallet purchases.
//!
//! What it lacks, and how the adapter copes: no idempotency key and no field for our order
//! reference, so the adapter remembers which purchases each reference made, and a purchase
//! whose answer was lost is searched for in `my-esims` (eSIMs of its package created after it
//! was sent that no other order holds); no cancel endpoint (cancel is not offered); purchases
//! that are still processing are looked at again with backoff, then left pending for the proxy
//! to ask about later.

pub mod wire;

use parking_lot::Mutex;
use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use esim_core::{Destination, DestinationKind, Lifecycle, Money, Package, Rates};
use reqwest::header::HeaderName;
use reqwest::Method;
use serde_json::json;

use crate::countries;
use crate::http::{segment, Backoff, Client, Endpoint, Secret};
use crate::provider::{
    Capabilities, ErrorKind, OrderLookup, OrderRequest, Provider, ProviderError, ProviderEsim,
    ProviderOrder, ProviderOrderState, Recovery,
};
use crate::TopUpAttempts;
use wire::{WireBalance, WireEsim, WireEsimPage, WirePackage, WirePurchase, WireRate, WireRegion};

/// The documented production base URL.
pub const BASE_URL: &str = "https://api.vellosim.com";

/// The Vellosim adapter.
#[derive(Debug)]
pub struct Vellosim {
    http: Client<wire::Envelope>,
    allocation: Backoff,
    page_size: u32,
    /// Our order reference → the purchases (transaction ids) it made.
    orders: Mutex<HashMap<String, Vec<String>>>,
    top_ups: TopUpAttempts,
}

impl Vellosim {
    /// An adapter for the API at `endpoint`, authenticating with `key`.
    pub fn new(endpoint: &Endpoint, key: Secret) -> Result<Vellosim, ProviderError> {
        Ok(Vellosim {
            http: Client::new(endpoint, HeaderName::from_static("x-api-key"), key, &[])?,
            allocation: Backoff {
                attempts: 5,
                first_delay: Duration::from_millis(500),
            },
            page_size: 100,
            orders: Mutex::new(HashMap::new()),
            top_ups: TopUpAttempts::default(),
        })
    }

    /// Changes how many eSIMs are asked for per page (1 to 100).
    pub fn with_page_size(mut self, size: u32) -> Vellosim {
        self.page_size = size.clamp(1, 100);
        self
    }

    /// Changes how patiently a purchase that is still processing is looked at again.
    pub fn with_allocation_backoff(mut self, backoff: Backoff) -> Vellosim {
        self.allocation = backoff;
        self
    }

    /// A purchase or a top-up: `POST /api/esim/buy`, given the purchase timeout.
    async fn buy(&self, body: serde_json::Value) -> Result<WirePurchase, ProviderError> {
        self.http
            .call(
                self.http
                    .purchase(Method::POST, "/api/esim/buy")
                    .json(&body),
            )
            .await
    }

    async fn wire_esim(&self, id: &str) -> Result<ProviderEsim, ProviderError> {
        let id = segment("eSIM", id)?;
        self.http
            .get::<WireEsim>(&format!("/api/esim/{id}"), &[])
            .await?
            .into_esim()
    }

    /// Looks at a purchase's eSIM until it is allocated, with backoff; `None` if it is still
    /// being allocated after every look.
    async fn allocated(&self, key: &str) -> Result<Option<ProviderEsim>, ProviderError> {
        let still = |e: &ProviderError| e.message == ALLOCATING;
        match self
            .allocation
            .run(
                || async {
                    let esim = self.wire_esim(key).await?;
                    if esim.status.lifecycle == Lifecycle::Pending || esim.activation.is_none() {
                        return Err(ProviderError::new(ErrorKind::Unavailable, ALLOCATING));
                    }
                    Ok(esim)
                },
                still,
            )
            .await
        {
            Ok(esim) => Ok(Some(esim)),
            Err(e) if still(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The order a reference made, as it stands now.
    async fn order_state(
        &self,
        reference: &str,
        transactions: &[String],
        cost: Money,
        esims: Vec<ProviderEsim>,
    ) -> Result<ProviderOrder, ProviderError> {
        let mut esims = esims;
        for transaction in transactions.iter().skip(esims.len()) {
            match self.allocated(transaction).await? {
                Some(esim) => esims.push(esim),
                None => break,
            }
        }
        Ok(ProviderOrder::of_ids(reference, transactions, cost, esims))
    }
}

const ALLOCATING: &str = "Vellosim: the eSIM is still being allocated";

#[async_trait]
impl Provider for Vellosim {
    fn name(&self) -> &'static str {
        "vellosim"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            rates: true,
            recovery: Recovery::Search,
            ..Capabilities::COMMON
        }
    }

    async fn destinations(&self) -> Result<Vec<Destination>, ProviderError> {
        let regions: Vec<WireRegion> = self.http.get("/api/esim/regions", &[]).await?;
        let mut out: Vec<Destination> = Vec::new();
        for region in regions {
            let code = region.region_code.trim().to_owned();
            let name = region.region_name.as_deref();
            let destination = match region.region_type.as_deref().map(str::trim) {
                Some("GL") => countries::destination(
                    code,
                    name.unwrap_or("Global").to_owned(),
                    DestinationKind::Global,
                ),
                Some("RG") => countries::destination(
                    code.clone(),
                    name.unwrap_or(&code).to_owned(),
                    DestinationKind::Region,
                ),
                _ => {
                    let iso = region.country_code.as_deref().unwrap_or(&code);
                    match countries::country(iso, name) {
                        Some(country) => country,
                        None => {
                            tracing::warn!(region = %code, "Vellosim region without a country code skipped");
                            continue;
                        }
                    }
                }
            };
            out.push(destination);
        }
        Ok(countries::distinct(out))
    }

    async fn packages(&self, destination: &str) -> Result<Vec<Package>, ProviderError> {
        let wanted = destination.trim().to_ascii_uppercase();
        let list: Vec<WirePackage> = match self
            .http
            .get(
                "/api/esim/packages",
                &[("regionCode", &wanted), ("type", "BASE")],
            )
            .await
        {
            Ok(list) => list,
            // An unknown region sells nothing.
            Err(e) if e.message.contains("INVALID_REGION_CODE") => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = crate::readable(
            "vellosim",
            list.into_iter().map(|w| w.into_package_of(Some(&wanted))),
        );
        for package in &mut out {
            package.destination = wanted.clone();
        }
        Ok(out)
    }

    async fn package(&self, code: &str) -> Result<Package, ProviderError> {
        let code = segment("package", code.trim())?;
        self.http
            .get::<WirePackage>(&format!("/api/esim/packages/{code}"), &[])
            .await
            .map_err(|e| match e.kind {
                ErrorKind::InvalidRequest => ProviderError::not_found(e.message),
                _ => e,
            })?
            .into_package()
    }

    async fn rates(&self) -> Result<Rates, ProviderError> {
        self.http
            .get::<WireRate>("/api/settings/exchange-rate", &[])
            .await?
            .into_rates()
    }

    async fn order(&self, request: &OrderRequest) -> Result<ProviderOrder, ProviderError> {
        if let Some(done) = self.find_order(&request.reference).await? {
            return Ok(done);
        }
        let mut transactions = Vec::new();
        let mut esims = Vec::new();
        let mut cost: Option<Money> = None;
        for _ in 0..request.quantity.max(1) {
            let purchase = self
                .buy(
                    json!({"packageCode": request.package_code, "paymentMethod": "WALLET",
                            "packageType": "BASE"}),
                )
                .await;
            let purchase = match purchase {
                Ok(p) => p,
                // Nothing bought yet: the error is the answer.
                Err(e) if transactions.is_empty() => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, bought = transactions.len(), "Vellosim refused part of an order");
                    let mut order = self
                        .order_state(
                            &request.reference,
                            &transactions,
                            cost.unwrap_or_else(|| Money::zero(esim_core::Currency::USD)),
                            esims,
                        )
                        .await?;
                    order.state = ProviderOrderState::Failed(format!(
                        "only {} of {} eSIMs bought: {}",
                        transactions.len(),
                        request.quantity,
                        e.message
                    ));
                    return Ok(order);
                }
            };
            let price = match &purchase.package {
                Some(p) => p.cost()?,
                None => self.package(&request.package_code).await?.price,
            };
            cost = Some(match cost {
                Some(sum) => sum
                    .checked_add(price)
                    .map_err(|e| ProviderError::new(ErrorKind::MalformedResponse, e.to_string()))?,
                None => price,
            });
            transactions.push(purchase.transaction_id.clone());
            self.orders
                .lock()
                .insert(request.reference.clone(), transactions.clone());
            let instant = purchase.esim_details.and_then(|d| d.esim_id);
            if let (Some(id), true) = (instant, esims.len() + 1 == transactions.len()) {
                let esim = self.wire_esim(&id).await?;
                if esim.status.lifecycle != Lifecycle::Pending && esim.activation.is_some() {
                    esims.push(esim);
                }
            }
        }
        let cost = cost.unwrap_or_else(|| Money::zero(esim_core::Currency::USD));
        self.order_state(&request.reference, &transactions, cost, esims)
            .await
    }

    async fn find_order(&self, reference: &str) -> Result<Option<ProviderOrder>, ProviderError> {
        let Some(transactions) = self.orders.lock().get(reference).cloned() else {
            return Ok(None);
        };
        let mut cost: Option<Money> = None;
        let mut esims = Vec::new();
        for transaction in &transactions {
            let esim = self.wire_esim(transaction).await?;
            let package = self.package(&esim.package_code).await?;
            cost = Some(match cost {
                Some(sum) => sum.checked_add(package.price).unwrap_or(sum),
                None => package.price,
            });
            if esim.status.lifecycle == Lifecycle::Pending || esim.activation.is_none() {
                break;
            }
            esims.push(esim);
        }
        let cost = cost.unwrap_or_else(|| Money::zero(esim_core::Currency::USD));
        Ok(Some(ProviderOrder::of_ids(
            reference,
            &transactions,
            cost,
            esims,
        )))
    }

    async fn recover_from_records(
        &self,
        lookup: &OrderLookup,
    ) -> Result<Option<ProviderOrder>, ProviderError> {
        let purchases = match lookup.provider_order_id {
            // Accepted before: its transactions, as the proxy stored them.
            Some(_) => lookup.provider_ids(),
            None => self.search_lost(lookup).await?,
        };
        if purchases.is_empty() {
            return Ok(None);
        }
        self.orders
            .lock()
            .insert(lookup.reference.clone(), purchases);
        self.find_order(&lookup.reference).await
    }

    async fn esim(&self, provider_id: &str) -> Result<ProviderEsim, ProviderError> {
        self.wire_esim(provider_id).await
    }

    async fn esim_by_iccid(&self, iccid: &str) -> Result<ProviderEsim, ProviderError> {
        let wanted = iccid.trim();
        let found = self
            .esim_pages()
            .await?
            .into_iter()
            .find(|e| e.iccid().trim() == wanted)
            .ok_or_else(|| ProviderError::not_found(format!("Vellosim: no eSIM {wanted}")))?;
        self.wire_esim(found.id()).await
    }

    async fn top_up_packages(&self, provider_id: &str) -> Result<Vec<Package>, ProviderError> {
        let esim = self.wire_esim(provider_id).await?;
        let base = self.package(&esim.package_code).await?;
        let list: Vec<WirePackage> = self
            .http
            .get(
                "/api/esim/packages",
                &[
                    ("type", "TOPUP"),
                    ("regionCode", &base.destination),
                    ("packageCode", &esim.package_code),
                ],
            )
            .await?;
        Ok(crate::readable(
            "vellosim",
            list.into_iter()
                .map(|w| w.into_package_of(Some(&base.destination))),
        ))
    }

    async fn top_up(
        &self,
        provider_id: &str,
        package_code: &str,
        reference: &str,
    ) -> Result<ProviderEsim, ProviderError> {
        let before = self.wire_esim(provider_id).await?;
        // Vellosim has no idempotency key.
        let body = json!({"packageCode": package_code, "paymentMethod": "WALLET",
                    "packageType": "TOPUP", "esimId": provider_id});
        let bytes = |e: &ProviderEsim| e.total.bytes().unwrap_or(0);
        self.top_ups
            .once(reference, before, bytes, || async {
                self.buy(body).await?;
                self.wire_esim(provider_id).await
            })
            .await
    }

    async fn balance(&self) -> Result<Money, ProviderError> {
        self.http
            .get::<WireBalance>("/api/wallet/balance", &[])
            .await?
            .into_money()
    }
}

impl Vellosim {
    /// The purchases a lost order made, found in `my-esims`: eSIMs created since it was sent
    /// (a minute's clock difference allowed) that no other order holds and that carry its
    /// package, oldest first; empty unless all `quantity` of them are there.
    async fn search_lost(&self, lookup: &OrderLookup) -> Result<Vec<String>, ProviderError> {
        let taken: Vec<String> = self.orders.lock().values().flatten().cloned().collect();
        let mut candidates: Vec<(i64, WireEsim)> = self
            .esim_pages()
            .await?
            .into_iter()
            .filter(|e| {
                ![e.id(), e.iccid()]
                    .iter()
                    .any(|k| lookup.held.iter().chain(&taken).any(|h| h == k))
            })
            .filter_map(|e| Some((e.created_at()?, e)))
            .filter(|(at, _)| *at >= lookup.sent_at - 60)
            .collect();
        candidates.sort_by_key(|(at, _)| *at);
        let mut found = Vec::new();
        for (_, esim) in candidates {
            let code = match esim.package_code() {
                Some(code) => code.to_owned(),
                None => self.wire_esim(esim.id()).await?.package_code,
            };
            if code.eq_ignore_ascii_case(lookup.package_code.trim()) {
                found.push(esim.id().to_owned());
                if found.len() == lookup.quantity.max(1) as usize {
                    return Ok(found);
                }
            }
        }
        Ok(Vec::new())
    }

    /// Every page of `my-esims`, as Vellosim sends them.
    async fn esim_pages(&self) -> Result<Vec<WireEsim>, ProviderError> {
        let mut out = Vec::new();
        let mut page = 1u32;
        loop {
            let number = page.to_string();
            let limit = self.page_size.to_string();
            let list: WireEsimPage = self
                .http
                .get(
                    "/api/esim/my-esims",
                    &[("page", &number), ("limit", &limit)],
                )
                .await?;
            let count = list.esims.len();
            out.extend(list.esims);
            if count == 0 || page >= list.total_pages || page >= 10_000 {
                return Ok(out);
            }
            page += 1;
        }
    }

    /// Every eSIM the merchant has, from [`Vellosim::esim_pages`] (100 per page, the most
    /// Vellosim allows, unless told otherwise). For reconciling and support tools; the
    /// storefront asks per eSIM.
    pub async fn all_esims(&self) -> Result<Vec<ProviderEsim>, ProviderError> {
        self.esim_pages()
            .await?
            .into_iter()
            .map(WireEsim::into_esim)
            .collect()
    }
}
