//! The storefront API through the router: catalogue, prices, orders, idempotency, ownership,
//! top-ups and cancels.

mod common;

use axum::http::StatusCode;
use common::*;
use esim_core::{Currency, Decimal, Markup, PriceEnding};
use esim_providers::Provider;
use serde_json::json;

#[tokio::test]
async fn storefront_describes_currencies_features_and_test_mode() {
    let h = harness();
    let s = get("/v1/storefront").send(&h.router).await;
    assert_eq!(s.status, StatusCode::OK);
    assert_eq!(s.json["checkout"], "sandbox");
    assert_eq!(s.json["test_mode"], true);
    assert_eq!(s.json["default_currency"], "USD");
    let currencies: Vec<&str> = s.json["currencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for code in ["USD", "EUR", "GBP", "NGN", "JPY"] {
        assert!(currencies.contains(&code), "{code}");
    }
    assert_eq!(
        s.json["features"],
        json!({"top_up": true, "cancel": true, "usage": true, "currencies": true})
    );
}

#[tokio::test]
async fn destinations_cover_countries_regions_and_global_with_prices() {
    let h = harness();
    let d = get("/v1/destinations?currency=EUR").send(&h.router).await;
    let all = d.json["destinations"].as_array().unwrap();
    assert!(all.len() > 150);
    let jp = all
        .iter()
        .find(|x| x["destination"]["code"] == "JP")
        .unwrap();
    assert_eq!(jp["destination"]["name"], "Japan");
    assert!(jp["package_count"].as_u64().unwrap() >= 8);
    assert_eq!(jp["from_price"]["currency"], "EUR");
    assert!(all.iter().any(|x| x["destination"]["kind"] == "region"));
    assert!(all.iter().any(|x| x["destination"]["kind"] == "global"));
    assert_eq!(d.headers["cache-control"], "public, max-age=60");
}

#[tokio::test]
async fn packages_are_filtered_and_sorted_as_asked() {
    let h = harness();
    let list = |q: &str| {
        let router = h.router.clone();
        let q = q.to_owned();
        async move {
            get(&format!("/v1/packages?destination=JP{q}"))
                .send(&router)
                .await
        }
    };
    let all = list("").await;
    let prices: Vec<i64> = all.json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["price"]["minor"].as_i64().unwrap())
        .collect();
    assert!(
        prices.len() >= 8 && prices.windows(2).all(|w| w[0] <= w[1]),
        "sorted by price: {prices:?}"
    );

    let big = list("&min_data=10GB").await;
    assert!(big.json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["data"] == "unlimited" || p["data"].as_u64().unwrap() >= 10 << 30));
    let unlimited = list("&unlimited=true").await;
    assert!(unlimited.json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["data"] == "unlimited"));
    let month = list("&min_days=30&sort=data").await;
    let month = month.json["packages"].as_array().unwrap();
    assert!(month.iter().all(
        |p| p["validity"]["unit"] == "month" || p["validity"]["amount"].as_u64().unwrap() >= 30
    ));
    assert_eq!(month[0]["data"], "unlimited", "most data first");
    let cheap = list("&max_price=10&currency=EUR").await;
    assert_eq!(cheap.json["currency"], "EUR");
    assert!(cheap.json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["price"]["minor"].as_i64().unwrap() <= 1000));
    let per_gb = list("&sort=price_per_gb&unlimited=false").await;
    let per_gb: Vec<f64> = per_gb.json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["price"]["minor"].as_f64().unwrap() / p["data"].as_f64().unwrap())
        .collect();
    assert!(
        per_gb.windows(2).all(|w| w[0] <= w[1] + 1e-12),
        "{per_gb:?}"
    );
    let regional = get("/v1/packages?destination=europe&covers=fr")
        .send(&h.router)
        .await;
    assert!(regional.json["packages"].as_array().unwrap().len() >= 5);
    assert!(get("/v1/packages?destination=atlantis")
        .send(&h.router)
        .await
        .json["packages"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn one_package_has_its_details() {
    let h = harness();
    let p = get("/v1/packages/JP-5GB-30D?currency=GBP")
        .send(&h.router)
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.json["data"], 5u64 << 30);
    assert_eq!(p.json["price"]["currency"], "GBP");
    assert_eq!(p.json["top_up"], true);
    assert!(p.json["networks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["operator"] == "NTT Docomo"));
    assert!(p.json["description"].as_str().unwrap().contains("Japan"));
}

#[tokio::test]
async fn quotes_apply_the_markup_and_rates_on_the_server() {
    let h = harness();
    let cost = h.sandbox.package("JP-5GB-30D").await.unwrap().price;
    let rates = h.sandbox.rates().await.unwrap();
    let eur = Currency::from_code("EUR").unwrap();
    let expected = Markup {
        percent: Decimal::from(25),
        fixed: None,
        ending: PriceEnding::Minor(99),
    }
    .price(cost, eur, &rates)
    .unwrap();
    let q = post(
        "/v1/quotes",
        json!({"package_code": "JP-5GB-30D", "quantity": 3, "currency": "EUR"}),
    )
    .send(&h.router)
    .await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.json);
    assert_eq!(
        q.json["unit_price"],
        json!({"minor": expected.minor(), "currency": "EUR"})
    );
    assert_eq!(q.json["total"]["minor"], expected.minor() * 3);
    assert_eq!(expected.minor() % 100, 99, "price ending applied");
}

#[tokio::test]
async fn an_order_charges_the_server_price_whatever_the_browser_sends() {
    let h = harness();
    let quote = post(
        "/v1/quotes",
        json!({"package_code": "DE-3GB-15D", "quantity": 1, "currency": "USD"}),
    )
    .send(&h.router)
    .await;
    let order = post(
        "/v1/orders",
        json!({"package_code": "DE-3GB-15D", "quantity": 1, "currency": "USD", "total": {"minor": 1, "currency": "USD"}, "unit_price": 1, "price": 0}),
    )
    .key("browser-price")
    .send(&h.router)
    .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.json);
    assert_eq!(order.json["total"], quote.json["total"]);
    assert_eq!(order.json["test"], true);
}

#[tokio::test]
async fn a_guest_order_issues_esims_and_a_token_that_sees_them() {
    let h = harness();
    let before = balance(&h).await;
    let (order, token) = guest_order(&h.router, "JP-1GB-7D", 2, "guest-1").await;
    assert_eq!(order.json["state"], "completed");
    let esims = order.json["esims"].as_array().unwrap();
    assert_eq!(esims.len(), 2);
    for esim in esims {
        assert_eq!(esim["status"]["lifecycle"], "ready");
        assert_eq!(esim["actions"]["install"], true);
        assert!(esim["install"]["activation_code"]
            .as_str()
            .unwrap()
            .starts_with("LPA:1$"));
        assert!(esim["install"]["ios_link"]
            .as_str()
            .unwrap()
            .starts_with("https://esimsetup.apple.com/"));
        assert_eq!(esim["iccid"].as_str().unwrap().len(), 19);
    }
    let cost = h.sandbox.package("JP-1GB-7D").await.unwrap().price.minor();
    assert_eq!(
        balance(&h).await,
        before - 2 * cost,
        "the provider was charged its wholesale price, once"
    );

    let mine = get("/v1/esims").token(&token).send(&h.router).await;
    assert_eq!(mine.json["esims"].as_array().unwrap().len(), 2);
    let id = order.json["id"].as_str().unwrap();
    assert_eq!(
        get(&format!("/v1/orders/{id}"))
            .token(&token)
            .send(&h.router)
            .await
            .status,
        StatusCode::OK
    );
    // The same browser orders again with its token: one owner, four eSIMs.
    let again = post(
        "/v1/orders",
        json!({"package_code": "JP-1GB-7D", "quantity": 2, "currency": "USD"}),
    )
    .key("guest-2")
    .token(&token)
    .send(&h.router)
    .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert!(
        again.json.get("guest_token").is_none(),
        "an existing guest keeps its token"
    );
    assert_eq!(esim_count(&h, &token).await, 4);
}

#[tokio::test]
async fn the_same_idempotency_key_and_body_answer_the_first_response_without_a_second_order() {
    let h = harness();
    let body = json!({"package_code": "FR-5GB-30D", "quantity": 1, "currency": "EUR"});
    let first = post("/v1/orders", body.clone())
        .key("same")
        .send(&h.router)
        .await;
    let charged = balance(&h).await;
    let second = post("/v1/orders", body.clone())
        .key("same")
        .send(&h.router)
        .await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(
        first.json, second.json,
        "the very same answer, guest token included"
    );
    assert_eq!(balance(&h).await, charged, "no second provider order");

    let other = post(
        "/v1/orders",
        json!({"package_code": "FR-5GB-30D", "quantity": 2, "currency": "EUR"}),
    )
    .key("same")
    .send(&h.router)
    .await;
    assert_eq!(other.status, StatusCode::CONFLICT);
    assert_eq!(other.code(), "idempotency_key_reused");
    let none = post("/v1/orders", body).send(&h.router).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(none.code(), "idempotency_key_required");
}

#[tokio::test]
async fn another_customers_esim_and_order_answer_404() {
    let h = customer_harness();
    let (alice, bob) = (customer("alice"), customer("bob"));
    let order = post(
        "/v1/orders",
        json!({"package_code": "US-3GB-15D", "quantity": 1, "currency": "USD"}),
    )
    .key("a1")
    .token(&alice)
    .send(&h.router)
    .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.json);
    let esim = order.json["esims"][0]["id"].as_str().unwrap();
    let order_id = order.json["id"].as_str().unwrap();

    assert_eq!(
        get(&format!("/v1/esims/{esim}"))
            .token(&alice)
            .send(&h.router)
            .await
            .status,
        StatusCode::OK
    );
    for path in [
        format!("/v1/esims/{esim}"),
        format!("/v1/orders/{order_id}"),
        format!("/v1/esims/{esim}/topups"),
    ] {
        let answer = get(&path).token(&bob).send(&h.router).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answer.code(), "not_found");
    }
    let cancel = post(&format!("/v1/esims/{esim}/cancel"), json!({}))
        .token(&bob)
        .send(&h.router)
        .await;
    assert_eq!(cancel.status, StatusCode::NOT_FOUND);
    assert!(esim_count(&h, &bob).await == 0);
    // A guest token never sees a customer's eSIMs either.
    let sandbox_guest = harness();
    let (_, guest) = guest_order(&sandbox_guest.router, "JP-1GB-7D", 1, "g").await;
    assert_eq!(
        get(&format!("/v1/esims/{esim}"))
            .token(&guest)
            .send(&h.router)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_guest_token_sees_only_its_own_order() {
    let h = harness();
    let (first, first_token) = guest_order(&h.router, "JP-1GB-7D", 1, "one").await;
    let (second, second_token) = guest_order(&h.router, "JP-1GB-7D", 1, "two").await;
    let first_esim = first.json["esims"][0]["id"].as_str().unwrap();
    let second_order = second.json["id"].as_str().unwrap();
    assert_eq!(
        get(&format!("/v1/esims/{first_esim}"))
            .token(&second_token)
            .send(&h.router)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&format!("/v1/orders/{second_order}"))
            .token(&first_token)
            .send(&h.router)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(esim_count(&h, &first_token).await, 1);
}

#[tokio::test]
async fn customer_checkout_needs_a_valid_customer_token() {
    let h = customer_harness();
    let body = json!({"package_code": "JP-1GB-7D", "quantity": 1, "currency": "USD"});
    let anonymous = post("/v1/orders", body.clone())
        .key("k")
        .send(&h.router)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.code(), "unauthorized");
    let expired = esim_proxy::auth::sign(
        &esim_proxy::auth::Claims {
            sub: "alice".into(),
            exp: esim_proxy::service::now() - 3600,
            nbf: None,
        },
        SECRET.as_bytes(),
    );
    let forged = esim_proxy::auth::sign(
        &esim_proxy::auth::Claims {
            sub: "alice".into(),
            exp: esim_proxy::service::now() + 3600,
            nbf: None,
        },
        b"not-the-merchant-secret-but-long-enough",
    );
    for token in [
        expired.as_str(),
        forged.as_str(),
        "gst_not-a-real-guest",
        "garbage",
    ] {
        let answer = post("/v1/orders", body.clone())
            .key("k")
            .token(token)
            .send(&h.router)
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{token}");
        assert_eq!(answer.code(), "unauthorized");
    }
    assert_eq!(balance(&h).await, 500_000, "nothing was bought");
}

#[tokio::test]
async fn top_up_adds_data_once_per_key() {
    let h = harness();
    let (order, token) = guest_order(&h.router, "JP-1GB-7D", 1, "t").await;
    let id = order.json["esims"][0]["id"].as_str().unwrap().to_owned();
    post(&format!("/v1/sandbox/esims/{id}/install"), json!({}))
        .token(&token)
        .send(&h.router)
        .await;
    let used = post(
        &format!("/v1/sandbox/esims/{id}/usage"),
        json!({"bytes": 1u64 << 30}),
    )
    .token(&token)
    .send(&h.router)
    .await;
    assert_eq!(used.json["status"]["lifecycle"], "depleted");

    let options = get(&format!("/v1/esims/{id}/topups?currency=EUR"))
        .token(&token)
        .send(&h.router)
        .await;
    let options = options.json["packages"].as_array().unwrap().clone();
    assert!(options.len() >= 3);
    assert!(options.iter().all(|p| p["price"]["currency"] == "EUR"));
    let code = options
        .iter()
        .find(|p| p["code"] == "TOPUP-JP-3GB-15D")
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = balance(&h).await;
    let topped = post(
        &format!("/v1/esims/{id}/topups"),
        json!({"package_code": code, "currency": "EUR"}),
    )
    .key("top-1")
    .token(&token)
    .send(&h.router)
    .await;
    assert_eq!(topped.status, StatusCode::OK, "{}", topped.json);
    assert_eq!(topped.json["usage"]["total"], 4u64 << 30);
    assert_eq!(topped.json["status"]["lifecycle"], "active");
    assert_eq!(topped.json["history"].as_array().unwrap().len(), 2);
    let charged = balance(&h).await;
    assert!(charged < before);
    let replay = post(
        &format!("/v1/esims/{id}/topups"),
        json!({"package_code": code, "currency": "EUR"}),
    )
    .key("top-1")
    .token(&token)
    .send(&h.router)
    .await;
    assert_eq!(replay.json, topped.json);
    assert_eq!(balance(&h).await, charged, "applied once");
}

#[tokio::test]
async fn cancel_is_allowed_only_while_unused_and_refunds() {
    let h = harness();
    let start = balance(&h).await;
    let (order, token) = guest_order(&h.router, "IT-5GB-30D", 2, "c").await;
    let unused = order.json["esims"][0]["id"].as_str().unwrap().to_owned();
    let used = order.json["esims"][1]["id"].as_str().unwrap().to_owned();

    let cancelled = post(&format!("/v1/esims/{unused}/cancel"), json!({}))
        .token(&token)
        .send(&h.router)
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);
    assert_eq!(cancelled.json["status"]["lifecycle"], "cancelled");
    assert_eq!(
        cancelled.json["actions"],
        json!({"install": false, "top_up": false, "cancel": false})
    );

    post(&format!("/v1/sandbox/esims/{used}/install"), json!({}))
        .token(&token)
        .send(&h.router)
        .await;
    post(
        &format!("/v1/sandbox/esims/{used}/usage"),
        json!({"bytes": 1000}),
    )
    .token(&token)
    .send(&h.router)
    .await;
    let refused = post(&format!("/v1/esims/{used}/cancel"), json!({}))
        .token(&token)
        .send(&h.router)
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.code(), "not_allowed");
    assert!(refused.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("installed or used"));
    let one = h.sandbox.package("IT-5GB-30D").await.unwrap().price.minor();
    assert_eq!(balance(&h).await, start - one, "one refunded, one kept");
}

#[tokio::test]
async fn the_lifecycle_shows_through_the_api() {
    let h = harness();
    let (order, token) = guest_order(&h.router, "JP-5GB-30D", 1, "life").await;
    let id = order.json["esims"][0]["id"].as_str().unwrap().to_owned();
    let installed = post(&format!("/v1/sandbox/esims/{id}/install"), json!({}))
        .token(&token)
        .send(&h.router)
        .await;
    assert_eq!(installed.json["status"]["lifecycle"], "active");
    assert_eq!(installed.json["actions"]["install"], false);
    assert!(
        installed.json["install"].is_null(),
        "install data is hidden once installed"
    );
    let half = post(
        &format!("/v1/sandbox/esims/{id}/usage"),
        json!({"bytes": 5u64 << 29}),
    )
    .token(&token)
    .send(&h.router)
    .await;
    assert_eq!(half.json["usage"]["used"], 5u64 << 29);
    assert_eq!(half.json["usage"]["remaining"], 5u64 << 29);
    h.clock.advance(31 * 86_400);
    let expired = get(&format!("/v1/esims/{id}?refresh=true"))
        .token(&token)
        .send(&h.router)
        .await;
    assert_eq!(expired.json["status"]["lifecycle"], "expired");
    assert_eq!(expired.json["actions"]["top_up"], false);
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_and_type() {
    let h = harness();
    let doc = get("/v1/openapi.json").send(&h.router).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.json["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc.json["paths"].as_object().unwrap();
    for path in [
        "/v1/storefront",
        "/v1/destinations",
        "/v1/packages",
        "/v1/packages/{code}",
        "/v1/rates",
        "/v1/quotes",
        "/v1/orders",
        "/v1/orders/{id}",
        "/v1/esims",
        "/v1/esims/{id}",
        "/v1/esims/{id}/topups",
        "/v1/esims/{id}/cancel",
        "/healthz",
    ] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    let schemas = doc.json["components"]["schemas"].as_object().unwrap();
    for schema in [
        "Order",
        "Esim",
        "Package",
        "Money",
        "Volume",
        "ErrorBody",
        "ErrorCode",
        "EsimStatus",
    ] {
        assert!(schemas.contains_key(schema), "{schema} missing");
    }
    let codes = schemas["ErrorCode"]["enum"].as_array().unwrap();
    assert_eq!(codes.len(), esim_core::api::ErrorCode::ALL.len());

    // An order's answer links to what it leads to, each link naming an operation there is,
    // with its `id` from the answer's body.
    let operations: Vec<&serde_json::Value> = paths
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|operation| operation.get("operationId"))
        .collect();
    for (path, status) in [
        ("/v1/orders", "201"),
        ("/v1/orders/{id}/payment", "201"),
        ("/v1/orders/{id}/payment", "202"),
    ] {
        let links = paths[path]["post"]["responses"][status]["links"]
            .as_object()
            .unwrap_or_else(|| panic!("{path} {status} has no links"));
        for name in ["Order", "Payment", "Esim", "TopUps", "TopUp", "Cancel"] {
            let link = &links[name];
            assert!(
                operations.contains(&&link["operationId"]),
                "{path} {status} {name}: {link}"
            );
            let id = link["parameters"]["id"].as_str().unwrap();
            assert!(id.starts_with("$response.body#/"), "{id}");
        }
    }

    // Every currency a request names is one this storefront prices in (or empty, for its
    // default); the currencies of answers are left as they are.
    let mut limited = config();
    limited.currencies = vec![Currency::from_code("EUR").unwrap(), Currency::USD];
    let h = harness_with(limited, Default::default());
    let doc = get("/v1/openapi.json").send(&h.router).await.json;
    let offered = serde_json::json!(["", "EUR", "USD"]);
    let mut narrowed = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["name"] == "currency" {
                    assert_eq!(parameter["schema"]["enum"], offered, "{method} {path}");
                    assert!(parameter["schema"].get("pattern").is_none());
                    narrowed += 1;
                }
            }
            // Every answer the edges can give is documented, as the one error shape.
            for status in ["400", "500", "503"] {
                assert_eq!(
                    operation["responses"][status]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
            if method == "post" {
                for status in ["408", "413", "429"] {
                    assert!(
                        operation["responses"].get(status).is_some(),
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    assert!(
        narrowed >= 4,
        "destinations, packages, a package, top-up options"
    );
    for request in ["QuoteRequest", "OrderRequest", "TopUpRequest"] {
        let currency = &doc["components"]["schemas"][request]["properties"]["currency"];
        assert_eq!(currency["enum"], offered, "{request}");
    }
    assert!(
        doc["components"]["schemas"]["Money"]["properties"]["currency"]
            .get("enum")
            .is_none(),
        "an answer's money may be in any currency"
    );

    // The provider down: the document is still there, with "three letters" for a currency.
    let h = harness();
    h.sandbox
        .inject_fault(esim_providers::sandbox::Fault::Unavailable);
    let doc = get("/v1/openapi.json").send(&h.router).await;
    assert_eq!(doc.status, StatusCode::OK);
    let quote = &doc.json["components"]["schemas"]["QuoteRequest"]["properties"]["currency"];
    assert!(
        quote.get("enum").is_none() && quote.get("pattern").is_some(),
        "{quote}"
    );
}

#[tokio::test]
async fn a_top_up_order_is_for_card_shops_only() {
    let h = harness();
    let (order, token) = guest_order(&h.router, "JP-1GB-7D", 1, "t-order").await;
    let id = order.json["esims"][0]["id"].as_str().unwrap().to_owned();
    let before = balance(&h).await;
    let refused = post(
        "/v1/orders",
        json!({"package_code": "TOPUP-JP-1GB-7D", "quantity": 1, "currency": "USD", "top_up_of": id}),
    )
    .key("t-order-topup")
    .token(&token)
    .send(&h.router)
    .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.json);
    assert_eq!(refused.code(), "not_allowed");
    assert_eq!(balance(&h).await, before, "nothing bought");
}

#[tokio::test]
async fn readiness_says_which_part_is_not_ready() {
    let h = harness();
    h.sandbox
        .inject_fault(esim_providers::sandbox::Fault::Unavailable);
    let down = get("/readyz").send(&h.router).await;
    assert_eq!(
        down.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        down.json
    );
    assert_eq!(down.json["status"], "not_ready");
    assert_eq!(down.json["database"], "ok");
    assert_eq!(
        down.code(),
        "provider_unavailable",
        "the one error shape too"
    );
    assert!(
        down.json["provider"]
            .as_str()
            .unwrap()
            .contains("did not answer"),
        "{}",
        down.json
    );
    let up = get("/readyz").send(&h.router).await;
    assert_eq!(up.status, StatusCode::OK, "{}", up.json);
    assert_eq!(
        up.json,
        json!({"status": "ready", "database": "ok", "provider": "ok"})
    );
    // Liveness says nothing of either.
    assert_eq!(get("/healthz").send(&h.router).await.status, StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_requests_provider_calls_caches_and_orders_for_their_token_only() {
    // Not configured: not there.
    let plain = harness();
    let absent = get("/metrics").send(&plain.router).await;
    assert_eq!(absent.status, StatusCode::NOT_FOUND);

    let mut config = config();
    config.metrics_token = Some(esim_providers::Secret::from("metrics-token-for-tests"));
    let h = harness_with(config, esim_providers::sandbox::SandboxConfig::default());
    guest_order(&h.router, "JP-1GB-7D", 1, "m1").await;
    for _ in 0..2 {
        get("/v1/packages?destination=JP&currency=USD")
            .send(&h.router)
            .await;
    }
    let refused = get("/metrics").token("not-the-token").send(&h.router).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        get("/metrics").send(&h.router).await.status,
        StatusCode::UNAUTHORIZED
    );
    let scraped = get("/metrics")
        .token("metrics-token-for-tests")
        .send(&h.router)
        .await;
    assert_eq!(scraped.status, StatusCode::OK);
    let text = &scraped.text;
    for line in [
        "esim_http_requests_total{route=\"/v1/orders\",status=\"201\"} 1",
        "esim_http_requests_total{route=\"/v1/packages\",status=\"200\"} 2",
        "esim_http_request_duration_seconds_count{route=\"/v1/orders\"} 1",
        "esim_provider_calls_total{operation=\"order\",outcome=\"ok\"} 1",
        "esim_orders{state=\"",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
    assert!(
        text.contains("esim_cache_lookups_total{cache=\"responses\",result=\"hit\"}")
            || text.contains("esim_cache_lookups_total{cache=\"packages\",result=\"hit\"}"),
        "a cache hit for the second packages read:\n{text}"
    );
    assert!(!text.contains("metrics-token-for-tests"));
}
