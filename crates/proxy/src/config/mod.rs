//! Configuration: a TOML file for everything a merchant may publish, environment variables
//! for secrets. `esim-proxy --sandbox` needs neither.

use std::net::SocketAddr;
use std::path::PathBuf;

use esim_core::api::CheckoutMode;
use esim_core::{Currency, Decimal, Markup, Money, PriceEnding};
use esim_providers::{Credentials, Missing, ProviderSpec, Secret};
use serde::Deserialize;

mod connections;
mod payments;
pub use connections::Connections;
pub use payments::{Payments, StripeConfig, STRIPE_SECRET_KEY_ENV, STRIPE_WEBHOOK_SECRET_ENV};

/// The environment variable holding the secret that signs customer tokens.
pub const TOKEN_SECRET_ENV: &str = "ESIM_PROXY_TOKEN_SECRET";
/// The bearer token `GET /metrics` asks for; without it, there is no `/metrics`.
pub const METRICS_TOKEN_ENV: &str = "ESIM_PROXY_METRICS_TOKEN";
/// The PostgreSQL password, when `database` is a PostgreSQL URL (else `PGPASSWORD`).
pub const DATABASE_PASSWORD_ENV: &str = "ESIM_PROXY_DATABASE_PASSWORD";
/// The environment variable holding the provider's API key (Vellosim, CloudeSIM, VeloeSIM).
pub const PROVIDER_KEY_ENV: &str = "ESIM_PROXY_PROVIDER_KEY";
/// The environment variables holding PressOne's client id and secret.
pub const PROVIDER_CLIENT_ID_ENV: &str = "ESIM_PROXY_PROVIDER_CLIENT_ID";
pub const PROVIDER_CLIENT_SECRET_ENV: &str = "ESIM_PROXY_PROVIDER_CLIENT_SECRET";
/// The environment variable that overrides the provider's base URL.
pub const PROVIDER_URL_ENV: &str = "ESIM_PROXY_PROVIDER_URL";

/// The proxy's configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where to listen.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The shop's name, shown in the widget.
    #[serde(default = "default_shop_name")]
    pub shop_name: String,
    /// Which provider to sell.
    #[serde(default)]
    pub provider: ProviderSpec,
    /// Who may order.
    #[serde(default = "default_checkout")]
    pub checkout: CheckoutMode,
    /// How shoppers pay, for `checkout = "stripe"`.
    #[serde(default)]
    pub payments: Payments,
    /// Currencies prices may be shown in (those the rates also know); empty means all.
    #[serde(default)]
    pub currencies: Vec<Currency>,
    /// The currency shown first.
    #[serde(default = "default_currency")]
    pub default_currency: Currency,
    /// Locales the widget may use.
    #[serde(default = "default_locales")]
    pub locales: Vec<String>,
    /// The merchant's margin.
    #[serde(default)]
    pub markup: MarkupConfig,
    /// SQLite file, ":memory:", or a PostgreSQL URL (`postgres://user@host:port/db`, its
    /// password from the environment, never in the URL).
    #[serde(default = "default_database")]
    pub database: String,
    /// The PostgreSQL password, from [`DATABASE_PASSWORD_ENV`] or `PGPASSWORD`; never from
    /// the file, never shown by `Debug`.
    #[serde(skip)]
    pub database_password: Option<Secret>,
    /// The token `GET /metrics` asks for, from [`METRICS_TOKEN_ENV`]; without it the metrics
    /// are not served.
    #[serde(skip)]
    pub metrics_token: Option<Secret>,
    /// How the log is written: `text` (the default) or `json`, one object a line with the
    /// request's id.
    #[serde(default)]
    pub log_format: LogFormat,
    /// Origins allowed to call the API from a browser (exact, e.g. "https://shop.example").
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// Largest request body accepted, in bytes.
    #[serde(default = "default_body_limit")]
    pub body_limit: usize,
    /// Requests that spend (orders, top-ups, cancels) allowed per shopper per minute: per
    /// customer or guest where the token says who it is, per client address otherwise.
    #[serde(default = "default_writes_per_minute")]
    pub writes_per_minute: u32,
    /// Quotes allowed per shopper (as above) per minute: a bucket of their own, so that
    /// asking prices never uses up the orders' bucket.
    #[serde(default = "default_quotes_per_minute")]
    pub quotes_per_minute: u32,
    /// Reverse proxies (addresses or CIDR ranges, e.g. "10.0.0.0/8") whose `Forwarded` or
    /// `X-Forwarded-For` header names the client. From any other peer those headers are
    /// ignored and the TCP peer is the client.
    #[serde(default, deserialize_with = "nets")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header the trusted proxies write: "x-forwarded-for" (the default) or "forwarded".
    #[serde(default)]
    pub client_address_header: crate::client::ForwardedHeader,
    /// Deadlines and the cap on connections.
    #[serde(default)]
    pub connections: Connections,
    /// Seconds to wait for the provider before giving up; a shopper's order waits this long
    /// for its purchase, then is answered as pending while the purchase goes on.
    #[serde(default = "default_provider_timeout")]
    pub provider_timeout_secs: u64,
    /// Seconds a purchase or top-up may take at the provider before its outcome is taken to
    /// be unknown (it is never abandoned earlier, and never bought again).
    #[serde(default = "default_purchase_timeout")]
    pub purchase_timeout_secs: u64,
    /// Seconds an order whose outcome is unknown is searched for in the provider's records
    /// before it is held for the merchant's review.
    #[serde(default = "default_review_after")]
    pub review_after_secs: u64,
    /// Seconds a card order may wait for its payment before its PaymentIntent is cancelled
    /// (and the order failed, not charged).
    #[serde(default = "default_payment_window")]
    pub payment_window_secs: u64,
    /// Seconds the catalogue and rates are cached.
    #[serde(default = "default_catalogue_ttl")]
    pub catalogue_ttl_secs: u64,
    /// Seconds an eSIM's usage is cached (the provider's own limits apply on top).
    #[serde(default = "default_usage_ttl")]
    pub usage_ttl_secs: u64,
    /// The demo page folder to serve at `/`, if any.
    pub www_dir: Option<PathBuf>,
    /// The built widget folder to serve at `/pkg/`, if any.
    pub dist_dir: Option<PathBuf>,
    /// The secret that signs customer tokens; from the environment, never the file, and
    /// never shown by `Debug`.
    #[serde(skip)]
    pub token_secret: Option<Secret>,
    /// The provider's credentials; from the environment, never the file.
    #[serde(skip)]
    pub credentials: Credentials,
}

/// Reads addresses and CIDR ranges: "10.0.0.0/8", "192.168.1.7", "fd00::/8".
fn nets<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "trusted_proxies: {s:?} is not an address or CIDR range"
                    ))
                })
        })
        .collect()
}

/// How the log is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The metrics token from [`METRICS_TOKEN_ENV`], if set.
fn metrics_token_from_env() -> Option<Secret> {
    std::env::var(METRICS_TOKEN_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(Secret::new)
}

/// The customer-token secret from [`TOKEN_SECRET_ENV`], if set.
fn token_secret_from_env() -> Option<Secret> {
    std::env::var(TOKEN_SECRET_ENV)
        .ok()
        .filter(|s| !s.is_empty())
        .map(Secret::new)
}

/// Reads the provider's credentials from the environment (never from the file).
pub fn credentials_from_env() -> Credentials {
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(Secret::new)
    };
    Credentials {
        key: var(PROVIDER_KEY_ENV),
        client_id: var(PROVIDER_CLIENT_ID_ENV),
        client_secret: var(PROVIDER_CLIENT_SECRET_ENV),
    }
}

/// The merchant's margin as written in the file: `percent = "25"`, `fixed_cents = 50`,
/// `ending = "99"` or `"whole"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkupConfig {
    #[serde(default = "default_markup_percent")]
    pub percent: Decimal,
    /// A fixed amount in US cents added after the percentage.
    #[serde(default)]
    pub fixed_cents: i64,
    /// "exact", "whole", or the minor units a price should end in ("99").
    #[serde(default = "default_ending")]
    pub ending: String,
}

impl Default for MarkupConfig {
    fn default() -> MarkupConfig {
        MarkupConfig {
            percent: default_markup_percent(),
            fixed_cents: 0,
            ending: default_ending(),
        }
    }
}

impl MarkupConfig {
    /// Returns the core markup, or why the file's values are wrong.
    pub fn to_markup(&self) -> Result<Markup, String> {
        if self.percent < Decimal::ZERO {
            return Err("markup.percent cannot be negative".into());
        }
        let ending = match self.ending.trim() {
            "exact" | "" => PriceEnding::Exact,
            "whole" => PriceEnding::Whole,
            digits => PriceEnding::Minor(digits.parse().map_err(|_| {
                format!("markup.ending must be \"exact\", \"whole\" or digits, got {digits:?}")
            })?),
        };
        let fixed =
            (self.fixed_cents != 0).then(|| Money::from_minor(self.fixed_cents, Currency::USD));
        Ok(Markup {
            percent: self.percent,
            fixed,
            ending,
        })
    }
}

impl Config {
    /// Reads a TOML file, then secrets from the environment.
    pub fn from_file(path: &std::path::Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut config: Config =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        config.token_secret = token_secret_from_env();
        config.read_provider_env()?;
        config.validate()?;
        Ok(config)
    }

    /// A configuration with every default, secrets from the environment: the start of
    /// `esim-proxy --provider NAME` without a file.
    pub fn defaults() -> Config {
        let mut config: Config = toml::from_str("").expect("every field has a default");
        config.token_secret = token_secret_from_env();
        config.credentials = credentials_from_env();
        config
    }

    /// Reads the provider's secrets, and a base URL override, from the environment; and the
    /// payment service's secrets where it is configured.
    pub fn read_provider_env(&mut self) -> Result<(), String> {
        self.credentials = credentials_from_env();
        self.database_password = [DATABASE_PASSWORD_ENV, "PGPASSWORD"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
            .map(Secret::new);
        self.metrics_token = metrics_token_from_env();
        if let Some(stripe) = &mut self.payments.stripe {
            stripe.read_env();
        }
        if let Some(url) = std::env::var(PROVIDER_URL_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            if !self.provider.is_sandbox() {
                self.provider.set_base_url(url)?;
            }
        }
        Ok(())
    }

    /// The configuration `--sandbox` runs with: the sandbox provider, anyone may order, an
    /// in-memory database. A customer-token secret from the environment is used if set.
    pub fn sandbox() -> Config {
        let mut config: Config = toml::from_str("").expect("every field has a default");
        config.checkout = CheckoutMode::Sandbox;
        config.database = ":memory:".into();
        config.provider = ProviderSpec::Sandbox {
            state_path: None,
            provisioning_delay_secs: 2,
            balance_cents: esim_providers::DEFAULT_SANDBOX_BALANCE_CENTS,
        };
        config.token_secret = token_secret_from_env();
        config.metrics_token = metrics_token_from_env();
        config
    }

    /// Checks what serde cannot.
    pub fn validate(&self) -> Result<(), String> {
        self.markup.to_markup()?;
        if self.checkout == CheckoutMode::Customer && self.token_secret.is_none() {
            return Err(format!(
                "checkout = \"customer\" needs the customer-token secret in the {TOKEN_SECRET_ENV} environment variable"
            ));
        }
        if self
            .token_secret
            .as_ref()
            .is_some_and(|s| s.expose().len() < 32)
        {
            return Err(format!("{TOKEN_SECRET_ENV} must be at least 32 bytes"));
        }
        match (&self.checkout, &self.payments.stripe) {
            (CheckoutMode::Stripe, None) => {
                return Err("checkout = \"stripe\" needs a [payments.stripe] section with the publishable_key".into())
            }
            (CheckoutMode::Stripe, Some(stripe)) => stripe.validate()?,
            (_, Some(_)) => {
                return Err("[payments.stripe] is set but checkout is not \"stripe\": set checkout = \"stripe\" to take card payment, or remove the section".into())
            }
            (_, None) => {}
        }
        self.connections.validate()?;
        if self.database.starts_with("postgres://") || self.database.starts_with("postgresql://") {
            let url = self.database.parse::<tokio_postgres::Config>().map_err(|e| {
                format!("database: the PostgreSQL URL cannot be read ({e}); it looks like postgres://user@host:5432/dbname")
            })?;
            if url.get_password().is_some() {
                return Err(format!(
                    "database: keep the PostgreSQL password out of the URL (and the file): set {DATABASE_PASSWORD_ENV} instead"
                ));
            }
        }
        if self
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.expose().len() < 16)
        {
            return Err(format!(
                "{METRICS_TOKEN_ENV} must be at least 16 characters"
            ));
        }
        if self.writes_per_minute == 0 || self.quotes_per_minute == 0 {
            return Err("writes_per_minute and quotes_per_minute must be at least 1".into());
        }
        if self.body_limit < 1024 {
            return Err("body_limit must be at least 1024 bytes".into());
        }
        self.validate_provider()
    }

    /// Checks that the provider has what it needs: its base URL and credentials, naming the
    /// environment variables to set.
    pub fn validate_provider(&self) -> Result<(), String> {
        match self.provider.missing(&self.credentials) {
            None => {}
            Some(Missing::BaseUrl) => {
                return Err(format!(
                    "provider {} needs base_url (in [provider], --provider-url or {PROVIDER_URL_ENV}): PressOne publishes none",
                    self.provider.name()
                ))
            }
            Some(Missing::ClientIdAndSecret) => {
                return Err(format!(
                    "provider {} needs {PROVIDER_CLIENT_ID_ENV} and {PROVIDER_CLIENT_SECRET_ENV} in the environment",
                    self.provider.name()
                ))
            }
            Some(Missing::Key) => {
                return Err(format!(
                    "provider {} needs its API key in the {PROVIDER_KEY_ENV} environment variable",
                    self.provider.name()
                ))
            }
        }
        Ok(())
    }

    /// What the widget needs to take payment (public values only), for a card checkout.
    pub fn payment_settings(&self) -> Option<esim_core::api::PaymentSettings> {
        let stripe = self.payments.stripe.as_ref()?;
        (self.checkout == CheckoutMode::Stripe).then(|| esim_core::api::PaymentSettings {
            kind: esim_core::api::PaymentKind::Stripe,
            publishable_key: stripe.publishable_key.trim().to_owned(),
            js_url: stripe.js_url.clone(),
        })
    }

    /// Returns whether this storefront is in test mode (sandbox provider or checkout).
    pub fn test_mode(&self) -> bool {
        self.checkout == CheckoutMode::Sandbox || self.provider.is_sandbox()
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
fn default_shop_name() -> String {
    "Travel eSIMs".into()
}
fn default_checkout() -> CheckoutMode {
    CheckoutMode::Customer
}
fn default_currency() -> Currency {
    Currency::USD
}
fn default_locales() -> Vec<String> {
    vec!["en".into(), "fr".into(), "es".into()]
}
fn default_database() -> String {
    "esim-proxy.sqlite3".into()
}
fn default_body_limit() -> usize {
    16 * 1024
}
fn default_writes_per_minute() -> u32 {
    60
}
fn default_quotes_per_minute() -> u32 {
    120
}
fn default_provider_timeout() -> u64 {
    20
}
fn default_purchase_timeout() -> u64 {
    120
}
fn default_review_after() -> u64 {
    600
}
fn default_payment_window() -> u64 {
    30 * 60
}
fn default_catalogue_ttl() -> u64 {
    300
}
fn default_usage_ttl() -> u64 {
    30
}
fn default_markup_percent() -> Decimal {
    Decimal::from(25)
}
fn default_ending() -> String {
    "99".into()
}
#[cfg(test)]
mod tests;
