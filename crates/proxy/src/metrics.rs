//! Prometheus metrics, at `GET /metrics` when `ESIM_PROXY_METRICS_TOKEN` is set (and only
//! with `Authorization: Bearer` that token; without it the path is not there): requests by
//! route and status, their latency as a histogram by route, provider calls by operation and
//! outcome, cache hits and misses, and orders by state (read from the store when scraped).
//! Each instance counts its own; a scraper adds them up. Written in Prometheus's text format
//! by hand: a few counters do not need a crate.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use esim_core::{Destination, Money, Package, Rates};
use esim_providers::{
    Capabilities, ErrorKind, OrderLookup, OrderRequest, Provider, ProviderError, ProviderEsim,
    ProviderOrder,
};
use parking_lot::Mutex;

/// Latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// One route's latency: how many requests took at most each bucket's bound, and in all.
#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// What this instance counted since it started.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    provider_calls: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    cache: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
}

impl Metrics {
    /// Counts one answered request on `route` (the route's pattern, never the raw path).
    pub fn request(&self, route: &str, status: u16, seconds: f64) {
        *self
            .requests
            .lock()
            .entry((route.to_owned(), status))
            .or_default() += 1;
        let mut latency = self.latency.lock();
        let histogram = latency.entry(route.to_owned()).or_default();
        for (bound, count) in BUCKETS.iter().zip(histogram.buckets.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// Counts one provider call of `operation` that came to `outcome`.
    pub fn provider_call(&self, operation: &'static str, outcome: &'static str) {
        *self
            .provider_calls
            .lock()
            .entry((operation, outcome))
            .or_default() += 1;
    }

    /// Counts a look in the cache `cache`: a hit, or a miss (fetched).
    pub fn cache(&self, cache: &'static str, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        *self.cache.lock().entry((cache, result)).or_default() += 1;
    }

    /// The text a Prometheus scrape reads, with `orders` (state, count) from the store.
    pub fn render(&self, orders: &[(String, i64)]) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP esim_http_requests_total Requests answered, by route and status.\n# TYPE esim_http_requests_total counter"
        );
        for ((route, status), n) in self.requests.lock().iter() {
            let _ = writeln!(
                out,
                "esim_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                label(route)
            );
        }
        let _ = writeln!(
            out,
            "# HELP esim_http_request_duration_seconds Time to answer, by route.\n# TYPE esim_http_request_duration_seconds histogram"
        );
        for (route, h) in self.latency.lock().iter() {
            let route = label(route);
            for (bound, n) in BUCKETS.iter().zip(h.buckets.iter()) {
                let _ = writeln!(
                    out,
                    "esim_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "esim_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\nesim_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\nesim_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count, h.sum, h.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP esim_provider_calls_total Calls to the eSIM provider, by operation and outcome.\n# TYPE esim_provider_calls_total counter"
        );
        for ((operation, outcome), n) in self.provider_calls.lock().iter() {
            let _ = writeln!(
                out,
                "esim_provider_calls_total{{operation=\"{operation}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP esim_cache_lookups_total Cache lookups, by cache and result.\n# TYPE esim_cache_lookups_total counter"
        );
        for ((cache, result), n) in self.cache.lock().iter() {
            let _ = writeln!(
                out,
                "esim_cache_lookups_total{{cache=\"{cache}\",result=\"{result}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP esim_orders Orders in the store, by state.\n# TYPE esim_orders gauge"
        );
        for (state, n) in orders {
            let _ = writeln!(out, "esim_orders{{state=\"{}\"}} {n}", label(state));
        }
        out
    }
}

/// A label value as Prometheus's text format writes it.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: counts each answered request under its route's pattern.
pub async fn record(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.request(
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// A provider call's outcome as a label.
fn outcome<T>(result: &Result<T, ProviderError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(e) => match e.kind {
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::RateLimited { .. } => "rate_limited",
            ErrorKind::InsufficientBalance => "insufficient_balance",
            ErrorKind::NotFound => "not_found",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::NotAllowed => "not_allowed",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Unreachable => "unreachable",
            ErrorKind::MalformedResponse => "malformed_response",
            ErrorKind::Unsupported => "unsupported",
            _ => "other",
        },
    }
}

/// A provider whose every call is counted, by operation and outcome.
pub struct Metered {
    inner: Arc<dyn Provider>,
    metrics: Arc<Metrics>,
}

impl Metered {
    pub fn new(inner: Arc<dyn Provider>, metrics: Arc<Metrics>) -> Metered {
        Metered { inner, metrics }
    }

    fn count<T>(
        &self,
        operation: &'static str,
        result: Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        self.metrics.provider_call(operation, outcome(&result));
        result
    }
}

#[async_trait]
impl Provider for Metered {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    async fn destinations(&self) -> Result<Vec<Destination>, ProviderError> {
        self.count("destinations", self.inner.destinations().await)
    }

    async fn packages(&self, destination: &str) -> Result<Vec<Package>, ProviderError> {
        self.count("packages", self.inner.packages(destination).await)
    }

    async fn package(&self, code: &str) -> Result<Package, ProviderError> {
        self.count("package", self.inner.package(code).await)
    }

    async fn rates(&self) -> Result<Rates, ProviderError> {
        self.count("rates", self.inner.rates().await)
    }

    async fn order(&self, request: &OrderRequest) -> Result<ProviderOrder, ProviderError> {
        self.count("order", self.inner.order(request).await)
    }

    async fn find_order(&self, reference: &str) -> Result<Option<ProviderOrder>, ProviderError> {
        self.count("find_order", self.inner.find_order(reference).await)
    }

    async fn recover_order(
        &self,
        lookup: &OrderLookup,
    ) -> Result<Option<ProviderOrder>, ProviderError> {
        self.count("recover_order", self.inner.recover_order(lookup).await)
    }

    async fn recover_from_records(
        &self,
        lookup: &OrderLookup,
    ) -> Result<Option<ProviderOrder>, ProviderError> {
        self.count(
            "recover_from_records",
            self.inner.recover_from_records(lookup).await,
        )
    }

    async fn esim_by_iccid(&self, iccid: &str) -> Result<ProviderEsim, ProviderError> {
        self.count("esim_by_iccid", self.inner.esim_by_iccid(iccid).await)
    }

    async fn esim(&self, provider_id: &str) -> Result<ProviderEsim, ProviderError> {
        self.count("esim", self.inner.esim(provider_id).await)
    }

    async fn top_up_packages(&self, provider_id: &str) -> Result<Vec<Package>, ProviderError> {
        self.count(
            "top_up_packages",
            self.inner.top_up_packages(provider_id).await,
        )
    }

    async fn top_up(
        &self,
        provider_id: &str,
        package_code: &str,
        reference: &str,
    ) -> Result<ProviderEsim, ProviderError> {
        self.count(
            "top_up",
            self.inner
                .top_up(provider_id, package_code, reference)
                .await,
        )
    }

    async fn cancel(&self, provider_id: &str) -> Result<ProviderEsim, ProviderError> {
        self.count("cancel", self.inner.cancel(provider_id).await)
    }

    async fn balance(&self) -> Result<Money, ProviderError> {
        self.count("balance", self.inner.balance().await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_render_in_prometheus_text_format() {
        let metrics = Metrics::default();
        metrics.request("/v1/orders", 201, 0.02);
        metrics.request("/v1/orders", 201, 3.0);
        metrics.provider_call("order", "ok");
        metrics.cache("packages", true);
        let text = metrics.render(&[("completed".into(), 2)]);
        assert!(
            text.contains("esim_http_requests_total{route=\"/v1/orders\",status=\"201\"} 2"),
            "{text}"
        );
        assert!(
            text.contains(
                "esim_http_request_duration_seconds_bucket{route=\"/v1/orders\",le=\"0.025\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "esim_http_request_duration_seconds_bucket{route=\"/v1/orders\",le=\"5\"} 2"
            ),
            "{text}"
        );
        assert!(
            text.contains("esim_http_request_duration_seconds_count{route=\"/v1/orders\"} 2"),
            "{text}"
        );
        assert!(text.contains("esim_provider_calls_total{operation=\"order\",outcome=\"ok\"} 1"));
        assert!(text.contains("esim_cache_lookups_total{cache=\"packages\",result=\"hit\"} 1"));
        assert!(text.contains("esim_orders{state=\"completed\"} 2"));
        assert_eq!(label("a\"b\\c"), "a\\\"b\\\\c");
    }
}
