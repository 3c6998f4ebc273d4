// `cargo xtask bench` part two: the widget against a plain-JavaScript baseline in the same
// headless Chromium run, alternating pages, each load in a fresh browser context (cold cache).
// Prints and writes target/bench/widget.json. A measurement, never a pass/fail test.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { baseUrl, launch } from "../e2e/browser.mjs";

const ROUNDS = Number(process.env.ROUNDS ?? 9);
const out = fileURLToPath(new URL("../../target/bench/", import.meta.url));
mkdirSync(out, { recursive: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function measure(browser, page) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const tab = await context.newPage();
  const errors = [];
  tab.on("pageerror", (e) => errors.push(e.message));
  await tab.goto(`${baseUrl}/bench/${page}.html`);
  await tab.waitForFunction(() => window.__bench, null, { timeout: 60000 });
  const result = await tab.evaluate(() => window.__bench);
  await context.close();
  if (errors.length) throw new Error(`${page}: ${errors.join("; ")}`);
  if (result.found !== "United Kingdom") throw new Error(`${page} found ${result.found} for "united kingdom"`);
  return result;
}

const browser = await launch();
const runs = { widget: [], baseline: [] };
// One warm-up of each (the proxy's caches, the OS's file cache), not counted.
await measure(browser, "baseline");
await measure(browser, "widget");
for (let i = 0; i < ROUNDS; i++) {
  for (const page of i % 2 ? ["widget", "baseline"] : ["baseline", "widget"]) {
    runs[page].push(await measure(browser, page));
  }
}
await browser.close();

const summary = (page) => ({
  first_card_ms: median(runs[page].map((r) => r.firstCard)),
  keystroke_ms: median(runs[page].flatMap((r) => r.keystrokes)),
  keystroke_p90_ms: (() => {
    const all = runs[page].flatMap((r) => r.keystrokes).sort((a, b) => a - b);
    return all[Math.floor(all.length * 0.9)];
  })(),
  plan_cards: runs[page][0].cards,
});
const widget = summary("widget");
const baseline = summary("baseline");
let size = null;
try {
  size = JSON.parse(readFileSync(fileURLToPath(new URL("../../target/dist/size.json", import.meta.url)), "utf8"));
} catch {}
const report = {
  rounds: ROUNDS,
  query: "united kingdom",
  widget,
  baseline,
  first_card_ratio: widget.first_card_ms / baseline.first_card_ms,
  keystroke_ratio: widget.keystroke_ms / baseline.keystroke_ms,
  target_ratio: 1.5,
  bundle_brotli_bytes: size?.total?.brotli ?? null,
  target_bundle_brotli_bytes: 150 * 1024,
};
writeFileSync(`${out}/widget.json`, JSON.stringify(report, null, 2));

const f = (x) => x.toFixed(1).padStart(8);
console.log(`\nWidget against a plain-JS baseline, ${ROUNDS} rounds each, medians (Chromium, cold context):`);
console.log(`  ${"".padEnd(28)}${"widget".padStart(8)}${"baseline".padStart(10)}   ratio (aim <= 1.5)`);
console.log(`  ${"first plan card (ms)".padEnd(28)}${f(widget.first_card_ms)}  ${f(baseline.first_card_ms)}   ${report.first_card_ratio.toFixed(2)}`);
console.log(`  ${"per keystroke (ms)".padEnd(28)}${f(widget.keystroke_ms)}  ${f(baseline.keystroke_ms)}   ${report.keystroke_ratio.toFixed(2)}`);
console.log(`  ${"per keystroke, p90 (ms)".padEnd(28)}${f(widget.keystroke_p90_ms)}  ${f(baseline.keystroke_p90_ms)}`);
if (size) {
  const kb = (size.total.brotli / 1024).toFixed(1);
  console.log(`  bundle (brotli): ${size.total.brotli} bytes = ${kb} KiB (aim: under 150 KiB) ${size.total.brotli <= 150 * 1024 ? "- met" : "- NOT met"}`);
}
console.log("  report: target/bench/widget.json");
