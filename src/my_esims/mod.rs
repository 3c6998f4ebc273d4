//! "My eSIMs": the shopper's eSIMs with their state, data left and days left, and one eSIM at
//! a time to install again, refresh, top up or cancel.

mod cancel;
mod detail;
mod top_up;

use std::time::Duration;

use esim_core::api::Esim;
use esim_core::Lifecycle;
use leptos::html;
use leptos::prelude::*;

use crate::context::use_shop;
use crate::fetched::Fetched;
use crate::i18n::Msg;
use crate::platform;
use crate::ui::status::{Empty, ErrorWithRetry, Skeleton};
use detail::EsimDetail;

/// How often eSIMs still being prepared are asked about again.
const PENDING_EVERY: Duration = Duration::from_secs(3);

/// The list of the shopper's eSIMs (a customer's, or this browser's guest's), or one of them.
#[component]
pub(crate) fn MyEsims(
    /// Called when the shopper, having none, wants to find a plan (the shop's tab switch).
    #[prop(optional)]
    on_shop: Option<Callback<()>>,
) -> impl IntoView {
    let shop = use_shop();
    let locale = shop.locale;
    let api = shop.buyer_api();
    let reload = shop.reload.clone();
    let shop = StoredValue::new(shop);
    let list = Fetched::new(move || {
        reload.track();
        let api = api.clone();
        async move {
            // A browser that never bought here has nobody to ask about.
            if api.token().is_none() {
                return Ok(Vec::new());
            }
            api.esims().await.map(|l| l.esims)
        }
    });
    // The eSIM open in detail, by id; the list is loaded again when it closes.
    let open: RwSignal<Option<String>> = RwSignal::new(None);
    let heading = NodeRef::<html::H3>::new();

    // eSIMs being prepared become ready within seconds: ask again until none is pending.
    Effect::new(move |_| {
        let pending = list.with(|l| {
            matches!(l, Some(Ok(esims)) if esims.iter().any(|e| e.status.lifecycle == Lifecycle::Pending))
        });
        if pending {
            leptos::task::spawn_local(async move {
                platform::sleep(PENDING_EVERY).await;
                if open.try_get_untracked() == Some(None) {
                    list.refetch();
                }
            });
        }
    });

    let on_back = Callback::new(move |()| {
        open.set(None);
        list.refetch();
        if let Some(h) = heading.get_untracked() {
            let _ = h.focus();
        }
    });
    let body = move || {
        // The detail keeps itself up to date; the list reloading behind it must not rebuild it.
        if let Some(id) = open.get() {
            let esim = list.with_untracked(|l| match l {
                Some(Ok(esims)) => esims.iter().find(|e| e.id == id).cloned(),
                _ => None,
            });
            if let Some(esim) = esim {
                return view! { <EsimDetail esim on_back /> }.into_any();
            }
        }
        match list.get() {
            None => view! { <Skeleton count=2 /> }.into_any(),
            Some(Err(error)) => {
                let on_retry = Callback::new(move |()| list.refetch());
                view! { <ErrorWithRetry error on_retry /> }.into_any()
            }
            Some(Ok(esims)) if esims.is_empty() => {
                // In the shop this opens its other tab; on its own, the page hears `esim:browse`
                // and shows its plans.
                let find = move |_| match on_shop {
                    Some(go) => go.run(()),
                    None => shop.with_value(|shop| shop.emit("esim:browse", &())),
                };
                view! {
                    <Empty message=locale.t(Msg::NoEsims) />
                    <button type="button" class="button find-plan" on:click=find>
                        {locale.t(Msg::FindPlan)}
                    </button>
                }
                .into_any()
            }
            Some(Ok(esims)) => view! {
                <ul class="esims">
                    {esims
                        .into_iter()
                        .map(|esim| {
                            let id = esim.id.clone();
                            let on_open = Callback::new(move |()| open.set(Some(id.clone())));
                            view! { <EsimRow esim on_open /> }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any(),
        }
    };
    view! {
        <section class="my-esims" part="my-esims" aria-labelledby="my-esims-title">
            <h3 id="my-esims-title" tabindex="-1" node_ref=heading>{locale.t(Msg::MyEsims)}</h3>
            {body}
        </section>
    }
}

/// One eSIM in the list: plan, state, data used and left, days left, and a way in.
#[component]
fn EsimRow(
    /// The eSIM as the proxy reports it.
    esim: Esim,
    /// Opens this eSIM.
    on_open: Callback<()>,
) -> impl IntoView {
    let locale = use_shop().locale;
    let state = esim.status.lifecycle;
    let label = format!("{}: {}", locale.t(Msg::Details), esim.title);
    view! {
        <li class="esim" data-id=esim.id.clone()>
            <div class="esim-head">
                <span class="esim-title">{esim.title.clone()}</span>
                <span class=format!("status status-{}", state.as_str())>{locale.lifecycle(state)}</span>
            </div>
            <UsageSummary esim=esim.clone() />
            <button type="button" class="button secondary open-esim" aria-label=label
                on:click=move |_| on_open.run(())>
                {locale.t(Msg::Details)}
            </button>
        </li>
    }
}

/// The usage bar (when the plan has a data cap), data used of the total, and the time left.
#[component]
fn UsageSummary(
    /// The eSIM as the proxy reports it.
    esim: Esim,
) -> impl IntoView {
    let locale = use_shop().locale;
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let bar = esim.used_per_mille().map(|pm| {
        // Integer arithmetic only: formatting a float would add float printing to the bundle.
        let percent = (pm + 5) / 10;
        view! {
            <div class="usage-bar" role="progressbar" aria-label=locale.t(Msg::DataUsage)
                aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent.to_string()>
                <span class="usage-fill" style:width=format!("{}.{}%", pm / 10, pm % 10)></span>
            </div>
        }
    });
    let in_use = esim.status.lifecycle == esim_core::Lifecycle::Active;
    let usage = match esim.usage {
        Some(u) => Some(locale.used_of(
            &locale.volume_like(esim_core::Volume::Bytes(u.used), u.total),
            &locale.volume(u.total),
        )),
        // Never a made-up 0: say that the supplier does not report it.
        None if in_use => Some(locale.t(Msg::UsageUnknown).to_owned()),
        None => None,
    };
    let ended = esim.status.lifecycle.is_final();
    let time = match (esim.days_left(now), esim.validity) {
        // Its state already says it: no days left, nor a start to wait for.
        _ if ended => String::new(),
        (Some(days), _) => locale.days_left(days),
        (None, Some(validity)) => format!(
            "{} · {}",
            locale.t(Msg::NotStarted),
            locale.validity(validity)
        ),
        (None, None) => locale.t(Msg::NotStarted).to_owned(),
    };
    view! {
        {bar}
        <p class="esim-usage">{usage}</p>
        <p class="esim-time">{time}</p>
    }
}
