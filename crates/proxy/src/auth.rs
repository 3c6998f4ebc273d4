//! Who is asking: a customer token signed by the merchant's backend, or a guest token the
//! proxy handed out with a guest order.
//!
//! Customer tokens are JWTs signed with HMAC-SHA256 (`alg: HS256`) using a secret the merchant's
//! backend shares with the proxy; they must carry `sub` (the merchant's id for the shopper) and
//! `exp`. Any JWT library can issue them, and jsonwebtoken reads them here. Only HS256 is
//! accepted, so a token cannot choose a weaker algorithm (`none`) or confuse a key for
//! another. Guest tokens are 32 random bytes; the proxy stores only their SHA-256.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Seconds of clock difference tolerated between the merchant's backend and the proxy.
const LEEWAY: i64 = 30;
/// Prefix of guest tokens, so they are recognisable in a support request (never in a log).
pub const GUEST_PREFIX: &str = "gst_";

/// The owner of orders and eSIMs, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Owner {
    /// A merchant customer, by the token's `sub`.
    Customer(String),
    /// A guest, by the proxy's guest id.
    Guest(String),
}

impl Owner {
    /// Returns the stored form: `customer:<sub>` or `guest:<id>`.
    pub fn key(&self) -> String {
        match self {
            Owner::Customer(sub) => format!("customer:{sub}"),
            Owner::Guest(id) => format!("guest:{id}"),
        }
    }
}

/// Why a customer token was refused. Shown to nobody in detail: every case answers 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token is not three base64url parts")]
    Malformed,
    #[error("token algorithm is not HS256")]
    WrongAlgorithm,
    #[error("token signature does not match")]
    BadSignature,
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
    #[error("token lacks a usable sub or exp claim")]
    MissingClaims,
}

/// The claims the proxy reads; others are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

/// Signs claims as an HS256 JWT, as the merchant's backend does.
pub fn sign(claims: &Claims, secret: &[u8]) -> String {
    let header = jsonwebtoken::Header::new(Algorithm::HS256);
    // Encoding plain claims with an HMAC key cannot fail.
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap_or_default()
}

/// Verifies an HS256 JWT at time `now` (Unix seconds) and returns its claims. jsonwebtoken
/// checks the shape, the algorithm (HS256 only) and the signature, and that `sub` and `exp`
/// are there; the times are checked here against the caller's clock, with [`LEEWAY`] and
/// without overflow (an `exp` near `i64::MAX` is far in the future, not a panic).
pub fn verify(token: &str, secret: &[u8], now: i64) -> Result<Claims, TokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| {
        if names_an_algorithm(token) {
            TokenError::WrongAlgorithm
        } else {
            TokenError::Malformed
        }
    })?;
    if header.alg != Algorithm::HS256 {
        return Err(TokenError::WrongAlgorithm);
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    let claims =
        jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(secret), &validation)
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidSignature => TokenError::BadSignature,
                ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                    TokenError::WrongAlgorithm
                }
                ErrorKind::Json(_)
                | ErrorKind::MissingRequiredClaim(_)
                | ErrorKind::InvalidClaimFormat(_) => TokenError::MissingClaims,
                _ => TokenError::Malformed,
            })?
            .claims;
    if claims.sub.trim().is_empty() || claims.sub.len() > 200 {
        return Err(TokenError::MissingClaims);
    }
    if claims.exp.saturating_add(LEEWAY) <= now {
        return Err(TokenError::Expired);
    }
    if claims
        .nbf
        .is_some_and(|nbf| nbf.saturating_sub(LEEWAY) > now)
    {
        return Err(TokenError::NotYetValid);
    }
    Ok(claims)
}

/// Whether a token whose header jsonwebtoken cannot read names an algorithm in it (`none`,
/// `hs256`): a token of the wrong algorithm, not a malformed one.
fn names_an_algorithm(token: &str) -> bool {
    token
        .split('.')
        .next()
        .and_then(|header| URL_SAFE_NO_PAD.decode(header).ok())
        .and_then(|json| serde_json::from_slice::<serde_json::Value>(&json).ok())
        .is_some_and(|header| header.get("alg").is_some_and(serde_json::Value::is_string))
}

/// Returns a new guest token and the hash to store.
pub fn new_guest_token() -> (String, String) {
    let random = [
        uuid::Uuid::new_v4().into_bytes(),
        uuid::Uuid::new_v4().into_bytes(),
    ]
    .concat();
    let token = format!("{GUEST_PREFIX}{}", URL_SAFE_NO_PAD.encode(random));
    let hash = hash_guest_token(&token);
    (token, hash)
}

/// Returns the stored form of a guest token.
pub fn hash_guest_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"merchant-shared-secret-for-tests";
    const NOW: i64 = 1_800_000_000;

    fn claims(exp: i64) -> Claims {
        Claims {
            sub: "cust_42".into(),
            exp,
            nbf: None,
        }
    }

    #[test]
    fn a_signed_token_verifies() {
        let token = sign(&claims(NOW + 3600), SECRET);
        assert_eq!(verify(&token, SECRET, NOW).unwrap().sub, "cust_42");
    }

    #[test]
    fn a_forged_or_altered_token_is_refused() {
        let token = sign(&claims(NOW + 3600), SECRET);
        assert_eq!(
            verify(&token, b"another secret", NOW),
            Err(TokenError::BadSignature)
        );
        // Change the subject but keep the signature.
        let mut parts: Vec<&str> = token.split('.').collect();
        let other = URL_SAFE_NO_PAD.encode(br#"{"sub":"cust_1","exp":1900000000}"#);
        parts[1] = &other;
        assert_eq!(
            verify(&parts.join("."), SECRET, NOW),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn an_expired_token_is_refused_after_the_leeway() {
        let token = sign(&claims(NOW - 10), SECRET);
        assert!(verify(&token, SECRET, NOW).is_ok(), "within leeway");
        let token = sign(&claims(NOW - LEEWAY - 1), SECRET);
        assert_eq!(verify(&token, SECRET, NOW), Err(TokenError::Expired));
    }

    #[test]
    fn a_token_not_yet_valid_is_refused() {
        let c = Claims {
            nbf: Some(NOW + 3600),
            ..claims(NOW + 7200)
        };
        assert_eq!(
            verify(&sign(&c, SECRET), SECRET, NOW),
            Err(TokenError::NotYetValid)
        );
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"x","exp":1900000000}"#);
        for alg in ["none", "HS512", "RS256", "hs256"] {
            let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}"}}"#));
            let token = format!("{header}.{payload}.");
            assert_eq!(
                verify(&token, SECRET, NOW),
                Err(TokenError::WrongAlgorithm),
                "{alg}"
            );
        }
    }

    #[test]
    fn malformed_tokens_and_missing_claims_are_refused() {
        for token in ["", "abc", "a.b", "a.b.c.d", "!!!.???.***"] {
            assert_eq!(
                verify(token, SECRET, NOW),
                Err(TokenError::Malformed),
                "{token}"
            );
        }
        let no_sub = Claims {
            sub: String::new(),
            ..claims(1_900_000_000)
        };
        assert_eq!(
            verify(&sign(&no_sub, SECRET), SECRET, NOW),
            Err(TokenError::MissingClaims)
        );
        // Signed, but without an exp.
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"cust_42"}"#);
        let key = EncodingKey::from_secret(SECRET);
        let signature = jsonwebtoken::crypto::sign(
            format!("{header}.{payload}").as_bytes(),
            &key,
            Algorithm::HS256,
        )
        .unwrap();
        assert_eq!(
            verify(&format!("{header}.{payload}.{signature}"), SECRET, NOW),
            Err(TokenError::MissingClaims)
        );
    }

    #[test]
    fn times_at_the_ends_of_the_range_neither_panic_nor_pass_wrongly() {
        let far = sign(&claims(i64::MAX), SECRET);
        assert_eq!(verify(&far, SECRET, NOW).unwrap().exp, i64::MAX);
        let long_ago = sign(&claims(i64::MIN), SECRET);
        assert_eq!(
            verify(&long_ago, SECRET, NOW),
            Err(TokenError::MissingClaims),
            "an exp before 1970 is no usable exp"
        );
        let c = Claims {
            nbf: Some(i64::MIN),
            ..claims(NOW + 60)
        };
        assert!(verify(&sign(&c, SECRET), SECRET, NOW).is_ok());
    }

    #[test]
    fn guest_tokens_are_random_and_stored_hashed() {
        let (a, hash_a) = new_guest_token();
        let (b, _) = new_guest_token();
        assert_ne!(a, b);
        assert!(a.starts_with(GUEST_PREFIX) && a.len() > 40);
        assert_eq!(hash_guest_token(&a), hash_a);
        assert!(!hash_a.contains(&a[GUEST_PREFIX.len()..]));
    }
}
