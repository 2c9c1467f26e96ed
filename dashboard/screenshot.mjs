// Screenshot of a running dashboard (how docs/dashboard.png is made):
//   scripts/demo --keep            # prints "open the dashboard: URL"
//   node dashboard/screenshot.mjs URL docs/dashboard.png
// Headless Debian chromium through playwright-core; waits until the page is
// connected and shows a campaign, opens the first device's detail.
import { chromium } from 'playwright-core';

const [url, out] = process.argv.slice(2);
if (!url || !out) {
  console.error('usage: node dashboard/screenshot.mjs URL OUT.png');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.FLEETCAST_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1500 } });
  await page.goto(url);
  await page.waitForSelector('#conn[data-state="connected"]', { timeout: 15000 });
  await page.waitForSelector('#campaign-id', { timeout: 15000 });
  await page.locator('#device-table tbody tr[data-device]').first().click();
  await page.waitForSelector('#detail-history tbody tr', { timeout: 10000 });
  await page.waitForFunction(() => document.querySelector('#gateway-list tbody tr'));
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
