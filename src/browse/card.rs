//! One plan as a card: data, validity, price, price per GB, badges.

use esim_core::Package;
use leptos::prelude::*;

use crate::context::use_shop;
use crate::i18n::Msg;

/// A plan card; activating it opens the plan's details.
#[component]
pub(crate) fn PlanCard(
    /// The plan, priced in the shopper's currency.
    package: Package,
    /// Called when the shopper opens the plan.
    on_open: Callback<Package>,
) -> impl IntoView {
    let shop = use_shop();
    let locale = shop.locale;
    let data = locale.volume(package.data);
    let validity = locale.validity(package.validity);
    let price = locale.price(package.price);
    let per_gb = package
        .price_per_gb()
        .map(|p| format!("{} {}", locale.price(p), locale.t(Msg::PerGb)));
    let network = package
        .best_network()
        .map(|n| view! { <span class="badge network">{n.to_owned()}</span> });
    let opened = package.clone();
    view! {
        <li class="plan">
            <button type="button" class="plan-card" part="plan-card" on:click=move |_| on_open.run(opened.clone())>
                <span class="plan-data">{data}</span>
                <span class="plan-validity">{validity}</span>
                <span class="badges">{network}</span>
                <span class="plan-price">{price}</span>
                <span class="plan-per-gb">{per_gb}</span>
            </button>
        </li>
    }
}
