// Gateways: the list, one gateway's update table (Fig. 24), and the devices
// the update cannot reach (Fig. 21).
import { $, fmtTime, h, progressBar, replace, stateClass } from '../dom.js';

export class GatewaysView {
  constructor(model, { onSelect }) {
    this.model = model;
    this.gateway = null;
    this.table = null;
    this.error = '';
    $('#gateway-select').addEventListener('change', (e) => onSelect(e.target.value));
  }

  select(gw) {
    if (gw === this.gateway) return;
    this.gateway = gw;
    this.table = null;
    this.render();
  }

  setTable(gw, resp) {
    if (gw !== this.gateway) return;
    this.table = resp.ok ? resp.data : null;
    this.error = resp.ok ? '' : resp.error;
    this.render();
  }

  render() {
    const m = this.model;
    const sums = new Map(m.gatewaySummaries().map((s) => [s.gateway, s]));
    const ids = [...m.gateways.keys()].sort();
    const sel = $('#gateway-select');
    if (sel.dataset.key !== ids.join(',') + '|' + this.gateway) {
      sel.dataset.key = ids.join(',') + '|' + this.gateway;
      replace(sel, ids.map((g) => h('option', { value: g, selected: g === this.gateway }, g)));
    }
    replace(
      $('#gateway-list tbody'),
      ids.map((id) => {
        const g = m.gateways.get(id);
        const s = sums.get(id) || {};
        return h(
          'tr',
          { 'data-gateway': id },
          h('td', {}, id),
          h('td', {}, h('span', { class: `pill ${g.status || ''}`, style: 'color:#fff' }, g.status || '?')),
          h('td', {}, fmtTime(g.last_seen)),
          h('td', {}, s.devices || 0),
          h('td', {}, s.targets || 0),
          h('td', {}, (g.counters && g.counters.bad_input) ?? '–'),
        );
      }),
    );
    $('#gateway-table-id').textContent = this.gateway || '–';
    const rows = (this.table && this.table.rows) || [];
    replace(
      $('#gateway-table tbody'),
      this.error
        ? h('tr', {}, h('td', { colspan: 7, class: 'state-failed' }, this.error))
        : rows.length
          ? rows.map((r) =>
              h(
                'tr',
                { 'data-device': r.device },
                h('td', {}, r.device),
                h('td', {}, r.model),
                h('td', {}, r.campaign),
                h('td', { class: 'necessity' }, r.necessity),
                h('td', { class: 'update-at', 'data-iso': r.update_at }, fmtTime(r.update_at)),
                h('td', { class: stateClass(r.state) }, r.state),
                h('td', {}, progressBar(r.progress || 0, r.state === 'failed' ? 'err' : '')),
              ),
            )
          : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'no device of an active campaign behind this gateway')),
    );
    const ex = m.exceptions();
    replace(
      $('#exceptions tbody'),
      ex.length
        ? ex.map((e) => h('tr', {}, h('td', {}, e.device), h('td', {}, e.gateway || '–'), h('td', {}, e.reason)))
        : h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'none')),
    );
  }
}
