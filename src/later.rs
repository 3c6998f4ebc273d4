//! The panels a first visit does not need, fetched when they are about to show.
//!
//! A first visit shows plans; the checkout, the shopper's eSIMs and the install card wait until
//! the shopper is about to open them (`prefetch_*`) or opens them. With the `split` feature (the release bundle, see `cargo xtask dist`) each function
//! below is a split point: `wasm_split_cli_support` moves it, and everything only it reaches,
//! into a wasm chunk of its own, and calling it fetches that chunk first. Without the feature
//! (browser tests, debug builds) the same functions are plain calls, and nothing is fetched.
//!
//! A chunk that cannot be fetched (the network went away between the first visit and the click)
//! is a failure the shopper can retry, never a crash: the split points are `fallible`.

#[cfg(feature = "split")]
use std::{cell::RefCell, future::Future, pin::Pin, rc::Rc};

use esim_core::activation::ActivationCode;
use esim_core::{Package, Volume};
use leptos::prelude::*;

#[cfg(feature = "split")]
use crate::{
    api::ApiError,
    ui::back::BackLink,
    ui::status::{ErrorWithRetry, Skeleton},
};

/// A chunk could not be fetched or instantiated.
#[derive(Debug)]
pub(crate) struct Unloaded;

impl From<leptos::wasm_split::SplitLoaderError> for Unloaded {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Unloaded {
        Unloaded
    }
}

/// What a split point returns: the panel, or why its code is not here.
type Loaded = Result<AnyView, Unloaded>;

#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(
        checkout,
        wasm_split_path = ::leptos::wasm_split,
        fallible,
        preload(preload_checkout)
    )
)]
fn checkout_panel(package: Package, on_back: Callback<()>) -> Loaded {
    use crate::checkout::Checkout;
    Ok(view! { <Checkout package on_back /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(checkout, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn checkout_of_panel(code: String) -> Loaded {
    use crate::checkout::CheckoutOf;
    Ok(view! { <CheckoutOf code /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(
        my_esims,
        wasm_split_path = ::leptos::wasm_split,
        fallible,
        preload(preload_my_esims)
    )
)]
fn my_esims_panel(on_shop: Option<Callback<()>>) -> Loaded {
    use crate::my_esims::MyEsims;
    Ok(match on_shop {
        Some(on_shop) => view! { <MyEsims on_shop /> }.into_any(),
        None => view! { <MyEsims /> }.into_any(),
    })
}

// With the checkout, not in a module of its own: its code is all shared with the checkout and
// my eSIMs, so its own module would be a few hundred bytes, which bundlers such as Vite inline
// as a data: URL that a strict `connect-src` refuses to fetch.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(checkout, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn install_panel(code: Result<ActivationCode, String>, data: Option<Volume>) -> Loaded {
    use crate::ui::install_card::InstallCard;
    Ok(view! { <InstallCard code data /> }.into_any())
}

/// Shows a split point's panel: split, through [`later`]; not split, at once (its call cannot
/// fail then).
macro_rules! show {
    ($panel:ident($($arg:ident),*), back: $back:expr) => {{
        #[cfg(feature = "split")]
        let shown = later(
            Rc::new(move || {
                $(let $arg = $arg.clone();)*
                Box::pin(async move { $panel($($arg),*).await })
            }),
            $back,
        );
        #[cfg(not(feature = "split"))]
        let shown = {
            let _: Option<Callback<()>> = $back;
            $panel($($arg),*).unwrap_or_else(|Unloaded| ().into_any())
        };
        shown
    }};
}

/// The checkout for a plan already known.
pub(crate) fn checkout(package: Package, on_back: Callback<()>) -> AnyView {
    show!(checkout_panel(package, on_back), back: Some(on_back))
}

/// The checkout for a plan known by its code (the page's `<esim-checkout package="…">`).
pub(crate) fn checkout_of(code: String) -> AnyView {
    show!(checkout_of_panel(code), back: None)
}

/// The shopper's eSIMs.
pub(crate) fn my_esims(on_shop: Option<Callback<()>>) -> AnyView {
    show!(my_esims_panel(on_shop), back: None)
}

/// Installation details for one activation code.
pub(crate) fn install(code: Result<ActivationCode, String>, data: Option<Volume>) -> AnyView {
    show!(install_panel(code, data), back: None)
}

/// Starts fetching the checkout's code, when a shopper is about to need it (a plan's details
/// are open). A failure is forgotten: opening the checkout tries again, and says so.
pub(crate) fn prefetch_checkout() {
    #[cfg(feature = "split")]
    leptos::task::spawn_local(async {
        let _ = preload_checkout().await;
    });
}

/// Starts fetching my eSIMs' code (the pointer or the focus is on its tab).
pub(crate) fn prefetch_my_esims() {
    #[cfg(feature = "split")]
    leptos::task::spawn_local(async {
        let _ = preload_my_esims().await;
    });
}

/// A split point's future, boxed so that every panel shares one `later`.
#[cfg(feature = "split")]
type Load = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Loaded>>>>;

/// Where a panel's code is.
#[cfg(feature = "split")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fetch {
    Waiting,
    Failed,
    Ready,
}

/// Shows a skeleton while `load` runs, then its panel, or an error with a retry if the panel's
/// code could not be fetched (and a way back, when there is somewhere to go back to: a shopper
/// who stays offline is not stuck on a checkout that cannot load).
#[cfg(feature = "split")]
fn later(load: Load, back: Option<Callback<()>>) -> AnyView {
    let state = RwSignal::new(Fetch::Waiting);
    let panel: Rc<RefCell<Option<AnyView>>> = Rc::default();
    // Every attempt, the first and each retry, runs under this owner: the panel is made
    // under it (and finds the shop in context), and the attempt is dropped if the view goes
    // while the chunk is on its way. Not under the retry button's owner, which goes as soon
    // as the skeleton replaces the error.
    let owner = Owner::current().unwrap_or_default();
    let start = {
        let panel = panel.clone();
        move || {
            let (load, panel) = (load.clone(), panel.clone());
            state.set(Fetch::Waiting);
            owner.with(|| {
                untrack(|| {
                    leptos::reactive::spawn_local_scoped_with_cancellation(async move {
                        match load().await {
                            Ok(view) => {
                                *panel.borrow_mut() = Some(view);
                                state.set(Fetch::Ready);
                            }
                            Err(Unloaded) => state.set(Fetch::Failed),
                        }
                    })
                })
            });
        }
    };
    start();
    // Kept in the arena: a `Callback` must be `Send`, the loader is not.
    let (start, panel) = (StoredValue::new_local(start), StoredValue::new_local(panel));
    let shown = move || match state.get() {
        Fetch::Waiting => view! { <Skeleton count=1 /> }.into_any(),
        Fetch::Failed => {
            let on_retry = Callback::new(move |()| start.with_value(|start| start()));
            let back = back.map(|on_back| view! { <BackLink on_back /> });
            view! { {back} <ErrorWithRetry error=ApiError::Network on_retry /> }.into_any()
        }
        Fetch::Ready => panel
            .with_value(|panel| panel.borrow_mut().take())
            .unwrap_or_else(|| ().into_any()),
    };
    shown.into_any()
}
