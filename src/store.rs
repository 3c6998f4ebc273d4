//! `<esim-store>`: the whole shop in one element, from finding a plan to installing it.

use esim_core::Package;
use leptos::prelude::*;

use crate::browse::PackageBrowser;
use crate::checkout::Checkout;
use crate::context::{use_shop, Selected};

/// Which step of the shop is showing.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Browse,
    Checkout(Package),
}

/// The shop: the package browser, then the checkout of the chosen plan.
#[component]
pub(crate) fn StoreApp(
    /// A destination code to open at first ("JP").
    initial: Option<String>,
) -> impl IntoView {
    let shop = use_shop();
    let step = RwSignal::new(Step::Browse);
    let on_choose = Callback::new(move |package: Package| {
        shop.emit("esim:select", &Selected::from(&package));
        step.set(Step::Checkout(package));
    });
    let on_back = Callback::new(move |()| step.set(Step::Browse));
    move || match step.get() {
        Step::Browse => view! { <PackageBrowser initial=initial.clone() on_choose /> }.into_any(),
        Step::Checkout(package) => view! { <Checkout package on_back /> }.into_any(),
    }
}
