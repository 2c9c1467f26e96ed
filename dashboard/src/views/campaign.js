// Campaign view: its times (Fig. 16), per gateway the transmission time,
// update time and expected end (Fig. 20), and the results summary (Fig. 46/47).
import { $, fmtTime, h, replace } from '../dom.js';
import { RESULT } from '../model.js';

export class CampaignView {
  constructor(model) {
    this.model = model;
  }

  render() {
    const m = this.model;
    const c = m.campaign();
    if (!c) {
      replace($('#campaign-body'), h('span', { class: 'muted' }, 'no campaign yet'));
      return;
    }
    const s = m.summary();
    const rows = [...m.rows.values()];
    const started = rows.map((r) => r.started_at).filter(Boolean).sort()[0];
    const ended = rows.every((r) => r.result !== RESULT.waiting) ? rows.map((r) => r.ended_at).filter(Boolean).sort().pop() : null;
    replace(
      $('#campaign-body'),
      h(
        'dl',
        { class: 'kv' },
        h('dt', {}, 'campaign'), h('dd', { id: 'campaign-id' }, c.campaign),
        h('dt', {}, 'mode / state'), h('dd', {}, `${c.mode} / ${c.state}`),
        h('dt', {}, 'created'), h('dd', {}, fmtTime(c.created_at)),
        h('dt', {}, 'transmission time'), h('dd', {}, c.transmit_at ? fmtTime(c.transmit_at) : 'at the update time (pull)'),
        h('dt', {}, 'update time'), h('dd', {}, fmtTime(c.update_at)),
        h('dt', {}, 'expires'), h('dd', {}, c.expires_at ? fmtTime(c.expires_at) : 'never'),
        h('dt', {}, 'started / ended'), h('dd', {}, `${fmtTime(started)} / ${ended ? fmtTime(ended) : 'running'}`),
      ),
      h('h3', {}, 'Results'),
      h(
        'table',
        { class: 'grid', id: 'results-summary' },
        h('thead', {}, h('tr', {}, ...Object.values(RESULT).map((label) => h('th', {}, label)), h('th', {}, 'total'))),
        h('tbody', {}, h('tr', {}, ...Object.values(RESULT).map((label) => h('td', {}, s[label])), h('td', {}, s.total))),
      ),
      h('h3', {}, 'Per gateway'),
      this.perGateway(c),
    );
  }

  perGateway(c) {
    const m = this.model;
    const byGw = new Map();
    for (const r of m.rows.values()) {
      const g = byGw.get(r.gateway) || { n: 0, done: 0, lastEnd: null };
      g.n++;
      if (r.result !== RESULT.waiting) {
        g.done++;
        if (r.ended_at && (!g.lastEnd || r.ended_at > g.lastEnd)) g.lastEnd = r.ended_at;
      }
      byGw.set(r.gateway, g);
    }
    const body = [...byGw.entries()].sort().map(([gw, g]) => {
      const sched = m.schedules.get(`${gw}/${c.campaign}`) || {};
      const expected = g.done === g.n ? `ended ${fmtTime(g.lastEnd)}` : sched.expected_end ? fmtTime(sched.expected_end) : 'not computed by the manager';
      return h(
        'tr',
        {},
        h('td', {}, gw),
        h('td', {}, g.n),
        h('td', {}, fmtTime(sched.transmit_at || c.transmit_at || sched.update_at || c.update_at)),
        h('td', {}, fmtTime(sched.update_at || c.update_at)),
        h('td', {}, expected),
        h('td', {}, sched.campaign ? 'schedule retained' : 'schedule cleared'),
      );
    });
    return h(
      'table',
      { class: 'grid', id: 'campaign-gateways' },
      h('thead', {}, h('tr', {}, ['gateway', 'targets', 'transmission time', 'update time', 'expected end', 'schedule'].map((t) => h('th', {}, t)))),
      h('tbody', {}, body),
    );
  }
}
