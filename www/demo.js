// The demo page's script: load the widget and mount the shop against this page's proxy.
import init, { mount } from "/pkg/esim_storefront.js";

const status = document.getElementById("status");
const host = document.getElementById("esim");

host.addEventListener("esim:select", (event) => {
  const { title, price } = event.detail;
  status.textContent = `You chose ${title}.`;
  status.dataset.packageCode = event.detail.packageCode;
  status.dataset.priceMinor = String(price.minor);
});

try {
  await init();
  const params = new URLSearchParams(location.search);
  mount(host, {
    locale: params.get("locale") ?? undefined,
    currency: params.get("currency") ?? undefined,
  });
  status.textContent = "";
} catch (error) {
  status.textContent = `The shop could not load: ${error.message}`;
  status.classList.add("error");
  throw error;
}
