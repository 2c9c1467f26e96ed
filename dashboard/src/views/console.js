// The operator's console (issue 19 item 2): upload firmware, create a campaign
// (the planner's answer shown before confirming), and the audit log (who did
// what, item 3). Everything goes through the manager's request topics, as the
// CLI does; nothing is shown as done before the manager answered.
import { $, fmtTime, h, replace } from '../dom.js';
import { uploadFirmware } from '../upload.js';

export class ConsoleView {
  // picked(): the device ids ticked in the device table.
  constructor(model, link, actions, { picked, onCreated }) {
    this.model = model;
    this.link = link;
    this.actions = actions;
    this.picked = picked;
    this.onCreated = onCreated;
    this.plan = null; // the args of the dry run on show
    $('#fw-upload').addEventListener('click', () => this.upload());
    $('#cc-plan').addEventListener('click', () => this.planCampaign());
    $('#cc-confirm').addEventListener('click', () => this.createCampaign());
    $('#cc-asap').addEventListener('change', () => ($('#cc-update-at').disabled = $('#cc-asap').checked));
    $('#audit-refresh').addEventListener('click', () => this.refreshAudit());
  }

  // ---- firmware upload ------------------------------------------------------
  async upload() {
    const file = $('#fw-file').files[0];
    const meta = { model: $('#fw-model').value.trim(), component: $('#fw-component').value.trim(), version: $('#fw-version').value.trim() };
    const status = $('#fw-status');
    if (!file || !meta.model || !meta.component || !meta.version) {
      status.textContent = 'choose a file and give model, component and version';
      status.dataset.state = 'refused';
      return;
    }
    $('#fw-upload').disabled = true;
    status.dataset.state = 'pending';
    status.textContent = `uploading ${file.name}…`;
    const bar = $('#fw-progress');
    bar.value = 0;
    const r = await uploadFirmware(this.link, file, meta, (sent, size) => {
      bar.max = size || 1;
      bar.value = sent;
      status.textContent = `uploading ${file.name}: ${sent} of ${size} bytes`;
    });
    $('#fw-upload').disabled = false;
    if (r.ok) {
      status.dataset.state = 'accepted';
      status.dataset.fw = r.data.fw_id;
      status.textContent = `added: ${r.data.fw_id} (${r.data.model} ${r.data.component} ${r.data.version}, ${r.data.size} bytes, ${r.data.chunk_count} chunks)`;
      this.actions.log(`firmware upload ${file.name}: accepted by the manager as ${r.data.fw_id}`, 'accepted');
    } else {
      status.dataset.state = 'refused';
      status.textContent = `refused by the manager: ${r.error}`;
      this.actions.log(`firmware upload ${file.name}: refused by the manager: ${r.error}`, 'refused');
    }
    this.refreshAudit();
  }

  // ---- campaign creation ----------------------------------------------------
  campaignArgs() {
    const target = document.querySelector('input[name="cc-target"]:checked').value;
    const args = { mode: $('#cc-mode').value };
    if (target === 'all') args.all = true;
    else if (target === 'model') args.models = [$('#cc-model').value].filter(Boolean);
    else args.devices = this.picked();
    if ($('#cc-asap').checked) args.asap = true;
    else if ($('#cc-update-at').value) args.update_at = new Date($('#cc-update-at').value).toISOString();
    return args;
  }

  async planCampaign() {
    const args = this.campaignArgs();
    const view = $('#cc-plan-view');
    $('#cc-confirm').disabled = true;
    this.plan = null;
    if ((args.devices && !args.devices.length) || (args.models && !args.models.length)) {
      replace(view, h('p', { class: 'refused' }, 'tick devices in the device table, or choose a model'));
      return;
    }
    replace(view, h('p', { class: 'pending' }, 'asking the manager to plan…'));
    const r = await this.link.request('campaign_create', { ...args, dry_run: true });
    if (!r.ok) {
      replace(view, h('p', { class: 'refused' }, `the manager refused: ${r.error}`));
      return;
    }
    const p = r.data;
    replace(
      view,
      h('p', { id: 'cc-plan-summary' }, `${p.targets} target${p.targets === 1 ? '' : 's'}, ${p.mode}; update at ${fmtTime(p.update_at)}`,
        p.transmit_at ? `, transmit at ${fmtTime(p.transmit_at)}` : '', `; expected end ${fmtTime(p.expected_end)}`),
      h('ul', { id: 'cc-notes' }, (p.notes || []).map((n) => h('li', {}, n))),
      p.skipped && p.skipped.length
        ? h('p', { id: 'cc-skipped' }, `skipped: ${p.skipped.slice(0, 10).map((s) => `${s.device} ${s.reason}`).join(', ')}${p.skipped.length > 10 ? ` … (${p.skipped.length} in all)` : ''}`)
        : null,
    );
    // The confirmed campaign keeps the planned times.
    this.plan = { ...args, update_at: p.update_at, transmit_at: p.transmit_at, expires_at: p.expires_at, asap: undefined };
    $('#cc-confirm').disabled = false;
  }

  async createCampaign() {
    if (!this.plan) return;
    const args = this.plan;
    this.plan = null;
    $('#cc-confirm').disabled = true;
    const item = this.actions.log('campaign_create: sent, waiting for the manager…', 'pending');
    const r = await this.link.request('campaign_create', args);
    if (r.ok) {
      item.className = 'accepted';
      item.textContent = `${item.dataset.at} campaign_create ${r.data.campaign}: accepted by the manager, ${r.data.targets} targets`;
      replace($('#cc-plan-view'), h('p', { class: 'accepted', id: 'cc-created', 'data-campaign': r.data.campaign }, `created ${r.data.campaign}`));
      this.onCreated(r.data.campaign);
    } else {
      item.className = 'refused';
      item.textContent = `${item.dataset.at} campaign_create: refused by the manager: ${r.error}`;
      replace($('#cc-plan-view'), h('p', { class: 'refused' }, `the manager refused: ${r.error}`));
    }
    this.refreshAudit();
  }

  // Fills the model choice from the devices the manager knows.
  render() {
    const models = [...new Set([...this.model.devices.values()].map((d) => d.model).filter(Boolean))].sort();
    const sel = $('#cc-model');
    if (sel.dataset.key !== models.join(',')) {
      sel.dataset.key = models.join(',');
      const current = sel.value;
      replace(sel, models.map((m) => h('option', { value: m, selected: m === current }, m)));
    }
    $('#cc-picked').textContent = String(this.picked().length);
  }

  // ---- audit log ------------------------------------------------------------
  async refreshAudit() {
    const entries = [];
    let after = 0;
    for (;;) {
      const r = await this.link.request('audit', after ? { after } : {});
      if (!r.ok) {
        $('#audit-status').textContent = `the manager refused: ${r.error}`;
        return;
      }
      entries.push(...r.data.entries);
      if (!r.data.more || !r.data.entries.length) break;
      after = r.data.entries[r.data.entries.length - 1].seq;
    }
    $('#audit-status').textContent = `${entries.length} changing requests`;
    replace(
      $('#audit-table tbody'),
      entries
        .slice()
        .reverse()
        .map((e) =>
          h('tr', { 'data-seq': e.seq, class: e.ok ? 'accepted' : 'refused' },
            h('td', {}, fmtTime(e.at)),
            h('td', { class: 'identity' }, e.identity),
            h('td', { class: 'op' }, e.op),
            h('td', { class: 'args' }, e.args.length > 120 ? `${e.args.slice(0, 117)}...` : e.args),
            h('td', { class: 'outcome' }, e.ok ? `ok: ${e.outcome}` : `${e.code}: ${e.outcome}`)),
        ),
    );
  }
}
