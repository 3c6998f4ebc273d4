use super::*;

const START: i64 = 1_790_000_000;

fn sandbox() -> (Sandbox, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(START));
    let sandbox = Sandbox::with_clock(SandboxConfig::default(), clock.clone()).unwrap();
    (sandbox, clock)
}

fn order(reference: &str, package: &str, quantity: u32) -> OrderRequest {
    OrderRequest {
        reference: reference.into(),
        package_code: package.into(),
        quantity,
    }
}

#[tokio::test]
async fn an_order_spends_the_balance_and_issues_installable_esims() {
    let (sb, _) = sandbox();
    let before = sb.balance().await.unwrap();
    let price = sb.package("JP-5GB-30D").await.unwrap().price;
    let placed = sb.order(&order("ref-1", "JP-5GB-30D", 2)).await.unwrap();

    assert_eq!(placed.state, ProviderOrderState::Completed);
    assert_eq!(placed.esims.len(), 2);
    assert_eq!(placed.cost, price.checked_mul(2).unwrap());
    assert_eq!(
        sb.balance().await.unwrap(),
        before.checked_sub(placed.cost).unwrap()
    );
    for esim in &placed.esims {
        assert!(luhn_valid(&esim.iccid), "{}", esim.iccid);
        assert_eq!(esim.iccid.len(), 19);
        assert_eq!(esim.status.lifecycle, Lifecycle::Ready);
        assert_eq!(esim.status.profile, ProfileState::NotInstalled);
        let code = esim.activation.as_ref().unwrap();
        assert_eq!(code.smdp_address(), SMDP_ADDRESS);
        assert!(code.to_lpa().starts_with("LPA:1$"));
        assert_eq!(esim.total, Volume::Bytes(5 * esim_core::volume::GIB));
    }
    assert_ne!(placed.esims[0].iccid, placed.esims[1].iccid);
    assert_ne!(placed.esims[0].activation, placed.esims[1].activation);
}

#[tokio::test]
async fn the_same_reference_never_buys_twice() {
    let (sb, _) = sandbox();
    let first = sb.order(&order("ref-same", "DE-1GB-7D", 1)).await.unwrap();
    let balance = sb.balance().await.unwrap();
    let again = sb.order(&order("ref-same", "DE-1GB-7D", 1)).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(sb.balance().await.unwrap(), balance);
    assert_eq!(sb.find_order("ref-same").await.unwrap(), Some(first));
    assert_eq!(sb.find_order("ref-other").await.unwrap(), None);
}

#[tokio::test]
async fn the_lifecycle_moves_with_install_data_and_the_clock() {
    let (sb, clock) = sandbox();
    let esim = sb
        .order(&order("ref-life", "JP-1GB-7D", 1))
        .await
        .unwrap()
        .esims
        .remove(0);
    let id = esim.provider_id.clone();

    let installed = sb.install(&id).unwrap();
    assert_eq!(installed.status.lifecycle, Lifecycle::Active);
    assert_eq!(installed.status.profile, ProfileState::Installed);
    assert_eq!(installed.expires_at, Some(START + 7 * 86_400));
    assert!(sb.install(&id).is_err(), "installing twice is refused");

    let half = sb.use_data(&id, esim_core::volume::GIB / 2).unwrap();
    assert_eq!(half.used, Some(esim_core::volume::GIB / 2));
    let all = sb.use_data(&id, esim_core::volume::GIB).unwrap();
    assert_eq!(
        all.used,
        Some(esim_core::volume::GIB),
        "usage never exceeds the plan"
    );
    assert_eq!(all.status.lifecycle, Lifecycle::Depleted);

    clock.advance(7 * 86_400);
    assert_eq!(
        sb.esim(&id).await.unwrap().status.lifecycle,
        Lifecycle::Expired
    );
    assert_eq!(sb.use_data(&id, 1).unwrap_err().kind, ErrorKind::NotAllowed);
}

#[tokio::test]
async fn a_provisioning_delay_keeps_new_esims_pending() {
    let clock = Arc::new(ManualClock::new(START));
    let config = SandboxConfig {
        provisioning_delay: Duration::from_secs(3),
        ..Default::default()
    };
    let sb = Sandbox::with_clock(config, clock.clone()).unwrap();
    let placed = sb.order(&order("ref-slow", "FR-3GB-15D", 1)).await.unwrap();
    assert_eq!(placed.state, ProviderOrderState::Pending);
    assert_eq!(placed.esims[0].status.lifecycle, Lifecycle::Pending);
    assert!(
        placed.esims[0].activation.is_none(),
        "no code before the profile exists"
    );
    clock.advance(3);
    let later = sb.find_order("ref-slow").await.unwrap().unwrap();
    assert_eq!(later.state, ProviderOrderState::Completed);
    assert!(later.esims[0].activation.is_some());
}

#[tokio::test]
async fn top_ups_add_data_and_days_and_are_applied_once_per_reference() {
    let (sb, _) = sandbox();
    let esim = sb
        .order(&order("ref-top", "JP-1GB-7D", 1))
        .await
        .unwrap()
        .esims
        .remove(0);
    let id = esim.provider_id;
    sb.install(&id).unwrap();
    sb.use_data(&id, esim_core::volume::GIB).unwrap();
    let tops = sb.top_up_packages(&id).await.unwrap();
    let three = tops.iter().find(|p| p.code == "TOPUP-JP-3GB-15D").unwrap();
    let balance = sb.balance().await.unwrap();

    let topped = sb.top_up(&id, &three.code, "top-1").await.unwrap();
    assert_eq!(topped.total, Volume::Bytes(4 * esim_core::volume::GIB));
    assert_eq!(topped.validity, Some(Validity::days(22)));
    assert_eq!(
        topped.status.lifecycle,
        Lifecycle::Active,
        "depleted eSIM is active again"
    );
    assert_eq!(topped.history.len(), 2);
    assert!(topped.history[1].top_up);
    assert_eq!(
        sb.balance().await.unwrap(),
        balance.checked_sub(three.price).unwrap()
    );

    let again = sb.top_up(&id, &three.code, "top-1").await.unwrap();
    assert_eq!(
        again.total, topped.total,
        "the same reference is not applied twice"
    );
    assert_eq!(
        sb.balance().await.unwrap(),
        balance.checked_sub(three.price).unwrap()
    );

    let unknown = sb
        .top_up(&id, "TOPUP-FR-1GB-7D", "top-2")
        .await
        .unwrap_err();
    assert_eq!(
        unknown.kind,
        ErrorKind::NotFound,
        "top-ups of another destination do not fit"
    );
}

#[tokio::test]
async fn cancel_refunds_only_unused_esims() {
    let (sb, _) = sandbox();
    let start = sb.balance().await.unwrap();
    let mut placed = sb
        .order(&order("ref-cancel", "US-3GB-15D", 2))
        .await
        .unwrap();
    let used = placed.esims.pop().unwrap().provider_id;
    let unused = placed.esims.pop().unwrap().provider_id;

    let cancelled = sb.cancel(&unused).await.unwrap();
    assert_eq!(cancelled.status.lifecycle, Lifecycle::Cancelled);
    assert!(cancelled.activation.is_some());
    sb.install(&used).unwrap();
    assert_eq!(
        sb.cancel(&used).await.unwrap_err().kind,
        ErrorKind::NotAllowed
    );
    assert_eq!(
        sb.cancel(&unused).await.unwrap_err().kind,
        ErrorKind::NotAllowed,
        "not twice"
    );
    let one_price = sb.package("US-3GB-15D").await.unwrap().price;
    assert_eq!(
        sb.balance().await.unwrap(),
        start.checked_sub(one_price).unwrap()
    );
}

#[tokio::test]
async fn bad_orders_are_refused_without_spending() {
    let (sb, _) = sandbox();
    let start = sb.balance().await.unwrap();
    assert_eq!(
        sb.order(&order("r1", "NOPE", 1)).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        sb.order(&order("r2", "JP-1GB-7D", 0))
            .await
            .unwrap_err()
            .kind,
        ErrorKind::InvalidRequest
    );
    assert_eq!(
        sb.order(&order("r3", "JP-1GB-7D", 51))
            .await
            .unwrap_err()
            .kind,
        ErrorKind::InvalidRequest
    );

    let poor = Sandbox::with_clock(
        SandboxConfig {
            balance: Money::from_minor(100, Currency::USD),
            ..Default::default()
        },
        Arc::new(ManualClock::new(START)),
    )
    .unwrap();
    assert_eq!(
        poor.order(&order("r4", "JP-20GB-30D", 1))
            .await
            .unwrap_err()
            .kind,
        ErrorKind::InsufficientBalance
    );
    assert_eq!(poor.balance().await.unwrap().minor(), 100);
    assert_eq!(sb.balance().await.unwrap(), start);
}

#[tokio::test]
async fn injected_faults_apply_once_each_in_order() {
    let (sb, _) = sandbox();
    sb.inject_fault(Fault::Unavailable);
    sb.inject_fault(Fault::RateLimited(Duration::from_secs(30)));
    sb.inject_fault(Fault::Malformed);
    sb.inject_fault(Fault::Unauthorized);
    assert_eq!(sb.balance().await.unwrap_err().kind, ErrorKind::Unavailable);
    assert_eq!(
        sb.balance().await.unwrap_err().kind,
        ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(30))
        }
    );
    assert_eq!(
        sb.balance().await.unwrap_err().kind,
        ErrorKind::MalformedResponse
    );
    assert_eq!(
        sb.balance().await.unwrap_err().kind,
        ErrorKind::Unauthorized
    );
    assert!(sb.balance().await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_hang_ends_in_a_timeout() {
    let (sb, _) = sandbox();
    sb.inject_fault(Fault::Hang(Duration::from_secs(60)));
    assert_eq!(
        sb.destinations().await.unwrap_err().kind,
        ErrorKind::Timeout
    );
}

#[tokio::test]
async fn a_lost_answer_still_places_the_order_once() {
    let (sb, _) = sandbox();
    let start = sb.balance().await.unwrap();
    sb.inject_fault(Fault::LoseResponse);
    assert_eq!(
        sb.order(&order("ref-lost", "JP-1GB-7D", 1))
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Timeout
    );
    let found = sb
        .find_order("ref-lost")
        .await
        .unwrap()
        .expect("the order exists at the provider");
    assert_eq!(found.esims.len(), 1);
    let retried = sb.order(&order("ref-lost", "JP-1GB-7D", 1)).await.unwrap();
    assert_eq!(retried, found);
    assert_eq!(
        sb.balance().await.unwrap(),
        start.checked_sub(found.cost).unwrap()
    );
}

#[tokio::test]
async fn state_survives_a_restart_when_persisted() {
    let dir = std::env::temp_dir().join(format!("esim-sandbox-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let _ = std::fs::remove_file(&path);
    let config = SandboxConfig {
        state_path: Some(path.clone()),
        ..Default::default()
    };
    let clock = Arc::new(ManualClock::new(START));
    let first = Sandbox::with_clock(config.clone(), clock.clone()).unwrap();
    let placed = first
        .order(&order("ref-persist", "IT-5GB-30D", 1))
        .await
        .unwrap();
    first.install(&placed.esims[0].provider_id).unwrap();
    drop(first);

    let second = Sandbox::with_clock(config, clock).unwrap();
    let found = second.find_order("ref-persist").await.unwrap().unwrap();
    assert_eq!(found.esims[0].status.profile, ProfileState::Installed);
    assert_eq!(
        second.balance().await.unwrap(),
        Money::from_minor(500_000, Currency::USD)
            .checked_sub(placed.cost)
            .unwrap()
    );

    std::fs::write(&path, "{ not json").unwrap();
    let corrupt = Sandbox::with_clock(
        SandboxConfig {
            state_path: Some(path.clone()),
            ..Default::default()
        },
        Arc::new(ManualClock::new(START)),
    );
    assert!(
        corrupt.is_err(),
        "a corrupt state file is an error, not a silent reset"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn rates_cover_at_least_a_dozen_currencies_including_ngn_eur_gbp() {
    let (sb, _) = sandbox();
    let rates = sb.rates().await.unwrap();
    assert!(rates.currencies().len() > 12);
    for code in ["NGN", "EUR", "GBP", "JPY", "KWD"] {
        assert!(
            rates.rate(Currency::from_code(code).unwrap()).is_some(),
            "{code}"
        );
    }
    assert_eq!(
        rates.rate(Currency::from_code("NGN").unwrap()),
        Some(Decimal::new(155_025, 2))
    );
}

#[test]
fn luhn_check_digits() {
    assert_eq!(luhn_check_digit("7992739871"), 3);
    assert!(luhn_valid("79927398713"));
    assert!(!luhn_valid("79927398714"));
    assert!(!luhn_valid("x"));
    assert!(luhn_valid(&iccid(12_345)));
}

#[tokio::test]
async fn destinations_include_countries_regions_and_global() {
    let (sb, _) = sandbox();
    let all = sb.destinations().await.unwrap();
    let find = |code: &str| all.iter().find(|d| d.code == code).map(|d| d.kind);
    assert_eq!(find("JP"), Some(esim_core::DestinationKind::Country));
    assert_eq!(find("europe"), Some(esim_core::DestinationKind::Region));
    assert_eq!(find("global"), Some(esim_core::DestinationKind::Global));
    let ci = esim_core::search_destinations(&all, "cote d ivoire");
    assert_eq!(ci[0].code, "CI");
    assert!(sb.packages("jp").await.unwrap().len() >= 8);
    assert!(sb.packages("atlantis").await.unwrap().is_empty());
}
