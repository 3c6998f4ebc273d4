// What a developer writes: import the package, start it, mount a widget, listen to its events,
// change its options, and use a custom element in the markup.
import { init, mount, defineElements, type EsimEventMap, type MountHandle } from "esim-storefront";
import "./style.css";

declare global {
  interface Window {
    __shop?: MountHandle;
    __selected: string[];
    __violations: string[];
  }
}

window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective));
window.__selected = [];

await init();
const host = document.getElementById("shop")!;
const shop = mount(host, { panel: "packages", destination: "JP", locale: "en", currency: "USD", theme: "light" });
window.__shop = shop;
host.addEventListener("esim:select", (event) => {
  const detail = (event as EsimEventMap["esim:select"]).detail;
  window.__selected.push(`${detail.packageCode} ${detail.price.minor} ${detail.price.currency}`);
});
document.getElementById("in-euros")!.addEventListener("click", () => shop.update({ currency: "EUR" }));

defineElements({ currency: "USD" });
const mine = document.querySelector("esim-my-esims")!;
mine.theme = "light"; // a typed property of the element
