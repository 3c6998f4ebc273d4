//! `<esim-store>`: the whole shop in one element, with two tabs: buying a plan (browse, then
//! check out) and the shopper's eSIMs.

use esim_core::Package;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::browse::PackageBrowser;
use crate::context::{use_shop, Selected};
use crate::i18n::Msg;
use crate::later;
use crate::ui::tabs::tab_key;

/// Which step of buying is showing.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Browse,
    Checkout(Package),
}

/// The shop's two tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tab {
    Shop,
    MyEsims,
}

/// The tabs in their order on screen.
const TABS: [Tab; 2] = [Tab::Shop, Tab::MyEsims];

/// The shop: tabs for buying and for the shopper's eSIMs.
#[component]
pub(crate) fn StoreApp(
    /// A destination code to open at first ("JP").
    initial: Option<String>,
    /// The tab to show first.
    tab: Tab,
) -> impl IntoView {
    let shop = use_shop();
    let locale = shop.locale;
    let tab = RwSignal::new(tab);
    let step = RwSignal::new(Step::Browse);
    let tablist = NodeRef::<html::Div>::new();

    let on_choose = Callback::new(move |package: Package| {
        shop.emit("esim:select", &Selected::from(&package));
        step.set(Step::Checkout(package));
    });
    let on_back = Callback::new(move |()| step.set(Step::Browse));
    let go_shopping = Callback::new(move |()| {
        step.set(Step::Browse);
        tab.set(Tab::Shop);
        let shop_tab = tablist
            .get_untracked()
            .and_then(|list| list.query_selector("#tab-shop").ok().flatten())
            .and_then(|tab| tab.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(tab) = shop_tab {
            let _ = tab.focus();
        }
    });

    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let current = TABS
            .iter()
            .position(|t| *t == tab.get_untracked())
            .unwrap_or(0);
        if let Some(next) = tab_key(&ev, current, TABS.len()) {
            tab.set(TABS[next]);
        }
    };
    // A pointer on, or the focus in, the eSIMs tab: fetch its code before the click.
    let prefetch = |which: Tab| {
        if which == Tab::MyEsims {
            later::prefetch_my_esims();
        }
    };
    let tab_button = move |which: Tab, id: &'static str, panel: &'static str, label: Msg| {
        view! {
            <button type="button" role="tab" id=id class="tab" part="tab"
                aria-controls=panel
                aria-selected=move || (tab.get() == which).to_string()
                tabindex=move || if tab.get() == which { "0" } else { "-1" }
                on:click=move |_| tab.set(which)
                on:pointerenter=move |_| prefetch(which)
                on:focus=move |_| prefetch(which)>
                {locale.t(label)}
            </button>
        }
    };

    let panel = move || match tab.get() {
        Tab::Shop => {
            let initial = initial.clone();
            let body = move || match step.get() {
                Step::Browse => {
                    view! { <PackageBrowser initial=initial.clone() on_choose /> }.into_any()
                }
                Step::Checkout(package) => later::checkout(package, on_back).into_any(),
            };
            view! {
                <div role="tabpanel" id="panel-shop" aria-labelledby="tab-shop">{body}</div>
            }
            .into_any()
        }
        Tab::MyEsims => view! {
            <div role="tabpanel" id="panel-esims" aria-labelledby="tab-esims">
                {later::my_esims(Some(go_shopping))}
            </div>
        }
        .into_any(),
    };

    view! {
        <div class="store" part="store">
            <div class="tabs shop-tabs" role="tablist" node_ref=tablist on:keydown=on_key>
                {tab_button(Tab::Shop, "tab-shop", "panel-shop", Msg::TabShop)}
                {tab_button(Tab::MyEsims, "tab-esims", "panel-esims", Msg::MyEsims)}
            </div>
            {panel}
        </div>
    }
}
