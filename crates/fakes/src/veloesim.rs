//! Fake VeloeSIM (providers.md §4, SEED 003): `Authorization: Apikey <key>` or the bare key,
//! `{count, rows}` pages by `limit`/`offset`, plans by numeric id in decimal megabytes,
//! synchronous orders, eSIMs with one assigned plan per purchase (bytes), top-ups queued as
//! new plans, errors as NestJS sends them (`{statusCode, message}`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::catalogue::{self, Plan, PLANS};
use crate::{civil, refused, reply, with_auth, Shared, Shop, Sim};

const SMDP: &str = "smdp.fake-veloesim.test";

pub(crate) fn router(shop: Shared) -> Router {
    let protected = Router::new()
        .route("/plans", get(plans))
        .route("/plans/{id}", get(plan))
        .route("/organizations", get(organization))
        .route("/orders", axum::routing::post(order))
        .route("/esims", get(esims))
        .route("/esims/{iccid}", get(esim))
        .route("/esims/{iccid}/top-up", get(top_ups).post(top_up));
    with_auth(protected, shop.clone(), authorised)
        .layer(axum::middleware::from_fn_with_state(
            shop.clone(),
            undocumented_errors,
        ))
        .with_state(shop)
}

/// VeloeSIM documents no error body at all: in documented-only mode an error is its status
/// and a line of text, so the adapter can rely on nothing else.
async fn undocumented_errors(
    State(shop): State<Shared>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let documented_only = shop.lock().documented_only;
    let response = next.run(request).await;
    if !documented_only || response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let message = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| match v.get("message") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Array(list)) => Some(
                list.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            _ => None,
        })
        .unwrap_or_else(|| {
            parts
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_owned()
        });
    let mut headers = parts.headers;
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    (parts.status, headers, message).into_response()
}

fn authorised(shop: &Shop, headers: &HeaderMap) -> Result<(), Response> {
    let key = &shop.secrets.key;
    let given = headers.get("authorization").and_then(|v| v.to_str().ok());
    match given {
        Some(given) if given == key || given == format!("Apikey {key}") => Ok(()),
        _ => Err(nest(
            StatusCode::UNAUTHORIZED,
            &refused(shop, "Unauthorized", given),
        )),
    }
}

fn nest(status: StatusCode, message: &str) -> Response {
    reply(
        status,
        json!({"statusCode": status.as_u16(), "message": message}),
    )
}

fn plan_id(plan: &Plan) -> i64 {
    3001 + PLANS.iter().position(|p| p.code == plan.code).unwrap_or(0) as i64
}

fn by_id(id: i64) -> Option<&'static Plan> {
    usize::try_from(id - 3001).ok().and_then(|i| PLANS.get(i))
}

/// Decimal megabytes: the fake's whole binary gigabytes sold as VeloeSIM's "GB" of 1000 MB.
fn decimal_mb(plan: &Plan) -> u64 {
    plan.mb / 1024 * 1000
}

fn plan_json(plan: &Plan) -> Value {
    let regions = [("JP", "Asia"), ("US", "North America")];
    json!({
        "id": plan_id(plan), "dataAmount": decimal_mb(plan), "duration": plan.days,
        "price": plan.cents as f64 / 100.0,
        "areas": plan.countries.iter().enumerate().map(|(i, c)| json!({
            "id": 100 + i, "name": catalogue::country_name(c),
            "region": regions.iter().find(|(iso, _)| iso == c).map_or("Europe", |(_, r)| r),
            "iso": c,
            "networks": plan.networks.iter().filter(|(n, _, _)| n == c).map(|(_, op, types)| json!({
                "name": format!("{op} Mobile"), "brandName": op, "mcc": "440", "mnc": "10",
                "tagid": format!("{c}{}", &op[..2.min(op.len())]).to_ascii_uppercase(),
                "speed": types.split('/').filter(|t| t.ends_with('G')).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

#[derive(Deserialize)]
struct Page {
    limit: Option<usize>,
    offset: Option<usize>,
}

fn page(rows: Vec<Value>, q: &Page) -> Response {
    let count = rows.len();
    let rows: Vec<Value> = rows
        .into_iter()
        .skip(q.offset.unwrap_or(0))
        .take(q.limit.unwrap_or(10).min(100))
        .collect();
    Json(json!({"count": count, "rows": rows})).into_response()
}

async fn plans(Query(q): Query<Page>) -> Response {
    page(catalogue::base_plans().map(plan_json).collect(), &q)
}

async fn plan(Path(id): Path<String>) -> Response {
    match id.parse().ok().and_then(by_id) {
        Some(plan) => Json(plan_json(plan)).into_response(),
        None => nest(StatusCode::NOT_FOUND, "Plan not found"),
    }
}

async fn organization(State(shop): State<Shared>) -> Response {
    let shop = shop.lock();
    Json(json!({"balance": shop.balance_cents as f64 / 100.0, "name": "Fake Shop Ltd"}))
        .into_response()
}

/// The eSIM: one assigned plan per purchase; data is used from the first plan on, and a plan
/// starts when the one before it runs out.
fn esim_json(sim: &Sim, documented_only: bool) -> Value {
    let mut used = sim.used_bytes;
    let mut previous_done = true;
    let mut start_at = sim.activated_at;
    let mut plans = Vec::new();
    for (i, plan) in sim.plans().enumerate() {
        let initial = decimal_mb(plan) * 1_000_000;
        let take = used.min(initial);
        used -= take;
        let started = sim.activated_at.is_some() && previous_done;
        let start = if started { start_at } else { None };
        let end = start.map(|s| s + i64::from(plan.days) * 86_400);
        previous_done = started && take == initial;
        if previous_done {
            start_at = start_at.map(|s| s + 3600);
        }
        plans.push(json!({
            "id": 9000 + i, "planId": plan_id(plan),
            "initialQuantityInBytes": initial,
            "remainingQuantityInBytes": if started { initial - take } else { initial },
            "startTime": start.map(|t| format!("{}.000Z", civil(t))),
            "endTime": end.map(|t| format!("{}.000Z", civil(t))),
            "isExpired": sim.expired,
            "areas": plan.countries.iter().map(|c| json!({"id": 100, "name": catalogue::country_name(c),
                "region": "", "iso": c})).collect::<Vec<_>>(),
        }));
    }
    json!({
        "iosSetup": format!("https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=LPA:1${SMDP}${}", sim.matching_id),
        "iccid": sim.iccid, "matchingId": sim.matching_id, "smdpAddress": SMDP,
        // "RELEASED" is the only profile status the documentation shows.
        "profileStatus": if sim.installed_at.is_some() && !documented_only { "INSTALLED" } else { "RELEASED" },
        "installedAt": sim.installed_at.map(|t| format!("{}.000Z", civil(t))),
        "assignedPlans": plans,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderOne {
    plan_id: Option<Value>,
}

fn requested_plan(body: Option<Json<OrderOne>>) -> Result<&'static Plan, Response> {
    match body.and_then(|b| b.0.plan_id) {
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(by_id)
            .ok_or_else(|| nest(StatusCode::NOT_FOUND, "Plan not found")),
        _ => Err(reply(
            StatusCode::BAD_REQUEST,
            json!({"statusCode": 400, "message": ["planId must be an integer number"], "error": "Bad Request"}),
        )),
    }
}

async fn order(State(shop): State<Shared>, body: Option<Json<OrderOne>>) -> Response {
    let mut shop = shop.lock();
    let plan = match requested_plan(body) {
        Ok(plan) if !plan.top_up => plan,
        Ok(_) => {
            return nest(
                StatusCode::BAD_REQUEST,
                "A top-up plan cannot be ordered alone",
            )
        }
        Err(e) => return e,
    };
    if let Err(message) = shop.charge(plan.cents) {
        return nest(StatusCode::BAD_REQUEST, &message);
    }
    let order_no = format!("VO{:08}", shop.ids.next());
    let index = shop.issue(plan, &order_no, false);
    shop.sims[index].polls_left = 0;
    let mut esim = esim_json(&shop.sims[index], shop.documented_only);
    if shop.documented_only {
        // The orderOne example's assigned plans carry neither `id` nor `planId`.
        for plan in esim["assignedPlans"].as_array_mut().into_iter().flatten() {
            if let Value::Object(plan) = plan {
                plan.remove("id");
                plan.remove("planId");
            }
        }
    }
    Json(esim).into_response()
}

async fn esims(State(shop): State<Shared>, Query(q): Query<Page>) -> Response {
    let shop = shop.lock();
    let documented_only = shop.documented_only;
    page(
        shop.sims
            .iter()
            .map(|sim| esim_json(sim, documented_only))
            .collect(),
        &q,
    )
}

async fn esim(State(shop): State<Shared>, Path(iccid): Path<String>) -> Response {
    let mut shop = shop.lock();
    let documented_only = shop.documented_only;
    match shop.sim(&iccid) {
        Some(sim) => Json(esim_json(sim, documented_only)).into_response(),
        None => nest(StatusCode::NOT_FOUND, "Esim not found"),
    }
}

async fn top_ups(
    State(shop): State<Shared>,
    Path(iccid): Path<String>,
    Query(q): Query<Page>,
) -> Response {
    let mut shop = shop.lock();
    let Some(base) = shop.sim(&iccid).map(|s| s.plan) else {
        return nest(StatusCode::NOT_FOUND, "Esim not found");
    };
    page(catalogue::top_ups_for(base).map(plan_json).collect(), &q)
}

async fn top_up(
    State(shop): State<Shared>,
    Path(iccid): Path<String>,
    body: Option<Json<OrderOne>>,
) -> Response {
    let mut shop = shop.lock();
    let plan = match requested_plan(body) {
        Ok(plan) => plan,
        Err(e) => return e,
    };
    let Some(sim) = shop.sim(&iccid) else {
        return nest(StatusCode::NOT_FOUND, "Esim not found");
    };
    if !plan.tops_up(sim.plan) {
        return nest(StatusCode::NOT_FOUND, "Plan not found for this eSIM");
    }
    if sim.expired {
        return nest(StatusCode::CONFLICT, "Esim is expired");
    }
    if let Err(message) = shop.charge(plan.cents) {
        return nest(StatusCode::BAD_REQUEST, &message);
    }
    let documented_only = shop.documented_only;
    let sim = shop.sim(&iccid).expect("found above");
    sim.top_ups.push((plan, crate::now()));
    Json(esim_json(sim, documented_only)).into_response()
}
