//! VeloeSIM's (VeloConnect's) wire format (providers.md §4): bare objects, `{count, rows}`
//! pages, plans in decimal megabytes with a price in (inferred) dollars and a duration in
//! days, eSIMs with one assigned plan ("bucket") per purchase whose quantities are bytes.
//! Errors are undocumented: any JSON body's `message` or `error` is read, and the HTTP status
//! decides.

use std::time::Duration;

use esim_core::{
    parse_timestamp, ActivationCode, Currency, DestinationKind, EsimStatus, Money, Network,
    Package, Validity, Volume,
};
use serde::Deserialize;
use serde_json::Value;

use crate::countries;
use crate::http::{kind_of_status, Dialect};
use crate::provider::{ErrorKind, ProviderError, ProviderEsim};
use crate::vocab::{self, PlanBucket};

/// Bare answers; errors are undocumented, so any `message`, `error` or `detail` is read.
pub struct Envelope;

impl Dialect for Envelope {
    const NAME: &'static str = "VeloeSIM";

    fn error(
        status: u16,
        value: &Value,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> ProviderError {
        let message = ["message", "error", "detail"]
            .iter()
            .find_map(|k| match value.get(*k) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Array(list)) => Some(
                    list.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                _ => None,
            })
            .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned());
        let lower = message.to_ascii_lowercase();
        let kind = if lower.contains("insufficient") || lower.contains("balance") {
            ErrorKind::InsufficientBalance
        } else if status == 400 && lower.contains("not found") {
            ErrorKind::NotFound
        } else {
            kind_of_status(status, retry_after)
        };
        ProviderError::new(kind, format!("VeloeSIM {status}: {}", message.trim()))
    }
}

/// `{count, rows}`.
#[derive(Debug, Deserialize)]
pub struct WirePage<T> {
    #[serde(default)]
    pub count: u64,
    pub rows: Vec<T>,
}

/// A plan.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WirePlan {
    pub id: i64,
    /// Decimal megabytes (1000 = 1,000,000,000 bytes).
    pub data_amount: u64,
    /// Days.
    pub duration: u32,
    pub price: Value,
    #[serde(default)]
    pub areas: Vec<WireArea>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireArea {
    pub name: Option<String>,
    pub region: Option<String>,
    pub iso: Option<String>,
    #[serde(default)]
    pub networks: Vec<WireNetwork>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireNetwork {
    name: Option<String>,
    brand_name: Option<String>,
    #[serde(default)]
    speed: Vec<String>,
}

impl WirePlan {
    /// The countries covered, by ISO code, sorted.
    fn countries(&self) -> Vec<String> {
        let mut isos: Vec<String> = self
            .areas
            .iter()
            .filter_map(|a| a.iso.as_deref())
            .map(|i| i.trim().to_ascii_uppercase())
            .filter(|i| i.len() == 2 && i.bytes().all(|b| b.is_ascii_uppercase()))
            .collect();
        isos.sort();
        isos.dedup();
        isos
    }

    /// Where the plan is sold: its one country; its areas' shared region; global otherwise.
    pub fn destination(&self) -> Option<(String, String, DestinationKind)> {
        let countries = self.countries();
        if countries.len() == 1 {
            let name = self.areas.iter().find_map(|a| a.name.clone());
            return countries::country(&countries[0], name.as_deref())
                .map(|d| (d.code, d.name, DestinationKind::Country));
        }
        if countries.is_empty() {
            return None;
        }
        let mut regions: Vec<&str> = self
            .areas
            .iter()
            .filter_map(|a| a.region.as_deref())
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .collect();
        regions.sort_unstable();
        regions.dedup();
        match regions.as_slice() {
            [one] => Some((
                countries::slug(one),
                (*one).to_owned(),
                DestinationKind::Region,
            )),
            _ => Some(("global".into(), "Global".into(), DestinationKind::Global)),
        }
    }

    /// The price in US dollars (VeloeSIM states no currency; its account is in dollars).
    pub fn price(&self) -> Result<Money, ProviderError> {
        let text = match &self.price {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.trim().to_owned(),
            _ => {
                return Err(ProviderError::malformed(format!(
                    "VeloeSIM plan {} has no price",
                    self.id
                )))
            }
        };
        Money::parse_major(&text, Currency::USD).map_err(|_| {
            ProviderError::malformed(format!("VeloeSIM plan {}: price {text:?}", self.id))
        })
    }

    /// The plan's data.
    pub fn data(&self) -> Result<Volume, ProviderError> {
        Volume::from_megabytes_decimal(self.data_amount).map_err(|_| {
            ProviderError::malformed(format!("VeloeSIM plan {}: data too large", self.id))
        })
    }

    /// Converts to the core's package at wholesale cost; `top_up` says whether top-ups exist.
    pub fn into_package(self, top_up: bool) -> Result<Package, ProviderError> {
        let (destination, place, kind) = self.destination().ok_or_else(|| {
            ProviderError::malformed(format!("VeloeSIM plan {} covers no country", self.id))
        })?;
        let data = self.data()?;
        let price = self.price()?;
        let countries = self.countries();
        let mut networks = Vec::new();
        for area in &self.areas {
            let Some(iso) = area.iso.as_deref().map(|i| i.trim().to_ascii_uppercase()) else {
                continue;
            };
            for network in &area.networks {
                let Some(operator) = network
                    .brand_name
                    .clone()
                    .or_else(|| network.name.clone())
                    .filter(|n| !n.trim().is_empty())
                else {
                    continue;
                };
                let mut types: Vec<String> = network
                    .speed
                    .iter()
                    .map(|s| s.trim().to_ascii_uppercase())
                    .filter(|s| s.len() == 2 && s.ends_with('G'))
                    .collect();
                types.dedup();
                networks.push(Network {
                    country: iso.clone(),
                    operator,
                    types,
                });
            }
        }
        // The provider's own gigabytes are decimal: 5000 MB is its "5GB".
        let amount = if self.data_amount.is_multiple_of(1000) {
            format!("{}GB", self.data_amount / 1000)
        } else {
            format!("{}MB", self.data_amount)
        };
        Ok(Package {
            code: self.id.to_string(),
            title: format!("{place} {amount} {} days", self.duration),
            destination,
            kind,
            countries,
            data,
            validity: Validity::days(self.duration),
            price,
            networks,
            top_up,
            description: None,
        })
    }
}

/// An eSIM.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireEsim {
    pub iccid: String,
    matching_id: Option<String>,
    smdp_address: Option<String>,
    profile_status: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient_text")]
    installed_at: Option<String>,
    #[serde(default)]
    pub assigned_plans: Vec<WireAssignedPlan>,
}

/// One purchase on the eSIM: the first plan, or a top-up queued after it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireAssignedPlan {
    pub plan_id: Option<i64>,
    initial_quantity_in_bytes: u64,
    remaining_quantity_in_bytes: u64,
    #[serde(default, deserialize_with = "crate::http::lenient_text")]
    start_time: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient_text")]
    end_time: Option<String>,
    #[serde(default)]
    is_expired: bool,
}

impl WireEsim {
    /// Converts to the provider-neutral eSIM; `days` gives a plan's validity by id, where
    /// known.
    pub fn into_esim(
        self,
        days: impl Fn(i64) -> Option<u32>,
    ) -> Result<ProviderEsim, ProviderError> {
        let iccid = self.iccid.trim().to_owned();
        let bad = |what: &str| ProviderError::malformed(format!("VeloeSIM eSIM {iccid}: {what}"));
        let time = |t: &Option<String>| -> Result<Option<i64>, ProviderError> {
            match t.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                Some(t) => parse_timestamp(t)
                    .map(Some)
                    .map_err(|_| bad("a time cannot be read")),
                None => Ok(None),
            }
        };
        let mut buckets = Vec::new();
        let mut total: u64 = 0;
        let mut used: u64 = 0;
        let mut ends = None;
        // Known only if every plan's is (the orderOne example names no planId).
        let mut validity_days: Option<u32> = Some(0);
        for plan in &self.assigned_plans {
            if plan.remaining_quantity_in_bytes > plan.initial_quantity_in_bytes {
                return Err(bad("a plan has more left than it started with"));
            }
            total = total.saturating_add(plan.initial_quantity_in_bytes);
            used = used
                .saturating_add(plan.initial_quantity_in_bytes - plan.remaining_quantity_in_bytes);
            let start = time(&plan.start_time)?;
            let end = time(&plan.end_time)?;
            if !plan.is_expired {
                ends = ends.max(end);
            }
            validity_days = validity_days
                .zip(plan.plan_id.and_then(&days))
                .map(|(sum, d)| sum.saturating_add(d));
            buckets.push(PlanBucket {
                started: start.is_some(),
                expired: plan.is_expired,
                remaining_bytes: plan.remaining_quantity_in_bytes,
            });
        }
        let installed = time(&self.installed_at)?;
        let raw_profile = self.profile_status.clone().unwrap_or_default();
        let lifecycle = vocab::veloesim(&buckets);
        let profile = vocab::veloesim_profile(&raw_profile, installed.is_some());
        let activation = match (self.smdp_address.as_deref(), self.matching_id.as_deref()) {
            (Some(address), Some(id)) if !address.trim().is_empty() && !id.trim().is_empty() => {
                Some(
                    ActivationCode::from_parts(address.trim(), id.trim())
                        .map_err(|_| bad("its SM-DP+ address or matching id is invalid"))?,
                )
            }
            _ => None,
        };
        Ok(ProviderEsim {
            provider_id: iccid.clone(),
            package_code: self
                .assigned_plans
                .first()
                .and_then(|p| p.plan_id)
                .map(|id| id.to_string())
                .unwrap_or_default(),
            iccid,
            status: EsimStatus::new(
                lifecycle,
                profile,
                format!("{raw_profile}/{} plans", buckets.len()),
            ),
            activation,
            apn: None,
            total: Volume::Bytes(total),
            used: Some(used),
            usage_updated_at: None,
            validity: validity_days.filter(|d| *d > 0).map(Validity::days),
            expires_at: ends,
            history: Vec::new(),
        })
    }
}

/// `GET /organizations`: the merchant's balance, in (inferred) dollars.
#[derive(Debug, Deserialize)]
pub struct WireOrganization {
    balance: Value,
}

impl WireOrganization {
    /// The balance in US dollars.
    pub fn into_money(self) -> Result<Money, ProviderError> {
        let text = match &self.balance {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.trim().to_owned(),
            _ => {
                return Err(ProviderError::malformed(
                    "VeloeSIM's balance is not a number",
                ))
            }
        };
        Money::parse_major(&text, Currency::USD).map_err(|_| {
            ProviderError::malformed(format!("VeloeSIM's balance {text:?} cannot be read"))
        })
    }
}

#[cfg(test)]
mod tests;
