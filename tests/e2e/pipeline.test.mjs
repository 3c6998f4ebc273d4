// The built bundle (target/dist, after wasm-opt) loads and renders in a real browser page.
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

test("the demo page renders the widget from the optimised bundle", async () => {
  const page = await openPage(browser);
  const wasmResponse = page.waitForResponse((r) => r.url().endsWith(".wasm"));
  await page.goto(`${baseUrl}/`);
  // Playwright's CSS selectors pierce open shadow roots.
  await page.locator(".matching-id").waitFor();
  assert.equal(await page.locator(".matching-id").textContent(), "D1094CA8E3B54F1D9F2A");
  assert.equal(await page.locator(".smdp").textContent(), "rsp-eu.simlessly.com");
  assert.equal(await page.locator(".data").textContent(), "5GB");
  assert.equal(await page.locator("#status").textContent(), "Widget loaded.");
  assert.ok((await page.locator("svg.qr path").getAttribute("d")).length > 1000, "QR code drawn");

  const pageResponse = await page.request.get(`${baseUrl}/`);
  assert.match(pageResponse.headers()["content-security-policy"], /script-src 'self' 'wasm-unsafe-eval'/);
  const wasm = await wasmResponse;
  assert.equal(wasm.headers()["content-type"], "application/wasm");
  assert.equal(wasm.headers()["content-encoding"], "br", "precompressed copy served");

  // The widget's styles stay in its shadow root; the host's light DOM is untouched.
  const light = await page.evaluate(() => document.getElementById("esim").children.length);
  assert.equal(light, 0);
  await page.screenshot({ path: `${screenshotDir}/pipeline-desktop.png`, fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("at 360 px wide the widget fits without horizontal scrolling", async () => {
  const page = await openPage(browser, { width: 360, height: 740 });
  await page.goto(`${baseUrl}/`);
  await page.locator(".matching-id").waitFor();
  const overflow = await page.evaluate(
    () => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth,
  );
  assert.equal(overflow, 0, "no horizontal overflow");
  const qr = await page.locator("svg.qr").boundingBox();
  assert.ok(qr.width >= 200, `QR code large enough to scan (${qr.width}px)`);
  await page.screenshot({ path: `${screenshotDir}/pipeline-phone.png`, fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.close();
});
