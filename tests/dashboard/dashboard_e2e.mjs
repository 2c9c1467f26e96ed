// End-to-end browser tests of the web dashboard: headless Debian Chromium,
// driven by playwright-core, against a real mosquitto (serving the page from
// http_dir and MQTT over WebSockets), the real manager, gateways and simulated
// devices. Registered in ctest (tests/dashboard/CMakeLists.txt):
//   node dashboard_e2e.mjs --case NAME --source DIR --www DIR --artifacts DIR
//        --manager BIN --cli BIN --gateway BIN --device BIN
// Cases:
//   campaign     the page loads, follows a campaign of 1,000 devices on two
//                gateways (results in pages of 300 rows: the manager's
//                --page-limit) to 100 %, its counts match `fleetcast results`, the
//                table pages and filters; then the broker is killed and the
//                page says "disconnected — retrying", and comes back with it.
//   defer        a defer click (with its confirmation) moves that device's
//                update time in the gateway table; Suspend then shows the
//                hold in the device table, and Resume lifts it (R19).
//   control      Pause, Resume and Cancel of a whole campaign (issue 16): each
//                confirmed and accepted; a paused and a canceled campaign show
//                the red banner with the reason, the CLI agrees, and only the
//                buttons that fit the campaign's status are enabled.
//   console      the console (issue 19 item 2): a firmware file uploaded from
//                the file picker is in `fleetcast firmware list` with its
//                SHA-256; a campaign of two devices ticked in the table is
//                planned (the planner's answer and notes shown, nothing created
//                yet), then created as planned; the audit log page and
//                `fleetcast audit` name the page's identity for both.
// Exit 77 = skipped (ctest SKIP_RETURN_CODE), with the reason on stdout.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Fleet, eventually } from './fleet_processes.mjs';
import { SKIP, check, elapsed, launchChromium, openDashboard, text } from './browser.mjs';

function options() {
  const o = {};
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) o[a[i].replace(/^--/, '')] = a[i + 1];
  for (const k of ['case', 'source', 'www', 'artifacts', 'manager', 'cli', 'gateway', 'device'])
    if (!o[k]) throw new Error(`missing --${k}`);
  return o;
}

// ---- cases ------------------------------------------------------------------
async function campaignCase(fleet, browser, o) {
  const perGateway = 500;
  // Pages of 300 rows: the page gathers the campaign's 1,000 rows from 4 pages
  // (the first page alone left the gateway cards short of 500/500).
  fleet.startManager(['--page-limit', '300']);
  fleet.startGateway('gw1');
  fleet.startGateway('gw2');
  fleet.startDevices('gw1', ['A123', 'B456'], perGateway, 1);
  fleet.startDevices('gw2', ['A123', 'B456'], perGateway, perGateway + 1);
  fleet.addFirmware('A123', 96 * 1024);
  fleet.addFirmware('B456', 96 * 1024);
  await fleet.waitRegistered(2 * perGateway, 60000);
  console.log(`${2 * perGateway} devices registered (${elapsed()})`);

  const page = await openDashboard(browser, fleet.url);
  check((await page.title()) === 'fleetcast dashboard', 'the page loads from the broker and connects over WebSockets');

  const campaign = fleet.cli(['campaign', 'create', '--all']).split('\n')[0].trim();
  await page.waitForFunction((c) => document.querySelector('#campaign-id')?.textContent === c, campaign, { timeout: 15000 });
  check(true, `the page shows the new campaign ${campaign} without a reload`);
  await page.waitForFunction(() => document.querySelector('#campaign-progress')?.textContent === '100 %', null, { timeout: 90000 });
  check(true, 'the campaign reaches 100 %');

  const results = fleet.cliJson(['results', campaign]);
  const shown = async (key) => Number(await text(page, `[data-count="${key}"] b`));
  // The page asks the manager again every few seconds; wait for it to agree.
  // 30 s: under a loaded machine (load 16-18 on 2 cores seen) one refresh round can take several seconds.
  await eventually(async () => (await shown('completed')) === results.summary['UPDATING COMPLETED'], 30000, 'completed count');
  check((await shown('completed')) === results.summary['UPDATING COMPLETED'], `completed count ${results.summary['UPDATING COMPLETED']} matches the manager's results`);
  check((await shown('waiting')) === results.summary['WAITING FOR RE-UPDATING'], 'waiting count matches');
  check((await shown('error')) === results.summary.ERROR, 'error count matches');
  check((await shown('total')) === results.devices.length && results.devices.length === 2 * perGateway, `target count ${results.devices.length} matches`);
  const rows = await page.locator('#device-table tbody tr').count();
  check(rows === 25, `one page of 25 rows in the DOM out of ${results.devices.length} (paged)`);
  check((await page.locator('#device-table tbody td.job-state.state-completed').count()) === 25, 'every row on the page reads completed');
  for (const gw of ['gw1', 'gw2'])
    check((await text(page, `.card[data-gateway="${gw}"] .gw-progress`)).includes(`${perGateway}/${perGateway} completed`), `gateway card ${gw} shows ${perGateway}/${perGateway}`);

  // Search narrows the 1,000 rows to one; the model filter to half.
  const one = results.devices[123].device;
  await page.fill('#search', one);
  await page.waitForFunction(() => document.querySelector('#page-info')?.dataset.rows === '1', null, { timeout: 5000 });
  check((await text(page, '#device-table tbody tr')).includes(one), `search finds ${one}`);
  await page.fill('#search', '');
  await page.selectOption('#filter-model', 'B456');
  await page.waitForFunction((n) => document.querySelector('#page-info')?.dataset.rows === String(n), perGateway, { timeout: 5000 });
  check(true, 'the model filter shows the B456 half');
  await page.selectOption('#filter-model', '');

  // Device detail: status and history from the manager.
  await page.locator(`#device-table tbody tr[data-device]`).first().click();
  await page.waitForSelector('#detail-history tbody tr', { timeout: 10000 });
  check((await text(page, '#detail-history tbody tr')).includes(campaign), 'device detail lists the campaign in its history');

  mkdirSync(o.artifacts, { recursive: true });
  await page.screenshot({ path: join(o.artifacts, 'dashboard.png'), fullPage: true });
  console.log(`screenshot: ${join(o.artifacts, 'dashboard.png')}`);

  // A broken broker connection is visible, with the last data kept.
  await fleet.stop('mosquitto', 'SIGKILL');
  await page.waitForFunction(() => document.querySelector('#conn')?.textContent === 'disconnected — retrying', null, { timeout: 20000 });
  check((await page.locator('#conn').isVisible()) && (await page.locator('#device-table tbody tr').count()) === 25, 'a killed broker shows "disconnected — retrying" and keeps the page');
  await page.screenshot({ path: join(o.artifacts, 'dashboard-disconnected.png') });
  await fleet.startBroker();
  await page.waitForSelector('#conn[data-state="connected"]', { timeout: 20000 });
  check(true, 'the page reconnects by itself when the broker is back');
}

async function deferCase(fleet, browser, o) {
  fleet.startManager();
  fleet.startGateway('gw1');
  fleet.startDevices('gw1', ['A123'], 4, 1);
  fleet.addFirmware('A123', 32 * 1024);
  await fleet.waitRegistered(4, 30000);
  fleet.cli(['campaign', 'create', '--all', '--update-at', '+2h']);

  const page = await openDashboard(browser, fleet.url);
  const device = 'A123-000002';
  const cell = `#gateway-table tbody tr[data-device="${device}"] td.update-at`;
  await page.waitForSelector(cell, { timeout: 15000 });
  const before = await page.locator(cell).getAttribute('data-iso');
  check(!!before, `the gateway table shows ${device} with update time ${before}`);

  await page.locator(`#device-table tbody tr[data-device="${device}"]`).click();
  await page.click('#detail [data-action="defer"]');
  await page.waitForSelector('#confirm[open]');
  check((await text(page, '#confirm-text')).includes(device), 'a confirmation names the device');
  await page.click('#confirm-yes');
  await page.waitForSelector('#action-log li.accepted, #action-log li.refused', { timeout: 20000 });
  const answer = await text(page, '#action-log li');
  mkdirSync(o.artifacts, { recursive: true });
  await page.screenshot({ path: join(o.artifacts, 'dashboard-defer.png'), fullPage: true });
  if (/unknown op/.test(answer)) {
    check(await page.locator('#action-log li.refused').isVisible(), "the manager's refusal is shown to the operator");
    console.log(`SKIP: the manager does not implement defer yet (R14, issue 4); the page showed: ${answer}`);
    return SKIP;
  }
  check(/accepted/.test(answer), `the manager accepted the defer: ${answer}`);
  await page.waitForFunction(
    ([sel, old]) => {
      const iso = document.querySelector(sel)?.getAttribute('data-iso');
      return iso && iso > old;
    },
    [cell, before],
    { timeout: 20000 },
  );
  check(true, `${device}'s update time moved later in the gateway table (was ${before}, now ${await page.locator(cell).getAttribute('data-iso')})`);

  // Suspend, then resume: each confirmed, accepted, and visible in the device table.
  const stateCell = `#device-table tbody tr[data-device="${device}"] td.job-state`;
  for (const [op, held] of [['suspend', true], ['resume', false]]) {
    await page.click(`#detail [data-action="${op}"]`);
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm-yes');
    await page.waitForFunction(
      (name) => {
        const li = document.querySelector('#action-log li');
        return li && li.textContent.includes(name) && /accepted|refused/.test(li.className);
      },
      op,
      { timeout: 20000 },
    );
    const said = await text(page, '#action-log li');
    check(/accepted/.test(said), `the manager accepted ${op}: ${said}`);
    await page.waitForFunction(
      ([sel, want]) => (document.querySelector(sel)?.textContent || '').includes('(suspended)') === want,
      [stateCell, held],
      { timeout: 20000 },
    );
    check(true, `${device} ${held ? 'shows' : 'no longer shows'} "(suspended)" in the device table: ${await text(page, stateCell)}`);
  }
  await page.screenshot({ path: join(o.artifacts, 'dashboard-suspend.png'), fullPage: true });
  return 0;
}

async function campaignControlCase(fleet, browser, o) {
  fleet.startManager();
  fleet.startGateway('gw1');
  fleet.startDevices('gw1', ['A123'], 3, 1);
  fleet.addFirmware('A123', 32 * 1024);
  await fleet.waitRegistered(3, 30000);
  fleet.cli(['campaign', 'create', '--all', '--update-at', '+2h', '--campaign', 'c-dash']);
  mkdirSync(o.artifacts, { recursive: true });
  const page = await openDashboard(browser, fleet.url);
  const button = (op) => `#campaign-actions [data-campaign-action="${op}"]`;
  const enabled = async () => {
    const out = {};
    for (const op of ['pause', 'resume', 'cancel']) out[op] = !(await page.locator(button(op)).isDisabled());
    return out;
  };
  await page.waitForSelector(`${button('pause')}:not([disabled])`, { timeout: 20000 });
  check(await page.locator('#campaign-banner').isHidden(), 'a scheduled campaign shows no banner');
  const scheduled = await enabled();
  check(scheduled.pause && !scheduled.resume && scheduled.cancel, `scheduled: pause and cancel offered, resume not (${JSON.stringify(scheduled)})`);

  const act = async (op, status) => {
    await page.click(button(op));
    await page.waitForSelector('#confirm[open]');
    check((await text(page, '#confirm-text')).includes('c-dash'), `the ${op} confirmation names the campaign`);
    await page.click('#confirm-yes');
    await page.waitForFunction(
      (name) => {
        const li = document.querySelector('#action-log li');
        return li && li.textContent.includes(name) && /accepted|refused/.test(li.className);
      },
      `campaign_${op}`,
      { timeout: 20000 },
    );
    const said = await text(page, '#action-log li');
    check(/accepted/.test(said), `the manager accepted campaign_${op}: ${said}`);
    if (!status) return;
    await page.waitForSelector(`#campaign-banner[data-status="${status}"]`, { timeout: 20000 });
    const banner = await text(page, '#campaign-banner');
    check(banner.startsWith(status.toUpperCase()) && banner.length > status.length + 2, `the red banner says why: ${banner}`);
    const listed = fleet.cliJson(['campaign', 'list']).campaigns.find((c) => c.campaign === 'c-dash');
    check(listed && listed.status === status, `the CLI lists c-dash as ${status} too`);
  };

  await act('pause', 'paused');
  const paused = await enabled();
  check(!paused.pause && paused.resume && paused.cancel, `paused: resume and cancel offered (${JSON.stringify(paused)})`);
  await page.screenshot({ path: join(o.artifacts, 'dashboard-paused.png'), fullPage: true });
  await act('resume', null);
  await page.waitForSelector('#campaign-banner[hidden]', { state: 'attached', timeout: 20000 });
  check(true, 'resumed: the banner is gone');
  await act('cancel', 'canceled');
  const canceled = await enabled();
  check(!canceled.pause && !canceled.resume && !canceled.cancel, `canceled: nothing more to do (${JSON.stringify(canceled)})`);
  await page.screenshot({ path: join(o.artifacts, 'dashboard-canceled.png'), fullPage: true });
  return 0;
}

async function consoleCase(fleet, browser, o) {
  fleet.startManager();
  fleet.startGateway('gw1');
  fleet.startDevices('gw1', ['A123'], 3, 1);
  await fleet.waitRegistered(3, 30000);
  mkdirSync(o.artifacts, { recursive: true });
  const page = await openDashboard(browser, fleet.url);

  // Upload: 600 KiB, three pieces of at most 256 KiB.
  const image = randomBytes(600 * 1024);
  const file = join(fleet.dir, 'printer-2.0.img');
  writeFileSync(file, image);
  await page.setInputFiles('#fw-file', file);
  await page.fill('#fw-model', 'A123');
  await page.fill('#fw-component', 'main');
  await page.fill('#fw-version', '2.0');
  await page.click('#fw-upload');
  await page.waitForSelector('#fw-status[data-state="accepted"], #fw-status[data-state="refused"]', { timeout: 60000 });
  const status = await text(page, '#fw-status');
  check((await page.getAttribute('#fw-status', 'data-state')) === 'accepted', `the manager added the uploaded image: ${status}`);
  const fw = await page.getAttribute('#fw-status', 'data-fw');
  const listed = fleet.cliJson(['firmware', 'list']).firmware.find((f) => f.fw_id === fw);
  const sha = createHash('sha256').update(image).digest('hex');
  check(listed && listed.sha256 === sha && listed.size === image.length, `fleetcast firmware list has ${fw} with the file's size and SHA-256`);
  check((await page.evaluate(() => document.querySelector('#fw-progress').value)) === image.length, 'the progress bar reached the whole image');

  // Campaign: two devices ticked in the table, planned, then created.
  await page.waitForSelector('[data-pick="A123-000001"]', { timeout: 20000 });
  await page.check('[data-pick="A123-000001"]');
  await page.check('[data-pick="A123-000003"]');
  await page.check('input[name="cc-target"][value="picked"]');
  await page.selectOption('#cc-mode', 'push');
  await page.click('#cc-plan');
  await page.waitForSelector('#cc-plan-summary', { timeout: 20000 });
  const plan = await text(page, '#cc-plan-summary');
  check(/^2 targets, push/.test(plan), `the planner's answer is shown before confirming: ${plan}`);
  // Notes appear when the planner assumed a rate or moved a time (none here: the gateway measured its links).
  check(/expected end/.test(plan) && (await page.locator('#cc-notes').count()) === 1, `with the expected end and its notes (${await page.locator('#cc-notes li').count()})`);
  check(fleet.cliJson(['campaign', 'list']).campaigns.length === 0, 'planning created no campaign');
  await page.screenshot({ path: join(o.artifacts, 'dashboard-console-plan.png'), fullPage: true });
  await page.click('#cc-confirm');
  await page.waitForSelector('#cc-created', { timeout: 20000 });
  const campaign = await page.getAttribute('#cc-created', 'data-campaign');
  const created = fleet.cliJson(['campaign', 'list']).campaigns;
  check(created.length === 1 && created[0].campaign === campaign, `the CLI lists the campaign ${campaign}`);
  const targets = fleet.cliJson(['targets', campaign]).devices.map((d) => d.device).sort();
  check(JSON.stringify(targets) === JSON.stringify(['A123-000001', 'A123-000003']), `its targets are the ticked devices: ${targets}`);
  check(fleet.cliJson(['results', campaign]).mode === 'push', 'in push mode');
  await page.waitForFunction((c) => document.querySelector('#campaign-id')?.textContent === c, campaign, { timeout: 15000 });
  check(true, 'the page follows the new campaign');

  // Who did what: the page's identity (its client id on this open dev broker).
  const identity = await page.evaluate(() => window.fleetcastDashboard.link.identity);
  const audit = fleet.cliJson(['audit']).entries;
  const ops = audit.map((e) => `${e.identity} ${e.op} ${e.ok}`);
  check(
    JSON.stringify(ops) === JSON.stringify([`${identity} firmware_upload_commit true`, `${identity} campaign_create true`]),
    `fleetcast audit records the upload and the campaign (not the plan) by ${identity}: ${ops}`,
  );
  await page.click('#audit-refresh');
  await page.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr').length === 2, null, { timeout: 15000 });
  const top = await text(page, '#audit-table tbody tr');
  check(top.includes(identity) && top.includes('campaign_create') && top.includes(campaign), `the audit page shows it: ${top}`);
  await page.screenshot({ path: join(o.artifacts, 'dashboard-console.png'), fullPage: true });
  return 0;
}

// ---- main -------------------------------------------------------------------
const o = options();
const fleet = new Fleet({
  bins: { manager: o.manager, cli: o.cli, gateway: o.gateway, device: o.device, mosquitto: o.mosquitto || 'mosquitto' },
  sourceDir: o.source,
  www: o.www,
});
let browser;
let rc = 1;
try {
  const cases = { campaign: campaignCase, defer: deferCase, control: campaignControlCase, console: consoleCase };
  if (!cases[o.case]) throw new Error(`unknown case ${o.case}`);
  browser = await launchChromium(o.source);
  if (!browser) rc = SKIP;
  else {
    await fleet.startBroker();
    rc = (await cases[o.case](fleet, browser, o)) || 0;
    if (rc === 0) console.log(`PASS: dashboard ${o.case}`);
  }
} catch (e) {
  console.log(`FAIL: ${e.stack || e}`);
  console.log(fleet.logs());
} finally {
  if (browser) await browser.close();
  await fleet.close({ keep: rc === 1 });
  if (rc === 1) console.log(`state and logs kept in ${fleet.dir}`);
}
process.exit(rc);
