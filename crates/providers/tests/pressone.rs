//! The PressOne adapter against its fake over real HTTP: tokens, the Airalo catalogue walked
//! over its two page shapes, orders found by their description, usage, the package history
//! under its 15-minute limit, top-ups, balance; then every error journey.

mod common;

use std::time::Duration;

use common::{order, usd, SHORT};
use esim_core::{DestinationKind, Lifecycle, Volume};
use esim_fakes::{Fake, Kind, Secrets, OPENING_BALANCE_CENTS as OPENING};
use esim_providers::pressone::PressOne;
use esim_providers::{Endpoint, ErrorKind, Provider, ProviderOrderState, Secret};

fn adapter(fake: &Fake) -> PressOne {
    adapter_with(
        fake,
        &Secrets::default().client_secret,
        Duration::from_secs(5),
    )
}

fn adapter_with(fake: &Fake, secret: &str, timeout: Duration) -> PressOne {
    PressOne::new(
        &Endpoint::new(fake.url()).with_timeout(timeout),
        Secret::new(Secrets::default().client_id),
        Secret::new(secret),
    )
    .unwrap()
    .with_usage_period(Duration::ZERO)
}

#[tokio::test]
async fn the_whole_contract_in_core_units() {
    let fake = Fake::local(Kind::PressOne).await;
    // Two destinations a page: page 2 comes as an object keyed by index.
    let pressone = adapter(&fake).with_page_size(2);
    let caps = pressone.capabilities();
    assert!(caps.top_up && caps.usage && caps.balance);
    assert!(!caps.cancel && !caps.rates);

    let destinations = pressone.destinations().await.unwrap();
    let codes: Vec<&str> = destinations.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["JP", "US", "FR", "europe"]);
    assert_eq!(destinations[3].kind, DestinationKind::Region);
    assert!(
        fake.count("GET /customer/v2/packages?filter%5Btype%5D=local&limit=2&page=2") == 1,
        "{:?}",
        fake.requests()
    );
    assert_eq!(
        fake.count("POST /customer/v2/token"),
        1,
        "one token for every call"
    );

    let plans = pressone.packages("JP").await.unwrap();
    assert_eq!(plans.len(), 3, "top-ups are not plans");
    let one = plans.iter().find(|p| p.code == "jp-1gb-7d").unwrap();
    assert_eq!(
        one.data,
        Volume::Bytes(1024 << 20),
        "a 1 GB package is 1,024 MB"
    );
    assert_eq!(one.price, usd(450), "the net price, not the retail one");
    assert_eq!(one.validity.whole_days(), 7);
    assert_eq!(one.networks[0].operator, "NTT Docomo");
    assert!(one.top_up, "the operator is rechargeable");
    assert_eq!(
        pressone.packages("europe").await.unwrap()[0].countries,
        ["DE", "ES", "FR", "IT"]
    );
    assert_eq!(
        pressone.balance().await.unwrap(),
        usd(OPENING),
        "a text/plain answer read as JSON"
    );

    // Order, found again by its description.
    let placed = pressone.order(&order("ref-1", "jp-5gb-30d")).await.unwrap();
    assert_eq!(placed.state, ProviderOrderState::Completed);
    assert_eq!(placed.cost, usd(1300));
    let esim = &placed.esims[0];
    assert_eq!(
        esim.activation.as_ref().unwrap().smdp_address(),
        "lpa.fake-pressone.test"
    );
    assert_eq!(esim.apn.as_deref(), Some("fakeapn"));
    assert_eq!(esim.total, Volume::Bytes(5 << 30));
    assert_eq!(fake.balance_cents(), 87_00);
    let again = pressone.order(&order("ref-1", "jp-5gb-30d")).await.unwrap();
    assert_eq!(
        again.esims[0].iccid, esim.iccid,
        "the same reference does not buy twice"
    );
    assert_eq!(fake.balance_cents(), 87_00);
    let fresh = adapter(&fake);
    let found = fresh.find_order("ref-1").await.unwrap().unwrap();
    assert_eq!(
        found.esims[0].iccid, esim.iccid,
        "found by description, by a new process too"
    );
    assert_eq!(fresh.find_order("never").await.unwrap(), None);

    // Not active yet: no top-up.
    let ready = pressone.esim(&esim.iccid).await.unwrap();
    assert_eq!(ready.status.lifecycle, Lifecycle::Ready);
    assert_eq!(ready.used, Some(0));
    let offers = pressone.top_up_packages(&esim.iccid).await.unwrap();
    assert_eq!(offers.len(), 2);
    let e = pressone
        .top_up(&esim.iccid, &offers[0].code, "too-early")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAllowed, "{e}");

    // Usage, and the history served from the last answer within its 15 minutes.
    fake.use_data(&esim.iccid, 1024 << 20);
    let active = pressone.esim(&esim.iccid).await.unwrap();
    assert_eq!(active.status.lifecycle, Lifecycle::Active);
    assert_eq!(active.used, Some(1024 << 20));
    assert_eq!(active.history.len(), 1, "from the history asked for first");
    assert_eq!(
        fake.count(&format!("GET /customer/v2/sims/{}/packages", esim.iccid)),
        1,
        "asked once in 15 minutes"
    );

    // Top-up.
    assert_eq!(offers[0].data, Volume::Bytes(1024 << 20));
    assert_eq!(offers[0].price, usd(400));
    let topped = pressone
        .top_up(&esim.iccid, &offers[0].code, "tu-1")
        .await
        .unwrap();
    assert_eq!(topped.total, Volume::Bytes(6 << 30));
    assert_eq!(topped.used, Some(1024 << 20));
    assert!(
        topped
            .history
            .iter()
            .any(|u| u.top_up && u.package_code == offers[0].code),
        "shown before the history may be asked again"
    );
    assert_eq!(fake.balance_cents(), 83_00);
    common::a_retried_top_up_buys_nothing(
        &fake,
        &pressone,
        &esim.iccid,
        &offers[0].code,
        "a retried top-up is found by its description",
    )
    .await;
    assert_eq!(
        fake.count(&format!("GET /customer/v2/sims/{}/packages", esim.iccid)),
        1
    );

    // After the period, the history is asked for again.
    fake.reset_rate_limits();
    let other = adapter(&fake);
    let history = other.esim(&esim.iccid).await.unwrap().history;
    assert_eq!(history.len(), 2);
    assert!(history[1].top_up);

    assert_eq!(
        pressone.cancel(&esim.iccid).await.unwrap_err().kind,
        ErrorKind::Unsupported
    );
}

#[tokio::test]
async fn a_refused_token_is_renewed_once() {
    let fake = Fake::local(Kind::PressOne).await;
    let pressone = adapter(&fake);
    pressone.balance().await.unwrap();
    fake.revoke_tokens();
    assert_eq!(pressone.balance().await.unwrap(), usd(OPENING));
    assert_eq!(fake.count("POST /customer/v2/token"), 2);
    assert_eq!(
        fake.count("GET /customer/v2/balance"),
        3,
        "refused once, then served"
    );
}

#[tokio::test]
async fn a_rate_limited_history_without_a_kept_answer_still_shows_the_esim() {
    let fake = Fake::local(Kind::PressOne).await;
    let first = adapter(&fake);
    let placed = first.order(&order("r", "us-5gb-30d")).await.unwrap();
    let iccid = &placed.esims[0].iccid;
    first.esim(iccid).await.unwrap();
    // Another process (no kept history) within the 15 minutes.
    let second = adapter(&fake);
    let esim = second.esim(iccid).await.unwrap();
    assert_eq!(esim.status.lifecycle, Lifecycle::Ready);
    assert_eq!(esim.total, Volume::Bytes(5 << 30), "usage still known");
    assert!(esim.history.is_empty());
}

#[tokio::test]
async fn error_journeys_end_in_the_right_kind() {
    let fake = Fake::local(Kind::PressOne).await;
    let pressone = adapter_with(&fake, &Secrets::default().client_secret, SHORT);
    let stranger = adapter_with(&fake, "wrong-secret", SHORT);
    pressone.balance().await.unwrap();
    common::refusals(&fake, &pressone, &stranger, "jp-5gb-30d").await;
    common::unknowns_are_not_found(&pressone, &["nope"], &["8900", "../balance"]).await;
    let placed = pressone.order(&order("ok", "jp-5gb-30d")).await.unwrap();
    let iccid = &placed.esims[0].iccid;
    let e = pressone
        .top_up(iccid, "us-5gb-30d", "wrong")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
}

#[tokio::test]
async fn usage_is_kept_for_pressones_own_cache_period() {
    let fake = Fake::local(Kind::PressOne).await;
    // The default period: PressOne's 20 minutes.
    let pressone = PressOne::new(
        &Endpoint::new(fake.url()),
        Secret::new(Secrets::default().client_id),
        Secret::new(Secrets::default().client_secret),
    )
    .unwrap();
    let placed = pressone.order(&order("kept", "jp-1gb-7d")).await.unwrap();
    let iccid = &placed.esims[0].iccid;
    assert_eq!(pressone.esim(iccid).await.unwrap().used, Some(0));
    fake.use_data(iccid, 100 << 20);
    assert_eq!(
        pressone.esim(iccid).await.unwrap().used,
        Some(0),
        "within the period, the last answer"
    );
    assert_eq!(
        fake.count(&format!("GET /customer/v2/sims/{iccid}/usage")),
        1
    );
    // A top-up asks again at once.
    fake.use_data(iccid, 0);
    let offer = pressone.top_up_packages(iccid).await.unwrap().remove(0);
    let topped = pressone.top_up(iccid, &offer.code, "tu").await.unwrap();
    assert_eq!(topped.used, Some(100 << 20));
    assert_eq!(
        fake.count(&format!("GET /customer/v2/sims/{iccid}/usage")),
        2
    );
}

#[tokio::test]
async fn documented_answers_alone_walk_the_whole_catalogue() {
    let fake = Fake::local(Kind::PressOne).await;
    fake.documented_only();
    // No pagination fields are documented: a full page means another may follow.
    let pressone = adapter(&fake).with_page_size(2);
    let destinations = pressone.destinations().await.unwrap();
    let codes: Vec<&str> = destinations.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["JP", "US", "FR", "europe"]);
    assert_eq!(
        fake.count("GET /customer/v2/packages?filter%5Btype%5D=local&limit=2&page=2"),
        1
    );
    assert_eq!(
        fake.count("GET /customer/v2/packages?filter%5Btype%5D=local&limit=2&page=3"),
        0,
        "a short page is the last"
    );
    let placed = pressone.order(&order("doc-1", "jp-5gb-30d")).await.unwrap();
    assert_eq!(placed.state, ProviderOrderState::Completed);
    assert!(placed.esims[0].activation.is_some());
}

#[tokio::test]
async fn a_provider_echoing_a_refused_client_secret_leaves_it_in_no_message() {
    let fake = Fake::local(Kind::PressOne).await;
    let secret = "po_secret_0123456789abcdef";
    let refused = adapter_with(&fake, secret, SHORT);
    common::a_refused_secret_is_never_repeated(&fake, secret, || refused.balance()).await;
}
