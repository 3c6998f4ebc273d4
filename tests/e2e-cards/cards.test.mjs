// Card checkout end to end: the built bundle on the demo page of a proxy with
// `checkout = "stripe"` against localstripe (`cargo xtask test` starts both), localstripe's own
// Stripe.js in the page under the strict policy plus only its origin. One provider purchase per
// paid order, the PaymentIntent captured for the proxy's total; a declined card buys nothing and
// another card then pays the same order; the 3-D Secure card passes its challenge.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { baseUrl, launch, openPage, screenshotDir } from "../e2e/browser.mjs";

const stripeUrl = process.env.ESIM_LOCALSTRIPE_URL;
const secretKey = process.env.ESIM_STRIPE_SECRET_KEY;

let browser;
before(async () => {
  assert.ok(stripeUrl && secretKey, "ESIM_LOCALSTRIPE_URL and ESIM_STRIPE_SECRET_KEY (set by cargo xtask test)");
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const sandboxBalance = async () => (await (await fetch(`${baseUrl}/v1/sandbox/balance`)).json()).minor;

/** The PaymentIntents localstripe holds for `orderId` (every page of its list). */
async function intentsOf(orderId) {
  const found = [];
  let after = "";
  for (;;) {
    const answer = await fetch(`${stripeUrl}/v1/payment_intents?limit=100${after}`, {
      headers: { Authorization: `Bearer ${secretKey}` },
    });
    const list = await answer.json();
    found.push(...list.data.filter((pi) => pi.metadata?.order_id === orderId));
    if (!list.has_more || list.data.length === 0) return found;
    after = `&starting_after=${list.data[list.data.length - 1].id}`;
  }
}

/** Opens the checkout of the first Japan plan, with the e-mail and terms filled in. */
async function openCheckout(viewport) {
  const page = await openPage(browser, viewport);
  const orders = [];
  await page.exposeFunction("__ordered", (id) => orders.push(id));
  await page.addInitScript(() => {
    document.addEventListener("esim:order", (e) => window.__ordered(e.detail.orderId));
  });
  const response = await page.goto(`${baseUrl}/`);
  const csp = response.headers()["content-security-policy"];
  const origin = new URL(stripeUrl).origin;
  assert.match(csp, new RegExp(`script-src 'self' 'wasm-unsafe-eval' ${origin};`));
  assert.match(csp, new RegExp(`connect-src 'self' ${origin};`));
  assert.match(csp, new RegExp(`frame-src 'self' ${origin};`));
  assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'/);
  await page.locator("#destination-search").fill("Japan");
  await page.locator(".destination-button", { hasText: "Japan" }).first().click();
  await page.locator(".plan-card").first().click();
  await page.locator(".details .button").click();
  await page.locator(".checkout-form .total").waitFor();
  // Stripe's card field: in the host's light DOM, shown through the checkout's slot.
  await page.locator("esim-store > [slot=esim-card] input[placeholder=number]").waitFor();
  const slotted = await page.evaluate(() => {
    const holder = document.querySelector("esim-store > [slot=esim-card]");
    return { parent: holder.parentElement.localName, slot: holder.assignedSlot?.name, inShadow: holder.assignedSlot?.getRootNode() === document.querySelector("esim-store").shadowRoot };
  });
  assert.deepEqual(slotted, { parent: "esim-store", slot: "esim-card", inShadow: true });
  await page.locator("input[type=email]").fill("traveller@example.com");
  await page.locator(".terms input").check();
  return { page, orders };
}

async function typeCard(page, number) {
  for (const [field, value] of [["number", number], ["exp_month", "12"], ["exp_year", "34"], ["cvc", "123"], ["postal_code", "75001"]]) {
    await page.locator(`esim-store > [slot=esim-card] input[placeholder=${field}]`).fill(value);
  }
}

/**
 * The order's one PaymentIntent, captured, and the provider paid exactly once: something was
 * spent, and less than the shop's price (the wholesale price is below it, two purchases above,
 * by the demo's 25% markup).
 */
async function expectPaidOnce(orderId, opening) {
  const intents = await intentsOf(orderId);
  assert.equal(intents.length, 1, "one PaymentIntent for the order");
  assert.equal(intents[0].status, "succeeded", "captured");
  const spent = opening - (await sandboxBalance());
  assert.ok(spent > 0, "the provider was paid");
  assert.ok(2 * spent > intents[0].amount && spent < intents[0].amount, `one wholesale purchase: ${spent} of ${intents[0].amount}`);
  return intents[0];
}

test("a good card: provisioning, then the QR code; bought once, captured for the proxy's total", async () => {
  const opening = await sandboxBalance();
  const { page, orders } = await openCheckout({ width: 390, height: 844 });
  await page.screenshot({ path: `${screenshotDir}/cards-1-checkout-phone.png`, fullPage: true });
  await typeCard(page, "4242424242424242");
  await page.locator(".checkout-form button[type=submit]").click();
  await page.locator(".checkout [role=status]", { hasText: "Preparing your eSIM" }).waitFor({ timeout: 20000 });
  await page.locator(".ready").waitFor({ timeout: 20000 });
  assert.ok((await page.locator("svg.qr path").getAttribute("d")).length > 1000, "QR code drawn");
  await page.screenshot({ path: `${screenshotDir}/cards-2-paid-phone.png`, fullPage: true });
  assert.equal(orders.length, 1);
  const intent = await expectPaidOnce(orders[0], opening);
  const shown = await page.evaluate(() => document.getElementById("status").dataset.priceMinor);
  assert.equal(intent.amount, Number(shown), "captured for the proxy's total");
  assert.equal(intent.capture_method, "manual");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a declined card: a clear message, nothing bought; another card then pays the same order", async () => {
  const opening = await sandboxBalance();
  const { page, orders } = await openCheckout({ width: 1280, height: 900 });
  await typeCard(page, "4000000000000002");
  await page.locator(".checkout-form button[type=submit]").click();
  const error = page.locator(".checkout-form .error-box");
  await error.waitFor({ timeout: 20000 });
  assert.match(await error.textContent(), /Your card was declined/);
  assert.match(await error.textContent(), /You have not been charged/);
  await page.screenshot({ path: `${screenshotDir}/cards-3-declined.png`, fullPage: true });
  assert.equal(await sandboxBalance(), opening, "zero provider purchases");

  await typeCard(page, "4242424242424242");
  await page.locator(".checkout-form button[type=submit]").click();
  await page.locator(".ready").waitFor({ timeout: 20000 });
  assert.equal(new Set(orders).size, 1, "the same order, never a second");
  await expectPaidOnce(orders[0], opening);
  // The declined attempt was refused by the card field, not as a console error of ours.
  assert.deepEqual(page.problems.filter((p) => !p.includes("/v1/setup_intents/")), []);
  await page.close();
});

test("the 3-D Secure card: localstripe's challenge, then the eSIM", async () => {
  const opening = await sandboxBalance();
  const { page, orders } = await openCheckout({ width: 1280, height: 900 });
  await typeCard(page, "4000002500003155");
  await page.locator(".checkout-form button[type=submit]").click();
  // localstripe asks on setting the card up, and again when the proxy's payment needs it.
  for (let asked = 0; asked < 2; asked++) {
    const challenge = page.locator("button", { hasText: "Complete authentication" });
    try {
      await challenge.waitFor({ timeout: 10000 });
    } catch {
      break;
    }
    if (asked === 0) await page.screenshot({ path: `${screenshotDir}/cards-4-challenge.png`, fullPage: true });
    await challenge.click();
  }
  await page.locator(".ready").waitFor({ timeout: 20000 });
  await expectPaidOnce(orders[0], opening);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a top-up paid by card: its own PaymentIntent, captured once, the data added once", async () => {
  const { page, orders } = await openCheckout({ width: 390, height: 844 });
  const placed = [];
  page.on("response", async (response) => {
    if (response.request().method() === "POST" && new URL(response.url()).pathname === "/v1/orders") {
      placed.push((await response.json()).id);
    }
  });
  await typeCard(page, "4242424242424242");
  await page.locator(".checkout-form button[type=submit]").click();
  await page.locator(".ready").waitFor({ timeout: 20000 });
  // The checkout's card field goes with it; my eSIMs offers to add data.
  await page.locator("#tab-esims").click();
  await page.locator(".open-esim").click();
  await page.locator(".esim-detail").waitFor();
  assert.equal(await page.locator(".history li").count(), 1);
  await page.locator(".add-data").click();
  await page.locator(".top-up-option").first().click();
  await page.locator("esim-store > [slot=esim-top-up-card] input[placeholder=number]").waitFor();
  assert.equal(await page.locator(".confirm-top-up").textContent(), "Pay");
  for (const [field, value] of [["number", "4242424242424242"], ["exp_month", "12"], ["exp_year", "34"], ["cvc", "123"], ["postal_code", "75001"]]) {
    await page.locator(`esim-store > [slot=esim-top-up-card] input[placeholder=${field}]`).fill(value);
  }
  await page.screenshot({ path: `${screenshotDir}/cards-5-top-up-phone.png`, fullPage: true });
  const opening = await sandboxBalance();
  await page.locator(".confirm-top-up").click();
  await page.locator(".notice", { hasText: "Top-up added." }).waitFor({ timeout: 20000 });
  await page.locator(".history .badge", { hasText: "Top-up" }).waitFor();
  assert.equal(await page.locator(".history li").count(), 2, "the plan and its top-up");
  await page.screenshot({ path: `${screenshotDir}/cards-6-topped-up-phone.png`, fullPage: true });
  assert.equal(await page.locator("esim-store > [slot=esim-top-up-card]").count(), 0, "the card field goes with the confirmation");
  // Its refund would be the eSIM's own price only: the shop cancels it, not the shopper.
  assert.equal(await page.locator(".open-cancel").count(), 0);
  assert.match(await page.locator(".cancel-note").textContent(), /has been topped up/);

  const topUp = placed.find((id) => !orders.includes(id));
  assert.ok(topUp, `a top-up order of its own: ${placed}`);
  const intents = await intentsOf(topUp);
  assert.equal(intents.length, 1, "one PaymentIntent for the top-up");
  assert.equal(intents[0].status, "succeeded", "captured");
  const spent = opening - (await sandboxBalance());
  assert.ok(spent > 0 && spent < intents[0].amount && 2 * spent > intents[0].amount, `one wholesale top-up: ${spent} of ${intents[0].amount}`);
  assert.deepEqual(page.problems, []);
  await page.close();
});
