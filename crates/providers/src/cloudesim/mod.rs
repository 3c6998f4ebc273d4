//! CloudeSIM (providers.md §2): `Authorization: Bearer`, `https://api.cloud-esim.com/api/v1`,
//! every call but the balance a JSON POST.
//!
//! Its documentation is one page; the adapter follows it and accepts what the eSIM Access API
//! underneath sends too (see [`wire`]). No idempotency key is documented, so the adapter
//! remembers which order each reference made; eSIMs still being allocated (an empty
//! `esimList`, or eSIM Access's error 200010) are asked about again with backoff.

pub mod wire;

use parking_lot::Mutex;
use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use esim_core::{ActivationCode, Destination, DestinationKind, Lifecycle, Money, Package};
use reqwest::header::AUTHORIZATION;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::countries;
use crate::http::{Backoff, Client, Endpoint, Secret};
use crate::provider::{
    Capabilities, ErrorKind, OrderLookup, OrderRequest, Provider, ProviderError, ProviderEsim,
    ProviderOrder, ProviderOrderState,
};
use crate::TopUpAttempts;
pub use wire::Units;
use wire::{WireBalance, WireEsimList, WireOrder, WireOrderNo, WirePackageList};

/// The documented base URL.
pub const BASE_URL: &str = "https://api.cloud-esim.com/api/v1";

/// An order this adapter placed: CloudeSIM's number, how many eSIMs, what it cost.
#[derive(Debug, Clone)]
struct Placed {
    order_no: String,
    quantity: u32,
    cost: Money,
    /// Activation codes from the order's answer, by ICCID.
    codes: HashMap<String, ActivationCode>,
}

/// The CloudeSIM adapter.
#[derive(Debug)]
pub struct CloudeSim {
    http: Client<wire::Envelope>,
    units: Units,
    allocation: Backoff,
    orders: Mutex<HashMap<String, Placed>>,
    top_ups: TopUpAttempts,
}

const ALLOCATING: &str = "CloudeSIM: the eSIMs are still being allocated";

impl CloudeSim {
    /// An adapter for the API at `endpoint` with the bearer `token`, reading numbers in
    /// `units`.
    pub fn new(
        endpoint: &Endpoint,
        token: Secret,
        units: Units,
    ) -> Result<CloudeSim, ProviderError> {
        Ok(CloudeSim {
            http: Client::new(
                endpoint,
                AUTHORIZATION,
                Secret::new(format!("Bearer {}", token.expose())),
                &[&token],
            )?,
            units,
            allocation: Backoff {
                attempts: 5,
                first_delay: Duration::from_millis(500),
            },
            orders: Mutex::new(HashMap::new()),
            top_ups: TopUpAttempts::default(),
        })
    }

    /// Changes how patiently eSIMs still being allocated are asked about again.
    pub fn with_allocation_backoff(mut self, backoff: Backoff) -> CloudeSim {
        self.allocation = backoff;
        self
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, ProviderError> {
        self.send(self.http.request(method, path), body).await
    }

    /// A purchase or a top-up: a POST given the purchase timeout.
    async fn buy<T: DeserializeOwned>(&self, path: &str, body: Value) -> Result<T, ProviderError> {
        self.send(self.http.purchase(Method::POST, path), Some(body))
            .await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        body: Option<Value>,
    ) -> Result<T, ProviderError> {
        let mut request = request;
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.http.call(request).await
    }

    async fn post<T: DeserializeOwned>(&self, path: &str, body: Value) -> Result<T, ProviderError> {
        self.call(Method::POST, path, Some(body)).await
    }

    async fn list(&self, filter: Value) -> Result<Vec<wire::WirePackage>, ProviderError> {
        Ok(self
            .post::<WirePackageList>("/packages", filter)
            .await?
            .package_list)
    }

    async fn query(&self, filter: Value) -> Result<Vec<ProviderEsim>, ProviderError> {
        let list: WireEsimList = self.post("/esim/query", filter).await?;
        let mut esims: Vec<ProviderEsim> = list
            .esim_list
            .into_iter()
            .map(|e| e.into_esim(self.units))
            .collect::<Result<_, _>>()?;
        // The documented query has no activation code: the order's answer had it.
        let orders = self.orders.lock();
        for esim in esims.iter_mut().filter(|e| e.activation.is_none()) {
            esim.activation = orders
                .values()
                .find_map(|placed| placed.codes.get(&esim.iccid))
                .cloned();
        }
        Ok(esims)
    }

    /// An order's eSIMs once every one is allocated, asking again with backoff; `None` if
    /// they are still being allocated after every look.
    async fn allocated(&self, placed: &Placed) -> Result<Option<Vec<ProviderEsim>>, ProviderError> {
        let still = |e: &ProviderError| e.message == ALLOCATING || e.message.contains(" 200010:");
        let result = self
            .allocation
            .run(
                || async {
                    let esims = self.query(json!({"orderNo": placed.order_no})).await?;
                    let ready = esims.len() >= placed.quantity as usize
                        && esims.iter().all(|e| {
                            e.activation.is_some() && e.status.lifecycle != Lifecycle::Pending
                        });
                    if ready {
                        Ok(esims)
                    } else {
                        Err(ProviderError::new(ErrorKind::Unavailable, ALLOCATING))
                    }
                },
                still,
            )
            .await;
        match result {
            Ok(esims) => Ok(Some(esims)),
            Err(e) if still(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn order_of(
        &self,
        reference: &str,
        placed: &Placed,
    ) -> Result<ProviderOrder, ProviderError> {
        let (state, esims) = match self.allocated(placed).await? {
            Some(esims) => (ProviderOrderState::Completed, esims),
            None => (ProviderOrderState::Pending, Vec::new()),
        };
        Ok(ProviderOrder {
            reference: reference.to_owned(),
            provider_order_id: placed.order_no.clone(),
            state,
            cost: placed.cost,
            esims,
        })
    }
}

/// Names for the region codes CloudeSIM and eSIM Access use.
fn region_name(code: &str) -> String {
    match code {
        "EU" => "Europe".into(),
        "GL" | "GLOBAL" => "Global".into(),
        "AS" => "Asia".into(),
        "NA" => "North America".into(),
        "SA" => "South America".into(),
        "AF" => "Africa".into(),
        "ME" => "Middle East".into(),
        other => other.into(),
    }
}

#[async_trait]
impl Provider for CloudeSim {
    fn name(&self) -> &'static str {
        "cloudesim"
    }

    fn capabilities(&self) -> Capabilities {
        // No reference of ours is taken, and eSIMs are queried by ICCID or order number.
        Capabilities {
            cancel: true,
            ..Capabilities::COMMON
        }
    }

    async fn destinations(&self) -> Result<Vec<Destination>, ProviderError> {
        let list = self.list(json!({"type": "BASE"})).await?;
        let packages = crate::readable(
            "cloudesim",
            list.into_iter()
                .filter(|p| !p.is_top_up())
                .map(|p| p.into_package(self.units)),
        );
        let mut skipped = std::collections::HashSet::new();
        Ok(countries::distinct(packages.into_iter().filter_map(
            |package| {
                let destination = match package.kind {
                    DestinationKind::Country => countries::country(&package.destination, None),
                    kind => Some(countries::destination(
                        package.destination.clone(),
                        region_name(&package.destination),
                        kind,
                    )),
                };
                if destination.is_none() && skipped.insert(package.destination.clone()) {
                    tracing::warn!(code = %package.destination, "CloudeSIM location not in the country table; skipped");
                }
                destination
            },
        )))
    }

    async fn packages(&self, destination: &str) -> Result<Vec<Package>, ProviderError> {
        let wanted = destination.trim().to_ascii_uppercase();
        let list = self
            .list(json!({"locationCode": wanted, "type": "BASE"}))
            .await?;
        let mut out = crate::readable(
            "cloudesim",
            list.into_iter()
                .filter(|p| !p.is_top_up())
                .map(|p| p.into_package(self.units)),
        );
        // The filter is the provider's; keep only what it really sells there.
        out.retain(|p| p.destination == wanted);
        Ok(out)
    }

    async fn package(&self, code: &str) -> Result<Package, ProviderError> {
        let code = code.trim();
        self.list(json!({"packageCode": code}))
            .await?
            .into_iter()
            .map(|p| p.into_package(self.units))
            .find(|p| p.as_ref().map_or(true, |p| p.code == code))
            .unwrap_or_else(|| Err(ProviderError::not_found(format!("no package {code}"))))
    }

    async fn order(&self, request: &OrderRequest) -> Result<ProviderOrder, ProviderError> {
        if let Some(done) = self.find_order(&request.reference).await? {
            return Ok(done);
        }
        let package = self.package(&request.package_code).await?;
        let cost = package
            .price
            .checked_mul(request.quantity.max(1))
            .map_err(|e| ProviderError::new(ErrorKind::InvalidRequest, e.to_string()))?;
        let order: WireOrder = self
            .buy(
                "/esim/order",
                json!({"packageCode": package.code, "quantity": request.quantity.max(1)}),
            )
            .await?;
        let placed = Placed {
            order_no: order.order_no,
            quantity: request.quantity.max(1),
            cost,
            codes: order.esim_list.iter().filter_map(|e| e.issued()).collect(),
        };
        self.orders
            .lock()
            .insert(request.reference.clone(), placed.clone());
        self.order_of(&request.reference, &placed).await
    }

    async fn find_order(&self, reference: &str) -> Result<Option<ProviderOrder>, ProviderError> {
        let Some(placed) = self.orders.lock().get(reference).cloned() else {
            return Ok(None);
        };
        let esims = match self.query(json!({"orderNo": placed.order_no})).await {
            Ok(esims) => esims,
            Err(e) if e.message.contains(" 200010:") => Vec::new(),
            Err(e) => return Err(e),
        };
        let complete = esims.len() >= placed.quantity as usize
            && esims
                .iter()
                .all(|e| e.activation.is_some() && e.status.lifecycle != Lifecycle::Pending);
        Ok(Some(ProviderOrder {
            reference: reference.to_owned(),
            provider_order_id: placed.order_no.clone(),
            state: if complete {
                ProviderOrderState::Completed
            } else {
                ProviderOrderState::Pending
            },
            cost: placed.cost,
            esims: if complete { esims } else { Vec::new() },
        }))
    }

    async fn recover_from_records(
        &self,
        lookup: &OrderLookup,
    ) -> Result<Option<ProviderOrder>, ProviderError> {
        // Accepted before, perhaps by an earlier run: asked about by its order number.
        let Some(order_no) = lookup.provider_order_id.clone() else {
            return Ok(None);
        };
        let cost = self
            .package(&lookup.package_code)
            .await?
            .price
            .checked_mul(lookup.quantity.max(1))
            .map_err(|e| ProviderError::new(ErrorKind::MalformedResponse, e.to_string()))?;
        let placed = Placed {
            order_no,
            quantity: lookup.quantity.max(1),
            cost,
            codes: HashMap::new(),
        };
        self.orders.lock().insert(lookup.reference.clone(), placed);
        self.find_order(&lookup.reference).await
    }

    async fn esim(&self, provider_id: &str) -> Result<ProviderEsim, ProviderError> {
        self.query(json!({"iccid": provider_id}))
            .await?
            .into_iter()
            .find(|e| e.iccid == provider_id)
            .ok_or_else(|| ProviderError::not_found(format!("CloudeSIM: no eSIM {provider_id}")))
    }

    async fn top_up_packages(&self, provider_id: &str) -> Result<Vec<Package>, ProviderError> {
        let list = self
            .list(json!({"type": "TOPUP", "iccid": provider_id}))
            .await?;
        Ok(crate::readable(
            "cloudesim",
            list.into_iter().map(|p| p.into_package(self.units)),
        ))
    }

    async fn top_up(
        &self,
        provider_id: &str,
        package_code: &str,
        reference: &str,
    ) -> Result<ProviderEsim, ProviderError> {
        let before = self.esim(provider_id).await?;
        // No idempotency key is documented.
        let body = json!({"iccid": provider_id, "packageCode": package_code, "quantity": 1});
        let bytes = |e: &ProviderEsim| e.total.bytes().unwrap_or(0);
        self.top_ups
            .once(reference, before, bytes, || async {
                let _: WireOrderNo = self.buy("/esim/topup", body).await?;
                self.esim(provider_id).await
            })
            .await
    }

    async fn cancel(&self, provider_id: &str) -> Result<ProviderEsim, ProviderError> {
        let _: WireOrderNo = self
            .post("/esim/cancel", json!({"iccid": provider_id}))
            .await?;
        self.esim(provider_id).await
    }

    async fn balance(&self) -> Result<Money, ProviderError> {
        self.call::<WireBalance>(Method::GET, "/account/balance", None)
            .await?
            .into_money(self.units)
    }
}
