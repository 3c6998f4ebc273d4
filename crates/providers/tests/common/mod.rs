//! What every provider's contract test shares.

#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use esim_core::{Currency, Money};
use esim_fakes::{Fake, Fault, Secrets};
use esim_providers::http::Backoff;
use esim_providers::{ErrorKind, OrderRequest, Provider, ProviderError};

pub const GB: u64 = 1 << 30;

pub fn usd(cents: i64) -> Money {
    Money::from_minor(cents, Currency::USD)
}

pub fn order(reference: &str, code: &str) -> OrderRequest {
    OrderRequest {
        reference: reference.into(),
        package_code: code.into(),
        quantity: 1,
    }
}

/// How every adapter's error journey starts: `stranger`'s credentials are refused, each
/// transport fault reads as its kind (see [`transport_faults`]), and an order of `code` beyond
/// the merchant's balance is refused as such. Returns that refusal, for its message.
pub async fn refusals(
    fake: &Fake,
    adapter: &dyn Provider,
    stranger: &dyn Provider,
    code: &str,
) -> ProviderError {
    assert_eq!(
        stranger.balance().await.unwrap_err().kind,
        ErrorKind::Unauthorized
    );
    transport_faults(fake, || adapter.balance()).await;
    let opening = fake.balance_cents();
    fake.set_balance_cents(1_00);
    let e = adapter.order(&order("poor", code)).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InsufficientBalance, "{e}");
    fake.set_balance_cents(opening);
    e
}

/// What the provider does not know is not found: each of `packages` as a package, each of
/// `esims` as an eSIM (path-like ones too: they must never reach another endpoint).
pub async fn unknowns_are_not_found(adapter: &dyn Provider, packages: &[&str], esims: &[&str]) {
    for code in packages {
        let e = adapter.package(code).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "package {code:?}: {e}");
    }
    for id in esims {
        let e = adapter.esim(id).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "eSIM {id:?}: {e}");
    }
}

/// The top-up under reference "tu-1", sent again, buys nothing more: `why` says how the
/// adapter knows.
pub async fn a_retried_top_up_buys_nothing(
    fake: &Fake,
    adapter: &dyn Provider,
    id: &str,
    code: &str,
    why: &str,
) {
    let before = fake.balance_cents();
    adapter.top_up(id, code, "tu-1").await.unwrap();
    assert_eq!(fake.balance_cents(), before, "{why}");
}

/// A top-up of `code` for an eSIM that has expired at the provider is not allowed.
pub async fn a_late_top_up_is_refused(fake: &Fake, adapter: &dyn Provider, id: &str, code: &str) {
    fake.expire(id);
    let e = adapter.top_up(id, code, "late").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAllowed, "{e}");
}

/// A backoff quick enough for tests.
pub fn quick() -> Backoff {
    Backoff {
        attempts: 3,
        first_delay: Duration::from_millis(10),
    }
}

/// The client timeout the fault journeys use: short, as `Fault::Timeout` waits a minute.
pub const SHORT: Duration = Duration::from_millis(800);

/// Makes the fake misbehave in every way once, each time checking the error `call` ends in,
/// that no secret is in its message, and that the next call succeeds again (after a 429, only
/// once its `Retry-After` has passed: until then the adapter does not ask).
pub async fn transport_faults<T, F, Fut>(fake: &Fake, call: F)
where
    T: std::fmt::Debug,
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let cases = [
        (Fault::ServerError, ErrorKind::Unavailable),
        (Fault::Unavailable, ErrorKind::Unavailable),
        (
            Fault::RateLimited {
                retry_after_secs: 1,
            },
            ErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(1)),
            },
        ),
        (Fault::Malformed, ErrorKind::MalformedResponse),
        (Fault::Truncated, ErrorKind::Unavailable),
        (Fault::Timeout, ErrorKind::Timeout),
    ];
    let secrets = Secrets::default();
    for (fault, kind) in cases {
        fake.fail_next(fault);
        let e = call().await.unwrap_err();
        assert_eq!(e.kind, kind, "{fault:?}: {e}");
        for secret in [&secrets.key, &secrets.client_secret] {
            assert!(!e.message.contains(secret.as_str()), "a secret in {e}");
        }
        if let Fault::RateLimited { .. } = fault {
            let asked = fake.requests().len();
            let again = call().await.unwrap_err();
            assert!(
                matches!(
                    again.kind,
                    ErrorKind::RateLimited {
                        retry_after: Some(_)
                    }
                ),
                "{again}"
            );
            assert_eq!(
                fake.requests().len(),
                asked,
                "Retry-After honoured: not asked again"
            );
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
        call()
            .await
            .unwrap_or_else(|e| panic!("after {fault:?}: {e}"));
    }
}

/// Asks with a refused `secret` while the fake echoes refused credentials, and checks that the
/// error says "unauthorized" without the secret in its message or its `Debug` (what a log
/// prints), whatever form the provider echoed it in.
pub async fn a_refused_secret_is_never_repeated<T: std::fmt::Debug, Fut>(
    fake: &Fake,
    secret: &str,
    call: impl FnOnce() -> Fut,
) where
    Fut: Future<Output = Result<T, ProviderError>>,
{
    fake.echo_credentials();
    let error = call().await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unauthorized, "{error:?}");
    assert!(
        !error.message.contains(secret) && !format!("{error:?}").contains(secret),
        "the secret reached the message: {error:?}"
    );
    assert!(
        error.message.contains("***"),
        "the echo is there, scrubbed: {error:?}"
    );
}
