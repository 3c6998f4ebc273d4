//! Checkout: the plan, how many, in which currency, where the receipt goes, the proxy's
//! total, the card where the shop takes payment (`crate::card`), and then the order, followed
//! until the eSIMs can be installed.

use std::time::Duration;

use esim_core::api::{
    ErrorCode, Order, OrderRequest, OrderState, PaymentKind, PaymentSettings, QuoteRequest,
};
use esim_core::{api::is_valid_email, Package};
use leptos::prelude::*;

use crate::api::ApiError;
use crate::card::{self, NotPaid, Unpaid};
use crate::context::{use_shop, Failed, Ordered};
use crate::fetched::Fetched;
use crate::i18n::Msg;
use crate::platform;
use crate::ui::back::BackLink;
use crate::ui::install_card::InstallCard;
use crate::ui::status::{ErrorWithRetry, Skeleton};

/// How often a pending order is asked about, and for how long.
const POLL_EVERY: Duration = Duration::from_millis(1500);
const POLL_TRIES: u32 = 80;

/// Where the checkout is.
#[derive(Debug, Clone, PartialEq)]
enum Phase {
    /// Filling in the form (again, after a failure).
    Form,
    /// The order request is on its way.
    Placing,
    /// The card is being set up, paid with, or checked by the bank.
    Paying,
    /// The card payment did not go through, and nothing was charged: another card (or the
    /// same again) may be tried on the same order.
    Unpaid(Unpaid),
    /// Accepted; eSIMs are being issued.
    Waiting,
    /// The supplier has not confirmed it: the shop is checking it (never charged twice).
    Checking,
    /// Ready to install.
    Done(Order),
    /// It failed; the same attempt may be retried.
    Failed(ApiError),
}

/// The view a [`Phase`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Form,
    Waiting,
    Checking,
    Done,
}

/// The checkout panel for one plan.
#[component]
pub(crate) fn Checkout(
    /// The plan being bought, priced in the shopper's currency.
    package: Package,
    /// Called to go back to the plans.
    on_back: Callback<()>,
) -> impl IntoView {
    let shop = use_shop();
    let locale = shop.locale;
    let quantity = RwSignal::new(1u32);
    let email = RwSignal::new(String::new());
    let terms = RwSignal::new(false);
    let tried = RwSignal::new(false);
    let phase = RwSignal::new(Phase::Form);
    // One idempotency key per checkout attempt: kept across retries, renewed when what is
    // being ordered changes. Renewed in the input handlers themselves, not in an effect: an
    // effect runs later, and could renew the key after an attempt had already taken it.
    let attempt: RwSignal<Option<String>> = RwSignal::new(None);
    // A card order of this attempt still awaiting payment (the attempt's key, the order's id):
    // another card is tried on it, never on a second order.
    let unpaid_order: RwSignal<Option<(String, String)>> = RwSignal::new(None);

    let storefront = shop.storefront();
    let payment = shop.payment();
    // The card field, once a card checkout has shown it; removed with the panel.
    let card_field = card::field_for(&shop, card::SLOT, Memo::new(|_| true));
    let code = package.code.clone();
    let quote = {
        let (api, currency) = (shop.api.clone(), shop.currency);
        Fetched::new(move || {
            let request = QuoteRequest {
                package_code: code.clone(),
                quantity: quantity.get(),
                currency: currency.get().unwrap_or_default(),
            };
            let api = api.clone();
            async move { api.quote(&request).await }
        })
    };

    let email_ok = move || is_valid_email(&email.get());
    let place = {
        let shop = shop.clone();
        let code = package.code.clone();
        move || {
            tried.set(true);
            if !email_ok() || !terms.get() {
                return;
            }
            let key = attempt.get_untracked().unwrap_or_else(|| {
                let key = platform::random_id();
                attempt.set(Some(key.clone()));
                key
            });
            let request = OrderRequest {
                package_code: code.clone(),
                quantity: quantity.get_untracked(),
                currency: shop.currency.get_untracked().unwrap_or_default(),
                email: Some(email.get_untracked().trim().to_owned()),
                top_up_of: None,
            };
            let card = match payment() {
                Some(PaymentSettings {
                    kind: PaymentKind::Stripe,
                    ..
                }) => match card_field.get_untracked() {
                    Some(Ok(field)) => Some(field),
                    Some(Err(e)) => {
                        phase.set(Phase::Unpaid(Unpaid::Card(e)));
                        return;
                    }
                    // Still loading: the button says so and waits.
                    None => return,
                },
                None => None,
            };
            let again = unpaid_order
                .get_untracked()
                .filter(|(k, _)| card.is_some() && *k == key)
                .map(|(_, id)| id);
            phase.set(Phase::Placing);
            let shop = shop.clone();
            leptos::task::spawn_local(async move {
                let api = shop.buyer_api();
                let placed = match &again {
                    // The same order as it stands now (with a SetupIntent for this card).
                    Some(id) => api.order_by_id(id).await,
                    None => api.order(&request, &key).await,
                };
                match placed {
                    Ok(order) => {
                        if again.is_none() {
                            if let Some(token) = &order.guest_token {
                                shop.remember_guest(token);
                            }
                            let detail = Ordered {
                                order_id: &order.id,
                                total: &order.total,
                                test: order.test,
                            };
                            shop.emit("esim:order", &detail);
                        }
                        let api = shop.buyer_api();
                        let order = match &card {
                            Some(field) => {
                                let _ = unpaid_order.try_set(Some((key.clone(), order.id.clone())));
                                let paying = || {
                                    let _ = phase.try_set(Phase::Paying);
                                };
                                match card::pay(order, field, &api, paying).await {
                                    Ok(order) => {
                                        let _ = unpaid_order.try_set(None);
                                        order
                                    }
                                    Err(NotPaid::Unpaid(why)) => {
                                        let _ = phase.try_set(Phase::Unpaid(why));
                                        return;
                                    }
                                    Err(NotPaid::Failed(e)) => {
                                        let _ = phase.try_set(Phase::Failed(e));
                                        return;
                                    }
                                }
                            }
                            None => order,
                        };
                        follow(order, phase, api).await;
                    }
                    Err(error) => {
                        shop.emit("esim:error", &Failed::new("order", &error, shop.locale));
                        let _ = phase.try_set(Phase::Failed(error));
                    }
                }
            });
        }
    };

    let summary = {
        let package = package.clone();
        view! {
            <div class="summary">
                <p class="plan-title">{package.title.clone()}</p>
                <p class="muted">{locale.price(package.price)} " · " {locale.validity(package.validity)}</p>
            </div>
        }
    };
    let currencies = move || match storefront.get() {
        Some(Ok(s)) => s
            .currencies
            .iter()
            .map(|c| c.code().to_owned())
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    // The currency shown: the shopper's, or else the one the proxy prices in when none is
    // named (what an order without a currency is priced in), so the select is never blank.
    let chosen = move || {
        shop.currency
            .get()
            .unwrap_or_else(|| match storefront.get() {
                Some(Ok(s)) => s.default_currency.code().to_owned(),
                _ => String::new(),
            })
    };
    let test_mode = move || matches!(storefront.get(), Some(Ok(s)) if s.test_mode);
    let total = move || match quote.get() {
        None => view! { <span class="muted">{locale.t(Msg::Loading)}</span> }.into_any(),
        Some(Ok(q)) => view! { <strong class="total">{locale.price(q.total)}</strong> }.into_any(),
        Some(Err(error)) => {
            view! { <ErrorWithRetry error on_retry=Callback::new(move |()| quote.refetch()) /> }
                .into_any()
        }
    };
    let place = StoredValue::new_local(place);

    let form = move || {
        // Read in closures of their own: the form stays mounted while an order is placed and
        // paid (its fields, and the card field shown through its slot, keep their state).
        let failed = move || {
            let (text, note) = match phase.get() {
                Phase::Failed(error) => (
                    format!("{} {}", locale.t(Msg::OrderFailed), error.message(locale)),
                    Msg::NotCharged,
                ),
                Phase::Unpaid(why) => (why.message(locale), Msg::PaymentNotTaken),
                _ => return None,
            };
            Some(view! {
                <div class="error-box" role="alert">
                    <p>{text}</p>
                    <p class="muted">{locale.t(note)}</p>
                </div>
            })
        };
        let placing = move || matches!(phase.get(), Phase::Placing | Phase::Paying);
        // Known before the form first shows (see `body`): read once, so that the form is
        // built once and never rebuilt around the card field.
        let takes_cards = untrack(payment).is_some();
        let card_block = takes_cards.then(|| {
            view! {
                <div class="field card-field">
                    <span>{locale.t(Msg::CardLabel)}</span>
                    <div class="card-box" part="card"><slot name=card::SLOT></slot></div>
                    <p class="muted card-loading" role="status" hidden=move || card_field.with(Option::is_some)>{locale.t(Msg::CardLoading)}</p>
                </div>
            }
        });
        view! {
            <form class="checkout-form" novalidate on:submit=move |ev| {
                ev.prevent_default();
                place.with_value(|place| place());
            }>
                <label class="field">
                    <span>{locale.t(Msg::Quantity)}</span>
                    <select prop:value=move || quantity.get().to_string()
                        on:change=move |ev| {
                            attempt.set(None);
                            quantity.set(event_target_value(&ev).parse().unwrap_or(1));
                        }>
                        {(1..=esim_core::api::MAX_QUANTITY).map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{locale.t(Msg::Currency)}</span>
                    <select on:change=move |ev| {
                            attempt.set(None);
                            shop.currency.set(Some(event_target_value(&ev)));
                        }>
                        // Each option says whether it is chosen: a value set on the select
                        // before its options are there selects nothing.
                        {move || currencies().into_iter().map(|c| {
                            let selected = c == chosen();
                            view! { <option value=c.clone() prop:selected=selected>{c.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{locale.t(Msg::Email)}</span>
                    <input type="email" autocomplete="email" required
                        aria-invalid=move || (tried.get() && !email_ok()).to_string()
                        prop:value=move || email.get()
                        on:input=move |ev| {
                            attempt.set(None);
                            email.set(event_target_value(&ev));
                        } />
                </label>
                {move || (tried.get() && !email_ok()).then(|| view! { <p class="field-error" role="alert">{locale.t(Msg::EmailInvalid)}</p> })}
                <label class="check terms">
                    <input type="checkbox" prop:checked=move || terms.get() on:change=move |ev| terms.set(event_target_checked(&ev)) />
                    <span>{locale.t(Msg::Terms)}</span>
                </label>
                {move || (tried.get() && !terms.get()).then(|| view! { <p class="field-error" role="alert">{locale.t(Msg::TermsRequired)}</p> })}
                {card_block}
                <p class="total-line">{locale.t(Msg::Total)} ": " {total}</p>
                {move || test_mode().then(|| {
                    let note = if takes_cards { Msg::TestCard } else { Msg::TestPayment };
                    view! { <p class="test-note" role="note">{locale.t(note)}</p> }
                })}
                {failed}
                <button type="submit" class="button" part="button" disabled=placing>
                    {move || match (phase.get(), takes_cards, test_mode()) {
                        (Phase::Placing, _, _) => locale.t(Msg::Placing),
                        (Phase::Paying, _, _) => locale.t(Msg::Paying),
                        (_, true, _) => locale.t(Msg::PayNow),
                        (_, false, true) => locale.t(Msg::PlaceTestOrder),
                        (_, false, false) => locale.t(Msg::PlaceOrder),
                    }}
                </button>
            </form>
        }
    };

    // Which view shows, apart from what changes inside the form.
    let stage = Memo::new(move |_| match phase.get() {
        Phase::Waiting => Stage::Waiting,
        Phase::Checking => Stage::Checking,
        Phase::Done(_) => Stage::Done,
        _ => Stage::Form,
    });
    let body = move || match stage.get() {
        Stage::Waiting => view! {
            <div role="status"><p>{locale.t(Msg::Provisioning)}</p><Skeleton count=1 /></div>
        }
        .into_any(),
        Stage::Checking => view! {
            <div role="status" class="note"><p>{locale.t(Msg::OrderChecking)}</p></div>
        }
        .into_any(),
        Stage::Done => match phase.get_untracked() {
            Phase::Done(order) => view! { <OrderResult order on_back /> }.into_any(),
            _ => form().into_any(),
        },
        // The form waits for the storefront's settings: whether it takes a card decides its
        // shape.
        Stage::Form => match storefront.get() {
            None => view! { <Skeleton count=1 /> }.into_any(),
            Some(_) => form().into_any(),
        },
    };

    view! {
        <section class="checkout" part="checkout" aria-labelledby="checkout-title">
            <BackLink on_back />
            <h3 id="checkout-title">{locale.t(Msg::Checkout)}</h3>
            {summary}
            {body}
        </section>
    }
}

/// Follows an order until its eSIMs are ready (or it fails), updating `phase`.
async fn follow(mut order: Order, phase: RwSignal<Phase>, api: crate::api::Api) {
    for _ in 0..POLL_TRIES {
        match order.state {
            OrderState::Completed => {
                let _ = phase.try_set(Phase::Done(order));
                return;
            }
            OrderState::Failed if order.payment.is_some() => {
                // A card order that failed has had its payment released.
                let _ = phase.try_set(Phase::Unpaid(Unpaid::Api(ApiError::Api {
                    code: ErrorCode::ProviderUnavailable,
                    detail: order.failure.clone().unwrap_or_default(),
                    retry_after: None,
                })));
                return;
            }
            OrderState::Failed => {
                // The failure is the provider's own text, in its language: the shopper reads
                // the widget's words, the developer the provider's in the console.
                let detail = order.failure.clone().unwrap_or_default();
                web_sys::console::warn_1(
                    &format!("esim-storefront: order {} failed: {detail}", order.id).into(),
                );
                let _ = phase.try_set(Phase::Failed(ApiError::Api {
                    code: esim_core::api::ErrorCode::ProviderUnavailable,
                    detail,
                    retry_after: None,
                }));
                return;
            }
            OrderState::NeedsReview => {
                let _ = phase.try_set(Phase::Checking);
                return;
            }
            OrderState::Pending | OrderState::AwaitingPayment => {
                if phase.try_set(Phase::Waiting).is_some() {
                    // The widget was unmounted: stop asking.
                    return;
                }
                platform::sleep(POLL_EVERY).await;
                if let Ok(fresh) = api.order_by_id(&order.id).await {
                    order = fresh;
                }
            }
        }
    }
    // Still not issued after every look: it may yet be, so never say it failed.
    let _ = phase.try_set(Phase::Checking);
}

/// The finished order: one install card per eSIM.
#[component]
fn OrderResult(
    /// The completed order.
    order: Order,
    /// Called to shop again.
    on_back: Callback<()>,
) -> impl IntoView {
    let locale = use_shop().locale;
    let heading = NodeRef::<leptos::html::H3>::new();
    // Move focus to the result so keyboard and screen-reader users land on it.
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    let cards = order
        .esims
        .into_iter()
        .map(|esim| {
            let code = esim
                .install
                .as_ref()
                .map(|i| i.activation_code.clone())
                .ok_or_else(|| "no activation code yet".to_owned());
            let apn = esim.install.as_ref().and_then(|i| i.apn.clone());
            let data = esim.usage.map(|u| u.total);
            view! { <li class="esim-result"><p class="iccid">"ICCID " {esim.iccid.clone()}</p><InstallCard code data apn /></li> }
        })
        .collect_view();
    view! {
        <div class="result">
            <h3 class="ready" tabindex="-1" node_ref=heading>{locale.t(Msg::OrderReady)}</h3>
            <ul class="esim-results">{cards}</ul>
            <button type="button" class="button secondary" on:click=move |_| on_back.run(())>{locale.t(Msg::ShopMore)}</button>
        </div>
    }
}

/// The checkout panel on its own (`<esim-checkout package="…">`): loads the plan by its code,
/// priced in the shopper's currency, then checks it out. Its back button sends `esim:back`, for
/// the page to show its plans again.
#[component]
pub(crate) fn CheckoutOf(
    /// The plan's code ("JP-5GB-30D").
    code: String,
) -> impl IntoView {
    let shop = use_shop();
    let package = {
        let (api, currency) = (shop.api.clone(), shop.currency);
        Fetched::new(move || {
            let (api, code, currency) = (api.clone(), code.clone(), currency.get());
            async move { api.package(&code, currency.as_deref()).await }
        })
    };
    let on_back = Callback::new(move |()| shop.emit("esim:back", &()));
    move || match package.get() {
        None => view! { <Skeleton count=1 /> }.into_any(),
        Some(Err(error)) => {
            let on_retry = Callback::new(move |()| package.refetch());
            view! { <ErrorWithRetry error on_retry /> }.into_any()
        }
        Some(Ok(package)) => view! { <Checkout package on_back /> }.into_any(),
    }
}
