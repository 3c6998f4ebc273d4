//! Topping up an eSIM: the packages that fit it, a confirmation with the price, the result.
//! One idempotency key per confirmed choice, reused by every retry of it, so a network failure
//! after the proxy accepted never adds the package twice.

use esim_core::api::{ErrorCode, Esim, TopUpRequest};
use esim_core::Package;
use leptos::prelude::*;
use serde::Serialize;

use crate::api::ApiError;
use crate::context::{use_shop, Failed};
use crate::i18n::Msg;
use crate::platform;
use crate::ui::status::{ErrorWithRetry, Skeleton};

/// Where the top-up is.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Closed,
    Loading,
    Choose(Vec<Package>),
    LoadFailed(ApiError),
    /// A package chosen, with this attempt's idempotency key; being added when `busy`; the
    /// last attempt's error, if it failed.
    Confirm {
        package: Box<Package>,
        key: String,
        busy: bool,
        error: Option<ApiError>,
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

    let add = {
        let shop = shop.clone();
        move |package: Package, key: String| {
            let shop = shop.clone();
            stage.set(Stage::Confirm {
                package: Box::new(package.clone()),
                key: key.clone(),
                busy: true,
                error: None,
            });
            leptos::task::spawn_local(async move {
                let request = TopUpRequest {
                    package_code: package.code.clone(),
                    currency: package.price.currency().code().to_owned(),
                };
                let id = esim_id.get_value();
                match shop.buyer_api().top_up(&id, &request, &key).await {
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
                        shop.emit("esim:error", &Failed::new("top-up", &error, locale));
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
            view! { <Confirm package key busy error on_confirm on_back /> }.into_any()
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
    error: Option<ApiError>,
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
    let error = error.map(|e| {
        // The proxy refuses a top-up only when it certainly bought nothing; without an
        // answer, or while it is still at work, the same key retried never buys twice.
        let charge = match &e {
            ApiError::Api { code, .. }
                if !matches!(
                    code,
                    ErrorCode::ProviderTimeout | ErrorCode::RequestInProgress
                ) =>
            {
                Msg::NothingCharged
            }
            _ => Msg::NotCharged,
        };
        view! { <p class="error" role="alert">{e.message(locale)} " " {locale.t(charge)}</p> }
    });
    let confirm = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = confirm.get() {
            let _ = button.focus();
        }
    });
    view! {
        <div class="confirm">
            <p class="question">{question}</p>
            {error}
            <div class="actions">
                <button type="button" class="button confirm-top-up" node_ref=confirm disabled=busy
                    aria-busy=busy.to_string()
                    on:click=move |_| on_confirm.run((package.clone(), key.clone()))>
                    {if busy { locale.t(Msg::Adding) } else { locale.t(Msg::ConfirmTopUp) }}
                </button>
                <button type="button" class="button secondary" disabled=busy on:click=move |_| on_back.run(())>
                    {locale.t(Msg::Back)}
                </button>
            </div>
        </div>
    }
}
