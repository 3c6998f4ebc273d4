//! Fake Vellosim (providers.md §1): `X-API-Key`, bare arrays for packages and regions, the
//! guide's package shape (bytes, `duration` + `durationUnit`), purchases from the wallet that
//! may still be processing, eSIMs alternating between the guide's record (full LPA in `ac`,
//! eSIM Access status words) and the API reference's (bare `ac` plus `activationCode` and
//! `smdpAddress`, `CREATED`/`ACTIVE`), `my-esims` pages of at most 100, three error envelopes.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::catalogue::{self, Plan, PLANS};
use crate::{civil, now, refused, reply, with_auth, Shared, Shop, Sim};

const SMDP: &str = "rsp.fake-vellosim.test";

pub(crate) fn router(shop: Shared) -> Router {
    let protected = Router::new()
        .route("/api/esim/regions", get(regions))
        .route("/api/esim/packages", get(packages))
        .route("/api/esim/buy", post(buy))
        .route("/api/esim/my-esims", get(my_esims))
        .route("/api/esim/{id}", get(esim))
        .route("/api/wallet/balance", get(balance));
    // Package details and the exchange rate are public (V6, V16).
    with_auth(protected, shop.clone(), authorised)
        .route("/api/esim/packages/{code}", get(package))
        .route("/api/settings/exchange-rate", get(exchange_rate))
        .with_state(shop)
}

/// What `GET /api/settings/exchange-rate` answers: 1 USD in NGN.
const NAIRA_PER_DOLLAR: f64 = 1550.5;
fn authorised(shop: &Shop, headers: &HeaderMap) -> Result<(), Response> {
    let key = &shop.secrets.key;
    let given = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    match given {
        Some(given) if given == key.as_str() => Ok(()),
        // NestJS's own envelope, as the auth guide shows it.
        _ => Err(reply(
            StatusCode::UNAUTHORIZED,
            json!({"error": "Unauthorized", "message": refused(shop, "Invalid or missing API key", given), "statusCode": 401}),
        )),
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    reply(
        status,
        json!({"success": false, "error": {"code": code, "message": message}, "statusCode": status.as_u16()}),
    )
}

/// A package in the API reference's shape (its package list): `data: "5GB"`, `validity` in
/// days, `coverage` by country name, and no `locationCode`.
fn listed_package_json(plan: &Plan) -> Value {
    let data = if plan.mb.is_multiple_of(1024) {
        format!("{}GB", plan.mb / 1024)
    } else {
        format!("{}MB", plan.mb)
    };
    json!({
        "packageCode": plan.code,
        "packageName": plan.name,
        "data": data,
        "validity": plan.days,
        // The API reference's example prices in naira, with the dollar price beside it.
        "price": (plan.cents as f64 * NAIRA_PER_DOLLAR).round() / 100.0,
        "currency": "NGN",
        "originalPriceUSD": plan.cents as f64 / 100.0,
        "coverage": plan.countries.iter().map(|c| catalogue::country_name(c)).collect::<Vec<_>>(),
        "networkProviders": plan.networks.iter().map(|(_, op, _)| op).collect::<Vec<_>>(),
        "dataType": "DATA",
        "speed": "4G/5G",
        "activation": "AUTOMATIC",
        "topUpAvailable": true,
    })
}

fn package_json(plan: &Plan) -> Value {
    json!({
        "packageCode": plan.code,
        "name": plan.name,
        "price": plan.cents as f64 / 100.0,
        "currencyCode": "USD",
        "volume": plan.mb << 20,
        "duration": plan.days,
        "durationUnit": "DAY",
        "speed": "4G/5G",
        "description": format!("{} of data for {} days", plan.name, plan.days),
        "unusedValidTime": 30,
        "location": plan.region.map_or(catalogue::country_name(plan.countries[0]), |(_, n)| n),
        "locationCode": plan.location(),
        "locationNetworkList": plan.countries.iter().map(|c| json!({
            "locationName": catalogue::country_name(c),
            "locationLogo": format!("https://flags.fake-vellosim.test/{}.png", c.to_ascii_lowercase()),
            "locationCode": c,
            "operatorList": plan.networks.iter().filter(|(n, _, _)| n == c)
                .map(|(_, op, t)| json!({"operatorName": op, "networkType": t})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

#[derive(Deserialize)]
struct RegionQuery {
    #[serde(rename = "type")]
    kind: Option<u8>,
}

async fn regions(Query(q): Query<RegionQuery>) -> Response {
    let mut out = Vec::new();
    for plan in catalogue::base_plans() {
        let (code, name, kind, country) = match plan.region {
            Some((code, name)) => (code, name, "RG", Value::Null),
            None => {
                let c = plan.countries[0];
                (c, catalogue::country_name(c), "LC", json!(c))
            }
        };
        let wanted = match q.kind {
            Some(1) => kind == "LC",
            Some(2) => kind != "LC",
            _ => true,
        };
        if wanted && !out.iter().any(|r: &Value| r["regionCode"] == code) {
            let count = catalogue::base_plans()
                .filter(|p| p.location() == code)
                .count();
            out.push(
                json!({"regionCode": code, "regionName": name, "regionType": kind,
                "countryCode": country, "flagUrl": null, "packageCount": count}),
            );
        }
    }
    Json(Value::Array(out)).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PackageQuery {
    region_code: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    package_code: Option<String>,
}

async fn packages(State(shop): State<Shared>, Query(q): Query<PackageQuery>) -> Response {
    let render = if shop.lock().documented_only {
        listed_package_json
    } else {
        package_json
    };
    let Some(region) = q.region_code.filter(|r| !r.is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            "regionCode is required",
        );
    };
    if !PLANS
        .iter()
        .any(|p| p.location().eq_ignore_ascii_case(&region))
    {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_REGION_CODE",
            "Unknown region code",
        );
    }
    let list: Vec<Value> = match q.kind.as_deref().unwrap_or("BASE") {
        "TOPUP" => {
            let Some(base) = q.package_code.as_deref().and_then(catalogue::plan) else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_PARAMETERS",
                    "type, regionCode and packageCode are required for top-ups",
                );
            };
            catalogue::top_ups_for(base).map(render).collect()
        }
        _ => catalogue::base_plans()
            .filter(|p| p.location().eq_ignore_ascii_case(&region))
            .map(render)
            .collect(),
    };
    Json(Value::Array(list)).into_response()
}

/// Public: no key needed.
async fn package(Path(code): Path<String>) -> Response {
    match catalogue::plan(&code) {
        Some(plan) => Json(package_json(plan)).into_response(),
        None => error(
            StatusCode::BAD_REQUEST,
            "INVALID_PACKAGE_CODE",
            "Package not found",
        ),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Buy {
    package_code: String,
    payment_method: String,
    package_type: Option<String>,
    esim_id: Option<String>,
}

async fn buy(State(shop): State<Shared>, body: Option<Json<Buy>>) -> Response {
    let Some(Json(buy)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            "packageCode and paymentMethod are required",
        );
    };
    if buy.payment_method != "WALLET" {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            "API purchases must use WALLET",
        );
    }
    let Some(plan) = catalogue::plan(&buy.package_code) else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_PACKAGE_CODE",
            "Package not found",
        );
    };
    let mut shop = shop.lock();
    let top_up = buy.package_type.as_deref() == Some("TOPUP");
    if top_up != plan.top_up {
        return error(
            StatusCode::BAD_REQUEST,
            "PACKAGE_UNAVAILABLE",
            "Package type does not match",
        );
    }
    if top_up {
        let Some(esim_id) = buy.esim_id else {
            return error(
                StatusCode::BAD_REQUEST,
                "INVALID_PARAMETERS",
                "esimId is required for top-ups",
            );
        };
        let base = match shop.sim(&esim_id) {
            Some(sim) if sim.id == esim_id => sim.plan,
            _ => return error(StatusCode::NOT_FOUND, "ORDER_NOT_FOUND", "eSIM not found"),
        };
        if !plan.tops_up(base) {
            return error(
                StatusCode::BAD_REQUEST,
                "PACKAGE_UNAVAILABLE",
                "Top-up not compatible with this eSIM",
            );
        }
        if let Err(message) = shop.charge(plan.cents) {
            return error(StatusCode::BAD_REQUEST, "INSUFFICIENT_BALANCE", &message);
        }
        let number = shop.ids.next();
        let sim = shop.sim(&esim_id).expect("found above");
        if sim.expired || sim.cancelled {
            return error(
                StatusCode::CONFLICT,
                "DUPLICATE_ORDER",
                "eSIM can no longer be topped up",
            );
        }
        sim.top_ups.push((plan, now()));
        let total = sim.total_mb() << 20;
        return Json(json!({"success": true, "data": {
            "transactionId": format!("topup_{}_{number}", now()), "status": "SUCCESS",
            "message": "Top-up successful",
            "package": {"packageCode": plan.code, "name": plan.name, "price": plan.cents as f64 / 100.0,
                "currencyCode": "USD", "volume": plan.mb << 20, "duration": plan.days},
            "esimDetails": {"iccid": sim.iccid, "totalVolume": total, "dataRemaining": total - sim.used_bytes},
        }}))
        .into_response();
    }
    if let Err(message) = shop.charge(plan.cents) {
        return error(StatusCode::BAD_REQUEST, "INSUFFICIENT_BALANCE", &message);
    }
    let order_no = format!("B{:08}", shop.ids.next());
    let index = shop.issue(plan, &order_no, true);
    let sim = &shop.sims[index];
    let package = json!({"packageCode": plan.code, "packageName": plan.name,
        "price": plan.cents as f64 / 100.0, "currency": "USD"});
    let data = if sim.allocated() {
        json!({"transactionId": sim.transaction_id, "status": "SUCCESS", "package": package,
            "esimDetails": {"esimId": sim.id, "iccid": sim.iccid,
                "qrCodeUrl": format!("https://qr.fake-vellosim.test/{}.png", sim.id),
                "activationCode": lpa(sim), "smdpAddress": SMDP, "matchingId": sim.matching_id}})
    } else {
        json!({"transactionId": sim.transaction_id, "status": "PROCESSING", "package": package})
    };
    Json(json!({"success": true, "message": "Purchase successful", "data": data})).into_response()
}

fn lpa(sim: &Sim) -> String {
    format!("LPA:1${SMDP}${}", sim.matching_id)
}

/// An eSIM record: odd-numbered eSIMs in the guide's shape (eSIM Access words, full LPA in
/// `ac`), even ones in the API reference's (its own words, bare `ac`).
fn esim_json(sim: &Sim) -> Value {
    let total = sim.total_mb() << 20;
    let guide = sim.number % 2 == 1;
    let status = match (guide, sim.allocated(), sim.cancelled, sim.expired) {
        (_, false, _, _) => "PENDING",
        (true, _, true, _) => "CANCEL",
        (false, _, true, _) => "CANCELLED",
        (true, _, _, true) => "USED_EXPIRED",
        (false, _, _, true) => "EXPIRED",
        (true, _, _, _) if sim.used_bytes >= total => "USED_UP",
        (true, _, _, _) if sim.activated_at.is_some() => "IN_USE",
        (true, _, _, _) => "GOT_RESOURCE",
        (false, _, _, _) if sim.activated_at.is_some() => "ACTIVE",
        (false, _, _, _) => "CREATED",
    };
    let smdp_status = if sim.installed_at.is_some() {
        if guide {
            "ENABLED"
        } else {
            "INSTALLED"
        }
    } else {
        "RELEASED"
    };
    let (ac, activation_code) = match (sim.allocated(), guide) {
        (false, _) => (json!(""), Value::Null),
        (true, true) => (json!(lpa(sim)), Value::Null),
        (true, false) => (json!(sim.matching_id), json!(lpa(sim))),
    };
    let updated = sim.activated_at.unwrap_or(sim.created_at);
    json!({
        "_id": sim.id, "packageCode": sim.plan.code, "packageName": sim.plan.name,
        "orderNo": sim.order_no, "transactionId": sim.transaction_id,
        "esimTranNo": format!("T{:010}", sim.number),
        "iccid": if sim.allocated() { json!(sim.iccid) } else { json!("") },
        "imsi": "440101234567890", "msisdn": null,
        "ac": ac, "activationCode": activation_code,
        "smdpAddress": if guide { Value::Null } else { json!(SMDP) },
        "matchingId": sim.matching_id,
        "qrCodeUrl": format!("https://qr.fake-vellosim.test/{}.png", sim.id),
        "shortUrl": format!("https://fake-vellosim.test/q/{}", sim.number),
        "smdpStatus": smdp_status,
        "activeType": if guide { json!("2") } else { json!("AUTOMATIC") },
        "activateTime": sim.activated_at.map(|t| format!("{}Z", civil(t))),
        "expiredTime": sim.expires_at().map_or_else(
            || format!("{}Z", civil(sim.created_at + 180 * 86_400)),
            |t| format!("{}Z", civil(t))),
        "esimStatus": status,
        "isActive": sim.activated_at.is_some() && !sim.expired && !sim.cancelled,
        "data": format!("{}GB", sim.total_mb() / 1024),
        "totalVolume": total,
        "orderUsage": sim.used_bytes,
        "data_usage_remain": total.saturating_sub(sim.used_bytes),
        "validity": sim.total_days(), "totalDuration": sim.total_days(), "durationUnit": "DAY",
        "apn": "fakenet", "smsStatus": 0, "dataType": 1,
        "price": sim.plan.cents as f64 / 100.0, "currency": "USD",
        "createdAt": format!("{}.000Z", civil(sim.created_at)),
        "updatedAt": format!("{}.000Z", civil(updated)),
    })
}

/// The fields `my-esims` documents for each eSIM (the seed's table), nothing else.
const LISTED: &[&str] = &[
    "_id",
    "iccid",
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

/// An eSIM as `my-esims` lists it: with only its documented fields when `documented_only`.
fn listed(mut esim: Value, documented_only: bool) -> Value {
    if let (true, Value::Object(map)) = (documented_only, &mut esim) {
        map.retain(|k, _| LISTED.contains(&k.as_str()));
    }
    esim
}

async fn esim(State(shop): State<Shared>, Path(id): Path<String>) -> Response {
    let mut shop = shop.lock();
    match shop.sim(&id) {
        Some(sim) => {
            sim.look();
            Json(esim_json(sim)).into_response()
        }
        None => error(StatusCode::NOT_FOUND, "ORDER_NOT_FOUND", "eSIM not found"),
    }
}

#[derive(Deserialize)]
struct Page {
    page: Option<u32>,
    limit: Option<u32>,
}

async fn my_esims(State(shop): State<Shared>, Query(q): Query<Page>) -> Response {
    let page = q.page.unwrap_or(1).max(1);
    let limit = q.limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            "limit must be between 1 and 100",
        );
    }
    let shop = shop.lock();
    let total = shop.sims.len() as u32;
    let esims: Vec<Value> = shop
        .sims
        .iter()
        .skip(((page - 1) * limit) as usize)
        .take(limit as usize)
        .map(|sim| listed(esim_json(sim), shop.documented_only))
        .collect();
    Json(
        json!({"esims": esims, "total": total, "page": page, "limit": limit,
        "totalPages": total.div_ceil(limit)}),
    )
    .into_response()
}

async fn exchange_rate() -> Response {
    Json(
        json!({"success": true, "message": "Exchange rate retrieved",
        "data": {"rate": NAIRA_PER_DOLLAR, "baseCurrency": "USD", "currency": "NGN"}}),
    )
    .into_response()
}

async fn balance(State(shop): State<Shared>) -> Response {
    let cents = shop.lock().balance_cents;
    Json(
        json!({"success": true, "data": {"balance": cents as f64 / 100.0, "currency": "USD",
        "lastUpdated": format!("{}.000Z", civil(now()))}}),
    )
    .into_response()
}
