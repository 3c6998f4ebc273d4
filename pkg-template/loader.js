// The one-script-tag entry point: loads the widget next to this file and defines
// <esim-store>, <esim-packages>, <esim-checkout> and <esim-my-esims>.
//
//   <script type="module" src="https://cdn.example/esim-storefront/loader.js"></script>
//   <esim-store api="https://shop.example/esim-api"></esim-store>
import init, { defineElements } from "./esim_storefront.js";

await init();
defineElements();
