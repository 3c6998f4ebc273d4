//! The package browser: find a destination, compare its plans, open one, choose it.

mod card;
mod destination;
mod details;

use esim_core::api::DestinationSummary;
use esim_core::{
    Destination, DestinationIndex, DestinationKind, Money, Package, PackageQuery, SortKey, Volume,
};
use leptos::prelude::*;

use crate::context::use_shop;
use crate::fetched::Fetched;
use crate::i18n::Msg;
use crate::ui::status::{Empty, ErrorWithRetry, Skeleton};
use crate::ui::tabs::tab_key;
use card::PlanCard;
use destination::DestinationButton;
use details::PlanDetails;

/// Destinations shown before the shopper types anything.
const POPULAR: &[&str] = &[
    "JP", "US", "GB", "FR", "IT", "ES", "TH", "TR", "DE", "MX", "ID", "AE",
];
/// Most suggestions shown while typing.
const MAX_SUGGESTIONS: usize = 8;

/// What the shopper limits plans to, besides unlimited plans only.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Limits {
    min_gb: Option<u64>,
    min_days: Option<u32>,
    max_price: Option<Money>,
}

/// The package browser panel.
#[component]
pub(crate) fn PackageBrowser(
    /// A destination code to open at first ("JP"), if any.
    initial: Option<String>,
    /// Called with the plan the shopper chooses.
    on_choose: Callback<Package>,
) -> impl IntoView {
    let shop = use_shop();
    let locale = shop.locale;
    let query = RwSignal::new(String::new());
    let tab = RwSignal::new(DestinationKind::Country);
    let chosen: RwSignal<Option<Destination>> = RwSignal::new(None);
    // The code whose plans are loaded. Set from `initial` at once, so that a page opening on a
    // destination loads its plans alongside the destination list, not after it.
    let wanted: RwSignal<Option<String>> =
        RwSignal::new(initial.as_ref().map(|c| c.trim().to_ascii_uppercase()));
    let sort = RwSignal::new(SortKey::Price);
    let unlimited_only = RwSignal::new(false);
    let limits = RwSignal::new(Limits::default());
    // The prices a "price up to" filter offers: some of the destination's own plan prices.
    let price_points: RwSignal<Vec<Money>> = RwSignal::new(Vec::new());
    let choose = move |d: Option<Destination>| {
        wanted.set(d.as_ref().map(|d| d.code.clone()));
        chosen.set(d);
        limits.set(Limits::default());
        price_points.set(Vec::new());
    };
    let opened: RwSignal<Option<Package>> = RwSignal::new(None);

    let destinations = {
        let shop = shop.clone();
        Fetched::new(move || {
            let (api, currency) = (shop.api.clone(), shop.currency.get());
            async move { api.destinations(currency.as_deref()).await }
        })
    };
    let packages = {
        let shop = shop.clone();
        Fetched::new(move || {
            let (api, currency) = (shop.api.clone(), shop.currency.get());
            let destination = wanted.get();
            let (sort, unlimited, limits) = (sort.get(), unlimited_only.get(), limits.get());
            async move {
                let Some(code) = destination else {
                    return Ok(None);
                };
                let query = PackageQuery {
                    destination: Some(code),
                    min_data: limits.min_gb.and_then(|gb| Volume::from_gigabytes(gb).ok()),
                    min_days: limits.min_days,
                    max_price: limits.max_price,
                    unlimited: unlimited.then_some(true),
                    sort,
                    ..PackageQuery::default()
                };
                api.packages(&query, currency.as_deref()).await.map(Some)
            }
        })
    };

    // Price points come from a list not limited by price, so that they stay put as one is
    // chosen: the cheapest plan and prices a quarter, half and three quarters up the range.
    Effect::new(move |_| {
        if limits.with_untracked(|l| l.max_price.is_some()) {
            return;
        }
        packages.with(|list| {
            if let Some(Ok(Some(list))) = list {
                let mut prices: Vec<Money> = list.packages.iter().map(|p| p.price).collect();
                prices.sort_by_key(Money::minor);
                prices.dedup();
                let n = prices.len();
                let mut points: Vec<Money> = [0, n / 4, n / 2, 3 * n / 4]
                    .into_iter()
                    .filter_map(|i| prices.get(i).copied())
                    .collect();
                points.dedup();
                price_points.set(points);
            }
        });
    });

    // Open the destination asked for at mount, once the destinations are known.
    if let Some(code) = initial {
        Effect::new(move |done: Option<bool>| {
            if done == Some(true) {
                return true;
            }
            match destinations.get() {
                Some(Ok(list)) => {
                    let found = list
                        .destinations
                        .into_iter()
                        .find(|d| d.destination.code.eq_ignore_ascii_case(&code));
                    match found {
                        Some(found) => {
                            tab.set(found.destination.kind);
                            chosen.set(Some(found.destination));
                        }
                        None => wanted.set(None),
                    }
                    true
                }
                _ => false,
            }
        });
    }

    // Names folded once per destination list, not at every keystroke.
    let index = Memo::new(move |_| {
        destinations.with(|list| match list {
            Some(Ok(list)) => {
                let plain: Vec<Destination> = list
                    .destinations
                    .iter()
                    .map(|d| d.destination.clone())
                    .collect();
                DestinationIndex::new(&plain)
            }
            _ => DestinationIndex::default(),
        })
    });
    let all_destinations = move || -> Vec<DestinationSummary> {
        match destinations.get() {
            Some(Ok(list)) => list.destinations,
            _ => Vec::new(),
        }
    };
    let choose_destination = move |d: Destination| {
        tab.set(d.kind);
        query.set(String::new());
        opened.set(None);
        choose(Some(d));
    };
    let select_tab = move |kind: DestinationKind| {
        tab.set(kind);
        opened.set(None);
        if kind == DestinationKind::Global {
            let global = all_destinations()
                .into_iter()
                .find(|d| d.destination.kind == DestinationKind::Global);
            choose(global.map(|d| d.destination));
        } else {
            choose(None);
        }
    };

    const TABS: [(DestinationKind, Msg); 3] = [
        (DestinationKind::Country, Msg::TabLocal),
        (DestinationKind::Region, Msg::TabRegional),
        (DestinationKind::Global, Msg::TabGlobal),
    ];
    let on_tab_key = move |ev: leptos::ev::KeyboardEvent| {
        let current = TABS
            .iter()
            .position(|(kind, _)| *kind == tab.get_untracked())
            .unwrap_or(0);
        if let Some(next) = tab_key(&ev, current, TABS.len()) {
            select_tab(TABS[next].0);
        }
    };
    let tabs = TABS
        .into_iter()
        .map(|(kind, label)| {
            view! {
                <button type="button" role="tab" class="tab" id=format!("tab-{}", kind.as_str())
                    aria-selected=move || (tab.get() == kind).to_string()
                    tabindex=move || if tab.get() == kind { "0" } else { "-1" }
                    on:click=move |_| select_tab(kind)>
                    {locale.t(label)}
                </button>
            }
        })
        .collect_view();

    let suggestions = move || {
        let text = query.get();
        if text.trim().is_empty() {
            return None;
        }
        let hits = index.with(|index| index.search(&text));
        let found: Vec<DestinationSummary> = destinations.with(|list| match list {
            Some(Ok(list)) => hits
                .into_iter()
                .take(MAX_SUGGESTIONS)
                .filter_map(|i| list.destinations.get(i).cloned())
                .collect(),
            _ => Vec::new(),
        });
        Some(if found.is_empty() {
            view! { <Empty message=locale.t(Msg::NoDestinations) /> }.into_any()
        } else {
            view! {
                <ul class="suggestions" id="destination-suggestions" aria-label=locale.t(Msg::WhereTo)>
                    {found.into_iter().map(|s| view! { <DestinationButton summary=s on_pick=Callback::new(choose_destination) /> }).collect_view()}
                </ul>
            }
            .into_any()
        })
    };

    let start_list = move || {
        let all = all_destinations();
        let picks: Vec<DestinationSummary> = match tab.get() {
            DestinationKind::Country => POPULAR
                .iter()
                .filter_map(|code| all.iter().find(|d| d.destination.code == *code).cloned())
                .collect(),
            DestinationKind::Region => all
                .into_iter()
                .filter(|d| d.destination.kind == DestinationKind::Region)
                .collect(),
            DestinationKind::Global => Vec::new(),
        };
        let heading = (tab.get() == DestinationKind::Country)
            .then(|| view! { <h3 class="subtle">{locale.t(Msg::Popular)}</h3> });
        view! {
            {heading}
            <ul class="destinations">
                {picks.into_iter().map(|s| view! { <DestinationButton summary=s on_pick=Callback::new(choose_destination) /> }).collect_view()}
            </ul>
        }
    };

    let plans = move || {
        let names: Vec<(String, String)> = all_destinations()
            .into_iter()
            .map(|d| (d.destination.code, d.destination.name))
            .collect();
        if let Some(package) = opened.get() {
            return view! {
                <PlanDetails package names on_choose on_back=Callback::new(move |()| opened.set(None)) />
            }
            .into_any();
        }
        let destination = chosen.get();
        let header = destination.clone().map(|d| {
            let changeable = d.kind != DestinationKind::Global;
            view! {
                <div class="plans-header">
                    <h3>{locale.t(Msg::PlansFor)} " " {d.name.clone()}</h3>
                    {changeable.then(|| view! {
                        <button type="button" class="link" on:click=move |_| choose(None)>{locale.t(Msg::Change)}</button>
                    })}
                </div>
                <div class="filters">
                    <label>
                        {locale.t(Msg::SortBy)} " "
                        <select class="sort" on:change=move |ev| sort.set(SortKey::parse(&event_target_value(&ev)).unwrap_or_default())
                            prop:value=move || sort.get().as_str()>
                            <option value="price">{locale.t(Msg::SortPrice)}</option>
                            <option value="data">{locale.t(Msg::SortData)}</option>
                            <option value="days">{locale.t(Msg::SortDays)}</option>
                            <option value="price_per_gb">{locale.t(Msg::SortPricePerGb)}</option>
                        </select>
                    </label>
                    <label>
                        {locale.t(Msg::FilterData)} " "
                        <select class="filter-data" on:change=move |ev| {
                            let gb = event_target_value(&ev).parse().ok();
                            limits.update(|l| l.min_gb = gb);
                        }>
                            <option value="">{locale.t(Msg::Any)}</option>
                            {[1u64, 3, 5, 10, 20].into_iter().map(|gb| view! {
                                <option value=gb.to_string()>{format!("{}+", locale.volume(esim_core::Volume::Bytes(gb << 30)))}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>
                        {locale.t(Msg::FilterDays)} " "
                        <select class="filter-days" on:change=move |ev| {
                            let days = event_target_value(&ev).parse().ok();
                            limits.update(|l| l.min_days = days);
                        }>
                            <option value="">{locale.t(Msg::Any)}</option>
                            {[3u32, 7, 15, 30].into_iter().map(|days| view! {
                                <option value=days.to_string()>{format!("{}+", locale.validity(esim_core::Validity { amount: days, unit: esim_core::ValidityUnit::Day }))}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>
                        {locale.t(Msg::FilterPrice)} " "
                        <select class="filter-price" on:change=move |ev| {
                            let minor: Option<i64> = event_target_value(&ev).parse().ok();
                            let price = minor.and_then(|m| {
                                price_points.with_untracked(|p| p.iter().find(|x| x.minor() == m).copied())
                            });
                            limits.update(|l| l.max_price = price);
                        }>
                            <option value="">{locale.t(Msg::Any)}</option>
                            {move || price_points.get().into_iter().map(|price| view! {
                                <option value=price.minor().to_string()>{format!("≤ {}", locale.price(price))}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || unlimited_only.get()
                            on:change=move |ev| unlimited_only.set(event_target_checked(&ev)) />
                        {locale.t(Msg::OnlyUnlimited)}
                    </label>
                </div>
            }
        });
        let list = move || {
            match packages.get() {
            None => view! { <Skeleton count=4 /> }.into_any(),
            Some(Err(error)) => view! { <ErrorWithRetry error on_retry=Callback::new(move |()| packages.refetch()) /> }.into_any(),
            Some(Ok(None)) => ().into_any(),
            Some(Ok(Some(list))) if list.packages.is_empty() => view! { <Empty message=locale.t(Msg::NoPlans) /> }.into_any(),
            Some(Ok(Some(list))) => view! {
                <ul class="plans" aria-label=locale.t(Msg::PlansFor)>
                    {list.packages.into_iter().map(|package| view! {
                        <PlanCard package on_open=Callback::new(move |p| opened.set(Some(p))) />
                    }).collect_view()}
                </ul>
            }
            .into_any(),
        }
        };
        match destination {
            Some(_) => view! { {header} {list} }.into_any(),
            None => ().into_any(),
        }
    };

    let body = move || {
        match destinations.get() {
        None => view! { <Skeleton count=6 /> }.into_any(),
        Some(Err(error)) => {
            view! { <ErrorWithRetry error on_retry=Callback::new(move |()| destinations.refetch()) /> }.into_any()
        }
        Some(Ok(_)) if wanted.get().is_some() => plans().into_any(),
        Some(Ok(_)) => view! { {suggestions} {move || query.get().trim().is_empty().then(start_list)} }.into_any(),
    }
    };

    view! {
        <section class="browse" part="browse">
            <label class="search-label" for="destination-search">{locale.t(Msg::WhereTo)}</label>
            <input id="destination-search" class="search" type="search" autocomplete="off"
                placeholder=locale.t(Msg::SearchPlaceholder)
                prop:value=move || query.get()
                on:input=move |ev| {
                    query.set(event_target_value(&ev));
                    choose(None);
                    opened.set(None);
                } />
            <div class="tabs" role="tablist" aria-label=locale.t(Msg::WhereTo) on:keydown=on_tab_key>{tabs}</div>
            <div class="panel-body" role="tabpanel" aria-live="polite">{body}</div>
        </section>
    }
}
