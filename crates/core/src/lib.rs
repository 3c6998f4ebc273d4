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
