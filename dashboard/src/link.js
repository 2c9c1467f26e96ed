// The dashboard's one MQTT connection (over WebSockets) and the manager's
// request/response protocol on top of it. Given several broker URLs (the
// nodes of a cluster), it connects to the first and, whenever the connection
// closes or an attempt fails, retries with the next one (and a new client id):
// requests still waiting for an answer fail at once, and on connecting it
// subscribes again (the page then asks the manager for its views again).
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
  // urls: the brokers' WebSocket URLs, tried in turn;
  // onStatus({state: 'connecting'|'connected'|'disconnected'|'unauthorized', detail, at}),
  //   at: the index in urls of the broker it is connected or connecting to;
  // onMessage(parsedTopic, payloadText, retained)
  constructor({ urls, username, password, onStatus, onMessage }) {
    // The page's id (its identity on an open broker), and a client id of its own
    // for each connection: a RabbitMQ cluster keeps a client's subscription
    // queue on the node it connected to, and while that node is down a new
    // connection with the same client id is refused on every other node.
    this.pageId = `dash-${randomId()}`;
    this.connections = 0;
    this.urls = urls;
    this.at = 0;
    this.credentials = { username, password };
    this.onStatus = onStatus;
    this.onMessage = onMessage;
    this.pending = new Map();
    this.seq = 0;
    this.client = null;
  }

  // The broker identity requests carry (topics.md): the user name, else the page's id.
  get identity() {
    return this.credentials.username || this.pageId;
  }

  // This connection's client id: dash-{hex}-{n}.
  get clientId() {
    return `${this.pageId}-${this.connections}`;
  }

  // The broker it is connected to, or tries next.
  get url() {
    return this.urls[this.at];
  }

  get connected() {
    return !!this.client && this.client.connected;
  }

  connect() {
    if (this.client) this.client.end(true);
    this.connections++;
    this.onStatus({ state: 'connecting', at: this.at });
    const c = mqtt.connect(this.url, {
      // Asked on every (re)connection: the broker whose turn it is.
      transformWsUrl: () => this.url,
      clientId: this.clientId,
      protocolVersion: 4,
      clean: true,
      resubscribe: false, // 'connect' subscribes, with this connection's response topic
      keepalive: 10,
      reconnectPeriod: RETRY_MS,
      connectTimeout: 4000,
      username: this.credentials.username || undefined,
      password: this.credentials.password || undefined,
    });
    this.client = c;
    c.on('connect', () => {
      c.subscribe([...subscriptions, topics.response(this.identity, this.clientId)], { qos: 1 }, (err) => {
        if (err) this.onStatus({ state: 'disconnected', detail: `subscribe failed: ${err.message}`, at: this.at });
        else this.onStatus({ state: 'connected', at: this.at });
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
    // Every lost connection and every failed attempt ('offline' only ever comes with it).
    c.on('close', () => {
      if (this.client !== c || c.disconnecting) return;
      this.failPending(`connection to ${this.url} lost before the manager answered (it may have acted: check before repeating)`);
      this.onStatus({ state: 'disconnected', at: this.at });
      // The next attempt goes to the next broker, with a new client id.
      this.at = (this.at + 1) % this.urls.length;
      this.connections++;
      c.options.clientId = this.clientId;
    });
    c.on('reconnect', () => this.onStatus({ state: 'disconnected', detail: `retrying with ${this.url}`, at: this.at }));
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
