//! The card field: Stripe.js, loaded only when a card payment is about to show (a
//! `window.Stripe` the page already has is used instead), and Stripe's card Element mounted
//! in the **light DOM** (Stripe refuses to mount inside a shadow root): a child of the widget's
//! host element, `slot="esim-card"` (the checkout's) or `slot="esim-top-up-card"` (a
//! top-up's), shown through that named `<slot>`. Themed from the widget's own `--esim-*`
//! properties through Stripe's style options. And [`pay`]: an order awaiting payment paid
//! with it, the same for an order and a top-up.
//!
//! Stripe.js is called through `js_sys::Reflect`, from this module only; it sits in the
//! chunks of the checkout and my eSIMs, so a first visit downloads none of it.

use esim_core::api::{ErrorCode, Order, OrderState, PaymentRequest, PaymentState};
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlElement;

use crate::api::{Api, ApiError};
use crate::i18n::{Locale, Msg};

/// The slot the checkout's card field is shown through.
pub(crate) const SLOT: &str = "esim-card";

/// The slot a top-up's card field is shown through (the checkout's may be mounted too).
pub(crate) const TOP_UP_SLOT: &str = "esim-top-up-card";

/// Why the card step did not go through.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CardError {
    /// Stripe.js or its field could not be loaded (offline, blocked by the page's policy).
    Unavailable,
    /// The card was declined or its details refused (Stripe's code, for the console).
    Declined(String),
    /// The bank's check (3-D Secure) failed or was cancelled.
    NotConfirmed(String),
}

/// A mounted card field and the Stripe.js instance it belongs to.
#[derive(Clone)]
pub(crate) struct CardField {
    stripe: JsValue,
    element: JsValue,
    holder: web_sys::Element,
}

impl CardField {
    /// Loads Stripe.js from `js_url` (once per page) and mounts a card field for the
    /// merchant's `publishable_key` as a light-DOM child of `host`, in `slot`.
    pub(crate) async fn mount(
        host: &HtmlElement,
        publishable_key: &str,
        js_url: &str,
        slot: &str,
    ) -> Result<CardField, CardError> {
        let constructor = stripe_js(js_url).await?;
        let stripe = constructor
            .call1(&JsValue::UNDEFINED, &publishable_key.into())
            .map_err(|_| CardError::Unavailable)?;
        let elements = call(&stripe, "elements", &[])?;
        let options = object(&[("style", style_of(host)), ("hidePostalCode", JsValue::TRUE)]);
        let element = call(&elements, "create", &["card".into(), options])?;
        let document = host.owner_document().ok_or(CardError::Unavailable)?;
        let holder = document
            .create_element("div")
            .map_err(|_| CardError::Unavailable)?;
        let _ = holder.set_attribute("slot", slot);
        let _ = holder.set_attribute("class", "esim-card-field");
        host.append_child(&holder)
            .map_err(|_| CardError::Unavailable)?;
        call(&element, "mount", &[holder.clone().into()])?;
        Ok(CardField {
            stripe,
            element,
            holder,
        })
    }

    /// Confirms the order's SetupIntent with the card typed in the field
    /// (`stripe.confirmCardSetup`); returns the payment method (`pm_…`) to pay with.
    pub(crate) async fn set_up(&self, setup_secret: &str) -> Result<String, CardError> {
        let data = object(&[("payment_method", object(&[("card", self.element.clone())]))]);
        let result = awaited(call(
            &self.stripe,
            "confirmCardSetup",
            &[setup_secret.into(), data],
        )?)
        .await?;
        if let Some(error) = field(&result, "error").filter(|e| e.is_object()) {
            return Err(CardError::Declined(describe(&error)));
        }
        let method = field(&result, "setupIntent")
            .and_then(|intent| field(&intent, "payment_method"))
            .ok_or(CardError::Unavailable)?;
        // A string, or the expanded object.
        method
            .as_string()
            .or_else(|| field(&method, "id").and_then(|id| id.as_string()))
            .ok_or(CardError::Unavailable)
    }

    /// Completes the bank's check (3-D Secure) of the order's PaymentIntent
    /// (`stripe.confirmCardPayment`).
    pub(crate) async fn authenticate(&self, client_secret: &str) -> Result<(), CardError> {
        let result = awaited(call(
            &self.stripe,
            "confirmCardPayment",
            &[client_secret.into()],
        )?)
        .await?;
        match field(&result, "error").filter(|e| e.is_object()) {
            Some(error) => Err(CardError::NotConfirmed(describe(&error))),
            None => Ok(()),
        }
    }

    /// Puts the keyboard in the field.
    pub(crate) fn focus(&self) {
        let _ = call(&self.element, "focus", &[]);
    }

    /// Removes the field from the page.
    pub(crate) fn remove(&self) {
        let _ = call(&self.element, "destroy", &[]);
        self.holder.remove();
    }
}

/// Where a panel keeps its card field: none until it has loaded, then the field or why not.
pub(crate) type FieldSignal =
    leptos::prelude::RwSignal<Option<Result<CardField, CardError>>, leptos::prelude::LocalStorage>;

/// A panel's card field in a shop that takes cards: Stripe.js loaded and the field mounted in
/// `slot` of the widget's host while `wanted`, removed when it no longer is, or when the panel
/// goes. `None` in the signal until it has loaded (or failed to).
pub(crate) fn field_for(
    shop: &crate::context::Shop,
    slot: &'static str,
    wanted: leptos::prelude::Memo<bool>,
) -> FieldSignal {
    use esim_core::api::{PaymentKind, PaymentSettings};
    use leptos::prelude::*;
    let field: FieldSignal = RwSignal::new_local(None);
    let payment = shop.payment();
    let host = shop.host();
    Effect::new(move |_| {
        let Some(PaymentSettings {
            kind: PaymentKind::Stripe,
            publishable_key,
            js_url,
        }) = payment()
        else {
            return;
        };
        if !wanted.get() {
            if let Some(Some(Ok(mounted))) = field.try_get_untracked() {
                mounted.remove();
            }
            let _ = field.try_set(None);
            return;
        }
        if field.with_untracked(Option::is_some) {
            return;
        }
        let host = host.clone();
        leptos::task::spawn_local(async move {
            let mounted = CardField::mount(&host, &publishable_key, &js_url, slot).await;
            if let Err(e) = &mounted {
                web_sys::console::warn_1(
                    &format!("esim-storefront: the card field did not load: {e:?}").into(),
                );
            }
            // No longer wanted, or the panel went while Stripe.js loaded: removed again.
            let still = wanted.try_get_untracked() == Some(true);
            if !still || field.try_set(Some(mounted.clone())).is_some() {
                if let Ok(mounted) = mounted {
                    mounted.remove();
                }
            }
        });
    });
    on_cleanup(move || {
        if let Some(Some(Ok(mounted))) = field.try_get_untracked() {
            mounted.remove();
        }
    });
    field
}

/// Why a card payment did not go through, and nothing was charged: another card (or the same
/// again) may be tried on the same order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Unpaid {
    /// In the browser, with Stripe.js.
    Card(CardError),
    /// The proxy's definitive answer (a declined card, the provider refusing the order).
    Api(ApiError),
}

impl Unpaid {
    /// What the shopper reads (with [`Msg::PaymentNotTaken`] beside it).
    pub(crate) fn message(&self, locale: Locale) -> String {
        match self {
            Unpaid::Api(error) => error.message(locale),
            Unpaid::Card(CardError::Declined(_)) => {
                locale.error(ErrorCode::CardDeclined).to_owned()
            }
            Unpaid::Card(CardError::NotConfirmed(_)) => locale.t(Msg::CardNotConfirmed).to_owned(),
            Unpaid::Card(CardError::Unavailable) => locale.t(Msg::CardUnavailable).to_owned(),
        }
    }
}

/// A card payment that did not end with the order paid.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NotPaid {
    /// Nothing was charged; another card may be tried on the same order.
    Unpaid(Unpaid),
    /// Where the money is cannot be said from here (the proxy's own failure, or no answer and
    /// the order unreadable): the same attempt may be retried, never a second order.
    Failed(ApiError),
}

/// Pays an order awaiting payment with the card field: sets the card up, has the proxy pay
/// with it, completes the bank's check when asked; `paying` is called as each step starts.
/// Returns the order once it is no longer awaiting payment (for the caller to follow).
pub(crate) async fn pay(
    mut order: Order,
    field: &CardField,
    api: &Api,
    paying: impl Fn(),
) -> Result<Order, NotPaid> {
    let unpaid = |why| Err(NotPaid::Unpaid(why));
    // At most: the card, the bank's check, and the proxy's look after it.
    for _ in 0..4 {
        let Some(payment) = order
            .payment
            .clone()
            .filter(|_| order.state == OrderState::AwaitingPayment)
        else {
            return Ok(order);
        };
        paying();
        let request = match payment.state {
            PaymentState::RequiresCard => {
                let Some(secret) = payment.setup_secret.as_deref() else {
                    return unpaid(Unpaid::Card(CardError::Unavailable));
                };
                match field.set_up(secret).await {
                    Ok(method) => PaymentRequest {
                        payment_method: Some(method),
                    },
                    Err(e) => {
                        web_sys::console::warn_1(
                            &format!("esim-storefront: the card was not set up: {e:?}").into(),
                        );
                        return unpaid(Unpaid::Card(e));
                    }
                }
            }
            PaymentState::RequiresAction => {
                let Some(secret) = payment.client_secret.as_deref() else {
                    return unpaid(Unpaid::Card(CardError::Unavailable));
                };
                if let Err(e) = field.authenticate(secret).await {
                    web_sys::console::warn_1(
                        &format!("esim-storefront: the bank's check failed: {e:?}").into(),
                    );
                    return unpaid(Unpaid::Card(e));
                }
                PaymentRequest::default()
            }
            _ => return Ok(order),
        };
        order = match api.pay(&order.id, &request).await {
            Ok(paid) => paid,
            // The proxy's own failure: where the money is cannot be said from here.
            Err(
                e @ ApiError::Api {
                    code: ErrorCode::Internal,
                    ..
                },
            ) => return Err(NotPaid::Failed(e)),
            // The proxy said no: nothing was charged (a declined card, or the provider
            // refused and the hold was released).
            Err(e @ ApiError::Api { .. }) => return unpaid(Unpaid::Api(e)),
            // No answer: the order itself says whether the payment went through.
            Err(e) => match api.order_by_id(&order.id).await {
                Ok(read) if read.state == OrderState::AwaitingPayment => {
                    return unpaid(Unpaid::Api(e))
                }
                Ok(read) => read,
                Err(_) => return Err(NotPaid::Failed(e)),
            },
        };
    }
    Ok(order)
}

/// `window.Stripe`, loading Stripe.js from `url` first if the page has not.
async fn stripe_js(url: &str) -> Result<Function, CardError> {
    let window = web_sys::window().ok_or(CardError::Unavailable)?;
    if let Some(stripe) = stripe_of(&window) {
        return Ok(stripe);
    }
    let document = window.document().ok_or(CardError::Unavailable)?;
    // One script per page, whichever widget asked first; the others wait on the same one.
    let selector = "script[data-esim-stripe]";
    let script = match document.query_selector(selector).ok().flatten() {
        Some(existing) => existing,
        None => {
            let script = document
                .create_element("script")
                .map_err(|_| CardError::Unavailable)?;
            let _ = script.set_attribute("src", url);
            let _ = script.set_attribute("data-esim-stripe", "");
            let head = document.head().ok_or(CardError::Unavailable)?;
            head.append_child(&script)
                .map_err(|_| CardError::Unavailable)?;
            script
        }
    };
    if stripe_of(&window).is_none() {
        let loaded = Promise::new(&mut |resolve, reject| {
            let on_load = Closure::once_into_js(move || {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            });
            let on_error = Closure::once_into_js(move || {
                let _ = reject.call0(&JsValue::UNDEFINED);
            });
            let target: &web_sys::EventTarget = script.unchecked_ref();
            let _ = target.add_event_listener_with_callback("load", on_load.unchecked_ref());
            let _ = target.add_event_listener_with_callback("error", on_error.unchecked_ref());
        });
        JsFuture::from(loaded)
            .await
            .map_err(|_| CardError::Unavailable)?;
    }
    stripe_of(&window).ok_or(CardError::Unavailable)
}

fn stripe_of(window: &web_sys::Window) -> Option<Function> {
    Reflect::get(window, &"Stripe".into())
        .ok()
        .and_then(|s| s.dyn_into::<Function>().ok())
}

/// Stripe's style options from the widget's theme (`--esim-*`): the text colour, font and size
/// of the card's box, its muted colour for placeholders and its danger colour for invalid
/// input, as the browser computes them (Stripe's frame cannot read our custom properties, and
/// would not understand `light-dark()`): the box carries them in `outline-color` and
/// `text-decoration-color` (see the stylesheet's `.card-box`).
fn style_of(host: &HtmlElement) -> JsValue {
    let themed: web_sys::Element = host
        .shadow_root()
        .and_then(|root| root.query_selector(".card-box").ok().flatten())
        .unwrap_or_else(|| host.clone().into());
    let computed = web_sys::window().and_then(|w| w.get_computed_style(&themed).ok().flatten());
    let read = |name: &str, fallback: &str| {
        computed
            .as_ref()
            .and_then(|c| c.get_property_value(name).ok())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| fallback.to_owned())
    };
    let base = object(&[
        ("color", read("color", "#1a1d21").into()),
        (
            "fontFamily",
            read("font-family", "system-ui, sans-serif").into(),
        ),
        ("fontSize", read("font-size", "16px").into()),
        (
            "::placeholder",
            object(&[("color", read("text-decoration-color", "#5b6168").into())]),
        ),
    ]);
    let invalid = object(&[("color", read("outline-color", "#b3261e").into())]);
    object(&[("base", base), ("invalid", invalid)])
}

fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&object, &(*key).into(), value);
    }
    object.into()
}

fn field(value: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(value, &name.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// Calls `target.name(...args)`.
fn call(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, CardError> {
    let method: Function = field(target, name)
        .and_then(|m| m.dyn_into().ok())
        .ok_or(CardError::Unavailable)?;
    let list = js_sys::Array::new();
    for arg in args {
        list.push(arg);
    }
    Reflect::apply(&method, target, &list).map_err(|_| CardError::Unavailable)
}

async fn awaited(value: JsValue) -> Result<JsValue, CardError> {
    let promise: Promise = value.dyn_into().map_err(|_| CardError::Unavailable)?;
    JsFuture::from(promise)
        .await
        .map_err(|_| CardError::Unavailable)
}

/// Stripe's error code and message, for the console (the shopper reads the widget's words).
fn describe(error: &JsValue) -> String {
    let text = |name| {
        field(error, name)
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    format!("{}: {}", text("code"), text("message"))
}
