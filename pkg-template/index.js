// The package's main entry, for apps that bundle it (Vite, webpack, Rollup):
//
//   import { init, mount, defineElements } from "esim-storefront";
//   await init();                                  // fetches the .wasm next to this package's JS
//   const widget = mount(element, { api: "/esim-api", currency: "EUR" });
//   widget.update({ currency: "GBP" });
//   widget.unmount();
//   // or: defineElements({ api: "/esim-api" }); then <esim-store> in your markup
export {
  default as init,
  initSync,
  mount,
  defineElements,
  MountHandle,
} from "./esim_storefront.js";
