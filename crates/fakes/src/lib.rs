//! Fake eSIM provider servers for the adapters' contract tests and the end-to-end journey.
//!
//! Each fake implements its provider's documented endpoints with their documented quirks
//! (envelopes, units, status words, pagination, rate limits), written here as JSON by hand so
//! that the adapters' own wire types are tested against something they did not produce. A
//! fake keeps state (a balance spent by orders and refunded by cancels, eSIMs with usage that
//! can be advanced, top-ups applied), checks credentials, and can be told to misbehave on its
//! next requests with [`Fault`]s.

// A handler's early answer is an axum `Response`; boxing it would only add noise to test
// servers.
#![allow(clippy::result_large_err)]

use parking_lot::Mutex;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

pub mod catalogue;
pub mod cloudesim;
pub mod pressone;
pub mod vellosim;
pub mod veloesim;

/// A way to misbehave, applied to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 500 with a plain-text body, as a failing gateway sends.
    ServerError,
    /// 503 with a plain-text body.
    Unavailable,
    /// No answer for a minute (longer than any client waits).
    Timeout,
    /// 429 with `Retry-After`.
    RateLimited { retry_after_secs: u64 },
    /// 200 with a body that is not JSON.
    Malformed,
    /// A body shorter than its `Content-Length`: the connection drops mid-answer.
    Truncated,
}

/// What every fake shares: the faults still to apply, a log of requests, and how long its
/// purchases take.
#[derive(Debug, Default)]
pub struct Control {
    faults: Mutex<VecDeque<Fault>>,
    log: Mutex<Vec<String>>,
    /// How long a purchase or top-up takes before it happens and is answered.
    purchase_delay: Mutex<Duration>,
    /// Which requests are purchases or top-ups (`POST` paths), for this fake's provider.
    purchase: Option<fn(&str) -> bool>,
}

/// A fake running on 127.0.0.1; dropping it stops the server.
#[derive(Debug)]
pub struct FakeServer {
    url: String,
    control: Arc<Control>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeServer {
    /// Serves `router` on `listen` (port 0 picks a free one) in the current runtime;
    /// `purchase` tells its purchases and top-ups (`POST` paths) from other requests.
    pub(crate) async fn start(
        router: Router,
        listen: SocketAddr,
        purchase: fn(&str) -> bool,
    ) -> std::io::Result<FakeServer> {
        let control = Arc::new(Control {
            purchase: Some(purchase),
            ..Control::default()
        });
        let router = router.layer(middleware::from_fn_with_state(control.clone(), faults));
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(FakeServer { url, control, task })
    }

    /// The base URL, `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Makes the next request (after any faults already queued) misbehave.
    pub fn fail_next(&self, fault: Fault) {
        self.control.faults.lock().push_back(fault);
    }

    /// Every request so far, as `METHOD /path?query`.
    pub fn requests(&self) -> Vec<String> {
        self.control.log.lock().clone()
    }

    /// Makes every purchase and top-up take `delay` before it happens and is answered. It
    /// happens whether or not the client is still there to hear the answer, as at a real
    /// provider.
    pub fn delay_purchases(&self, delay: Duration) {
        *self.control.purchase_delay.lock() = delay;
    }

    /// How many requests so far started with `prefix` (`"GET /api/esim/"`).
    pub fn count(&self, prefix: &str) -> usize {
        self.control
            .log
            .lock()
            .iter()
            .filter(|r| r.starts_with(prefix))
            .count()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn faults(State(control): State<Arc<Control>>, request: Request, next: Next) -> Response {
    let line = format!(
        "{} {}",
        request.method(),
        request.uri().path_and_query().map_or("/", |p| p.as_str())
    );
    control.log.lock().push(line);
    let fault = control.faults.lock().pop_front();
    let delay = *control.purchase_delay.lock();
    let purchase = request.method() == axum::http::Method::POST
        && control.purchase.is_some_and(|p| p(request.uri().path()));
    match fault {
        None if purchase && !delay.is_zero() => {
            // Detached: a client that hangs up does not stop the purchase.
            let task = tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                next.run(request).await
            });
            task.await
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
        None => next.run(request).await,
        Some(Fault::ServerError) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
        }
        Some(Fault::Unavailable) => {
            (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response()
        }
        Some(Fault::Timeout) => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            next.run(request).await
        }
        Some(Fault::RateLimited { retry_after_secs }) => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, retry_after_secs.to_string())],
            axum::Json(serde_json::json!({"message": "Too Many Attempts."})),
        )
            .into_response(),
        Some(Fault::Malformed) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "<html><body>502 Bad Gateway</body></html>",
        )
            .into_response(),
        Some(Fault::Truncated) => {
            let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = vec![
                Ok(bytes::Bytes::from_static(
                    b"{\"success\": true, \"data\": {\"bal",
                )),
                Err(std::io::Error::other("connection reset")),
            ];
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_LENGTH, "4096")
                .body(Body::from_stream(futures_util::stream::iter(chunks)))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A Unix time as `YYYY-MM-DDTHH:MM:SS` (the caller adds the zone form its provider uses).
pub(crate) fn civil(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// A counter-based id generator, so that fakes hand out distinct, readable ids.
#[derive(Debug, Default)]
pub(crate) struct Ids(u64);

impl Ids {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }
}

/// Every fake's opening balance: $100.00, in cents.
pub const OPENING_BALANCE_CENTS: i64 = 10_000;

/// Which fake to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Vellosim,
    CloudeSim,
    VeloeSim,
    PressOne,
}

impl Kind {
    /// Reads a provider name as `esim-proxy --provider` spells it.
    pub fn parse(name: &str) -> Option<Kind> {
        match name {
            "vellosim" => Some(Kind::Vellosim),
            "cloudesim" => Some(Kind::CloudeSim),
            "veloesim" => Some(Kind::VeloeSim),
            "pressone" => Some(Kind::PressOne),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_times() {
        assert_eq!(civil(0), "1970-01-01T00:00:00");
        assert_eq!(civil(1_700_000_000), "2023-11-14T22:13:20");
        assert_eq!(civil(951_825_600), "2000-02-29T12:00:00");
    }
}

/// The credentials a fake accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secrets {
    /// The API key (Vellosim, CloudeSIM, VeloeSIM).
    pub key: String,
    /// PressOne's client id and secret.
    pub client_id: String,
    pub client_secret: String,
}

impl Default for Secrets {
    fn default() -> Secrets {
        Secrets {
            key: "fake-key-0123456789".into(),
            client_id: "fake-client".into(),
            client_secret: "fake-secret-0123456789".into(),
        }
    }
}

/// One eSIM at a fake, in neutral terms each fake renders its own way.
#[derive(Debug, Clone)]
pub(crate) struct Sim {
    /// The fake's own key for it (Vellosim's `_id`; the ICCID elsewhere).
    pub id: String,
    pub iccid: String,
    pub order_no: String,
    pub transaction_id: String,
    pub plan: &'static catalogue::Plan,
    pub matching_id: String,
    /// Top-ups applied, with when.
    pub top_ups: Vec<(&'static catalogue::Plan, i64)>,
    pub used_bytes: u64,
    pub installed_at: Option<i64>,
    pub activated_at: Option<i64>,
    pub expired: bool,
    pub cancelled: bool,
    /// Looks left before the profile is allocated.
    pub polls_left: u32,
    pub created_at: i64,
    /// Its number at this fake, from 1, in the order issued.
    pub number: u64,
}

impl Sim {
    /// Every plan on the eSIM, the base one first.
    pub fn plans(&self) -> impl Iterator<Item = &'static catalogue::Plan> + '_ {
        std::iter::once(self.plan).chain(self.top_ups.iter().map(|(p, _)| *p))
    }

    /// Binary megabytes in all.
    pub fn total_mb(&self) -> u64 {
        self.plans().map(|p| p.mb).sum()
    }

    /// Validity in days in all.
    pub fn total_days(&self) -> u32 {
        self.plans().map(|p| p.days).sum()
    }

    /// Whether the profile is allocated, counting this look.
    pub fn look(&mut self) -> bool {
        if self.polls_left > 0 {
            self.polls_left -= 1;
            return false;
        }
        true
    }

    pub fn allocated(&self) -> bool {
        self.polls_left == 0
    }

    /// When the plan ends, once started.
    pub fn expires_at(&self) -> Option<i64> {
        self.activated_at
            .map(|t| t + i64::from(self.total_days()) * 86_400)
    }
}

/// A fake's state.
#[derive(Debug)]
pub(crate) struct Shop {
    pub secrets: Secrets,
    pub balance_cents: i64,
    pub sims: Vec<Sim>,
    pub ids: Ids,
    /// New profiles stay unallocated for this many looks.
    pub allocate_after: u32,
    /// Access tokens issued (PressOne).
    pub tokens: Vec<String>,
    /// When each ICCID's package history was last served (PressOne's 15-minute limit).
    pub history_served: std::collections::HashMap<String, i64>,
    /// Orders: (order id, description or reference, ICCIDs, top-up?).
    pub orders: Vec<(String, String, Vec<String>, bool)>,
    /// CloudeSIM speaks eSIM Access's units (ten-thousandths of a dollar, bytes).
    pub esim_access_units: bool,
    /// Answers carry exactly the fields the provider's documentation shows, and no more.
    pub documented_only: bool,
    /// A refused credential is echoed in the error's message, as careless providers do
    /// ("Invalid API key: vls_live_…"), to prove that no secret reaches a log.
    pub echo_credentials: bool,
}

impl Shop {
    fn new(secrets: Secrets) -> Shop {
        Shop {
            secrets,
            balance_cents: OPENING_BALANCE_CENTS,
            sims: Vec::new(),
            ids: Ids::default(),
            allocate_after: 0,
            tokens: Vec::new(),
            history_served: Default::default(),
            orders: Vec::new(),
            echo_credentials: false,
            esim_access_units: false,
            documented_only: false,
        }
    }

    /// Takes `cents` from the balance, or says it is short.
    pub fn charge(&mut self, cents: i64) -> Result<(), String> {
        if cents > self.balance_cents {
            return Err(format!(
                "Insufficient balance. Required: ${}.{:02}, available: ${}.{:02}",
                cents / 100,
                cents % 100,
                self.balance_cents / 100,
                self.balance_cents % 100
            ));
        }
        self.balance_cents -= cents;
        Ok(())
    }

    /// Issues a new eSIM for `plan`; `hex_id` gives it a Mongo-style id instead of its ICCID.
    pub fn issue(&mut self, plan: &'static catalogue::Plan, order_no: &str, hex_id: bool) -> usize {
        let number = self.sims.len() as u64 + 1;
        let iccid = format!("89852{:014}", 240_000_000_000 + number);
        let id = if hex_id {
            format!("65f1c0de{number:016x}")
        } else {
            iccid.clone()
        };
        self.sims.push(Sim {
            id,
            iccid,
            order_no: order_no.to_owned(),
            transaction_id: format!("esim_{}_{number}", now()),
            plan,
            matching_id: format!("FAKE-{number:06}-MATCH"),
            top_ups: Vec::new(),
            used_bytes: 0,
            installed_at: None,
            activated_at: None,
            expired: false,
            cancelled: false,
            polls_left: self.allocate_after,
            created_at: now(),
            number,
        });
        self.sims.len() - 1
    }

    /// Finds an eSIM by its id, ICCID or transaction id.
    pub fn sim(&mut self, key: &str) -> Option<&mut Sim> {
        self.sims
            .iter_mut()
            .find(|s| s.id == key || s.iccid == key || s.transaction_id == key)
    }
}

/// A running fake with its state: what the tests and `esim-fake` hold.
#[derive(Debug)]
pub struct Fake {
    server: FakeServer,
    shop: Arc<Mutex<Shop>>,
}

pub(crate) type Shared = Arc<Mutex<Shop>>;

impl Fake {
    /// Starts the fake for `kind` on `listen`, accepting `secrets`.
    pub async fn start(kind: Kind, secrets: Secrets, listen: SocketAddr) -> std::io::Result<Fake> {
        let shop: Shared = Arc::new(Mutex::new(Shop::new(secrets)));
        let (router, purchase): (Router, fn(&str) -> bool) = match kind {
            Kind::Vellosim => (vellosim::router(shop.clone()), |p| p == "/api/esim/buy"),
            Kind::CloudeSim => (cloudesim::router(shop.clone()), |p| {
                matches!(p, "/esim/order" | "/esim/topup")
            }),
            Kind::VeloeSim => (veloesim::router(shop.clone()), |p| {
                p == "/orders" || (p.starts_with("/esims/") && p.ends_with("/top-up"))
            }),
            Kind::PressOne => (pressone::router(shop.clone()), |p| {
                matches!(p, "/customer/v2/orders" | "/customer/v2/orders/topups")
            }),
        };
        let server = FakeServer::start(router, listen, purchase).await?;
        Ok(Fake { server, shop })
    }

    /// Starts the fake for `kind` on a free local port with the default secrets.
    pub async fn local(kind: Kind) -> Fake {
        Fake::start(
            kind,
            Secrets::default(),
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
        .expect("a fake binds a free local port")
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        self.server.url()
    }

    /// Makes the next request misbehave (after any faults already queued).
    pub fn fail_next(&self, fault: Fault) {
        self.server.fail_next(fault);
    }

    /// Every request so far, as `METHOD /path?query`.
    pub fn requests(&self) -> Vec<String> {
        self.server.requests()
    }

    /// How many requests began with `prefix`.
    pub fn count(&self, prefix: &str) -> usize {
        self.server.count(prefix)
    }

    /// Makes every purchase and top-up take `delay` (see [`FakeServer::delay_purchases`]).
    pub fn delay_purchases(&self, delay: Duration) {
        self.server.delay_purchases(delay);
    }

    /// How many top-ups were applied, to every eSIM.
    pub fn top_ups(&self) -> usize {
        self.shop.lock().sims.iter().map(|s| s.top_ups.len()).sum()
    }

    /// The merchant's balance, in US cents.
    pub fn balance_cents(&self) -> i64 {
        self.shop.lock().balance_cents
    }

    /// Sets the merchant's balance, in US cents.
    pub fn set_balance_cents(&self, cents: i64) {
        self.shop.lock().balance_cents = cents;
    }

    /// New profiles stay unallocated for this many looks at them.
    pub fn allocate_after(&self, looks: u32) {
        self.shop.lock().allocate_after = looks;
    }

    /// The phone installs the eSIM and uses `bytes` of data (at most what is left). Returns
    /// false for an unknown eSIM.
    pub fn use_data(&self, key: &str, bytes: u64) -> bool {
        let mut shop = self.shop.lock();
        let Some(sim) = shop.sim(key) else {
            return false;
        };
        let now = now();
        sim.installed_at.get_or_insert(now);
        sim.activated_at.get_or_insert(now);
        sim.used_bytes = (sim.used_bytes + bytes).min(sim.total_mb() << 20);
        true
    }

    /// CloudeSIM answers in eSIM Access's units (price 35000 = $3.50, volumes in bytes).
    pub fn use_esim_access_units(&self) {
        self.shop.lock().esim_access_units = true;
    }

    /// From now on, answers carry exactly the fields the provider's documentation shows
    /// (`../shared/seeds/`, `providers.md`) and nothing more: what an adapter may rely on.
    pub fn documented_only(&self) {
        self.shop.lock().documented_only = true;
    }

    /// The eSIM's plan runs out of time.
    pub fn expire(&self, key: &str) -> bool {
        let mut shop = self.shop.lock();
        shop.sim(key).map(|s| s.expired = true).is_some()
    }

    /// Forgets every access token issued (PressOne), as a token expiry would.
    pub fn revoke_tokens(&self) {
        self.shop.lock().tokens.clear();
    }

    /// From now on, echoes a refused credential in the error's message.
    pub fn echo_credentials(&self) {
        self.shop.lock().echo_credentials = true;
    }

    /// Lets the next package-history request through PressOne's 15-minute limit.
    pub fn reset_rate_limits(&self) {
        self.shop.lock().history_served.clear();
    }

    /// The ICCIDs of every eSIM issued.
    pub fn iccids(&self) -> Vec<String> {
        self.shop
            .lock()
            .sims
            .iter()
            .map(|s| s.iccid.clone())
            .collect()
    }
}

/// Puts every route of `protected` behind `check` (the fake's credentials): a request that
/// fails it gets the check's refusal and never reaches its handler.
pub(crate) fn with_auth(
    protected: Router<Shared>,
    shop: Shared,
    check: fn(&Shop, &axum::http::HeaderMap) -> Result<(), Response>,
) -> Router<Shared> {
    protected.route_layer(middleware::from_fn(move |request: Request, next: Next| {
        let shop = shop.clone();
        async move {
            // Decided before awaiting: the lock is not held while the handler runs.
            let allowed = check(&shop.lock(), request.headers());
            match allowed {
                Ok(()) => next.run(request).await,
                Err(refusal) => refusal,
            }
        }
    }))
}

/// The message of a refused credential: `message`, and with [`Shop::echo_credentials`] the
/// credential itself after it.
pub(crate) fn refused(shop: &Shop, message: &str, given: Option<&str>) -> String {
    match given {
        Some(given) if shop.echo_credentials => format!("{message}: {given}"),
        _ => message.to_owned(),
    }
}

/// An error answer: status and JSON body.
pub(crate) fn reply(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}
