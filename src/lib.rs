//! The esim-storefront widget: Leptos components rendered into shadow roots on any page.
//!
//! This file holds the JavaScript entry points and nothing else.

mod api;
mod browse;
mod card;
mod checkout;
mod context;
mod elements;
mod fetched;
mod i18n;
mod json;
mod later;
mod mount;
mod my_esims;
mod platform;
mod store;
mod ui;

use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

/// A mounted widget, returned to JavaScript by [`mount`]. The widget stays mounted whether or
/// not the page keeps this handle; the handle only lets the page unmount it.
#[wasm_bindgen]
pub struct MountHandle {
    id: u32,
}

#[wasm_bindgen]
impl MountHandle {
    /// Removes the widget from the page and frees its state. Calling it twice does nothing.
    pub fn unmount(&self) {
        mount::unmount(self.id);
    }

    /// Loads what the widget shows again (the shopper's eSIMs, say, after the page knows
    /// something changed).
    pub fn refresh(&self) {
        mount::refresh(self.id);
    }

    /// Changes some options (`{currency: "EUR"}`; `undefined` removes one) and shows the
    /// widget again with them. Throws, leaving the widget as it was, if the result is invalid.
    pub fn update(&self, options: JsValue) -> Result<(), JsError> {
        mount::update(self.id, options).map_err(|e| JsError::new(&e))
    }
}

/// Mounts the widget into `element`'s shadow root with `options`, replacing a widget already
/// there, or throws an `Error` whose message says what is wrong with the options.
#[wasm_bindgen]
pub fn mount(element: HtmlElement, options: JsValue) -> Result<MountHandle, JsError> {
    let parsed = mount::MountOptions::from_js(options.clone()).map_err(|e| JsError::new(&e))?;
    let source = if options.is_object() {
        options
    } else {
        js_sys::Object::new().into()
    };
    let id = mount::mount(&element, parsed, None, source).map_err(|e| JsError::new(&e))?;
    Ok(MountHandle { id })
}

/// Defines the custom elements `<esim-store>`, `<esim-packages>`, `<esim-checkout>` and
/// `<esim-my-esims>` (those not defined yet), and returns how many it defined. Elements already
/// in the page come alive at once. `defaults` (`{api, locale, currency, theme, customerToken,
/// destination}`) apply to every element without that attribute; a later call adds defaults
/// not given before.
#[wasm_bindgen(js_name = defineElements)]
pub fn define_elements(defaults: JsValue) -> u32 {
    elements::set_defaults(&defaults);
    elements::define()
}
