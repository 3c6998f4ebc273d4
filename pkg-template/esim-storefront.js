// The script-tag entry of esim-storefront. Put it on any page, as a module or a classic script:
//
//   <script type="module" src="https://cdn.example/esim-storefront/esim-storefront.js"
//           data-api="https://shop.example/esim-api"></script>
//   <script src="https://cdn.example/esim-storefront/esim-storefront.js" data-api="…"></script>
//
// then <esim-store></esim-store> (or <esim-packages>, <esim-checkout>, <esim-my-esims>)
// anywhere. The script's data-api, data-locale, data-currency, data-theme,
// data-customer-token and data-destination are defaults for every element; an element's own
// attributes win. data-wasm says where the .wasm is (default: next to this file).
//
// However many script tags include it, the widget is downloaded and started once; the wasm
// download starts at once, alongside the JavaScript that needs it. If loading fails, the page
// gets an `esim:error` event on `window` ({stage: "load", message}).
(function () {
  "use strict";
  var NAME = /(^|\/)esim-storefront(\.min)?\.js([?#]|$)/;
  // A classic script knows itself; a module finds its tag(s) by name.
  var scripts = document.currentScript
    ? [document.currentScript]
    : Array.prototype.filter.call(document.querySelectorAll("script[src]"), function (s) {
        return NAME.test(s.src);
      });
  var base = new URL(".", scripts.length ? scripts[0].src : location.href);
  var defaults = {};
  scripts.forEach(function (script) {
    Object.keys(script.dataset).forEach(function (key) {
      if (!(key in defaults)) defaults[key] = script.dataset[key];
    });
  });

  var key = Symbol.for("esim-storefront.loading");
  if (!window[key]) {
    var wasm = fetch(new URL(defaults.wasm || "esim_storefront_bg.wasm", base));
    window[key] = import(new URL("esim_storefront.js", base).href).then(function (widget) {
      return widget.default({ module_or_path: wasm }).then(function () {
        return widget;
      });
    });
  }
  window[key].then(
    function (widget) {
      widget.defineElements(defaults);
    },
    function (error) {
      var message = "esim-storefront could not load: " + (error && error.message ? error.message : error);
      console.error(message);
      window.dispatchEvent(new CustomEvent("esim:error", { detail: { stage: "load", message: message } }));
    }
  );
})();
