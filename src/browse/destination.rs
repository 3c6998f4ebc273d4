//! One destination in the browser's list: its name and its "from" price.

use esim_core::api::DestinationSummary;
use esim_core::Destination;
use leptos::prelude::*;

use crate::context::use_shop;
use crate::i18n::Msg;

/// A destination the shopper can pick, with its "from" price.
#[component]
pub(super) fn DestinationButton(
    /// The destination and its cheapest price.
    summary: DestinationSummary,
    /// Called when picked.
    on_pick: Callback<Destination>,
) -> impl IntoView {
    let shop = use_shop();
    let locale = shop.locale;
    let from = summary
        .from_price
        .map(|p| format!("{} {}", locale.t(Msg::From), locale.price(p)));
    let destination = summary.destination.clone();
    view! {
        <li class="destination">
            <button type="button" class="destination-button" on:click=move |_| on_pick.run(destination.clone())>
                <span class="destination-name">{summary.destination.name.clone()}</span>
                <span class="destination-from">{from}</span>
            </button>
        </li>
    }
}
