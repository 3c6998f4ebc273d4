//! Fake CloudeSIM (providers.md §2, SEED 002): `Authorization: Bearer`, JSON POSTs, `obj`
//! envelopes (but `data` for the balance), `{success:false, errorMsg}` errors, dollars and
//! megabytes, or eSIM Access's ten-thousandths and bytes when told. eSIM records carry the
//! documented fields and the eSIM Access ones CloudeSIM passes through.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::catalogue::{self, Plan, PLANS};
use crate::{civil, refused, reply, with_auth, Shared, Shop, Sim};

const SMDP: &str = "smdp.fake-cloudesim.test";

pub(crate) fn router(shop: Shared) -> Router {
    let protected = Router::new()
        .route("/account/balance", get(balance))
        .route("/packages", post(packages))
        .route("/esim/order", post(order))
        .route("/esim/query", post(query))
        .route("/esim/topup", post(top_up))
        .route("/esim/cancel", post(cancel));
    with_auth(protected, shop.clone(), authorised).with_state(shop)
}

fn authorised(shop: &Shop, headers: &HeaderMap) -> Result<(), Response> {
    let expected = format!("Bearer {}", shop.secrets.key);
    let given = headers.get("authorization").and_then(|v| v.to_str().ok());
    match given {
        Some(given) if given == expected => Ok(()),
        _ => Err(reply(
            StatusCode::UNAUTHORIZED,
            json!({"success": false, "errorMsg": refused(shop, "Invalid or missing API token", given)}),
        )),
    }
}

/// A business error: HTTP 200, as eSIM Access answers them.
fn refuse(message: &str) -> Response {
    Json(json!({"success": false, "errorMsg": message})).into_response()
}

fn ok(obj: Value) -> Response {
    Json(json!({"success": true, "obj": obj})).into_response()
}

fn money(shop: &Shop, cents: i64) -> Value {
    if shop.esim_access_units {
        json!(cents * 100)
    } else {
        json!(cents as f64 / 100.0)
    }
}

fn volume(shop: &Shop, bytes: u64) -> Value {
    if shop.esim_access_units {
        json!(bytes)
    } else {
        json!(bytes >> 20)
    }
}

fn package_json(shop: &Shop, plan: &Plan) -> Value {
    json!({
        "packageCode": plan.code, "name": plan.name, "price": money(shop, plan.cents),
        "currencyCode": "USD", "duration": plan.days, "volume": volume(shop, plan.mb << 20),
        "locationCode": plan.location(), "location": plan.countries.join(","),
        "type": if plan.top_up { "TOPUP" } else { "BASE" },
    })
}

fn field<'a>(body: &'a Option<Json<Value>>, name: &str) -> Option<&'a str> {
    body.as_ref()?
        .0
        .get(name)?
        .as_str()
        .filter(|s| !s.is_empty())
}

async fn balance(State(shop): State<Shared>) -> Response {
    let shop = shop.lock();
    Json(json!({"success": true, "data": {"username": "fakeshop",
        "balance": money(&shop, shop.balance_cents), "currency": "USD"}}))
    .into_response()
}

async fn packages(State(shop): State<Shared>, body: Option<Json<Value>>) -> Response {
    let mut shop = shop.lock();
    let location = field(&body, "locationCode");
    let kind = field(&body, "type");
    let code = field(&body, "packageCode");
    let base = match field(&body, "iccid") {
        Some(iccid) => match shop.sim(iccid) {
            Some(sim) => Some(sim.plan),
            None => return refuse("eSIM not found"),
        },
        None => None,
    };
    let list: Vec<Value> = PLANS
        .iter()
        .filter(|p| location.is_none_or(|l| p.location().eq_ignore_ascii_case(l)))
        .filter(|p| kind.is_none_or(|k| (k == "TOPUP") == p.top_up))
        .filter(|p| code.is_none_or(|c| p.code == c))
        .filter(|p| base.is_none_or(|b| p.tops_up(b)))
        .map(|p| package_json(&shop, p))
        .collect();
    ok(json!({"packageList": list}))
}

fn esim_json(shop: &Shop, sim: &Sim) -> Value {
    let total = sim.total_mb() << 20;
    let status = match () {
        _ if !sim.allocated() => "GETTING_RESOURCE",
        _ if sim.cancelled => "CANCEL",
        _ if sim.expired => "USED_EXPIRED",
        _ if sim.used_bytes >= total => "USED_UP",
        _ if sim.activated_at.is_some() => "IN_USE",
        _ => "GOT_RESOURCE",
    };
    let documented = match status {
        "IN_USE" => "ACTIVE",
        "GOT_RESOURCE" => "CREATED",
        "CANCEL" => "CANCELLED",
        "USED_EXPIRED" => "EXPIRED",
        other => other,
    };
    let expiry = sim.expires_at().unwrap_or(sim.created_at + 180 * 86_400);
    if shop.documented_only {
        // The query's documented answer: these four fields, nothing else.
        return json!({
            "iccid": sim.iccid,
            "status": documented,
            "remainingVolume": volume(shop, total.saturating_sub(sim.used_bytes)),
            "expireTime": civil(expiry)[..10].to_owned(),
        });
    }
    json!({
        "iccid": sim.iccid, "esimTranNo": format!("2406{:08}", sim.number), "orderNo": sim.order_no,
        "status": documented, "esimStatus": status,
        "smdpStatus": if sim.installed_at.is_some() { "ENABLED" } else { "RELEASED" },
        "ac": if sim.allocated() { json!(format!("LPA:1${SMDP}${}", sim.matching_id)) } else { Value::Null },
        "qrCodeUrl": format!("https://qr.fake-cloudesim.test/{}.png", sim.number),
        "remainingVolume": volume(shop, total.saturating_sub(sim.used_bytes)),
        "totalVolume": volume(shop, total),
        "orderUsage": volume(shop, sim.used_bytes),
        "expireTime": civil(expiry)[..10].to_owned(),
        "totalDuration": sim.total_days(), "durationUnit": "DAY",
        "packageList": [{"packageCode": sim.plan.code}],
    })
}

async fn order(State(shop): State<Shared>, body: Option<Json<Value>>) -> Response {
    let mut shop = shop.lock();
    let Some(plan) = field(&body, "packageCode")
        .and_then(catalogue::plan)
        .filter(|p| !p.top_up)
    else {
        return refuse("Package not found");
    };
    let quantity = body
        .as_ref()
        .and_then(|b| b.0.get("quantity"))
        .and_then(Value::as_u64)
        .unwrap_or(1);
    if !(1..=30).contains(&quantity) {
        return refuse("quantity must be between 1 and 30");
    }
    if let Err(message) = shop.charge(plan.cents * quantity as i64) {
        return refuse(&message);
    }
    let order_no = format!("ESA{:08}", shop.ids.next());
    let mut list = Vec::new();
    for _ in 0..quantity {
        let index = shop.issue(plan, &order_no, false);
        let sim = &shop.sims[index];
        if sim.allocated() {
            list.push(json!({"iccid": sim.iccid,
                "ac": format!("LPA:1${SMDP}${}", sim.matching_id),
                "qrCodeUrl": format!("https://qr.fake-cloudesim.test/{}.png", sim.number)}));
        }
    }
    ok(json!({"orderNo": order_no, "esimList": list}))
}

async fn query(State(shop): State<Shared>, body: Option<Json<Value>>) -> Response {
    let mut shop = shop.lock();
    let iccid = field(&body, "iccid").map(str::to_owned);
    let order_no = field(&body, "orderNo").map(str::to_owned);
    if iccid.is_none() && order_no.is_none() {
        return refuse("iccid or orderNo is required");
    }
    let mut found = Vec::new();
    for sim in shop.sims.iter_mut() {
        if iccid.as_deref() == Some(&sim.iccid) || order_no.as_deref() == Some(&sim.order_no) {
            sim.look();
            found.push(sim.clone());
        }
    }
    let list: Vec<Value> = found.iter().map(|s| esim_json(&shop, s)).collect();
    ok(json!({"esimList": list}))
}

async fn top_up(State(shop): State<Shared>, body: Option<Json<Value>>) -> Response {
    let mut shop = shop.lock();
    let (Some(iccid), Some(plan)) = (
        field(&body, "iccid").map(str::to_owned),
        field(&body, "packageCode").and_then(catalogue::plan),
    ) else {
        return refuse("iccid and a TOPUP packageCode are required");
    };
    let Some(sim) = shop.sim(&iccid) else {
        return refuse("eSIM not found");
    };
    if !plan.tops_up(sim.plan) {
        return refuse("Package not found for this eSIM");
    }
    if sim.expired || sim.cancelled {
        return refuse("Top-up not allowed in the current eSIM status");
    }
    if let Err(message) = shop.charge(plan.cents) {
        return refuse(&message);
    }
    let order_no = format!("ESA{:08}", shop.ids.next());
    let sim = shop.sim(&iccid).expect("found above");
    sim.top_ups.push((plan, crate::now()));
    ok(json!({"orderNo": order_no}))
}

async fn cancel(State(shop): State<Shared>, body: Option<Json<Value>>) -> Response {
    let mut shop = shop.lock();
    let key = field(&body, "iccid")
        .or(field(&body, "esimTranNo"))
        .map(str::to_owned);
    let Some(key) = key else {
        return refuse("iccid or esimTranNo is required");
    };
    let Some(sim) = shop
        .sims
        .iter_mut()
        .find(|s| s.iccid == key || format!("2406{:08}", s.number) == key)
    else {
        return refuse("eSIM not found");
    };
    if sim.cancelled || sim.installed_at.is_some() || sim.used_bytes > 0 || sim.expired {
        return refuse("This eSIM cannot be cancelled: it is installed, used or closed");
    }
    sim.cancelled = true;
    let refund = sim.plan.cents + sim.top_ups.iter().map(|(p, _)| p.cents).sum::<i64>();
    let order_no = sim.order_no.clone();
    shop.balance_cents += refund;
    ok(json!({"orderNo": order_no}))
}
