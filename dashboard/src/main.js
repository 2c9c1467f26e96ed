// The dashboard: one MQTT connection to the broker that served this page (or
// to the first of the brokers given with ?broker=, then the next, README),
// the manager's views asked for on connect, on every gateway report (debounced)
// and every few seconds; live topics merged in between.
import { Link } from './link.js';
import { brokerLabel, brokerUrls } from './brokers.js';
import { FleetModel } from './model.js';
import { $ } from './dom.js';
import { OverviewView } from './views/overview.js';
import { CampaignView } from './views/campaign.js';
import { DeviceTableView } from './views/devices.js';
import { DetailView } from './views/detail.js';
import { GatewaysView } from './views/gateways.js';
import { Actions } from './views/actions.js';
import { ConsoleView } from './views/console.js';

const REFRESH_MS = 3000;
const REGISTRY_EVERY = 3; // device_list and gateway_list every 3rd refresh
const REPORT_DEBOUNCE_MS = 1000;
const RENDER_MS = 250;

const model = new FleetModel();
const wsUrls = brokerUrls(location);
const saved = JSON.parse(sessionStorage.getItem('fleetcast-credentials') || '{}');

const link = new Link({
  urls: wsUrls,
  username: saved.username,
  password: saved.password,
  onStatus: showStatus,
  onMessage,
});
const actions = new Actions(link);
const overview = new OverviewView(model, {
  onSelectCampaign: (id) => {
    model.selectCampaign(id);
    refresh(true);
  },
});
const campaign = new CampaignView(model, { onAction: (op, c) => actions.runCampaign(op, c).then(() => refresh(false)) });
const detail = new DetailView(model, { onClose: () => openDevice(null), onAction: (op, dev) => actions.run(op, dev).then(() => refresh(false)) });
const devices = new DeviceTableView(model, { onOpen: openDevice, onPick: () => consoleView.render() });
const consoleView = new ConsoleView(model, link, actions, {
  picked: () => [...devices.picked],
  onCreated: (id) => {
    model.selectCampaign(id);
    refresh(true);
  },
});
const gateways = new GatewaysView(model, {
  onSelect: (gw) => {
    gateways.select(gw);
    refreshGatewayTable();
  },
});

// ---- connection state -------------------------------------------------------
// The status line names the broker the page is on (host:port, and which of
// the ?broker= list); data-broker holds its URL.
function showStatus({ state, detail: why, at }) {
  const el = $('#conn');
  const text = {
    connecting: 'connecting…',
    connected: `connected to ${brokerLabel(wsUrls, at)}`,
    disconnected: 'disconnected — retrying',
    unauthorized: 'not authorised — sign in',
  }[state];
  el.textContent = text;
  el.className = `conn ${state}`;
  el.dataset.state = state;
  if (at === undefined) delete el.dataset.broker;
  else el.dataset.broker = wsUrls[at];
  el.title = why || (at === undefined ? '' : wsUrls[at]);
  document.body.classList.toggle('stale', state !== 'connected');
  if (state === 'connected') {
    refresh(true);
    consoleView.refreshAudit();
  }
  if (state === 'unauthorized') askCredentials(why);
}

function askCredentials(why) {
  $('#login-reason').textContent = why || '';
  const dlg = $('#login');
  dlg.addEventListener(
    'close',
    () => {
      const creds = { username: $('#login-user').value, password: $('#login-password').value };
      sessionStorage.setItem('fleetcast-credentials', JSON.stringify(creds));
      link.setCredentials(creds.username, creds.password);
    },
    { once: true },
  );
  if (!dlg.open) dlg.showModal();
}

// ---- live topics ------------------------------------------------------------
let reportTimer = null;
function onMessage(t, text) {
  let msg = null;
  if (text.length) {
    try {
      msg = JSON.parse(text);
    } catch {
      return; // not ours to judge; the manager and gateways count bad input
    }
  }
  switch (t.kind) {
    case 'manager_state':
      if (msg) model.onManagerState(msg);
      break;
    case 'gateway_state':
      if (msg) model.onGatewayState(t.gw, msg);
      break;
    case 'schedule':
      model.onSchedule(t.gw, t.campaign, msg);
      break;
    case 'device_state':
      if (msg) model.onDeviceState(t.gw, t.device, msg);
      break;
    case 'report':
      if (msg && msg.type === 'job') model.onJobReport(t.gw, msg);
      // The manager has stored it by now or shortly: ask for its views soon.
      clearTimeout(reportTimer);
      reportTimer = setTimeout(() => refresh(false), REPORT_DEBOUNCE_MS);
      break;
  }
  scheduleRender();
}

// ---- manager views ----------------------------------------------------------
let refreshing = false;
let again = null; // asked for during a refresh: null, or {full}
let rounds = 0;
async function refresh(full) {
  if (!link.connected) return;
  if (refreshing) {
    // e.g. connected to the next broker while the last round's requests failed: a full round follows.
    again = { full: full || (again && again.full) };
    return;
  }
  refreshing = true;
  try {
    const withRegistry = full || rounds++ % REGISTRY_EVERY === 0;
    const [campaigns, devs, gws] = await Promise.all([
      link.request('campaign_list'),
      withRegistry ? link.request('device_list') : null,
      withRegistry ? link.request('gateway_list') : null,
    ]);
    if (devs && devs.ok) model.setDeviceList(devs.data.devices);
    if (gws && gws.ok) model.setGatewayList(gws.data.gateways);
    if (campaigns.ok) model.setCampaigns(campaigns.data.campaigns);
    if (model.campaignId) {
      const r = await link.requestAllPages('results', { campaign: model.campaignId });
      if (r.ok) model.setResults(r.data);
    }
    if (!gateways.gateway && model.gateways.size) gateways.select([...model.gateways.keys()].sort()[0]);
    await Promise.all([refreshGatewayTable(), refreshDetail()]);
  } finally {
    refreshing = false;
    scheduleRender();
    if (again) {
      const { full: next } = again;
      again = null;
      setTimeout(() => refresh(next), 0);
    }
  }
}

async function refreshGatewayTable() {
  const gw = gateways.gateway;
  if (gw) gateways.setTable(gw, await link.request('gateway_table', { gateway: gw }));
}

async function refreshDetail() {
  const dev = detail.device;
  if (dev) detail.setDetail(dev, await link.request('device_detail', { device: dev }));
}

function openDevice(device) {
  devices.selected = device;
  detail.open(device);
  refreshDetail();
  scheduleRender();
}

// ---- rendering --------------------------------------------------------------
let rendered = -1;
let renderTimer = null;
function scheduleRender() {
  if (renderTimer) return;
  renderTimer = setTimeout(() => {
    renderTimer = null;
    if (rendered === model.version) return;
    rendered = model.version;
    const mgr = model.manager;
    $('#manager-state').textContent = `manager: ${mgr ? mgr.status : '?'}`;
    $('#manager-state').className = `pill ${mgr ? mgr.status : ''}`;
    overview.render();
    campaign.render();
    devices.render();
    detail.render();
    gateways.render();
    consoleView.render();
  }, RENDER_MS);
}

setInterval(() => refresh(false), REFRESH_MS);
link.connect();
scheduleRender();
window.fleetcastDashboard = { model, link, consoleView }; // for tests and the curious
