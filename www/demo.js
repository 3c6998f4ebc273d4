// The demo page's script: load the widget and mount the shop against this page's proxy.
import init, { mount } from "/pkg/esim_storefront.js";

const status = document.getElementById("status");
const host = document.getElementById("esim");
const myEsims = document.getElementById("my-esims");
const params = new URLSearchParams(location.search);
const common = {
  locale: params.get("locale") ?? undefined,
  currency: params.get("currency") ?? undefined,
};

host.addEventListener("esim:select", (event) => {
  const { title, price } = event.detail;
  status.textContent = `You chose ${title}.`;
  status.dataset.packageCode = event.detail.packageCode;
  status.dataset.priceMinor = String(price.minor);
});

// A new order: show the shopper's eSIMs again (mounting an element again replaces its widget).
host.addEventListener("esim:order", () => mount(myEsims, { ...common, panel: "my-esims" }));

try {
  await init();
  mount(host, common);
  mount(myEsims, { ...common, panel: "my-esims" });
  status.textContent = "";
} catch (error) {
  status.textContent = `The shop could not load: ${error.message}`;
  status.classList.add("error");
  throw error;
}
