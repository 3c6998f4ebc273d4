//! Cancelling an unused eSIM, behind a confirmation dialog. The dialog is a native modal
//! `<dialog>`: the browser makes the rest of the page inert and Escape closes it. Tab and
//! Shift+Tab cycle between its buttons (the browser alone would let focus leave for its own
//! toolbar), and focus goes back to the button that opened it.

use esim_core::api::{ErrorCode, Esim, RefundState};
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::ApiError;
use crate::context::{use_shop, Failed};
use crate::i18n::{Locale, Msg};

/// The cancel button of one eSIM and its confirmation dialog.
#[component]
pub(super) fn CancelEsim(
    /// The eSIM to cancel.
    esim_id: String,
    /// Receives the cancelled eSIM, and what to tell the shopper.
    on_change: Callback<(Esim, String)>,
) -> impl IntoView {
    let shop = use_shop();
    let locale = shop.locale;
    let dialog = NodeRef::<html::Dialog>::new();
    let opener = NodeRef::<html::Button>::new();
    let keep = NodeRef::<html::Button>::new();
    let yes = NodeRef::<html::Button>::new();
    let busy = RwSignal::new(false);
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let esim_id = StoredValue::new(esim_id);

    let open = move |_| {
        error.set(None);
        if let Some(d) = dialog.get_untracked() {
            let _ = d.show_modal();
            // The safe choice first: Enter on an opened dialog must not cancel an eSIM.
            if let Some(k) = keep.get_untracked() {
                let _ = k.focus();
            }
        }
    };
    let close = move || {
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
    };
    let on_close = move |_| {
        if let Some(o) = opener.get_untracked() {
            let _ = o.focus();
        }
    };
    // The focus trap: from the last enabled button Tab goes to the first, and back.
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() != "Tab" {
            return;
        }
        let buttons: Vec<_> = [keep.get_untracked(), yes.get_untracked()]
            .into_iter()
            .flatten()
            .filter(|b| !b.disabled())
            .collect();
        let (Some(first), Some(last)) = (buttons.first(), buttons.last()) else {
            return;
        };
        let active = dialog
            .get_untracked()
            .and_then(|d| d.get_root_node().dyn_into::<web_sys::ShadowRoot>().ok())
            .and_then(|root| root.active_element());
        let at = |b: &web_sys::HtmlButtonElement| active.as_ref() == Some(b.as_ref());
        let target = match ev.shift_key() {
            true if at(first) || active.is_none() => last,
            false if at(last) || active.is_none() => first,
            _ => return,
        };
        ev.prevent_default();
        let _ = target.focus();
    };
    let confirm = move |_| {
        let shop = shop.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = shop.buyer_api().cancel(&esim_id.get_value()).await;
            let _ = busy.try_set(false);
            match answer {
                Ok(esim) => {
                    if let Some(d) = dialog.get_untracked() {
                        d.close();
                    }
                    let said = match &esim.refund {
                        Some(refund) => locale.cancelled_refund(
                            &locale.price(refund.amount),
                            refund.state == RefundState::Refunded,
                        ),
                        None => locale.t(Msg::CancelDone).to_owned(),
                    };
                    on_change.run((esim, said));
                }
                Err(e) => {
                    shop.emit("esim:error", &Failed::new("cancel", &e, locale));
                    let _ = error.try_set(Some(e));
                }
            }
        });
    };

    view! {
        <section class="esim-section cancel">
            <button type="button" class="button danger open-cancel" node_ref=opener on:click=open>
                {locale.t(Msg::CancelEsim)}
            </button>
            <dialog class="dialog" node_ref=dialog aria-labelledby="cancel-title"
                aria-describedby="cancel-text" on:close=on_close on:keydown=on_key>
                <h4 id="cancel-title">{locale.t(Msg::CancelQuestion)}</h4>
                <p id="cancel-text">{locale.t(Msg::CancelExplain)}</p>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{refusal(&e, locale)}</p> })}
                <div class="actions">
                    <button type="button" class="button secondary keep" node_ref=keep
                        disabled=move || busy.get() on:click=move |_| close()>
                        {move || if error.with(Option::is_some) { locale.t(Msg::Close) } else { locale.t(Msg::KeepEsim) }}
                    </button>
                    <button type="button" class="button danger confirm-cancel" node_ref=yes
                        disabled=move || busy.get() || error.with(Option::is_some)
                        aria-busy=move || busy.get().to_string() on:click=confirm>
                        {move || if busy.get() { locale.t(Msg::Cancelling) } else { locale.t(Msg::ConfirmCancel) }}
                    </button>
                </div>
            </dialog>
        </section>
    }
}

/// Says why a cancel failed: a refusal of the eSIM's state in the words of cancelling.
fn refusal(error: &ApiError, locale: Locale) -> String {
    match error {
        ApiError::Api {
            code: ErrorCode::NotAllowed,
            ..
        } => locale.t(Msg::CannotCancelNow).to_owned(),
        _ => error.message(locale),
    }
}
