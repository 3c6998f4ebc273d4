//! PressOne's wire format (providers.md §5, SEED 004), an Airalo Partner API (§6) behind its
//! own `{success, code, message, data:{data}}` wrapper. Every reader also accepts Airalo's
//! `{data, meta}`, lists sent as objects keyed by index (Airalo's page 2 and later), prices as
//! numbers or strings, volumes in binary megabytes with `is_unlimited`, lowercase or uppercase
//! status words, and times with or without a zone.

use std::time::Duration;

use esim_core::api::PackageUse;
use esim_core::{
    parse_timestamp, ActivationCode, Currency, DestinationKind, Lifecycle, Money, Network, Package,
    Validity, Volume,
};
use serde::Deserialize;
use serde_json::Value;

use crate::http::{kind_of_status, Dialect};
use crate::provider::{ErrorKind, ProviderError};

/// Unwraps `{success, code, message, data}` and then a `{data: …}` inside it, and turns an
/// object keyed "0", "1", … back into the list it stands for.
fn payload(value: Value) -> Value {
    let mut value = match value {
        Value::Object(mut map) if map.contains_key("data") => {
            map.remove("data").unwrap_or_default()
        }
        other => other,
    };
    if let Value::Object(map) = &mut value {
        if map.contains_key("data")
            && map
                .keys()
                .all(|k| matches!(k.as_str(), "data" | "meta" | "links" | "pricing"))
        {
            value = map.remove("data").unwrap_or_default();
        }
    }
    indexed_list(value)
}

fn indexed_list(value: Value) -> Value {
    match value {
        Value::Object(map) if !map.is_empty() && map.keys().all(|k| k.parse::<usize>().is_ok()) => {
            let mut entries: Vec<(usize, Value)> = map
                .into_iter()
                .filter_map(|(k, v)| k.parse().ok().map(|k| (k, v)))
                .collect();
            entries.sort_by_key(|(k, _)| *k);
            Value::Array(entries.into_iter().map(|(_, v)| v).collect())
        }
        other => other,
    }
}

/// PressOne's envelope around Airalo's; `success: false` is an error.
pub struct Envelope;

impl Dialect for Envelope {
    const NAME: &'static str = "PressOne";

    fn payload(value: Value) -> Result<Value, ProviderError> {
        if value.get("success").and_then(Value::as_bool) == Some(false) {
            return Err(error_of(200, &value, None));
        }
        Ok(payload(value))
    }

    fn error(status: u16, value: &Value, _: &[u8], retry_after: Option<Duration>) -> ProviderError {
        error_of(status, value, retry_after)
    }
}

/// Reads the pagination of a list answer: (current page, last page), when stated.
pub fn pages(body: &[u8]) -> Option<(u64, u64)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let inner = value
        .get("data")
        .filter(|d| d.get("meta").is_some())
        .unwrap_or(&value);
    let meta = inner.get("meta")?;
    let number = |v: &Value| v.as_u64().or_else(|| v.as_str()?.parse().ok());
    Some((
        number(meta.get("current_page")?)?,
        number(meta.get("last_page")?)?,
    ))
}

/// Airalo's numeric codes (in `code`, or PressOne's `Code` under `data`) first, PressOne's
/// string codes second, the HTTP status last.
fn error_of(status: u16, value: &Value, retry_after: Option<Duration>) -> ProviderError {
    let detail = value.get("data").filter(|d| d.is_object()).unwrap_or(value);
    let numeric = ["Code", "code"].iter().find_map(|k| {
        let v = detail.get(*k)?;
        v.as_u64().or_else(|| v.as_str()?.trim().parse().ok())
    });
    let word = value
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_uppercase();
    let message = [
        detail.get("Reason"),
        detail.get("reason"),
        value.get("message"),
    ]
    .into_iter()
    .flatten()
    .find_map(Value::as_str)
    .unwrap_or("no message")
    .to_owned();
    let kind = match numeric {
        Some(11) => ErrorKind::InsufficientBalance,
        Some(13 | 53) => ErrorKind::Unavailable,
        Some(23 | 73) => ErrorKind::NotAllowed,
        Some(33 | 34) => ErrorKind::NotFound,
        Some(14 | 43) => ErrorKind::InvalidRequest,
        Some(89) => ErrorKind::Unauthorized,
        _ if word.contains("INSUFFICIENT") => ErrorKind::InsufficientBalance,
        _ if word.contains("UNAUTH") => ErrorKind::Unauthorized,
        _ if word.contains("NOT_FOUND") => ErrorKind::NotFound,
        _ if word.contains("TOO_MANY") => ErrorKind::RateLimited { retry_after },
        _ if (200..300).contains(&status) => ErrorKind::InvalidRequest,
        _ => kind_of_status(status, retry_after),
    };
    let code = numeric.map_or(word, |n| n.to_string());
    ProviderError::new(kind, format!("PressOne {status} {code}: {message}"))
}

fn number_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// `POST /customer/v2/token`.
#[derive(Debug, Deserialize)]
pub struct WireToken {
    pub access_token: String,
    pub expires_in: Option<u64>,
}

/// One destination's entry in `GET /customer/v2/packages`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireDestination {
    pub slug: String,
    pub country_code: Option<String>,
    pub title: Option<String>,
    #[serde(default)]
    pub operators: Vec<WireOperator>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireOperator {
    title: Option<String>,
    #[serde(default)]
    countries: Vec<WireCountry>,
    #[serde(default)]
    coverages: Vec<WireCoverage>,
    rechargeability: Option<bool>,
    #[serde(default)]
    pub packages: Vec<WirePackage>,
}

#[derive(Debug, Clone, Deserialize)]
struct WireCountry {
    country_code: String,
}

#[derive(Debug, Clone, Deserialize)]
struct WireCoverage {
    name: String,
    #[serde(default)]
    networks: Vec<WireNetwork>,
}

#[derive(Debug, Clone, Deserialize)]
struct WireNetwork {
    name: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

/// A package (a plan or a top-up).
#[derive(Debug, Clone, Deserialize)]
pub struct WirePackage {
    pub id: String,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    price: Option<Value>,
    net_price: Option<Value>,
    /// Binary megabytes; 0 with `is_unlimited`.
    amount: Option<Value>,
    day: Option<u32>,
    #[serde(default)]
    is_unlimited: bool,
    title: Option<String>,
    short_info: Option<String>,
}

impl WirePackage {
    /// Whether this is a top-up.
    pub fn is_top_up(&self) -> bool {
        self.kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case("topup"))
    }

    /// Its data.
    pub fn data(&self) -> Result<Volume, ProviderError> {
        if self.is_unlimited {
            return Ok(Volume::Unlimited);
        }
        let mb = self
            .amount
            .as_ref()
            .and_then(number_text)
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or_else(|| {
                ProviderError::malformed(format!("PressOne package {}: no amount", self.id))
            })?;
        Volume::from_megabytes_binary(mb).map_err(|_| {
            ProviderError::malformed(format!("PressOne package {}: amount too large", self.id))
        })
    }

    /// Its validity.
    pub fn validity(&self) -> Result<Validity, ProviderError> {
        self.day.map(Validity::days).ok_or_else(|| {
            ProviderError::malformed(format!("PressOne package {}: no validity", self.id))
        })
    }

    /// What the merchant pays: `net_price`, else `price`, in dollars.
    pub fn cost(&self) -> Result<Money, ProviderError> {
        let text = self
            .net_price
            .as_ref()
            .or(self.price.as_ref())
            .and_then(number_text)
            .ok_or_else(|| {
                ProviderError::malformed(format!("PressOne package {}: no price", self.id))
            })?;
        Money::parse_major(&text, Currency::USD).map_err(|_| {
            ProviderError::malformed(format!("PressOne package {}: price {text:?}", self.id))
        })
    }

    /// The package as a history entry.
    pub fn as_use(&self, added_at: i64) -> Result<PackageUse, ProviderError> {
        Ok(PackageUse {
            package_code: self.id.clone(),
            title: self.title.clone().unwrap_or_else(|| self.id.clone()),
            data: self.data()?,
            validity: self.validity()?,
            added_at,
            top_up: self.is_top_up(),
        })
    }
}

impl WireDestination {
    /// Code, name and kind: a country by its ISO code, else a region or the world by slug.
    pub fn destination(&self) -> (String, String, DestinationKind) {
        let title = self.title.clone().unwrap_or_else(|| self.slug.clone());
        match self.country_code.as_deref().map(str::trim) {
            Some(iso) if iso.len() == 2 => {
                (iso.to_ascii_uppercase(), title, DestinationKind::Country)
            }
            _ if matches!(self.slug.as_str(), "world" | "global") => {
                (self.slug.clone(), title, DestinationKind::Global)
            }
            _ => (self.slug.clone(), title, DestinationKind::Region),
        }
    }

    /// Every package sold here (not top-ups), at wholesale cost.
    pub fn packages(&self) -> Result<Vec<Package>, ProviderError> {
        let (destination, _, kind) = self.destination();
        let mut out = Vec::new();
        for operator in &self.operators {
            let mut countries: Vec<String> = operator
                .countries
                .iter()
                .map(|c| c.country_code.trim().to_ascii_uppercase())
                .filter(|c| c.len() == 2)
                .collect();
            if countries.is_empty() && kind == DestinationKind::Country {
                countries.push(destination.clone());
            }
            countries.sort();
            countries.dedup();
            let networks: Vec<Network> = operator
                .coverages
                .iter()
                .flat_map(|c| {
                    c.networks.iter().map(|n| Network {
                        country: c.name.trim().to_ascii_uppercase(),
                        operator: n.name.clone(),
                        types: n
                            .kind
                            .as_deref()
                            .map(|t| {
                                t.split(['/', ','])
                                    .map(|t| t.trim().to_ascii_uppercase())
                                    .filter(|t| t.len() == 2 && t.ends_with('G'))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                })
                .collect();
            for package in operator.packages.iter().filter(|p| !p.is_top_up()) {
                out.push(Package {
                    code: package.id.clone(),
                    title: package.title.clone().unwrap_or_else(|| package.id.clone()),
                    destination: destination.clone(),
                    kind,
                    countries: countries.clone(),
                    data: package.data()?,
                    validity: package.validity()?,
                    price: package.cost()?,
                    networks: networks.clone(),
                    top_up: operator.rechargeability.unwrap_or(false),
                    description: package
                        .short_info
                        .clone()
                        .or_else(|| operator.title.clone().map(|t| format!("Network: {t}")))
                        .filter(|d| !d.trim().is_empty()),
                });
            }
        }
        Ok(out)
    }
}

/// An order (`POST /orders`, `/orders/topups`, `GET /orders`).
#[derive(Debug, Deserialize)]
pub struct WireOrder {
    pub id: Value,
    pub description: Option<String>,
    pub price: Option<Value>,
    pub currency: Option<String>,
    #[serde(default)]
    pub sims: Vec<WireSim>,
}

impl WireOrder {
    /// The order's id as text.
    pub fn id(&self) -> String {
        number_text(&self.id).unwrap_or_default()
    }

    /// What it cost, when stated.
    pub fn cost(&self) -> Option<Money> {
        let currency = Currency::from_code(self.currency.as_deref().unwrap_or("USD")).ok()?;
        Money::parse_major(&number_text(self.price.as_ref()?)?, currency).ok()
    }
}

/// An eSIM's install data (`GET /sims/{iccid}`, an order's `sims`).
#[derive(Debug, Clone, Deserialize)]
pub struct WireSim {
    pub iccid: String,
    /// The SM-DP+ address only.
    lpa: Option<String>,
    matching_id: Option<String>,
    /// The full LPA string.
    qrcode: Option<String>,
    confirmation_code: Option<String>,
    apn_value: Option<String>,
    #[serde(default)]
    pub recycled: bool,
}

impl WireSim {
    /// The activation code: `qrcode` when it is a full LPA string, else `lpa` + `matching_id`.
    pub fn activation(&self) -> Option<ActivationCode> {
        let code = self
            .qrcode
            .as_deref()
            .and_then(|q| q.trim().parse::<ActivationCode>().ok())
            .or_else(|| {
                ActivationCode::from_parts(
                    self.lpa.as_deref()?.trim(),
                    self.matching_id.as_deref()?.trim(),
                )
                .ok()
            })?;
        let confirm = self
            .confirmation_code
            .as_deref()
            .is_some_and(|c| !c.trim().is_empty());
        let required = confirm || code.confirmation_required();
        Some(code.with_confirmation_required(required))
    }

    /// The APN, when set.
    pub fn apn(&self) -> Option<String> {
        self.apn_value.clone().filter(|a| !a.trim().is_empty())
    }
}

/// `GET /sims/{iccid}/usage`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireUsage {
    remaining: Option<Value>,
    total: Option<Value>,
    #[serde(default, deserialize_with = "crate::http::lenient_text")]
    expired_at: Option<String>,
    #[serde(default)]
    is_unlimited: bool,
    status: Option<String>,
}

impl WireUsage {
    fn mb(value: &Option<Value>) -> Option<u64> {
        number_text(value.as_ref()?)?
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(|v| v as u64)
    }

    /// Total and used bytes; unlimited plans report no usage.
    pub fn volumes(&self) -> Result<(Volume, Option<u64>), ProviderError> {
        if self.is_unlimited {
            return Ok((Volume::Unlimited, None));
        }
        let total = WireUsage::mb(&self.total)
            .ok_or_else(|| ProviderError::malformed("PressOne usage without a total"))?;
        let bytes = |mb: u64| {
            Volume::from_megabytes_binary(mb)
                .map_err(|_| ProviderError::malformed("PressOne usage too large"))
        };
        // Without what remains, what was used is unknown (not all of it).
        let used = match WireUsage::mb(&self.remaining) {
            Some(remaining) => bytes(total - remaining.min(total))?.bytes(),
            None => None,
        };
        Ok((bytes(total)?, used))
    }

    /// The usage status's lifecycle.
    pub fn lifecycle(&self) -> Lifecycle {
        crate::vocab::airalo(self.status.as_deref().unwrap_or_default())
    }

    /// The raw status word.
    pub fn status(&self) -> &str {
        self.status.as_deref().unwrap_or_default()
    }

    /// When the eSIM's plans end.
    pub fn expires_at(&self) -> Result<Option<i64>, ProviderError> {
        time(self.expired_at.as_deref())
    }
}

fn time(text: Option<&str>) -> Result<Option<i64>, ProviderError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => parse_timestamp(t)
            .map(Some)
            .map_err(|_| ProviderError::malformed(format!("PressOne time {t:?} cannot be read"))),
        None => Ok(None),
    }
}

/// One entry of `GET /sims/{iccid}/packages`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireHistory {
    status: Option<String>,
    remaining: Option<Value>,
    #[serde(default, deserialize_with = "crate::http::lenient_text")]
    activated_at: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient_text")]
    expired_at: Option<String>,
    pub package: WirePackage,
}

impl WireHistory {
    /// This package's lifecycle ("active", "ACTIVE", "expired", "finished", "not_active").
    pub fn lifecycle(&self) -> Lifecycle {
        crate::vocab::airalo(self.status.as_deref().unwrap_or_default())
    }

    /// When it ends.
    pub fn expires_at(&self) -> Result<Option<i64>, ProviderError> {
        time(self.expired_at.as_deref())
    }

    /// The package as a history entry.
    pub fn as_use(&self) -> Result<PackageUse, ProviderError> {
        let added = time(self.activated_at.as_deref())?.unwrap_or(0);
        self.package.as_use(added)
    }

    /// Binary megabytes left.
    pub fn remaining_mb(&self) -> Option<u64> {
        WireUsage::mb(&self.remaining)
    }
}

/// `GET /customer/v2/balance`: Airalo's `balances.available_balance`, or PressOne's accounts.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum WireBalance {
    Airalo { balances: WireBalances },
    Accounts { accounts: Vec<WireAccount> },
    List(Vec<WireAccount>),
}

#[derive(Debug, Deserialize)]
pub struct WireBalances {
    available_balance: WireAccount,
}

#[derive(Debug, Deserialize)]
pub struct WireAccount {
    #[serde(alias = "amount")]
    balance: Value,
    currency: Option<String>,
}

impl WireBalance {
    /// The first account's balance; no account means nothing to spend.
    pub fn into_money(self) -> Result<Money, ProviderError> {
        let account = match self {
            WireBalance::Airalo { balances } => Some(balances.available_balance),
            WireBalance::Accounts { accounts } | WireBalance::List(accounts) => {
                accounts.into_iter().next()
            }
        };
        let Some(account) = account else {
            return Ok(Money::zero(Currency::USD));
        };
        let currency = Currency::from_code(account.currency.as_deref().unwrap_or("USD"))
            .map_err(|_| ProviderError::malformed("PressOne balance in an unknown currency"))?;
        let text = number_text(&account.balance)
            .ok_or_else(|| ProviderError::malformed("PressOne balance is not a number"))?;
        Money::parse_major(&text, currency)
            .map_err(|_| ProviderError::malformed(format!("PressOne balance {text:?}")))
    }
}

#[cfg(test)]
mod tests;
