//! The store's own tests, each on SQLite and, where `ESIM_TEST_DATABASE_URL` names a
//! PostgreSQL server (as `cargo xtask test` does), on a fresh database of it too.

use super::*;

#[path = "../../tests/common/postgres.rs"]
mod postgres_server;
use postgres_server::fresh_postgres;

/// The stores a test runs on: SQLite in memory, and PostgreSQL when there is a server.
async fn stores() -> Vec<Store> {
    let mut stores = vec![Store::open(":memory:").unwrap()];
    if let Some(url) = fresh_postgres().await {
        stores.push(Store::connect(&url, None).unwrap());
    }
    stores
}

fn order(id: &str) -> OrderRow {
    OrderRow {
        id: id.into(),
        reference: format!("ref-{id}"),
        owner: "guest:g1".into(),
        package_code: "JP-1GB-7D".into(),
        quantity: 1,
        total_minor: 599,
        currency: "USD".into(),
        email: None,
        test: true,
        status: OrderStatus::InFlight,
        failure: None,
        provider_order_id: None,
        created_at: 10,
        payment: None,
        payment_intent: None,
        setup_intent: None,
        top_up_of: None,
        size_before: None,
    }
}

fn esim(id: &str, order_id: &str) -> EsimRow {
    EsimRow {
        id: id.into(),
        order_id: order_id.into(),
        owner: "guest:g1".into(),
        provider_id: format!("p-{id}"),
        iccid: "8988247000000000001".into(),
        package_code: "JP-1GB-7D".into(),
        title: "Japan 1GB".into(),
        destination: "JP".into(),
        test: true,
        created_at: 11,
        activation: None,
    }
}

/// Settles "o1" as completed with its eSIM "e1", under `provider_order_id`, at `at`.
async fn complete_o1(store: &Store, provider_order_id: Option<&str>, at: i64) {
    store
        .settle_order(
            "o1".into(),
            OrderStatus::Completed,
            None,
            provider_order_id.map(str::to_owned),
            vec![esim("e1", "o1")],
            at,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn orders_are_written_in_flight_then_settled_with_their_esims() {
    for store in stores().await {
        store.insert_order(order("o1"), 10).await.unwrap();
        assert_eq!(store.orders_in_flight().await.unwrap().len(), 1);
        complete_o1(&store, Some("P1"), 12).await;
        // Settling again (a second reconciliation) adds nothing.
        complete_o1(&store, None, 13).await;
        assert_eq!(
            store.order("o1".into()).await.unwrap().unwrap().status,
            OrderStatus::Completed
        );
        assert!(store.orders_in_flight().await.unwrap().is_empty());
        assert_eq!(store.esims_of("guest:g1".into()).await.unwrap().len(), 1);
        assert!(store
            .esims_of("guest:other".into())
            .await
            .unwrap()
            .is_empty());
        assert_eq!(store.count_esims().await.unwrap(), 1);
    }
}

#[tokio::test]
async fn a_settled_order_keeps_its_state_whatever_answer_comes_later() {
    for store in stores().await {
        store.insert_order(order("o1"), 10).await.unwrap();
        store
            .settle_order(
                "o1".into(),
                OrderStatus::Failed,
                Some("by hand".into()),
                None,
                Vec::new(),
                11,
            )
            .await
            .unwrap();
        // A late answer, from a purchase another process was still running.
        complete_o1(&store, Some("P1"), 12).await;
        let row = store.order("o1".into()).await.unwrap().unwrap();
        assert_eq!(row.status, OrderStatus::Failed);
        assert_eq!(row.failure.as_deref(), Some("by hand"));
        assert_eq!(
            store.count_esims().await.unwrap(),
            1,
            "the paid eSIM is not lost"
        );
        // Held for review, it may be settled.
        store.insert_order(order("o2"), 10).await.unwrap();
        store
            .hold_for_review("o2".into(), "checking".into(), 11)
            .await
            .unwrap();
        assert_eq!(store.orders_in_review().await.unwrap().len(), 1);
        store
            .settle_order(
                "o2".into(),
                OrderStatus::Completed,
                None,
                None,
                Vec::new(),
                12,
            )
            .await
            .unwrap();
        assert_eq!(
            store.order("o2".into()).await.unwrap().unwrap().status,
            OrderStatus::Completed
        );
    }
}

#[tokio::test]
async fn an_idempotency_key_is_reserved_once_and_then_answers() {
    for store in stores().await {
        let reserve = |key: &str| {
            let new = NewIdempotency {
                owner: "o".into(),
                key: key.into(),
                endpoint: "orders".into(),
                request_hash: "h1".into(),
                resource_id: None,
                guest_token: Some("gst_x".into()),
            };
            store.reserve_idempotency(new, "a:1".into(), 1, 100)
        };
        assert!(reserve("k1").await.unwrap());
        assert!(!reserve("k1").await.unwrap());
        assert!(reserve("k2").await.unwrap());
        assert_eq!(
            store
                .idempotency("o".into(), "k1".into())
                .await
                .unwrap()
                .unwrap()
                .response,
            None
        );
        store
            .complete_idempotency("o".into(), "k1".into(), 201, "{}".into())
            .await
            .unwrap();
        let row = store
            .idempotency("o".into(), "k1".into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.response, Some((201, "{}".into())));
        assert_eq!(row.request_hash, "h1");
        assert_eq!(row.guest_token.as_deref(), Some("gst_x"));
        assert!(
            store
                .idempotency("other".into(), "k1".into())
                .await
                .unwrap()
                .is_none(),
            "keys are per owner"
        );
    }
}

#[tokio::test]
async fn a_file_database_survives_reopening_and_migrates_once() {
    let dir =
        std::env::temp_dir().join(format!("esim-store-test-{}", uuid::Uuid::new_v4().simple()));
    let path = dir.join("db.sqlite3");
    let path = path.to_str().unwrap().to_owned();
    {
        let store = Store::open(&path).unwrap();
        store.insert_order(order("o1"), 10).await.unwrap();
        store.create_guest("hash".into(), 1).await.unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert!(store.order("o1".into()).await.unwrap().is_some());
    assert!(store
        .guest_by_token_hash("hash".into())
        .await
        .unwrap()
        .is_some());
    assert!(store
        .guest_by_token_hash("nope".into())
        .await
        .unwrap()
        .is_none());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_paid_order_is_taken_for_buying_once_and_its_payment_moves_forward_only() {
    for store in stores().await {
        let mut row = order("o1");
        row.status = OrderStatus::AwaitingPayment;
        row.payment = Some(Payment::Open);
        store.insert_order(row, 10).await.unwrap();
        store
            .set_intents("o1".into(), Some("pi_1".into()), Some("seti_1".into()), 11)
            .await
            .unwrap();
        // A second SetupIntent replaces the first; the PaymentIntent stays.
        store
            .set_intents("o1".into(), None, Some("seti_2".into()), 12)
            .await
            .unwrap();
        let found = store.order_by_intent("pi_1".into()).await.unwrap().unwrap();
        assert_eq!(found.setup_intent.as_deref(), Some("seti_2"));
        assert_eq!(found.status, OrderStatus::AwaitingPayment);
        assert!(store
            .order_by_intent("pi_other".into())
            .await
            .unwrap()
            .is_none());
        assert_eq!(store.orders_awaiting_payment().await.unwrap().len(), 1);
        assert!(
            store.orders_unresolved().await.unwrap().is_empty(),
            "never asked about at the provider before it is paid"
        );

        // Ten at once see the payment: one takes the order.
        let mut takes = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let store = store.clone();
            takes.spawn(async move { store.take_paid_order("o1".into(), 13).await.unwrap() });
        }
        assert_eq!(takes.join_all().await.iter().filter(|t| **t).count(), 1);
        let taken = store.order("o1".into()).await.unwrap().unwrap();
        assert_eq!(taken.status, OrderStatus::InFlight);
        assert_eq!(taken.payment, Some(Payment::Authorized));
        assert!(
            !store
                .fail_unpaid_order("o1".into(), "late".into(), 14)
                .await
                .unwrap(),
            "a paid order is not failed as unpaid"
        );
        assert!(
            store.orders_to_collect().await.unwrap().is_empty(),
            "not answered yet"
        );
        store
            .settle_order(
                "o1".into(),
                OrderStatus::Completed,
                None,
                Some("P1".into()),
                vec![],
                15,
            )
            .await
            .unwrap();
        assert_eq!(store.orders_to_collect().await.unwrap().len(), 1);
        assert!(store
            .move_payment("o1".into(), Payment::Authorized, Payment::Captured, 16)
            .await
            .unwrap());
        assert!(!store
            .move_payment("o1".into(), Payment::Authorized, Payment::Cancelled, 17)
            .await
            .unwrap());
        let done = store.order("o1".into()).await.unwrap().unwrap();
        assert_eq!(done.payment, Some(Payment::Captured));
        assert!(store.orders_to_collect().await.unwrap().is_empty());

        assert!(!store.payment_event_seen("evt_1".into()).await.unwrap());
        store
            .record_payment_event("evt_1".into(), 18)
            .await
            .unwrap();
        store
            .record_payment_event("evt_1".into(), 19)
            .await
            .unwrap();
        assert!(store.payment_event_seen("evt_1".into()).await.unwrap());
    }
}

#[tokio::test]
async fn a_refund_is_claimed_once_taken_over_when_stale_and_refunds_the_order_with_its_last_esim() {
    for store in stores().await {
        let mut row = order("o1");
        row.payment = Some(Payment::Captured);
        row.quantity = 2;
        store.insert_order(row, 10).await.unwrap();
        store
            .settle_order(
                "o1".into(),
                OrderStatus::Completed,
                None,
                None,
                vec![esim("e1", "o1"), esim("e2", "o1")],
                11,
            )
            .await
            .unwrap();
        let owed = |id: &str, amount| RefundRow {
            esim_id: id.into(),
            order_id: "o1".into(),
            amount_minor: amount,
            currency: "USD".into(),
            refunded: false,
            refund_id: None,
            created_at: 0,
        };
        let first = store.owe_refund(owed("e1", 299), 20).await.unwrap();
        assert_eq!((first.amount_minor, first.created_at), (299, 20));
        // Owed again (another amount, later): the first stands.
        let again = store.owe_refund(owed("e1", 599), 30).await.unwrap();
        assert_eq!(again, first);

        // Ten at once would make it: one claims it; a claim older than the grace is taken over.
        let mut claims = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let store = store.clone();
            claims.spawn(async move { store.claim_refund("e1".into(), 40, 0).await.unwrap() });
        }
        assert_eq!(claims.join_all().await.iter().filter(|c| **c).count(), 1);
        assert!(!store.claim_refund("e1".into(), 41, 40).await.unwrap());
        assert!(store.claim_refund("e1".into(), 200, 41).await.unwrap());
        // A claimed refund is not forgotten, and counts as still owed.
        store.forget_refund("e1".into()).await.unwrap();
        assert_eq!(store.refunds_owed().await.unwrap().len(), 1);

        assert!(store
            .mark_refunded("e1".into(), "re_1".into(), 201)
            .await
            .unwrap());
        assert!(!store
            .mark_refunded("e1".into(), "re_1".into(), 202)
            .await
            .unwrap());
        let order_of = || async { store.order("o1".into()).await.unwrap().unwrap().payment };
        assert_eq!(
            order_of().await,
            Some(Payment::Captured),
            "one of two eSIMs"
        );
        store.owe_refund(owed("e2", 300), 210).await.unwrap();
        store.forget_refund("e2".into()).await.unwrap();
        assert!(store.refund_of("e2".into()).await.unwrap().is_none());
        store.owe_refund(owed("e2", 300), 220).await.unwrap();
        assert!(store.claim_refund("e2".into(), 221, 0).await.unwrap());
        store.release_refund("e2".into(), 222).await.unwrap();
        assert!(store.claim_refund("e2".into(), 223, 0).await.unwrap());
        store
            .mark_refunded("e2".into(), "re_2".into(), 224)
            .await
            .unwrap();
        assert_eq!(order_of().await, Some(Payment::Refunded));
        assert!(store.refunds_owed().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_top_up_is_measured_once_and_listed_with_its_esim_until_it_fails() {
    for store in stores().await {
        store.insert_order(order("o1"), 10).await.unwrap();
        complete_o1(&store, Some("P1"), 11).await;
        let top_up = |id: &str| OrderRow {
            top_up_of: Some("e1".into()),
            ..order(id)
        };
        store.insert_order(top_up("t1"), 12).await.unwrap();
        store.insert_order(top_up("t2"), 12).await.unwrap();
        let listed = store.top_ups_of("e1".into()).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].top_up_of.as_deref(), Some("e1"));
        assert!(store.top_ups_of("e2".into()).await.unwrap().is_empty());

        // The first measure counts; a second run sees it and does not send again.
        assert!(store
            .measure_top_up("t1".into(), "100:1".into(), 13)
            .await
            .unwrap());
        assert!(!store
            .measure_top_up("t1".into(), "200:2".into(), 14)
            .await
            .unwrap());
        let t1 = store.order("t1".into()).await.unwrap().unwrap();
        assert_eq!(t1.size_before.as_deref(), Some("100:1"));
        // While t1 is unconfirmed, another top-up of e1 waits, and cannot be measured.
        assert!(!store.top_up_free("t2".into()).await.unwrap());
        assert!(!store
            .measure_top_up("t2".into(), "100:1".into(), 13)
            .await
            .unwrap());
        assert!(
            store.top_up_free("t1".into()).await.unwrap(),
            "t1 itself is free"
        );

        store
            .settle_order(
                "t2".into(),
                OrderStatus::Failed,
                Some("refused".into()),
                None,
                Vec::new(),
                15,
            )
            .await
            .unwrap();
        let listed = store.top_ups_of("e1".into()).await.unwrap();
        assert_eq!(
            listed.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(),
            ["t1"]
        );
        // A failed one is never measured (nor sent).
        assert!(!store
            .measure_top_up("t2".into(), "100:1".into(), 16)
            .await
            .unwrap());
    }
}

#[tokio::test]
async fn a_postgresql_database_migrates_once_and_a_newer_one_is_refused() {
    let Some(url) = fresh_postgres().await else {
        return;
    };
    {
        let store = Store::connect(&url, None).unwrap();
        assert_eq!(store.engine(), "postgresql");
        store.insert_order(order("o1"), 10).await.unwrap();
        store.create_guest("hash".into(), 1).await.unwrap();
    }
    let store = Store::connect(&url, None).unwrap();
    assert!(store.order("o1".into()).await.unwrap().is_some());
    assert!(store
        .guest_by_token_hash("hash".into())
        .await
        .unwrap()
        .is_some());
    // Opened by a newer binary since: this one must not write to it.
    store
        .exec(
            "INSERT INTO schema_version (version) VALUES (99)",
            Vec::new(),
        )
        .await
        .unwrap();
    let refused = Store::connect(&url, None).expect_err("refused");
    assert!(refused.to_string().contains("newer"), "{refused}");
}

#[tokio::test]
async fn a_newer_sqlite_database_is_refused() {
    let dir =
        std::env::temp_dir().join(format!("esim-store-test-{}", uuid::Uuid::new_v4().simple()));
    let path = dir.join("db.sqlite3");
    let path = path.to_str().unwrap().to_owned();
    let store = Store::open(&path).unwrap();
    store
        .exec(
            "INSERT INTO schema_version (version) VALUES (99)",
            Vec::new(),
        )
        .await
        .unwrap();
    drop(store);
    let refused = Store::connect(&path, None).expect_err("refused");
    assert!(refused.to_string().contains("newer"), "{refused}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_lease_is_one_instances_until_it_expires_or_is_given_back() {
    for store in stores().await {
        let new = NewIdempotency {
            owner: "o".into(),
            key: "k".into(),
            endpoint: "orders".into(),
            request_hash: "h".into(),
            resource_id: Some("o1".into()),
            guest_token: None,
        };
        // Reserved with its lease: another instance cannot take it, the same one can.
        assert!(store
            .reserve_idempotency(new, "a:1".into(), 10, 100)
            .await
            .unwrap());
        let lease = |holder: &str, at: i64| {
            store.lease_request("o".into(), "k".into(), holder.into(), at, at + 90)
        };
        assert!(!lease("b:1", 50).await.unwrap(), "held by a");
        assert!(
            lease("a:2", 50).await.unwrap(),
            "a's own process keeps order"
        );
        // Given back by a holder that no longer has it: nothing happens.
        store
            .release_request("o".into(), "k".into(), "a:1".into())
            .await
            .unwrap();
        assert!(!lease("b:1", 60).await.unwrap(), "still a:2's");
        store
            .release_request("o".into(), "k".into(), "a:2".into())
            .await
            .unwrap();
        assert!(lease("b:1", 60).await.unwrap(), "free once given back");
        // A holder that died: taken over once its time is up.
        assert!(!lease("c:1", 149).await.unwrap());
        assert!(lease("c:1", 151).await.unwrap());

        store.insert_order(order("o1"), 10).await.unwrap();
        let take =
            |instance: &str, at: i64| store.lease_order("o1".into(), instance.into(), at, at + 60);
        assert!(take("a", 10).await.unwrap());
        assert!(take("a", 20).await.unwrap(), "renewed by its holder");
        assert!(!take("b", 30).await.unwrap());
        assert!(take("b", 81).await.unwrap(), "a's expired");
        store.release_order("o1".into(), "a".into()).await.unwrap();
        assert!(!take("a", 90).await.unwrap(), "a no longer held it");
        store.release_order("o1".into(), "b".into()).await.unwrap();
        assert!(take("a", 90).await.unwrap());
        assert!(!store
            .lease_order("nope".into(), "a".into(), 1, 2)
            .await
            .unwrap());
    }
}

#[tokio::test]
async fn the_providers_pacing_is_one_claim_at_a_time_and_one_kept_answer() {
    use esim_providers::Pacing;
    use std::time::Duration;
    for store in stores().await {
        let minute = Duration::from_secs(60);
        assert_eq!(store.wait("/sims/1/packages").await, None);
        store
            .hold("/sims/1/packages", Duration::from_secs(30))
            .await;
        let left = store.wait("/sims/1/packages").await.expect("held");
        assert!(left > Duration::from_secs(25) && left <= Duration::from_secs(30));
        store.hold("/sims/1/packages", Duration::ZERO).await;
        assert_eq!(store.wait("/sims/1/packages").await, None, "freed");

        // Two stores on one database (two instances) race for a claim: one gets it.
        let (a, b) = tokio::join!(
            store.claim("history 1", minute),
            store.claim("history 1", minute)
        );
        assert!(a ^ b, "one winner: {a} {b}");
        assert!(
            !store.claim("history 1", minute).await,
            "held for its period"
        );
        assert!(
            store.claim("history 2", minute).await,
            "another key is free"
        );
        store.hold("history 1", Duration::ZERO).await;
        assert!(
            store.claim("history 1", minute).await,
            "taken again once freed"
        );

        assert_eq!(store.recall("history 1").await, None);
        store.keep("history 1", r#"[{"id":1}]"#.into()).await;
        let (age, answer) = store.recall("history 1").await.expect("kept");
        assert_eq!(answer, r#"[{"id":1}]"#);
        assert!(age < Duration::from_secs(5));
        assert!(
            !store.claim("history 1", minute).await,
            "keeping leaves the claim alone"
        );
        store.keep("history 1", "[]".into()).await;
        assert_eq!(
            store.recall("history 1").await.unwrap().1,
            "[]",
            "the newest answer"
        );
    }
}

#[tokio::test]
async fn two_instances_measuring_top_ups_of_one_esim_at_once_let_one_through() {
    // Two stores on one PostgreSQL database are two instances, each with its own
    // connections; SQLite is one process's, its calls one at a time.
    let Some(url) = fresh_postgres().await else {
        return;
    };
    let (a, b) = (
        Store::connect(&url, None).unwrap(),
        Store::connect(&url, None).unwrap(),
    );
    a.insert_order(order("o1"), 10).await.unwrap();
    complete_o1(&a, Some("P1"), 11).await;
    for round in 0..40 {
        let (first, second) = (format!("t{round}a"), format!("t{round}b"));
        for id in [&first, &second] {
            let top_up = OrderRow {
                top_up_of: Some("e1".into()),
                ..order(id)
            };
            a.insert_order(top_up, 12).await.unwrap();
        }
        let (one, other) = tokio::join!(
            a.measure_top_up(first.clone(), "100:1".into(), 13),
            b.measure_top_up(second.clone(), "100:1".into(), 13)
        );
        let (one, other) = (one.unwrap(), other.unwrap());
        assert!(
            one ^ other,
            "round {round}: one top-up through, not {one} and {other}"
        );
        for id in [first, second] {
            a.settle_order(id, OrderStatus::Failed, None, None, Vec::new(), 14)
                .await
                .unwrap();
        }
    }
}
