//! VeloeSIM's documented examples (VE1, SEED 003) in core units, and arbitrary bytes never
//! panicking.

use super::*;
use esim_core::{Lifecycle, ProfileState};
use proptest::prelude::*;

/// SEED 003: `GET /esims/{iccid}/top-up`.
const TOP_UPS: &str = r#"{"count": 10, "rows": [{"id": 3035, "dataAmount": 1000, "duration": 7, "price": 3.66,
  "areas": [{"id": 5, "name": "Colombia", "region": "South America", "iso": "CO", "networks": [
  {"name": "Colombia Mobil S.A.", "brandName": "Tigo", "mcc": "732", "mnc": "103", "tagid": "COLCO",
   "speed": ["2G", "3G", "4G"]}]}]}]}"#;

#[test]
fn the_documented_plan_in_core_units() {
    let page: WirePage<WirePlan> = Envelope::read(TOP_UPS.as_bytes()).unwrap();
    assert_eq!(page.count, 10);
    let plan = page
        .rows
        .into_iter()
        .next()
        .unwrap()
        .into_package(true)
        .unwrap();
    assert_eq!(plan.code, "3035");
    assert_eq!(plan.data, Volume::Bytes(1_000_000_000), "decimal megabytes");
    assert_eq!(plan.price, Money::from_minor(366, Currency::USD));
    assert_eq!(plan.validity, Validity::days(7));
    assert_eq!(
        (plan.destination.as_str(), plan.kind),
        ("CO", DestinationKind::Country)
    );
    assert_eq!(plan.title, "Colombia 1GB 7 days");
    assert_eq!(plan.networks[0].operator, "Tigo");
    assert_eq!(plan.networks[0].types, ["2G", "3G", "4G"]);
}

#[test]
fn an_esim_with_a_used_plan_and_a_queued_top_up() {
    let body = r#"{"iosSetup": "https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=LPA:1$smdp.io$K2-1",
      "iccid": "8937204016", "matchingId": "K2-1", "smdpAddress": "smdp.io", "profileStatus": "RELEASED",
      "installedAt": "2025-01-02T10:00:00.000Z", "assignedPlans": [
        {"id": 1, "planId": 3035, "initialQuantityInBytes": 1000000000, "remainingQuantityInBytes": 400000000,
         "startTime": "2025-01-02T10:05:00.000Z", "endTime": "2025-01-09T10:05:00.000Z", "isExpired": false, "areas": []},
        {"id": 2, "planId": 3036, "initialQuantityInBytes": 1000000000, "remainingQuantityInBytes": 1000000000,
         "startTime": null, "endTime": null, "isExpired": false, "areas": []}]}"#;
    let esim = Envelope::read::<WireEsim>(body.as_bytes())
        .unwrap()
        .into_esim(|id| (id == 3035 || id == 3036).then_some(7))
        .unwrap();
    assert_eq!(esim.total, Volume::Bytes(2_000_000_000));
    assert_eq!(esim.used, Some(600_000_000));
    assert_eq!(esim.status.lifecycle, Lifecycle::Active);
    assert_eq!(
        esim.status.profile,
        ProfileState::Installed,
        "installedAt wins over RELEASED"
    );
    assert_eq!(esim.activation.unwrap().to_lpa(), "LPA:1$smdp.io$K2-1");
    assert_eq!(esim.validity, Some(Validity::days(14)));
    assert_eq!(esim.expires_at, Some(1_736_417_100));
    assert_eq!(esim.package_code, "3035");
}

#[test]
fn errors_by_message_and_status() {
    assert_eq!(
        Envelope::failure(401, br#"{"message": "Unauthorized"}"#, None).kind,
        ErrorKind::Unauthorized
    );
    assert_eq!(
        Envelope::failure(400, br#"{"message": "Insufficient balance"}"#, None).kind,
        ErrorKind::InsufficientBalance
    );
    assert_eq!(
        Envelope::failure(404, b"Not Found", None).kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        Envelope::failure(400, br#"{"message": ["planId must be an integer"]}"#, None).kind,
        ErrorKind::InvalidRequest
    );
    assert_eq!(
        Envelope::failure(503, b"", None).kind,
        ErrorKind::Unavailable
    );
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = Envelope::read::<WirePage<WirePlan>>(&body);
        let _ = Envelope::read::<WireEsim>(&body).map(|e| e.into_esim(|_| Some(u32::MAX)));
        let _ = Envelope::read::<WireOrganization>(&body).map(WireOrganization::into_money);
        let _ = Envelope::failure(400, &body, None);
    }

    #[test]
    fn truncated_answers_never_panic(cut in 0usize..TOP_UPS.len()) {
        let _ = Envelope::read::<WirePage<WirePlan>>(&TOP_UPS.as_bytes()[..cut]);
    }

    #[test]
    fn arbitrary_values_never_panic(
        amount in any::<u64>(), initial in any::<u64>(), remaining in any::<u64>(),
        duration in any::<u32>(), price in "[0-9.e\\-]{0,10}", iso in "[A-Za-z]{0,3}",
        time in "[0-9T:\\-.Z+]{0,25}",
    ) {
        let plan = format!(r#"{{"id": 1, "dataAmount": {amount}, "duration": {duration}, "price": "{price}",
            "areas": [{{"iso": "{iso}", "region": "{iso}"}}, {{"iso": "JP"}}]}}"#);
        if let Ok(plan) = Envelope::read::<WirePlan>(plan.as_bytes()) {
            let _ = plan.into_package(false);
        }
        let esim = format!(r#"{{"iccid": "1", "installedAt": "{time}", "assignedPlans": [{{"planId": 1,
            "initialQuantityInBytes": {initial}, "remainingQuantityInBytes": {remaining}, "startTime": "{time}",
            "endTime": "{time}", "isExpired": false}}]}}"#);
        if let Ok(esim) = Envelope::read::<WireEsim>(esim.as_bytes()) {
            let _ = esim.into_esim(|_| Some(duration));
        }
    }
}

/// VE1's eSIM, its optional fields, and its plan's (the orderOne example has no `id` or
/// `planId` on its plans).
const ESIM: &str = r#"{"iosSetup": "https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=LPA:1$smdp.io$K2-1",
  "iccid": "8937204016", "matchingId": "K2-1", "smdpAddress": "smdp.io", "profileStatus": "RELEASED",
  "installedAt": null, "assignedPlans": []}"#;
const ESIM_OPTIONAL: &[&str] = &[
    "iosSetup",
    "matchingId",
    "smdpAddress",
    "profileStatus",
    "installedAt",
];
const PLAN: &str = r#"{"id": 1, "planId": 3035, "initialQuantityInBytes": 1000000000,
  "remainingQuantityInBytes": 400000000, "startTime": "2025-01-02T10:05:00.000Z",
  "endTime": "2025-01-09T10:05:00.000Z", "isExpired": false, "areas": []}"#;
const PLAN_OPTIONAL: &[&str] = &["id", "planId", "startTime", "endTime", "isExpired", "areas"];

proptest! {
    #[test]
    fn documented_fields_missing_or_unknown_ones_added_invent_nothing(
        drop in any::<u64>(),
        plan_drop in any::<u64>(),
        extra in crate::wire_props::extras(),
    ) {
        use crate::wire_props::{dropped, variant};
        let mut value = variant(ESIM, ESIM_OPTIONAL, drop, &extra);
        value["assignedPlans"] = serde_json::json!([variant(PLAN, PLAN_OPTIONAL, plan_drop, &extra)]);
        let Ok(wire) = serde_json::from_value::<WireEsim>(value) else {
            return Ok(());
        };
        if let Ok(esim) = wire.into_esim(|id| (id == 3035).then_some(7)) {
            let code = !dropped(ESIM_OPTIONAL, drop, "matchingId")
                && !dropped(ESIM_OPTIONAL, drop, "smdpAddress");
            if esim.activation.is_some() {
                prop_assert!(code || !dropped(ESIM_OPTIONAL, drop, "iosSetup"), "a code from somewhere");
            }
            prop_assert_eq!(esim.total, Volume::Bytes(1_000_000_000));
            prop_assert_eq!(esim.used, Some(600_000_000));
            // Without its plan, a bucket's days are not known: none are made up.
            let expected = (!dropped(PLAN_OPTIONAL, plan_drop, "planId")).then(|| Validity::days(7));
            prop_assert_eq!(esim.validity, expected);
        }
    }
}

/// Errors are not documented: NestJS's shape (the framework the API answers with) is read
/// where it comes, and nothing in it may be relied on.
const ERROR: &str = r#"{"statusCode": 400, "message": ["planId must be an integer number"], "error": "Bad Request"}"#;
const ERROR_OPTIONAL: &[&str] = &["statusCode", "message", "error"];
/// VE1: `GET /organizations`.
const ORGANIZATION: &str = r#"{"balance": 89, "name": "Shop"}"#;
const ORGANIZATION_OPTIONAL: &[&str] = &["name"];

#[test]
fn error_bodies_are_read_by_what_they_document() {
    crate::wire_props::error_bodies_hold::<Envelope>(&[(ERROR, ERROR_OPTIONAL)]);
}

proptest! {
    #[test]
    fn the_balance_keeps_what_it_says(
        drop in any::<u64>(),
        extra in crate::wire_props::extras(),
    ) {
        let value = crate::wire_props::variant(ORGANIZATION, ORGANIZATION_OPTIONAL, drop, &extra);
        let organization: WireOrganization = Envelope::read(value.to_string().as_bytes()).unwrap();
        prop_assert_eq!(organization.into_money().unwrap(), Money::parse_major("89", Currency::USD).unwrap());
    }
}
