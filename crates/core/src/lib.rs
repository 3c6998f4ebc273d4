//! The rules of the eSIM storefront, shared by the widget (compiled to WebAssembly) and the
//! proxy (native): how much data a plan holds, what it costs in the shopper's currency, how
//! long it lasts, what state an eSIM is in and what may be done with it, how to install it,
//! how shoppers search and sort the catalogue, and when a provider's timestamp happened.
//!
//! Nothing here does I/O or knows about HTTP or the DOM: every type is plain data with methods,
//! and every provider's units and words are converted into these types exactly once.

pub mod activation;
pub mod api;
pub mod catalog;
pub mod money;
#[cfg(feature = "openapi")]
mod openapi;
pub mod query;
pub mod status;
pub mod time;
pub mod validity;
pub mod volume;

pub use activation::{ActivationCode, ActivationCodeError};

/// Reads a unit enum by its wire name, one of `all`'s `name`s: one loop over the names the
/// type already holds, where serde's derive writes a second table of them (the widget decodes
/// these in its first download).
pub(crate) fn by_name<'de, D, T: Copy>(
    deserializer: D,
    all: &[T],
    name: fn(&T) -> &'static str,
    what: &str,
) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize;
    let text = String::deserialize(deserializer)?;
    all.iter()
        .copied()
        .find(|value| name(value) == text)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown {what} {text:?}")))
}
pub use catalog::{
    search_destinations, Destination, DestinationIndex, DestinationKind, Network, Package,
    PackageQuery, SortKey,
};
pub use money::{Currency, Markup, Money, MoneyError, PriceEnding, Rates};
pub use rust_decimal::Decimal;
pub use status::{EsimStatus, Lifecycle, ProfileState};
pub use time::{parse_timestamp, TimestampError};
pub use validity::{Remaining, Validity, ValidityUnit};
pub use volume::{Volume, VolumeError};
