// Fleet overview: the campaign's progress, one card per gateway, and the
// devices completed over time (Chart.js).
import { Chart, LineController, LineElement, PointElement, LinearScale, Filler, Tooltip } from 'chart.js';
import { $, fmtTime, h, progressBar, replace } from '../dom.js';
import { RESULT } from '../model.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Tooltip);

export class OverviewView {
  constructor(model, { onSelectCampaign }) {
    this.model = model;
    this.chart = null;
    this.chartKey = '';
    $('#campaign-select').addEventListener('change', (e) => onSelectCampaign(e.target.value));
  }

  render() {
    const m = this.model;
    this.renderCampaignSelect();
    const s = m.summary();
    const pct = s.total ? Math.floor((100 * s[RESULT.completed]) / s.total) : 0;
    $('#campaign-progress').textContent = s.total ? `${pct} %` : '–';
    $('#campaign-bar').style.width = `${pct}%`;
    $('#campaign-bar').className = `fill${s[RESULT.error] ? ' err' : ''}`;
    replace($('#gateway-cards'), m.gatewaySummaries().map((g) => this.card(g)));
    this.renderChart();
  }

  renderCampaignSelect() {
    const sel = $('#campaign-select');
    const ids = this.model.campaigns.map((c) => c.campaign);
    const key = this.model.campaigns.map((c) => `${c.campaign}:${c.state}`).join(',') + '|' + this.model.campaignId;
    if (sel.dataset.key === key) return;
    sel.dataset.key = key;
    replace(
      sel,
      ids.length ? this.model.campaigns.map((c) => h('option', { value: c.campaign, selected: c.campaign === this.model.campaignId }, `${c.campaign} (${c.state})`)) : h('option', { value: '' }, '(none yet)'),
    );
  }

  card(g) {
    const gw = this.model.gateways.get(g.gateway) || {};
    const pct = g.targets ? Math.floor((100 * g.completed) / g.targets) : 0;
    const statuses = Object.entries(g.status).sort().map(([k, n]) => `${k} ${n}`).join(' · ') || 'no devices';
    return h(
      'div',
      { class: 'card', 'data-gateway': g.gateway },
      h('h4', {}, g.gateway, h('span', { class: `pill ${gw.status || ''}` }, gw.status || 'unknown')),
      h('div', { class: 'muted' }, `${g.devices} devices: ${statuses}`),
      g.targets
        ? [
            progressBar(pct, g.error ? 'err' : ''),
            h('div', { class: 'gw-progress' }, `${g.completed}/${g.targets} completed · ${g.waiting} waiting · ${g.error} error · ${g.expired} expired · ${g.canceled} canceled · ${pct} %`),
          ]
        : h('div', { class: 'muted' }, 'no target in this campaign'),
    );
  }

  renderChart() {
    const points = this.model.completions();
    const c = this.model.campaign() || this.model.results || {};
    const start = Date.parse(c.update_at || '') || (points[0] && points[0].t) || 0;
    const total = this.model.summary().total;
    const key = `${this.model.campaignId}|${points.length}|${total}`;
    if (key === this.chartKey) return;
    this.chartKey = key;
    const data = [{ x: 0, y: 0 }, ...points.map((p) => ({ x: Math.max(0, (p.t - start) / 1000), y: p.n }))];
    if (!this.chart) {
      this.chart = new Chart($('#completion-chart'), {
        type: 'line',
        data: { datasets: [{ label: 'completed', data, stepped: true, fill: true, borderColor: '#1a8f4c', backgroundColor: '#1a8f4c22', pointRadius: 0 }] },
        options: {
          animation: false,
          maintainAspectRatio: false,
          parsing: false,
          scales: {
            x: { type: 'linear', min: 0, title: { display: true, text: `seconds after the update time` } },
            y: { type: 'linear', min: 0, suggestedMax: total || 1, title: { display: true, text: 'devices' } },
          },
          plugins: { tooltip: { callbacks: { title: (items) => (items[0] ? fmtTime(new Date(start + items[0].parsed.x * 1000).toISOString()) : '') } } },
        },
      });
    } else {
      this.chart.data.datasets[0].data = data;
      this.chart.options.scales.y.suggestedMax = total || 1;
      this.chart.update('none');
    }
  }
}
