//! Mounting the widget into a host element: an open shadow root holding our stylesheet and an
//! independent Leptos root. This is the only module that touches the DOM directly.

use std::any::Any;
use std::cell::{Cell, RefCell};

use esim_core::{ActivationCode, Volume};
use leptos::prelude::*;
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CssStyleSheet, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::api::Api;
use crate::browse::PackageBrowser;
use crate::context::{Selected, Shop};
use crate::i18n::Locale;
use crate::later;
use crate::store::{StoreApp, Tab};

const STYLESHEET: &str = include_str!("style/widget.css");

/// Which panel a mount shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PanelKind {
    /// The whole shop: browse, then check out.
    #[default]
    Store,
    /// The package browser alone; choosing a plan only sends `esim:select`.
    Packages,
    /// The checkout of one plan (`package`); its back button sends `esim:back`.
    Checkout,
    /// The shopper's eSIMs.
    #[serde(rename = "my-esims")]
    MyEsims,
    /// How to install one known eSIM.
    Install,
}

/// The widget's colours: light, dark, or the system's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Theme {
    #[default]
    Light,
    Dark,
    Auto,
}

impl Theme {
    fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Auto => "auto",
        }
    }

    fn parse(text: &str) -> Result<Theme, String> {
        match text.trim() {
            "light" | "" => Ok(Theme::Light),
            "dark" => Ok(Theme::Dark),
            "auto" => Ok(Theme::Auto),
            other => Err(format!(
                "invalid mount options: theme must be \"light\", \"dark\" or \"auto\", not \"{other}\""
            )),
        }
    }
}

/// What the host page passes to `mount(element, options)`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct MountOptions {
    // Custom elements fill these from attributes of the same names in kebab case.
    /// Which panel to show.
    #[serde(default)]
    panel: PanelKind,
    /// Base URL of the storefront API; the page's own origin when absent.
    #[serde(default)]
    api: Option<String>,
    /// BCP 47 language ("fr"); the browser's language when absent.
    #[serde(default)]
    locale: Option<String>,
    /// ISO 4217 currency to show prices in; the storefront's default when absent.
    #[serde(default)]
    currency: Option<String>,
    /// A destination code to open at first ("JP").
    #[serde(default)]
    destination: Option<String>,
    /// For the store: the tab to open first, "shop" (default) or "my-esims".
    #[serde(default)]
    tab: Option<String>,
    /// For the checkout panel: the code of the plan to buy ("JP-5GB-30D").
    #[serde(default)]
    package: Option<String>,
    /// A customer token from the merchant's backend.
    #[serde(default)]
    customer_token: Option<String>,
    /// The colours: "light" (default), "dark" or "auto".
    #[serde(default)]
    theme: Theme,
    /// For the install panel: the eSIM's activation code, a full `LPA:1$…` string or a bare
    /// matching id with `smdpAddress`.
    #[serde(default)]
    activation_code: Option<String>,
    /// For the install panel: the SM-DP+ address of a bare matching id.
    #[serde(default)]
    smdp_address: Option<String>,
    /// For the install panel: the plan's data in bytes, or `"unlimited"`.
    #[serde(default)]
    data: Option<Volume>,
}

impl MountOptions {
    /// Reads the options of a custom element showing `panel` from its attributes (`api`,
    /// `locale`, `currency`, `destination`, `customer-token`, `tab`, `package`, `theme`), each
    /// falling back to `default` (the loader's `data-*` defaults).
    pub(crate) fn from_attributes(
        panel: PanelKind,
        element: &HtmlElement,
        default: impl Fn(&str) -> Option<String>,
    ) -> Result<MountOptions, String> {
        let attr = |name: &str| {
            element
                .get_attribute(name)
                .filter(|v| !v.trim().is_empty())
                .or_else(|| default(name))
        };
        Ok(MountOptions {
            panel,
            api: attr("api"),
            locale: attr("locale"),
            currency: attr("currency"),
            destination: attr("destination"),
            customer_token: attr("customer-token"),
            tab: attr("tab"),
            package: attr("package"),
            theme: attr("theme").map_or(Ok(Theme::Light), |t| Theme::parse(&t))?,
            ..MountOptions::default()
        })
    }

    /// Checks what serde cannot: options that only make sense together.
    pub(crate) fn validate(self) -> Result<MountOptions, String> {
        let options = self;
        if options.panel == PanelKind::Install && options.activation_code.is_none() {
            return Err("invalid mount options: the install panel needs activationCode".into());
        }
        if options.panel == PanelKind::Checkout && options.package.is_none() {
            return Err("invalid mount options: the checkout panel needs package".into());
        }
        if let Some(tab) = options.tab.as_deref() {
            if !matches!(tab, "shop" | "my-esims") {
                return Err(format!(
                    "invalid mount options: tab must be \"shop\" or \"my-esims\", not \"{tab}\""
                ));
            }
        }
        Ok(options)
    }

    /// Reads options from a JavaScript object (or `undefined`), with a message a developer
    /// can act on.
    pub(crate) fn from_js(options: JsValue) -> Result<MountOptions, String> {
        if options.is_undefined() || options.is_null() {
            return Ok(MountOptions::default());
        }
        let options: MountOptions =
            crate::json::from_value(&options).map_err(|e| format!("invalid mount options: {e}"))?;
        options.validate()
    }
}

/// A mounted widget; dropping it removes the DOM and disposes its reactive tree.
struct Mounted {
    _root: Box<dyn Any>,
    shadow: ShadowRoot,
    reload: ArcTrigger,
    /// The options as the page gave them to `mount`, for `update` to merge into.
    source: JsValue,
    /// Removes the keyboard guard from the shadow root.
    release_keys: js_sys::Function,
    /// For custom elements: the attributes it was mounted with, so that reconnecting an
    /// element that only moved in the page keeps its state.
    signature: Option<String>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = self.release_keys.call0(&JsValue::NULL);
        // The Leptos root removes its own nodes; clear anything else we added.
        self.shadow.set_inner_html("");
    }
}

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

thread_local! {
    /// Every widget mounted on the page, by id and host element. A widget lives until it is
    /// unmounted or its element is mounted again, never just because JavaScript dropped (and
    /// garbage-collected) the handle `mount` returned.
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

/// Mounts the widget again with `changes` merged into the options it was mounted with
/// (`undefined` or `null` in `changes` removes an option); keeps its id. Fails, leaving the
/// widget as it was, if the merged options are invalid.
pub(crate) fn update(id: u32, changes: JsValue) -> Result<(), String> {
    let found = MOUNTED.with(|m| {
        m.borrow()
            .iter()
            .find(|(i, _, _)| *i == id)
            .map(|(_, host, mounted)| (host.clone(), mounted.source.clone()))
    });
    let (host, source) = found.ok_or("this widget was unmounted")?;
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
    let id = id.unwrap_or_else(|| {
        NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id.wrapping_add(1));
            id
        })
    });
    let mounted = Mounted {
        _root: Box::new(root),
        shadow,
        reload,
        source,
        release_keys,
        signature,
    };
    MOUNTED.with(|m| m.borrow_mut().push((id, host.clone(), mounted)));
    Ok(id)
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
