//! What every component of one widget instance shares: the API client, the language, the
//! shopper's currency, and the host element that events are sent from.

use leptos::prelude::*;
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

use serde::Serialize;

use esim_core::api::{PaymentSettings, Storefront};

use crate::api::{Api, ApiError};
use crate::fetched::Fetched;
use crate::i18n::Locale;
use crate::platform;

/// One widget instance's shared state, provided as context at mount.
#[derive(Clone)]
pub(crate) struct Shop {
    pub api: Api,
    pub locale: Locale,
    /// The currency prices are shown in; `None` until the storefront's default is known.
    pub currency: RwSignal<Option<String>>,
    /// Notified when the host page asks the widget to load what it shows again
    /// (`element.refresh()`).
    pub reload: ArcTrigger,
    host: StoredValue<HtmlElement, LocalStorage>,
    /// The widget's root owner, weakly: the context it provides holds this `Shop`, so a
    /// strong reference would keep the whole widget alive after it is unmounted.
    owner: leptos::reactive::owner::WeakOwner,
    storefront: StoredValue<Option<Fetched<Storefront>>>,
}

impl Shop {
    /// Returns the shared state of a widget mounted on `host`.
    /// Its signals live in the reactive owner current when it is called: call it inside the
    /// mount's root, so that unmounting frees them.
    pub(crate) fn new(
        api: Api,
        locale: Locale,
        currency: Option<String>,
        host: HtmlElement,
        reload: ArcTrigger,
    ) -> Shop {
        Shop {
            api,
            locale,
            currency: RwSignal::new(currency),
            reload,
            host: StoredValue::new_local(host),
            owner: Owner::current().unwrap_or_default().downgrade(),
            storefront: StoredValue::new(None),
        }
    }

    /// Returns the client to buy and to see eSIMs with: the customer token if the page gave
    /// one, else the guest token this browser got with an earlier order here.
    pub(crate) fn buyer_api(&self) -> Api {
        match self.api.token() {
            Some(_) => self.api.clone(),
            None => self.api.with_token(platform::load(&self.guest_key())),
        }
    }

    /// Keeps a guest token so that "my eSIMs" works later in this browser.
    pub(crate) fn remember_guest(&self, token: &str) {
        platform::store(&self.guest_key(), token);
    }

    fn guest_key(&self) -> String {
        format!("guest-token:{}", self.api.base())
    }

    /// The storefront's settings, loaded once for the whole widget when a panel first asks.
    pub(crate) fn storefront(&self) -> Fetched<Storefront> {
        if let Some(loaded) = self.storefront.get_value() {
            return loaded;
        }
        let api = self.api.clone();
        let fetch = move || {
            let api = api.clone();
            async move { api.storefront().await }
        };
        // Made under the widget's own owner, so that it outlives the panel that asked first.
        let loaded = match self.owner.upgrade() {
            Some(owner) => owner.with(|| Fetched::new(fetch)),
            None => Fetched::new(fetch),
        };
        self.storefront.set_value(Some(loaded));
        loaded
    }

    /// How the shop takes payment, once its settings are in (`None`: no card, or not yet).
    pub(crate) fn payment(&self) -> impl Fn() -> Option<PaymentSettings> + Copy + 'static {
        let storefront = self.storefront();
        move || match storefront.get() {
            Some(Ok(s)) => s.payment,
            _ => None,
        }
    }

    /// The element the widget is mounted on (its light DOM holds what cannot live in the
    /// shadow root: Stripe's card field).
    pub(crate) fn host(&self) -> HtmlElement {
        self.host.get_value()
    }

    /// Sends a composed, bubbling `CustomEvent` named `name` from the host element, so the
    /// page hears it through the shadow boundary. The detail is a plain JavaScript object.
    pub(crate) fn emit(&self, name: &str, detail: &impl serde::Serialize) {
        self.host.with_value(|host| dispatch(host, name, detail));
    }
}

/// Sends a composed, bubbling `CustomEvent` named `name` from `target`, with `detail` as a
/// plain JavaScript object.
pub(crate) fn dispatch(target: &HtmlElement, name: &str, detail: &impl serde::Serialize) {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let detail = detail.serialize(&serializer).unwrap_or(JsValue::NULL);
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = target.dispatch_event(&event);
    }
}

/// The detail of `esim:select`: the plan a shopper chose.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Selected<'a> {
    pub package_code: &'a str,
    pub title: &'a str,
    pub price: &'a esim_core::Money,
}

impl<'a> From<&'a esim_core::Package> for Selected<'a> {
    fn from(package: &'a esim_core::Package) -> Self {
        Selected {
            package_code: &package.code,
            title: &package.title,
            price: &package.price,
        }
    }
}

/// The detail of `esim:order`: an order the proxy accepted.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Ordered<'a> {
    pub order_id: &'a str,
    pub total: &'a esim_core::Money,
    pub test: bool,
}

/// The detail of `esim:error`: what failed, the API's stable code when there is one, and the
/// message the shopper was shown.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Failed<'a> {
    pub stage: &'a str,
    pub code: Option<&'a str>,
    pub message: String,
}

impl<'a> Failed<'a> {
    /// Describes `error` met while doing `stage` ("order", "top-up", "cancel").
    pub(crate) fn new(stage: &'a str, error: &ApiError, locale: Locale) -> Self {
        let code = match error {
            ApiError::Api { code, .. } => Some(code.as_str()),
            ApiError::Network => Some("network"),
            ApiError::BadAnswer(_) => Some("bad_answer"),
        };
        Failed {
            stage,
            code,
            message: error.message(locale),
        }
    }
}

/// Returns the current widget's shared state.
pub(crate) fn use_shop() -> Shop {
    expect_context::<Shop>()
}
