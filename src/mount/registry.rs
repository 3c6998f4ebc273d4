//! Every widget mounted on the page, by id and host element: refreshing, finding and
//! unmounting them. A widget lives until it is unmounted or its element is mounted again,
//! never just because JavaScript dropped (and garbage-collected) the handle `mount` returned.

use std::any::Any;
use std::cell::{Cell, RefCell};

use leptos::prelude::{ArcTrigger, Notify};
use wasm_bindgen::JsValue;
use web_sys::{HtmlElement, ShadowRoot};

/// A mounted widget; dropping it removes the DOM and disposes its reactive tree.
pub(super) struct Mounted {
    pub(super) _root: Box<dyn Any>,
    pub(super) shadow: ShadowRoot,
    pub(super) reload: ArcTrigger,
    /// The options as the page gave them to `mount`, for `update` to merge into.
    pub(super) source: JsValue,
    /// Removes the keyboard guard from the shadow root.
    pub(super) release_keys: js_sys::Function,
    /// For custom elements: the attributes it was mounted with, so that reconnecting an
    /// element that only moved in the page keeps its state.
    pub(super) signature: Option<String>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = self.release_keys.call0(&JsValue::NULL);
        // The Leptos root removes its own nodes; clear anything else we added.
        self.shadow.set_inner_html("");
    }
}

thread_local! {
    /// Every widget mounted on the page.
    static MOUNTED: RefCell<Vec<(u32, HtmlElement, Mounted)>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

/// Asks the widget with `id` to load what it shows again; unknown ids are ignored.
pub(crate) fn refresh(id: u32) {
    let reload = MOUNTED.with(|m| {
        m.borrow()
            .iter()
            .find(|(i, _, _)| *i == id)
            .map(|(_, _, mounted)| mounted.reload.clone())
    });
    // Notified outside the borrow: reloading may mount or unmount other widgets.
    if let Some(reload) = reload {
        reload.notify();
    }
}

/// Unmounts the widget with `id`; unknown ids are ignored.
pub(crate) fn unmount(id: u32) {
    let removed = MOUNTED.with(|m| {
        let mut mounted = m.borrow_mut();
        let index = mounted.iter().position(|(i, _, _)| *i == id)?;
        Some(mounted.remove(index))
    });
    // Dropped outside the borrow: unmounting may run cleanups that touch other widgets.
    drop(removed);
}

/// Whether `host` holds a widget mounted with `signature`.
pub(crate) fn is_mounted_with(host: &HtmlElement, signature: &str) -> bool {
    MOUNTED.with(|m| {
        m.borrow()
            .iter()
            .any(|(_, el, mounted)| el == host && mounted.signature.as_deref() == Some(signature))
    })
}

/// Returns the id of the widget mounted on `host`.
pub(crate) fn id_of(host: &HtmlElement) -> Option<u32> {
    MOUNTED.with(|m| {
        m.borrow()
            .iter()
            .find(|(_, el, _)| el == host)
            .map(|(id, _, _)| *id)
    })
}

/// Unmounts the widget on `host`, if any.
pub(crate) fn unmount_element(host: &HtmlElement) {
    let removed = MOUNTED.with(|m| {
        let mut mounted = m.borrow_mut();
        let index = mounted.iter().position(|(_, el, _)| el == host)?;
        Some(mounted.remove(index))
    });
    drop(removed);
}

/// Keeps `mounted` on `host` under `id`, or under a new id when `None`; returns the id.
pub(super) fn keep(id: Option<u32>, host: &HtmlElement, mounted: Mounted) -> u32 {
    let id = id.unwrap_or_else(|| {
        NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id.wrapping_add(1));
            id
        })
    });
    MOUNTED.with(|m| m.borrow_mut().push((id, host.clone(), mounted)));
    id
}

/// The host and the page's options of the widget with `id`.
pub(super) fn source_of(id: u32) -> Option<(HtmlElement, JsValue)> {
    MOUNTED.with(|m| {
        m.borrow()
            .iter()
            .find(|(i, _, _)| *i == id)
            .map(|(_, host, mounted)| (host.clone(), mounted.source.clone()))
    })
}
