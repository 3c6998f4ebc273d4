//! Mounting the widget into a host element: an open shadow root holding our stylesheet and an
//! independent Leptos root. This is the only module that touches the DOM directly.

use std::any::Any;

use esim_core::{ActivationCode, Volume};
use leptos::prelude::*;
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CssStyleSheet, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::ui::install_card::InstallCard;

const STYLESHEET: &str = include_str!("style/widget.css");

/// What the host page passes to `mount(element, options)`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct MountOptions {
    /// The eSIM's activation code: a full `LPA:1$…` string, or a bare matching id with
    /// `smdpAddress`.
    activation_code: String,
    /// The SM-DP+ address, when `activationCode` is a bare matching id.
    #[serde(default)]
    smdp_address: Option<String>,
    /// The plan's data in bytes, or `"unlimited"`.
    #[serde(default)]
    data: Option<Volume>,
}

impl MountOptions {
    /// Reads options from a JavaScript object, with a message a developer can act on.
    pub(crate) fn from_js(options: JsValue) -> Result<MountOptions, String> {
        serde_wasm_bindgen::from_value(options).map_err(|e| format!("invalid mount options: {e}"))
    }
}

/// A mounted widget; dropping it removes the DOM and disposes its reactive tree.
pub(crate) struct Mounted {
    _root: Box<dyn Any>,
    shadow: ShadowRoot,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        // The Leptos root removes its own nodes; clear anything else we added.
        self.shadow.set_inner_html("");
    }
}

/// Mounts the widget into `host`'s open shadow root (creating it if needed).
pub(crate) fn mount(host: &HtmlElement, options: MountOptions) -> Result<Mounted, String> {
    let shadow = shadow_root(host)?;
    shadow.set_inner_html("");
    adopt_stylesheet(&shadow)?;
    let document = host
        .owner_document()
        .ok_or("the element is not in a document")?;
    let container: HtmlElement = document
        .create_element("div")
        .and_then(|el| el.dyn_into().map_err(JsValue::from))
        .map_err(|_| "could not create the widget container")?;
    container.set_class_name("esim-root");
    shadow
        .append_child(&container)
        .map_err(|_| "could not attach the widget container")?;

    let code = ActivationCode::parse_with_address(
        &options.activation_code,
        options.smdp_address.as_deref(),
    )
    .map_err(|e| e.to_string());
    let data = options.data;
    let root = leptos::mount::mount_to(container, move || view! { <InstallCard code data /> });
    Ok(Mounted {
        _root: Box::new(root),
        shadow,
    })
}

fn shadow_root(host: &HtmlElement) -> Result<ShadowRoot, String> {
    if let Some(existing) = host.shadow_root() {
        return Ok(existing);
    }
    let init = ShadowRootInit::new(ShadowRootMode::Open);
    host.attach_shadow(&init).map_err(|_| {
        "this element cannot host a shadow root (use a <div> or a custom element)".into()
    })
}

thread_local! {
    /// One constructed stylesheet shared by every shadow root on the page.
    static SHEET: Result<CssStyleSheet, String> = CssStyleSheet::new()
        .and_then(|sheet| sheet.replace_sync(STYLESHEET).map(|_| sheet))
        .map_err(|_| "this browser does not support constructable stylesheets".to_string());
}

fn adopt_stylesheet(shadow: &ShadowRoot) -> Result<(), String> {
    SHEET.with(|sheet| {
        let sheet = sheet.as_ref().map_err(Clone::clone)?;
        let sheets = js_sys::Array::of1(sheet);
        js_sys::Reflect::set(shadow, &"adoptedStyleSheets".into(), &sheets)
            .map(|_| ())
            .map_err(|_| "could not apply the widget's stylesheet".to_string())
    })
}
