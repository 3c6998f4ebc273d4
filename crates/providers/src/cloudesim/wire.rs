//! CloudeSIM's wire format (providers.md §2), read defensively. Its one documentation page
//! shows the eSIM Access envelope (`obj`) for packages and eSIMs but `data` for the balance,
//! `{success:false, errorMsg}` for errors, dollars and megabytes; CloudeSIM resells eSIM
//! Access, so every reader also accepts what eSIM Access sends (its status words, `esimTranNo`,
//! `errorCode`s, `totalVolume`/`orderUsage`) and, when configured, its units (ten-thousandths of
//! a dollar, bytes).

use std::time::Duration;

use esim_core::{
    parse_timestamp, ActivationCode, Currency, DestinationKind, EsimStatus, Money, Package,
    Validity, ValidityUnit, Volume,
};
use serde::Deserialize;
use serde_json::Value;

use crate::http::{kind_of_status, Dialect};
use crate::provider::{ErrorKind, ProviderError, ProviderEsim};
use crate::vocab;

/// What CloudeSIM's numbers mean: its documentation's dollars and megabytes, or the
/// ten-thousandths of a dollar and bytes of the eSIM Access API it resells (`units =
/// "documented"` or `"esim-access"` in a configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Units {
    /// Its documentation: prices in dollars, volumes in binary megabytes.
    #[default]
    Documented,
    /// eSIM Access's: prices in ten-thousandths of a dollar (35000 = $3.50), volumes in bytes.
    EsimAccess,
}

impl Units {
    /// Reads a price or balance.
    pub fn money(&self, value: Option<&Value>, currency: Currency) -> Result<Money, ProviderError> {
        let text = match value {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.trim().to_owned(),
            _ => return Err(ProviderError::malformed("a CloudeSIM amount is missing")),
        };
        let bad =
            |_| ProviderError::malformed(format!("a CloudeSIM amount cannot be read: {text:?}"));
        match self {
            Units::Documented => Money::parse_major(&text, currency).map_err(bad),
            Units::EsimAccess => {
                let value: i64 = text.parse().map_err(|_| {
                    ProviderError::malformed(format!("not ten-thousandths: {text:?}"))
                })?;
                Money::from_ten_thousandths(value, currency).map_err(bad)
            }
        }
    }

    /// Reads a data volume.
    pub fn volume(&self, value: u64) -> Result<Volume, ProviderError> {
        match self {
            Units::Documented => Volume::from_megabytes_binary(value)
                .map_err(|_| ProviderError::malformed("a CloudeSIM volume is too large")),
            Units::EsimAccess => Ok(Volume::Bytes(value)),
        }
    }

    /// Reads a volume as bytes.
    fn bytes(&self, value: u64) -> Result<u64, ProviderError> {
        Ok(self.volume(value)?.bytes().unwrap_or(u64::MAX))
    }
}

/// The eSIM Access envelope: `{success, obj}` (or `data`); anything but success is an error.
pub struct Envelope;

impl Dialect for Envelope {
    const NAME: &'static str = "CloudeSIM";

    fn payload(value: Value) -> Result<Value, ProviderError> {
        let success = match value.get("success") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        };
        if !success {
            return Err(error_of(200, &value, None));
        }
        Ok(value
            .get("obj")
            .filter(|v| !v.is_null())
            .or_else(|| value.get("data"))
            .cloned()
            .unwrap_or(Value::Null))
    }

    fn error(status: u16, value: &Value, _: &[u8], retry_after: Option<Duration>) -> ProviderError {
        error_of(status, value, retry_after)
    }
}

/// `{success:false, errorMsg}` (CloudeSIM) or `{errorCode, errorMsg|errorMessage}` (eSIM
/// Access), by eSIM Access code first, the message's words second, the HTTP status last.
fn error_of(status: u16, value: &Value, retry_after: Option<Duration>) -> ProviderError {
    let code = match value.get("errorCode") {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => format!("{n:0>6}"),
        _ => String::new(),
    };
    let message = ["errorMsg", "errorMessage", "message"]
        .iter()
        .find_map(|k| value.get(*k).and_then(Value::as_str))
        .unwrap_or("no message")
        .to_owned();
    let lower = message.to_ascii_lowercase();
    let kind = match code.as_str() {
        "200007" => ErrorKind::InsufficientBalance,
        "200010" => ErrorKind::Unavailable,
        "200002" | "200009" => ErrorKind::NotAllowed,
        "101001" | "101002" | "101003" => ErrorKind::Unauthorized,
        "000001" => ErrorKind::Unavailable,
        c if c.starts_with("3102") || c.starts_with("3101") => ErrorKind::NotFound,
        c if c.starts_with("0001") || c == "200008" => ErrorKind::InvalidRequest,
        _ if lower.contains("insufficient balance") => ErrorKind::InsufficientBalance,
        _ if lower.contains("token") || lower.contains("unauthori") => ErrorKind::Unauthorized,
        _ if lower.contains("not found") || lower.contains("does not exist") => ErrorKind::NotFound,
        _ if lower.contains("cannot be cancel") || lower.contains("not allowed") => {
            ErrorKind::NotAllowed
        }
        _ if lower.contains("too many") => ErrorKind::RateLimited { retry_after },
        _ if (200..300).contains(&status) => ErrorKind::InvalidRequest,
        _ => kind_of_status(status, retry_after),
    };
    let code = if code.is_empty() { "-".into() } else { code };
    ProviderError::new(kind, format!("CloudeSIM {status} {code}: {message}"))
}

/// `obj.packageList`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WirePackageList {
    #[serde(default)]
    pub package_list: Vec<WirePackage>,
}

/// One package, in either unit system.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WirePackage {
    package_code: String,
    name: Option<String>,
    price: Option<Value>,
    currency_code: Option<String>,
    duration: Option<u32>,
    duration_unit: Option<String>,
    volume: u64,
    location_code: Option<String>,
    /// eSIM Access: the countries' codes, comma-separated.
    location: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    description: Option<String>,
    /// eSIM Access: 1 means it cannot be topped up.
    support_top_up_type: Option<u8>,
}

impl WirePackage {
    /// Whether this is a top-up package.
    pub fn is_top_up(&self) -> bool {
        self.kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case("TOPUP"))
    }

    /// The location code as sent.
    pub fn location_code(&self) -> Option<&str> {
        self.location_code.as_deref()
    }

    /// Converts to the core's package at wholesale cost.
    pub fn into_package(self, units: Units) -> Result<Package, ProviderError> {
        let code = self.package_code.trim().to_owned();
        let bad =
            |what: &str| ProviderError::malformed(format!("CloudeSIM package {code}: {what}"));
        let currency = Currency::from_code(self.currency_code.as_deref().unwrap_or("USD"))
            .map_err(|_| bad("its currency is unknown"))?;
        let price = units.money(self.price.as_ref(), currency)?;
        let unit = match self.duration_unit.as_deref() {
            Some(u) => u.parse().map_err(|_| bad("its duration unit is unknown"))?,
            None => ValidityUnit::Day,
        };
        let validity = Validity {
            amount: self.duration.ok_or_else(|| bad("it has no duration"))?,
            unit,
        };
        let location = self
            .location_code
            .as_deref()
            .map(|c| c.trim().trim_start_matches('!').to_ascii_uppercase())
            .filter(|c| !c.is_empty())
            .ok_or_else(|| bad("it names no location"))?;
        let mut countries: Vec<String> = self
            .location
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
            .collect();
        if countries.is_empty() && location.len() == 2 && location != "EU" && location != "GL" {
            countries.push(location.clone());
        }
        countries.sort();
        countries.dedup();
        let kind = destination_kind(&location, countries.len());
        Ok(Package {
            title: self
                .name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| code.clone()),
            code,
            destination: location,
            kind,
            countries,
            data: units.volume(self.volume)?,
            validity,
            price,
            networks: Vec::new(),
            top_up: self.support_top_up_type != Some(1),
            description: self.description.filter(|d| !d.trim().is_empty()),
        })
    }
}

/// A location code's kind: "GL" is global, another two-letter code covering at most one
/// country is a country, anything else ("EU", "!RG", "AS-12") a region.
pub fn destination_kind(location: &str, countries: usize) -> DestinationKind {
    match location {
        "GL" | "GLOBAL" => DestinationKind::Global,
        "EU" => DestinationKind::Region,
        _ if location.len() == 2 && countries <= 1 => DestinationKind::Country,
        _ => DestinationKind::Region,
    }
}

/// `/esim/order`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireOrder {
    pub order_no: String,
    /// The eSIMs the order issued at once, each with its activation code (the only place the
    /// documentation gives one: the query's answer has none).
    #[serde(default)]
    pub esim_list: Vec<WireOrderedEsim>,
}

/// One eSIM in an order's answer: `{iccid, ac, qrCodeUrl}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireOrderedEsim {
    pub iccid: Option<String>,
    pub ac: Option<String>,
}

impl WireOrderedEsim {
    /// Its ICCID and activation code, when both are there and the code reads as one.
    pub fn issued(&self) -> Option<(String, ActivationCode)> {
        let iccid = self.iccid.as_deref()?.trim();
        let code = self.ac.as_deref()?.trim().parse::<ActivationCode>().ok()?;
        (!iccid.is_empty()).then(|| (iccid.to_owned(), code))
    }
}

/// `/esim/topup` and `/esim/cancel`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireOrderNo {
    pub order_no: Option<String>,
}

/// `/esim/query`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireEsimList {
    #[serde(default)]
    pub esim_list: Vec<WireEsim>,
}

/// One eSIM: the documented fields and eSIM Access's.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireEsim {
    iccid: String,
    esim_tran_no: Option<String>,
    status: Option<String>,
    esim_status: Option<String>,
    smdp_status: Option<String>,
    ac: Option<String>,
    remaining_volume: Option<u64>,
    total_volume: Option<u64>,
    order_usage: Option<u64>,
    #[serde(default, deserialize_with = "crate::http::lenient_text")]
    expire_time: Option<String>,
    #[serde(default, deserialize_with = "crate::http::lenient_text")]
    expired_time: Option<String>,
    total_duration: Option<u32>,
    duration_unit: Option<String>,
    #[serde(default)]
    package_list: Vec<WireEsimPackage>,
    apn: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEsimPackage {
    package_code: Option<String>,
}

impl WireEsim {
    /// The ICCID.
    pub fn iccid(&self) -> &str {
        &self.iccid
    }

    /// Converts to the provider-neutral eSIM, its usage in `units`.
    pub fn into_esim(self, units: Units) -> Result<ProviderEsim, ProviderError> {
        let iccid = self.iccid.trim().to_owned();
        let bad = |what: &str| ProviderError::malformed(format!("CloudeSIM eSIM {iccid}: {what}"));
        let word = self
            .esim_status
            .clone()
            .or(self.status.clone())
            .unwrap_or_default();
        let smdp = self.smdp_status.clone().unwrap_or_default();
        let lifecycle = vocab::vellosim(&word);
        let profile = vocab::esim_access_profile(&smdp);
        let raw = if smdp.is_empty() {
            word.clone()
        } else {
            format!("{word}/{smdp}")
        };
        let activation = self
            .ac
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .and_then(|c| c.parse::<ActivationCode>().ok());
        let total = self.total_volume.map(|v| units.bytes(v)).transpose()?;
        let remaining = self.remaining_volume.map(|v| units.bytes(v)).transpose()?;
        let used_direct = self.order_usage.map(|v| units.bytes(v)).transpose()?;
        let (total, used) = match (total, remaining, used_direct) {
            (Some(t), _, Some(u)) => (t, Some(u)),
            (Some(t), Some(r), None) => (t, Some(t.saturating_sub(r))),
            (Some(t), None, None) => (t, None),
            (None, Some(r), Some(u)) => (r.saturating_add(u), Some(u)),
            (None, Some(r), None) => (r, None),
            (None, None, _) => return Err(bad("it reports no volume")),
        };
        let expires = self
            .expired_time
            .or(self.expire_time)
            .filter(|t| !t.trim().is_empty())
            .map(|t| parse_timestamp(&t).map_err(|_| bad("its expiry cannot be read")))
            .transpose()?;
        let validity = match self.total_duration {
            Some(amount) => Some(Validity {
                amount,
                unit: match self.duration_unit.as_deref() {
                    Some(u) => u.parse().map_err(|_| bad("its duration unit is unknown"))?,
                    None => ValidityUnit::Day,
                },
            }),
            None => None,
        };
        Ok(ProviderEsim {
            provider_id: iccid.clone(),
            iccid,
            package_code: self
                .package_list
                .into_iter()
                .find_map(|p| p.package_code)
                .unwrap_or_default(),
            status: EsimStatus::new(lifecycle, profile, raw),
            activation,
            apn: self.apn.filter(|a| !a.trim().is_empty()),
            total: Volume::Bytes(total),
            used,
            usage_updated_at: None,
            validity,
            expires_at: expires,
            history: Vec::new(),
        })
    }

    /// eSIM Access's own key for the eSIM, when passed through.
    pub fn esim_tran_no(&self) -> Option<&str> {
        self.esim_tran_no.as_deref()
    }
}

/// `GET /account/balance`: `data.balance`.
#[derive(Debug, Deserialize)]
pub struct WireBalance {
    balance: Value,
    currency: Option<String>,
}

impl WireBalance {
    /// The balance in `units`.
    pub fn into_money(self, units: Units) -> Result<Money, ProviderError> {
        let currency = Currency::from_code(self.currency.as_deref().unwrap_or("USD"))
            .map_err(|_| ProviderError::malformed("the balance's currency is unknown"))?;
        units.money(Some(&self.balance), currency)
    }
}

#[cfg(test)]
mod tests;
