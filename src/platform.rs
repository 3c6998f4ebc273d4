//! The browser services the widget uses besides the DOM: storage, random ids, the clipboard,
//! and what kind of phone this is. Kept here, at the edge, so components stay plain.

/// The prefix of everything the widget keeps in `localStorage`, so it never collides with
/// the host page's own keys.
const STORAGE_PREFIX: &str = "esim-storefront:v1:";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Returns what the widget stored under `key`, if storage is available.
pub(crate) fn load(key: &str) -> Option<String> {
    storage()?
        .get_item(&format!("{STORAGE_PREFIX}{key}"))
        .ok()
        .flatten()
}

/// Stores `value` under `key`; private browsing without storage is not an error.
pub(crate) fn store(key: &str, value: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(&format!("{STORAGE_PREFIX}{key}"), value);
    }
}

/// Returns a new random UUID, for idempotency keys.
pub(crate) fn random_id() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("{:x}", (js_sys::Math::random() * 1e16) as u64))
}

/// Copies `text` to the clipboard (best effort: some browsers refuse without a gesture).
pub(crate) fn copy(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// Returns whether this is an iPhone or iPad, where the one-tap install link comes first.
pub(crate) fn is_ios() -> bool {
    web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .is_some_and(|ua| ua.contains("iPhone") || ua.contains("iPad"))
}

/// Waits `duration` without blocking the page.
pub(crate) async fn sleep(duration: std::time::Duration) {
    let ms = i32::try_from(duration.as_millis()).unwrap_or(i32::MAX);
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
