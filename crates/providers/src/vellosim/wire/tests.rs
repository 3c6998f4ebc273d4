//! Vellosim's documented examples, read in core units, and arbitrary bytes never panicking.

use super::*;
use esim_core::{Lifecycle, ProfileState};
use proptest::prelude::*;

/// SEED 001: `GET /api/esim/packages/{packageCode}`, the guide's shape, bare.
const GUIDE_PACKAGE: &str = r#"{
  "packageCode": "US_5GB_30D", "name": "USA 5GB - 30 Days", "price": 5.75, "currencyCode": "USD",
  "volume": 5368709120, "duration": 30, "durationUnit": "DAY", "speed": "4G/5G",
  "description": "5GB data plan for the United States, valid for 30 days", "unusedValidTime": 30,
  "location": "United States", "locationCode": "US",
  "locationNetworkList": [{"locationName": "United States", "locationLogo": "https://example.com/flags/us.png",
    "locationCode": "US", "operatorList": [{"operatorName": "AT&T", "networkType": "4G/LTE"},
    {"operatorName": "T-Mobile", "networkType": "4G/5G"}]}]
}"#;

#[test]
fn the_guides_package_in_core_units() {
    let package = Envelope::read::<WirePackage>(GUIDE_PACKAGE.as_bytes())
        .and_then(WirePackage::into_package)
        .unwrap();
    assert_eq!(package.code, "US_5GB_30D");
    assert_eq!(
        package.data,
        Volume::Bytes(5_368_709_120),
        "5 GB is binary bytes"
    );
    assert_eq!(package.data.to_string(), "5GB");
    assert_eq!(
        package.validity,
        Validity {
            amount: 30,
            unit: ValidityUnit::Day
        }
    );
    assert_eq!(
        package.price,
        Money::from_minor(575, Currency::from_code("USD").unwrap())
    );
    assert_eq!(package.destination, "US");
    assert_eq!(package.kind, DestinationKind::Country);
    assert_eq!(package.countries, ["US"]);
    assert_eq!(package.networks.len(), 2);
    assert_eq!(package.networks[0].types, ["4G"]);
    assert_eq!(package.networks[1].types, ["4G", "5G"]);
    assert!(!package.top_up, "not claimed where the API does not say");
}

#[test]
fn the_api_references_package_shape_wrapped() {
    let body = r#"{"success": true, "message": "ok", "data": [{"packageCode": "NG_1GB", "packageName": "Nigeria 1GB",
        "data": "1GB", "validity": 7, "price": "8000", "currency": "NGN", "coverage": ["NG"],
        "networkProviders": ["MTN", "Airtel"], "speed": "4G", "topUpAvailable": true}]}"#;
    let packages: Vec<WirePackage> = Envelope::read(body.as_bytes()).unwrap();
    let package = packages.into_iter().next().unwrap().into_package().unwrap();
    assert_eq!(package.data, Volume::Bytes(1 << 30));
    assert_eq!(package.validity.amount, 7);
    assert_eq!(
        package.price,
        Money::from_minor(800_000, Currency::from_code("NGN").unwrap())
    );
    assert_eq!(package.networks.len(), 2);
    assert_eq!(package.networks[0].country, "NG");
    assert!(package.top_up);
}

#[test]
fn a_regional_package_is_a_region() {
    let body = r#"{"packageCode": "EU_3GB", "name": "Europe", "price": 9, "volume": 3221225472,
        "duration": 1, "durationUnit": "MONTH", "locationCode": "EU-30",
        "locationNetworkList": [{"locationCode": "FR", "operatorList": []}, {"locationCode": "de", "operatorList": []}]}"#;
    let package = Envelope::read::<WirePackage>(body.as_bytes())
        .unwrap()
        .into_package()
        .unwrap();
    assert_eq!(package.kind, DestinationKind::Region);
    assert_eq!(package.countries, ["DE", "FR"]);
    assert_eq!(package.validity.unit, ValidityUnit::Month);
}

/// SEED 000 and V12/V15: an eSIM with the eSIM Access vocabulary passed through and a bare
/// matching id in `ac`.
#[test]
fn an_esim_with_a_bare_matching_id_and_upstream_statuses() {
    let body = r#"{"_id": "65f0c0ffee", "iccid": "8943108170000000001", "packageCode": "US_5GB_30D",
        "esimStatus": "IN_USE", "smdpStatus": "ENABLED", "isActive": true,
        "ac": "D1094A5F", "smdpAddress": "rsp-eu.simlessly.com", "apn": "drei.at",
        "totalVolume": 5368709120, "data_usage_remain": 4294967296, "totalDuration": 30,
        "durationUnit": "DAY", "expiredTime": "2025-01-02T03:04:05.000Z", "updatedAt": "2024-12-03T03:04:05Z"}"#;
    let esim = Envelope::read::<WireEsim>(body.as_bytes())
        .unwrap()
        .into_esim()
        .unwrap();
    assert_eq!(esim.status.lifecycle, Lifecycle::Active);
    assert_eq!(esim.status.raw, "IN_USE/ENABLED");
    let code = esim.activation.unwrap();
    assert_eq!(code.to_lpa(), "LPA:1$rsp-eu.simlessly.com$D1094A5F");
    assert_eq!(esim.used, Some(1 << 30), "total minus remaining");
    assert_eq!(esim.expires_at, Some(1_735_787_045));
    assert_eq!(esim.apn.as_deref(), Some("drei.at"));
}

#[test]
fn an_esim_with_a_full_lpa_and_vellosims_own_words() {
    let body = r#"{"success": true, "data": {"_id": "a1", "iccid": "8900000000000000002",
        "esimStatus": "CREATED", "smdpStatus": "RELEASED",
        "ac": "LPA:1$rsp-eu.simlessly.com$D109ABCDEF", "totalVolume": 1073741824, "orderUsage": 0}}"#;
    let esim = Envelope::read::<WireEsim>(body.as_bytes())
        .unwrap()
        .into_esim()
        .unwrap();
    assert_eq!(esim.status.lifecycle, Lifecycle::Ready);
    assert_eq!(esim.status.profile, ProfileState::NotInstalled);
    assert_eq!(esim.activation.unwrap().matching_id(), "D109ABCDEF");
    assert_eq!(esim.used, Some(0));
}

#[test]
fn errors_map_by_code_then_by_status() {
    let cases: [(u16, &str, ErrorKind); 8] = [
        (
            400,
            r#"{"success":false,"error":{"code":"INSUFFICIENT_BALANCE","message":"Top up your wallet"},"statusCode":400}"#,
            ErrorKind::InsufficientBalance,
        ),
        (
            400,
            r#"{"success":false,"error":{"code":"INVALID_PACKAGE_CODE","message":"No such package"}}"#,
            ErrorKind::NotFound,
        ),
        (
            401,
            r#"{"error":"Unauthorized","message":"Invalid API key","statusCode":401}"#,
            ErrorKind::Unauthorized,
        ),
        (
            409,
            r#"{"success":false,"error":{"code":"DUPLICATE_ORDER","message":"dup"}}"#,
            ErrorKind::NotAllowed,
        ),
        (
            429,
            r#"{"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","message":"slow down"}}"#,
            ErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(7)),
            },
        ),
        (503, "<html>Bad gateway</html>", ErrorKind::Unavailable),
        (404, "", ErrorKind::NotFound),
        (418, "{}", ErrorKind::MalformedResponse),
    ];
    for (status, body, kind) in cases {
        let error = Envelope::failure(status, body.as_bytes(), Some(Duration::from_secs(7)));
        assert_eq!(error.kind, kind, "{status} {body}");
    }
    // A 200 that says it failed is an error too.
    let failed = Envelope::read::<WireBalance>(
        br#"{"success":false,"error":{"code":"UNAUTHORIZED","message":"no"}}"#,
    );
    assert_eq!(failed.unwrap_err().kind, ErrorKind::Unauthorized);
}

#[test]
fn the_balance_and_a_page_of_esims() {
    let balance: WireBalance = Envelope::read(br#"{"success":true,"data":{"balance":24.5,"currency":"USD","lastUpdated":"2024-01-01T00:00:00Z"}}"#).unwrap();
    assert_eq!(
        balance.into_money().unwrap(),
        Money::from_minor(2450, Currency::from_code("USD").unwrap())
    );
    let page: WireEsimPage =
        Envelope::read(br#"{"esims":[],"total":0,"page":1,"limit":10,"totalPages":0}"#).unwrap();
    assert_eq!((page.esims.len(), page.page, page.total_pages), (0, 1, 0));
}

#[test]
fn garbage_is_a_malformed_answer() {
    for body in ["", "{", "[1,2", "null", "{\"packageCode\": 5}", "\u{0}"] {
        let kind = Envelope::read::<WirePackage>(body.as_bytes())
            .unwrap_err()
            .kind;
        assert_eq!(kind, ErrorKind::MalformedResponse, "{body:?}");
    }
    let no_volume = r#"{"packageCode": "X", "price": 1, "duration": 1, "locationCode": "US"}"#;
    let package = Envelope::read::<WirePackage>(no_volume.as_bytes()).unwrap();
    assert_eq!(
        package.into_package().unwrap_err().kind,
        ErrorKind::MalformedResponse
    );
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Envelope::read::<WirePackage>(&bytes).and_then(WirePackage::into_package);
        let _ = Envelope::read::<WireEsim>(&bytes).and_then(WireEsim::into_esim);
        let _ = Envelope::read::<WireBalance>(&bytes).and_then(WireBalance::into_money);
        let _ = Envelope::failure(500, &bytes, None);
    }

    #[test]
    fn truncated_documented_answers_never_panic(cut in 0usize..GUIDE_PACKAGE.len()) {
        let body = &GUIDE_PACKAGE.as_bytes()[..cut];
        prop_assert!(Envelope::read::<WirePackage>(body).is_err(), "a cut answer is never read as whole");
    }
}

/// An eSIM as `my-esims` documents it (SEED 000); every field but `_id` and `iccid` optional.
const LISTED: &str = r#"{"_id": "65f1", "iccid": "8985", "transactionId": "esim_1_1", "orderNo": "O1",
  "ac": "LPA:1$rsp.example$D109", "qrCodeUrl": "https://q", "shortUrl": "https://s",
  "esimStatus": "GOT_RESOURCE", "totalVolume": 5368709120, "data_usage_remain": 5368709120,
  "orderUsage": 0, "totalDuration": 30, "validity_usage_remain": 30, "durationUnit": "DAY",
  "expiredTime": "2025-01-01T00:00:00Z", "pin": "1234", "puk": "5678", "apn": "net",
  "packageDetails": {"coverage": ["Japan"]}, "isActive": false,
  "createdAt": "2024-11-01T10:00:00.000Z", "updatedAt": "2024-11-01T10:00:00.000Z"}"#;
const LISTED_OPTIONAL: &[&str] = &[
    "transactionId",
    "orderNo",
    "ac",
    "qrCodeUrl",
    "shortUrl",
    "esimStatus",
    "totalVolume",
    "data_usage_remain",
    "orderUsage",
    "totalDuration",
    "validity_usage_remain",
    "durationUnit",
    "expiredTime",
    "pin",
    "puk",
    "apn",
    "packageDetails",
    "isActive",
    "createdAt",
    "updatedAt",
];
/// A package in the API reference's shape (V4).
const LISTED_PACKAGE: &str = r#"{"packageCode": "JP3", "packageName": "Japan 3GB", "data": "3GB",
  "validity": 7, "price": 5.5, "currency": "USD", "originalPriceUSD": 5.5, "coverage": ["Japan"],
  "networkProviders": ["Docomo"], "dataType": "DATA", "speed": "4G", "activation": "AUTOMATIC",
  "topUpAvailable": true}"#;
const PACKAGE_OPTIONAL: &[&str] = &[
    "packageName",
    "originalPriceUSD",
    "coverage",
    "networkProviders",
    "dataType",
    "speed",
    "activation",
    "topUpAvailable",
    "currency",
];

proptest! {
    #[test]
    fn documented_fields_missing_or_unknown_ones_added_invent_nothing(
        drop in any::<u64>(),
        extra in crate::wire_props::extras(),
    ) {
        use crate::wire_props::{dropped, variant};
        let gone = |field| dropped(LISTED_OPTIONAL, drop, field);
        let value = variant(LISTED, LISTED_OPTIONAL, drop, &extra);
        let wire: WireEsim = serde_json::from_value(value).unwrap();
        prop_assert_eq!(wire.created_at().is_some(), !gone("createdAt"));
        match wire.into_esim() {
            Ok(esim) => {
                prop_assert!(!gone("totalVolume"));
                prop_assert_eq!(esim.activation.is_some(), !gone("ac"));
                prop_assert_eq!(esim.validity.is_some(), !gone("totalDuration"));
                prop_assert_eq!(esim.expires_at.is_some(), !gone("expiredTime"));
                prop_assert_eq!(
                    esim.used.is_some(),
                    !gone("orderUsage") || !gone("data_usage_remain")
                );
            }
            Err(_) => prop_assert!(gone("totalVolume")),
        }
        let value = variant(LISTED_PACKAGE, PACKAGE_OPTIONAL, drop, &extra);
        let wire: WirePackage = serde_json::from_value(value).unwrap();
        let package = wire.into_package_of(Some("JP")).unwrap();
        prop_assert_eq!(package.destination, "JP");
        prop_assert_eq!(package.data, Volume::Bytes(3 << 30));
        prop_assert_eq!(package.top_up, !dropped(PACKAGE_OPTIONAL, drop, "topUpAvailable"));
    }
}

/// V18: the documented error envelope, and the auth guide's NestJS one (V2).
const ERROR: &str = r#"{"success": false, "error": {"code": "INSUFFICIENT_BALANCE",
  "message": "Insufficient wallet balance"}, "statusCode": 400}"#;
const ERROR_OPTIONAL: &[&str] = &["success", "error", "statusCode"];
const NEST_ERROR: &str =
    r#"{"error": "Unauthorized", "message": "Invalid API key", "statusCode": 401}"#;
const NEST_OPTIONAL: &[&str] = &["error", "message", "statusCode"];

/// V8: a wallet purchase with instant creation.
const PURCHASE: &str = r#"{"transactionId": "esim_1699564800_12345", "status": "SUCCESS",
  "package": {"packageCode": "US_5GB_30D", "packageName": "USA 5GB - 30 Days", "price": 5.75, "currency": "USD"},
  "esimDetails": {"esimId": "65f1c2d3e4b5a69788990011", "iccid": "89852000263390000001",
    "qrCodeUrl": "https://example.com/qr.png", "activationCode": "LPA:1$rsp.example.com$ABC123",
    "smdpAddress": "rsp.example.com", "matchingId": "ABC123"}}"#;
const PURCHASE_OPTIONAL: &[&str] = &["status", "package", "esimDetails"];

/// V17: the wallet's balance, inside the success envelope.
const BALANCE: &str =
    r#"{"balance": 125.50, "currency": "USD", "lastUpdated": "2024-01-15T10:30:00Z"}"#;
const BALANCE_OPTIONAL: &[&str] = &["lastUpdated"];

#[test]
fn error_bodies_are_read_by_what_they_document() {
    crate::wire_props::error_bodies_hold::<Envelope>(&[
        (ERROR, ERROR_OPTIONAL),
        (NEST_ERROR, NEST_OPTIONAL),
    ]);
}

proptest! {
    #[test]
    fn purchases_and_balances_keep_what_they_say_and_invent_nothing(
        drop in any::<u64>(),
        extra in crate::wire_props::extras(),
    ) {
        use crate::wire_props::{dropped, variant};
        let value = variant(PURCHASE, PURCHASE_OPTIONAL, drop, &extra);
        let purchase: WirePurchase = Envelope::read(value.to_string().as_bytes()).unwrap();
        prop_assert_eq!(&purchase.transaction_id, "esim_1699564800_12345");
        match &purchase.package {
            Some(package) => prop_assert_eq!(
                package.cost().unwrap(),
                Money::parse_major("5.75", Currency::USD).unwrap()
            ),
            None => prop_assert!(dropped(PURCHASE_OPTIONAL, drop, "package")),
        }
        let id = purchase.esim_details.and_then(|d| d.esim_id);
        prop_assert_eq!(
            id.is_some(),
            !dropped(PURCHASE_OPTIONAL, drop, "esimDetails"),
            "an eSIM id only where one was given"
        );
        let status_dropped = dropped(PURCHASE_OPTIONAL, drop, "status");
        prop_assert_eq!(purchase.status.is_empty(), status_dropped);

        let balance = variant(BALANCE, BALANCE_OPTIONAL, drop, &extra);
        let wrapped = serde_json::json!({"success": true, "data": balance});
        let balance: WireBalance = Envelope::read(wrapped.to_string().as_bytes()).unwrap();
        prop_assert_eq!(
            balance.into_money().unwrap(),
            Money::parse_major("125.50", Currency::USD).unwrap()
        );
    }
}
