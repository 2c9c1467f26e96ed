// Device detail (Fig. 19): status, expected end, deferment parameter, the
// history of results, and the operator actions (with a confirmation).
import { $, fmtDeferment, fmtTime, fmtVersions, h, replace, stateClass } from '../dom.js';

export class DetailView {
  constructor(model, { onClose, onAction }) {
    this.model = model;
    this.device = null;
    this.detail = null;
    this.error = '';
    $('#detail-close').addEventListener('click', onClose);
    for (const b of document.querySelectorAll('#detail [data-action]'))
      b.addEventListener('click', () => this.device && onAction(b.dataset.action, this.device));
  }

  open(device) {
    this.device = device;
    this.detail = null;
    this.error = '';
    $('#detail').hidden = !device;
    this.render();
  }

  setDetail(device, resp) {
    if (device !== this.device) return;
    this.detail = resp.ok ? resp.data : null;
    this.error = resp.ok ? '' : resp.error;
    this.render();
  }

  render() {
    if (!this.device) return;
    $('#detail-id').textContent = this.device;
    const live = this.model.devices.get(this.device) || {};
    const row = this.model.rows.get(this.device);
    const d = this.detail || {};
    const current = (d.history || [])[0];
    const expected =
      (row && row.result !== 'WAITING FOR RE-UPDATING' && row.ended_at && `ended ${fmtTime(row.ended_at)}`) ||
      (current && current.expected_end && fmtTime(current.expected_end)) ||
      (row ? 'not computed by the manager' : 'no update planned');
    replace(
      $('#detail-body'),
      this.error ? h('p', { class: 'state-failed' }, this.error) : null,
      h(
        'dl',
        { class: 'kv' },
        h('dt', {}, 'type / gateway'), h('dd', {}, `${d.model || live.model || '?'} / ${d.gateway || live.gateway || '?'}`),
        h('dt', {}, 'status'), h('dd', { id: 'detail-status' }, live.status || d.status || '–'),
        h('dt', {}, 'firmware'), h('dd', {}, fmtVersions(live.firmware || d.firmware || {})),
        h('dt', {}, 'last seen'), h('dd', {}, fmtTime(d.last_seen || live.liveAt)),
        h('dt', {}, 'update'), h('dd', { id: 'detail-update' }, row ? `${row.state}${row.suspended ? ' (suspended by the operator: Resume lets it go on)' : ''} ${row.progress || 0} % (${fmtVersions(row.old, row.new)}), update time ${fmtTime(row.update_at || (current && current.update_at))}` : 'not a target of the shown campaign'),
        h('dt', {}, 'expected end'), h('dd', {}, expected),
        h('dt', {}, 'deferment parameter'), h('dd', { id: 'detail-deferment' }, fmtDeferment(live.deferment) || fmtDeferment(d.deferment) || 'not reported by the device yet'),
      ),
      h('h3', {}, 'History of results'),
      h(
        'table',
        { class: 'grid', id: 'detail-history' },
        h('thead', {}, h('tr', {}, ['campaign', 'versions', 'update time', 'state', 'result', 'started', 'ended', 'detail'].map((t) => h('th', {}, t)))),
        h(
          'tbody',
          {},
          (d.history || []).map((r) =>
            h(
              'tr',
              {},
              h('td', {}, r.campaign),
              h('td', {}, fmtVersions(r.old, r.new)),
              h('td', {}, fmtTime(r.update_at)),
              h('td', { class: stateClass(r.state) }, r.state),
              h('td', {}, r.result),
              h('td', {}, fmtTime(r.started_at)),
              h('td', {}, fmtTime(r.ended_at)),
              h('td', {}, r.detail || ''),
            ),
          ),
        ),
      ),
    );
  }
}
