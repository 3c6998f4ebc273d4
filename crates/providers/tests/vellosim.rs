//! The Vellosim adapter against its fake over real HTTP: the whole contract in core units,
//! then every error journey ending in the right kind.

mod common;

use std::time::Duration;

use common::{order, quick, usd, GB, SHORT};
use esim_core::{Currency, DestinationKind, Lifecycle, Money, ProfileState, Volume};
use esim_fakes::{Fake, Kind, Secrets, OPENING_BALANCE_CENTS as OPENING};
use esim_providers::vellosim::Vellosim;
use esim_providers::{Endpoint, ErrorKind, Provider, ProviderOrderState, Secret};

fn adapter(fake: &Fake) -> Vellosim {
    adapter_with(fake, &Secrets::default().key, Duration::from_secs(5))
}

fn adapter_with(fake: &Fake, key: &str, timeout: Duration) -> Vellosim {
    Vellosim::new(
        &Endpoint::new(fake.url()).with_timeout(timeout),
        Secret::new(key),
    )
    .unwrap()
    .with_allocation_backoff(quick())
}

#[tokio::test]
async fn the_whole_contract_in_core_units() {
    let fake = Fake::local(Kind::Vellosim).await;
    let vellosim = adapter(&fake);
    let caps = vellosim.capabilities();
    assert!(caps.top_up && caps.usage && caps.rates && caps.balance);
    assert!(!caps.cancel, "Vellosim documents no cancel");

    // Catalogue.
    let destinations = vellosim.destinations().await.unwrap();
    let japan = destinations.iter().find(|d| d.code == "JP").unwrap();
    assert_eq!(
        (japan.name.as_str(), japan.kind),
        ("Japan", DestinationKind::Country)
    );
    let us = destinations.iter().find(|d| d.code == "US").unwrap();
    assert!(
        us.aliases.iter().any(|a| a == "USA"),
        "aliases from the country table"
    );
    let europe = destinations.iter().find(|d| d.code == "EU").unwrap();
    assert_eq!(
        (europe.name.as_str(), europe.kind),
        ("Europe", DestinationKind::Region)
    );

    let plans = vellosim.packages("jp").await.unwrap();
    assert_eq!(plans.len(), 3);
    let five = plans.iter().find(|p| p.code == "JP_5GB_30D").unwrap();
    assert_eq!(
        five.data,
        Volume::Bytes(5_368_709_120),
        "5 GB is 5,368,709,120 bytes"
    );
    assert_eq!(five.validity.whole_days(), 30);
    assert_eq!(five.price, usd(1300));
    assert_eq!(five.destination, "JP");
    assert_eq!(five.networks[0].operator, "NTT Docomo");
    assert_eq!(five.networks[0].types, ["4G", "5G"]);
    let eu = vellosim.packages("EU").await.unwrap();
    assert_eq!(eu[0].countries, ["DE", "ES", "FR", "IT"]);
    assert_eq!(eu[0].kind, DestinationKind::Region);
    assert!(
        vellosim.packages("ZZ").await.unwrap().is_empty(),
        "an unknown region sells nothing"
    );

    let us_plan = vellosim.package("US_5GB_30D").await.unwrap();
    assert_eq!(us_plan.price, usd(575));
    let rates = vellosim.rates().await.unwrap();
    assert_eq!(rates.base(), Currency::USD);
    assert_eq!(
        rates
            .convert(usd(100), Currency::from_code("NGN").unwrap())
            .unwrap(),
        Money::from_minor(155_050, Currency::from_code("NGN").unwrap())
    );
    assert_eq!(vellosim.balance().await.unwrap(), usd(OPENING));

    // Order: the guide's eSIM record (full LPA in `ac`, eSIM Access words).
    let placed = vellosim.order(&order("ref-1", "JP_5GB_30D")).await.unwrap();
    assert_eq!(placed.state, ProviderOrderState::Completed);
    assert_eq!(placed.cost, usd(1300));
    assert_eq!(placed.esims.len(), 1);
    let esim = &placed.esims[0];
    let code = esim.activation.as_ref().expect("install data");
    assert_eq!(code.smdp_address(), "rsp.fake-vellosim.test");
    assert!(code.matching_id().starts_with("FAKE-"));
    assert_eq!(esim.status.lifecycle, Lifecycle::Ready);
    assert_eq!(esim.status.profile, ProfileState::NotInstalled);
    assert_eq!(esim.total, Volume::Bytes(5 * GB));
    assert_eq!(esim.used, Some(0));
    assert_eq!(fake.balance_cents(), OPENING - 13_00);
    assert_eq!(vellosim.balance().await.unwrap(), usd(87_00));
    let again = vellosim.order(&order("ref-1", "JP_5GB_30D")).await.unwrap();
    assert_eq!(
        again.esims[0].iccid, esim.iccid,
        "the same reference does not buy twice"
    );
    assert_eq!(fake.balance_cents(), 87_00);

    // Usage.
    assert!(fake.use_data(&esim.iccid, 512 << 20));
    let used = vellosim.esim(&esim.provider_id).await.unwrap();
    assert_eq!(used.used, Some(536_870_912));
    assert_eq!(used.status.lifecycle, Lifecycle::Active);
    assert!(used.status.profile.is_on_device());
    assert!(used.expires_at.is_some());

    // Top-up.
    let offers = vellosim.top_up_packages(&esim.provider_id).await.unwrap();
    let codes: Vec<&str> = offers.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["TOPUP_JP_1GB_7D", "TOPUP_JP_3GB_15D"]);
    assert_eq!(offers[0].data, Volume::Bytes(GB));
    assert_eq!(offers[0].price, usd(400));
    let topped = vellosim
        .top_up(&esim.provider_id, "TOPUP_JP_1GB_7D", "tu-1")
        .await
        .unwrap();
    assert_eq!(
        topped.total,
        Volume::Bytes(6 * GB),
        "Vellosim grows the same eSIM"
    );
    assert_eq!(topped.used, Some(536_870_912));
    assert_eq!(fake.balance_cents(), 83_00);
    common::a_retried_top_up_buys_nothing(
        &fake,
        &vellosim,
        &esim.provider_id,
        "TOPUP_JP_1GB_7D",
        "a retried top-up is not bought twice",
    )
    .await;

    // Cancel is not offered.
    let refused = vellosim.cancel(&esim.provider_id).await.unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Unsupported);

    // The API reference's record: a bare `ac` with `smdpAddress`, its own status words.
    let second = vellosim.order(&order("ref-2", "US_5GB_30D")).await.unwrap();
    let esim = &second.esims[0];
    assert_eq!(
        esim.activation.as_ref().unwrap().to_lpa(),
        format!(
            "LPA:1$rsp.fake-vellosim.test${}",
            esim.activation.as_ref().unwrap().matching_id()
        )
    );
    assert_eq!(esim.status.raw, "CREATED/RELEASED");
    assert_eq!(esim.status.lifecycle, Lifecycle::Ready);
    assert_eq!(fake.balance_cents(), 83_00 - 5_75);

    // Every eSIM, walking every page.
    let all = vellosim.all_esims().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(fake.count("GET /api/esim/my-esims?page=1&limit=100"), 1);
    let paged = adapter(&fake).with_page_size(1).all_esims().await.unwrap();
    assert_eq!(paged, all, "two pages of one");
    assert_eq!(fake.count("GET /api/esim/my-esims?page=2&limit=1"), 1);
    assert_eq!(
        fake.count("GET /api/esim/my-esims?page=3"),
        0,
        "stops at totalPages"
    );
}

#[tokio::test]
async fn a_purchase_still_processing_is_looked_at_again_then_left_pending() {
    let fake = Fake::local(Kind::Vellosim).await;
    let vellosim = adapter(&fake);
    // Allocated on the third look: the adapter's backoff sees it.
    fake.allocate_after(2);
    let placed = vellosim.order(&order("slow", "JP_1GB_7D")).await.unwrap();
    assert_eq!(placed.state, ProviderOrderState::Completed);
    assert!(placed.esims[0].activation.is_some());

    // Allocated after more looks than the backoff takes: pending, found later.
    fake.allocate_after(5);
    let placed = vellosim.order(&order("slower", "JP_1GB_7D")).await.unwrap();
    assert_eq!(placed.state, ProviderOrderState::Pending);
    assert!(placed.esims.is_empty());
    assert_eq!(
        fake.balance_cents(),
        OPENING - 2 * 4_50,
        "charged once each"
    );
    let later = vellosim.find_order("slower").await.unwrap().unwrap();
    assert_eq!(later.state, ProviderOrderState::Pending);
    let done = vellosim.find_order("slower").await.unwrap().unwrap();
    assert_eq!(done.state, ProviderOrderState::Completed);
    assert_eq!(done.esims.len(), 1);
    assert_eq!(vellosim.find_order("never").await.unwrap(), None);
}

#[tokio::test]
async fn error_journeys_end_in_the_right_kind() {
    let fake = Fake::local(Kind::Vellosim).await;
    let vellosim = adapter_with(&fake, &Secrets::default().key, SHORT);

    let wrong = adapter_with(&fake, "vls_live_wrong", Duration::from_secs(5));
    let e = common::refusals(&fake, &vellosim, &wrong, "JP_5GB_30D").await;
    assert!(e.message.contains("Insufficient balance"));

    let unknown = ["NOPE_1GB", "../wallet/balance", ""];
    common::unknowns_are_not_found(&vellosim, &unknown, &["65f1c0de0000000000000099"]).await;
    for code in unknown {
        let e = vellosim.order(&order(code, code)).await.unwrap_err();
        assert!(
            matches!(e.kind, ErrorKind::NotFound | ErrorKind::InvalidRequest),
            "{code:?}: {e}"
        );
    }
    let placed = vellosim.order(&order("ok", "JP_5GB_30D")).await.unwrap();
    let id = &placed.esims[0].provider_id;
    let e = vellosim
        .top_up(id, "TOPUP_US_1GB_7D", "wrong-topup")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "an incompatible top-up: {e}");
    common::a_late_top_up_is_refused(&fake, &vellosim, id, "TOPUP_JP_1GB_7D").await;
}

/// Against answers with only the documented fields: the package list in the API reference's
/// shape (`data: "5GB"`, `validity`, `coverage: ["Japan"]`, no `locationCode`) is read for the
/// region asked; `my-esims` (no `packageCode`) still finds a purchase whose answer was lost.
#[tokio::test]
async fn documented_answers_alone_sell_and_recover_a_lost_purchase() {
    let fake = Fake::local(Kind::Vellosim).await;
    fake.documented_only();
    let vellosim = adapter(&fake);
    let plans = vellosim.packages("JP").await.unwrap();
    let five = plans
        .iter()
        .find(|p| p.code == "JP_5GB_30D")
        .unwrap_or_else(|| panic!("{plans:?}"));
    assert_eq!(five.destination, "JP");
    assert_eq!(five.countries, ["JP"], "Japan, named, is JP");
    assert_eq!(five.data, Volume::Bytes(5 * GB));
    assert_eq!(five.validity.whole_days(), 30);
    assert_eq!(five.price, usd(1300));
    let europe = vellosim.packages("EU").await.unwrap();
    assert!(
        !europe.is_empty(),
        "a region's packages name several countries"
    );
    assert!(europe
        .iter()
        .all(|p| p.destination == "EU" && p.countries.len() > 1));

    // A purchase made (by an earlier process) whose answer never came: found in my-esims.
    let other = adapter(&fake);
    other.order(&order("lost-1", "JP_5GB_30D")).await.unwrap();
    let lookup = esim_providers::OrderLookup {
        reference: "lost-1".into(),
        provider_order_id: None,
        package_code: "JP_5GB_30D".into(),
        quantity: 1,
        sent_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
            - 5,
        held: Vec::new(),
    };
    let found = vellosim.recover_order(&lookup).await.unwrap().unwrap();
    assert_eq!(found.state, ProviderOrderState::Completed);
    assert_eq!(found.esims[0].iccid, fake.iccids()[0]);
    // Held by that order, it is never another's; nor is an eSIM bought before it was sent.
    let mut taken = lookup.clone();
    taken.reference = "lost-2".into();
    taken.held = vec![found.esims[0].provider_id.clone()];
    assert!(adapter(&fake)
        .recover_order(&taken)
        .await
        .unwrap()
        .is_none());
    let mut later = lookup.clone();
    later.reference = "lost-3".into();
    later.sent_at += 3600;
    assert!(adapter(&fake)
        .recover_order(&later)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_provider_echoing_a_refused_key_leaves_it_in_no_message() {
    let fake = Fake::local(Kind::Vellosim).await;
    let secret = "vls_live_0123456789abcdef";
    let refused = adapter_with(&fake, secret, SHORT);
    common::a_refused_secret_is_never_repeated(&fake, secret, || refused.balance()).await;
}
