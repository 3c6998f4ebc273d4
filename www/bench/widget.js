// Benchmark page: the widget's package browser on the sandbox's full catalogue, timed from this
// script's start (module load, wasm download and compile, API calls, render) to the first plan
// card; then destination search, key by key. Results go to window.__bench.
const t0 = performance.now();
window.__t0 = t0;
import { QUERY, typeTimed, until } from "./timing.js";

// As esim-storefront.js (the loader) does: the wasm download starts alongside the JavaScript.
const wasm = fetch("/pkg/esim_storefront_bg.wasm");
const { default: init, mount } = await import("/pkg/esim_storefront.js");
const imported = performance.now() - t0;
await init({ module_or_path: wasm });
const initialised = performance.now() - t0;
const host = document.getElementById("shop");
let widget = mount(host, { panel: "packages", destination: "JP", locale: "en", currency: "USD" });
await until(() => host.shadowRoot.querySelector(".plan-card"));
const firstCard = performance.now() - t0;
const cards = host.shadowRoot.querySelectorAll(".plan-card").length;

widget.unmount();
widget = mount(host, { panel: "packages", locale: "en", currency: "USD" });
const root = host.shadowRoot;
const input = await until(() => root.querySelector("#destination-search"));
await until(() => root.querySelector(".destination-button"));
const keystrokes = await typeTimed(input, QUERY, root.querySelector(".browse"));
const found = root.querySelector("#destination-suggestions .destination-name")?.textContent;
window.__bench = { firstCard, cards, keystrokes, found, phases: { imported, initialised } };
