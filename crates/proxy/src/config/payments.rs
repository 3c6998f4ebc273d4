//! `[payments.stripe]`: card payment for `checkout = "stripe"`. What the file holds is public
//! (the publishable key, where Stripe is); the secret key and the webhook's signing secret
//! come from the environment only.

use esim_providers::Secret;
use serde::Deserialize;

use crate::payments::stripe::API_BASE;

/// The environment variable holding Stripe's secret key (`sk_…` or a restricted `rk_…`).
pub const STRIPE_SECRET_KEY_ENV: &str = "ESIM_PROXY_STRIPE_SECRET_KEY";
/// The environment variable holding the webhook endpoint's signing secret (`whsec_…`).
pub const STRIPE_WEBHOOK_SECRET_ENV: &str = "ESIM_PROXY_STRIPE_WEBHOOK_SECRET";

/// Stripe.js, version 3, from Stripe.
pub const JS_URL: &str = "https://js.stripe.com/v3/";

/// `[payments]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payments {
    pub stripe: Option<StripeConfig>,
}

/// `[payments.stripe]`, with the secrets read from the environment beside it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StripeConfig {
    /// `pk_test_…` or `pk_live_…`: sent to the widget.
    pub publishable_key: String,
    /// Stripe's API; another only so that tests can point at a stand-in.
    #[serde(default = "default_api_base")]
    pub api_base: String,
    /// Stripe.js; another only so that tests can point at a stand-in.
    #[serde(default = "default_js_url")]
    pub js_url: String,
    /// From [`STRIPE_SECRET_KEY_ENV`].
    #[serde(skip)]
    pub secret_key: Option<Secret>,
    /// From [`STRIPE_WEBHOOK_SECRET_ENV`].
    #[serde(skip)]
    pub webhook_secret: Option<Secret>,
}

fn default_api_base() -> String {
    API_BASE.into()
}
fn default_js_url() -> String {
    JS_URL.into()
}

impl StripeConfig {
    /// Reads the secrets from the environment.
    pub fn read_env(&mut self) {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(Secret::new)
        };
        self.secret_key = var(STRIPE_SECRET_KEY_ENV);
        self.webhook_secret = var(STRIPE_WEBHOOK_SECRET_ENV);
    }

    /// What a page with the card field adds to its Content-Security-Policy: (script-src,
    /// frame-src, connect-src). For Stripe, as Stripe documents for the card Element:
    /// `https://js.stripe.com` for the script and its frames, `https://hooks.stripe.com` for
    /// the bank's 3-D Secure frame, `https://api.stripe.com` to connect to; for a stand-in,
    /// its origins in their place.
    pub fn csp_sources(&self) -> (Vec<String>, Vec<String>, Vec<String>) {
        let origin = |url: &str| {
            reqwest::Url::parse(url)
                .map(|u| u.origin().ascii_serialization())
                .unwrap_or_default()
        };
        let js = origin(&self.js_url);
        let api = origin(&self.api_base);
        let mut frames = vec![js.clone()];
        if js == "https://js.stripe.com" {
            frames.push("https://hooks.stripe.com".into());
        }
        (vec![js], frames, vec![api])
    }

    /// Checks what card payment needs, naming what is missing or wrong.
    pub fn validate(&self) -> Result<(), String> {
        let public = self.publishable_key.trim();
        let public_mode = if public.starts_with("pk_test_") {
            "test"
        } else if public.starts_with("pk_live_") {
            "live"
        } else {
            return Err(format!(
                "payments.stripe.publishable_key must be a publishable key (pk_test_… or pk_live_…), got {:?}",
                public.chars().take(8).collect::<String>()
            ));
        };
        let Some(secret) = &self.secret_key else {
            return Err(format!(
                "checkout = \"stripe\" needs Stripe's secret key in the {STRIPE_SECRET_KEY_ENV} environment variable"
            ));
        };
        let secret = secret.expose();
        let secret_mode = match secret.get(..8) {
            Some("sk_test_" | "rk_test_") => "test",
            Some("sk_live_" | "rk_live_") => "live",
            _ => {
                return Err(format!(
                    "{STRIPE_SECRET_KEY_ENV} must be a secret key (sk_… or rk_…); a publishable key belongs in payments.stripe.publishable_key"
                ))
            }
        };
        if secret_mode != public_mode {
            return Err(format!(
                "payments.stripe.publishable_key is a {public_mode} key but {STRIPE_SECRET_KEY_ENV} is a {secret_mode} key: both must be test keys or both live"
            ));
        }
        if self.webhook_secret.is_none() {
            return Err(format!(
                "checkout = \"stripe\" needs the webhook endpoint's signing secret in the {STRIPE_WEBHOOK_SECRET_ENV} environment variable (Stripe shows it as whsec_…)"
            ));
        }
        for (name, url) in [("api_base", &self.api_base), ("js_url", &self.js_url)] {
            let parsed = reqwest::Url::parse(url)
                .map_err(|e| format!("payments.stripe.{name} {url:?} is not a URL: {e}"))?;
            if !matches!(parsed.scheme(), "https" | "http") {
                return Err(format!(
                    "payments.stripe.{name} must be an http(s) URL, got {url:?}"
                ));
            }
        }
        Ok(())
    }
}
