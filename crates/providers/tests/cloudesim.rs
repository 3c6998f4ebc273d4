//! The CloudeSIM adapter against its fake over real HTTP, in its documented units and in eSIM
//! Access's: the whole contract in core units, then every error journey.

mod common;

use std::time::Duration;

use common::{order, quick, usd, GB, SHORT};
use esim_core::{DestinationKind, Lifecycle, ProfileState, Volume};
use esim_fakes::{Fake, Kind, Secrets, OPENING_BALANCE_CENTS as OPENING};
use esim_providers::cloudesim::{CloudeSim, Units};
use esim_providers::{Endpoint, ErrorKind, Provider, ProviderOrderState, Secret};

fn adapter(fake: &Fake, units: Units) -> CloudeSim {
    adapter_with(fake, &Secrets::default().key, units, Duration::from_secs(5))
}

fn adapter_with(fake: &Fake, token: &str, units: Units, timeout: Duration) -> CloudeSim {
    CloudeSim::new(
        &Endpoint::new(fake.url()).with_timeout(timeout),
        Secret::new(token),
        units,
    )
    .unwrap()
    .with_allocation_backoff(quick())
}

async fn contract(units: Units) {
    let fake = Fake::local(Kind::CloudeSim).await;
    if units == Units::EsimAccess {
        fake.use_esim_access_units();
    }
    let cloudesim = adapter(&fake, units);
    let caps = cloudesim.capabilities();
    assert!(caps.top_up && caps.cancel && caps.usage && caps.balance);
    assert!(!caps.rates, "CloudeSIM publishes no exchange rates");
    assert_eq!(
        cloudesim.rates().await.unwrap_err().kind,
        ErrorKind::Unsupported
    );

    // Catalogue.
    let destinations = cloudesim.destinations().await.unwrap();
    let codes: Vec<&str> = destinations.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["JP", "US", "FR", "EU"]);
    assert_eq!(
        destinations[0].name, "Japan",
        "named from the country table"
    );
    assert!(destinations[1].aliases.iter().any(|a| a == "USA"));
    assert_eq!(
        (destinations[3].name.as_str(), destinations[3].kind),
        ("Europe", DestinationKind::Region)
    );

    let plans = cloudesim.packages("jp").await.unwrap();
    assert_eq!(plans.len(), 3, "top-ups are not sold as plans");
    let one = plans.iter().find(|p| p.code == "JP_1GB_7D").unwrap();
    assert_eq!(
        one.data,
        Volume::Bytes(GB),
        "1 GB whichever unit the wire used"
    );
    assert_eq!(one.price, usd(450), "$4.50 from 4.5 or from 45000");
    assert_eq!(one.validity.whole_days(), 7);
    let eu = cloudesim.packages("EU").await.unwrap();
    assert_eq!(eu[0].countries, ["DE", "ES", "FR", "IT"]);
    assert_eq!(
        cloudesim.package("US_5GB_30D").await.unwrap().price,
        usd(575)
    );
    assert_eq!(cloudesim.balance().await.unwrap(), usd(OPENING));

    // Order.
    let placed = cloudesim
        .order(&order("ref-1", "JP_5GB_30D"))
        .await
        .unwrap();
    assert_eq!(placed.state, ProviderOrderState::Completed);
    assert_eq!(placed.cost, usd(1300));
    let esim = &placed.esims[0];
    assert_eq!(
        esim.provider_id, esim.iccid,
        "CloudeSIM keys eSIMs by ICCID"
    );
    assert_eq!(
        esim.activation.as_ref().unwrap().smdp_address(),
        "smdp.fake-cloudesim.test"
    );
    assert_eq!(esim.status.lifecycle, Lifecycle::Ready);
    assert_eq!(esim.status.profile, ProfileState::NotInstalled);
    assert_eq!(esim.total, Volume::Bytes(5 * GB));
    assert_eq!(esim.used, Some(0));
    assert_eq!(esim.package_code, "JP_5GB_30D");
    assert_eq!(fake.balance_cents(), 87_00);
    let again = cloudesim
        .order(&order("ref-1", "JP_5GB_30D"))
        .await
        .unwrap();
    assert_eq!(
        again.esims[0].iccid, esim.iccid,
        "the same reference does not buy twice"
    );
    assert_eq!(fake.balance_cents(), 87_00);

    // Usage.
    fake.use_data(&esim.iccid, 300 << 20);
    let used = cloudesim.esim(&esim.iccid).await.unwrap();
    assert_eq!(used.used, Some(300 << 20));
    assert_eq!(used.status.lifecycle, Lifecycle::Active);
    assert!(used.expires_at.is_some());

    // Top-up.
    let offers = cloudesim.top_up_packages(&esim.iccid).await.unwrap();
    let codes: Vec<&str> = offers.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["TOPUP_JP_1GB_7D", "TOPUP_JP_3GB_15D"]);
    assert_eq!(offers[1].data, Volume::Bytes(3 * GB));
    let topped = cloudesim
        .top_up(&esim.iccid, "TOPUP_JP_1GB_7D", "tu-1")
        .await
        .unwrap();
    assert_eq!(topped.total, Volume::Bytes(6 * GB));
    assert_eq!(fake.balance_cents(), 83_00);
    common::a_retried_top_up_buys_nothing(
        &fake,
        &cloudesim,
        &esim.iccid,
        "TOPUP_JP_1GB_7D",
        "a retried top-up is not bought twice",
    )
    .await;

    // Cancel: refused once used, refunded while unused.
    let e = cloudesim.cancel(&esim.iccid).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAllowed, "{e}");
    let unused = cloudesim
        .order(&order("ref-2", "US_5GB_30D"))
        .await
        .unwrap();
    assert_eq!(fake.balance_cents(), 83_00 - 5_75);
    let cancelled = cloudesim.cancel(&unused.esims[0].iccid).await.unwrap();
    assert_eq!(cancelled.status.lifecycle, Lifecycle::Cancelled);
    assert_eq!(fake.balance_cents(), 83_00, "refunded in full");
    assert_eq!(cloudesim.balance().await.unwrap(), usd(83_00));
}

#[tokio::test]
async fn the_whole_contract_in_documented_units() {
    contract(Units::Documented).await;
}

#[tokio::test]
async fn the_whole_contract_in_esim_access_units() {
    contract(Units::EsimAccess).await;
}

#[tokio::test]
async fn esims_still_being_allocated_are_asked_about_again() {
    let fake = Fake::local(Kind::CloudeSim).await;
    let cloudesim = adapter(&fake, Units::Documented);
    fake.allocate_after(1);
    let placed = cloudesim.order(&order("slow", "JP_1GB_7D")).await.unwrap();
    assert_eq!(placed.state, ProviderOrderState::Completed);
    assert!(placed.esims[0].activation.is_some());

    fake.allocate_after(4);
    let placed = cloudesim
        .order(&order("slower", "JP_1GB_7D"))
        .await
        .unwrap();
    assert_eq!(placed.state, ProviderOrderState::Pending);
    let later = cloudesim.find_order("slower").await.unwrap().unwrap();
    assert_eq!(later.state, ProviderOrderState::Completed);
    assert_eq!(later.esims.len(), 1);
    assert_eq!(fake.balance_cents(), OPENING - 2 * 4_50);
}

#[tokio::test]
async fn error_journeys_end_in_the_right_kind() {
    let fake = Fake::local(Kind::CloudeSim).await;
    let cloudesim = adapter_with(&fake, &Secrets::default().key, Units::Documented, SHORT);
    let stranger = adapter_with(&fake, "wrong-token", Units::Documented, SHORT);
    let e = common::refusals(&fake, &cloudesim, &stranger, "JP_5GB_30D").await;
    assert!(e.message.contains("Required: $13.00"), "{e}");
    common::unknowns_are_not_found(&cloudesim, &["NOPE"], &["8900000"]).await;
    let e = cloudesim.order(&order("x", "NOPE")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    let placed = cloudesim.order(&order("ok", "JP_5GB_30D")).await.unwrap();
    let iccid = &placed.esims[0].iccid;
    common::a_late_top_up_is_refused(&fake, &cloudesim, iccid, "TOPUP_JP_1GB_7D").await;
}

/// Against answers with only the documented fields (the query: `iccid, status,
/// remainingVolume, expireTime`; the order: `orderNo, esimList[{iccid, ac, qrCodeUrl}]`): an
/// order completes from its own answer, usage and validity are unknown rather than 0, and an
/// unused eSIM can still be cancelled.
#[tokio::test]
async fn documented_answers_alone_complete_an_order() {
    let fake = Fake::local(Kind::CloudeSim).await;
    fake.documented_only();
    let cloudesim = adapter(&fake, Units::Documented);
    let placed = cloudesim
        .order(&order("doc-1", "JP_5GB_30D"))
        .await
        .unwrap();
    assert_eq!(placed.state, ProviderOrderState::Completed, "{placed:?}");
    let esim = &placed.esims[0];
    assert_eq!(esim.iccid, fake.iccids()[0]);
    assert!(
        esim.activation
            .as_ref()
            .is_some_and(|a| a.smdp_address() == "smdp.fake-cloudesim.test"),
        "the activation code comes from the order's answer: {esim:?}"
    );
    assert_eq!(esim.status.lifecycle, Lifecycle::Ready);
    assert_eq!(esim.status.profile, ProfileState::Unknown, "not documented");
    assert_eq!(esim.used, None, "usage is not documented: unknown, not 0");
    assert_eq!(
        esim.validity, None,
        "validity is not documented: unknown, not 0 days"
    );
    assert!(esim.status.may_cancel(), "an unused eSIM may be cancelled");

    // Later looks (the query alone) keep the code this adapter was given.
    let later = cloudesim.esim(&esim.iccid).await.unwrap();
    assert_eq!(later.activation, esim.activation);
    fake.use_data(&esim.iccid, 100 << 20);
    let used = cloudesim.esim(&esim.iccid).await.unwrap();
    assert_eq!(used.status.lifecycle, Lifecycle::Active);
    assert_eq!(used.used, None);
    assert!(used.expires_at.is_some());

    let unused = cloudesim
        .order(&order("doc-2", "US_5GB_30D"))
        .await
        .unwrap();
    let cancelled = cloudesim.cancel(&unused.esims[0].iccid).await.unwrap();
    assert_eq!(cancelled.status.lifecycle, Lifecycle::Cancelled);
}

#[tokio::test]
async fn a_provider_echoing_a_refused_token_leaves_it_in_no_message() {
    let fake = Fake::local(Kind::CloudeSim).await;
    let secret = "cls_0123456789abcdef";
    let refused = adapter_with(&fake, secret, Units::Documented, SHORT);
    common::a_refused_secret_is_never_repeated(&fake, secret, || refused.balance()).await;
}
