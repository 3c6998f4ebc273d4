//! Vellosim's wire format (providers.md §1), read defensively and turned into the core's types
//! exactly once. Its documentation contradicts itself, so every reader here accepts each
//! documented form: answers wrapped in `{success, data}` or bare; two package shapes (the
//! guide's `volume` in bytes with `duration`/`durationUnit`, the API reference's `data: "5GB"`
//! with `validity` in days); `ac` as a full LPA string or a bare matching id; both status
//! vocabularies; three error envelopes.

use std::time::Duration;

use esim_core::{
    parse_timestamp, ActivationCode, Currency, Decimal, DestinationKind, EsimStatus, Money,
    Network, Package, Rates, Validity, ValidityUnit, Volume,
};
use serde::Deserialize;
use serde_json::Value;

use crate::http::Dialect;
use crate::provider::{ErrorKind, ProviderError, ProviderEsim};
use crate::vocab;

/// Vellosim's envelope: `{success, data}` or a bare answer; `success: false` is an error.
pub struct Envelope;

impl Dialect for Envelope {
    const NAME: &'static str = "Vellosim";

    fn payload(value: Value) -> Result<Value, ProviderError> {
        if value.get("success").and_then(Value::as_bool) == Some(false) {
            return Err(error_of(200, &value, None));
        }
        Ok(match value {
            Value::Object(mut map) if map.contains_key("success") && map.contains_key("data") => {
                map.remove("data").unwrap_or(Value::Null)
            }
            other => other,
        })
    }

    fn error(status: u16, value: &Value, _: &[u8], retry_after: Option<Duration>) -> ProviderError {
        error_of(status, value, retry_after)
    }
}

/// Maps the three documented error envelopes, `{success:false, error:{code, message}}`,
/// NestJS's `{error:"Unauthorized", message, statusCode}` and a bare `{message}`, by their code
/// first and their HTTP status second.
fn error_of(status: u16, value: &Value, retry_after: Option<Duration>) -> ProviderError {
    let error = value.get("error");
    let code = error
        .and_then(|e| e.get("code"))
        .or(error.filter(|e| e.is_string()))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_uppercase()
        .replace(' ', "_");
    let message = error
        .and_then(|e| e.get("message"))
        .or_else(|| value.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("no message");
    let status = value
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .filter(|_| status == 200)
        .unwrap_or(status);
    let kind = match code.as_str() {
        "UNAUTHORIZED" | "FORBIDDEN" => ErrorKind::Unauthorized,
        "RATE_LIMIT_EXCEEDED" | "TOO_MANY_REQUESTS" => ErrorKind::RateLimited { retry_after },
        "INSUFFICIENT_BALANCE" => ErrorKind::InsufficientBalance,
        "INVALID_PACKAGE_CODE" | "PACKAGE_UNAVAILABLE" | "ORDER_NOT_FOUND" | "NOT_FOUND" => {
            ErrorKind::NotFound
        }
        "INVALID_PARAMETERS" | "INVALID_REGION_CODE" | "BAD_REQUEST" => ErrorKind::InvalidRequest,
        "DUPLICATE_ORDER" => ErrorKind::NotAllowed,
        "INTERNAL_ERROR" | "SERVICE_UNAVAILABLE" => ErrorKind::Unavailable,
        _ => match status {
            401 | 403 => ErrorKind::Unauthorized,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::NotAllowed,
            429 => ErrorKind::RateLimited { retry_after },
            400 | 422 => ErrorKind::InvalidRequest,
            500..=599 => ErrorKind::Unavailable,
            _ => ErrorKind::MalformedResponse,
        },
    };
    ProviderError::new(kind, format!("Vellosim {status} {code}: {message}"))
}

/// A package in either documented shape.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WirePackage {
    package_code: String,
    #[serde(default, alias = "packageName")]
    name: Option<String>,
    price: Option<Value>,
    #[serde(default, alias = "currency")]
    currency_code: Option<String>,
    /// The API reference's shape: the dollar price beside a `price` in naira.
    #[serde(default, rename = "originalPriceUSD")]
    original_price_usd: Option<Value>,
    /// The guide's shape: bytes.
    volume: Option<u64>,
    /// The API reference's shape: "5GB".
    data: Option<String>,
    duration: Option<u32>,
    duration_unit: Option<String>,
    /// The API reference's shape: days.
    validity: Option<u32>,
    description: Option<String>,
    location_code: Option<String>,
    speed: Option<String>,
    #[serde(default)]
    location_network_list: Vec<WireLocation>,
    #[serde(default)]
    coverage: Vec<String>,
    #[serde(default)]
    network_providers: Vec<String>,
    top_up_available: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireLocation {
    location_code: String,
    #[serde(default)]
    operator_list: Vec<WireOperator>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireOperator {
    operator_name: String,
    network_type: Option<String>,
}

/// Network generations in a type string: "4G/LTE" is 4G, "3G/4G/5G" all three.
fn generations(text: &str) -> Vec<String> {
    let mut types: Vec<String> = text
        .split(['/', ',', ' '])
        .map(str::trim)
        .filter(|t| t.len() == 2 && t.ends_with(['G', 'g']))
        .map(str::to_ascii_uppercase)
        .collect();
    types.dedup();
    types
}

/// Reads a price: a JSON number or string of major units in `currency`.
fn price(value: Option<&Value>, currency: Currency) -> Result<Money, ProviderError> {
    let text = match value {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => return Err(ProviderError::malformed("a Vellosim package has no price")),
    };
    Money::parse_major(&text, currency)
        .map_err(|e| ProviderError::malformed(format!("a Vellosim price cannot be read: {e}")))
}

impl WirePackage {
    /// Converts to the core's package (its wholesale cost as `price`).
    pub fn into_package(self) -> Result<Package, ProviderError> {
        self.into_package_of(None)
    }

    /// Converts a package listed for the region `asked` (the API reference's shape names its
    /// countries in `coverage`, by name, and no `locationCode`: it is sold under `asked`).
    pub fn into_package_of(self, asked: Option<&str>) -> Result<Package, ProviderError> {
        let code = self.package_code;
        let bad = |what: &str| ProviderError::malformed(format!("Vellosim package {code}: {what}"));
        let data = match (self.volume, self.data.as_deref()) {
            (Some(bytes), _) => Volume::Bytes(bytes),
            (None, Some(text)) => text.parse().map_err(|_| bad("its data cannot be read"))?,
            (None, None) => return Err(bad("it has no data volume")),
        };
        let validity = match (self.duration, self.duration_unit.as_deref(), self.validity) {
            (Some(amount), Some(unit), _) => Validity {
                amount,
                unit: unit
                    .parse()
                    .map_err(|_| bad("its duration unit is unknown"))?,
            },
            (Some(amount), None, _) | (None, _, Some(amount)) => Validity {
                amount,
                unit: ValidityUnit::Day,
            },
            (None, _, None) => return Err(bad("it has no validity")),
        };
        // The wallet pays in dollars: a dollar price, where one is given, is the cost.
        let price = match &self.original_price_usd {
            Some(usd) if !usd.is_null() => price(Some(usd), Currency::USD)?,
            _ => {
                let currency = Currency::from_code(self.currency_code.as_deref().unwrap_or("USD"))
                    .map_err(|_| bad("its currency is unknown"))?;
                price(self.price.as_ref(), currency)?
            }
        };
        let mut networks = Vec::new();
        for location in &self.location_network_list {
            for operator in &location.operator_list {
                networks.push(Network {
                    country: location.location_code.to_ascii_uppercase(),
                    operator: operator.operator_name.clone(),
                    types: generations(operator.network_type.as_deref().unwrap_or_default()),
                });
            }
        }
        let mut countries: Vec<String> = self
            .location_network_list
            .iter()
            .map(|l| l.location_code.to_ascii_uppercase())
            .chain(
                self.coverage
                    .iter()
                    .filter_map(|c| crate::countries::code_of(c)),
            )
            .filter(|c| c.len() == 2)
            .collect();
        countries.sort();
        countries.dedup();
        let destination = self
            .location_code
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty())
            .or_else(|| (countries.len() == 1).then(|| countries[0].clone()))
            .or_else(|| asked.map(|a| a.trim().to_ascii_uppercase()))
            .ok_or_else(|| bad("it names no location (locationCode, coverage)"))?;
        if countries.is_empty() && destination.len() == 2 {
            countries.push(destination.clone());
        }
        if networks.is_empty() && countries.len() == 1 {
            let types = generations(self.speed.as_deref().unwrap_or_default());
            networks = self
                .network_providers
                .iter()
                .map(|operator| Network {
                    country: countries[0].clone(),
                    operator: operator.clone(),
                    types: types.clone(),
                })
                .collect();
        }
        let kind = match (destination.as_str(), countries.len()) {
            ("GL" | "GLOBAL", _) => DestinationKind::Global,
            (_, 0 | 1) if destination.len() == 2 => DestinationKind::Country,
            _ => DestinationKind::Region,
        };
        Ok(Package {
            title: self.name.unwrap_or_else(|| code.clone()),
            code,
            destination,
            kind,
            countries,
            data,
            validity,
            price,
            networks,
            // Not stated in the guide's shape: claim top-ups only where the API says so.
            top_up: self.top_up_available.unwrap_or(false),
            description: self.description.filter(|d| !d.trim().is_empty()),
        })
    }
}

/// An eSIM as `GET /api/esim/{id}` and `my-esims` describe it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireEsim {
    #[serde(rename = "_id")]
    id: String,
    iccid: String,
    #[serde(default)]
    package_code: String,
    #[serde(default)]
    esim_status: String,
    smdp_status: Option<String>,
    is_active: Option<bool>,
    ac: Option<String>,
    activation_code: Option<String>,
    smdp_address: Option<String>,
    apn: Option<String>,
    total_volume: Option<u64>,
    order_usage: Option<u64>,
    #[serde(default, rename = "data_usage_remain")]
    data_usage_remain: Option<u64>,
    total_duration: Option<u32>,
    duration_unit: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient_text")]
    expired_time: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient_text")]
    updated_at: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient_text")]
    created_at: Option<String>,
}

impl WireEsim {
    /// Vellosim's id for the eSIM (`_id`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The ICCID.
    pub fn iccid(&self) -> &str {
        &self.iccid
    }

    /// The package it was bought with, when the answer names it (`my-esims` documents no
    /// `packageCode`; `GET /api/esim/{id}` does).
    pub fn package_code(&self) -> Option<&str> {
        Some(self.package_code.trim()).filter(|c| !c.is_empty())
    }

    /// When it was created (Unix seconds), if the answer says and it can be read.
    pub fn created_at(&self) -> Option<i64> {
        self.created_at
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .and_then(|t| parse_timestamp(t).ok())
    }

    /// Converts to the provider-neutral eSIM.
    pub fn into_esim(self) -> Result<ProviderEsim, ProviderError> {
        let id = self.id;
        let bad = |what: &str| ProviderError::malformed(format!("Vellosim eSIM {id}: {what}"));
        let lifecycle = vocab::vellosim_flagged(&self.esim_status, self.is_active);
        let smdp = self.smdp_status.unwrap_or_default();
        let profile = vocab::vellosim_profile(&smdp);
        let raw = if smdp.is_empty() {
            self.esim_status.clone()
        } else {
            format!("{}/{smdp}", self.esim_status)
        };
        // The full LPA string, wherever it is: `activationCode`, or `ac` (full, or a bare
        // matching id completed with `smdpAddress`).
        let activation = [self.activation_code.as_deref(), self.ac.as_deref()]
            .into_iter()
            .flatten()
            .filter(|c| !c.trim().is_empty())
            .find_map(|c| ActivationCode::parse_with_address(c, self.smdp_address.as_deref()).ok());
        let total = Volume::Bytes(self.total_volume.ok_or_else(|| bad("it has no volume"))?);
        let used = self.order_usage.or_else(|| {
            let total = self.total_volume?;
            Some(total.saturating_sub(self.data_usage_remain?))
        });
        let validity = match self.total_duration {
            Some(amount) => Some(Validity {
                amount,
                unit: match self.duration_unit.as_deref() {
                    Some(unit) => unit
                        .parse()
                        .map_err(|_| bad("its duration unit is unknown"))?,
                    None => ValidityUnit::Day,
                },
            }),
            None => None,
        };
        let time = |t: Option<String>| -> Result<Option<i64>, ProviderError> {
            match t.filter(|t| !t.trim().is_empty()) {
                Some(t) => parse_timestamp(&t)
                    .map(Some)
                    .map_err(|_| bad("a time cannot be read")),
                None => Ok(None),
            }
        };
        Ok(ProviderEsim {
            provider_id: id.clone(),
            iccid: self.iccid,
            package_code: self.package_code,
            status: EsimStatus::new(lifecycle, profile, raw),
            activation,
            apn: self.apn.filter(|a| !a.trim().is_empty()),
            total,
            used,
            usage_updated_at: time(self.updated_at)?,
            validity,
            expires_at: time(self.expired_time)?,
            history: Vec::new(),
        })
    }
}

/// `GET /api/esim/my-esims`: one page.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireEsimPage {
    pub esims: Vec<WireEsim>,
    #[serde(default)]
    pub page: u32,
    #[serde(default)]
    pub total_pages: u32,
}

/// `GET /api/wallet/balance`.
#[derive(Debug, Deserialize)]
pub struct WireBalance {
    balance: Value,
    currency: String,
}

impl WireBalance {
    /// The balance as money.
    pub fn into_money(self) -> Result<Money, ProviderError> {
        let currency = Currency::from_code(&self.currency).map_err(|_| {
            ProviderError::malformed(format!("unknown balance currency {}", self.currency))
        })?;
        price(Some(&self.balance), currency)
    }
}

/// `GET /api/esim/regions`: one country or region with packages.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireRegion {
    pub region_code: String,
    pub region_name: Option<String>,
    /// "LC" (a country), "RG" (a region) or "GL" (global).
    pub region_type: Option<String>,
    pub country_code: Option<String>,
}

/// `GET /api/settings/exchange-rate`: 1 `baseCurrency` = `rate` `currency`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireRate {
    pub rate: Value,
    pub base_currency: String,
    pub currency: String,
}

impl WireRate {
    /// The rate as the core's exchange rates.
    pub fn into_rates(self) -> Result<Rates, ProviderError> {
        let base = Currency::from_code(&self.base_currency).map_err(|_| {
            ProviderError::malformed(format!("unknown base currency {}", self.base_currency))
        })?;
        let target = Currency::from_code(&self.currency)
            .map_err(|_| ProviderError::malformed(format!("unknown currency {}", self.currency)))?;
        let text = match &self.rate {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.trim().to_owned(),
            _ => {
                return Err(ProviderError::malformed(
                    "the exchange rate is not a number",
                ))
            }
        };
        let rate: Decimal = text.parse().map_err(|_| {
            ProviderError::malformed(format!("the exchange rate {text:?} is not a number"))
        })?;
        Rates::new(base)
            .with_rate(target, rate)
            .map_err(|e| ProviderError::malformed(format!("the exchange rate cannot be used: {e}")))
    }
}

/// `POST /api/esim/buy`: a purchase or a top-up.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WirePurchase {
    pub transaction_id: String,
    /// SUCCESS, PENDING or PROCESSING.
    #[serde(default)]
    pub status: String,
    pub package: Option<WirePurchasedPackage>,
    pub esim_details: Option<WirePurchasedEsim>,
}

/// The package a purchase bought, with what it cost.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WirePurchasedPackage {
    price: Option<Value>,
    #[serde(default, alias = "currencyCode")]
    currency: Option<String>,
}

impl WirePurchasedPackage {
    /// What the purchase cost.
    pub fn cost(&self) -> Result<Money, ProviderError> {
        let currency = Currency::from_code(self.currency.as_deref().unwrap_or("USD"))
            .map_err(|_| ProviderError::malformed("a purchase's currency is unknown"))?;
        price(self.price.as_ref(), currency)
    }
}

/// The eSIM an instant wallet purchase created.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WirePurchasedEsim {
    pub esim_id: Option<String>,
}

#[cfg(test)]
mod tests;
