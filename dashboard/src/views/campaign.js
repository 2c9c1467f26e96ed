// Campaign view: its times (Fig. 16), per gateway the transmission time,
// update time and expected end (Fig. 20), and the results summary (Fig. 46/47).
// Issue 17 item 7: the bytes the manager sent each gateway for the campaign's
// images and what deltas and compression saved (campaign_list's "links").
// A paused or canceled campaign shows a red banner with the reason (an
// operator's, or the failure threshold's); Pause, Resume and Cancel go
// through the confirmation and the manager (campaign_pause/resume/cancel).
import { $, fmtTime, h, replace } from '../dom.js';
import { RESULT } from '../model.js';

// "1200 B sent, 8800 B saved"
export function linkText(l) {
  return `${l.bytes} B sent, ${l.saved} B saved`;
}
export function sumLinks(links) {
  return links.reduce((a, l) => ({ bytes: a.bytes + l.bytes, saved: a.saved + l.saved }), { bytes: 0, saved: 0 });
}

export class CampaignView {
  constructor(model, { onAction } = {}) {
    this.model = model;
    this.onAction = onAction || (() => {});
  }

  // Which campaign-level commands fit the campaign's status (topics.md).
  static allowed(status) {
    return {
      pause: status === 'scheduled' || status === 'running',
      resume: status === 'paused',
      cancel: status === 'scheduled' || status === 'running' || status === 'paused',
    };
  }

  controls(c) {
    const allowed = CampaignView.allowed(c.status);
    const buttons = ['pause', 'resume', 'cancel'].map((op) => {
      const b = h('button', { 'data-campaign-action': op }, op[0].toUpperCase() + op.slice(1));
      b.disabled = !allowed[op];
      b.addEventListener('click', () => this.onAction(op, c.campaign));
      return b;
    });
    return h('div', { class: 'campaign-actions', id: 'campaign-actions' }, ...buttons);
  }

  banner(c) {
    if (c.status !== 'paused' && c.status !== 'canceled') return h('div', { id: 'campaign-banner', hidden: '' });
    return h('div', { id: 'campaign-banner', class: `banner ${c.status}`, 'data-status': c.status },
      `${c.status.toUpperCase()}: ${c.reason || 'no reason given'}`);
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
      this.banner(c),
      this.controls(c),
      h(
        'dl',
        { class: 'kv' },
        h('dt', {}, 'campaign'), h('dd', { id: 'campaign-id' }, c.campaign),
        h('dt', {}, 'mode / status'), h('dd', { id: 'campaign-status' }, `${c.mode} / ${c.status || c.state}`),
        h('dt', {}, 'created'), h('dd', {}, fmtTime(c.created_at)),
        h('dt', {}, 'transmission time'), h('dd', {}, c.transmit_at ? fmtTime(c.transmit_at) : 'at the update time (pull)'),
        h('dt', {}, 'update time'), h('dd', {}, fmtTime(c.update_at)),
        h('dt', {}, 'expires'), h('dd', {}, c.expires_at ? fmtTime(c.expires_at) : 'never'),
        h('dt', {}, 'started / ended'), h('dd', {}, `${fmtTime(started)} / ${ended ? fmtTime(ended) : 'running'}`),
        // Issue 16 item 2: the open wave, and when the next one opens during a soak.
        ...(c.wave
          ? [h('dt', {}, 'wave'), h('dd', { id: 'campaign-wave' },
            `${c.wave.text} (${c.wave.plan.sizes.join(', ')})${c.wave.soak_ends_at ? `, next at ${fmtTime(c.wave.soak_ends_at)}` : ''}`)]
          : []),
        ...(c.links
          ? [h('dt', {}, 'manager → gateways'), h('dd', { id: 'campaign-links' }, linkText(sumLinks(c.links)))]
          : []),
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
      const link = (c.links || []).find((l) => l.gateway === gw);
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
        h('td', { 'data-link': gw }, link ? linkText(link) : '-'),
      );
    });
    return h(
      'table',
      { class: 'grid', id: 'campaign-gateways' },
      h('thead', {}, h('tr', {}, ['gateway', 'targets', 'transmission time', 'update time', 'expected end', 'schedule', 'manager → gateway'].map((t) => h('th', {}, t)))),
      h('tbody', {}, body),
    );
  }
}
