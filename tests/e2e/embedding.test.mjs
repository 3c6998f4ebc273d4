// Embedding anywhere: the script tag as a classic script (twice) with data-* defaults and two
// instances; the dark theme page; a hostile host page against a clean one, pixel for pixel;
// an SPA mounting and unmounting the widget 200 times. Every page runs under the proxy's strict
// Content-Security-Policy and must raise no violation.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { baseUrl, launch, openPage, screenshotDir } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function violations(page) {
  return page.evaluate(() => window.__violations ?? []);
}

test("a classic script tag, included twice: one download, defaults from data-*, two instances", async () => {
  const page = await openPage(browser, { width: 1280, height: 900 });
  const wasm = [];
  page.on("response", (r) => r.url().includes(".wasm") && wasm.push(r.url()));
  const response = await page.goto(`${baseUrl}/fixtures/classic.html`);
  assert.match(response.headers()["content-security-policy"], /script-src 'self' 'wasm-unsafe-eval'; style-src 'self'/);
  await page.locator("#first .plan-card").first().waitFor();
  await page.locator("#second .plan-card").first().waitFor();
  assert.equal(wasm.length, 1, "the widget is downloaded once");
  assert.ok(wasm[0].endsWith("?from=data-wasm"), `from where data-wasm says: ${wasm[0]}`);
  // The first script's data-locale and data-currency are every element's defaults.
  assert.equal(await page.locator("#first .search-label").textContent(), "Où partez-vous ?");
  assert.match(await page.locator("#first .plan-price").first().textContent(), /€$/);
  // The second element's own attributes win.
  assert.match(await page.locator("#second .plan-price").first().textContent(), /^\$/);
  assert.equal(await page.locator("#second").getAttribute("data-esim-theme"), "dark");
  assert.equal(await page.locator("#first").getAttribute("data-esim-theme"), "light");
  // A property is an attribute: changing it updates the element.
  await page.evaluate(() => { document.querySelector("#first").currency = "USD"; });
  await page.locator("#first .plan-price", { hasText: "$" }).first().waitFor();
  await page.screenshot({ path: `${screenshotDir}/embed-classic-two.png`, fullPage: true });
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("the dark theme page: data-theme on the script, the page's accent through --esim-accent", async () => {
  const page = await openPage(browser, { width: 1024, height: 900 });
  await page.goto(`${baseUrl}/dark.html`);
  await page.locator("esim-store .destination-button").first().waitFor();
  assert.equal(await page.locator("esim-store").getAttribute("data-esim-theme"), "dark");
  const colours = await page.evaluate(() => {
    const shadow = document.querySelector("esim-store").shadowRoot;
    const root = getComputedStyle(shadow.querySelector(".esim-root"));
    const link = getComputedStyle(shadow.querySelector(".tab[aria-selected='true']"));
    return { text: root.color, background: getComputedStyle(document.querySelector("esim-store")).backgroundColor, accent: link.color };
  });
  assert.equal(colours.text, "rgb(232, 234, 237)", "dark theme text");
  assert.equal(colours.background, "rgb(31, 33, 36)", "dark theme surface");
  assert.equal(colours.accent, "rgb(124, 196, 255)", "the page's --esim-accent wins over the theme's");
  await page.screenshot({ path: `${screenshotDir}/embed-dark.png`, fullPage: true });
  // theme="auto" follows the system's scheme.
  const text = () => page.evaluate(() => getComputedStyle(document.querySelector("esim-store").shadowRoot.querySelector(".esim-root")).color);
  await page.emulateMedia({ colorScheme: "light" });
  await page.evaluate(() => { document.querySelector("esim-store").theme = "auto"; });
  await page.waitForFunction(() => document.querySelector("esim-store").getAttribute("data-esim-theme") === "auto");
  assert.equal(await text(), "rgb(26, 29, 33)", "auto in a light system");
  await page.emulateMedia({ colorScheme: "dark" });
  assert.equal(await text(), "rgb(232, 234, 237)", "auto in a dark system");
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a hostile host page: the widget looks and behaves as on a clean one", async () => {
  const shots = {};
  for (const name of ["clean", "hostile"]) {
    const page = await openPage(browser, { width: 1280, height: 1100 });
    await page.goto(`${baseUrl}/fixtures/${name}.html`);
    await page.locator("esim-packages .plan-card").first().waitFor();
    await page.waitForFunction(() => document.querySelector("esim-packages").shadowRoot.querySelectorAll(".plan-card").length >= 8);
    shots[name] = await page.locator("esim-packages").screenshot({ path: `${screenshotDir}/embed-${name}.png` });
    await page.screenshot({ path: `${screenshotDir}/embed-${name}-page.png`, fullPage: true });
    if (name === "hostile") {
      // The page's "/" and "j" shortcuts do not steal keys typed into the widget's search...
      const search = page.locator("esim-packages #destination-search");
      await search.click();
      await page.keyboard.type("j/");
      assert.equal(await search.inputValue(), "j/");
      assert.equal(await page.evaluate(() => window.__shortcuts), 0);
      // ...and its analytics still hear clicks in the widget.
      assert.ok(await page.evaluate(() => window.__clicks) > 0);
      await search.fill("france");
      await page.locator("esim-packages .suggestions .destination-button", { hasText: "France" }).click();
      await page.locator("esim-packages .plans-header h3", { hasText: "France" }).waitFor();
    }
    assert.deepEqual(await violations(page), [], name);
    assert.deepEqual(page.problems, [], name);
    await page.close();
  }
  assert.ok(shots.clean.equals(shots.hostile), "the widget renders the same pixels on both pages");
});

test("an SPA mounting and unmounting the widget 200 times leaks no nodes, listeners or memory", async () => {
  const page = await openPage(browser, { width: 1024, height: 800 });
  await page.goto(`${baseUrl}/fixtures/loop.html`);
  await page.waitForFunction(() => window.__ready === true);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const metrics = async () => {
    // Let the last widget's aborted requests settle, then collect twice (V8, then the DOM).
    await page.waitForTimeout(300);
    await cdp.send("HeapProfiler.collectGarbage");
    await cdp.send("HeapProfiler.collectGarbage");
    const { metrics } = await cdp.send("Performance.getMetrics");
    const value = (name) => metrics.find((m) => m.name === name).value;
    return { nodes: value("Nodes"), listeners: value("JSEventListeners"), wasm: await page.evaluate(() => window.__wasmBytes()) };
  };
  // Warm up: the first mounts grow the wasm heap to its working size.
  await page.evaluate(() => window.__cycle(20));
  const before = await metrics();
  const elements = await page.evaluate(() => window.__cycle(200));
  const after = await metrics();
  console.log(`# after 20 cycles ${JSON.stringify(before)}, after 220 ${JSON.stringify(after)}`);
  assert.equal(elements, await page.evaluate(() => document.getElementsByTagName("*").length));
  // One widget is ~500 nodes: a leak of even one node per mount would show as 200 more.
  assert.ok(after.nodes <= before.nodes + 20, `DOM nodes: ${before.nodes} → ${after.nodes}`);
  assert.ok(after.listeners <= before.listeners + 10, `listeners: ${before.listeners} → ${after.listeners}`);
  assert.equal(after.wasm, before.wasm, `wasm memory stops growing: ${before.wasm} → ${after.wasm} bytes`);
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a first visit downloads only the main module; a panel's code comes when it is about to open, and a failed download can be retried", async () => {
  const page = await openPage(browser, { width: 1024, height: 860 });
  const wasm = [];
  page.on("request", (r) => r.url().includes(".wasm") && wasm.push(new URL(r.url()).pathname));
  await page.goto(`${baseUrl}/`);
  await page.locator(".destination-button").first().waitFor();
  assert.deepEqual(wasm, ["/pkg/esim_storefront_bg.wasm"], "plans need only the main module");

  // The network is down while the checkout's code is fetched: first ahead of time, as soon as
  // a plan's details open, then when the checkout opens. The shopper reads why, and retries.
  let offline = true;
  let dropped = 0;
  await page.route("**/pkg/split_checkout.wasm", (route) => {
    if (!offline) return route.continue();
    dropped++;
    return route.abort("internetdisconnected");
  });
  await page.locator(".destination-button").first().click();
  await page.locator(".plan-card").first().click();
  await page.locator(".details").waitFor();
  for (let i = 0; i < 50 && dropped === 0; i++) await page.waitForTimeout(100);
  assert.equal(dropped, 1, "the checkout's code is fetched as soon as a plan's details open");
  await page.locator(".details .button").click();
  const error = page.locator(".error-box");
  await error.waitFor();
  assert.match(await error.textContent(), /offline/i);
  assert.ok(await page.locator("#panel-shop > button.link", { hasText: "Back" }).isVisible(), "a way back to the plans");
  await page.screenshot({ path: `${screenshotDir}/lazy-checkout-failed.png` });
  offline = false;
  await error.locator("button").click();
  await page.locator(".checkout-form").waitFor();
  assert.equal(dropped, 2, "the checkout asked again, then the retry fetched it");
  assert.ok(wasm.some((p) => p.startsWith("/pkg/split_checkout")), `checkout chunk fetched: ${wasm}`);
  assert.ok(!wasm.some((p) => p.includes("my_esims")), `my eSIMs not fetched before it is opened: ${wasm}`);

  await page.locator("#tab-esims").hover();
  for (let i = 0; i < 50 && !wasm.some((p) => p.includes("my_esims")); i++) await page.waitForTimeout(100);
  assert.ok(wasm.some((p) => p.startsWith("/pkg/split_my_esims")), `my eSIMs fetched on hover: ${wasm}`);
  await page.locator("#tab-esims").click();
  await page.locator("#panel-esims .my-esims").waitFor();
  await page.screenshot({ path: `${screenshotDir}/lazy-my-esims.png` });
  assert.deepEqual(await violations(page), []);
  // The dropped download is the only problem the page saw.
  assert.ok(page.problems.length > 0 && page.problems.every((p) => /split_checkout|Failed to fetch|TypeError/.test(p)), page.problems.join("\n"));
  await page.close();
});
