// Small DOM helpers: building elements without innerHTML (ids come from the network).
export const $ = (sel) => document.querySelector(sel);

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'style') el.style.cssText = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}

// A time as the operator reads it: local, to the second; the date when not today.
export function fmtTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const time = d.toLocaleTimeString([], { hour12: false });
  return d.toDateString() === new Date().toDateString() ? time : `${d.toISOString().slice(0, 10)} ${time}`;
}

export function fmtVersions(oldV = {}, newV = {}) {
  const comps = [...new Set([...Object.keys(oldV), ...Object.keys(newV)])].sort();
  if (!comps.length) return '–';
  return comps.map((c) => (newV[c] && newV[c] !== oldV[c] ? `${c} ${oldV[c] || '?'}→${newV[c]}` : `${c} ${oldV[c]}`)).join(', ');
}

// A deferment parameter {value_ms, set_at} (R12): "20 min (set 18:02:11)"; "off" when 0.
export function fmtDeferment(p) {
  if (!p || typeof p.value_ms !== 'number') return null;
  if (p.value_ms === 0) return 'off (answers at once)';
  const mins = p.value_ms / 60000;
  const value = mins >= 1 ? `${Math.round(mins * 10) / 10} min` : `${Math.round(p.value_ms / 1000)} s`;
  return p.set_at ? `${value} (set ${fmtTime(p.set_at)})` : value;
}

export function progressBar(pct, cls = '') {
  return h('div', { class: 'bar', title: `${pct} %` }, h('div', { class: `fill ${cls}`, style: `width:${Math.max(0, Math.min(100, pct))}%` }));
}

export function stateClass(state) {
  if (state === 'completed') return 'state-completed';
  if (state === 'failed') return 'state-failed';
  if (state === 'not a target') return 'state-not';
  return '';
}
