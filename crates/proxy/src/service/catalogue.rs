//! The catalogue and its prices: rates, the shopper's currency, the markup, destinations and
//! packages, each cached for `catalogue_ttl_secs`.

use super::orders::validate_quantity;
use super::*;
use esim_core::api::{DestinationSummary, Quote};

impl Service {
    /// Returns the exchange rates: the provider's, or just its own currency.
    pub async fn rates(&self) -> AppResult<Rates> {
        if !self.capabilities().rates {
            return Ok(Rates::new(Currency::USD));
        }
        Ok(self
            .rates
            .get_or_fetch(&(), || self.provider.rates())
            .await?)
    }

    /// Returns the currencies this storefront prices in: the configured ones the rates know.
    pub async fn currencies(&self) -> AppResult<Vec<Currency>> {
        let known = self.rates().await?.currencies();
        Ok(if self.config.currencies.is_empty() {
            known
        } else {
            self.config
                .currencies
                .iter()
                .copied()
                .filter(|c| known.contains(c))
                .collect()
        })
    }

    /// Parses a currency the shopper chose, or the storefront's default.
    pub async fn currency(&self, code: Option<&str>) -> AppResult<Currency> {
        let Some(code) = code.filter(|c| !c.is_empty()) else {
            return Ok(self.config.default_currency);
        };
        let unknown = || {
            AppError::new(
                ErrorCode::UnknownCurrency,
                format!("Prices are not available in {:?}.", code.trim()),
            )
        };
        // Exactly a code: " USD" or a lone space is a mistake, not the default.
        if code.trim() != code {
            return Err(unknown());
        }
        let currency = Currency::from_code(code).map_err(|_| unknown())?;
        if self.currencies().await?.contains(&currency) {
            Ok(currency)
        } else {
            Err(unknown())
        }
    }

    /// Returns the shopper's price for something costing `cost`.
    pub async fn price(&self, cost: Money, currency: Currency) -> AppResult<Money> {
        let rates = self.rates().await?;
        self.markup
            .price(cost, currency, &rates)
            .map_err(|e| AppError::internal(format!("pricing {cost}: {e}")))
    }

    /// Returns a package with its price in the shopper's currency.
    pub async fn priced(&self, mut package: Package, currency: Currency) -> AppResult<Package> {
        package.price = self.price(package.price, currency).await?;
        Ok(package)
    }

    /// Whether this instance can serve (`/readyz`): its database answers at the current
    /// schema, and the provider answers within its timeout (through the catalogue cache, so
    /// that probes ask the provider at most once per catalogue TTL). Each part's trouble, as
    /// fit for an operator (no secret, no URL).
    pub async fn readiness(&self) -> (Result<(), String>, Result<(), String>) {
        let database = self.store.ready().await.map_err(|e| e.to_string());
        let wait = Duration::from_secs(self.config.provider_timeout_secs.max(1));
        let provider = match tokio::time::timeout(wait, self.destinations()).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("the provider did not answer: {}", e.code.as_str())),
            Err(_) => Err(format!(
                "the provider did not answer within {}s",
                wait.as_secs()
            )),
        };
        (database, provider)
    }

    /// Returns every destination.
    pub async fn destinations(&self) -> AppResult<Vec<Destination>> {
        Ok(self
            .destinations
            .get_or_fetch(&(), || self.provider.destinations())
            .await?)
    }

    /// Returns the wholesale packages of a destination.
    pub async fn packages_of(&self, destination: &str) -> AppResult<Vec<Package>> {
        let key = destination.trim().to_ascii_lowercase();
        Ok(self
            .packages
            .get_or_fetch(&key, || self.provider.packages(destination.trim()))
            .await?)
    }

    /// Returns one wholesale package, answering `unknown_package` if there is none.
    pub async fn wholesale_package(&self, code: &str) -> AppResult<Package> {
        let key = code.trim().to_ascii_uppercase();
        self.package
            .get_or_fetch(&key, || self.provider.package(code.trim()))
            .await
            .map_err(|e: ProviderError| match e.kind {
                ErrorKind::NotFound => AppError::new(
                    ErrorCode::UnknownPackage,
                    format!("There is no package {:?}.", code.trim()),
                ),
                _ => e.into(),
            })
    }

    /// Returns the serialised answer for a catalogue query, computing it once per query for as
    /// long as the catalogue and rates it was computed from are cached. Errors are not cached.
    pub async fn cached_response<F, Fut>(
        &self,
        query: &str,
        compute: F,
    ) -> AppResult<axum::body::Bytes>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = AppResult<axum::body::Bytes>>,
    {
        self.responses
            .get_or_fetch(&query.to_owned(), compute)
            .await
    }

    /// What `quantity` of a package costs the shopper in `currency`: the one pricing rule,
    /// used by quotes and orders alike, so that the price quoted is the price charged.
    pub async fn quote(
        &self,
        package_code: &str,
        quantity: u32,
        currency: Currency,
    ) -> AppResult<Quote> {
        validate_quantity(quantity)?;
        let package = self.wholesale_package(package_code).await?;
        let unit_price = self.price(package.price, currency).await?;
        let total = unit_price
            .checked_mul(quantity)
            .map_err(|e| AppError::internal(e.to_string()))?;
        Ok(Quote {
            package_code: package.code,
            quantity,
            unit_price,
            total,
        })
    }

    /// The currency prices are shown in when the shopper has not chosen one: the configured
    /// default if the rates know it, else the first the storefront prices in.
    pub async fn default_currency(&self) -> AppResult<Currency> {
        let currencies = self.currencies().await?;
        let configured = self.config.default_currency;
        Ok(if currencies.contains(&configured) {
            configured
        } else {
            currencies.first().copied().unwrap_or(configured)
        })
    }

    /// Every destination that sells, with how many packages it has and its cheapest price in
    /// `currency`. A destination whose packages cannot be read is left out (and logged once);
    /// the others still sell.
    pub async fn destination_summaries(
        &self,
        currency: Currency,
    ) -> AppResult<Vec<DestinationSummary>> {
        let mut out = Vec::new();
        for destination in self.destinations().await? {
            let packages = match self.packages_of(&destination.code).await {
                Ok(packages) => packages,
                Err(e) => {
                    self.log_once(
                        &format!("packages of {}", destination.code),
                        e.cause.as_deref().unwrap_or(&e.message),
                    );
                    continue;
                }
            };
            let cheapest = packages
                .iter()
                .min_by_key(|p| p.price.minor())
                .map(|p| p.price);
            let from_price = match cheapest {
                Some(cost) => Some(self.price(cost, currency).await?),
                None => None,
            };
            out.push(DestinationSummary {
                package_count: u32::try_from(packages.len()).unwrap_or(u32::MAX),
                from_price,
                destination,
            });
        }
        Ok(out)
    }
}
