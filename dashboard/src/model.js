// Everything the dashboard knows, merged from the manager's views (the
// authority) and the live topics (retained state, schedules, job reports).
// Pure data: no DOM here.

// The job rules, a copy of common/job_rules.hpp (the manager's and the
// gateway's): tests/dashboard/model_test.mjs checks it against that file's
// rules, dumped by tests/common/job_rules_dump.
export const RESULT = {
  completed: 'UPDATING COMPLETED',
  waiting: 'WAITING FOR RE-UPDATING',
  error: 'ERROR',
  expired: 'EXPIRED',
  canceled: 'CANCELED',
};

// Final job states: nothing changes such a job any more.
export const TERMINAL = new Set(['completed', 'failed', 'expired', 'canceled']);
const LABEL = { completed: RESULT.completed, failed: RESULT.error, expired: RESULT.expired, canceled: RESULT.canceled };

export function resultOf(state) {
  return LABEL[state] || RESULT.waiting;
}

export function isTerminal(state) {
  return TERMINAL.has(state);
}

export class FleetModel {
  constructor() {
    this.manager = null; // process_state
    this.gateways = new Map(); // id -> {gateway, status, last_seen, counters}
    this.schedules = new Map(); // `${gw}/${campaign}` -> schedule
    this.devices = new Map(); // id -> {device, gateway, model, status, firmware, last_seen, registered}
    this.campaigns = []; // campaign_list, newest first
    this.campaignId = null; // the campaign shown
    this.pinned = false; // chosen by the operator (else: follow the newest)
    this.results = null; // results data of campaignId
    this.rows = new Map(); // device -> results row of campaignId
    this.version = 0; // bumped on every change, for rendering
  }

  changed() {
    this.version++;
  }

  // ---- manager views ----------------------------------------------------
  setCampaigns(list) {
    this.campaigns = list || [];
    if (!this.pinned || !this.campaigns.some((c) => c.campaign === this.campaignId)) {
      const active = this.campaigns.find((c) => c.state === 'active');
      const next = (active || this.campaigns[0] || {}).campaign || null;
      if (next !== this.campaignId) {
        this.campaignId = next;
        this.results = null;
        this.rows = new Map();
      }
    }
    this.changed();
  }

  selectCampaign(id) {
    this.pinned = true;
    if (id !== this.campaignId) {
      this.campaignId = id;
      this.results = null;
      this.rows = new Map();
    }
    this.changed();
  }

  setResults(data) {
    if (!data || data.campaign !== this.campaignId) return;
    this.results = data;
    this.rows = new Map((data.devices || []).map((r) => [r.device, r]));
    this.changed();
  }

  setDeviceList(list) {
    const seen = new Set();
    for (const d of list || []) {
      seen.add(d.device);
      const live = this.devices.get(d.device);
      // A live retained state newer than the manager's copy wins.
      const status = live && live.liveAt && (!d.last_seen || live.liveAt > d.last_seen) ? live.status : d.status;
      this.devices.set(d.device, { ...d, status, registered: true, liveAt: live && live.liveAt });
    }
    for (const [id, d] of this.devices) if (d.registered && !seen.has(id)) this.devices.delete(id);
    this.changed();
  }

  setGatewayList(list) {
    for (const g of list || []) this.gateways.set(g.gateway, { ...this.gateways.get(g.gateway), ...g });
    this.changed();
  }

  // ---- live topics ------------------------------------------------------
  onManagerState(s) {
    this.manager = s;
    this.changed();
  }

  onGatewayState(gw, s) {
    const g = this.gateways.get(gw) || { gateway: gw };
    this.gateways.set(gw, { ...g, gateway: gw, status: s.status, last_seen: s.at || g.last_seen, counters: s.counters });
    this.changed();
  }

  onSchedule(gw, campaign, s) {
    const key = `${gw}/${campaign}`;
    if (s) this.schedules.set(key, { ...s, gateway: gw });
    else this.schedules.delete(key);
    this.changed();
  }

  onDeviceState(gw, device, s) {
    const d = this.devices.get(device) || { device, gateway: gw, model: s.model, registered: false };
    this.devices.set(device, {
      ...d,
      gateway: gw,
      model: s.model || d.model,
      status: s.status,
      firmware: s.firmware || d.firmware,
      deferment: s.deferment || d.deferment,
      liveAt: s.at || new Date().toISOString(),
    });
    this.changed();
  }

  // A gateway's job report: moves that device's row at once; the next
  // results view confirms it.
  onJobReport(gw, r) {
    if (r.campaign !== this.campaignId) return false;
    const row = this.rows.get(r.device);
    if (!row) return false;
    if (TERMINAL.has(row.state) && !TERMINAL.has(r.state)) return false; // an older report arriving late
    Object.assign(row, {
      state: r.state,
      result: resultOf(r.state),
      progress: r.progress ?? row.progress,
      detail: r.detail ?? row.detail,
      started_at: r.started_at || row.started_at,
      ended_at: r.ended_at || row.ended_at,
      suspended: r.suspended === true, // absent in a report: not held
    });
    if (r.update_at) row.update_at = r.update_at;
    if (r.state === 'completed' && r.firmware) row.new = r.firmware;
    this.changed();
    return true;
  }

  // ---- derived ----------------------------------------------------------
  campaign() {
    return this.campaigns.find((c) => c.campaign === this.campaignId) || null;
  }

  summary() {
    const s = { total: 0 };
    for (const label of Object.values(RESULT)) s[label] = 0;
    for (const r of this.rows.values()) {
      s[r.result] = (s[r.result] || 0) + 1;
      s.total++;
    }
    return s;
  }

  // Per gateway: targets and their results, device statuses.
  gatewaySummaries() {
    const out = new Map();
    const get = (gw) => {
      if (!out.has(gw))
        out.set(gw, { gateway: gw, targets: 0, completed: 0, waiting: 0, error: 0, expired: 0, canceled: 0, devices: 0, status: {} });
      return out.get(gw);
    };
    for (const g of this.gateways.keys()) get(g);
    for (const d of this.devices.values()) {
      const s = get(d.gateway || '?');
      s.devices++;
      s.status[d.status || 'unknown'] = (s.status[d.status || 'unknown'] || 0) + 1;
    }
    for (const r of this.rows.values()) {
      const s = get(r.gateway);
      s.targets++;
      if (r.result === RESULT.completed) s.completed++;
      else if (r.result === RESULT.error) s.error++;
      else if (r.result === RESULT.expired) s.expired++;
      else if (r.result === RESULT.canceled) s.canceled++;
      else s.waiting++;
    }
    return [...out.values()].sort((a, b) => a.gateway.localeCompare(b.gateway));
  }

  // Cumulative completions over time: [{t: ms, n}], from the results' end times.
  completions() {
    const ends = [];
    for (const r of this.rows.values()) if (r.result === RESULT.completed && r.ended_at) ends.push(Date.parse(r.ended_at));
    ends.sort((a, b) => a - b);
    return ends.map((t, i) => ({ t, n: i + 1 }));
  }

  // The device table: the campaign's targets, then every other known device.
  tableRows() {
    const out = [];
    const c = this.campaign();
    for (const r of this.rows.values()) {
      const d = this.devices.get(r.device) || {};
      out.push({
        device: r.device,
        model: r.model,
        gateway: r.gateway,
        old: r.old || {},
        new: r.new || {},
        update_at: r.update_at || (c && c.update_at) || (this.results && this.results.update_at),
        state: r.state,
        result: r.result,
        progress: r.progress || 0,
        suspended: r.suspended === true,
        status: d.status || '',
        target: true,
      });
    }
    for (const d of this.devices.values()) {
      if (this.rows.has(d.device)) continue;
      out.push({
        device: d.device,
        model: d.model,
        gateway: d.gateway,
        old: d.firmware || {},
        new: {},
        update_at: null,
        state: 'not a target',
        result: '',
        progress: 0,
        status: d.status || '',
        target: false,
      });
    }
    return out;
  }

  // Fig. 21: devices the update cannot reach, with the reason.
  exceptions() {
    const out = [];
    for (const s of (this.results && this.results.skipped) || [])
      out.push({ device: s.device, gateway: s.gateway || '', reason: s.reason });
    for (const d of this.devices.values()) {
      if (!d.registered)
        out.push({ device: d.device, gateway: d.gateway, reason: "UNREGISTERED: seen on its site, not in the manager's registry" });
      else if (d.status === 'offline')
        out.push({ device: d.device, gateway: d.gateway, reason: `UNREACHABLE: offline (last seen ${d.last_seen || 'never'})` });
    }
    return out;
  }
}
