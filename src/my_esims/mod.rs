//! "My eSIMs": the shopper's eSIMs with their state, data left and days left.

use esim_core::api::{Esim, EsimList};
use leptos::prelude::*;

use crate::context::use_shop;
use crate::i18n::Msg;
use crate::ui::status::{Empty, ErrorWithRetry, Skeleton};

/// The list of the shopper's eSIMs (a customer's, or this browser's guest's).
#[component]
pub(crate) fn MyEsims() -> impl IntoView {
    let shop = use_shop();
    let locale = shop.locale;
    let api = shop.buyer_api();
    let list = LocalResource::new(move || {
        let api = api.clone();
        async move {
            // A browser that never bought here has nobody to ask about.
            if api.token().is_none() {
                return Ok(Vec::new());
            }
            api.get::<EsimList>("/v1/esims").await.map(|l| l.esims)
        }
    });
    let body = move || {
        match list.get() {
        None => view! { <Skeleton count=2 /> }.into_any(),
        Some(Err(error)) => view! { <ErrorWithRetry error on_retry=Callback::new(move |()| list.refetch()) /> }.into_any(),
        Some(Ok(esims)) if esims.is_empty() => view! { <Empty message=locale.t(Msg::NoEsims) /> }.into_any(),
        Some(Ok(esims)) => view! {
            <ul class="esims">{esims.into_iter().map(|esim| view! { <EsimRow esim /> }).collect_view()}</ul>
        }
        .into_any(),
    }
    };
    view! {
        <section class="my-esims" part="my-esims" aria-labelledby="my-esims-title">
            <h3 id="my-esims-title">{locale.t(Msg::MyEsims)}</h3>
            {body}
        </section>
    }
}

/// One eSIM: plan, state, data used and left, days left.
#[component]
fn EsimRow(
    /// The eSIM as the proxy reports it.
    esim: Esim,
) -> impl IntoView {
    let locale = use_shop().locale;
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let state = esim.status.lifecycle;
    let per_mille = esim.used_per_mille();
    let usage = esim.usage.map(|u| {
        format!(
            "{} / {}",
            locale.volume(esim_core::Volume::Bytes(u.used)),
            locale.volume(u.total)
        )
    });
    let bar = per_mille.map(|pm| {
        // Integer arithmetic only: formatting a float would add float printing to the bundle.
        let percent = (pm + 5) / 10;
        view! {
            <div class="usage-bar" role="progressbar" aria-label=locale.t(Msg::DataUsage)
                aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent.to_string()>
                <span class="usage-fill" style=format!("width: {}.{}%", pm / 10, pm % 10)></span>
            </div>
        }
    });
    let time = match esim.days_left(now) {
        Some(days) => locale.days_left(days),
        None => format!(
            "{} · {}",
            locale.t(Msg::NotStarted),
            locale.validity(esim.validity)
        ),
    };
    view! {
        <li class="esim" data-id=esim.id.clone()>
            <div class="esim-head">
                <span class="esim-title">{esim.title.clone()}</span>
                <span class=format!("status status-{}", state.as_str())>{locale.lifecycle(state)}</span>
            </div>
            {bar}
            <p class="esim-usage">{usage}</p>
            <p class="esim-time">{time}</p>
        </li>
    }
}
