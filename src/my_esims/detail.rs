//! One eSIM: its usage (refreshed on demand, within the proxy's rate limits), how to install it
//! again, the plans applied to it, a top-up and, while it is unused, a cancellation.

use std::time::Duration;

use esim_core::api::Esim;
use esim_core::Lifecycle;
use leptos::html;
use leptos::prelude::*;

use super::cancel::CancelEsim;
use super::top_up::TopUp;
use super::UsageSummary;
use crate::api::ApiError;
use crate::context::use_shop;
use crate::i18n::Msg;
use crate::platform;
use crate::ui::back::BackLink;
use crate::ui::install_card::InstallCard;

/// How often an eSIM being prepared is asked about again, and how many times.
const PENDING_EVERY: Duration = Duration::from_secs(3);
const PENDING_TRIES: u32 = 100;

/// The detail of one eSIM.
#[component]
pub(super) fn EsimDetail(
    /// The eSIM as the list last saw it.
    esim: Esim,
    /// Back to the list.
    on_back: Callback<()>,
) -> impl IntoView {
    let shop = use_shop();
    let locale = shop.locale;
    let api = shop.buyer_api();
    let id = esim.id.clone();
    let current = RwSignal::new(esim);
    // What just happened, read out by screen readers ("Usage updated.", "Top-up added.").
    let notice: RwSignal<Option<String>> = RwSignal::new(None);
    let refreshing = RwSignal::new(false);
    let waiting = RwSignal::new(false);
    let heading = NodeRef::<html::H3>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });

    // Asks the proxy for fresh usage. A 429 carries how long to wait: the button stays off
    // for that long and says so, instead of hammering a rate-limited provider.
    let refresh = {
        let (api, id) = (api.clone(), id.clone());
        move || {
            let (api, id) = (api.clone(), id.clone());
            refreshing.set(true);
            leptos::task::spawn_local(async move {
                let answer = api.esim(&id, true).await;
                let _ = refreshing.try_set(false);
                match answer {
                    Ok(esim) => {
                        let _ = current.try_set(esim);
                        let _ = notice.try_set(Some(locale.t(Msg::Updated).to_owned()));
                    }
                    Err(ApiError::Api {
                        retry_after: Some(seconds),
                        ..
                    }) => {
                        let _ = notice.try_set(Some(locale.wait_seconds(seconds)));
                        let _ = waiting.try_set(true);
                        platform::sleep(Duration::from_secs(seconds)).await;
                        let _ = waiting.try_set(false);
                    }
                    Err(error) => {
                        let _ = notice.try_set(Some(error.message(locale)));
                    }
                }
            });
        }
    };

    // An eSIM being prepared: ask again (without forcing the provider) until it is ready.
    {
        let (api, id) = (api.clone(), id.clone());
        leptos::task::spawn_local(async move {
            for _ in 0..PENDING_TRIES {
                let pending =
                    current.try_with_untracked(|e| e.status.lifecycle == Lifecycle::Pending);
                if pending != Some(true) {
                    return;
                }
                platform::sleep(PENDING_EVERY).await;
                if let Ok(esim) = api.esim(&id, false).await {
                    if current.try_set(esim).is_some() {
                        return;
                    }
                }
            }
        });
    }

    // The page asked for fresh data (`element.refresh()`): ask the provider again.
    {
        let reload = shop.reload.clone();
        let refresh = refresh.clone();
        Effect::new(move |first: Option<()>| {
            reload.track();
            if first.is_some() {
                refresh();
            }
        });
    }

    let on_change = Callback::new(move |(esim, message): (Esim, String)| {
        current.set(esim);
        notice.set(Some(message));
    });

    let install = move || {
        let esim = current.get();
        let info = esim.install.filter(|_| esim.actions.install)?;
        let data = esim.usage.map(|u| u.total);
        Some(view! {
            <section class="esim-section" aria-labelledby="install-title">
                <h4 id="install-title">{locale.t(Msg::Install)}</h4>
                <InstallCard code=Ok(info.activation_code) data apn=info.apn />
            </section>
        })
    };
    let history = move || {
        let uses = current.with(|e| e.history.clone());
        (!uses.is_empty()).then(|| {
            view! {
                <section class="esim-section" aria-labelledby="history-title">
                    <h4 id="history-title">{locale.t(Msg::History)}</h4>
                    <ul class="history">
                        {uses
                            .into_iter()
                            .map(|u| {
                                let badge = u.top_up.then(|| {
                                    view! { <span class="badge">{locale.t(Msg::TopUpBadge)}</span> }
                                });
                                view! {
                                    <li>
                                        <span class="history-title">{u.title}</span>
                                        {badge}
                                        <span class="history-meta">
                                            {format!("{} · {} · {}", locale.volume(u.data), locale.validity(u.validity), locale.date(u.added_at))}
                                        </span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </section>
            }
        })
    };
    // Memos, so that a refresh that changes only usage does not reset a top-up in progress.
    let id = current.with_untracked(|e| e.id.clone());
    let may_top_up = Memo::new(move |_| current.with(|e| e.actions.top_up));
    let cancel_state = Memo::new(move |_| {
        current.with(|e| {
            let topped_up = e.history.iter().any(|p| p.top_up);
            (e.actions.cancel, e.status.lifecycle, topped_up)
        })
    });
    let top_up = {
        let id = id.clone();
        move || {
            may_top_up
                .get()
                .then(|| view! { <TopUp esim_id=id.clone() on_change /> })
        }
    };
    // Why an eSIM cannot be cancelled is worth saying only where the provider cancels at all.
    let provider_cancels = shop.storefront();
    let cancel = move || match cancel_state.get() {
        (true, _, _) => view! { <CancelEsim esim_id=id.clone() on_change /> }.into_any(),
        (
            false,
            lifecycle @ (Lifecycle::Ready | Lifecycle::Active | Lifecycle::Depleted),
            topped_up,
        ) if provider_cancels.with(|s| matches!(s, Some(Ok(s)) if s.features.cancel)) => {
            // Unused but refused: a card shop refunds an eSIM's own price only, so one that
            // was topped up is cancelled by the shop, not here.
            let why = if lifecycle == Lifecycle::Ready && topped_up {
                Msg::CancelAfterTopUp
            } else {
                Msg::CancelNotAllowed
            };
            view! { <p class="hint cancel-note">{locale.t(why)}</p> }.into_any()
        }
        _ => ().into_any(),
    };

    view! {
        <div class="esim-detail" data-id=move || current.with(|e| e.id.clone())>
            <BackLink on_back label=Msg::BackToEsims />
            <div class="esim-head">
                <h3 class="esim-title" tabindex="-1" node_ref=heading>
                    {move || current.with(|e| e.title.clone())}
                </h3>
                {move || {
                    let state = current.with(|e| e.status.lifecycle);
                    view! {
                        <span class=format!("status status-{}", state.as_str())>
                            {locale.lifecycle(state)}
                        </span>
                    }
                }}
            </div>
            <p class="hint iccid">"ICCID " <code>{move || current.with(|e| e.iccid.clone())}</code></p>
            {move || view! { <UsageSummary esim=current.get() /> }}
            <button type="button" class="button secondary refresh"
                disabled=move || refreshing.get() || waiting.get()
                on:click={
                    let refresh = refresh.clone();
                    move |_| refresh()
                }>
                {move || if refreshing.get() { locale.t(Msg::Refreshing) } else { locale.t(Msg::Refresh) }}
            </button>
            <p class="notice" role="status" aria-live="polite">{move || notice.get()}</p>
            {install}
            {top_up}
            {history}
            {cancel}
        </div>
    }
}
