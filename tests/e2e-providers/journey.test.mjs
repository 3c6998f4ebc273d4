// The widget's journey against a real HTTP provider (one of the fake servers) behind
// `esim-proxy --provider NAME`: find Japan, buy, install, see the eSIM in My eSIMs, then what
// that provider allows: a top-up (Vellosim), a cancel with refund (CloudeSIM), or no cancel
// offered nor explained (Vellosim, VeloeSIM, PressOne). VeloeSIM's "5GB" is decimal and is
// shown as sold.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { baseUrl, launch, openPage, screenshotDir } from "../e2e/browser.mjs";

const provider = process.env.ESIM_PROVIDER;
// The fake sends only the fields the provider's documentation shows.
const documentedOnly = process.env.ESIM_DOCUMENTED_ONLY === "1";
const smdp = {
  vellosim: "rsp.fake-vellosim.test",
  cloudesim: "smdp.fake-cloudesim.test",
  pressone: "lpa.fake-pressone.test",
  veloesim: "smdp.fake-veloesim.test",
}[provider];

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const shot = (page, name) =>
  page.screenshot({ path: `${screenshotDir}/${provider}${documentedOnly ? "-documented" : ""}-${name}.png`, fullPage: true });

test(`${provider}${documentedOnly ? " (documented only)" : ""}: search japan, buy, install, my eSIMs and what the provider allows`, async () => {
  assert.ok(smdp, `ESIM_PROVIDER names a fake: ${provider}`);
  const page = await openPage(browser, { width: 1280, height: 860 });
  await page.goto(`${baseUrl}/`);
  // The demo page's sandbox panel probes for the sandbox and hides itself without it.
  await page.locator("#sandbox").waitFor({ state: "hidden" });

  await page.locator("#destination-search").fill("japan");
  await page.locator(".suggestions .destination-button", { hasText: "Japan" }).click();
  await page.locator(".plan-card").first().waitFor();
  assert.equal(await page.locator(".plan-card").count(), 3, "the fake's three Japanese plans");
  const prices = await page.locator(".plan-price").allTextContents();
  assert.ok(prices.every((p) => /^\$\d+\.\d{2}$/.test(p)), `priced in dollars: ${prices}`);
  await page.locator(".plan-card", { hasText: "5 GB" }).first().click();
  await page.locator(".details").waitFor();
  await shot(page, "1-plan");
  await page.locator(".details .button").click();

  await page.locator(".checkout-form").waitFor();
  await page.locator(".total").waitFor();
  await page.locator("input[type=email]").fill("traveller@example.com");
  await page.locator(".terms input").check();
  await page.locator(".checkout-form button[type=submit]").click();
  await page.locator(".ready").waitFor({ timeout: 20000 });
  assert.equal(await page.locator(".smdp").textContent(), smdp, "the provider's own SM-DP+ address");
  assert.match(await page.locator(".matching-id").textContent(), /^FAKE-\d{6}-MATCH$/);
  assert.ok((await page.locator("svg.qr path").getAttribute("d")).length > 1000, "QR code drawn");
  await shot(page, "2-installed");

  await page.locator("#tab-esims").click();
  await page.locator(".esim").waitFor();
  assert.equal(await page.locator(".esim").count(), 1);
  assert.equal(await page.locator(".esim .status").textContent(), "Ready to install");
  await page.locator(".open-esim").click();
  await page.locator(".esim-detail .install svg.qr").waitFor();
  const usage = await page.locator(".esim-detail .esim-usage").textContent();
  if (documentedOnly && provider === "cloudesim") {
    // CloudeSIM documents no usage: nothing is made up.
    assert.doesNotMatch(usage, /\d/, `no invented numbers: ${usage}`);
  } else {
    assert.match(usage, /0 B of 5 GB used|of 5 GB/);
  }

  if (provider === "cloudesim") {
    // CloudeSIM refunds an unused eSIM.
    await page.locator(".open-cancel").click();
    await page.locator(".confirm-cancel").click();
    await page.locator(".esim-detail .status", { hasText: "Cancelled" }).waitFor();
  } else {
    assert.equal(await page.locator(".open-cancel").count(), 0, `${provider} offers no cancel`);
    await page.waitForTimeout(500);
    assert.equal(await page.locator(".cancel-note").count(), 0, "nor explains a rule that does not apply");
  }
  if (provider === "vellosim") {
    await page.locator(".add-data").click();
    await page.locator(".top-up-option").first().waitFor();
    assert.equal(await page.locator(".top-up-option").count(), 2);
    await page.locator(".top-up-option").first().click();
    await page.locator(".confirm-top-up").click();
    await page.locator(".notice", { hasText: "Top-up added." }).waitFor();
    assert.match(await page.locator(".esim-detail .esim-usage").textContent(), /of 6 GB/);
  }
  await shot(page, "3-detail");
  const problems = page.problems.filter((p) => !p.endsWith("/v1/sandbox/balance"));
  assert.deepEqual(problems, []);
  await page.close();
});
