// A traveller finds plans for Japan, buys one, installs it, uses data, tops up and cannot cancel
// the used eSIM, on a desktop and on a phone, against the real proxy and its sandbox. Every step
// is screenshotted (target/e2e/) and audited with axe-core.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { baseUrl, launch, openPage, screenshotDir, seriousViolations } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function step(page, name, width) {
  await page.screenshot({ path: `${screenshotDir}/browse-${width}-${name}.png`, fullPage: true });
  assert.deepEqual(await seriousViolations(page), [], `axe on ${name} at ${width}px`);
}

for (const viewport of [
  { width: 1280, height: 860 },
  { width: 360, height: 760 },
]) {
  test(`search japan, buy, install, use data, top up, cancel refused at ${viewport.width}px`, async () => {
    const page = await openPage(browser, viewport, { bypassCSP: true });
    await page.goto(`${baseUrl}/`);
    const search = page.locator("#destination-search");
    await search.waitFor();
    await page.locator(".destination-button").first().waitFor();
    await step(page, "1-start", viewport.width);

    await search.fill("japan");
    const japan = page.locator(".suggestions .destination-button", { hasText: "Japan" });
    await japan.waitFor();
    await step(page, "2-search", viewport.width);
    await japan.click();

    const cards = page.locator(".plan-card");
    await cards.first().waitFor();
    assert.ok((await cards.count()) >= 8, "Japan has at least 8 plans");
    assert.match(await page.locator(".plans-header h3").textContent(), /Japan/);
    const prices = await page.locator(".plan-price").allTextContents();
    assert.ok(prices.every((p) => p.includes("$")), `prices in dollars: ${prices}`);
    await step(page, "3-plans", viewport.width);

    await page.locator(".filters select.sort").selectOption("data");
    // Most data first: unlimited plans lead, then 50 GB.
    await page.waitForFunction(() =>
      document.querySelector("esim-store").shadowRoot.querySelector(".plan-data")?.textContent === "Unlimited",
    );
    // The proxy filters: 10 GB or more leaves no plan under 10 GB.
    const before = await page.locator(".plan-card").count();
    await page.locator(".filters select.filter-data").selectOption("10");
    await page.waitForFunction((n) => document.querySelector("esim-store").shadowRoot.querySelectorAll(".plan-card").length < n, before);
    const volumes = await page.locator(".plan-data").allTextContents();
    assert.ok(volumes.every((v) => v === "Unlimited" || (v.endsWith(" GB") && parseFloat(v) >= 10)), `10 GB or more: ${volumes}`);
    await page.locator(".filters select.filter-data").selectOption("");
    await page.waitForFunction((n) => document.querySelector("esim-store").shadowRoot.querySelectorAll(".plan-card").length === n, before);
    if (viewport.width === 360) {
      const overflow = await page.evaluate(() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth);
      assert.equal(overflow, 0, "no horizontal scrolling on a phone");
    }

    await page.locator(".plan-card", { hasText: "5 GB" }).first().click();
    await page.locator(".details").waitFor();
    assert.match(await page.locator(".networks").textContent(), /NTT Docomo/);
    assert.match(await page.locator(".top-up").textContent(), /Top-ups available/);
    await step(page, "4-details", viewport.width);

    await page.locator(".details .button").click();
    await page.waitForFunction(() => document.getElementById("status").dataset.packageCode);
    const chosen = await page.evaluate(() => ({ ...document.getElementById("status").dataset }));
    assert.equal(chosen.packageCode, "JP-5GB-30D");
    assert.ok(Number(chosen.priceMinor) > 0);

    // Checkout: the total is the proxy's quote; the form says what is missing.
    await page.locator(".checkout-form").waitFor();
    await page.locator(".total").waitFor();
    assert.match(await page.locator(".test-note").textContent(), /no payment is taken/);
    // Two eSIMs cost twice as much, by the proxy's new quote. (Read the single total first:
    // reading it after the change races the new quote.)
    const single = await page.locator(".total").textContent();
    const cents = Math.round(Number(single.replace(/[^0-9.]/g, "")) * 100);
    await page.locator(".checkout-form select").first().selectOption("2");
    await page.locator(".total", { hasText: `$${((cents * 2) / 100).toFixed(2)}` }).waitFor();
    await page.locator(".checkout-form select").first().selectOption("1");
    await page.locator(".total", { hasText: single }).waitFor();
    await page.locator(".checkout-form button[type=submit]").click();
    await page.locator(".field-error").nth(1).waitFor();
    assert.equal(await page.locator(".field-error").count(), 2, "e-mail and terms are required");
    await step(page, "5-checkout-errors", viewport.width);
    await page.locator("input[type=email]").fill("traveller@example.com");
    await page.locator(".terms input").check();
    await step(page, "6-checkout", viewport.width);
    await page.locator(".checkout-form button[type=submit]").click();

    // The sandbox provisions for two seconds; the widget polls until the eSIM is ready.
    await page.locator(".ready").waitFor({ timeout: 20000 });
    // Focus moves to the result (in an effect just after it renders).
    await page.waitForFunction(() => document.querySelector("esim-store").shadowRoot.activeElement?.classList.contains("ready"));
    assert.ok((await page.locator("svg.qr path").getAttribute("d")).length > 1000, "QR code drawn");
    assert.match(await page.locator(".matching-id").textContent(), /^SBX-/);
    assert.equal(await page.locator(".smdp").textContent(), "smdp.sandbox.esim-storefront.test");
    assert.match(await page.locator(".install a.button").getAttribute("href"), /^https:\/\/esimsetup\.apple\.com\/esim_qrcode_provisioning\?carddata=LPA:1\$/);
    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("esim-storefront:v1:guest-token")));
    assert.equal(stored.length, 1, "the guest token is kept for my eSIMs");
    await step(page, "7-installed", viewport.width);

    // "My eSIMs" (the shop's second tab) lists the new eSIM with this browser's guest token.
    await page.locator("#tab-esims").click();
    await page.locator(".esim").waitFor();
    assert.equal(await page.locator(".esim").count(), 1);
    assert.match(await page.locator(".esim .esim-title").textContent(), /Japan/);
    assert.equal(await page.locator(".esim .status").textContent(), "Ready to install");
    await step(page, "8-my-esims", viewport.width);

    // One eSIM: unused, so it may be cancelled, behind a dialog that keeps the keyboard inside.
    await page.locator(".open-esim").click();
    await page.locator(".esim-detail").waitFor();
    await page.locator(".esim-detail .install svg.qr").waitFor();
    await page.locator(".open-cancel").click();
    const active = () => page.evaluate(() => document.querySelector("esim-store").shadowRoot.activeElement?.className ?? "");
    assert.match(await active(), /keep/, "the safe choice has focus");
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press("Tab");
      assert.match(await active(), /keep|confirm-cancel/, `focus stays in the dialog (Tab ${i + 1})`);
    }
    await step(page, "9-cancel-dialog", viewport.width);
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => !document.querySelector("esim-store").shadowRoot.querySelector("dialog[open]"));
    assert.match(await active(), /open-cancel/, "focus returns to the button that opened the dialog");

    // The phone installs the eSIM and uses 500 MB (the sandbox panel, outside the widget);
    // the page calls refresh() on the element and the usage bar moves.
    assert.equal(await page.locator(".usage-bar").getAttribute("aria-valuenow"), "0");
    await page.locator("#sandbox-esims button", { hasText: "Install on the phone" }).click();
    await page.locator("#sandbox-status", { hasText: "Install on the phone: done" }).waitFor();
    await page.locator("#sandbox-esims button", { hasText: "Use 500 MB" }).click();
    await page.locator(".usage-bar[aria-valuenow='10']").waitFor();
    assert.equal(await page.locator(".esim-detail .status").textContent(), "Active");
    assert.match(await page.locator(".esim-detail .esim-usage").textContent(), /500 MB of 5 GB used/);
    await step(page, "10-used", viewport.width);

    // Top-up: the compatible packages, a confirmation with the price, then the result.
    await page.locator(".add-data").click();
    await page.locator(".top-up-option").first().waitFor();
    const offered = await page.locator(".top-up-option").allTextContents();
    assert.ok(offered.every((o) => o.includes("$")), `top-ups priced: ${offered}`);
    await page.locator(".top-up-option").first().click();
    assert.match(await page.locator(".confirm .question").textContent(), /^Add .+ to this eSIM for \$\d+\.\d{2}\?$/);
    await step(page, "11-top-up-confirm", viewport.width);
    await page.locator(".confirm-top-up").click();
    await page.locator(".notice", { hasText: "Top-up added." }).waitFor();
    await page.locator(".history .badge", { hasText: "Top-up" }).waitFor();
    assert.equal(await page.locator(".history li").count(), 2, "the plan and its top-up");
    await step(page, "12-topped-up", viewport.width);

    // A used eSIM cannot be cancelled: the widget says so and offers no button, and the proxy
    // refuses if asked anyway.
    await page.locator(".cancel-note").waitFor();
    assert.equal(await page.locator(".open-cancel").count(), 0);
    const token = await page.evaluate(() => localStorage.getItem("esim-storefront:v1:guest-token:"));
    const id = await page.locator(".esim-detail").getAttribute("data-id");
    const refused = await fetch(`${baseUrl}/v1/esims/${id}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${token}` } });
    assert.equal(refused.status, 409);
    assert.equal((await refused.json()).error.code, "not_allowed");
    await step(page, "13-cancel-refused", viewport.width);
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}

test("accents and case do not matter, and French shoppers read French", async () => {
  const page = await openPage(browser, { width: 1024, height: 800 });
  await page.goto(`${baseUrl}/?locale=fr&currency=EUR`);
  const search = page.locator("#destination-search");
  await search.waitFor();
  assert.equal(await page.locator("#tab-shop").textContent(), "Acheter un forfait");
  assert.equal(await page.locator(".browse .tab").first().textContent(), "eSIM locales");
  await search.fill("cote d ivoire");
  await page.locator(".suggestions .destination-button", { hasText: "Côte d'Ivoire" }).click();
  await page.locator(".plan-card").first().waitFor();
  const price = await page.locator(".plan-price").first().textContent();
  assert.match(price, /^\d+,\d{2}\s€$/, `French euro format: ${price}`);
  const data = await page.locator(".plan-data").first().textContent();
  assert.match(data, /(Go|Mo|Illimité)$/, `French units: ${data}`);
  await page.screenshot({ path: `${screenshotDir}/browse-fr.png`, fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.close();
});
