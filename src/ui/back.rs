//! The link-styled button that leaves a panel for the one before it.

use leptos::prelude::*;

use crate::context::use_shop;
use crate::i18n::Msg;

/// "← Back" (or another label), calling `on_back`.
#[component]
pub(crate) fn BackLink(
    /// Called when the shopper goes back.
    on_back: Callback<()>,
    /// What the link says.
    #[prop(default = Msg::Back)]
    label: Msg,
) -> impl IntoView {
    let locale = use_shop().locale;
    view! {
        <button type="button" class="link back" on:click=move |_| on_back.run(())>
            "← " {locale.t(label)}
        </button>
    }
}
