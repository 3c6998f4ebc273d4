//! Any adapter, built from its configuration: the proxy reads a [`ProviderSpec`] from its file,
//! [`Credentials`] from the environment, and gets back the [`Provider`] trait (and, for the
//! sandbox, its control handle). Nothing outside this crate names an adapter's type.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use esim_core::{Currency, Money};
use serde::Deserialize;

use crate::sandbox::{Sandbox, SandboxConfig};
use crate::{cloudesim, pressone, vellosim, veloesim, Endpoint, Provider, Secret, SharedPacing};

/// Which provider, and how to reach it (`[provider]` in the proxy's file, `kind = "..."`).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ProviderSpec {
    /// The built-in sandbox.
    Sandbox {
        /// File keeping the sandbox's state across restarts; memory if absent.
        state_path: Option<PathBuf>,
        /// Seconds a new eSIM stays pending before it can be installed.
        #[serde(default)]
        provisioning_delay_secs: u64,
        /// The merchant's opening test balance, in US cents.
        #[serde(default = "default_sandbox_balance")]
        balance_cents: i64,
    },
    /// Vellosim: the key is its `X-API-Key`.
    Vellosim {
        /// Defaults to [`vellosim::BASE_URL`].
        base_url: Option<String>,
    },
    /// CloudeSIM: the key is its bearer token.
    Cloudesim {
        /// Defaults to [`cloudesim::BASE_URL`].
        base_url: Option<String>,
        #[serde(default)]
        units: cloudesim::Units,
    },
    /// VeloeSIM (VeloConnect): the key is its API key.
    Veloesim {
        /// Defaults to [`veloesim::BASE_URL`].
        base_url: Option<String>,
        #[serde(default)]
        auth: veloesim::AuthScheme,
    },
    /// PressOne: a client id and secret.
    Pressone {
        /// Required: PressOne publishes no public base URL; use the one in your account.
        base_url: Option<String>,
    },
}

/// The sandbox's opening balance: $5,000.
pub const DEFAULT_SANDBOX_BALANCE_CENTS: i64 = 500_000;

fn default_sandbox_balance() -> i64 {
    DEFAULT_SANDBOX_BALANCE_CENTS
}

impl Default for ProviderSpec {
    fn default() -> ProviderSpec {
        ProviderSpec::Sandbox {
            state_path: None,
            provisioning_delay_secs: 0,
            balance_cents: DEFAULT_SANDBOX_BALANCE_CENTS,
        }
    }
}

impl ProviderSpec {
    /// Every provider's name, as `kind` and `--provider` spell it.
    pub const NAMES: [&'static str; 5] =
        ["sandbox", "vellosim", "cloudesim", "veloesim", "pressone"];

    /// The provider's name, as `kind` and `--provider` spell it.
    pub fn name(&self) -> &'static str {
        match self {
            ProviderSpec::Sandbox { .. } => "sandbox",
            ProviderSpec::Vellosim { .. } => "vellosim",
            ProviderSpec::Cloudesim { .. } => "cloudesim",
            ProviderSpec::Veloesim { .. } => "veloesim",
            ProviderSpec::Pressone { .. } => "pressone",
        }
    }

    /// The provider of that name with its defaults.
    pub fn named(name: &str) -> Result<ProviderSpec, String> {
        match name {
            "sandbox" => Ok(ProviderSpec::default()),
            "vellosim" => Ok(ProviderSpec::Vellosim { base_url: None }),
            "cloudesim" => Ok(ProviderSpec::Cloudesim {
                base_url: None,
                units: cloudesim::Units::default(),
            }),
            "veloesim" => Ok(ProviderSpec::Veloesim {
                base_url: None,
                auth: veloesim::AuthScheme::default(),
            }),
            "pressone" => Ok(ProviderSpec::Pressone { base_url: None }),
            other => Err(format!(
                "unknown provider {other:?}: choose {}",
                ProviderSpec::NAMES.join(", ")
            )),
        }
    }

    /// Whether this is the built-in sandbox.
    pub fn is_sandbox(&self) -> bool {
        matches!(self, ProviderSpec::Sandbox { .. })
    }

    /// Sets the base URL (not for the sandbox, which has none).
    pub fn set_base_url(&mut self, url: String) -> Result<(), String> {
        match self {
            ProviderSpec::Sandbox { .. } => Err("the sandbox provider has no base URL".into()),
            ProviderSpec::Vellosim { base_url }
            | ProviderSpec::Cloudesim { base_url, .. }
            | ProviderSpec::Veloesim { base_url, .. }
            | ProviderSpec::Pressone { base_url } => {
                *base_url = Some(url);
                Ok(())
            }
        }
    }

    /// What this provider needs that `credentials` and the spec do not have, if anything.
    pub fn missing(&self, credentials: &Credentials) -> Option<Missing> {
        match self {
            ProviderSpec::Sandbox { .. } => None,
            ProviderSpec::Pressone { base_url: None } => Some(Missing::BaseUrl),
            ProviderSpec::Pressone { .. } => (credentials.client_id.is_none()
                || credentials.client_secret.is_none())
            .then_some(Missing::ClientIdAndSecret),
            _ => credentials.key.is_none().then_some(Missing::Key),
        }
    }
}

/// A provider's credentials. `Debug` shows none of them.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// The API key (Vellosim, CloudeSIM, VeloeSIM).
    pub key: Option<Secret>,
    /// PressOne's client id.
    pub client_id: Option<Secret>,
    /// PressOne's client secret.
    pub client_secret: Option<Secret>,
}

/// What a provider cannot be built without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Its API key.
    Key,
    /// PressOne's client id and secret.
    ClientIdAndSecret,
    /// PressOne's base URL: it publishes none.
    BaseUrl,
}

/// How long to wait for a provider.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// One ordinary call, connection included.
    pub call: Duration,
    /// A purchase or top-up, which is never abandoned earlier.
    pub purchase: Duration,
}

/// Why a provider could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// A credential or setting is missing.
    #[error("provider {provider} is missing {missing:?}")]
    Missing {
        provider: &'static str,
        missing: Missing,
    },
    /// A setting is wrong (an unusable base URL, an unreadable sandbox state file).
    #[error("provider {provider}: {message}")]
    Invalid {
        provider: &'static str,
        message: String,
    },
}

/// A built provider and, for the sandbox, its control handle.
pub struct Built {
    pub provider: Arc<dyn Provider>,
    pub sandbox: Option<Arc<Sandbox>>,
}

/// Builds the provider `spec` names, keeping the waits it asks for (and the answers it allows
/// once in a while) in `pacing`: the proxy's database, when several instances share it.
pub fn build(
    spec: &ProviderSpec,
    credentials: &Credentials,
    timeouts: Timeouts,
    pacing: SharedPacing,
) -> Result<Built, BuildError> {
    let provider = spec.name();
    if let Some(missing) = spec.missing(credentials) {
        return Err(BuildError::Missing { provider, missing });
    }
    let invalid = |e: crate::ProviderError| BuildError::Invalid {
        provider,
        message: e.message,
    };
    let endpoint = |url: &Option<String>, default: &str| {
        Endpoint::new(url.as_deref().unwrap_or(default))
            .with_timeout(timeouts.call)
            .with_purchase_timeout(timeouts.purchase)
            .with_pacing(pacing.clone())
    };
    // `missing` above has made sure these are there.
    let key = || credentials.key.clone().unwrap_or_else(|| Secret::new(""));
    let adapter: Arc<dyn Provider> = match spec {
        ProviderSpec::Sandbox {
            state_path,
            provisioning_delay_secs,
            balance_cents,
        } => {
            let sandbox = Arc::new(
                Sandbox::new(SandboxConfig {
                    balance: Money::from_minor(*balance_cents, Currency::USD),
                    provisioning_delay: Duration::from_secs(*provisioning_delay_secs),
                    state_path: state_path.clone(),
                })
                .map_err(invalid)?,
            );
            return Ok(Built {
                provider: sandbox.clone(),
                sandbox: Some(sandbox),
            });
        }
        ProviderSpec::Vellosim { base_url } => Arc::new(
            vellosim::Vellosim::new(&endpoint(base_url, vellosim::BASE_URL), key())
                .map_err(invalid)?,
        ),
        ProviderSpec::Cloudesim { base_url, units } => Arc::new(
            cloudesim::CloudeSim::new(&endpoint(base_url, cloudesim::BASE_URL), key(), *units)
                .map_err(invalid)?,
        ),
        ProviderSpec::Veloesim { base_url, auth } => Arc::new(
            veloesim::VeloeSim::new(&endpoint(base_url, veloesim::BASE_URL), key(), *auth)
                .map_err(invalid)?,
        ),
        ProviderSpec::Pressone { base_url } => {
            let (Some(id), Some(secret)) = (&credentials.client_id, &credentials.client_secret)
            else {
                return Err(BuildError::Missing {
                    provider,
                    missing: Missing::ClientIdAndSecret,
                });
            };
            // `missing` has made sure the base URL is there: PressOne publishes none.
            Arc::new(
                pressone::PressOne::new(&endpoint(base_url, ""), id.clone(), secret.clone())
                    .map_err(invalid)?,
            )
        }
    };
    Ok(Built {
        provider: adapter,
        sandbox: None,
    })
}
