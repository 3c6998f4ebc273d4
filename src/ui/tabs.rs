//! Keyboard use of a row of tabs, as the ARIA tabs pattern has it: one tab stop for the row;
//! Left and Right move between tabs (wrapping), Home and End go to the first and last.

use leptos::ev::KeyboardEvent;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// Handles a keydown on a `role="tablist"` of `count` tabs whose tab `current` is selected:
/// focuses the tab the key leads to and returns its index, or returns `None` for other keys.
pub(crate) fn tab_key(ev: &KeyboardEvent, current: usize, count: usize) -> Option<usize> {
    if count == 0 {
        return None;
    }
    let next = match ev.key().as_str() {
        "ArrowRight" => (current + 1) % count,
        "ArrowLeft" => (current + count - 1) % count,
        "Home" => 0,
        "End" => count - 1,
        _ => return None,
    };
    ev.prevent_default();
    let tab = ev
        .current_target()
        .and_then(|list| list.dyn_into::<Element>().ok())
        .and_then(|list| list.query_selector_all("[role=tab]").ok())
        .and_then(|tabs| tabs.item(next as u32))
        .and_then(|tab| tab.dyn_into::<HtmlElement>().ok());
    if let Some(tab) = tab {
        let _ = tab.focus();
    }
    Some(next)
}
