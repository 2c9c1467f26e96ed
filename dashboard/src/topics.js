// The topics the dashboard reads and writes (topics.md is the contract).
export const ROOT = 'fleetcast/v1';

export const topics = {
  managerState: `${ROOT}/mgr/state`,
  // mgr/req/{identity}/{client}: identity = the broker user name the page
  // signed in with (the ACL pins it), or its client id on an open dev broker.
  request: (identity, client) => `${ROOT}/mgr/req/${identity}/${client}`,
  // The manager answers under the request's identity and client; the ACL lets
  // an operator read only mgr/resp/{its identity}/+.
  response: (identity, client) => `${ROOT}/mgr/resp/${identity}/${client}`,
  gatewayStates: `${ROOT}/gw/+/state`,
  schedules: `${ROOT}/gw/+/schedule/+`,
  reports: `${ROOT}/gw/+/report`,
  deviceStates: `${ROOT}/site/+/dev/+/state`,
};

// What the dashboard subscribes to: retained state, schedules, and the
// gateways' reports (live job progress between two manager views).
export const subscriptions = [
  topics.managerState,
  topics.gatewayStates,
  topics.schedules,
  topics.reports,
  topics.deviceStates,
];

const ID = /^[A-Za-z0-9._-]{1,64}$/;

// {kind, gw, campaign, device} for a topic the dashboard subscribes to, or null.
export function parseTopic(topic) {
  if (!topic.startsWith(ROOT + '/')) return null;
  const p = topic.slice(ROOT.length + 1).split('/');
  const ok = (...ids) => ids.every((id) => ID.test(id));
  if (p.length === 2 && p[0] === 'mgr' && p[1] === 'state') return { kind: 'manager_state' };
  if (p.length === 4 && p[0] === 'mgr' && p[1] === 'resp' && ok(p[2], p[3]))
    return { kind: 'response', identity: p[2], client: p[3] };
  if (p.length === 3 && p[0] === 'gw' && ok(p[1]) && p[2] === 'state') return { kind: 'gateway_state', gw: p[1] };
  if (p.length === 3 && p[0] === 'gw' && ok(p[1]) && p[2] === 'report') return { kind: 'report', gw: p[1] };
  if (p.length === 4 && p[0] === 'gw' && p[2] === 'schedule' && ok(p[1], p[3]))
    return { kind: 'schedule', gw: p[1], campaign: p[3] };
  if (p.length === 5 && p[0] === 'site' && p[2] === 'dev' && p[4] === 'state' && ok(p[1], p[3]))
    return { kind: 'device_state', gw: p[1], device: p[3] };
  return null;
}
