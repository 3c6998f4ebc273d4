//! Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each
//! `v1` an HMAC-SHA256 with the endpoint's signing secret over `<t>.<raw body>`. An event is
//! taken only if one `v1` matches (compared in constant time) and `t` is within the tolerance
//! of now, so that a captured request cannot be replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a signature's timestamp may be from now: Stripe's libraries' default, 5 minutes.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a webhook's signature is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing")]
    Missing,
    #[error("the Stripe-Signature header has no timestamp or no v1 signature")]
    Malformed,
    #[error("the signature's timestamp is more than 5 minutes from now")]
    Stale,
    #[error("no v1 signature matches the body")]
    NoMatch,
}

/// Checks `header` (the `Stripe-Signature` value) against `body` as received, with the
/// endpoint's `secret`, at `now` (Unix seconds).
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secret: &str,
    now: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", hex)) => signatures.extend(hex::decode(hex).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let signed = signed_mac(secret, timestamp, body);
    // Each candidate against a fresh MAC: `verify_slice` compares in constant time.
    if signatures
        .iter()
        .any(|candidate| signed.clone().verify_slice(candidate).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::NoMatch)
    }
}

/// The MAC over `<timestamp>.<body>` with `secret`.
fn signed_mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any size");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;
    const NOW: i64 = 1_760_000_000;

    /// The signature as Python's own `hmac` module computes it: independent of the code above.
    fn python_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import hmac, hashlib, sys; \
                 key, t = sys.argv[1].encode(), sys.argv[2].encode(); \
                 body = sys.stdin.buffer.read(); \
                 print(hmac.new(key, t + b'.' + body, hashlib.sha256).hexdigest())",
                secret,
                &timestamp.to_string(),
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(body)?;
                child.wait_with_output()
            })
            .expect("python3 runs");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    #[test]
    fn a_signature_computed_elsewhere_is_accepted_among_others() {
        let good = python_signature(SECRET, NOW, BODY);
        assert_eq!(good.len(), 64);
        let header = format!("t={NOW},v1={good}");
        assert_eq!(verify(Some(&header), BODY, SECRET, NOW), Ok(()));
        // Several v1 (Stripe rolls secrets), a v0 and unknown parts: one match is enough.
        let other = python_signature("whsec_old", NOW, BODY);
        let header = format!("t={NOW}, v0=abc, v1={other}, v1={good}, x=1");
        assert_eq!(verify(Some(&header), BODY, SECRET, NOW + 299), Ok(()));
    }

    #[test]
    fn a_changed_body_a_wrong_secret_or_a_stale_time_is_refused() {
        let good = python_signature(SECRET, NOW, BODY);
        let header = format!("t={NOW},v1={good}");
        let changed = br#"{"id":"evt_1","type":"payment_intent.succeeded" }"#;
        assert_eq!(
            verify(Some(&header), changed, SECRET, NOW),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verify(Some(&header), BODY, "whsec_other", NOW),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verify(Some(&header), BODY, SECRET, NOW + TOLERANCE_SECS + 1),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(Some(&header), BODY, SECRET, NOW - TOLERANCE_SECS - 1),
            Err(SignatureError::Stale),
            "a timestamp from the future is no better"
        );
        // The timestamp is part of what is signed: moving it breaks the signature.
        let moved = format!("t={},v1={good}", NOW + 1);
        assert_eq!(
            verify(Some(&moved), BODY, SECRET, NOW),
            Err(SignatureError::NoMatch)
        );
    }

    #[test]
    fn malformed_headers_are_refused() {
        assert_eq!(
            verify(None, BODY, SECRET, NOW),
            Err(SignatureError::Missing)
        );
        for header in [
            "",
            "t=abc,v1=00",
            "v1=00",
            &format!("t={NOW}"),
            &format!("t={NOW},v1=zz"),
        ] {
            assert_eq!(
                verify(Some(header), BODY, SECRET, NOW),
                Err(SignatureError::Malformed),
                "{header:?}"
            );
        }
    }
}
