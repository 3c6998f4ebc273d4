// The built bundle (target/dist, after wasm-opt) loads on the demo page served by the proxy,
// under its strict Content-Security-Policy.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { homedir } from "node:os";
import { baseUrl, launch, openPage, screenshotDir } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("the demo page loads the optimised bundle under a strict CSP", async () => {
  const page = await openPage(browser);
  const wasmResponse = page.waitForResponse((r) => r.url().endsWith(".wasm"));
  const response = await page.goto(`${baseUrl}/`);
  assert.match(response.headers()["content-security-policy"], /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(response.headers()["content-security-policy"], /unsafe-inline|'unsafe-eval'/);
  // Playwright's CSS selectors pierce open shadow roots.
  await page.locator("#destination-search").waitFor();
  await page.locator(".destination-button").first().waitFor();

  const wasm = await wasmResponse;
  assert.equal(wasm.headers()["content-type"], "application/wasm");
  assert.equal(wasm.headers()["content-encoding"], "br", "precompressed copy served");

  const light = await page.evaluate(() => document.querySelector("esim-store").children.length);
  assert.equal(light, 0, "nothing in the host's light DOM");
  await page.screenshot({ path: `${screenshotDir}/pipeline-desktop.png`, fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("the shipped wasm names no directory of the machine that built it", async () => {
  const paths = [`${process.cwd()}/`, `${homedir()}/`];
  for (const file of ["esim_storefront_bg.wasm", "split_checkout.wasm", "split_my_esims.wasm"]) {
    const bytes = Buffer.from(await (await fetch(`${baseUrl}/pkg/${file}`)).arrayBuffer());
    assert.ok(bytes.length > 1000, `${file} is served`);
    for (const path of paths) assert.equal(bytes.indexOf(path), -1, `${file} holds ${path}`);
  }
});
