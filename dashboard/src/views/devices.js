// The device table: search and filters, one page of rows in the DOM at a
// time, so 1,000s of devices stay responsive.
import { $, fmtTime, fmtVersions, h, progressBar, replace, stateClass } from '../dom.js';
import { RESULT } from '../model.js';

export const PAGE_SIZE = 25;

function fillSelect(sel, values, label) {
  const key = values.join(',');
  if (sel.dataset.key === key) return;
  sel.dataset.key = key;
  const current = sel.value;
  replace(sel, h('option', { value: '' }, label), values.map((v) => h('option', { value: v, selected: v === current }, v)));
}

export class DeviceTableView {
  constructor(model, { onOpen, onPick = () => {} }) {
    this.model = model;
    this.onOpen = onOpen;
    this.onPick = onPick;
    this.page = 0;
    this.selected = null;
    this.picked = new Set(); // ticked for a new campaign (the console)
    const refilter = () => {
      this.page = 0;
      this.render();
    };
    for (const id of ['#search', '#filter-state', '#filter-model', '#filter-gateway']) $(id).addEventListener('input', refilter);
    $('#page-prev').addEventListener('click', () => {
      this.page = Math.max(0, this.page - 1);
      this.render();
    });
    $('#page-next').addEventListener('click', () => {
      this.page++;
      this.render();
    });
  }

  filtered(all) {
    const q = $('#search').value.trim().toLowerCase();
    const state = $('#filter-state').value;
    const model = $('#filter-model').value;
    const gw = $('#filter-gateway').value;
    return all.filter(
      (r) =>
        (!q || r.device.toLowerCase().includes(q) || (r.model || '').toLowerCase().includes(q) || (r.gateway || '').toLowerCase().includes(q)) &&
        (!state || r.state === state || r.result === state || r.status === state) &&
        (!model || r.model === model) &&
        (!gw || r.gateway === gw),
    );
  }

  render() {
    const all = this.model.tableRows();
    const uniq = (f) => [...new Set(all.map(f).filter(Boolean))].sort();
    fillSelect($('#filter-state'), [...new Set([...uniq((r) => r.result), ...uniq((r) => r.state), ...uniq((r) => r.status)])], 'any state');
    fillSelect($('#filter-model'), uniq((r) => r.model), 'any model');
    fillSelect($('#filter-gateway'), uniq((r) => r.gateway), 'any gateway');

    const s = this.model.summary();
    replace(
      $('#device-counts'),
      [
        ['completed', RESULT.completed, s[RESULT.completed]],
        ['waiting', RESULT.waiting, s[RESULT.waiting]],
        ['error', RESULT.error, s[RESULT.error]],
        ['expired', RESULT.expired, s[RESULT.expired]],
        ['canceled', RESULT.canceled, s[RESULT.canceled]],
        ['total', 'targets', s.total],
        ['known', 'devices known', this.model.devices.size],
      ].map(([key, label, n]) => h('span', { 'data-count': key }, `${label}: `, h('b', {}, n))),
    );

    const rows = this.filtered(all);
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    this.page = Math.min(this.page, pages - 1);
    const first = this.page * PAGE_SIZE;
    const page = rows.slice(first, first + PAGE_SIZE);
    replace($('#device-table tbody'), page.map((r) => this.row(r)));
    $('#page-info').textContent = rows.length ? `${first + 1}–${first + page.length} of ${rows.length} (page ${this.page + 1}/${pages})` : '0 devices';
    $('#page-info').dataset.rows = String(rows.length);
    $('#page-prev').disabled = this.page === 0;
    $('#page-next').disabled = this.page >= pages - 1;
  }

  row(r) {
    return h(
      'tr',
      { class: `clickable${r.device === this.selected ? ' selected' : ''}`, 'data-device': r.device, onclick: () => this.onOpen(r.device) },
      h(
        'td',
        { class: 'pick', onclick: (e) => e.stopPropagation() },
        h('input', {
          type: 'checkbox',
          'data-pick': r.device,
          'aria-label': `pick ${r.device}`,
          checked: this.picked.has(r.device),
          onchange: (e) => {
            if (e.target.checked) this.picked.add(r.device);
            else this.picked.delete(r.device);
            this.onPick();
          },
        }),
      ),
      h('td', {}, `${r.model || '?'} / ${r.device}`),
      h('td', {}, r.gateway || '–'),
      h('td', {}, r.target ? fmtVersions(r.old, r.new) : fmtVersions(r.old)),
      h('td', { class: 'update-at' }, r.update_at ? fmtTime(r.update_at) : '–'),
      h('td', { class: `job-state ${stateClass(r.state)}`, title: r.result }, r.suspended ? `${r.state} (suspended)` : r.state),
      h('td', {}, r.target ? progressBar(r.progress, r.state === 'failed' ? 'err' : '') : ''),
      h('td', { class: 'device-status' }, r.status || '–'),
    );
  }
}
