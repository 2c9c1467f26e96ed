// Unit test of dashboard/src/model.js under node's test runner (no browser):
// its copy of the job rules equals common/job_rules (dumped by the program in
// FLEETCAST_JOB_RULES_DUMP), and a job report that ends a job shows its result
// at once (canceled and expired were shown as WAITING FOR RE-UPDATING until
// the next refresh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// model.js is an ES module in a package without "type": "module": import a copy named .mjs.
const source = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dashboard', 'src', 'model.js');
const copy = join(mkdtempSync(join(tmpdir(), 'fleetcast-model-')), 'model.mjs');
copyFileSync(source, copy);
const { FleetModel, RESULT, TERMINAL, isTerminal, resultOf } = await import(pathToFileURL(copy).href);
const topicsCopy = join(dirname(copy), 'topics.mjs');
copyFileSync(join(dirname(source), 'topics.js'), topicsCopy);
const { parseTopic, topics } = await import(pathToFileURL(topicsCopy).href);

const dump = process.env.FLEETCAST_JOB_RULES_DUMP;
const rules = dump ? JSON.parse(execFileSync(dump, { encoding: 'utf8' })) : null;

test('the result labels are the common ones', { skip: !rules && 'FLEETCAST_JOB_RULES_DUMP not set' }, () => {
  assert.deepEqual(Object.values(RESULT), rules.labels);
});

test('every job state has the common result label', { skip: !rules && 'FLEETCAST_JOB_RULES_DUMP not set' }, () => {
  for (const state of rules.states) assert.equal(resultOf(state), rules.result[state], `state ${state}`);
});

test('the final states are the common ones', { skip: !rules && 'FLEETCAST_JOB_RULES_DUMP not set' }, () => {
  assert.deepEqual([...TERMINAL].sort(), [...rules.terminal].sort());
  for (const state of rules.states) assert.equal(isTerminal(state), rules.terminal.includes(state), `state ${state}`);
});

function modelWithRow(state) {
  const m = new FleetModel();
  m.setCampaigns([{ campaign: 'c1', state: 'active' }]);
  m.setResults({
    campaign: 'c1',
    devices: [{ device: 'A123-000001', gateway: 'gw1', model: 'A123', state, result: resultOf(state), progress: 40 }],
  });
  return m;
}

for (const [state, label] of [
  ['canceled', RESULT.canceled],
  ['expired', RESULT.expired],
  ['failed', RESULT.error],
  ['completed', RESULT.completed],
]) {
  test(`a ${state} job report shows ${label} at once, and a late older report does not undo it`, () => {
    const m = modelWithRow('transferring');
    assert.ok(m.onJobReport('gw1', { campaign: 'c1', device: 'A123-000001', state, detail: `${state} by test` }));
    const row = m.rows.get('A123-000001');
    assert.equal(row.result, label);
    assert.equal(m.summary()[label], 1);
    assert.equal(m.summary()[RESULT.waiting], 0);
    const gw = m.gatewaySummaries().find((g) => g.gateway === 'gw1');
    assert.equal(gw.waiting, 0, 'an ended job is not counted as waiting');
    assert.equal(m.onJobReport('gw1', { campaign: 'c1', device: 'A123-000001', state: 'transferring', progress: 50 }), false);
    assert.equal(m.rows.get('A123-000001').state, state);
  });
}

test('answers come on mgr/resp/{identity}/{client}, the identity and client of the request', () => {
  assert.equal(topics.request('alice', 'dash-01'), 'fleetcast/v1/mgr/req/alice/dash-01');
  assert.equal(topics.response('alice', 'dash-01'), 'fleetcast/v1/mgr/resp/alice/dash-01');
  assert.deepEqual(parseTopic(topics.response('alice', 'dash-01')), {
    kind: 'response',
    identity: 'alice',
    client: 'dash-01',
  });
  assert.equal(parseTopic('fleetcast/v1/mgr/resp/dash-01'), null, 'the topic without an identity is gone');
  assert.equal(parseTopic('fleetcast/v1/mgr/resp/al+ce/dash-01'), null);
});
