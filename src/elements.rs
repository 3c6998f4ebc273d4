//! The custom elements `<esim-store>`, `<esim-packages>`, `<esim-checkout>` and
//! `<esim-my-esims>`. A small class per element (custom elements must be JavaScript classes)
//! hands its lifecycle to Rust: attributes become mount options, a connected element mounts its
//! widget, a removed one unmounts it. Several attribute changes in one task mount once.

use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

use crate::context::{self, Failed};
use crate::mount::{self, MountOptions, PanelKind};

/// The attributes every element reads (each also a property, in camelCase); changing one
/// mounts the widget again with it.
const ATTRIBUTES: [&str; 8] = [
    "api",
    "locale",
    "currency",
    "destination",
    "customer-token",
    "tab",
    "package",
    "theme",
];

thread_local! {
    /// Defaults for every element, from the loader's `data-*` attributes, by attribute name.
    static DEFAULTS: std::cell::RefCell<Vec<(String, String)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Adds the defaults in `defaults` (`{api, customerToken, …}`) not set before.
pub(crate) fn set_defaults(defaults: &JsValue) {
    if !defaults.is_object() {
        return;
    }
    DEFAULTS.with(|d| {
        let mut d = d.borrow_mut();
        for attribute in ATTRIBUTES {
            let key = camel(attribute);
            let value = js_sys::Reflect::get(defaults, &JsValue::from_str(&key))
                .ok()
                .and_then(|v| v.as_string())
                .filter(|v| !v.trim().is_empty());
            if let Some(value) = value {
                if !d.iter().any(|(k, _)| k == attribute) {
                    d.push((attribute.to_owned(), value));
                }
            }
        }
    });
}

fn default_of(attribute: &str) -> Option<String> {
    DEFAULTS.with(|d| {
        d.borrow()
            .iter()
            .find(|(k, _)| k == attribute)
            .map(|(_, v)| v.clone())
    })
}

/// "customer-token" → "customerToken".
fn camel(attribute: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in attribute.chars() {
        if c == '-' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Each element and the panel it shows.
const ELEMENTS: [(&str, PanelKind); 4] = [
    ("esim-store", PanelKind::Store),
    ("esim-packages", PanelKind::Packages),
    ("esim-checkout", PanelKind::Checkout),
    ("esim-my-esims", PanelKind::MyEsims),
];

#[wasm_bindgen(inline_js = r#"
export function defineElement(name, attributes, connect, disconnect, refresh) {
  if (customElements.get(name)) return false;
  const element = class extends HTMLElement {
    static get observedAttributes() { return attributes; }
    #queued = false;
    connectedCallback() { this.#schedule(); }
    attributeChangedCallback() { if (this.isConnected) this.#schedule(); }
    disconnectedCallback() {
      // An element moved within the page is disconnected and connected in one task: keep it.
      queueMicrotask(() => { if (!this.isConnected) disconnect(this); });
    }
    /** Loads what the widget shows again, e.g. the shopper's eSIMs after a change. */
    refresh() { refresh(this); }
    #schedule() {
      if (this.#queued) return;
      this.#queued = true;
      queueMicrotask(() => { this.#queued = false; if (this.isConnected) connect(this); });
    }
  };
  // Each attribute is also a property: el.customerToken = "…" sets customer-token.
  for (const attribute of attributes) {
    const property = attribute.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    Object.defineProperty(element.prototype, property, {
      get() { return this.getAttribute(attribute); },
      set(value) {
        if (value === null || value === undefined) this.removeAttribute(attribute);
        else this.setAttribute(attribute, String(value));
      },
      configurable: true,
      enumerable: true,
    });
  }
  customElements.define(name, element);
  return true;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = defineElement)]
    fn define_element(
        name: &str,
        attributes: js_sys::Array,
        connect: &JsValue,
        disconnect: &JsValue,
        refresh: &JsValue,
    ) -> bool;
}

/// Defines the four elements (those not defined yet) and returns how many were new.
pub(crate) fn define() -> u32 {
    let attributes = || {
        ATTRIBUTES
            .iter()
            .map(|a| JsValue::from_str(a))
            .collect::<js_sys::Array>()
    };
    let disconnect = Closure::<dyn Fn(HtmlElement)>::new(|el: HtmlElement| {
        mount::unmount_element(&el);
    })
    .into_js_value();
    let refresh = Closure::<dyn Fn(HtmlElement)>::new(|el: HtmlElement| {
        if let Some(id) = mount::id_of(&el) {
            mount::refresh(id);
        }
    })
    .into_js_value();
    let mut defined = 0;
    for (name, panel) in ELEMENTS {
        let connect =
            Closure::<dyn Fn(HtmlElement)>::new(move |el: HtmlElement| connect(panel, &el))
                .into_js_value();
        if define_element(name, attributes(), &connect, &disconnect, &refresh) {
            defined += 1;
        }
    }
    defined
}

/// Mounts (or mounts again) the widget of an element from its attributes. A wrong attribute is
/// reported to the page's developer as an `esim:error` event and in the console, and the
/// element shows nothing rather than something half-configured.
fn connect(panel: PanelKind, element: &HtmlElement) {
    let signature = ATTRIBUTES
        .iter()
        .map(|a| element.get_attribute(a).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\u{1f}");
    if mount::is_mounted_with(element, &signature) {
        return;
    }
    let result = MountOptions::from_attributes(panel, element, default_of)
        .and_then(MountOptions::validate)
        .and_then(|options| {
            mount::mount(
                element,
                options,
                Some(signature),
                js_sys::Object::new().into(),
            )
        });
    if let Err(message) = result {
        mount::unmount_element(element);
        let message = message.replace("mount options", "attributes");
        web_sys::console::error_1(
            &format!("<{}>: {message}", element.tag_name().to_ascii_lowercase()).into(),
        );
        let detail = Failed {
            stage: "mount",
            code: Some("invalid_attributes"),
            message,
        };
        context::dispatch(element, "esim:error", &detail);
    }
}
