//! Mounting the widget into a host element: an open shadow root holding our stylesheet and an
//! independent Leptos root. This room is the only one that touches the DOM directly: the
//! options a page passes are read in [`options`], the mounted widgets kept in [`registry`].

mod options;
mod registry;

use esim_core::ActivationCode;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CssStyleSheet, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::api::Api;
use crate::browse::PackageBrowser;
use crate::context::{Selected, Shop};
use crate::i18n::Locale;
use crate::later;
use crate::store::{StoreApp, Tab};

pub(crate) use options::{MountOptions, PanelKind};
use registry::Mounted;
pub(crate) use registry::{id_of, is_mounted_with, refresh, unmount, unmount_element};

/// The stylesheet, without comments and spare white space (see `build.rs`).
const STYLESHEET: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.css"));

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
export function guardKeys(shadow) {
  // The page's own keyboard shortcuts ("/" to search, "k" for next) listen on the document,
  // where an event from inside a shadow root seems to come from the host element, not from a
  // text field. Keys typed into the widget's fields stop at its shadow root.
  const guard = (event) => {
    const origin = event.composedPath()[0];
    if (origin instanceof HTMLInputElement || origin instanceof HTMLTextAreaElement
        || origin instanceof HTMLSelectElement || origin?.isContentEditable) {
      event.stopPropagation();
    }
  };
  const kinds = ["keydown", "keypress", "keyup"];
  for (const kind of kinds) shadow.addEventListener(kind, guard);
  return () => { for (const kind of kinds) shadow.removeEventListener(kind, guard); };
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = guardKeys)]
    fn guard_keys(shadow: &ShadowRoot) -> js_sys::Function;
}

/// Mounts the widget again with `changes` merged into the options it was mounted with
/// (`undefined` or `null` in `changes` removes an option); keeps its id. Fails, leaving the
/// widget as it was, if the merged options are invalid.
pub(crate) fn update(id: u32, changes: JsValue) -> Result<(), String> {
    let (host, source) = registry::source_of(id).ok_or("this widget was unmounted")?;
    let merged = js_sys::Object::new();
    let _ = js_sys::Object::assign(&merged, &js_sys::Object::from(source));
    if changes.is_object() {
        let _ = js_sys::Object::assign(&merged, &js_sys::Object::from(changes));
    } else if !changes.is_undefined() && !changes.is_null() {
        return Err("invalid mount options: update() takes an object".into());
    }
    let options = MountOptions::from_js(merged.clone().into())?;
    mount_as(Some(id), &host, options, None, merged.into()).map(|_| ())
}

/// Mounts the widget into `host`'s open shadow root (creating it if needed), replacing a
/// widget already mounted there, and returns its id. `source` is the page's options object,
/// kept for `update`.
pub(crate) fn mount(
    host: &HtmlElement,
    options: MountOptions,
    signature: Option<String>,
    source: JsValue,
) -> Result<u32, String> {
    mount_as(None, host, options, signature, source)
}

fn mount_as(
    id: Option<u32>,
    host: &HtmlElement,
    options: MountOptions,
    signature: Option<String>,
    source: JsValue,
) -> Result<u32, String> {
    unmount_element(host);
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
    // The stylesheet's :host rules pick the theme from this mark on the host element.
    let _ = host.set_attribute("data-esim-theme", options.theme.as_str());
    let release_keys = guard_keys(&shadow);

    let locale = Locale::choose(options.locale.as_deref());
    let api = Api::new(
        options.api.as_deref().unwrap_or(""),
        options.customer_token.clone(),
    );
    let reload = ArcTrigger::new();
    let root = leptos::mount::mount_to(container, {
        let (reload, host) = (reload.clone(), host.clone());
        move || {
            // Made inside the root, so that its signals are the root's and go with it.
            let shop = Shop::new(api, locale, options.currency.clone(), host, reload);
            provide_context(shop.clone());
            match options.panel {
                PanelKind::Install => {
                    let code = ActivationCode::parse_with_address(
                        options.activation_code.as_deref().unwrap_or_default(),
                        options.smdp_address.as_deref(),
                    )
                    .map_err(|e| e.to_string());
                    let data = options.data;
                    later::install(code, data).into_any()
                }
                PanelKind::Store => {
                    let tab = match options.tab.as_deref() {
                        Some("my-esims") => Tab::MyEsims,
                        _ => Tab::Shop,
                    };
                    view! { <StoreApp initial=options.destination.clone() tab /> }.into_any()
                }
                PanelKind::Checkout => {
                    let code = options.package.clone().unwrap_or_default();
                    later::checkout_of(code).into_any()
                }
                PanelKind::MyEsims => later::my_esims(None).into_any(),
                PanelKind::Packages => {
                    let on_choose = Callback::new(move |package: esim_core::Package| {
                        shop.emit("esim:select", &Selected::from(&package));
                    });
                    view! { <PackageBrowser initial=options.destination.clone() on_choose /> }
                        .into_any()
                }
            }
        }
    });
    let mounted = Mounted {
        _root: Box::new(root),
        shadow,
        reload,
        source,
        release_keys,
        signature,
    };
    Ok(registry::keep(id, host, mounted))
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
