// The demo page's own script. The shop itself needs none of this: the script tag for
// /pkg/esim-storefront.js and the <esim-store> element are the whole integration. This file passes
// ?locale= and ?currency= through to the element, reports the widget's events, and drives the
// sandbox panel (install the eSIM, use data, expire it) the way a phone and time would.

const store = document.querySelector("esim-store");
const status = document.getElementById("status");
const params = new URLSearchParams(location.search);
for (const name of ["locale", "currency", "tab"]) {
  if (params.get(name)) store.setAttribute(name, params.get(name));
}

store.addEventListener("esim:select", (event) => {
  const { title, price } = event.detail;
  status.textContent = `You chose ${title}.`;
  status.dataset.packageCode = event.detail.packageCode;
  status.dataset.priceMinor = String(price.minor);
});
store.addEventListener("esim:order", (event) => {
  status.textContent = `Order ${event.detail.orderId} placed.`;
  // The order's eSIMs are issued a moment later; list them once they exist.
  setTimeout(listEsims, 500);
});
store.addEventListener("esim:topup", () => listEsims());
store.addEventListener("esim:error", (event) => {
  status.textContent = `The shop reported: ${event.detail.message}`;
});

customElements.whenDefined("esim-store").then(
  () => { status.textContent = ""; },
  () => {},
);
addEventListener("error", (event) => {
  status.textContent = `The shop could not load: ${event.message}`;
  status.classList.add("error");
});

// ---- sandbox panel ----

const list = document.getElementById("sandbox-esims");
const empty = document.getElementById("sandbox-empty");
const sandboxStatus = document.getElementById("sandbox-status");

// The guest token the widget keeps for this storefront (same origin: an empty API base).
// Only this demo reads it, to act on the shopper's eSIMs as the sandbox.
const token = () => localStorage.getItem("esim-storefront:v1:guest-token:");

async function api(path, init = {}) {
  const response = await fetch(path, {
    ...init,
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}`, ...init.headers },
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error?.message ?? `HTTP ${response.status}`);
  return body;
}

const MB = 1024 * 1024;
const actions = [
  ["Install on the phone", (id) => api(`/v1/sandbox/esims/${id}/install`, { method: "POST" })],
  ["Use 500 MB", (id) => api(`/v1/sandbox/esims/${id}/usage`, { method: "POST", body: JSON.stringify({ bytes: 500 * MB }) })],
  ["Use 2 GB", (id) => api(`/v1/sandbox/esims/${id}/usage`, { method: "POST", body: JSON.stringify({ bytes: 2048 * MB }) })],
  ["Expire the plan", (id) => api(`/v1/sandbox/esims/${id}/expire`, { method: "POST" })],
];

async function listEsims() {
  if (!token()) return;
  let esims;
  try {
    ({ esims } = await api("/v1/esims"));
  } catch (error) {
    sandboxStatus.textContent = error.message;
    return;
  }
  empty.hidden = esims.length > 0;
  list.replaceChildren(...esims.map((esim) => {
    const item = document.createElement("li");
    const name = document.createElement("p");
    name.textContent = `${esim.title} · ICCID ${esim.iccid}`;
    item.append(name);
    for (const [label, act] of actions) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      button.dataset.action = label;
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          await act(esim.id);
          sandboxStatus.textContent = `${label}: done. My eSIMs is up to date.`;
          store.refresh();
        } catch (error) {
          sandboxStatus.textContent = `${label}: ${error.message}`;
        } finally {
          button.disabled = false;
        }
      });
      item.append(button);
    }
    return item;
  }));
}

// The panel works only when the proxy runs the sandbox provider; against a real provider
// (or a fake one) its routes do not exist, and the panel goes away.
fetch("/v1/sandbox/balance").then(
  (response) => {
    if (response.ok) {
      listEsims();
    } else {
      document.getElementById("sandbox").hidden = true;
      document.querySelector('a[href="#sandbox"]')?.remove();
    }
  },
  () => {},
);
