use super::*;

#[test]
fn a_full_file_parses() {
    let config: Config = toml::from_str(
        r#"
        listen = "0.0.0.0:9000"
        shop_name = "Wanderly"
        checkout = "customer"
        currencies = ["USD", "EUR", "NGN"]
        default_currency = "EUR"
        database = "/var/lib/esim/db.sqlite3"
        cors_origins = ["https://shop.example"]
        [markup]
        percent = "30"
        fixed_cents = 50
        ending = "whole"
        [provider]
        kind = "sandbox"
        provisioning_delay_secs = 5
        "#,
    )
    .unwrap();
    assert_eq!(config.default_currency.code(), "EUR");
    assert_eq!(
        config.markup.to_markup().unwrap().ending,
        PriceEnding::Whole
    );
    assert_eq!(config.checkout, CheckoutMode::Customer);
    assert!(
        config.validate().is_err(),
        "customer checkout without a secret is refused"
    );
}

#[test]
fn unknown_keys_and_bad_values_are_errors() {
    assert!(toml::from_str::<Config>("colour = \"blue\"").is_err());
    assert!(toml::from_str::<Config>("default_currency = \"XYZ\"").is_err());
    let bad_ending: Config = toml::from_str("[markup]\nending = \"ninety\"").unwrap();
    assert!(bad_ending.validate().unwrap_err().contains("markup.ending"));
}

#[test]
fn sandbox_mode_needs_nothing() {
    let mut config = Config::sandbox();
    // Whatever this machine's environment holds: no secret, no file, still valid.
    config.token_secret = None;
    assert_eq!(config.checkout, CheckoutMode::Sandbox);
    assert_eq!(config.database, ":memory:");
    assert!(config.test_mode());
    assert_eq!(config.validate(), Ok(()));
    // A customer shop without the secret is refused, and says which variable to set.
    config.checkout = CheckoutMode::Customer;
    assert!(config.validate().unwrap_err().contains(TOKEN_SECRET_ENV));
    config.token_secret = Some(Secret::from("too short"));
    assert!(config.validate().unwrap_err().contains("32 bytes"));
}

#[test]
fn providers_from_the_file_secrets_from_the_environment_only() {
    let mut config: Config = toml::from_str(
        "checkout = \"sandbox\"\n[provider]\nkind = \"cloudesim\"\nunits = \"esim-access\"",
    )
    .unwrap();
    assert!(matches!(
        config.provider,
        ProviderSpec::Cloudesim {
            base_url: None,
            units: esim_providers::cloudesim::Units::EsimAccess
        }
    ));
    config.credentials = Credentials::default();
    assert!(config.validate().unwrap_err().contains(PROVIDER_KEY_ENV));
    config.credentials.key = Some("cs_live_secret".into());
    assert_eq!(config.validate(), Ok(()));
    assert!(
        !format!("{config:?}").contains("cs_live_secret"),
        "Debug never shows a secret"
    );
    // A key in the file is refused: secrets come from the environment.
    assert!(toml::from_str::<Config>("[provider]\nkind = \"vellosim\"\nkey = \"x\"").is_err());

    let mut pressone = ProviderSpec::named("pressone").unwrap();
    config.provider = pressone.clone();
    assert!(config.validate().unwrap_err().contains("base_url"));
    pressone
        .set_base_url("https://api.pressone.example".into())
        .unwrap();
    config.provider = pressone;
    assert!(config
        .validate()
        .unwrap_err()
        .contains(PROVIDER_CLIENT_SECRET_ENV));
    config.credentials.client_id = Some("id".into());
    config.credentials.client_secret = Some("secret".into());
    assert_eq!(config.validate(), Ok(()));

    assert!(ProviderSpec::named("airalo").is_err());
    assert!(ProviderSpec::default()
        .set_base_url("https://x.test".into())
        .is_err());
    let veloesim: Config =
        toml::from_str("[provider]\nkind = \"veloesim\"\nauth = \"bare\"\nbase_url = \"https://api.veloconnect.me/api/wholesale\"").unwrap();
    assert_eq!(veloesim.provider.name(), "veloesim");
}

#[test]
fn edges_parse_with_their_defaults() {
    let config: Config = toml::from_str(
        r#"
        trusted_proxies = ["10.0.0.0/8", "192.168.1.7", "fd00::/8"]
        client_address_header = "forwarded"
        quotes_per_minute = 30
        [connections]
        header_timeout_secs = 5
        max_connections = 200
        "#,
    )
    .unwrap();
    assert_eq!(config.trusted_proxies.len(), 3);
    assert_eq!(config.trusted_proxies[1].to_string(), "192.168.1.7/32");
    assert_eq!(
        config.client_address_header,
        crate::client::ForwardedHeader::Forwarded
    );
    assert_eq!(config.connections.header_timeout_secs, 5);
    assert_eq!(config.connections.body_timeout_secs, 30, "the default");
    assert_eq!(config.connections.idle_timeout_secs, 60, "the default");
    assert_eq!(config.connections.shutdown_timeout_secs, 20, "the default");
    assert_eq!(config.connections.max_connections, 200);
    assert_eq!(
        (config.writes_per_minute, config.quotes_per_minute),
        (60, 30)
    );

    assert!(toml::from_str::<Config>("trusted_proxies = [\"10.0.0.0/33\"]").is_err());
    assert!(toml::from_str::<Config>("[connections]\nidle_secs = 5").is_err());
    let mut zero: Config = toml::from_str("[connections]\nmax_connections = 0").unwrap();
    zero.checkout = CheckoutMode::Sandbox;
    assert!(zero.validate().unwrap_err().contains("max_connections"));
}

#[test]
fn a_card_checkout_says_what_it_is_missing() {
    let mut config: Config = toml::from_str(
        r#"
        checkout = "stripe"
        [provider]
        kind = "sandbox"
        "#,
    )
    .unwrap();
    assert!(config.validate().unwrap_err().contains("[payments.stripe]"));
    config = toml::from_str(
        r#"
        checkout = "stripe"
        [provider]
        kind = "sandbox"
        [payments.stripe]
        publishable_key = "pk_test_abc"
        "#,
    )
    .unwrap();
    let stripe = config.payments.stripe.clone().unwrap();
    assert_eq!(stripe.api_base, "https://api.stripe.com");
    assert_eq!(stripe.js_url, "https://js.stripe.com/v3/");
    let with = |secret: Option<&str>, webhook: Option<&str>| {
        let mut c = config.clone();
        let s = c.payments.stripe.as_mut().unwrap();
        s.secret_key = secret.map(Secret::from);
        s.webhook_secret = webhook.map(Secret::from);
        c.validate()
    };
    assert!(with(None, Some("whsec_1"))
        .unwrap_err()
        .contains(STRIPE_SECRET_KEY_ENV));
    assert!(with(Some("sk_test_1"), None)
        .unwrap_err()
        .contains(STRIPE_WEBHOOK_SECRET_ENV));
    let mixed = with(Some("sk_live_1"), Some("whsec_1")).unwrap_err();
    assert!(
        mixed.contains("test key") && mixed.contains("live key"),
        "{mixed}"
    );
    let swapped = with(Some("pk_test_1"), Some("whsec_1")).unwrap_err();
    assert!(swapped.contains("publishable key belongs"), "{swapped}");
    assert!(
        !swapped.contains("pk_test_1"),
        "the value is not echoed: {swapped}"
    );
    assert_eq!(with(Some("sk_test_1"), Some("whsec_1")), Ok(()));
    let settings = config.payment_settings().unwrap();
    assert_eq!(
        settings,
        esim_core::api::PaymentSettings {
            kind: esim_core::api::PaymentKind::Stripe,
            publishable_key: "pk_test_abc".into(),
            js_url: "https://js.stripe.com/v3/".into()
        }
    );

    // A secret key where the publishable one goes is refused without being shown.
    let mut leaked = config.clone();
    leaked.payments.stripe.as_mut().unwrap().publishable_key = "sk_live_secretvalue".into();
    let e = leaked.validate().unwrap_err();
    assert!(
        e.contains("publishable_key") && !e.contains("secretvalue"),
        "{e}"
    );
    // Card settings without a card checkout are a mistake, said so.
    let mut unused = config.clone();
    unused.checkout = CheckoutMode::Sandbox;
    assert!(unused.validate().unwrap_err().contains("checkout is not"));
}

#[test]
fn a_postgresql_database_is_a_url_with_its_password_kept_out_of_it() {
    let pg: Config = toml::from_str(
        "checkout = \"sandbox\"\ndatabase = \"postgres://shop@db.internal:5432/esim\"",
    )
    .unwrap();
    assert_eq!(pg.validate(), Ok(()));
    let inline: Config = toml::from_str(
        "checkout = \"sandbox\"\ndatabase = \"postgres://shop:hunter22@db.internal/esim\"",
    )
    .unwrap();
    let refused = inline.validate().unwrap_err();
    assert!(refused.contains(DATABASE_PASSWORD_ENV), "{refused}");
    assert!(!refused.contains("hunter22"), "{refused}");
    let garbage: Config =
        toml::from_str("checkout = \"sandbox\"\ndatabase = \"postgres://shop@db:notaport/esim\"")
            .unwrap();
    assert!(garbage.validate().unwrap_err().contains("cannot be read"));
    // The password given by the environment is never shown.
    let mut with_password = pg;
    with_password.database_password = Some(Secret::from("hunter22"));
    assert!(!format!("{with_password:?}").contains("hunter22"));
}

#[test]
fn a_metrics_token_is_long_enough_and_never_shown() {
    let mut config = Config::sandbox();
    config.token_secret = None;
    config.metrics_token = Some(Secret::from("short"));
    assert!(config.validate().unwrap_err().contains(METRICS_TOKEN_ENV));
    config.metrics_token = Some(Secret::from("a-long-enough-metrics-token"));
    assert_eq!(config.validate(), Ok(()));
    assert!(!format!("{config:?}").contains("a-long-enough-metrics-token"));
}
