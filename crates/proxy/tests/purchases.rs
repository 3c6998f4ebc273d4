//! Never buy twice, whatever happens while a purchase is with the provider: for each
//! provider's fake, purchases and top-ups that the provider completes only after the proxy's
//! timeout, with retries under the same key, a graceful restart during the wait, the process
//! killed with SIGKILL mid-purchase, and the shopper's connection dropped mid-request. The
//! proxy runs as a real process in front of the fake; the fake completes each purchase
//! whether or not anyone is still listening, as a real provider does.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::process::{http, place, start, temp_dir, Reply};
use esim_fakes::{Fake, Kind, Secrets};
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};

/// The proxy's timeout, and how long the fake takes to complete a purchase.
const TIMEOUT_SECS: u64 = 3;
const PURCHASE: Duration = Duration::from_secs(5);

struct Shop {
    name: &'static str,
    plan: &'static str,
    fake: Fake,
    dir: PathBuf,
}

impl Shop {
    async fn new(name: &'static str, kind: Kind, plan: &'static str) -> Shop {
        let fake = Fake::local(kind).await;
        let dir = temp_dir(&format!("purchases-{name}"));
        std::fs::write(
            dir.join("proxy.toml"),
            format!(
                "checkout = \"sandbox\"\ndatabase = \"{}\"\nprovider_timeout_secs = {TIMEOUT_SECS}\nreview_after_secs = 120\n",
                dir.join("db.sqlite3").display()
            ),
        )
        .unwrap();
        Shop {
            name,
            plan,
            fake,
            dir,
        }
    }

    /// The proxy's arguments: the same for the server and the merchant's `orders` commands.
    fn args(&self) -> Vec<String> {
        [
            "--config",
            &self.dir.join("proxy.toml").display().to_string(),
            "--provider",
            self.name,
            "--provider-url",
            self.fake.url(),
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    }

    fn env() -> Vec<(&'static str, String)> {
        let secrets = Secrets::default();
        vec![
            ("ESIM_PROXY_PROVIDER_KEY", secrets.key),
            ("ESIM_PROXY_PROVIDER_CLIENT_ID", secrets.client_id),
            ("ESIM_PROXY_PROVIDER_CLIENT_SECRET", secrets.client_secret),
        ]
    }

    async fn start(&self) -> (Child, String) {
        let env = Shop::env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        start(&self.args(), &env).await
    }

    fn order_body(&self) -> String {
        format!(
            r#"{{"package_code": "{}", "quantity": 1, "currency": "USD"}}"#,
            self.plan
        )
    }

    async fn order(&self, addr: &str, key: &str) -> Reply {
        http(
            addr,
            "POST",
            "/v1/orders",
            &[("Idempotency-Key", key)],
            Some(&self.order_body()),
        )
        .await
        .unwrap()
    }

    /// Runs `esim-proxy orders …` against this shop's database and provider.
    async fn orders_command(&self, args: &[&str]) -> (bool, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_esim-proxy"))
            .arg("orders")
            .args(args)
            .args(self.args())
            .envs(Shop::env())
            .output()
            .await
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    }

    /// Waits until the fake has issued `n` eSIMs in all.
    async fn issued(&self, n: usize) {
        let until = Instant::now() + Duration::from_secs(20);
        while self.fake.iccids().len() < n {
            assert!(
                Instant::now() < until,
                "{}: the fake never issued eSIM {n}",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Stops the proxy with SIGTERM and waits for it to finish what it was doing.
async fn terminate(mut child: Child) {
    // Within 30 s: the proxy exits once its purchases are recorded.
    let status = common::process::terminate(&mut child, Duration::from_secs(30)).await;
    assert!(status.success(), "a clean exit: {status}");
}

fn auth(token: &str) -> String {
    format!("Bearer {token}")
}

/// A slow purchase: pending first, a graceful restart during the wait, one purchase; a retry
/// during the wait and after it; then the same for a top-up.
async fn slow(shop: &Shop) {
    let name = shop.name;
    let (proxy, addr) = shop.start().await;
    shop.fake.delay_purchases(PURCHASE);

    let first = shop.order(&addr, "slow-1").await;
    assert_eq!(first.status, 202, "{name}: {}", first.body);
    assert_eq!(first.body["state"], "pending", "{name}: {}", first.body);
    let id = first.body["id"].as_str().unwrap().to_owned();
    let token = first.body["guest_token"].as_str().unwrap().to_owned();
    // Restarted during the wait: the purchase is finished and recorded before the exit.
    terminate(proxy).await;
    assert_eq!(shop.fake.iccids().len(), 1, "{name}: bought once");
    // The shopper installs it and uses a little (PressOne tops up active eSIMs only, and
    // PressOne's usage is cached: used before the proxy first asks).
    shop.fake.use_data(&shop.fake.iccids()[0], 1 << 20);
    let (proxy, addr) = shop.start().await;
    let after = shop.order(&addr, "slow-1").await;
    assert_eq!(after.status, 201, "{name}: {}", after.body);
    assert_eq!(after.body["id"], id.as_str());
    assert_eq!(after.body["state"], "completed", "{name}: {}", after.body);
    assert_eq!(after.body["guest_token"], token.as_str());
    let esim = after.body["esims"][0].clone();
    assert_eq!(esim["iccid"], shop.fake.iccids()[0].as_str());
    let read = http(
        &addr,
        "GET",
        &format!("/v1/orders/{id}"),
        &[("Authorization", &auth(&token))],
        None,
    )
    .await
    .unwrap();
    assert_eq!(read.body["state"], "completed", "{name}: {}", read.body);

    // Retried during the wait: the retry waits for the same purchase.
    let second = shop.order(&addr, "slow-2").await;
    assert_eq!(second.status, 202, "{name}: {}", second.body);
    let during = shop.order(&addr, "slow-2").await;
    assert!(
        matches!(during.status, 201 | 202),
        "{name}: {}",
        during.body
    );
    assert_eq!(during.body["id"], second.body["id"]);
    shop.issued(2).await;
    let done = shop.order(&addr, "slow-2").await;
    assert_eq!(done.status, 201, "{name}: {}", done.body);
    assert_eq!(done.body["state"], "completed", "{name}: {}", done.body);
    assert_eq!(
        shop.fake.iccids().len(),
        2,
        "{name}: one purchase per order"
    );

    // A top-up answered after the timeout, with a restart during the wait.
    let esim_id = esim["id"].as_str().unwrap().to_owned();
    shop.fake.reset_rate_limits();
    let options = http(
        &addr,
        "GET",
        &format!("/v1/esims/{esim_id}/topups"),
        &[("Authorization", &auth(&token))],
        None,
    )
    .await
    .unwrap();
    let code = options.body["packages"][0]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: {}", options.body))
        .to_owned();
    let body = format!(r#"{{"package_code": "{code}", "currency": "USD"}}"#);
    let path = format!("/v1/esims/{esim_id}/topups");
    let headers = [
        ("Authorization", auth(&token)),
        ("Idempotency-Key", "top-1".to_owned()),
    ];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let topped = http(&addr, "POST", &path, &headers, Some(&body))
        .await
        .unwrap();
    assert_eq!(topped.status, 202, "{name}: {}", topped.body);
    terminate(proxy).await;
    assert_eq!(shop.fake.top_ups(), 1, "{name}: topped up once");
    let (proxy, addr) = shop.start().await;
    let again = http(&addr, "POST", &path, &headers, Some(&body))
        .await
        .unwrap();
    assert_eq!(again.status, 200, "{name}: {}", again.body);
    assert_eq!(again.body["id"], esim_id.as_str());
    let once_more = http(&addr, "POST", &path, &headers, Some(&body))
        .await
        .unwrap();
    assert_eq!(once_more.status, 200, "{name}: {}", once_more.body);
    assert_eq!(shop.fake.top_ups(), 1, "{name}: still topped up once");

    // A second top-up, retried during the wait: the retry waits for the same one.
    shop.fake.reset_rate_limits();
    let headers = [
        ("Authorization", auth(&token)),
        ("Idempotency-Key", "top-2".to_owned()),
    ];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = http(&addr, "POST", &path, &headers, Some(&body))
        .await
        .unwrap();
    assert_eq!(first.status, 202, "{name}: {}", first.body);
    let during = http(&addr, "POST", &path, &headers, Some(&body))
        .await
        .unwrap();
    assert!(
        matches!(during.status, 200 | 202),
        "{name}: {}",
        during.body
    );
    let until = Instant::now() + Duration::from_secs(15);
    while shop.fake.top_ups() < 2 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = http(&addr, "POST", &path, &headers, Some(&body))
        .await
        .unwrap();
    assert_eq!(after.status, 200, "{name}: {}", after.body);
    assert_eq!(
        shop.fake.top_ups(),
        2,
        "{name}: two keys, two top-ups, never more"
    );
    terminate(proxy).await;
}

/// The process killed with SIGKILL while the purchase is with the provider, restarted, and
/// the key retried before the provider finishes and after: one purchase, and the order either
/// found (the provider can be searched) or held for review and settled by the merchant.
async fn killed(shop: &Shop, found_again: bool) {
    let name = shop.name;
    let before = shop.fake.iccids().len();
    let (mut proxy, addr) = shop.start().await;
    shop.fake.delay_purchases(PURCHASE);
    let lost = {
        let addr = addr.clone();
        let body = shop.order_body();
        tokio::spawn(async move { place(&addr, "kill-1", &body).await })
    };
    tokio::time::sleep(Duration::from_millis(1000)).await;
    proxy.kill().await.unwrap();
    let _ = lost.await;

    let (proxy, addr) = shop.start().await;
    let early = shop.order(&addr, "kill-1").await;
    assert_eq!(early.status, 202, "{name}: {}", early.body);
    let id = early.body["id"].as_str().unwrap().to_owned();
    let expected_early = if found_again {
        "pending"
    } else {
        "needs_review"
    };
    assert_eq!(
        early.body["state"], expected_early,
        "{name}: {}",
        early.body
    );

    shop.issued(before + 1).await;
    let iccid = shop.fake.iccids()[before].clone();
    let late = shop.order(&addr, "kill-1").await;
    if found_again {
        assert_eq!(late.status, 201, "{name}: {}", late.body);
        assert_eq!(late.body["state"], "completed", "{name}: {}", late.body);
        assert_eq!(late.body["esims"][0]["iccid"], iccid.as_str());
    } else {
        assert_eq!(late.status, 202, "{name}: {}", late.body);
        assert_eq!(late.body["state"], "needs_review", "{name}: {}", late.body);
        let (ok, listed) = shop.orders_command(&["unresolved"]).await;
        assert!(
            ok && listed.contains(&id) && listed.contains("needs_review"),
            "{name}: {listed}"
        );
        let (ok, settled) = shop
            .orders_command(&["settle", &id, "--esim", &iccid])
            .await;
        assert!(ok, "{name}: {settled}");
        let after = shop.order(&addr, "kill-1").await;
        assert_eq!(after.status, 201, "{name}: {}", after.body);
        assert_eq!(after.body["state"], "completed", "{name}: {}", after.body);
        assert_eq!(after.body["esims"][0]["iccid"], iccid.as_str());
        assert!(
            after.body["guest_token"].is_string(),
            "{name}: {}",
            after.body
        );
        let (_, listed) = shop.orders_command(&["unresolved"]).await;
        assert!(!listed.contains(&id), "{name}: {listed}");
        // The same eSIM cannot be given to a second order.
        let (ok, refused) = shop
            .orders_command(&["settle", &id, "--esim", &iccid])
            .await;
        assert!(
            !ok && refused.contains("already completed"),
            "{name}: {refused}"
        );
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        shop.fake.iccids().len(),
        before + 1,
        "{name}: exactly one purchase"
    );
    terminate(proxy).await;
}

/// The shopper's connection dropped mid-request: the purchase goes on and is recorded.
async fn dropped(shop: &Shop) {
    let name = shop.name;
    let before = shop.fake.iccids().len();
    let (proxy, addr) = shop.start().await;
    shop.fake.delay_purchases(PURCHASE);
    let body = shop.order_body();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let request = format!(
        "POST /v1/orders HTTP/1.1\r\nHost: {addr}\r\nIdempotency-Key: drop-1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(stream);

    shop.issued(before + 1).await;
    let until = Instant::now() + Duration::from_secs(10);
    let answer = loop {
        let answer = shop.order(&addr, "drop-1").await;
        if answer.status == 201 || Instant::now() > until {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(answer.status, 201, "{name}: {}", answer.body);
    assert_eq!(answer.body["state"], "completed", "{name}: {}", answer.body);
    assert_eq!(
        answer.body["esims"][0]["iccid"],
        shop.fake.iccids()[before].as_str()
    );
    assert_eq!(shop.fake.iccids().len(), before + 1, "{name}: bought once");
    terminate(proxy).await;
}

async fn every_way(name: &'static str, kind: Kind, plan: &'static str, searchable: bool) {
    let shop = Shop::new(name, kind, plan).await;
    slow(&shop).await;
    killed(&shop, searchable).await;
    dropped(&shop).await;
    let _ = std::fs::remove_dir_all(&shop.dir);
}

#[tokio::test]
async fn vellosim_never_buys_twice() {
    // A lost purchase is found again in Vellosim's eSIM list.
    every_way("vellosim", Kind::Vellosim, "JP_5GB_30D", true).await;
}

#[tokio::test]
async fn cloudesim_never_buys_twice() {
    every_way("cloudesim", Kind::CloudeSim, "JP_5GB_30D", false).await;
}

#[tokio::test]
async fn veloesim_never_buys_twice() {
    every_way("veloesim", Kind::VeloeSim, "3002", false).await;
}

#[tokio::test]
async fn pressone_never_buys_twice() {
    // A lost purchase is found again by its description, once PressOne lists it.
    every_way("pressone", Kind::PressOne, "jp-5gb-30d", true).await;
}
