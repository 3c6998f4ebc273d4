//! What every HTTP adapter shares: one client per provider with its base URL and timeout,
//! transport failures read as [`ErrorKind`]s, `Retry-After`, secrets that never print, and a
//! retry with backoff for answers that are worth asking again ("still being allocated").

use std::fmt;
use std::future::Future;
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;

use crate::provider::{ErrorKind, ProviderError};
use crate::{Cooling, SharedPacing};

/// A secret (API key, client secret, token), kept in secrecy's `SecretString`: wiped from
/// memory when dropped, and its `Debug` never shows it, so it cannot reach a log by accident.
#[derive(Clone)]
pub struct Secret(secrecy::SecretString);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(secrecy::SecretString::from(value.into()))
    }

    /// The secret itself, for the one header that carries it.
    pub fn expose(&self) -> &str {
        use secrecy::ExposeSecret;
        self.0.expose_secret()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret::new(value)
    }
}

/// A secret read from an answer (a client secret Stripe issues for the shopper's browser).
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where a provider is and how long to wait for it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The API's root, e.g. `https://api.vellosim.com`; paths are appended to it.
    pub base_url: String,
    /// How long one request may take, connection included.
    pub timeout: Duration,
    /// How long a purchase or top-up may take: it is never abandoned at the ordinary timeout,
    /// since dropping it leaves an outcome nobody knows.
    pub purchase_timeout: Duration,
    /// Where the waits the provider asked for are kept (and the answers it allows once in a
    /// while): this process's memory unless the proxy shares its database's.
    pub pacing: SharedPacing,
}

impl Endpoint {
    /// Returns an endpoint at `base_url` with a 20-second timeout.
    pub fn new(base_url: impl Into<String>) -> Endpoint {
        Endpoint {
            base_url: base_url.into(),
            timeout: Duration::from_secs(20),
            purchase_timeout: Duration::from_secs(120),
            pacing: std::sync::Arc::new(Cooling::default()),
        }
    }

    /// Returns this endpoint keeping its waits and paced answers in `pacing`, which every
    /// instance speaking to the provider with the same account shares.
    pub fn with_pacing(mut self, pacing: SharedPacing) -> Endpoint {
        self.pacing = pacing;
        self
    }

    /// Returns this endpoint with another timeout (purchases get at least as long).
    pub fn with_timeout(mut self, timeout: Duration) -> Endpoint {
        self.timeout = timeout;
        self.purchase_timeout = self.purchase_timeout.max(timeout);
        self
    }

    /// Returns this endpoint with another purchase timeout (at least the ordinary one).
    pub fn with_purchase_timeout(mut self, timeout: Duration) -> Endpoint {
        self.purchase_timeout = timeout.max(self.timeout);
        self
    }
}

/// A provider's answer, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// What `Retry-After` asked for, in seconds form (the only form providers document).
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

impl Reply {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// One provider's HTTP client. It honours `Retry-After`: after a 429 that names a wait, the
/// same path is not asked again until the wait is over (the caller gets
/// [`ErrorKind::RateLimited`] with what is left of it, without a request).
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    base: String,
    provider: &'static str,
    purchase_timeout: Duration,
    /// The paths a provider asked us to wait before calling again (and what an adapter keeps
    /// of the answers it may ask only once in a while).
    pacing: SharedPacing,
    /// The secrets this client sends, never to appear in an error's message (see [`Http::hide`]).
    hidden: std::sync::Arc<parking_lot::RwLock<Vec<Secret>>>,
}

impl Http {
    /// Builds a client for `provider` (its name, for messages) at `endpoint`. The base URL
    /// must be `http://` or `https://`.
    pub fn new(provider: &'static str, endpoint: &Endpoint) -> Result<Http, ProviderError> {
        let base = endpoint.base_url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base).map_err(|e| {
            ProviderError::new(
                ErrorKind::InvalidRequest,
                format!("{provider}: base URL {base:?} is not a URL: {e}"),
            )
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(ProviderError::new(
                ErrorKind::InvalidRequest,
                format!("{provider}: base URL {base:?} must be http:// or https:// with a host"),
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(endpoint.timeout)
            .connect_timeout(endpoint.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("esim-storefront/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ProviderError::new(ErrorKind::Unavailable, format!("{provider}: {e}")))?;
        Ok(Http {
            client,
            base,
            provider,
            purchase_timeout: endpoint.purchase_timeout,
            pacing: endpoint.pacing.clone(),
            hidden: Default::default(),
        })
    }

    /// Where this client's waits are kept, for an adapter's paced answers.
    pub fn pacing(&self) -> &SharedPacing {
        &self.pacing
    }

    /// Starts a request to `path` (which begins with `/`) under the base URL.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .header(reqwest::header::ACCEPT, "application/json")
    }

    /// Returns this client keeping `secrets` (its credentials) out of every error it reads: a
    /// provider that echoes a refused key ("Invalid API key: vls_live_…") has it replaced by
    /// `***` before the message can reach a log, a stored order or an answer.
    pub fn hiding(self, secrets: &[&Secret]) -> Http {
        for secret in secrets {
            self.hide(secret);
        }
        self
    }

    /// Keeps one more secret (an access token just issued) out of every error read from now
    /// on. At most 64 are kept: past that, the oldest issued tokens go, never the credentials
    /// given first to [`Http::hiding`].
    pub fn hide(&self, secret: &Secret) {
        if secret.expose().trim().len() < 4 {
            return;
        }
        let mut hidden = self.hidden.write();
        if hidden.len() >= 64 {
            // Only issued tokens come this far: the credentials are the first few.
            hidden.remove(8);
        }
        hidden.push(secret.clone());
    }

    /// `text` with every hidden secret, as sent or percent-encoded, replaced by `***` (for a
    /// client reading its own error bodies, as the Stripe client does).
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in self.hidden.read().iter() {
            let plain = secret.expose().trim();
            for form in [plain.to_owned(), esim_core::query::encode(plain)] {
                if out.contains(&form) {
                    out = out.replace(&form, "***");
                }
            }
        }
        out
    }

    /// Reads `reply` in `D`'s envelope and error words, with the secrets scrubbed from an
    /// error's message.
    pub fn read<D: Dialect, T: DeserializeOwned>(&self, reply: &Reply) -> Result<T, ProviderError> {
        reply.read::<D, T>().map_err(|mut e| {
            e.message = self.scrub(&e.message);
            e
        })
    }

    /// Starts a `GET` of `path` with `query`.
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> RequestBuilder {
        self.request(Method::GET, path).query(query)
    }

    /// Sends a request and reads its answer in `D`'s envelope and error words.
    pub async fn call<D: Dialect, T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<T, ProviderError> {
        self.read::<D, T>(&self.send(request).await?)
    }

    /// Starts a request that spends the merchant's money (a purchase, a top-up): it may take
    /// as long as the endpoint's purchase timeout.
    pub fn purchase(&self, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path).timeout(self.purchase_timeout)
    }

    /// Sends a request and reads the whole answer. Transport failures become errors: no
    /// answer in time is [`ErrorKind::Timeout`] (the provider may have acted), no connection
    /// is [`ErrorKind::Unreachable`] (it cannot have), an answer cut off is
    /// [`ErrorKind::Unavailable`]. HTTP error statuses are returned
    /// as replies, for the adapter to read its provider's error body.
    pub async fn send(&self, request: RequestBuilder) -> Result<Reply, ProviderError> {
        let provider = self.provider;
        let transport = |e: reqwest::Error, during: &str| {
            let kind = if e.is_connect() {
                ErrorKind::Unreachable
            } else if e.is_timeout() {
                ErrorKind::Timeout
            } else {
                ErrorKind::Unavailable
            };
            // Without the URL: a query string is ours, but a message has no use for it.
            let e = e.without_url();
            ProviderError::new(kind, format!("{provider}: {during}: {e}"))
        };
        let request = request.build().map_err(|e| {
            ProviderError::new(
                ErrorKind::InvalidRequest,
                format!("{provider}: {}", e.without_url()),
            )
        })?;
        let path = request.url().path().to_owned();
        if let Some(wait) = self.pacing.wait(&path).await {
            return Err(ProviderError::new(
                ErrorKind::RateLimited {
                    retry_after: Some(Duration::from_secs(wait.as_secs() + 1)),
                },
                format!("{provider}: asked to wait before calling {path} again"),
            ));
        }
        let response = self
            .client
            .execute(request)
            .await
            .map_err(|e| transport(e, "no answer"))?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        if let (429, Some(wait)) = (status, retry_after) {
            self.pacing.hold(&path, wait).await;
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| transport(e, "the answer was cut off"))?
            .to_vec();
        Ok(Reply {
            status,
            retry_after,
            body,
        })
    }
}

/// One provider's client in its own words, what a key-authenticated adapter calls: every
/// request carries the provider's credential (a header, marked sensitive, its value hidden
/// from every error) and every answer is read in the provider's [`Dialect`].
pub struct Client<D> {
    http: Http,
    credential: (reqwest::header::HeaderName, reqwest::header::HeaderValue),
    dialect: std::marker::PhantomData<fn() -> D>,
}

impl<D: Dialect> fmt::Debug for Client<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("provider", &D::NAME)
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

impl<D: Dialect> Client<D> {
    /// A client for the API at `endpoint` sending `header: value` with every request; `value`
    /// and `secrets` never appear in an error's message.
    pub fn new(
        endpoint: &Endpoint,
        header: reqwest::header::HeaderName,
        value: Secret,
        secrets: &[&Secret],
    ) -> Result<Client<D>, ProviderError> {
        let http = Http::new(D::NAME, endpoint)?
            .hiding(secrets)
            .hiding(&[&value]);
        let mut value = reqwest::header::HeaderValue::from_str(value.expose()).map_err(|_| {
            ProviderError::new(
                ErrorKind::Unauthorized,
                format!("{}: the credential cannot be sent in a header", D::NAME),
            )
        })?;
        value.set_sensitive(true);
        Ok(Client {
            http,
            credential: (header, value),
            dialect: std::marker::PhantomData,
        })
    }

    /// Starts a request to `path` with the credential.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.signed(self.http.request(method, path))
    }

    /// Starts a request that spends the merchant's money, with the credential (see
    /// [`Http::purchase`]).
    pub fn purchase(&self, method: Method, path: &str) -> RequestBuilder {
        self.signed(self.http.purchase(method, path))
    }

    fn signed(&self, request: RequestBuilder) -> RequestBuilder {
        let (name, value) = &self.credential;
        request.header(name.clone(), value.clone())
    }

    /// Sends a request and reads its answer as `T`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<T, ProviderError> {
        self.http.call::<D, T>(request).await
    }

    /// `GET`s `path` with `query` and reads the answer as `T`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ProviderError> {
        self.call(self.request(Method::GET, path).query(query))
            .await
    }
}

/// Reads `Retry-After` in seconds.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Maps an HTTP status to the kind it means when the body says nothing more specific.
pub fn kind_of_status(status: u16, retry_after: Option<Duration>) -> ErrorKind {
    match status {
        401 | 403 => ErrorKind::Unauthorized,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::NotAllowed,
        429 => ErrorKind::RateLimited { retry_after },
        400 | 422 => ErrorKind::InvalidRequest,
        408 | 504 => ErrorKind::Timeout,
        500..=599 => ErrorKind::Unavailable,
        _ => ErrorKind::MalformedResponse,
    }
}

/// How often, and how patiently, to ask again.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The wait before the second attempt; each later wait doubles.
    pub first_delay: Duration,
}

impl Backoff {
    /// Runs `attempt` until it succeeds, fails with an error `retry` does not accept, or the
    /// attempts run out (the last error is returned). backon does the waiting: no jitter, so
    /// that the waits are the ones configured.
    pub async fn run<T, F, Fut>(
        &self,
        attempt: F,
        retry: impl Fn(&ProviderError) -> bool,
    ) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        use backon::Retryable;
        let waits = backon::ExponentialBuilder::default()
            .with_min_delay(self.first_delay)
            .with_factor(2.0)
            .without_max_delay()
            .with_max_times(self.attempts.max(1) as usize - 1);
        attempt
            .retry(waits)
            .sleep(tokio::time::sleep)
            .when(retry)
            .notify(|e, wait| {
                tracing::debug!(error = %e, wait_ms = wait.as_millis() as u64, "asking the provider again");
            })
            .await
    }
}

/// How one provider writes its answers: the envelope around a successful answer's data and
/// the error a failed one carries. The HTTP layer does the rest once for every adapter.
pub trait Dialect {
    /// The provider's name as its documentation writes it, for messages ("CloudeSIM").
    const NAME: &'static str;

    /// The data inside a successful answer's envelope, or the error an answer with a 2xx
    /// status carries (`success: false`). The whole answer unless the provider wraps it.
    fn payload(value: serde_json::Value) -> Result<serde_json::Value, ProviderError> {
        Ok(value)
    }

    /// Reads a failed answer: its HTTP status, its body (JSON, or `Null` when it is not) and
    /// the `Retry-After` it came with.
    fn error(
        status: u16,
        value: &serde_json::Value,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> ProviderError;

    /// Reads a successful answer's body as `T` in this envelope, or says what is wrong with it.
    fn read<T: DeserializeOwned>(body: &[u8]) -> Result<T, ProviderError> {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
            ProviderError::malformed(format!(
                "{} answered something that is not JSON: {e}",
                Self::NAME
            ))
        })?;
        serde_json::from_value(Self::payload(value)?).map_err(|e| {
            ProviderError::malformed(format!(
                "{}'s answer has an unexpected shape: {e}",
                Self::NAME
            ))
        })
    }

    /// Reads a failed answer's body in this provider's words.
    fn failure(status: u16, body: &[u8], retry_after: Option<Duration>) -> ProviderError {
        let value = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
        Self::error(status, &value, body, retry_after)
    }
}

impl Reply {
    /// Reads this answer as `T` in `D`'s envelope, or as the error it carries.
    pub fn read<D: Dialect, T: DeserializeOwned>(&self) -> Result<T, ProviderError> {
        if self.is_success() {
            D::read(&self.body)
        } else {
            Err(D::failure(self.status, &self.body, self.retry_after))
        }
    }
}

/// Reads an optional time field sent as text ("2024-01-15T10:30:00Z") or as a number (epoch
/// seconds or milliseconds), as text for `parse_timestamp`.
pub(crate) fn lenient_text<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize;
    Ok(
        match Option::<serde_json::Value>::deserialize(deserializer)? {
            Some(serde_json::Value::String(s)) => Some(s),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            Some(serde_json::Value::Null) | None => None,
            Some(other) => {
                return Err(serde::de::Error::custom(format!(
                    "a time should be text or a number, not {other}"
                )))
            }
        },
    )
}

/// Checks that an id or code is safe as one path segment (letters, digits, `-`, `_`, `.`);
/// anything else cannot name something at the provider, so it is "not found".
pub fn segment<'a>(what: &str, id: &'a str) -> Result<&'a str, ProviderError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id != "."
        && id != ".."
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(id)
    } else {
        Err(ProviderError::not_found(format!("no {what} {id:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("vls_live_abc");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(secret.expose(), "vls_live_abc");
    }

    #[test]
    fn base_urls_must_be_http() {
        for bad in ["", "api.vellosim.com", "ftp://x.test", "http://"] {
            let e = Http::new("test", &Endpoint::new(bad)).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidRequest, "{bad}");
        }
        assert!(Http::new("test", &Endpoint::new("https://api.test/v1/")).is_ok());
    }

    #[test]
    fn path_segments() {
        assert_eq!(segment("eSIM", "65f1c0de_1-a.b").unwrap(), "65f1c0de_1-a.b");
        for bad in ["", "..", "a/b", "a?b", "a b", "%2e"] {
            assert_eq!(
                segment("eSIM", bad).unwrap_err().kind,
                ErrorKind::NotFound,
                "{bad}"
            );
        }
    }

    #[test]
    fn retry_after_in_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "120".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(120)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2026 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None);
    }

    /// Runs a backoff of 4 attempts from 500 ms whose every attempt fails with `kind`,
    /// retrying `Unavailable` only; returns the attempts made and the result.
    async fn failing_with(kind: ErrorKind) -> (u32, Result<(), ProviderError>) {
        let mut calls = 0;
        let result = Backoff {
            attempts: 4,
            first_delay: Duration::from_millis(500),
        }
        .run(
            || {
                calls += 1;
                let kind = kind.clone();
                async move { Err(ProviderError::new(kind, "failing")) }
            },
            |e| e.kind == ErrorKind::Unavailable,
        )
        .await;
        (calls, result)
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_doubles_and_gives_up() {
        let start = tokio::time::Instant::now();
        let (calls, result) = failing_with(ErrorKind::Unavailable).await;
        assert_eq!(calls, 4);
        assert!(result.is_err());
        assert_eq!(start.elapsed(), Duration::from_millis(500 + 1000 + 2000));

        let (calls, result) = failing_with(ErrorKind::NotFound).await;
        assert_eq!(
            calls, 1,
            "errors that are not worth retrying are returned at once"
        );
        assert_eq!(result.unwrap_err().kind, ErrorKind::NotFound);
    }
}
