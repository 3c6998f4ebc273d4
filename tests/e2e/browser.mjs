// Shared set-up for the end-to-end tests: Debian's Chromium driven by playwright-core (which
// never downloads a browser of its own), with the flags that keep it quiet on a closed network.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const baseUrl = process.env.ESIM_DEMO_URL ?? "http://127.0.0.1:8080";
export const screenshotDir = fileURLToPath(new URL("../../target/e2e/", import.meta.url));
mkdirSync(screenshotDir, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Opens a page that records console errors, failed requests, uncaught exceptions and CSP
 * violations in `page.problems`. `bypassCSP` is only for pages that inject axe-core.
 */
export async function openPage(browser, viewport = { width: 1280, height: 800 }, { bypassCSP = false } = {}) {
  const context = await browser.newContext({ viewport, bypassCSP });
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (msg) => {
    // Failed requests are reported below with their URL.
    if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) {
      page.problems.push(`console: ${msg.text()}`);
    }
  });
  page.on("response", (response) => {
    if (response.status() >= 400) page.problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on("requestfailed", (request) => page.problems.push(`failed: ${request.url()}`));
  page.on("pageerror", (err) => page.problems.push(`exception: ${err.message}`));
  return page;
}

const axePath = fileURLToPath(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url));

/** Runs axe-core on the page (shadow roots included) and returns serious or critical violations. */
export async function seriousViolations(page) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}
