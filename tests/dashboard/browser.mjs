// Headless Debian Chromium driven by playwright-core (dashboard/node_modules),
// shared by the browser tests: dashboard_e2e.mjs and follow_brokers.mjs.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const SKIP = 77; // ctest SKIP_RETURN_CODE
export const CHROMIUM = process.env.FLEETCAST_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
];

// The browser, or null (with the reason printed) when Chromium is not installed.
export async function launchChromium(sourceDir) {
  if (!existsSync(CHROMIUM)) {
    console.log(`SKIP: ${CHROMIUM} is not installed (scripts/bootstrap installs Debian's chromium)`);
    return null;
  }
  const require = createRequire(join(sourceDir, 'dashboard', 'package.json'));
  const { chromium } = require('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

const started = Date.now();
export const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
export function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`ok (${elapsed()}): ${what}`);
}

export const text = (page, sel) => page.locator(sel).first().innerText();

// A new page at `url`, once its status line says it is connected to a broker.
export async function openDashboard(browser, url, timeout = 15000) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(url);
  await page.waitForSelector('#conn[data-state="connected"]', { timeout });
  return page;
}
