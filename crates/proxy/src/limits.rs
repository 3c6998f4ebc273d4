//! The write rate limits: one bucket for quotes, and one for every other POST (those that
//! spend: orders, top-ups, cancels; and the sandbox's controls), so that asking prices never
//! uses up the orders' allowance.
//!
//! A bucket is kept per shopper where the bearer token says who is asking (a customer's
//! `sub`, a guest's id: many shoppers behind one NAT or reverse proxy are limited apart),
//! and per client address (see [`crate::client`]) for the anonymous and for tokens that do
//! not verify. governor's GCRA keeps one timestamp per key. The buckets are per process: two
//! instances allow twice the rate (see the README).

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::client::ClientAddr;
use crate::error::AppError;
use crate::extract::bearer;
use crate::routes::AppState;
use crate::service::Caller;

/// Keys kept before those that are full again are forgotten.
const FORGET_ABOVE: usize = 100_000;

/// The two buckets.
pub struct RateLimits {
    spend: DefaultKeyedRateLimiter<String>,
    quotes: DefaultKeyedRateLimiter<String>,
}

impl RateLimits {
    /// Buckets that allow `spend` and `quotes` requests per minute, each all at once at
    /// most.
    pub fn new(spend: u32, quotes: u32) -> RateLimits {
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        RateLimits {
            spend: RateLimiter::keyed(per_minute(spend)),
            quotes: RateLimiter::keyed(per_minute(quotes)),
        }
    }

    /// The bucket a request draws from, if any: only POSTs are limited, but for Stripe's
    /// webhook (signed, and sent from Stripe's few addresses for every shopper at once).
    fn bucket(&self, method: &Method, path: &str) -> Option<&DefaultKeyedRateLimiter<String>> {
        (method == Method::POST && path != crate::routes::STRIPE_WEBHOOK_PATH).then(|| {
            if path == "/v1/quotes" {
                &self.quotes
            } else {
                &self.spend
            }
        })
    }
}

/// Middleware: answers `429 rate_limited` with `Retry-After` when the caller's bucket is
/// empty.
pub async fn limit(
    State((limits, state)): State<(Arc<RateLimits>, AppState)>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(bucket) = limits.bucket(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let token = bearer(request.headers()).ok().flatten().map(str::to_owned);
    let client = request.extensions().get::<ClientAddr>().copied();
    let caller = match token {
        Some(token) => state.service.caller(Some(&token)).await.ok(),
        None => None,
    };
    let key = match &caller {
        Some(Caller::Known(owner)) => owner.key(),
        _ => {
            let ClientAddr(ip) = client.unwrap_or(ClientAddr([0, 0, 0, 0].into()));
            format!("ip:{ip}")
        }
    };
    if bucket.len() > FORGET_ABOVE {
        bucket.retain_recent();
    }
    if let Err(not_until) = bucket.check_key(&key) {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        return AppError::rate_limited(wait).into_response();
    }
    if let Some(caller) = caller {
        // Identified once: the handler's `Caller` is this one.
        request.extensions_mut().insert(caller);
    }
    next.run(request).await
}
