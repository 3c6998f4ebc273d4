// The npm package in an app built with Vite (tests/consumer, installed from the packed tarball):
// the module mounts a widget that loads its wasm (and later its chunks) through Vite's asset
// pipeline, hears its events, changes its options with update(), and a custom element works
// beside it. Under the proxy's strict Content-Security-Policy.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { baseUrl, launch, openPage, screenshotDir } from "../e2e/browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("a Vite app built on the packed package mounts, updates and defines the widget", async () => {
  const page = await openPage(browser, { width: 1100, height: 900 });
  const wasm = [];
  page.on("response", (r) => r.url().endsWith(".wasm") && wasm.push(r.url()));
  await page.goto(`${baseUrl}/`);
  await page.locator("#shop .plan-card").first().waitFor();
  assert.match(wasm[0], /\/assets\/esim_storefront_bg-[\w-]+\.wasm$/, "the wasm as a Vite asset");
  assert.match(await page.locator("#shop .plan-price").first().textContent(), /^\$/);

  await page.locator("#shop .plan-card").first().click();
  await page.locator("#shop .details .button").click();
  await page.waitForFunction(() => window.__selected.length === 1);
  assert.match((await page.evaluate(() => window.__selected))[0], /^JP-\S+ \d+ USD$/);

  await page.locator("#in-euros").click();
  await page.locator("#shop .plan-price", { hasText: "€" }).first().waitFor();
  // The custom element, defined by the same package, beside the mounted widget.
  await page.locator("esim-my-esims .my-esims").waitFor();
  // Its code is a chunk fetched when it shows, also through Vite's asset pipeline.
  assert.ok(wasm.some((url) => /\/assets\/split_my_esims-[\w-]+\.wasm$/.test(url)), wasm.join(" "));
  assert.ok(wasm.every((url) => /\/assets\/[\w-]+\.wasm$/.test(url)), wasm.join(" "));
  await page.screenshot({ path: `${screenshotDir}/consumer-vite.png`, fullPage: true });
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(page.problems, []);
  await page.close();
});
