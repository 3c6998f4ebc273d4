//! Topping up an eSIM: the packages that fit it, a confirmation with the price, the result.
//! One idempotency key per confirmed choice, reused by every retry of it, so a network failure
//! after the proxy accepted never adds the package twice.
//!
//! In a shop that takes cards, the confirmation holds the card field (`crate::card`, through
//! its own slot) and the top-up is an order of its own (`top_up_of` the eSIM): paid like a
//! checkout, another card tried on the same order after a decline, added once paid.

use std::time::Duration;

use esim_core::api::{ErrorCode, Esim, Order, OrderRequest, OrderState, TopUpRequest};
use esim_core::Package;
use leptos::prelude::*;
use serde::Serialize;

use crate::api::{Api, ApiError};
use crate::card::{self, CardField, NotPaid, Unpaid};
use crate::context::{use_shop, Failed};
use crate::i18n::Msg;
use crate::platform;
use crate::ui::status::{ErrorWithRetry, Skeleton};

/// How often a paid top-up is asked about, and for how long.
const POLL_EVERY: Duration = Duration::from_millis(1500);
const POLL_TRIES: u32 = 40;

/// Where the top-up is.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Closed,
    Loading,
    Choose(Vec<Package>),
    LoadFailed(ApiError),
    /// A package chosen, with this attempt's idempotency key; being added (or paid) when
    /// `busy`; what the last attempt came to, if it did not add it.
    Confirm {
        package: Box<Package>,
        key: String,
        busy: bool,
        error: Option<Problem>,
    },
}

impl Stage {
    fn confirm(package: Package, key: String) -> Stage {
        Stage::Confirm {
            package: Box::new(package),
            key,
            busy: false,
            error: None,
        }
    }
}

/// Why a top-up has not been added (yet).
#[derive(Debug, Clone, PartialEq)]
enum Problem {
    /// The proxy's answer, or none.
    Api(ApiError),
    /// The card payment did not go through: nothing was charged.
    Unpaid(Unpaid),
    /// Paid for, and the supplier has not confirmed it: the shop is checking it.
    Checking,
}

/// The detail of `esim:topup`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ToppedUp<'a> {
    esim_id: &'a str,
    package_code: &'a str,
}

/// The top-up section of one eSIM.
#[component]
pub(super) fn TopUp(
    /// The eSIM to top up.
    esim_id: String,
    /// Receives the eSIM after the top-up, and what to tell the shopper.
    on_change: Callback<(Esim, String)>,
) -> impl IntoView {
    let shop = use_shop();
    let locale = shop.locale;
    let stage = RwSignal::new(Stage::Closed);
    let esim_id = StoredValue::new(esim_id);

    let load = {
        let shop = shop.clone();
        move || {
            let api = shop.buyer_api();
            let (id, currency) = (esim_id.get_value(), shop.currency.get());
            stage.set(Stage::Loading);
            leptos::task::spawn_local(async move {
                let next = match api.top_ups(&id, currency.as_deref()).await {
                    Ok(list) => Stage::Choose(list.packages),
                    Err(error) => Stage::LoadFailed(error),
                };
                let _ = stage.try_set(next);
            });
        }
    };

    // In a card shop: the card field, mounted while a top-up is being confirmed, and the
    // order of this attempt still awaiting payment (the attempt's key, the order's id).
    // In a card shop: the card field, mounted while a top-up is being confirmed, and the
    // order of this attempt still awaiting payment (the attempt's key, the order's id).
    let payment = shop.payment();
    let confirming = Memo::new(move |_| matches!(stage.get(), Stage::Confirm { .. }));
    let card_field = card::field_for(&shop, card::TOP_UP_SLOT, confirming);
    let unpaid_order: RwSignal<Option<(String, String)>> = RwSignal::new(None);

    let add = {
        let shop = shop.clone();
        move |package: Package, key: String| {
            let shop = shop.clone();
            let card = match payment() {
                Some(_) => match card_field.get_untracked() {
                    Some(Ok(field)) => Some(field),
                    Some(Err(e)) => {
                        stage.set(Stage::Confirm {
                            package: Box::new(package),
                            key,
                            busy: false,
                            error: Some(Problem::Unpaid(Unpaid::Card(e))),
                        });
                        return;
                    }
                    // Still loading: the button says so and waits.
                    None => return,
                },
                None => None,
            };
            stage.set(Stage::Confirm {
                package: Box::new(package.clone()),
                key: key.clone(),
                busy: true,
                error: None,
            });
            leptos::task::spawn_local(async move {
                let id = esim_id.get_value();
                let api = shop.buyer_api();
                let added = match &card {
                    Some(field) => {
                        paid_top_up(&api, &id, &package, &key, field, unpaid_order).await
                    }
                    None => {
                        let request = TopUpRequest {
                            package_code: package.code.clone(),
                            currency: package.price.currency().code().to_owned(),
                        };
                        api.top_up(&id, &request, &key).await.map_err(Problem::Api)
                    }
                };
                match added {
                    Ok(esim) => {
                        let detail = ToppedUp {
                            esim_id: &id,
                            package_code: &package.code,
                        };
                        shop.emit("esim:topup", &detail);
                        let _ = stage.try_set(Stage::Closed);
                        on_change.run((esim, locale.t(Msg::TopUpDone).to_owned()));
                    }
                    Err(error) => {
                        if let Problem::Api(e) = &error {
                            shop.emit("esim:error", &Failed::new("top-up", e, locale));
                        }
                        let _ = stage.try_set(Stage::Confirm {
                            package: Box::new(package),
                            key,
                            busy: false,
                            error: Some(error),
                        });
                    }
                }
            });
        }
    };

    let body = move || {
        match stage.get() {
        Stage::Closed => {
            let load = load.clone();
            view! {
                <button type="button" class="button add-data" on:click=move |_| load()>
                    {locale.t(Msg::AddData)}
                </button>
            }
            .into_any()
        }
        Stage::Loading => view! { <Skeleton count=2 /> }.into_any(),
        Stage::LoadFailed(error) => {
            let load = load.clone();
            let on_retry = Callback::new(move |()| load());
            view! { <ErrorWithRetry error on_retry /> }.into_any()
        }
        Stage::Choose(packages) if packages.is_empty() => {
            view! { <p class="empty">{locale.t(Msg::NoTopUps)}</p> }.into_any()
        }
        Stage::Choose(packages) => view! {
            <fieldset class="top-ups">
                <legend>{locale.t(Msg::ChooseTopUp)}</legend>
                <ul class="plans">
                    {packages
                        .into_iter()
                        .map(|package| {
                            let text = format!(
                                "{} · {}",
                                locale.volume(package.data),
                                locale.validity(package.validity)
                            );
                            let price = locale.price(package.price);
                            view! {
                                <li class="plan">
                                    <button type="button" class="plan-card top-up-option"
                                        on:click=move |_| stage.set(Stage::confirm(package.clone(), platform::random_id()))>
                                        <span class="plan-data">{text}</span>
                                        <span class="plan-price">{price}</span>
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <button type="button" class="link" on:click=move |_| stage.set(Stage::Closed)>
                    {locale.t(Msg::Back)}
                </button>
            </fieldset>
        }
        .into_any(),
        Stage::Confirm {
            package,
            key,
            busy,
            error,
        } => {
            let add = add.clone();
            let on_confirm = Callback::new(move |(p, k)| add(p, k));
            let on_back = Callback::new(move |()| stage.set(Stage::Closed));
            let package = *package;
            let card = untrack(payment).is_some().then_some(card_field);
            view! { <Confirm package key busy error card on_confirm on_back /> }.into_any()
        }
        }
    };

    view! {
        <section class="esim-section top-up" aria-labelledby="top-up-title">
            <h4 id="top-up-title">{locale.t(Msg::TopUpBadge)}</h4>
            {body}
        </section>
    }
}

/// "Add 3 GB · 15 days to this eSIM for $9.00?" with confirm and back, and the last error.
#[component]
fn Confirm(
    package: Package,
    /// This attempt's idempotency key, sent again by a retry.
    key: String,
    busy: bool,
    error: Option<Problem>,
    /// In a shop that takes cards: its card field (none while it loads).
    card: Option<card::FieldSignal>,
    on_confirm: Callback<(Package, String)>,
    on_back: Callback<()>,
) -> impl IntoView {
    let locale = use_shop().locale;
    let what = format!(
        "{} · {}",
        locale.volume(package.data),
        locale.validity(package.validity)
    );
    let question = locale.top_up_question(&what, &locale.price(package.price));
    let error = error.map(|problem| match problem {
        Problem::Api(e) => {
            // The proxy refuses a top-up only when it certainly bought nothing; without an
            // answer, or while it is still at work, the same key retried never buys twice.
            let charge = match &e {
                ApiError::Api { code, .. }
                    if !matches!(
                        code,
                        ErrorCode::ProviderTimeout
                            | ErrorCode::RequestInProgress
                            | ErrorCode::Internal
                    ) =>
                {
                    Msg::NothingCharged
                }
                _ => Msg::NotCharged,
            };
            view! { <p class="error" role="alert">{e.message(locale)} " " {locale.t(charge)}</p> }
                .into_any()
        }
        Problem::Unpaid(why) => view! {
            <p class="error" role="alert">{why.message(locale)} " " {locale.t(Msg::PaymentNotTaken)}</p>
        }
        .into_any(),
        Problem::Checking => {
            view! { <p class="note" role="status">{locale.t(Msg::TopUpChecking)}</p> }.into_any()
        }
    });
    let takes_card = card.is_some();
    let card_block = card.map(|field| {
        view! {
            <div class="field card-field">
                <span>{locale.t(Msg::CardLabel)}</span>
                <div class="card-box" part="card"><slot name=card::TOP_UP_SLOT></slot></div>
                <p class="muted card-loading" role="status" hidden=move || field.with(Option::is_some)>{locale.t(Msg::CardLoading)}</p>
            </div>
        }
    });
    // Focus on what the shopper does next: the card field once it is there (Tab order then
    // leads to the button), else the button.
    let confirm = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(Some(Ok(field))) = card.map(|c| c.get()) {
            field.focus();
        } else if let Some(button) = confirm.get() {
            let _ = button.focus();
        }
    });
    view! {
        <div class="confirm">
            <p class="question">{question}</p>
            {card_block}
            {error}
            <div class="actions">
                <button type="button" class="button confirm-top-up" node_ref=confirm disabled=busy
                    aria-busy=busy.to_string()
                    on:click=move |_| on_confirm.run((package.clone(), key.clone()))>
                    {match (busy, takes_card) {
                        (true, true) => locale.t(Msg::Paying),
                        (true, false) => locale.t(Msg::Adding),
                        (false, true) => locale.t(Msg::PayNow),
                        (false, false) => locale.t(Msg::ConfirmTopUp),
                    }}
                </button>
                <button type="button" class="button secondary" disabled=busy on:click=move |_| on_back.run(())>
                    {locale.t(Msg::Back)}
                </button>
            </div>
        </div>
    }
}

/// A top-up in a shop that takes cards: its order (the same one again after a card that did
/// not go through), paid with the card field, then followed until the package is on the eSIM.
async fn paid_top_up(
    api: &Api,
    esim_id: &str,
    package: &Package,
    key: &str,
    field: &CardField,
    unpaid_order: RwSignal<Option<(String, String)>>,
) -> Result<Esim, Problem> {
    let again = unpaid_order
        .get_untracked()
        .filter(|(k, _)| k == key)
        .map(|(_, id)| id);
    let order = match &again {
        Some(id) => api.order_by_id(id).await,
        None => {
            let request = OrderRequest {
                package_code: package.code.clone(),
                quantity: 1,
                currency: package.price.currency().code().to_owned(),
                email: None,
                top_up_of: Some(esim_id.to_owned()),
            };
            api.order(&request, key).await
        }
    }
    .map_err(Problem::Api)?;
    let _ = unpaid_order.try_set(Some((key.to_owned(), order.id.clone())));
    let order = card::pay(order, field, api, || ())
        .await
        .map_err(|e| match e {
            NotPaid::Unpaid(why) => Problem::Unpaid(why),
            NotPaid::Failed(e) => Problem::Api(e),
        })?;
    let _ = unpaid_order.try_set(None);
    followed(order, api).await
}

/// Follows a paid top-up order until its package is on the eSIM (or it failed, its payment
/// released).
async fn followed(mut order: Order, api: &Api) -> Result<Esim, Problem> {
    for _ in 0..POLL_TRIES {
        match order.state {
            OrderState::Completed => {
                return order.esims.into_iter().next().ok_or(Problem::Checking);
            }
            OrderState::Failed => {
                return Err(Problem::Unpaid(Unpaid::Api(ApiError::Api {
                    code: ErrorCode::NotAllowed,
                    detail: order.failure.unwrap_or_default(),
                    retry_after: None,
                })));
            }
            OrderState::NeedsReview => return Err(Problem::Checking),
            OrderState::Pending | OrderState::AwaitingPayment => {
                platform::sleep(POLL_EVERY).await;
                if let Ok(fresh) = api.order_by_id(&order.id).await {
                    order = fresh;
                }
            }
        }
    }
    Err(Problem::Checking)
}
