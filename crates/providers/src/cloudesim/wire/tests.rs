//! CloudeSIM's documented examples (SEED 002), eSIM Access's units, and arbitrary bytes never
//! panicking.

use super::*;
use esim_core::Lifecycle;
use proptest::prelude::*;

const PACKAGES: &str = r#"{"success": true, "obj": {"packageList": [{"packageCode": "ESIM_1GB_7D_US",
  "name": "USA 1GB 7 Days", "price": 3.50, "currencyCode": "USD", "duration": 7, "volume": 1024,
  "locationCode": "US", "type": "BASE"}]}}"#;

#[test]
fn the_documented_package_in_core_units() {
    let list: WirePackageList = Envelope::read(PACKAGES.as_bytes()).unwrap();
    let package = list
        .package_list
        .into_iter()
        .next()
        .unwrap()
        .into_package(Units::Documented)
        .unwrap();
    assert_eq!(package.data, Volume::Bytes(1 << 30), "1024 MB is 1 GB");
    assert_eq!(package.price, Money::from_minor(350, Currency::USD));
    assert_eq!(package.validity, Validity::days(7));
    assert_eq!(package.destination, "US");
    assert_eq!(package.countries, ["US"]);
    assert_eq!(package.kind, DestinationKind::Country);
}

#[test]
fn esim_access_units_price_35000_is_3_dollars_50() {
    let body = r#"{"success": "true", "errorCode": null, "obj": {"packageList": [{"packageCode": "CKH491",
      "name": "Europe 3GB", "price": 35000, "currencyCode": "USD", "duration": 30, "durationUnit": "DAY",
      "volume": 3221225472, "locationCode": "EU", "location": "FR,DE,IT", "supportTopUpType": 2}]}}"#;
    let list: WirePackageList = Envelope::read(body.as_bytes()).unwrap();
    let package = list
        .package_list
        .into_iter()
        .next()
        .unwrap()
        .into_package(Units::EsimAccess)
        .unwrap();
    assert_eq!(package.price, Money::from_minor(350, Currency::USD));
    assert_eq!(package.data, Volume::Bytes(3 << 30));
    assert_eq!(package.kind, DestinationKind::Region);
    assert_eq!(package.countries, ["DE", "FR", "IT"]);
    assert!(package.top_up);
}

#[test]
fn the_documented_esim_query() {
    let body = r#"{"success": true, "obj": {"esimList": [{"iccid": "8988", "status": "ACTIVE",
      "remainingVolume": 512, "expireTime": "2024-12-31"}]}}"#;
    let list: WireEsimList = Envelope::read(body.as_bytes()).unwrap();
    let esim = list
        .esim_list
        .into_iter()
        .next()
        .unwrap()
        .into_esim(Units::Documented)
        .unwrap();
    assert_eq!(esim.status.lifecycle, Lifecycle::Active);
    assert_eq!(
        esim.total,
        Volume::Bytes(512 << 20),
        "only what remains is known"
    );
    assert_eq!(esim.used, None, "usage unknown without a total");
    assert_eq!(esim.expires_at, Some(1_735_603_200));
    assert_eq!(esim.activation, None);
}

#[test]
fn errors_by_code_message_and_status() {
    let e = Envelope::failure(
        400,
        br#"{"success": false, "errorMsg": "Insufficient balance. Required: $1.25, available: $0.00"}"#,
        None,
    );
    assert_eq!(e.kind, ErrorKind::InsufficientBalance);
    assert!(e.message.contains("Required: $1.25"));
    let e = Envelope::read::<WireOrder>(
        br#"{"success": false, "errorCode": "200010", "errorMsg": "profile allocating"}"#,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable);
    let e = Envelope::read::<WireOrder>(
        br#"{"success": false, "errorCode": "310243", "errorMsg": "x"}"#,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert_eq!(
        Envelope::failure(401, b"", None).kind,
        ErrorKind::Unauthorized
    );
    assert_eq!(
        Envelope::failure(429, b"Too Many Attempts.", Some(Duration::from_secs(9))).kind,
        ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(9))
        }
    );
    assert_eq!(
        Envelope::failure(502, b"<html>", None).kind,
        ErrorKind::Unavailable
    );
    let e =
        Envelope::read::<WireOrder>(b"{\"success\": true, \"obj\": {\"orderNo\": 5}}").unwrap_err();
    assert_eq!(e.kind, ErrorKind::MalformedResponse);
}

#[test]
fn the_balance_is_read_from_data_in_either_unit() {
    let body = br#"{"success": true, "data": {"username": "agadev", "balance": 24.50, "currency": "USD"}}"#;
    let balance: WireBalance = Envelope::read(body).unwrap();
    assert_eq!(
        balance.into_money(Units::Documented).unwrap(),
        Money::from_minor(2450, Currency::USD)
    );
    let body = br#"{"success": true, "obj": {"balance": 100000}}"#;
    let balance: WireBalance = Envelope::read(body).unwrap();
    assert_eq!(
        balance.into_money(Units::EsimAccess).unwrap(),
        Money::from_minor(1000, Currency::USD)
    );
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = Envelope::read::<WirePackageList>(&body);
        let _ = Envelope::read::<WireEsimList>(&body);
        let _ = Envelope::read::<WireBalance>(&body);
        let _ = Envelope::failure(400, &body, None);
    }

    #[test]
    fn truncated_answers_never_panic(cut in 0usize..PACKAGES.len()) {
        let _ = Envelope::read::<WirePackageList>(&PACKAGES.as_bytes()[..cut]);
    }

    #[test]
    fn arbitrary_values_in_fields_never_panic(
        price in prop_oneof![any::<f64>().prop_map(|f| f.to_string()), "[0-9a-z.\\-]{0,12}", Just("1e308".to_owned())],
        volume in any::<u64>(),
        duration in any::<u32>(),
        unit in "[A-Z]{0,6}",
        units in prop_oneof![Just(Units::Documented), Just(Units::EsimAccess)],
    ) {
        let body = format!(
            r#"{{"success": true, "obj": {{"packageList": [{{"packageCode": "X", "price": "{price}", "duration": {duration},
            "durationUnit": "{unit}", "volume": {volume}, "locationCode": "JP"}}]}}}}"#
        );
        if let Ok(list) = Envelope::read::<WirePackageList>(body.as_bytes()) {
            for p in list.package_list {
                let _ = p.into_package(units);
            }
        }
        let esim = format!(
            r#"{{"success": true, "obj": {{"esimList": [{{"iccid": "1", "totalVolume": {volume}, "orderUsage": {volume},
            "expiredTime": "{price}", "ac": "LPA:1${unit}$x"}}]}}}}"#
        );
        if let Ok(list) = Envelope::read::<WireEsimList>(esim.as_bytes()) {
            for e in list.esim_list {
                let _ = e.into_esim(units);
            }
        }
    }
}

/// The documented query's eSIM, every field of which is optional but the ICCID.
const QUERIED: &str =
    r#"{"iccid": "8988", "status": "ACTIVE", "remainingVolume": 512, "expireTime": "2024-12-31"}"#;
const QUERIED_OPTIONAL: &[&str] = &["status", "remainingVolume", "expireTime"];
/// The documented order's eSIM.
const ORDERED: &str =
    r#"{"iccid": "8988", "ac": "LPA:1$smdp.example$ABCD1234", "qrCodeUrl": "https://q"}"#;
const ORDERED_OPTIONAL: &[&str] = &["iccid", "ac", "qrCodeUrl"];

proptest! {
    #[test]
    fn documented_fields_missing_or_unknown_ones_added_invent_nothing(
        drop in any::<u64>(),
        extra in crate::wire_props::extras(),
    ) {
        use crate::wire_props::{dropped, variant};
        let value = variant(QUERIED, QUERIED_OPTIONAL, drop, &extra);
        let body = serde_json::json!({"success": true, "obj": {"esimList": [value]}}).to_string();
        let list: WireEsimList = Envelope::read(body.as_bytes()).unwrap();
        for wire in list.esim_list {
            match wire.into_esim(Units::Documented) {
                Ok(esim) => {
                    prop_assert_eq!(esim.used, None, "usage is never documented");
                    prop_assert_eq!(esim.validity, None, "validity is never documented");
                    prop_assert!(esim.activation.is_none(), "the query has no code");
                    prop_assert_eq!(esim.expires_at.is_some(), !dropped(QUERIED_OPTIONAL, drop, "expireTime"));
                    if dropped(QUERIED_OPTIONAL, drop, "status") {
                        prop_assert_eq!(esim.status.lifecycle, Lifecycle::Unknown);
                    }
                }
                // Without any volume there is nothing to show: refused, not made up.
                Err(_) => prop_assert!(dropped(QUERIED_OPTIONAL, drop, "remainingVolume")),
            }
        }
        let value = variant(ORDERED, ORDERED_OPTIONAL, drop, &extra);
        let body = serde_json::json!({"success": true, "obj": {"orderNo": "O1", "esimList": [value]}}).to_string();
        let order: WireOrder = Envelope::read(body.as_bytes()).unwrap();
        let issued = order.esim_list[0].issued();
        prop_assert_eq!(
            issued.is_some(),
            !dropped(ORDERED_OPTIONAL, drop, "iccid") && !dropped(ORDERED_OPTIONAL, drop, "ac")
        );
    }
}

/// SEED 002's error format, and eSIM Access's coded one (EA) that CloudeSIM may pass through.
const ERROR: &str =
    r#"{"success": false, "errorMsg": "Insufficient balance. Required: $1.25, available: $0.00"}"#;
const ERROR_OPTIONAL: &[&str] = &["success", "errorMsg"];
const CODED_ERROR: &str =
    r#"{"success": false, "errorCode": "200007", "errorMsg": "balance insufficient"}"#;
const CODED_OPTIONAL: &[&str] = &["success", "errorCode", "errorMsg"];
/// SEED 002: `GET /api/v1/account/balance`'s `data`.
const BALANCE: &str = r#"{"username": "agadev", "balance": 24.50, "currency": "USD"}"#;
const BALANCE_OPTIONAL: &[&str] = &["username", "currency"];

#[test]
fn error_bodies_are_read_by_what_they_document() {
    crate::wire_props::error_bodies_hold::<Envelope>(&[
        (ERROR, ERROR_OPTIONAL),
        (CODED_ERROR, CODED_OPTIONAL),
    ]);
}

proptest! {
    #[test]
    fn balances_and_orders_keep_what_they_say_and_invent_nothing(
        drop in any::<u64>(),
        extra in crate::wire_props::extras(),
    ) {
        use crate::wire_props::variant;
        let balance = variant(BALANCE, BALANCE_OPTIONAL, drop, &extra);
        let body = serde_json::json!({"success": true, "data": balance}).to_string();
        let balance: WireBalance = Envelope::read(body.as_bytes()).unwrap();
        prop_assert_eq!(
            balance.into_money(Units::Documented).unwrap(),
            Money::parse_major("24.50", Currency::USD).unwrap()
        );
        // An order's answer without its eSIM list issues nothing it does not show.
        let mut order = serde_json::json!({"orderNo": "ESA20240001"});
        for (name, value) in &extra {
            order[format!("x_unknown_{name}")] = value.clone();
        }
        let body = serde_json::json!({"success": true, "obj": order}).to_string();
        let order: WireOrder = Envelope::read(body.as_bytes()).unwrap();
        prop_assert_eq!(&order.order_no, "ESA20240001");
        prop_assert!(order.esim_list.is_empty());
    }
}
