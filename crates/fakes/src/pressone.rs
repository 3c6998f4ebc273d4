//! Fake PressOne (providers.md §5–6, SEED 004): client id and secret exchanged for tokens that
//! can be revoked; `{success, code, message, data:{data}}` wrappers; Airalo's catalogue of
//! destinations → operators → packages in binary megabytes with net prices, whose second and
//! later pages are objects keyed by index; orders described by the caller and found by that
//! description; usage; package history with lowercase statuses, answered once per ICCID per
//! 15 minutes (429 + `Retry-After` otherwise); top-ups for active eSIMs only; the balance as
//! `text/plain`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::catalogue::{self, Plan, PLANS};
use crate::{civil, now, refused, reply, with_auth, Shared, Shop, Sim};

const SMDP: &str = "lpa.fake-pressone.test";
const HISTORY_PERIOD: i64 = 15 * 60;

pub(crate) fn router(shop: Shared) -> Router {
    let protected = Router::new()
        .route("/customer/v2/balance", get(balance))
        .route("/customer/v2/packages", get(packages))
        .route("/customer/v2/orders", post(order).get(orders))
        .route("/customer/v2/orders/topups", post(top_up))
        .route("/customer/v2/sims/{iccid}", get(sim))
        .route("/customer/v2/sims/{iccid}/usage", get(usage))
        .route("/customer/v2/sims/{iccid}/topups", get(top_ups))
        .route("/customer/v2/sims/{iccid}/packages", get(history));
    with_auth(protected, shop.clone(), authorised)
        .route("/customer/v2/token", post(token))
        .with_state(shop)
}

fn wrapped(code: &str, data: Value) -> Response {
    Json(
        json!({"success": true, "code": code, "message": "OK", "data": data,
        "timestamp": format!("{}.000Z", civil(now()))}),
    )
    .into_response()
}

fn refuse(status: StatusCode, code: &str, numeric: Option<u32>, reason: &str) -> Response {
    let data = numeric.map_or(Value::Null, |n| json!({"Code": n, "Reason": reason}));
    reply(
        status,
        json!({"success": false, "code": code, "message": reason, "data": data}),
    )
}

fn authorised(shop: &Shop, headers: &HeaderMap) -> Result<(), Response> {
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(token) if shop.tokens.iter().any(|t| t == token) => Ok(()),
        _ => Err(refuse(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            None,
            &refused(shop, "Unauthenticated.", given),
        )),
    }
}

/// A form or JSON body as text fields.
fn fields(headers: &HeaderMap, body: &Bytes) -> HashMap<String, String> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if json {
        let value: Value = serde_json::from_slice(body).unwrap_or_default();
        value
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .unwrap_or_default()
            .into_iter()
            .collect()
    }
}

async fn token(State(shop): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let form = fields(&headers, &body);
    let mut shop = shop.lock();
    let ok = form.get("client_id") == Some(&shop.secrets.client_id)
        && form.get("client_secret") == Some(&shop.secrets.client_secret);
    if !ok {
        let given = format!(
            "{} {}",
            form.get("client_id").map_or("", String::as_str),
            form.get("client_secret").map_or("", String::as_str)
        );
        return refuse(
            StatusCode::UNAUTHORIZED,
            "INVALID_CLIENT",
            None,
            &refused(&shop, "Invalid client credentials", Some(&given)),
        );
    }
    let token = format!("fake-token-{}", shop.ids.next());
    shop.tokens.push(token.clone());
    wrapped(
        "TOKEN_GENERATED",
        json!({"token_type": "Bearer", "expires_in": 86_400, "access_token": token}),
    )
}

async fn balance(State(shop): State<Shared>) -> Response {
    let shop = shop.lock();
    let body = json!({"success": true, "code": "BALANCE_RETRIEVED", "message": "OK",
        "data": {"accounts": [{"id": 1, "currency": "USD", "balance": shop.balance_cents as f64 / 100.0}]}});
    // Documented as text/plain.
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

fn package_id(plan: &Plan) -> String {
    plan.code.to_ascii_lowercase().replace('_', "-")
}

fn by_id(id: &str) -> Option<&'static Plan> {
    PLANS.iter().find(|p| package_id(p) == id)
}

fn package_json(plan: &Plan) -> Value {
    let gb = plan.mb / 1024;
    json!({
        "id": package_id(plan), "type": if plan.top_up { "topup" } else { "sim" },
        "price": (plan.cents as f64 * 1.3).round() / 100.0, "net_price": plan.cents as f64 / 100.0,
        "amount": plan.mb, "day": plan.days, "is_unlimited": false, "title": plan.name,
        "data": format!("{gb} GB"), "short_info": null, "voice": null, "text": null,
    })
}

/// One catalogue entry per destination, Airalo-style.
fn destinations(kind: &str, top_ups: bool) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for plan in catalogue::base_plans() {
        let global = plan.region.is_some();
        if (kind == "global") != global {
            continue;
        }
        let slug = match plan.region {
            Some((_, name)) => name.to_ascii_lowercase(),
            None => catalogue::country_name(plan.countries[0])
                .to_ascii_lowercase()
                .replace(' ', "-"),
        };
        if out.iter().any(|d| d["slug"] == slug) {
            continue;
        }
        let sold: Vec<Value> = PLANS
            .iter()
            .filter(|p| p.location() == plan.location() && (top_ups || !p.top_up))
            .map(package_json)
            .collect();
        out.push(json!({
            "slug": slug,
            "country_code": if global { json!("") } else { json!(plan.countries[0]) },
            "title": plan.region.map_or(catalogue::country_name(plan.countries[0]), |(_, n)| n),
            "operators": [{
                "id": out.len() + 1, "title": format!("{} Travel", plan.networks[0].1),
                "type": if global { "global" } else { "local" },
                "is_roaming": global, "rechargeability": true,
                "countries": plan.countries.iter().map(|c| json!({"country_code": c, "title": catalogue::country_name(c)})).collect::<Vec<_>>(),
                "coverages": plan.countries.iter().map(|c| json!({"name": c, "networks":
                    plan.networks.iter().filter(|(n, _, _)| n == c).map(|(_, op, t)| json!({"name": op, "type": t})).collect::<Vec<_>>()
                })).collect::<Vec<_>>(),
                "packages": sold,
            }],
        }));
    }
    out
}

async fn packages(
    State(shop): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let kind = q.get("filter[type]").map_or("local", String::as_str);
    let all = destinations(kind, q.get("include").is_some_and(|i| i.contains("topup")));
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10)
        .clamp(1, 1000);
    let page: usize = q
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let last = all.len().div_ceil(limit).max(1);
    let rows: Vec<Value> = all
        .into_iter()
        .skip((page - 1) * limit)
        .take(limit)
        .collect();
    // Airalo's gotcha: page 2 and later come as an object keyed by index.
    let data = if page >= 2 {
        Value::Object(
            rows.into_iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
        )
    } else {
        Value::Array(rows)
    };
    // Neither PressOne nor Airalo documents the catalogue's pagination fields.
    if shop.lock().documented_only {
        return wrapped("PACKAGES_RETRIEVED", json!({"data": data}));
    }
    wrapped(
        "PACKAGES_RETRIEVED",
        json!({"data": data, "meta": {"current_page": page, "last_page": last, "per_page": limit.to_string()}}),
    )
}

fn sim_json(sim: &Sim) -> Value {
    json!({
        "id": sim.number, "created_at": civil(sim.created_at).replace('T', " "), "iccid": sim.iccid,
        "lpa": SMDP, "imsis": null, "matching_id": sim.matching_id,
        "qrcode": format!("LPA:1${SMDP}${}", sim.matching_id),
        "qrcode_url": format!("https://qr.fake-pressone.test/{}.png?signature=x", sim.number),
        "direct_apple_installation_url": format!("https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=LPA:1${SMDP}${}", sim.matching_id),
        "apn_type": "automatic", "apn_value": "fakeapn", "is_roaming": true,
        "confirmation_code": null, "recycled": false, "recycled_at": null,
    })
}

fn order_json(
    id: &str,
    description: &str,
    sims: &[&Sim],
    plan: &Plan,
    quantity: usize,
    top_up: bool,
) -> Value {
    json!({
        "id": id.trim_start_matches('O').parse::<u64>().unwrap_or(0), "code": id, "description": description,
        "package_id": package_id(plan), "quantity": quantity.to_string(),
        "type": if top_up { "topup" } else { "sim" }, "esim_type": "Prepaid",
        "validity": plan.days, "data": format!("{} GB", plan.mb / 1024),
        "price": plan.cents as f64 * quantity as f64 / 100.0, "currency": "USD",
        "created_at": civil(now()).replace('T', " "),
        "sims": sims.iter().map(|s| sim_json(s)).collect::<Vec<_>>(),
    })
}

async fn order(State(shop): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut shop = shop.lock();
    let form = fields(&headers, &body);
    let quantity: usize = form
        .get("quantity")
        .and_then(|q| q.parse().ok())
        .unwrap_or(0);
    if !(1..=50).contains(&quantity) || form.get("type").map(String::as_str) != Some("sim") {
        return reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"data": {"quantity": "The quantity must be between 1 and 50.", "type": "The type must be sim."},
                   "meta": {"message": "the parameter is invalid"}}),
        );
    }
    let Some(plan) = form
        .get("package_id")
        .and_then(|id| by_id(id))
        .filter(|p| !p.top_up)
    else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "PACKAGE_INVALID",
            Some(34),
            "The package is invalid or out of stock",
        );
    };
    if shop.charge(plan.cents * quantity as i64).is_err() {
        return insufficient_credit();
    }
    let id = format!("O{}", shop.ids.next());
    let description = form.get("description").cloned().unwrap_or_default();
    let mut iccids = Vec::new();
    for _ in 0..quantity {
        let index = shop.issue(plan, &id, false);
        shop.sims[index].polls_left = 0;
        iccids.push(shop.sims[index].iccid.clone());
    }
    shop.orders
        .push((id.clone(), description.clone(), iccids.clone(), false));
    let sims: Vec<&Sim> = shop
        .sims
        .iter()
        .filter(|s| iccids.contains(&s.iccid))
        .collect();
    wrapped(
        "ORDER_SUBMITTED",
        order_json(&id, &description, &sims, plan, quantity, false),
    )
}

async fn orders(State(shop): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let shop = shop.lock();
    let wanted = q.get("filter[description]");
    let list: Vec<Value> = shop
        .orders
        .iter()
        .filter(|(_, d, _, _)| wanted.is_none_or(|w| d.contains(w.as_str())))
        .filter_map(|(id, description, iccids, top_up)| {
            let sims: Vec<&Sim> = shop
                .sims
                .iter()
                .filter(|s| iccids.contains(&s.iccid))
                .collect();
            let plan = if *top_up {
                sims.first()?.top_ups.last()?.0
            } else {
                sims.first()?.plan
            };
            Some(order_json(
                id,
                description,
                &if *top_up { Vec::new() } else { sims.clone() },
                plan,
                iccids.len(),
                *top_up,
            ))
        })
        .collect();
    wrapped(
        "ORDERS_RETRIEVED",
        json!({"data": list, "meta": {"current_page": 1, "last_page": 1}}),
    )
}

fn find<'a>(shop: &'a mut Shop, iccid: &str) -> Result<&'a mut Sim, Response> {
    shop.sim(iccid).ok_or_else(|| {
        refuse(
            StatusCode::NOT_FOUND,
            "SIM_NOT_FOUND",
            None,
            "The eSIM was not found",
        )
    })
}

async fn sim(State(shop): State<Shared>, Path(iccid): Path<String>) -> Response {
    let mut shop = shop.lock();
    match find(&mut shop, &iccid) {
        Ok(sim) => wrapped("SIM_RETRIEVED", sim_json(sim)),
        Err(e) => e,
    }
}

fn status(sim: &Sim) -> &'static str {
    let total = sim.total_mb() << 20;
    match () {
        _ if sim.expired => "EXPIRED",
        _ if sim.activated_at.is_none() => "NOT_ACTIVE",
        _ if sim.used_bytes >= total => "FINISHED",
        _ => "ACTIVE",
    }
}

async fn usage(State(shop): State<Shared>, Path(iccid): Path<String>) -> Response {
    let mut shop = shop.lock();
    let sim = match find(&mut shop, &iccid) {
        Ok(sim) => sim,
        Err(e) => return e,
    };
    let total = sim.total_mb();
    let remaining = ((total << 20).saturating_sub(sim.used_bytes)) >> 20;
    wrapped(
        "USAGE_RETRIEVED",
        json!({
            "remaining": remaining, "total": total,
            "expired_at": sim.expires_at().map(|t| civil(t).replace('T', " ")),
            "is_unlimited": false, "status": status(sim),
            "remaining_voice": 0, "remaining_text": 0, "total_voice": 0, "total_text": 0,
        }),
    )
}

async fn top_ups(State(shop): State<Shared>, Path(iccid): Path<String>) -> Response {
    let mut shop = shop.lock();
    let base = match find(&mut shop, &iccid) {
        Ok(sim) => sim.plan,
        Err(e) => return e,
    };
    wrapped(
        "TOPUPS_RETRIEVED",
        json!({"data": catalogue::top_ups_for(base).map(package_json).collect::<Vec<_>>()}),
    )
}

async fn top_up(State(shop): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut shop = shop.lock();
    let form = fields(&headers, &body);
    let (Some(iccid), Some(plan)) = (
        form.get("iccid").cloned(),
        form.get("package_id").and_then(|id| by_id(id)),
    ) else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "PACKAGE_INVALID",
            Some(34),
            "The package is invalid or out of stock",
        );
    };
    let sim = match find(&mut shop, &iccid) {
        Ok(sim) => sim,
        Err(e) => return e,
    };
    if !plan.tops_up(sim.plan) {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "PACKAGE_INVALID",
            Some(34),
            "The package is not a top-up for this eSIM",
        );
    }
    if status(sim) != "ACTIVE" && status(sim) != "FINISHED" {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "TOPUP_NOT_ALLOWED",
            Some(23),
            "Top-ups are only available for active eSIMs",
        );
    }
    if shop.charge(plan.cents).is_err() {
        return insufficient_credit();
    }
    let id = format!("O{}", shop.ids.next());
    let description = form.get("description").cloned().unwrap_or_default();
    let sim = shop.sim(&iccid).expect("found above");
    sim.top_ups.push((plan, now()));
    shop.orders
        .push((id.clone(), description.clone(), vec![iccid], true));
    wrapped(
        "TOPUP_SUBMITTED",
        order_json(&id, &description, &[], plan, 1, true),
    )
}

async fn history(State(shop): State<Shared>, Path(iccid): Path<String>) -> Response {
    let mut shop = shop.lock();
    if let Some(at) = shop.history_served.get(&iccid) {
        let wait = HISTORY_PERIOD - (now() - at);
        if wait > 0 {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, wait.to_string())],
                Json(json!({"success": false, "code": "TOO_MANY_REQUESTS", "message": "Too Many Attempts."})),
            )
                .into_response();
        }
    }
    let sim = match find(&mut shop, &iccid) {
        Ok(sim) => sim.clone(),
        Err(e) => return e,
    };
    shop.history_served.insert(iccid, now());
    let mut used = sim.used_bytes;
    let mut entries = Vec::new();
    for (i, plan) in sim.plans().enumerate() {
        let size = plan.mb << 20;
        let take = used.min(size);
        used -= take;
        let started = sim.activated_at.is_some() && (i == 0 || take > 0);
        let state = match () {
            _ if sim.expired => "expired",
            _ if !started => "not_active",
            _ if take == size => "finished",
            _ => "active",
        };
        let at = sim.activated_at.filter(|_| started);
        entries.push(json!({
            "id": i + 1, "status": state, "remaining": (size - take) >> 20,
            "activated_at": at.map(|t| format!("{}Z", civil(t))),
            "expired_at": at.map(|t| format!("{}Z", civil(t + i64::from(plan.days) * 86_400))),
            "finished_at": null,
            "package": {
                "id": package_id(plan), "type": if i == 0 { "initial" } else { "topup" },
                "price": (plan.cents as f64 * 1.3).round() / 100.0, "net_price": plan.cents as f64 / 100.0,
                "amount": plan.mb, "day": plan.days, "is_unlimited": false, "title": plan.name,
                "data": format!("{} GB", plan.mb / 1024), "short_info": null,
            },
        }));
    }
    wrapped("PACKAGE_HISTORY_RETRIEVED", json!({"data": entries}))
}

/// PressOne's refusal of a purchase the balance cannot pay for.
fn insufficient_credit() -> Response {
    refuse(
        StatusCode::UNPROCESSABLE_ENTITY,
        "INSUFFICIENT_CREDIT",
        Some(11),
        "Insufficient credit",
    )
}
