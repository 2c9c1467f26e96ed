// The browser half of Failover.CliAndDashboardFollowTheManagerAcrossNodes
// (tests/integration/cluster_test.cpp, which runs the cluster, the fleet and
// the kill -9). Serves the built dashboard from --www on a loopback port (the
// brokers' WebSocket listeners serve no page: any web server does), opens it
// in headless Chromium with ?broker=URL1,URL2,... and prints what it sees:
//   "on URL1: the page shows gateway GW"  connected to the first broker, with
//                                         the manager's views (the test then kills it)
//   "moved to URL, ..."                   connected to another broker, the status line naming it
//   "PASS: ..."                           the page shows campaign --campaign (created
//                                         after the kill) at 100 %, through a broker
//                                         other than the first
//   node follow_brokers.mjs --source DIR --www DIR --brokers URL,URL,... --gateway GW
//        --campaign ID [--timeout-s 150]
// Exit 0 when all three happened within --timeout-s, 1 otherwise, 77 without Chromium.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SKIP, check, elapsed, launchChromium, openDashboard, text } from './browser.mjs';

function options() {
  const o = { 'timeout-s': '150' };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) o[a[i].replace(/^--/, '')] = a[i + 1];
  for (const k of ['source', 'www', 'brokers', 'gateway', 'campaign']) if (!o[k]) throw new Error(`missing --${k}`);
  return o;
}

// index.html and app.js from the built dashboard, nothing else.
function serve(www) {
  const server = createServer(async (req, res) => {
    const name = basename(new URL(req.url, 'http://x').pathname) || 'index.html';
    try {
      res.end(await readFile(join(www, name)));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const o = options();
const urls = o.brokers.split(',');
const deadline = Date.now() + Number(o['timeout-s']) * 1000;
const left = () => Math.max(1000, deadline - Date.now());
const connectedTo = (page) => page.evaluate(() => {
  const el = document.querySelector('#conn');
  return el.dataset.state === 'connected' ? el.dataset.broker : '';
});

let browser;
let server;
let rc = 1;
try {
  browser = await launchChromium(o.source);
  if (!browser) rc = SKIP;
  else {
    server = await serve(o.www);
    const page = await openDashboard(browser, `http://127.0.0.1:${server.address().port}/?broker=${o.brokers}`, left());
    // Every change of the status line, in the log (what the page went through when a check fails).
    let lostAt = 0; // when the page first lost its broker, and was connected again
    let backAt = 0;
    await page.exposeFunction('statusChanged', (state, line) => {
      if (state === 'disconnected' && !lostAt) lostAt = Date.now();
      if (state === 'connected' && lostAt && !backAt) backAt = Date.now();
      console.log(`(${elapsed()}) status line: ${line}`);
    });
    await page.evaluate(() => {
      const el = document.querySelector('#conn');
      const say = () => window.statusChanged(el.dataset.state, `${el.dataset.state} "${el.textContent}" ${el.dataset.broker || ''} ${el.title}`);
      new MutationObserver(say).observe(el, { attributes: true, childList: true, characterData: true, subtree: true });
      say();
    });
    check((await connectedTo(page)) === urls[0], `the page connects to the first broker of ${urls.length}: ${await text(page, '#conn')}`);
    await page.waitForSelector(`.card[data-gateway="${o.gateway}"]`, { timeout: left() });
    console.log(`on ${urls[0]}: the page shows gateway ${o.gateway}`);

    const moved = await page.waitForFunction(
      (first) => {
        const el = document.querySelector('#conn');
        return el.dataset.state === 'connected' && el.dataset.broker !== first && { url: el.dataset.broker, status: el.textContent };
      },
      urls[0],
      { timeout: left() },
    );
    const { url: now, status } = await moved.jsonValue();
    check(status.includes(new URL(now).host), `the status line names the broker it is on: ${status}`);
    console.log(`moved to ${now}, connected there ${(((backAt || Date.now()) - lostAt) / 1000).toFixed(1)} s after the page lost ${urls[0]}`);

    const shown = await page.waitForFunction(
      ([c, first]) => {
        const el = document.querySelector('#conn');
        return (
          document.querySelector('#campaign-id')?.textContent === c &&
          document.querySelector('#campaign-progress')?.textContent === '100 %' &&
          el.dataset.state === 'connected' &&
          el.dataset.broker !== first &&
          el.dataset.broker
        );
      },
      [o.campaign, urls[0]],
      { timeout: left() },
    );
    const through = await shown.jsonValue();
    check(true, `campaign ${o.campaign}, created after the kill, is shown at 100 % through ${through}`);
    rc = 0;
    console.log(`PASS: the dashboard followed the manager to ${through}`);
  }
} catch (e) {
  console.log(`FAIL: ${e.stack || e}`);
} finally {
  if (browser) await browser.close();
  if (server) server.close();
}
process.exit(rc);
