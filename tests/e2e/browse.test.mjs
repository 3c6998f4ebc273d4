// A traveller finds plans for Japan, compares them and chooses one, on a desktop and on a
// phone, against the real proxy and its sandbox catalogue. Every step is screenshotted and
// audited with axe-core.
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
  test(`search japan, compare plans and choose one at ${viewport.width}px`, async () => {
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

    await page.locator(".filters select").selectOption("data");
    // Most data first: unlimited plans lead, then 50 GB.
    await page.waitForFunction(() =>
      document.getElementById("esim").shadowRoot.querySelector(".plan-data")?.textContent === "Unlimited",
    );
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
    await page.waitForFunction(() => document.getElementById("esim").shadowRoot.activeElement?.classList.contains("ready"));
    assert.ok((await page.locator("svg.qr path").getAttribute("d")).length > 1000, "QR code drawn");
    assert.match(await page.locator(".matching-id").textContent(), /^SBX-/);
    assert.equal(await page.locator(".smdp").textContent(), "smdp.sandbox.esim-storefront.test");
    assert.match(await page.locator(".install a.button").getAttribute("href"), /^https:\/\/esimsetup\.apple\.com\/esim_qrcode_provisioning\?carddata=LPA:1\$/);
    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("esim-storefront:v1:guest-token")));
    assert.equal(stored.length, 1, "the guest token is kept for my eSIMs");
    // "My eSIMs" on the same page lists the new eSIM, with this browser's guest token.
    await page.locator("#my-esims .esim").waitFor();
    assert.equal(await page.locator("#my-esims .esim").count(), 1);
    assert.match(await page.locator("#my-esims .esim-title").textContent(), /Japan/);
    await step(page, "7-installed", viewport.width);
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}

test("accents and case do not matter, and French shoppers read French", async () => {
  const page = await openPage(browser, { width: 1024, height: 800 });
  await page.goto(`${baseUrl}/?locale=fr&currency=EUR`);
  const search = page.locator("#destination-search");
  await search.waitFor();
  assert.equal(await page.locator(".tab").first().textContent(), "eSIM locales");
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
