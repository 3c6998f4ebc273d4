//! eSIM providers behind one [`Provider`] trait: each adapter turns a reseller's endpoints,
//! envelopes, units and status words into `esim-core` types, and the [`sandbox`] provider
//! simulates a whole reseller in process for the demo and the tests.

mod build;
pub mod cloudesim;
mod cooling;
pub mod countries;
pub mod http;
pub mod pressone;
mod provider;
pub mod sandbox;
pub mod vellosim;
pub mod veloesim;
mod vocab;

pub use build::{
    build, BuildError, Built, Credentials, Missing, ProviderSpec, Timeouts,
    DEFAULT_SANDBOX_BALANCE_CENTS,
};
pub use cooling::{Cooling, Pacing, SharedPacing, LONGEST_WAIT};
pub use http::{Endpoint, Secret};
pub use provider::{
    Capabilities, ErrorKind, OrderLookup, OrderRequest, Provider, ProviderError, ProviderEsim,
    ProviderOrder, ProviderOrderState, Recovery,
};

/// Seconds since the Unix epoch.
pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Keeps the items of a provider's list that can be read and leaves out the others, so that
/// one bad package or eSIM never breaks the whole list; each distinct failure is logged once
/// per process, naming the provider's item and the field that failed.
pub(crate) fn readable<T>(
    provider: &'static str,
    items: impl IntoIterator<Item = Result<T, ProviderError>>,
) -> Vec<T> {
    static LOGGED: std::sync::OnceLock<parking_lot::Mutex<std::collections::HashSet<String>>> =
        std::sync::OnceLock::new();
    let mut out = Vec::new();
    for item in items {
        match item {
            Ok(item) => out.push(item),
            Err(e) => {
                let logged = LOGGED.get_or_init(Default::default);
                if logged.lock().insert(e.message.clone()) {
                    tracing::warn!(provider, error = %e.message, "left out of the catalogue: it cannot be read");
                }
            }
        }
    }
    out
}

/// Top-ups tried, for providers without an idempotency key: each reference remembers how big
/// its eSIM was (in bytes, or plans) when first tried, so that a retry of a top-up the
/// provider applied, though its answer was lost, is not bought again.
#[derive(Debug, Default)]
pub(crate) struct TopUpAttempts(parking_lot::Mutex<std::collections::HashMap<String, u64>>);

impl TopUpAttempts {
    /// Records an attempt under `reference` with the eSIM's size `now`; returns whether an
    /// earlier attempt under it already took effect (the eSIM has grown since).
    fn already_applied(&self, reference: &str, now: u64) -> bool {
        let mut tried = self.0.lock();
        match tried.get(reference) {
            Some(before) if now > *before => true,
            Some(_) => false,
            None => {
                tried.insert(reference.to_owned(), now);
                false
            }
        }
    }
}

impl TopUpAttempts {
    /// Buys a top-up under `reference` unless an earlier attempt under it already took effect:
    /// `before` is the eSIM as it stands, `size` measures it, `buy` buys and returns it after.
    pub(crate) async fn once<T, Fut>(
        &self,
        reference: &str,
        before: T,
        size: impl FnOnce(&T) -> u64,
        buy: impl FnOnce() -> Fut,
    ) -> Result<T, ProviderError>
    where
        Fut: std::future::Future<Output = Result<T, ProviderError>>,
    {
        if self.already_applied(reference, size(&before)) {
            return Ok(before);
        }
        buy().await
    }
}

/// What the wire property tests share: documented examples with any subset of their optional
/// fields left out and unknown fields added.
#[cfg(test)]
pub(crate) mod wire_props {
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    /// `example` (a JSON object) without the `optional` fields whose bit is set in `drop`,
    /// with `extra` unknown fields added (named so that no provider uses them).
    pub fn variant(
        example: &str,
        optional: &[&str],
        drop: u64,
        extra: &[(String, Value)],
    ) -> Value {
        let mut value: Value = serde_json::from_str(example).expect("a JSON example");
        let map = value.as_object_mut().expect("an object");
        for (i, field) in optional.iter().enumerate() {
            if drop & (1 << i) != 0 {
                map.remove(*field);
            }
        }
        for (name, v) in extra {
            map.insert(format!("x_unknown_{name}"), v.clone());
        }
        value
    }

    /// Whether `field` was left out of the variant.
    pub fn dropped(optional: &[&str], drop: u64, field: &str) -> bool {
        optional
            .iter()
            .position(|f| *f == field)
            .is_some_and(|i| drop & (1 << i) != 0)
    }

    /// Error bodies in `D`'s dialect are read by what they document: for each example (a JSON
    /// object and its optional fields), unknown fields never change the kind, and with none of
    /// the documented fields left, the HTTP status alone decides. Runs as a property.
    pub fn error_bodies_hold<D: crate::http::Dialect>(examples: &[(&str, &[&str])]) {
        let strategy = (any::<u64>(), any::<bool>(), extras(), error_statuses());
        proptest::test_runner::TestRunner::default()
            .run(&strategy, |(drop, all, extra, status)| {
                for (example, optional) in examples {
                    error_reading_holds::<D>(example, optional, drop, all, &extra, status)?;
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{}: {e}", D::NAME));
    }

    fn error_reading_holds<D: crate::http::Dialect>(
        example: &str,
        optional: &[&str],
        drop: u64,
        all: bool,
        extra: &[(String, Value)],
        status: u16,
    ) -> Result<(), TestCaseError> {
        let drop = if all { u64::MAX } else { drop };
        let kind = |v: &Value| D::failure(status, v.to_string().as_bytes(), None).kind;
        let plain = variant(example, optional, drop, &[]);
        let with_extra = variant(example, optional, drop, extra);
        prop_assert_eq!(
            kind(&with_extra),
            kind(&plain),
            "unknown fields changed the reading of {}",
            with_extra
        );
        if all {
            prop_assert_eq!(
                kind(&plain),
                D::failure(status, b"", None).kind,
                "nothing documented is left: the status decides"
            );
        }
        Ok(())
    }

    /// The HTTP statuses providers answer errors with (200 for a `success: false` body).
    pub fn error_statuses() -> impl Strategy<Value = u16> {
        prop::sample::select(vec![
            200u16, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503,
        ])
    }

    /// Unknown fields with any JSON value.
    pub fn extras() -> impl Strategy<Value = Vec<(String, Value)>> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-zA-Z0-9 ]{0,8}".prop_map(Value::String),
        ];
        let value = leaf.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                proptest::collection::vec(("[a-z]{1,4}", inner), 0..3)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
            ]
        });
        proptest::collection::vec(("[a-z]{1,6}", value), 0..4)
    }
}
