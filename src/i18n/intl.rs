//! The browser's `Intl`: numbers, prices and dates the locale's way, with each formatter made
//! once.

use wasm_bindgen::JsValue;

/// What a number format is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Style<'a> {
    /// Money in this ISO 4217 currency, with its usual fraction digits.
    Currency(&'a str),
    /// A plain number with exactly this many fraction digits.
    Digits(u32),
}

thread_local! {
    /// Every `Intl.NumberFormat` made so far, by locale and style. Making one costs about as
    /// much as formatting hundreds of numbers: a plan list made one per price, and that was a
    /// third of the time to the first plan card.
    static FORMATS: std::cell::RefCell<Vec<(String, js_sys::Function)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Formats decimal text exactly: `Intl.NumberFormat` accepts a string and does not round it
/// through a float.
pub(super) fn format_with(tag: &str, style: Style, decimal: &str) -> Option<String> {
    let key = match style {
        Style::Currency(code) => format!("{tag} {code}"),
        Style::Digits(digits) => format!("{tag} {digits}"),
    };
    let cached = FORMATS.with(|f| {
        f.borrow()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, format)| format.clone())
    });
    let format = match cached {
        Some(format) => format,
        None => {
            let options = js_sys::Object::new();
            let set = |k: &str, v: JsValue| {
                let _ = js_sys::Reflect::set(&options, &k.into(), &v);
            };
            match style {
                Style::Currency(code) => {
                    set("style", "currency".into());
                    set("currency", code.into());
                }
                Style::Digits(digits) => {
                    set("minimumFractionDigits", digits.into());
                    set("maximumFractionDigits", digits.into());
                }
            }
            let locales = js_sys::Array::of1(&tag.into());
            let format = js_sys::Intl::NumberFormat::new(&locales, &options).format();
            FORMATS.with(|f| f.borrow_mut().push((key, format.clone())));
            format
        }
    };
    format
        .call1(&JsValue::NULL, &JsValue::from_str(decimal))
        .ok()?
        .as_string()
}

/// Writes a date (Unix seconds) with `Intl.DateTimeFormat`'s medium style.
pub(super) fn date(tag: &str, unix_seconds: i64) -> String {
    let date = js_sys::Date::new(&JsValue::from(unix_seconds as f64 * 1000.0));
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let locales = js_sys::Array::of1(&tag.into());
    js_sys::Intl::DateTimeFormat::new(&locales, &options)
        .format()
        .call1(&JsValue::NULL, &date)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}
