//! The VeloeSIM adapter against its fake over real HTTP: the whole contract in core units
//! (decimal megabytes, bytes per assigned plan, dollars), pages walked by limit and offset,
//! both ways of sending the key, then every error journey.

mod common;

use std::time::Duration;

use common::{order, usd, SHORT};
use esim_core::{DestinationKind, Lifecycle, ProfileState, Volume};
use esim_fakes::{Fake, Kind, Secrets, OPENING_BALANCE_CENTS as OPENING};
use esim_providers::veloesim::{AuthScheme, VeloeSim};
use esim_providers::{Endpoint, ErrorKind, Provider, ProviderOrderState, Secret};

fn adapter(fake: &Fake, scheme: AuthScheme) -> VeloeSim {
    adapter_with(
        fake,
        &Secrets::default().key,
        scheme,
        Duration::from_secs(5),
    )
}

fn adapter_with(fake: &Fake, key: &str, scheme: AuthScheme, timeout: Duration) -> VeloeSim {
    VeloeSim::new(
        &Endpoint::new(fake.url()).with_timeout(timeout),
        Secret::new(key),
        scheme,
    )
    .unwrap()
}

#[tokio::test]
async fn the_whole_contract_in_core_units() {
    let fake = Fake::local(Kind::VeloeSim).await;
    // Three plans a page: the catalogue takes two pages.
    let veloesim = adapter(&fake, AuthScheme::Apikey).with_page_size(3);
    let caps = veloesim.capabilities();
    assert!(caps.top_up && caps.usage && caps.balance);
    assert!(!caps.cancel && !caps.rates, "neither is documented");

    let destinations = veloesim.destinations().await.unwrap();
    let codes: Vec<&str> = destinations.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["JP", "US", "FR", "europe"]);
    assert_eq!(destinations[3].kind, DestinationKind::Region);
    assert_eq!(
        destinations[3].name, "Europe",
        "named by its areas' shared region"
    );
    assert!(destinations[1].aliases.iter().any(|a| a == "USA"));
    assert!(
        fake.count("GET /plans?limit=3&offset=3") >= 1,
        "second page walked"
    );
    assert_eq!(
        fake.count("GET /plans?limit=3&offset=6"),
        0,
        "stops at count"
    );

    let plans = veloesim.packages("JP").await.unwrap();
    assert_eq!(plans.len(), 3);
    let five = plans
        .iter()
        .find(|p| p.title == "Japan 5GB 30 days")
        .unwrap();
    assert_eq!(five.data, Volume::Bytes(5_000_000_000), "5000 decimal MB");
    assert_eq!(five.price, usd(1300));
    assert_eq!(five.validity.whole_days(), 30);
    assert_eq!(five.networks[0].operator, "NTT Docomo");
    assert_eq!(five.networks[0].types, ["4G", "5G"]);
    let europe = veloesim.packages("europe").await.unwrap();
    assert_eq!(europe[0].countries, ["DE", "ES", "FR", "IT"]);
    assert_eq!(veloesim.package(&five.code).await.unwrap(), *five);
    assert_eq!(veloesim.balance().await.unwrap(), usd(OPENING));

    // Order.
    let placed = veloesim.order(&order("ref-1", &five.code)).await.unwrap();
    assert_eq!(placed.state, ProviderOrderState::Completed);
    assert_eq!(placed.cost, usd(1300));
    let esim = &placed.esims[0];
    let code = esim.activation.as_ref().unwrap();
    assert_eq!(
        code.to_lpa(),
        format!("LPA:1$smdp.fake-veloesim.test${}", code.matching_id())
    );
    assert_eq!(esim.status.lifecycle, Lifecycle::Ready);
    assert_eq!(esim.status.profile, ProfileState::NotInstalled);
    assert_eq!(esim.total, Volume::Bytes(5_000_000_000));
    assert_eq!(esim.validity.unwrap().whole_days(), 30);
    assert_eq!(esim.package_code, five.code);
    assert_eq!(fake.balance_cents(), 87_00);
    veloesim.order(&order("ref-1", &five.code)).await.unwrap();
    assert_eq!(
        fake.balance_cents(),
        87_00,
        "the same reference does not buy twice"
    );

    // Usage.
    fake.use_data(&esim.iccid, 1_500_000_000);
    let used = veloesim.esim(&esim.iccid).await.unwrap();
    assert_eq!(used.used, Some(1_500_000_000));
    assert_eq!(used.status.lifecycle, Lifecycle::Active);
    assert_eq!(used.status.profile, ProfileState::Installed);
    assert!(used.expires_at.is_some());

    // Top-up: a second plan queued on the eSIM.
    let offers = veloesim.top_up_packages(&esim.iccid).await.unwrap();
    assert_eq!(offers.len(), 2);
    assert_eq!(offers[0].data, Volume::Bytes(1_000_000_000));
    assert_eq!(offers[0].price, usd(400));
    let topped = veloesim
        .top_up(&esim.iccid, &offers[0].code, "tu-1")
        .await
        .unwrap();
    assert_eq!(topped.total, Volume::Bytes(6_000_000_000));
    assert_eq!(topped.used, Some(1_500_000_000));
    assert_eq!(topped.validity.unwrap().whole_days(), 37);
    assert_eq!(topped.status.lifecycle, Lifecycle::Active);
    assert_eq!(fake.balance_cents(), 83_00);
    common::a_retried_top_up_buys_nothing(
        &fake,
        &veloesim,
        &esim.iccid,
        &offers[0].code,
        "a retried top-up is not bought twice",
    )
    .await;

    assert_eq!(
        veloesim.cancel(&esim.iccid).await.unwrap_err().kind,
        ErrorKind::Unsupported
    );
    assert_eq!(
        veloesim.rates().await.unwrap_err().kind,
        ErrorKind::Unsupported
    );

    // The bare key is accepted too; eSIM pages are walked.
    let bare = adapter(&fake, AuthScheme::Bare).with_page_size(1);
    veloesim.order(&order("ref-2", &five.code)).await.unwrap();
    let all = bare.all_esims().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(fake.count("GET /esims?limit=1&offset=1"), 1);
}

#[tokio::test]
async fn error_journeys_end_in_the_right_kind() {
    let fake = Fake::local(Kind::VeloeSim).await;
    let veloesim = adapter_with(&fake, &Secrets::default().key, AuthScheme::Apikey, SHORT);
    let stranger = adapter_with(&fake, "wrong", AuthScheme::Apikey, SHORT);
    let plan = veloesim.packages("JP").await.unwrap().remove(0);
    common::refusals(&fake, &veloesim, &stranger, &plan.code).await;
    common::unknowns_are_not_found(
        &veloesim,
        &["999999", "JP_1GB", "-1", ""],
        &["8900", "../organizations"],
    )
    .await;
    let placed = veloesim.order(&order("ok", &plan.code)).await.unwrap();
    let iccid = &placed.esims[0].iccid;
    let offer = veloesim.top_up_packages(iccid).await.unwrap().remove(0);
    common::a_late_top_up_is_refused(&fake, &veloesim, iccid, &offer.code).await;
    let expired = veloesim.esim(iccid).await.unwrap();
    assert_eq!(expired.status.lifecycle, Lifecycle::Expired);
}

#[tokio::test]
async fn documented_answers_alone_sell_install_and_refuse() {
    let fake = Fake::local(Kind::VeloeSim).await;
    fake.documented_only();
    let veloesim = adapter(&fake, AuthScheme::Apikey);
    let five = veloesim
        .packages("JP")
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.data == Volume::Bytes(5_000_000_000))
        .unwrap();

    // orderOne's documented answer names no plan: the eSIM is of the plan asked for.
    let placed = veloesim.order(&order("doc-1", &five.code)).await.unwrap();
    assert_eq!(placed.state, ProviderOrderState::Completed);
    let esim = &placed.esims[0];
    assert_eq!(esim.package_code, five.code);
    assert_eq!(esim.validity.unwrap().whole_days(), 30);
    assert!(esim.activation.is_some());
    assert_eq!(esim.status.profile, ProfileState::NotInstalled);

    // "RELEASED" is the only documented profile status: installation shows in installedAt.
    fake.use_data(&esim.iccid, 1_000_000);
    let used = veloesim.esim(&esim.iccid).await.unwrap();
    assert_eq!(used.status.profile, ProfileState::Installed);
    assert_eq!(used.status.lifecycle, Lifecycle::Active);
    assert_eq!(used.package_code, five.code);

    // Errors have no documented body: the status and its text decide.
    fake.set_balance_cents(1_00);
    let e = veloesim
        .order(&order("poor", &five.code))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InsufficientBalance, "{e}");
    assert_eq!(
        veloesim.esim("8900").await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    let stranger = adapter_with(&fake, "wrong", AuthScheme::Apikey, SHORT);
    assert_eq!(
        stranger.balance().await.unwrap_err().kind,
        ErrorKind::Unauthorized
    );
}

#[tokio::test]
async fn a_provider_echoing_a_refused_key_leaves_it_in_no_message() {
    let fake = Fake::local(Kind::VeloeSim).await;
    let secret = "vc_key_0123456789abcdef";
    for scheme in [AuthScheme::Apikey, AuthScheme::Bare] {
        let refused = adapter_with(&fake, secret, scheme, SHORT);
        common::a_refused_secret_is_never_repeated(&fake, secret, || refused.balance()).await;
    }
}
