//! VeloeSIM wholesale (VeloConnect, providers.md §4): `Authorization: Apikey <key>` (or the
//! bare key, as its Apidog pages show), a base URL that differs between its two sites, plans
//! and eSIMs in `{count, rows}` pages walked with `limit`/`offset`, synchronous orders, top-ups
//! as separate plans queued on the eSIM. No cancel and no exchange rates are documented.
//!
//! Plans are listed whole and kept for a minute, since destinations, packages and each eSIM's
//! validity are all read from them.

pub mod wire;

use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use esim_core::{Destination, Money, Package};
use reqwest::header::AUTHORIZATION;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::countries;
use crate::http::{segment, Client, Endpoint, Secret};
use crate::provider::{
    Capabilities, ErrorKind, OrderLookup, OrderRequest, Provider, ProviderError, ProviderEsim,
    ProviderOrder, ProviderOrderState,
};
use crate::TopUpAttempts;
use wire::{WireEsim, WireOrganization, WirePage, WirePlan};

/// The base URL of VeloeSIM's API guide.
pub const BASE_URL: &str = "https://api.veloesim.com:2053/api/wholesale";

/// How the key is sent: `Authorization: Apikey <key>` (its API guide) or the bare key (its
/// Apidog pages); `auth = "apikey"` or `"bare"` in a configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthScheme {
    /// `Authorization: Apikey <key>`, as the API guide says.
    #[default]
    Apikey,
    /// `Authorization: <key>`, as the Apidog pages show.
    Bare,
}

impl AuthScheme {
    /// The `Authorization` header's value for `key`.
    fn header(self, key: &Secret) -> Secret {
        match self {
            AuthScheme::Apikey => Secret::new(format!("Apikey {}", key.expose())),
            AuthScheme::Bare => key.clone(),
        }
    }
}

const PLANS_TTL: Duration = Duration::from_secs(60);

/// The VeloeSIM adapter.
#[derive(Debug)]
pub struct VeloeSim {
    http: Client<wire::Envelope>,
    page_size: u32,
    plans: Mutex<Option<(Instant, Arc<Vec<WirePlan>>)>>,
    /// Days of plans not in the catalogue list (top-ups), by id.
    durations: Mutex<HashMap<i64, u32>>,
    /// Our order reference → the ICCIDs it bought, and what they cost.
    orders: Mutex<HashMap<String, (Vec<String>, Money)>>,
    top_ups: TopUpAttempts,
}

impl VeloeSim {
    /// An adapter for the API at `endpoint`, sending `key` by `scheme`.
    pub fn new(
        endpoint: &Endpoint,
        key: Secret,
        scheme: AuthScheme,
    ) -> Result<VeloeSim, ProviderError> {
        Ok(VeloeSim {
            http: Client::new(endpoint, AUTHORIZATION, scheme.header(&key), &[&key])?,
            page_size: 100,
            plans: Mutex::new(None),
            durations: Mutex::new(HashMap::new()),
            orders: Mutex::new(HashMap::new()),
            top_ups: TopUpAttempts::default(),
        })
    }

    /// Changes how many rows are asked for per page.
    pub fn with_page_size(mut self, size: u32) -> VeloeSim {
        self.page_size = size.max(1);
        self
    }

    /// Walks `{count, rows}` pages with `limit`/`offset` to the end.
    async fn all<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, ProviderError> {
        let mut rows = Vec::new();
        let limit = self.page_size.to_string();
        loop {
            let offset = rows.len().to_string();
            let page: WirePage<T> = self
                .http
                .get(path, &[("limit", &limit), ("offset", &offset)])
                .await?;
            let got = page.rows.len();
            rows.extend(page.rows);
            if got == 0 || rows.len() as u64 >= page.count || rows.len() >= 100_000 {
                return Ok(rows);
            }
        }
    }

    /// Every eSIM the merchant has, walking `/esims` to its last page (for reconciling and
    /// support tools; the storefront asks per eSIM).
    pub async fn all_esims(&self) -> Result<Vec<ProviderEsim>, ProviderError> {
        let mut out = Vec::new();
        for esim in self.all::<WireEsim>("/esims").await? {
            out.push(self.convert(esim).await?);
        }
        Ok(out)
    }

    /// Every plan, from the last minute's list if there is one.
    async fn plans(&self) -> Result<Arc<Vec<WirePlan>>, ProviderError> {
        if let Some((at, plans)) = self.plans.lock().as_ref() {
            if at.elapsed() < PLANS_TTL {
                return Ok(plans.clone());
            }
        }
        let plans = Arc::new(self.all::<WirePlan>("/plans").await?);
        *self.plans.lock() = Some((Instant::now(), plans.clone()));
        Ok(plans)
    }

    async fn wire_esim(&self, iccid: &str) -> Result<ProviderEsim, ProviderError> {
        let iccid = segment("eSIM", iccid)?;
        let esim: WireEsim = self.http.get(&format!("/esims/{iccid}"), &[]).await?;
        self.convert(esim).await
    }

    /// Converts an eSIM, reading each assigned plan's validity from the catalogue, or for a
    /// top-up from `GET /plans/{id}` once.
    async fn convert(&self, esim: WireEsim) -> Result<ProviderEsim, ProviderError> {
        let plans = self.plans().await.unwrap_or_default();
        for id in esim.assigned_plans.iter().filter_map(|p| p.plan_id) {
            let known = plans.iter().any(|p| p.id == id) || self.durations.lock().contains_key(&id);
            if !known {
                if let Ok(plan) = self
                    .http
                    .get::<WirePlan>(&format!("/plans/{id}"), &[])
                    .await
                {
                    self.durations.lock().insert(id, plan.duration);
                }
            }
        }
        let durations = self.durations.lock().clone();
        esim.into_esim(|id| {
            plans
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.duration)
                .or_else(|| durations.get(&id).copied())
        })
    }

    fn plan_id(code: &str) -> Result<i64, ProviderError> {
        code.trim()
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| ProviderError::not_found(format!("no VeloeSIM plan {code:?}")))
    }
}

#[async_trait]
impl Provider for VeloeSim {
    fn name(&self) -> &'static str {
        "veloesim"
    }

    fn capabilities(&self) -> Capabilities {
        // Its eSIM list carries no reference of ours and no time of purchase.
        Capabilities::COMMON
    }

    async fn destinations(&self) -> Result<Vec<Destination>, ProviderError> {
        let plans = self.plans().await?;
        Ok(countries::distinct(
            plans
                .iter()
                .filter_map(|plan| plan.destination())
                .map(|(code, name, kind)| countries::destination(code, name, kind)),
        ))
    }

    async fn packages(&self, destination: &str) -> Result<Vec<Package>, ProviderError> {
        let wanted = destination.trim();
        let plans = self.plans().await?;
        Ok(crate::readable(
            "veloesim",
            plans
                .iter()
                .filter(|p| {
                    p.destination()
                        .is_some_and(|(code, _, _)| code.eq_ignore_ascii_case(wanted))
                })
                .map(|p| p.clone().into_package(true)),
        ))
    }

    async fn package(&self, code: &str) -> Result<Package, ProviderError> {
        let id = VeloeSim::plan_id(code)?;
        if let Some(plan) = self.plans().await?.iter().find(|p| p.id == id) {
            return plan.clone().into_package(true);
        }
        self.http
            .get::<WirePlan>(&format!("/plans/{id}"), &[])
            .await?
            .into_package(true)
    }

    async fn order(&self, request: &OrderRequest) -> Result<ProviderOrder, ProviderError> {
        if let Some(done) = self.find_order(&request.reference).await? {
            return Ok(done);
        }
        let plan = self.package(&request.package_code).await?;
        let id = VeloeSim::plan_id(&plan.code)?;
        let mut esims = Vec::new();
        let mut failure = None;
        for _ in 0..request.quantity.max(1) {
            let bought: Result<WireEsim, _> = self
                .http
                .call(
                    self.http
                        .purchase(Method::POST, "/orders")
                        .json(&json!({"planId": id})),
                )
                .await;
            match bought {
                Ok(esim) => {
                    let mut esim = self.convert(esim).await?;
                    // The orderOne example names no `planId`: the new eSIM holds the one
                    // plan asked for.
                    if esim.package_code.is_empty() {
                        esim.package_code = plan.code.clone();
                        esim.validity = esim.validity.or(Some(plan.validity));
                    }
                    esims.push(esim);
                    let iccids = esims.iter().map(|e| e.iccid.clone()).collect();
                    let cost = plan.price.checked_mul(esims.len() as u32).map_err(|e| {
                        ProviderError::new(ErrorKind::MalformedResponse, e.to_string())
                    })?;
                    self.orders
                        .lock()
                        .insert(request.reference.clone(), (iccids, cost));
                }
                Err(e) if esims.is_empty() => return Err(e),
                Err(e) => {
                    failure = Some(e.message);
                    break;
                }
            }
        }
        let cost = plan
            .price
            .checked_mul(esims.len() as u32)
            .map_err(|e| ProviderError::new(ErrorKind::MalformedResponse, e.to_string()))?;
        Ok(ProviderOrder {
            reference: request.reference.clone(),
            provider_order_id: esims
                .iter()
                .map(|e| e.iccid.as_str())
                .collect::<Vec<_>>()
                .join(","),
            state: match failure {
                None => ProviderOrderState::Completed,
                Some(why) => ProviderOrderState::Failed(format!(
                    "only {} of {} eSIMs bought: {why}",
                    esims.len(),
                    request.quantity
                )),
            },
            cost,
            esims,
        })
    }

    async fn find_order(&self, reference: &str) -> Result<Option<ProviderOrder>, ProviderError> {
        let Some((iccids, cost)) = self.orders.lock().get(reference).cloned() else {
            return Ok(None);
        };
        let mut esims = Vec::new();
        for iccid in &iccids {
            esims.push(self.wire_esim(iccid).await?);
        }
        Ok(Some(ProviderOrder::of_ids(reference, &iccids, cost, esims)))
    }

    async fn recover_from_records(
        &self,
        lookup: &OrderLookup,
    ) -> Result<Option<ProviderOrder>, ProviderError> {
        // Bought before, perhaps by an earlier run: its eSIMs, as the proxy stored them.
        let iccids = lookup.provider_ids();
        if iccids.is_empty() {
            return Ok(None);
        }
        let plan = self.package(&lookup.package_code).await?;
        let cost = plan
            .price
            .checked_mul(iccids.len() as u32)
            .map_err(|e| ProviderError::new(ErrorKind::MalformedResponse, e.to_string()))?;
        self.orders
            .lock()
            .insert(lookup.reference.clone(), (iccids, cost));
        self.find_order(&lookup.reference).await
    }

    async fn esim(&self, provider_id: &str) -> Result<ProviderEsim, ProviderError> {
        self.wire_esim(provider_id).await
    }

    async fn top_up_packages(&self, provider_id: &str) -> Result<Vec<Package>, ProviderError> {
        let iccid = segment("eSIM", provider_id)?;
        let plans = self
            .all::<WirePlan>(&format!("/esims/{iccid}/top-up"))
            .await?;
        self.durations
            .lock()
            .extend(plans.iter().map(|p| (p.id, p.duration)));
        Ok(crate::readable(
            "veloesim",
            plans.into_iter().map(|p| p.into_package(true)),
        ))
    }

    async fn top_up(
        &self,
        provider_id: &str,
        package_code: &str,
        reference: &str,
    ) -> Result<ProviderEsim, ProviderError> {
        let iccid = segment("eSIM", provider_id)?;
        let id = VeloeSim::plan_id(package_code)?;
        let before: WireEsim = self.http.get(&format!("/esims/{iccid}"), &[]).await?;
        // No idempotency key: a top-up adds a plan to the eSIM.
        let plans = |e: &WireEsim| e.assigned_plans.len() as u64;
        let after = self
            .top_ups
            .once(reference, before, plans, || {
                self.http.call(
                    self.http
                        .purchase(Method::POST, &format!("/esims/{iccid}/top-up"))
                        .json(&json!({"planId": id})),
                )
            })
            .await?;
        self.convert(after).await
    }

    async fn balance(&self) -> Result<Money, ProviderError> {
        self.http
            .get::<WireOrganization>("/organizations", &[])
            .await?
            .into_money()
    }
}
