//! eSIM providers behind one [`Provider`] trait: each adapter turns a reseller's endpoints,
//! envelopes, units and status words into `esim-core` types, and the [`sandbox`] provider
//! simulates a whole reseller in process for the demo and the tests.

pub mod cloudesim;
pub mod countries;
pub mod http;
pub mod pressone;
mod provider;
pub mod sandbox;
pub mod vellosim;
pub mod veloesim;

pub use http::{Endpoint, Secret};
pub use provider::{
    Capabilities, ErrorKind, OrderRequest, Provider, ProviderError, ProviderEsim, ProviderOrder,
    ProviderOrderState,
};

/// Seconds since the Unix epoch.
pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
