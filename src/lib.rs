//! The esim-storefront widget: Leptos components rendered into shadow roots on any page.
//!
//! This file holds the JavaScript entry points and nothing else.

mod mount;
mod ui;

use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

/// A mounted widget, returned to JavaScript by [`mount`].
#[wasm_bindgen]
pub struct MountHandle {
    mounted: Option<mount::Mounted>,
}

#[wasm_bindgen]
impl MountHandle {
    /// Removes the widget from the page and frees its state. Calling it twice does nothing.
    pub fn unmount(&mut self) {
        self.mounted.take();
    }
}

/// Mounts the widget into `element`'s shadow root with `options`, or throws an `Error` whose
/// message says what is wrong with them.
#[wasm_bindgen]
pub fn mount(element: HtmlElement, options: JsValue) -> Result<MountHandle, JsError> {
    let options = mount::MountOptions::from_js(options).map_err(|e| JsError::new(&e))?;
    let mounted = mount::mount(&element, options).map_err(|e| JsError::new(&e))?;
    Ok(MountHandle {
        mounted: Some(mounted),
    })
}
