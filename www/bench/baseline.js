// Benchmark baseline: the same data and the same DOM work as the widget's package browser, in
// plain JavaScript: the destinations (with from-prices) and Japan's plans, as cards with data,
// validity, price and price per GB through Intl; then an accent-insensitive destination search
// showing up to eight suggestions. Results go to window.__bench.
const t0 = performance.now();
import { QUERY, typeTimed, until } from "./timing.js";

const host = document.getElementById("shop");
const money = (m) => new Intl.NumberFormat("en", { style: "currency", currency: m.currency })
  .format(m.minor / 10 ** (m.currency === "JPY" ? 0 : 2));
const GB = 1024 ** 3;
const volume = (v) => v === "unlimited" ? "Unlimited"
  : v >= GB ? `${new Intl.NumberFormat("en", { maximumFractionDigits: 1 }).format(v / GB)} GB`
  : `${Math.round(v / 1024 ** 2)} MB`;
const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

const api = (path) => fetch(path).then((r) => r.json());
// All three requests at once, as the widget makes them when it opens on a destination.
const [{ destinations }, { packages }] = await Promise.all([
  api("/v1/destinations?currency=USD"),
  api("/v1/packages?destination=JP&sort=price&currency=USD"),
]);
const japan = destinations.find((d) => d.destination.code === "JP");
const list = el("ul", "plans");
for (const p of packages) {
  const card = el("button", "plan-card");
  card.append(
    el("span", "plan-data", volume(p.data)),
    el("span", "plan-validity", `${p.validity.amount} ${p.validity.unit}s`),
    el("span", "plan-price", money(p.price)),
  );
  if (p.data !== "unlimited") {
    card.append(el("span", "plan-per-gb", `${money({ ...p.price, minor: Math.round(p.price.minor / (p.data / GB)) })} / GB`));
  }
  const item = el("li", "plan");
  item.append(card);
  list.append(item);
}
host.append(el("h3", "", `Plans for ${japan.destination.name}`), list);
await until(() => host.querySelector(".plan-card"));
const firstCard = performance.now() - t0;
const cards = host.querySelectorAll(".plan-card").length;

// Search: the same folding as the core (case, accents, punctuation), names, codes and aliases.
host.replaceChildren();
const fold = (t) => t.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
  .replace(/[^a-z0-9\u00c0-\uffff]+/g, " ").trim();
const indexed = destinations.map((d) => ({ d, keys: [d.destination.name, ...(d.destination.aliases ?? [])].map(fold) }));
const input = el("input");
input.id = "destination-search";
const suggestions = el("ul", "suggestions");
const browse = el("section", "browse");
browse.append(input, suggestions);
host.append(browse);
input.addEventListener("input", () => {
  const q = fold(input.value);
  const code = input.value.trim().toUpperCase();
  const hits = indexed
    .filter(({ d, keys }) => d.destination.code === code || keys.some((k) => k.startsWith(q) || k.includes(` ${q}`)))
    .slice(0, 8);
  suggestions.replaceChildren(...hits.map(({ d }) => {
    const button = el("button", "destination-button");
    button.append(el("span", "destination-name", d.destination.name),
      el("span", "destination-from", d.from_price ? `from ${money(d.from_price)}` : ""));
    const item = el("li");
    item.append(button);
    return item;
  }));
});
const keystrokes = await typeTimed(input, QUERY, browse);
const found = suggestions.querySelector(".destination-name")?.textContent;
window.__bench = { firstCard, cards, keystrokes, found };
