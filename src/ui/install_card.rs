//! How to install one eSIM: its QR code, the iOS one-tap link (first on iPhones), and the two
//! fields an Android phone asks for, with copy buttons and the APN.

use esim_core::{ActivationCode, Volume};
use leptos::prelude::*;

use crate::context::use_shop;
use crate::i18n::Msg;
use crate::platform;
use crate::ui::qr::QrCodeImage;

/// Installation details for one eSIM, or a readable error when the code is not valid.
#[component]
pub(crate) fn InstallCard(
    /// The activation code as the provider gave it.
    code: Result<ActivationCode, String>,
    /// The plan's data, if known.
    data: Option<Volume>,
    /// The access point name, if the provider gives one.
    #[prop(default = None)]
    apn: Option<String>,
) -> impl IntoView {
    let locale = use_shop().locale;
    let code =
        match code {
            Ok(code) => code,
            Err(reason) => return view! {
                <section class="install" part="install">
                    <p class="error" role="alert">{locale.t(Msg::CannotInstall)} " " {reason}</p>
                </section>
            }
            .into_any(),
        };
    let data = data.map(|d| view! { <p class="data">{locale.volume(d)}</p> });
    let ios = view! { <a class="button" part="button" href=code.ios_install_link()>{locale.t(Msg::InstallIphone)}</a> };
    let (ios_first, ios_last) = if platform::is_ios() {
        (Some(ios), None)
    } else {
        (None, Some(ios))
    };
    let apn =
        apn.map(|apn| view! { <p class="apn">{locale.t(Msg::Apn)} ": " <code>{apn}</code></p> });
    view! {
        <section class="install" part="install">
            {data}
            {ios_first}
            <QrCodeImage payload=code.to_lpa() label=locale.t(Msg::QrLabel).to_string() />
            <p class="hint">{locale.t(Msg::ScanQr)}</p>
            {ios_last}
            <h4>{locale.t(Msg::ManualInstall)}</h4>
            <dl class="manual">
                <dt>{locale.t(Msg::SmdpAddress)}</dt>
                <dd><code class="smdp">{code.smdp_address().to_string()}</code> <CopyButton text=code.smdp_address().to_string() /></dd>
                <dt>{locale.t(Msg::ActivationCode)}</dt>
                <dd><code class="matching-id">{code.matching_id().to_string()}</code> <CopyButton text=code.matching_id().to_string() /></dd>
            </dl>
            <p class="hint">{locale.t(Msg::AndroidSteps)}</p>
            {apn}
            <p class="hint">{locale.t(Msg::QrOnce)}</p>
        </section>
    }
    .into_any()
}

/// A button that copies `text` and says so.
#[component]
fn CopyButton(
    /// What to copy.
    text: String,
) -> impl IntoView {
    let locale = use_shop().locale;
    let copied = RwSignal::new(false);
    view! {
        <button type="button" class="copy" on:click=move |_| {
            platform::copy(&text);
            copied.set(true);
        }>
            {move || if copied.get() { locale.t(Msg::Copied) } else { locale.t(Msg::Copy) }}
        </button>
    }
}
