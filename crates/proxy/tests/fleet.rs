//! Two `esim-proxy` processes on one PostgreSQL database (`ESIM_TEST_DATABASE_URL`, which
//! `cargo xtask test` sets to a throwaway server; without it these tests have nothing to run
//! on), each in front of the same fake PressOne, as a merchant's load balancer would have
//! them: whatever instance a request lands on, an order is bought once, an eSIM is its
//! owner's on both, a killed instance's purchase is finished by the other, and PressOne's
//! package history is asked for no more often than one instance would.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::postgres::fresh_postgres;
use common::process::{get_with, http, place, start, temp_dir, Reply};
use esim_fakes::{Fake, Kind, Secrets};
use tokio::process::Child;

const PLAN: &str = "jp-5gb-30d";

fn order_body() -> String {
    format!(r#"{{"package_code": "{PLAN}", "quantity": 1, "currency": "USD"}}"#)
}

/// One instance on `database` in front of `fake`, its configuration in `dir`.
async fn instance(dir: &Path, name: &str, database: &str, fake: &Fake) -> (Child, String) {
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(
        &config,
        format!(
            "checkout = \"sandbox\"\ndatabase = \"{database}\"\nprovider_timeout_secs = 1\n\
             purchase_timeout_secs = 1\nwrites_per_minute = 10000\nquotes_per_minute = 10000\n"
        ),
    )
    .unwrap();
    let secrets = Secrets::default();
    let args: Vec<String> = [
        "--config",
        &config.display().to_string(),
        "--provider",
        "pressone",
        "--provider-url",
        fake.url(),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    start(
        &args,
        &[
            ("ESIM_PROXY_PROVIDER_CLIENT_ID", secrets.client_id.as_str()),
            (
                "ESIM_PROXY_PROVIDER_CLIENT_SECRET",
                secrets.client_secret.as_str(),
            ),
        ],
    )
    .await
}

struct Fleet {
    fake: Fake,
    a: (Child, String),
    b: (Child, String),
    dir: std::path::PathBuf,
}

/// A fake PressOne and two instances on a fresh database; `None` without a PostgreSQL server.
async fn fleet(name: &str) -> Option<Fleet> {
    let Some(database) = fresh_postgres().await else {
        eprintln!("ESIM_TEST_DATABASE_URL is not set: no PostgreSQL to run several instances on");
        return None;
    };
    let fake = Fake::local(Kind::PressOne).await;
    let dir = temp_dir(&format!("fleet-{name}"));
    let a = instance(&dir, "a", &database, &fake).await;
    let b = instance(&dir, "b", &database, &fake).await;
    Some(Fleet { fake, a, b, dir })
}

impl Fleet {
    fn purchases(&self) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| *r == "POST /customer/v2/orders")
            .count()
    }

    fn history_calls(&self) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.starts_with("GET /customer/v2/sims/") && r.ends_with("/packages"))
            .count()
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Places `body` under `key` on `addr` until it answers `201` (completed), for at most
/// `within`: a retry, as a shopper's page makes it while an order is being settled.
async fn placed(addr: &str, key: &str, body: &str, within: Duration) -> Reply {
    let deadline = Instant::now() + within;
    loop {
        let answer = place(addr, key, body).await.unwrap();
        if answer.status == 201 {
            return answer;
        }
        assert!(
            Instant::now() < deadline,
            "not placed in {within:?}: {} {}",
            answer.status,
            answer.body
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test]
async fn fifty_identical_orders_split_across_two_instances_buy_once() {
    let Some(fleet) = fleet("fifty").await else {
        return;
    };
    // Each purchase takes a while, so that the 50 arrive while the first is being bought.
    fleet.fake.delay_purchases(Duration::from_millis(1500));
    let body = order_body();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let addr = if i % 2 == 0 { &fleet.a.1 } else { &fleet.b.1 }.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            place(&addr, "fifty", &body).await.unwrap()
        }));
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut in_progress = 0;
    for task in tasks {
        let answer = task.await.unwrap();
        match answer.status {
            409 => {
                assert_eq!(
                    answer.body["error"]["code"], "request_in_progress",
                    "{}",
                    answer.body
                );
                in_progress += 1;
            }
            201 | 202 => {
                ids.insert(answer.body["id"].as_str().unwrap().to_owned());
            }
            other => panic!("{other}: {}", answer.body),
        }
    }
    assert_eq!(
        ids.len(),
        1,
        "one order: {ids:?} ({in_progress} told to wait)"
    );
    let id = ids.into_iter().next().unwrap();
    // Asked again on either instance once it is done: the same order, bought once.
    for addr in [&fleet.a.1, &fleet.b.1] {
        let again = placed(addr, "fifty", &body, Duration::from_secs(30)).await;
        assert_eq!(again.body["id"], id.as_str(), "{}", again.body);
        assert_eq!(again.body["state"], "completed", "{}", again.body);
    }
    assert_eq!(fleet.purchases(), 1, "one purchase at the provider");
}

#[tokio::test]
async fn an_esim_bought_through_one_instance_is_its_owners_through_the_other() {
    let Some(fleet) = fleet("owner").await else {
        return;
    };
    let (a, b) = (&fleet.a.1, &fleet.b.1);
    let ordered = placed(a, "owner-1", &order_body(), Duration::from_secs(20)).await;
    let auth = format!("Bearer {}", ordered.body["guest_token"].as_str().unwrap());
    let id = ordered.body["esims"][0]["id"].as_str().unwrap().to_owned();
    let iccid = ordered.body["esims"][0]["iccid"]
        .as_str()
        .unwrap()
        .to_owned();
    // The phone installs it and uses some data (before anyone reads its usage, which
    // PressOne and we keep for 20 minutes).
    assert!(fleet.fake.use_data(&iccid, 100 << 20));
    // Someone else, with an order of their own, through B.
    let other = placed(b, "owner-2", &order_body(), Duration::from_secs(20)).await;
    let stranger = format!("Bearer {}", other.body["guest_token"].as_str().unwrap());

    let listed = get_with(b, "/v1/esims", &auth).await.unwrap();
    assert_eq!(listed.status, 200, "{}", listed.body);
    let listed: Vec<_> = listed.body["esims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        listed,
        std::slice::from_ref(&id),
        "the owner's one eSIM, through B"
    );
    let refreshed = get_with(b, &format!("/v1/esims/{id}?refresh=true"), &auth)
        .await
        .unwrap();
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    assert_eq!(refreshed.body["iccid"], iccid.as_str());

    // Then it can be topped up, through B.
    let options = get_with(b, &format!("/v1/esims/{id}/topups"), &auth)
        .await
        .unwrap();
    assert_eq!(options.status, 200, "{}", options.body);
    let code = options.body["packages"][0]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("a top-up offered: {}", options.body))
        .to_owned();
    let body = format!(r#"{{"package_code": "{code}", "currency": "USD"}}"#);
    let path = format!("/v1/esims/{id}/topups");
    let topped = http(
        b,
        "POST",
        &path,
        &[("Authorization", &auth), ("Idempotency-Key", "top-1")],
        Some(&body),
    )
    .await
    .unwrap();
    assert_eq!(topped.status, 200, "{}", topped.body);
    assert_eq!(fleet.fake.top_ups(), 1, "topped up once");

    // Nobody else sees it or tops it up, on either instance.
    for addr in [a, b] {
        let seen = get_with(addr, &format!("/v1/esims/{id}"), &stranger)
            .await
            .unwrap();
        assert_eq!(seen.status, 404, "{}", seen.body);
        let theirs = get_with(addr, "/v1/esims", &stranger).await.unwrap();
        assert!(
            theirs.body["esims"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["id"] != id.as_str()),
            "{}",
            theirs.body
        );
        let refused = http(
            addr,
            "POST",
            &path,
            &[("Authorization", &stranger), ("Idempotency-Key", "top-2")],
            Some(&body),
        )
        .await
        .unwrap();
        assert_eq!(refused.status, 404, "{}", refused.body);
    }
    assert_eq!(fleet.fake.top_ups(), 1, "nothing added by a stranger");
}

#[tokio::test]
async fn an_instance_killed_mid_purchase_leaves_it_to_the_other_bought_once() {
    let Some(mut fleet) = fleet("killed").await else {
        return;
    };
    // The purchase takes three seconds at the provider, and happens there whatever becomes
    // of the instance that asked.
    fleet.fake.delay_purchases(Duration::from_secs(3));
    let body = order_body();
    let asking = {
        let (a, body) = (fleet.a.1.clone(), body.clone());
        tokio::spawn(async move { place(&a, "killed-1", &body).await })
    };
    let arrived = Instant::now() + Duration::from_secs(10);
    while fleet.purchases() == 0 {
        assert!(
            Instant::now() < arrived,
            "the purchase reached the provider"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    fleet.a.0.start_kill().unwrap();
    fleet.a.0.wait().await.unwrap();
    let lost = asking.await.unwrap();
    assert!(
        lost.as_ref().map_or(true, |r| r.status == 0),
        "A died before answering: {lost:?}",
        lost = lost.map(|r| r.status)
    );

    // The shopper's page asks again, landing on B: told to wait while A's claim on the order
    // lasts, then the order B finished from the provider's records.
    let done = placed(&fleet.b.1, "killed-1", &body, Duration::from_secs(120)).await;
    assert_eq!(done.body["state"], "completed", "{}", done.body);
    assert_eq!(
        done.body["esims"].as_array().unwrap().len(),
        1,
        "{}",
        done.body
    );
    let auth = format!("Bearer {}", done.body["guest_token"].as_str().unwrap());
    let mine = get_with(&fleet.b.1, "/v1/esims", &auth).await.unwrap();
    assert_eq!(
        mine.body["esims"].as_array().unwrap().len(),
        1,
        "{}",
        mine.body
    );
    assert_eq!(fleet.purchases(), 1, "bought once");
    assert_eq!(fleet.fake.iccids().len(), 1, "one eSIM at the provider");
}

#[tokio::test]
async fn pressones_package_history_asked_through_both_instances_is_asked_once() {
    let Some(fleet) = fleet("history").await else {
        return;
    };
    let (a, b) = (&fleet.a.1, &fleet.b.1);
    let ordered = placed(a, "history-1", &order_body(), Duration::from_secs(20)).await;
    let auth = format!("Bearer {}", ordered.body["guest_token"].as_str().unwrap());
    let id = ordered.body["esims"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/esims/{id}?refresh=true");
    // Both at once, then each again: every answer has the eSIM's history.
    for _ in 0..2 {
        let (on_a, on_b) = tokio::join!(get_with(a, &path, &auth), get_with(b, &path, &auth));
        for seen in [on_a.unwrap(), on_b.unwrap()] {
            assert_eq!(seen.status, 200, "{}", seen.body);
            let history = seen.body["history"].as_array().unwrap();
            assert!(
                history.iter().any(|h| h["package_code"] == PLAN),
                "{}",
                seen.body
            );
        }
    }
    assert_eq!(
        fleet.history_calls(),
        1,
        "one call at PressOne in the 15 minutes: {:?}",
        fleet.fake.requests()
    );
}
