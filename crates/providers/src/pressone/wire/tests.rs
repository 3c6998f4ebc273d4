//! PressOne's documented examples (SEED 004) and Airalo's shapes in core units, and arbitrary
//! bytes never panicking.

use super::*;
use proptest::prelude::*;

/// SEED 004: `GET /customer/v2/sims/{iccid}/packages`.
const HISTORY: &str = r#"{"success": true, "code": "PACKAGE_HISTORY_RETRIEVED", "message": "Package history retrieved successfully",
  "data": {"data": [
    {"id": 1, "status": "active", "remaining": 500, "activated_at": "2024-01-15T10:30:00Z", "expired_at": "2024-01-22T10:30:00Z",
     "finished_at": null, "package": {"id": "5e0db", "type": "initial", "price": 9.50, "net_price": 7.50, "amount": 1024,
     "day": 7, "is_unlimited": false, "title": "Merhaba - 7 Days - 1GB", "data": "1 GB", "short_info": null}},
    {"id": 2, "status": "expired", "remaining": 0, "activated_at": "2024-01-08T10:30:00Z", "expired_at": "2024-01-15T10:30:00Z",
     "finished_at": "2024-01-15T10:30:00Z", "package": {"id": "topup-abc123", "type": "topup", "price": 5.00, "net_price": 4.00,
     "amount": 512, "day": 7, "is_unlimited": false, "title": "Top-up - 7 Days - 500MB", "data": "500 MB", "short_info": null}}]},
  "timestamp": "2025-10-29T12:30:00.000Z"}"#;

#[test]
fn the_documented_history_in_core_units() {
    let history: Vec<WireHistory> = Envelope::read(HISTORY.as_bytes()).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        history[0].lifecycle(),
        Lifecycle::Active,
        "lowercase 'active'"
    );
    assert_eq!(history[1].lifecycle(), Lifecycle::Expired);
    let first = history[0].as_use().unwrap();
    assert_eq!(first.data, Volume::Bytes(1024 << 20), "1 GB is 1,024 MB");
    assert_eq!(first.validity, Validity::days(7));
    assert_eq!(first.added_at, 1_705_314_600);
    assert!(!first.top_up);
    assert!(history[1].as_use().unwrap().top_up);
    assert_eq!(
        history[0].package.cost().unwrap(),
        Money::from_minor(750, Currency::USD),
        "net price"
    );
    assert_eq!(history[0].remaining_mb(), Some(500));
    assert_eq!(history[0].expires_at().unwrap(), Some(1_705_919_400));
}

#[test]
fn airalos_second_page_is_an_object_keyed_by_index() {
    let body = r#"{"data": {"1": {"slug": "japan", "country_code": "JP", "title": "Japan", "operators": []},
      "0": {"slug": "france", "country_code": "FR", "title": "France", "operators": []}},
      "meta": {"current_page": 2, "last_page": 2}}"#;
    let list: Vec<WireDestination> = Envelope::read(body.as_bytes()).unwrap();
    assert_eq!(list[0].slug, "france");
    assert_eq!(list[1].slug, "japan");
    assert_eq!(pages(body.as_bytes()), Some((2, 2)));
    let wrapped = r#"{"success": true, "code": "OK", "message": "", "data": {"data": [], "meta": {"current_page": "1", "last_page": "3"}}}"#;
    assert_eq!(pages(wrapped.as_bytes()), Some((1, 3)));
}

#[test]
fn packages_with_operators_coverage_and_unlimited_plans() {
    let body = r#"{"data": [{"slug": "japan", "country_code": "JP", "title": "Japan", "operators": [{"title": "Moshi Moshi",
      "rechargeability": true, "countries": [{"country_code": "JP", "title": "Japan"}],
      "coverages": [{"name": "JP", "networks": [{"name": "SoftBank", "type": "4G/5G"}]}],
      "packages": [{"id": "moshi-1gb", "type": "sim", "price": "6.00", "net_price": "4.50", "amount": 1024, "day": 7,
        "is_unlimited": false, "title": "1 GB - 7 days"},
        {"id": "moshi-unl", "type": "sim", "price": 30, "net_price": 25, "amount": 0, "day": 10, "is_unlimited": true, "title": "Unlimited"},
        {"id": "moshi-topup", "type": "topup", "price": 5, "net_price": 4, "amount": 1024, "day": 7}]}]}]}"#;
    let list: Vec<WireDestination> = Envelope::read(body.as_bytes()).unwrap();
    let packages = list[0].packages().unwrap();
    assert_eq!(packages.len(), 2, "top-ups are not plans");
    assert_eq!(packages[0].price, Money::from_minor(450, Currency::USD));
    assert_eq!(packages[0].networks[0].types, ["4G", "5G"]);
    assert!(packages[0].top_up);
    assert_eq!(packages[1].data, Volume::Unlimited);
}

#[test]
fn errors_by_airalo_code_pressone_code_and_status() {
    let e = Envelope::failure(
        422,
        br#"{"code": 11, "reason": "Insufficient credit"}"#,
        None,
    );
    assert_eq!(e.kind, ErrorKind::InsufficientBalance);
    let e = Envelope::failure(
        422,
        br#"{"success": false, "code": "VALIDATION_ERROR", "message": "x", "data": {"Code": "23", "Reason": "Top-up disabled"}}"#,
        None,
    );
    assert_eq!(e.kind, ErrorKind::NotAllowed);
    assert!(e.message.contains("Top-up disabled"));
    let e = Envelope::failure(
        429,
        br#"{"message": "Too Many Attempts."}"#,
        Some(Duration::from_secs(840)),
    );
    assert_eq!(
        e.kind,
        ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(840))
        }
    );
    assert_eq!(
        Envelope::failure(403, br#"{"code": 89, "reason": "IP"}"#, None).kind,
        ErrorKind::Unauthorized
    );
    assert_eq!(
        Envelope::failure(401, b"", None).kind,
        ErrorKind::Unauthorized
    );
    assert_eq!(
        Envelope::read::<Vec<WireHistory>>(
            br#"{"success": false, "code": "SIM_NOT_FOUND", "message": "no"}"#
        )
        .unwrap_err()
        .kind,
        ErrorKind::NotFound
    );
}

#[test]
fn balances_in_every_documented_shape() {
    let airalo =
        br#"{"data": {"balances": {"available_balance": {"amount": 120.5, "currency": "USD"}}}}"#;
    assert_eq!(
        Envelope::read::<WireBalance>(airalo)
            .unwrap()
            .into_money()
            .unwrap(),
        Money::from_minor(12050, Currency::USD)
    );
    let accounts = br#"{"success": true, "code": "BALANCE", "message": "", "data": {"accounts": [{"balance": "99.90", "currency": "USD"}]}}"#;
    assert_eq!(
        Envelope::read::<WireBalance>(accounts)
            .unwrap()
            .into_money()
            .unwrap(),
        Money::from_minor(9990, Currency::USD)
    );
    let none = br#"{"success": true, "code": "BALANCE", "message": "", "data": {"accounts": []}}"#;
    assert_eq!(
        Envelope::read::<WireBalance>(none)
            .unwrap()
            .into_money()
            .unwrap(),
        Money::zero(Currency::USD)
    );
}

#[test]
fn sims_give_the_full_lpa_or_build_it() {
    let sim: WireSim = serde_json::from_str(
        r#"{"iccid": "8944", "lpa": "lpa.airalo.com", "matching_id": "TEST-1", "qrcode": "LPA:1$lpa.airalo.com$TEST-1",
        "confirmation_code": null, "apn_value": "globaldata"}"#,
    )
    .unwrap();
    assert_eq!(
        sim.activation().unwrap().to_lpa(),
        "LPA:1$lpa.airalo.com$TEST-1"
    );
    assert_eq!(sim.apn().as_deref(), Some("globaldata"));
    let sim: WireSim = serde_json::from_str(
        r#"{"iccid": "8944", "lpa": "lpa.airalo.com", "matching_id": "TEST-2", "confirmation_code": "1234"}"#,
    )
    .unwrap();
    let code = sim.activation().unwrap();
    assert_eq!(code.matching_id(), "TEST-2");
    assert!(code.confirmation_required());
}

#[test]
fn times_with_offsets_without_zones_or_as_epoch_milliseconds() {
    for (text, unix) in [
        (r#""2024-01-22 10:30:00""#, 1_705_919_400),
        (r#""2024-01-22T11:30:00+01:00""#, 1_705_919_400),
        (r#""2024-01-22T10:30:00+0000""#, 1_705_919_400),
        ("1705919400000", 1_705_919_400),
        (r#""1705919400000""#, 1_705_919_400),
    ] {
        let body = format!(
            r#"{{"data": {{"remaining": 1, "total": 2, "expired_at": {text}, "status": "ACTIVE"}}}}"#
        );
        let usage: WireUsage = Envelope::read(body.as_bytes()).unwrap();
        assert_eq!(usage.expires_at().unwrap(), Some(unix), "{text}");
    }
    let body = r#"{"data": {"total": 2, "expired_at": {"at": 1}}}"#;
    assert_eq!(
        Envelope::read::<WireUsage>(body.as_bytes())
            .unwrap_err()
            .kind,
        ErrorKind::MalformedResponse
    );
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(list) = Envelope::read::<Vec<WireDestination>>(&body) {
            for d in &list {
                let _ = d.packages();
            }
        }
        if let Ok(list) = Envelope::read::<Vec<WireHistory>>(&body) {
            for h in &list {
                let _ = h.as_use();
            }
        }
        let _ = Envelope::read::<WireUsage>(&body).map(|u| u.volumes());
        let _ = Envelope::read::<WireBalance>(&body).map(WireBalance::into_money);
        let _ = Envelope::read::<WireToken>(&body);
        let _ = pages(&body);
        let _ = Envelope::failure(422, &body, None);
    }

    #[test]
    fn truncated_answers_never_panic(cut in 0usize..HISTORY.len()) {
        let _ = Envelope::read::<Vec<WireHistory>>(&HISTORY.as_bytes()[..cut]);
    }

    #[test]
    fn arbitrary_values_never_panic(
        amount in prop_oneof![any::<i64>().prop_map(|v| v.to_string()), any::<f64>().prop_map(|v| v.to_string())],
        day in any::<u32>(), price in "[0-9.e\\-]{0,10}", time in "[0-9T:\\- .Z+]{0,25}",
        code in prop_oneof![any::<i64>().prop_map(|v| v.to_string()), "[A-Z_]{0,12}".prop_map(|s| format!("\"{s}\""))],
    ) {
        let usage = format!(r#"{{"data": {{"remaining": {amount}, "total": {amount}, "expired_at": "{time}", "status": "{price}"}}}}"#);
        if let Ok(u) = Envelope::read::<WireUsage>(usage.as_bytes()) {
            let _ = (u.volumes(), u.expires_at(), u.lifecycle());
        }
        let history = format!(r#"{{"data": [{{"status": "active", "remaining": {amount}, "activated_at": "{time}",
            "package": {{"id": "x", "amount": {amount}, "day": {day}, "net_price": "{price}"}}}}]}}"#);
        if let Ok(h) = Envelope::read::<Vec<WireHistory>>(history.as_bytes()) {
            for h in &h {
                let _ = (h.as_use(), h.package.cost(), h.expires_at());
            }
        }
        let _ = Envelope::failure(422, format!(r#"{{"code": {code}, "data": {{"Code": {code}}}}}"#).as_bytes(), None);
    }
}

/// One package-history item (SEED 004) and an Airalo sim (A4), with their optional fields.
const ITEM: &str = r#"{"id": 1, "status": "active", "remaining": 500, "activated_at": "2024-01-15T10:30:00Z",
  "expired_at": "2024-01-22T10:30:00Z", "finished_at": null, "package": {"id": "5e0db", "type": "initial",
  "price": 9.50, "net_price": 7.50, "amount": 1024, "day": 7, "is_unlimited": false,
  "title": "Merhaba - 7 Days - 1GB", "data": "1 GB", "short_info": null}}"#;
const ITEM_OPTIONAL: &[&str] = &[
    "status",
    "remaining",
    "activated_at",
    "expired_at",
    "finished_at",
];
const SIM: &str = r#"{"iccid": "8944", "lpa": "lpa.airalo.com", "matching_id": "TEST-1",
  "qrcode": "LPA:1$lpa.airalo.com$TEST-1", "confirmation_code": null, "apn_value": "globaldata"}"#;
const SIM_OPTIONAL: &[&str] = &[
    "lpa",
    "matching_id",
    "qrcode",
    "confirmation_code",
    "apn_value",
];

proptest! {
    #[test]
    fn documented_fields_missing_or_unknown_ones_added_invent_nothing(
        drop in any::<u64>(),
        extra in crate::wire_props::extras(),
    ) {
        use crate::wire_props::{dropped, variant};
        let gone = |field| dropped(ITEM_OPTIONAL, drop, field);
        if let Ok(item) = serde_json::from_value::<WireHistory>(variant(ITEM, ITEM_OPTIONAL, drop, &extra)) {
            prop_assert_eq!(item.remaining_mb().is_some(), !gone("remaining"));
            if gone("status") {
                prop_assert_eq!(item.lifecycle(), Lifecycle::Unknown);
            }
            if gone("expired_at") {
                prop_assert_eq!(item.expires_at().ok().flatten(), None);
            }
        }
        let sim_gone = |field| dropped(SIM_OPTIONAL, drop, field);
        if let Ok(sim) = serde_json::from_value::<WireSim>(variant(SIM, SIM_OPTIONAL, drop, &extra)) {
            let buildable = !sim_gone("lpa") && !sim_gone("matching_id");
            prop_assert_eq!(sim.activation().is_some(), !sim_gone("qrcode") || buildable);
            prop_assert_eq!(sim.apn().is_some(), !sim_gone("apn_value"));
        }
    }
}

/// P8's error object (`Code`, `Reason`) inside PressOne's envelope, and Airalo's business
/// error (A7), which PressOne resells.
const ERROR: &str = r#"{"success": false, "code": "INSUFFICIENT_CREDIT", "message": "Insufficient credit",
  "data": {"Code": 11, "Reason": "Insufficient credit"}}"#;
const ERROR_OPTIONAL: &[&str] = &["success", "code", "message", "data"];
const AIRALO_ERROR: &str = r#"{"code": 34, "reason": "The package is invalid or out of stock"}"#;
const AIRALO_OPTIONAL: &[&str] = &["code", "reason"];
/// A9: an order's `data`, its one eSIM trimmed to what installs it.
const ORDER: &str = r#"{"id": 9666, "code": "20230511-009666", "package_id": "merhaba-7days-1gb",
  "quantity": "1", "type": "sim", "description": "esim-store order 1", "esim_type": "Prepaid",
  "validity": 7, "package": "Merhaba-1 GB - 7 Days", "data": "1 GB", "price": 9.5, "currency": "USD",
  "created_at": "2023-05-11 09:12:49",
  "sims": [{"id": 11028, "iccid": "8937204016150000001", "lpa": "lpa.airalo.com",
    "matching_id": "TEST-5TPNQV", "qrcode": "LPA:1$lpa.airalo.com$TEST-5TPNQV"}]}"#;
const ORDER_OPTIONAL: &[&str] = &[
    "code",
    "package_id",
    "quantity",
    "type",
    "description",
    "esim_type",
    "validity",
    "package",
    "data",
    "price",
    "currency",
    "created_at",
    "sims",
];

#[test]
fn error_bodies_are_read_by_what_they_document() {
    crate::wire_props::error_bodies_hold::<Envelope>(&[
        (ERROR, ERROR_OPTIONAL),
        (AIRALO_ERROR, AIRALO_OPTIONAL),
    ]);
}

proptest! {
    #[test]
    fn orders_keep_what_they_say_and_invent_nothing(
        drop in any::<u64>(),
        extra in crate::wire_props::extras(),
    ) {
        use crate::wire_props::{dropped, variant};
        let value = variant(ORDER, ORDER_OPTIONAL, drop, &extra);
        let body = serde_json::json!({"success": true, "code": "ORDER_SUBMITTED", "message": "OK", "data": value});
        let order: WireOrder = Envelope::read(body.to_string().as_bytes()).unwrap();
        prop_assert_eq!(order.id(), "9666");
        prop_assert_eq!(order.cost().is_some(), !dropped(ORDER_OPTIONAL, drop, "price"), "a cost only where stated");
        if let Some(cost) = order.cost() {
            prop_assert_eq!(cost, Money::parse_major("9.50", Currency::USD).unwrap());
        }
        prop_assert_eq!(order.sims.is_empty(), dropped(ORDER_OPTIONAL, drop, "sims"));
        for sim in &order.sims {
            prop_assert_eq!(sim.activation().map(|a| a.to_lpa()), Some("LPA:1$lpa.airalo.com$TEST-5TPNQV".to_owned()));
        }
    }
}

/// P5 / A2: `GET /sims/{iccid}/usage`.
const USAGE: &str = r#"{"remaining": 768, "total": 1024, "expired_at": "2024-02-01 10:00:00",
  "is_unlimited": false, "status": "ACTIVE", "remaining_voice": 0, "remaining_text": 0,
  "total_voice": 0, "total_text": 0}"#;
const USAGE_OPTIONAL: &[&str] = &[
    "remaining",
    "total",
    "expired_at",
    "is_unlimited",
    "status",
    "remaining_voice",
    "remaining_text",
    "total_voice",
    "total_text",
];

proptest! {
    #[test]
    fn usage_reports_only_what_it_was_told(
        drop in any::<u64>(),
        extra in crate::wire_props::extras(),
    ) {
        use crate::wire_props::{dropped, variant};
        let gone = |field| dropped(USAGE_OPTIONAL, drop, field);
        let usage: WireUsage = serde_json::from_value(variant(USAGE, USAGE_OPTIONAL, drop, &extra)).unwrap();
        match usage.volumes() {
            Ok((total, used)) => {
                prop_assert!(!gone("total"));
                prop_assert_eq!(total, Volume::Bytes(1024 << 20));
                prop_assert_eq!(used, (!gone("remaining")).then_some(256u64 << 20), "no usage made up");
            }
            Err(_) => prop_assert!(gone("total")),
        }
        prop_assert_eq!(usage.expires_at().unwrap().is_some(), !gone("expired_at"));
        if gone("status") {
            prop_assert_eq!(usage.lifecycle(), Lifecycle::Unknown);
        }
    }
}
