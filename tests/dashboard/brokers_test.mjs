// Unit test of dashboard/src/brokers.js under node's test runner (no browser):
// the brokers the page connects to come from ?broker=, repeated or a comma
// list like the programs' --broker, else the broker that served the page; the
// status line names each by host:port and its place in the list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// brokers.js is an ES module in a package without "type": "module": import a copy named .mjs.
const source = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dashboard', 'src', 'brokers.js');
const copy = join(mkdtempSync(join(tmpdir(), 'fleetcast-brokers-')), 'brokers.mjs');
copyFileSync(source, copy);
const { brokerLabel, brokerUrls } = await import(pathToFileURL(copy).href);

const page = (search, protocol = 'http:') => ({ search, protocol, host: 'broker.example:8080' });

test('without ?broker= the page connects to the broker that served it', () => {
  assert.deepEqual(brokerUrls(page('')), ['ws://broker.example:8080/mqtt']);
  assert.deepEqual(brokerUrls(page('', 'https:')), ['wss://broker.example:8080/mqtt']);
  assert.deepEqual(brokerUrls(page('?broker=')), ['ws://broker.example:8080/mqtt']);
});

test('?broker= repeated or as a comma list gives the brokers in order', () => {
  const a = 'ws://n1:15675/ws';
  const b = 'wss://n2:15676/ws';
  const c = 'ws://n3:15677/ws';
  assert.deepEqual(brokerUrls(page(`?broker=${a}`)), [a]);
  assert.deepEqual(brokerUrls(page(`?broker=${a},${b},${c}`)), [a, b, c]);
  assert.deepEqual(brokerUrls(page(`?broker=${a}&broker=${b}, ${c},`)), [a, b, c]);
  assert.deepEqual(brokerUrls(page(`?broker=${encodeURIComponent(`${a},${b}`)}`)), [a, b]);
});

test('the status line names a broker by host:port, with its place when there are several', () => {
  assert.equal(brokerLabel(['ws://n1:15675/ws'], 0), 'n1:15675');
  assert.equal(brokerLabel(['ws://n1:15675/ws', 'ws://n2:15676/ws'], 1), 'n2:15676, 2 of 2');
  assert.equal(brokerLabel(['not a url'], 0), 'not a url');
});
