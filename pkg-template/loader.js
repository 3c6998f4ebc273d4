// The one-script-tag entry point: loads the widget next to this file and defines
// <esim-store>, <esim-packages>, <esim-checkout> and <esim-my-esims>.
//
//   <script type="module" src="https://cdn.example/esim-storefront/loader.js"></script>
//   <esim-store api="https://shop.example/esim-api"></esim-store>
//
// The wasm download starts first, alongside the JavaScript it needs, not after it.
const wasm = fetch(new URL("./esim_storefront_bg.wasm", import.meta.url));
const { default: init, defineElements } = await import("./esim_storefront.js");
await init({ module_or_path: wasm });
defineElements();
