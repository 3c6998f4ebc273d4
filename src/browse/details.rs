//! A plan's details: coverage, operators and networks per country, top-ups, description.

use esim_core::Package;
use leptos::prelude::*;

use crate::context::use_shop;
use crate::i18n::Msg;
use crate::ui::back::BackLink;

/// Details of one plan, with the button that chooses it.
#[component]
pub(crate) fn PlanDetails(
    /// The plan, priced in the shopper's currency.
    package: Package,
    /// Names of destinations by code, to show countries by name.
    names: Vec<(String, String)>,
    /// Called when the shopper chooses the plan.
    on_choose: Callback<Package>,
    /// Called when the shopper goes back to the list.
    on_back: Callback<()>,
) -> impl IntoView {
    let shop = use_shop();
    let locale = shop.locale;
    // The shopper is one click from the checkout: fetch its code now.
    crate::later::prefetch_checkout();
    let name_of = move |code: &str| {
        names
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(code))
            .map_or_else(|| code.to_owned(), |(_, n)| n.clone())
    };
    let countries = package
        .countries
        .iter()
        .map(|c| name_of(c))
        .collect::<Vec<_>>()
        .join(", ");
    let networks = package
        .networks
        .iter()
        .map(|n| view! { <li>{name_of(&n.country)} ": " {n.operator.clone()} " (" {n.types.join(", ")} ")"</li> })
        .collect_view();
    let top_up = if package.top_up {
        locale.t(Msg::TopUpAvailable)
    } else {
        locale.t(Msg::TopUpUnavailable)
    };
    let heading = format!(
        "{} · {}",
        locale.volume(package.data),
        locale.validity(package.validity)
    );
    let chosen = package.clone();
    view! {
        <section class="details" part="plan-details" aria-labelledby="plan-details-title">
            <BackLink on_back />
            <h3 id="plan-details-title">{heading}</h3>
            <p class="plan-title">{package.title.clone()}</p>
            <p class="plan-price big">{locale.price(package.price)}</p>
            // Provider text is rendered as text, never as markup.
            {package.description.clone().map(|d| view! { <p class="description">{d}</p> })}
            <h4>{locale.t(Msg::Coverage)}</h4>
            <p class="coverage">{countries}</p>
            <h4>{locale.t(Msg::Networks)}</h4>
            <ul class="networks">{networks}</ul>
            <p class="top-up">{top_up}</p>
            <button type="button" class="button" part="button" on:click=move |_| on_choose.run(chosen.clone())>
                {locale.t(Msg::ChoosePlan)}
            </button>
        </section>
    }
}
