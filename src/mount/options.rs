//! What a page can ask of a mount: the panel, the API, the language, the currency, the theme
//! and what each panel needs, from a JavaScript object or a custom element's attributes.

use esim_core::Volume;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use web_sys::HtmlElement;

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
    pub(super) fn as_str(self) -> &'static str {
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
    pub(super) panel: PanelKind,
    /// Base URL of the storefront API; the page's own origin when absent.
    #[serde(default)]
    pub(super) api: Option<String>,
    /// BCP 47 language ("fr"); the browser's language when absent.
    #[serde(default)]
    pub(super) locale: Option<String>,
    /// ISO 4217 currency to show prices in; the storefront's default when absent.
    #[serde(default)]
    pub(super) currency: Option<String>,
    /// A destination code to open at first ("JP").
    #[serde(default)]
    pub(super) destination: Option<String>,
    /// For the store: the tab to open first, "shop" (default) or "my-esims".
    #[serde(default)]
    pub(super) tab: Option<String>,
    /// For the checkout panel: the code of the plan to buy ("JP-5GB-30D").
    #[serde(default)]
    pub(super) package: Option<String>,
    /// A customer token from the merchant's backend.
    #[serde(default)]
    pub(super) customer_token: Option<String>,
    /// The colours: "light" (default), "dark" or "auto".
    #[serde(default)]
    pub(super) theme: Theme,
    /// For the install panel: the eSIM's activation code, a full `LPA:1$…` string or a bare
    /// matching id with `smdpAddress`.
    #[serde(default)]
    pub(super) activation_code: Option<String>,
    /// For the install panel: the SM-DP+ address of a bare matching id.
    #[serde(default)]
    pub(super) smdp_address: Option<String>,
    /// For the install panel: the plan's data in bytes, or `"unlimited"`.
    #[serde(default)]
    pub(super) data: Option<Volume>,
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
