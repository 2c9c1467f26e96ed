// The dashboard's one MQTT connection (over WebSockets, to the broker that
// served the page) and the manager's request/response protocol on top of it.
import mqtt from 'mqtt';
import { parseTopic, subscriptions, topics } from './topics.js';

const RETRY_MS = 1000;
const REQUEST_TIMEOUT_MS = 15000;

function randomId() {
  const bytes = new Uint8Array(5);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Link {
  // onStatus({state: 'connecting'|'connected'|'disconnected'|'unauthorized', detail}),
  // onMessage(parsedTopic, payloadText, retained)
  constructor({ url, username, password, onStatus, onMessage }) {
    this.clientId = `dash-${randomId()}`;
    this.url = url;
    this.credentials = { username, password };
    this.onStatus = onStatus;
    this.onMessage = onMessage;
    this.pending = new Map();
    this.seq = 0;
    this.client = null;
  }

  // The broker identity requests carry (topics.md): the user name, else the client id.
  get identity() {
    return this.credentials.username || this.clientId;
  }

  get connected() {
    return !!this.client && this.client.connected;
  }

  connect() {
    if (this.client) this.client.end(true);
    this.onStatus({ state: 'connecting' });
    const c = mqtt.connect(this.url, {
      clientId: this.clientId,
      protocolVersion: 4,
      clean: true,
      keepalive: 10,
      reconnectPeriod: RETRY_MS,
      connectTimeout: 4000,
      username: this.credentials.username || undefined,
      password: this.credentials.password || undefined,
    });
    this.client = c;
    c.on('connect', () => {
      c.subscribe([...subscriptions, topics.response(this.identity, this.clientId)], { qos: 1 }, (err) => {
        if (err) this.onStatus({ state: 'disconnected', detail: `subscribe failed: ${err.message}` });
        else this.onStatus({ state: 'connected' });
      });
    });
    c.on('message', (topic, payload, packet) => this.dispatch(topic, payload, packet.retain));
    c.on('error', (err) => {
      // CONNACK 4/5: bad credentials or not authorised; retrying will not help.
      if (err && (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135)) {
        c.end(true);
        this.onStatus({ state: 'unauthorized', detail: err.message });
      }
    });
    const lost = () => {
      if (this.client !== c || c.disconnecting) return;
      this.failPending('connection lost');
      this.onStatus({ state: 'disconnected' });
    };
    c.on('close', lost);
    c.on('offline', lost);
    c.on('reconnect', () => this.onStatus({ state: 'disconnected', detail: 'retrying' }));
  }

  setCredentials(username, password) {
    this.credentials = { username, password };
    this.connect();
  }

  dispatch(topic, payload, retained) {
    const t = parseTopic(topic);
    if (!t) return;
    const text = new TextDecoder().decode(payload);
    if (t.kind === 'response') {
      let resp;
      try {
        resp = JSON.parse(text);
      } catch {
        return;
      }
      const p = this.pending.get(resp.req_id);
      if (!p) return;
      this.pending.delete(resp.req_id);
      clearTimeout(p.timer);
      p.resolve({ ok: !!resp.ok, data: resp.data || {}, error: resp.error || '' });
      return;
    }
    this.onMessage(t, text, retained);
  }

  // One manager request: resolves {ok, data, error}; never rejects.
  request(op, args = {}) {
    if (!this.connected) return Promise.resolve({ ok: false, data: {}, error: 'not connected to the broker' });
    const req_id = `r-${this.clientId}-${++this.seq}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(req_id);
        resolve({ ok: false, data: {}, error: `no answer from the manager within ${REQUEST_TIMEOUT_MS / 1000} s` });
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(req_id, { resolve, timer });
      const body = JSON.stringify({ type: 'request', req_id, op, args });
      this.client.publish(topics.request(this.identity, this.clientId), body, { qos: 1 });
    });
  }

  // Every page of a paged view (`results`): the first answer with the rows of
  // all pages in `devices`. A page holds at most 5,000 rows (fewer with the
  // manager's --page-limit); the first alone missed the rest of a large campaign.
  async requestAllPages(op, args = {}) {
    const first = await this.request(op, args);
    if (!first.ok) return first;
    const rows = first.data.devices || [];
    while (rows.length < (first.data.total || 0)) {
      const next = await this.request(op, { ...args, offset: rows.length });
      if (!next.ok) return next;
      const more = next.data.devices || [];
      if (!more.length) break; // the campaign shrank meanwhile
      rows.push(...more);
    }
    first.data.devices = rows;
    return first;
  }

  failPending(reason) {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ ok: false, data: {}, error: reason });
      this.pending.delete(id);
    }
  }
}
