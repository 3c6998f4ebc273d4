//! How to install one eSIM: its QR code, the iOS one-tap link, and the two fields an Android
//! phone asks for, with the plan's data shown as the core formats it.

use esim_core::{ActivationCode, Volume};
use leptos::prelude::*;

use crate::ui::qr::QrCodeImage;

/// Installation details for one eSIM, or a readable error when the code is not valid.
#[component]
pub(crate) fn InstallCard(
    /// The activation code as the provider gave it.
    code: Result<ActivationCode, String>,
    /// The plan's data, if known.
    data: Option<Volume>,
) -> impl IntoView {
    let code = match code {
        Ok(code) => code,
        Err(reason) => {
            return view! {
                <section class="install" part="install">
                    <p class="error" role="alert">"This eSIM cannot be installed: " {reason}</p>
                </section>
            }
            .into_any()
        }
    };
    let data = data.map(|d| view! { <p class="data">{d.to_string()}</p> });
    view! {
        <section class="install" part="install">
            <h2>"Install your eSIM"</h2>
            {data}
            <QrCodeImage payload=code.to_lpa() label="QR code to install this eSIM".to_string() />
            <a class="button" part="button" href=code.ios_install_link()>"Install on iPhone"</a>
            <dl class="manual">
                <dt>"SM-DP+ address"</dt>
                <dd><code class="smdp">{code.smdp_address().to_string()}</code></dd>
                <dt>"Activation code"</dt>
                <dd><code class="matching-id">{code.matching_id().to_string()}</code></dd>
            </dl>
        </section>
    }
    .into_any()
}
