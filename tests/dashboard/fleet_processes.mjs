// A whole fleetcast installation for a browser test, like tests/integration/fleet.hpp:
// a real mosquitto (broker-config/dev.conf + the dashboard's websockets listener
// serving the built page), the real manager, gateways and device simulators as
// child processes, state in a temp folder, and the operator CLI.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.on('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

// Polls `fn` until it returns a truthy value or the deadline passes.
export async function eventually(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class Fleet {
  // bins: {manager, cli, gateway, device, mosquitto}; sourceDir: the repository; www: the built dashboard.
  constructor({ bins, sourceDir, www }) {
    this.bins = bins;
    this.sourceDir = sourceDir;
    this.www = www;
    this.dir = mkdtempSync(join(tmpdir(), 'fleetcast-dashboard-test-'));
    this.children = new Map(); // name -> ChildProcess
  }

  start(name, cmd, args) {
    const log = createWriteStream(join(this.dir, `${name}.log`), { flags: 'a' });
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    this.children.set(name, child);
    return child;
  }

  async stop(name, signal = 'SIGTERM') {
    const child = this.children.get(name);
    if (!child) return;
    this.children.delete(name);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  async startBroker() {
    if (!this.mqttPort) {
      this.mqttPort = await freePort();
      this.wsPort = await freePort();
      const dev = readFileSync(join(this.sourceDir, 'broker-config/dev.conf'), 'utf8');
      const ws = readFileSync(join(this.sourceDir, 'broker-config/dashboard-dev.conf.template'), 'utf8')
        .replaceAll('@WS_PORT@', String(this.wsPort))
        .replaceAll('@HTTP_DIR@', this.www);
      writeFileSync(join(this.dir, 'mosquitto.conf'), `listener ${this.mqttPort} 127.0.0.1\n${dev}\n${ws}`);
    }
    this.start('mosquitto', this.bins.mosquitto, ['-c', join(this.dir, 'mosquitto.conf')]);
    await eventually(async () => (await accepts(this.mqttPort)) && (await accepts(this.wsPort)), 10000, 'mosquitto to listen');
  }

  get uri() {
    return `tcp://127.0.0.1:${this.mqttPort}`;
  }

  get url() {
    return `http://127.0.0.1:${this.wsPort}/`;
  }

  // The manager's signing key pair (R21), made once with `fleetcast keygen`.
  get keys() {
    if (!this.keysDir) {
      this.keysDir = join(this.dir, 'keys');
      const r = spawnSync(this.bins.cli, ['keygen', '--out', this.keysDir], { encoding: 'utf8', timeout: 30000 });
      if (r.status !== 0) throw new Error(`fleetcast keygen failed (${r.status}): ${r.stderr}${r.stdout}`);
    }
    return { signing: join(this.keysDir, 'manager.key'), trust: join(this.keysDir, 'manager.pub') };
  }

  // extra: more manager options (e.g. --page-limit).
  startManager(extra = []) {
    this.start('manager', this.bins.manager, ['--broker', this.uri, '--state-dir', join(this.dir, 'manager'),
      '--signing-key', this.keys.signing, ...extra]);
  }

  startGateway(id) {
    this.start(`gateway-${id}`, this.bins.gateway, ['--id', id, '--broker', this.uri, '--state-dir', join(this.dir, `gw-${id}`),
      '--trust-key', this.keys.trust]);
  }

  startDevices(gateway, models, count, firstSerial) {
    const args = ['--simulate', String(count), '--first-serial', String(firstSerial)];
    for (const m of models) args.push('--model', m);
    args.push('--firmware', 'main=1.0', '--gateway', gateway, '--broker', this.uri, '--state-dir', join(this.dir, `devices-${gateway}`),
      '--trust-key', this.keys.trust);
    this.start(`devices-${gateway}`, this.bins.device, args);
  }

  cli(args) {
    const r = spawnSync(this.bins.cli, ['--broker', this.uri, ...args], { encoding: 'utf8', timeout: 30000 });
    if (r.status !== 0) throw new Error(`fleetcast ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  cliJson(args) {
    return JSON.parse(this.cli(['--json', ...args]));
  }

  addFirmware(model, size) {
    mkdirSync(join(this.dir, 'images'), { recursive: true });
    const path = join(this.dir, 'images', `${model}-main-2.0.bin`);
    writeFileSync(path, randomBytes(size));
    this.cli(['firmware', 'add', path, '--model', model, '--component', 'main', '--version', '2.0']);
  }

  async waitRegistered(n, timeoutMs) {
    await eventually(() => (this.cliJson(['devices']).devices || []).length >= n, timeoutMs, `${n} devices to register`);
  }

  logs() {
    let out = '';
    for (const f of ['mosquitto', 'manager', ...[...this.children.keys()].filter((k) => k.startsWith('gateway') || k.startsWith('devices'))]) {
      try {
        const text = readFileSync(join(this.dir, `${f}.log`), 'utf8').split('\n');
        out += `---- ${f}.log (last 30 lines)\n${text.slice(-30).join('\n')}\n`;
      } catch {
        /* not started */
      }
    }
    return out;
  }

  async close({ keep = false } = {}) {
    // All at once: a simulator of 500 devices takes a while to say goodbye.
    await Promise.all([...this.children.keys()].map((name) => this.stop(name)));
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }
}
