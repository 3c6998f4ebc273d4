//! `esim-proxy --provider NAME` against each provider's fake: the storefront API sells,
//! delivers and shows eSIMs the same way whichever reseller is behind it, offers only what
//! the provider supports, and never logs the provider's secrets.

mod common;

use common::process::{get_with, http, place, start, stop_and_read_log, temp_dir};
use esim_fakes::{Fake, Kind, Secrets, OPENING_BALANCE_CENTS as OPENING};

struct Expect {
    name: &'static str,
    /// The fake sends only what the provider's documentation shows.
    documented_only: bool,
    kind: Kind,
    /// A Japanese 5 GB plan's code at this provider.
    plan: &'static str,
    cancel: bool,
    currencies: bool,
}

/// Each provider as the fake answers by default; the documented-only journeys change one field.
const VELLOSIM: Expect = Expect {
    name: "vellosim",
    documented_only: false,
    kind: Kind::Vellosim,
    plan: "JP_5GB_30D",
    cancel: false,
    currencies: true,
};
const CLOUDESIM: Expect = Expect {
    name: "cloudesim",
    documented_only: false,
    kind: Kind::CloudeSim,
    plan: "JP_5GB_30D",
    cancel: true,
    currencies: false,
};
const VELOESIM: Expect = Expect {
    name: "veloesim",
    documented_only: false,
    kind: Kind::VeloeSim,
    plan: "3002",
    cancel: false,
    currencies: false,
};
const PRESSONE: Expect = Expect {
    name: "pressone",
    documented_only: false,
    kind: Kind::PressOne,
    plan: "jp-5gb-30d",
    cancel: false,
    currencies: false,
};

async fn journey(expect: Expect) {
    let fake = Fake::local(expect.kind).await;
    if expect.documented_only {
        fake.documented_only();
    }
    let dir = temp_dir(&format!("{}-{}", expect.name, expect.documented_only));
    let config = dir.join("proxy.toml");
    std::fs::write(
        &config,
        "checkout = \"sandbox\"\ndatabase = \":memory:\"\nprovider_timeout_secs = 5\n",
    )
    .unwrap();
    let secrets = Secrets::default();
    let args: Vec<String> = [
        "--config",
        &config.display().to_string(),
        "--provider",
        expect.name,
        "--provider-url",
        fake.url(),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let (child, addr) = start(
        &args,
        &[
            ("ESIM_PROXY_PROVIDER_KEY", secrets.key.as_str()),
            ("ESIM_PROXY_PROVIDER_CLIENT_ID", secrets.client_id.as_str()),
            (
                "ESIM_PROXY_PROVIDER_CLIENT_SECRET",
                secrets.client_secret.as_str(),
            ),
            ("RUST_LOG", "debug"),
        ],
    )
    .await;
    let name = expect.name;

    let storefront = http(&addr, "GET", "/v1/storefront", &[], None)
        .await
        .unwrap();
    assert_eq!(storefront.status, 200, "{name}");
    let features = &storefront.body["features"];
    assert_eq!(features["top_up"], true, "{name}");
    assert_eq!(features["usage"], true, "{name}");
    assert_eq!(features["cancel"], expect.cancel, "{name}: {features}");
    assert_eq!(
        features["currencies"], expect.currencies,
        "{name}: {features}"
    );

    let destinations = http(&addr, "GET", "/v1/destinations", &[], None)
        .await
        .unwrap();
    assert_eq!(destinations.status, 200, "{name}: {}", destinations.body);
    let list = destinations.body["destinations"].as_array().unwrap();
    assert!(
        list.iter()
            .any(|d| d["destination"]["code"] == "JP" && d["destination"]["name"] == "Japan"),
        "{name}: {list:?}"
    );

    let packages = http(&addr, "GET", "/v1/packages?destination=JP", &[], None)
        .await
        .unwrap();
    assert_eq!(packages.status, 200, "{name}: {}", packages.body);
    let plan = packages.body["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == expect.plan)
        .unwrap_or_else(|| panic!("{name}: no {} in {}", expect.plan, packages.body))
        .clone();
    let wholesale = 13_00;
    let retail = plan["price"]["minor"]
        .as_i64()
        .unwrap_or_else(|| panic!("{name}: {plan}"));
    assert!(
        retail > wholesale,
        "{name}: marked up from the wholesale $13.00 to {retail}"
    );

    let body = format!(
        r#"{{"package_code": "{}", "quantity": 1, "currency": "USD", "email": "t@example.com"}}"#,
        expect.plan
    );
    let ordered = place(&addr, "journey-1", &body).await.unwrap();
    assert_eq!(ordered.status, 201, "{name}: {}", ordered.body);
    assert_eq!(
        ordered.body["state"], "completed",
        "{name}: {}",
        ordered.body
    );
    assert_eq!(
        fake.balance_cents(),
        OPENING - wholesale,
        "{name}: charged the wholesale price once"
    );
    let guest = ordered.body["guest_token"].as_str().unwrap().to_owned();
    let auth = format!("Bearer {guest}");
    let id = ordered.body["esims"][0]["id"].as_str().unwrap().to_owned();

    let esim = get_with(&addr, &format!("/v1/esims/{id}"), &auth)
        .await
        .unwrap();
    assert_eq!(esim.status, 200, "{name}: {}", esim.body);
    assert!(
        esim.body["install"]["activation_code"]
            .as_str()
            .unwrap_or_default()
            .starts_with("LPA:1$"),
        "{name}: {}",
        esim.body
    );
    assert_eq!(
        esim.body["actions"]["cancel"], expect.cancel,
        "{name}: cancel offered only where supported"
    );
    if expect.documented_only && expect.kind == Kind::CloudeSim {
        // CloudeSIM documents no usage: unknown, never a made-up 0.
        assert!(esim.body["usage"].is_null(), "{name}: {}", esim.body);
    } else {
        assert_eq!(esim.body["usage"]["used"], 0, "{name}: {}", esim.body);
    }
    assert_eq!(
        esim.body["validity"]["amount"], 30,
        "{name}: the plan's validity, whether or not the provider repeats it: {}",
        esim.body
    );
    assert_eq!(
        esim.body["package_code"], expect.plan,
        "{name}: {}",
        esim.body
    );

    let top_ups = get_with(&addr, &format!("/v1/esims/{id}/topups"), &auth)
        .await
        .unwrap();
    assert_eq!(top_ups.status, 200, "{name}: {}", top_ups.body);

    let log = stop_and_read_log(child).await;
    for secret in [&secrets.key, &secrets.client_secret] {
        assert!(
            !log.contains(secret.as_str()),
            "{name}: a secret in the log"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn vellosim() {
    journey(VELLOSIM).await;
}

#[tokio::test]
async fn cloudesim() {
    journey(CLOUDESIM).await;
}

#[tokio::test]
async fn veloesim() {
    journey(VELOESIM).await;
}

#[tokio::test]
async fn pressone() {
    journey(PRESSONE).await;
}

#[tokio::test]
async fn a_provider_without_its_secret_does_not_start() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_esim-proxy"))
        .args(["--provider", "vellosim"])
        .env_remove("ESIM_PROXY_PROVIDER_KEY")
        .env(
            "ESIM_PROXY_TOKEN_SECRET",
            "a-token-secret-of-at-least-32-bytes!!",
        )
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("ESIM_PROXY_PROVIDER_KEY"), "{err}");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_esim-proxy"))
        .args(["--provider", "pressone"])
        .env(
            "ESIM_PROXY_TOKEN_SECRET",
            "a-token-secret-of-at-least-32-bytes!!",
        )
        .env("ESIM_PROXY_PROVIDER_CLIENT_ID", "id")
        .env("ESIM_PROXY_PROVIDER_CLIENT_SECRET", "secret")
        .env_remove("ESIM_PROXY_PROVIDER_URL")
        .output()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("publishes none"));
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_esim-proxy"))
        .args(["--provider", "airalo"])
        .output()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown provider \"airalo\""));
}

#[tokio::test]
async fn vellosim_documented_only() {
    journey(Expect {
        documented_only: true,
        ..VELLOSIM
    })
    .await;
}

#[tokio::test]
async fn cloudesim_documented_only() {
    journey(Expect {
        documented_only: true,
        ..CLOUDESIM
    })
    .await;
}

#[tokio::test]
async fn veloesim_documented_only() {
    journey(Expect {
        documented_only: true,
        ..VELOESIM
    })
    .await;
}

#[tokio::test]
async fn pressone_documented_only() {
    journey(Expect {
        documented_only: true,
        ..PRESSONE
    })
    .await;
}
