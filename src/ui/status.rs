//! Loading skeletons, empty results and errors with a retry: the states every panel shares.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::context::use_shop;
use crate::i18n::Msg;

/// Grey placeholders shaped like cards while data loads.
#[component]
pub(crate) fn Skeleton(
    /// How many placeholder cards to draw.
    count: usize,
) -> impl IntoView {
    let shop = use_shop();
    view! {
        <div class="skeleton-list" aria-busy="true" role="status">
            <span class="visually-hidden">{shop.locale.t(Msg::Loading)}</span>
            {(0..count).map(|_| view! { <div class="skeleton" aria-hidden="true"></div> }).collect_view()}
        </div>
    }
}

/// A short message for an empty result.
#[component]
pub(crate) fn Empty(
    /// What to say.
    message: &'static str,
) -> impl IntoView {
    view! { <p class="empty" role="status">{message}</p> }
}

/// An error, in the shopper's words chosen from its code, and a retry button.
#[component]
pub(crate) fn ErrorWithRetry(
    /// What failed.
    error: ApiError,
    /// Called when the shopper asks to try again.
    on_retry: Callback<()>,
) -> impl IntoView {
    let shop = use_shop();
    let message = error.message(shop.locale);
    view! {
        <div class="error-box" role="alert">
            <p>{message}</p>
            <button type="button" class="button secondary" on:click=move |_| on_retry.run(())>
                {shop.locale.t(Msg::Retry)}
            </button>
        </div>
    }
}
