//! Component tests of the widget in headless Chromium (`cargo xtask test` runs them through
//! wasm-bindgen-test-runner and chromedriver).
#![cfg(target_arch = "wasm32")]

use esim_storefront::mount;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Returns a fresh element attached to the page.
fn host() -> HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let el: HtmlElement = document.create_element("div").unwrap().dyn_into().unwrap();
    document.body().unwrap().append_child(&el).unwrap();
    el
}

fn options(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

fn find(host: &HtmlElement, selector: &str) -> Option<Element> {
    host.shadow_root()?.query_selector(selector).unwrap()
}

fn text(host: &HtmlElement, selector: &str) -> String {
    find(host, selector)
        .unwrap_or_else(|| panic!("no {selector} in the shadow root"))
        .text_content()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn shows_qr_code_install_link_and_manual_fields_in_a_shadow_root() {
    let el = host();
    let _handle = mount(
        el.clone(),
        options(r#"{"panel":"install","activationCode":"LPA:1$rsp-eu.simlessly.com$D1094CA8","data":5368709120}"#),
    )
    .unwrap();

    assert!(
        el.shadow_root().is_some(),
        "rendered into an open shadow root"
    );
    assert_eq!(
        el.children().length(),
        0,
        "nothing leaks into the light DOM"
    );
    assert_eq!(text(&el, ".data"), "5 GB");
    assert_eq!(text(&el, ".smdp"), "rsp-eu.simlessly.com");
    assert_eq!(text(&el, ".matching-id"), "D1094CA8");
    let qr = find(&el, "svg.qr path").expect("a QR code drawn as an SVG path");
    assert!(qr.get_attribute("d").unwrap().starts_with("M4 4h1v1h-1z"));
    let svg = find(&el, "svg.qr").unwrap();
    assert_eq!(svg.get_attribute("role").as_deref(), Some("img"));
    assert!(svg.get_attribute("aria-label").is_some());
    let link = find(&el, "a.button").unwrap();
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=LPA:1$rsp-eu.simlessly.com$D1094CA8")
    );
}

#[wasm_bindgen_test]
fn a_bare_matching_id_uses_the_separate_address_and_unlimited_reads_as_such() {
    let el = host();
    let _handle = mount(
        el.clone(),
        options(
            r#"{"panel":"install","activationCode":"ABC-123","smdpAddress":"smdp.example.com","data":"unlimited"}"#,
        ),
    )
    .unwrap();
    assert_eq!(text(&el, ".data"), "Unlimited");
    assert_eq!(text(&el, ".smdp"), "smdp.example.com");
}

#[wasm_bindgen_test]
fn an_invalid_code_is_explained_not_rendered() {
    let el = host();
    let _handle = mount(
        el.clone(),
        options(r#"{"panel":"install","activationCode":"LPA:1$bad host$X"}"#),
    )
    .unwrap();
    let message = text(&el, "[role=alert]");
    assert!(message.contains("cannot be installed"), "{message}");
    assert!(message.contains("bad host"), "{message}");
    assert!(find(&el, "svg.qr").is_none());
}

#[wasm_bindgen_test]
fn markup_in_a_provider_value_is_shown_as_text() {
    let el = host();
    let _handle = mount(
        el.clone(),
        options(r#"{"panel":"install","activationCode":"<img src=x onerror=alert(1)>"}"#),
    )
    .unwrap();
    assert!(
        find(&el, "img").is_none(),
        "no element was created from the text"
    );
    assert!(text(&el, "[role=alert]").contains("must start with"));
}

#[wasm_bindgen_test]
fn bad_options_throw_a_helpful_error() {
    let err = mount(
        host(),
        options(r#"{"panel":"install","activationCod":"LPA:1$a.b$C"}"#),
    )
    .err()
    .unwrap();
    let message: js_sys::Error = JsValue::from(err).dyn_into().unwrap();
    let message = String::from(message.message());
    assert!(message.contains("invalid mount options"), "{message}");
    assert!(message.contains("activationCod"), "{message}");
}

#[wasm_bindgen_test]
fn unmount_removes_everything_and_two_instances_are_independent() {
    let (a, b) = (host(), host());
    let first = mount(
        a.clone(),
        options(r#"{"panel":"install","activationCode":"LPA:1$a.example$AAA"}"#),
    )
    .unwrap();
    let _second = mount(
        b.clone(),
        options(r#"{"panel":"install","activationCode":"LPA:1$b.example$BBB"}"#),
    )
    .unwrap();
    assert_eq!(text(&a, ".matching-id"), "AAA");
    assert_eq!(text(&b, ".matching-id"), "BBB");

    first.unmount();
    first.unmount();
    assert_eq!(a.shadow_root().unwrap().child_nodes().length(), 0);
    assert_eq!(
        text(&b, ".matching-id"),
        "BBB",
        "the other instance is untouched"
    );

    // The same element can be mounted again.
    let _again = mount(
        a.clone(),
        options(r#"{"panel":"install","activationCode":"LPA:1$a.example$CCC"}"#),
    )
    .unwrap();
    assert_eq!(text(&a, ".matching-id"), "CCC");
}

#[wasm_bindgen_test]
fn the_install_panel_needs_an_activation_code() {
    let err = mount(host(), options(r#"{"panel":"install"}"#))
        .err()
        .unwrap();
    let message: js_sys::Error = JsValue::from(err).dyn_into().unwrap();
    assert!(String::from(message.message()).contains("activationCode"));
}

#[wasm_bindgen_test]
fn a_dropped_handle_does_not_unmount_the_widget() {
    // Regression: pages that ignore mount()'s return value lost the widget when the garbage
    // collector freed the handle.
    let el = host();
    // Dropped at once, as a garbage collector frees a handle the page did not keep.
    let _ = mount(
        el.clone(),
        options(r#"{"panel":"install","activationCode":"LPA:1$a.example$KEEP"}"#),
    )
    .unwrap();
    assert_eq!(text(&el, ".matching-id"), "KEEP");
}

#[wasm_bindgen_test]
fn mounting_an_element_again_replaces_its_widget() {
    let el = host();
    let first = mount(
        el.clone(),
        options(r#"{"panel":"install","activationCode":"LPA:1$a.example$ONE"}"#),
    )
    .unwrap();
    let _second = mount(
        el.clone(),
        options(r#"{"panel":"install","activationCode":"LPA:1$a.example$TWO"}"#),
    )
    .unwrap();
    assert_eq!(
        el.shadow_root()
            .unwrap()
            .query_selector_all(".matching-id")
            .unwrap()
            .length(),
        1
    );
    assert_eq!(text(&el, ".matching-id"), "TWO");
    first.unmount();
    assert_eq!(
        text(&el, ".matching-id"),
        "TWO",
        "the old handle no longer reaches the new widget"
    );
}

#[wasm_bindgen_test]
fn update_changes_some_options_and_keeps_the_rest() {
    let el = host();
    let handle = mount(
        el.clone(),
        options(r#"{"panel":"install","activationCode":"LPA:1$a.example$ONE","data":1073741824}"#),
    )
    .unwrap();
    assert_eq!(
        el.get_attribute("data-esim-theme").as_deref(),
        Some("light")
    );
    handle
        .update(options(
            r#"{"activationCode":"LPA:1$a.example$TWO","theme":"dark"}"#,
        ))
        .unwrap();
    assert_eq!(text(&el, ".matching-id"), "TWO");
    assert_eq!(text(&el, ".data"), "1 GB", "options not given are kept");
    assert_eq!(el.get_attribute("data-esim-theme").as_deref(), Some("dark"));
    assert_eq!(
        el.shadow_root()
            .unwrap()
            .query_selector_all(".install")
            .unwrap()
            .length(),
        1
    );
    // An invalid change throws and leaves the widget as it was.
    assert!(handle.update(options(r#"{"theme":"purple"}"#)).is_err());
    assert!(handle
        .update(options(r#"{"activationCode":null}"#))
        .is_err());
    assert_eq!(text(&el, ".matching-id"), "TWO");
    handle.refresh();
    handle.unmount();
    assert!(
        handle.update(options("{}")).is_err(),
        "nothing to update once unmounted"
    );
}

#[wasm_bindgen_test]
fn the_pages_root_font_size_does_not_resize_the_widget() {
    let el = host();
    let _handle = mount(
        el.clone(),
        options(r#"{"panel":"install","activationCode":"LPA:1$a.example$ONE","data":1073741824}"#),
    )
    .unwrap();
    let size = || {
        let data = find(&el, ".data").unwrap();
        web_sys::window()
            .unwrap()
            .get_computed_style(&data)
            .unwrap()
            .unwrap()
            .get_property_value("font-size")
            .unwrap()
    };
    let root: HtmlElement = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .document_element()
        .unwrap()
        .dyn_into()
        .unwrap();
    let before = size();
    // The "62.5%" trick many sites use.
    root.style().set_property("font-size", "62.5%").unwrap();
    let after = size();
    root.style().remove_property("font-size").unwrap();
    assert_eq!(before, "25.6px");
    assert_eq!(after, before);
    el.style().set_property("--esim-font-size", "20px").unwrap();
    assert_eq!(size(), "32px", "the widget's own base size scales it");
}
