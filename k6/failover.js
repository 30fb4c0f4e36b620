// Failover: a long steady run that must not lose a request while servers, a gateway and the failover
// leader fail under it (README "Load tests (k6)" gives the kills to run meanwhile).
//   TOKEN=$(cat .mesh/admin-token) k6 run -e DURATION=3m -e RATE=50 k6/failover.js
// - Every request goes to the next gateway in turn; when a gateway cannot be reached or drops the
//   connection, the request is sent once more to another gateway, as a client behind round-robin DNS
//   does. A request that still fails counts in failover_failed_requests (threshold count==0).
// - The script itself drains server DRAIN_SERVER (default: the first of pool POOL) at DRAIN_AT and
//   restores it at RESTORE_AT through the registry API (GET it first, PUT it back): no answer may come
//   from it while drained (from DRAIN_GRACE after the drain), and answers must come from it again after.
// - EXTRA_SERVER=host:port (optional) registers one more server in POOL for the run (the README starts a
//   demo backend of its own there, to kill one backend alone: ./mesh runs its three in one JVM).
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import {
  GATEWAYS, SOURCE_POOL, apiOk, envDuration, envInt, gatewayName, getWithRetry, read, requireToken, seconds, servedBy,
} from './lib/mesh.js';

const DURATION = envDuration('DURATION', '3m');
const RATE = envInt('RATE', 50);
const DRAIN_AT = envDuration('DRAIN_AT', '30s');
const RESTORE_AT = envDuration('RESTORE_AT', '60s');
const DRAIN_GRACE = envInt('DRAIN_GRACE', 2); // s for the drain to reach every gateway and in-flight answers to end
const EXTRA = __ENV.EXTRA_SERVER || '';

if (!(seconds(DRAIN_AT) < seconds(RESTORE_AT) && seconds(RESTORE_AT) + 2 * DRAIN_GRACE < seconds(DURATION))) {
  throw new Error(`need DRAIN_AT (${DRAIN_AT}) < RESTORE_AT (${RESTORE_AT}) and RESTORE_AT + 2 x DRAIN_GRACE < DURATION (${DURATION})`);
}

const failed = new Counter('failover_failed_requests');  // {gateway, status}
const retried = new Counter('failover_retried_requests'); // {gateway}: sent again to another gateway
const servedByDrained = new Counter('failover_served_by_drained');
const servedByRestored = new Counter('failover_served_by_restored');
const served = new Counter('lb_served');                 // {server}

export const options = {
  discardResponseBodies: true,
  scenarios: {
    steady: {
      executor: 'constant-arrival-rate', exec: 'steady', rate: RATE, timeUnit: '1s', duration: DURATION,
      preAllocatedVUs: Math.max(10, Math.ceil(RATE / 5)), maxVUs: Math.max(50, RATE * 2),
    },
    drain: { executor: 'per-vu-iterations', exec: 'drain', vus: 1, iterations: 1, startTime: DRAIN_AT, maxDuration: '30s' },
    restore: { executor: 'per-vu-iterations', exec: 'restore', vus: 1, iterations: 1, startTime: RESTORE_AT, maxDuration: '30s' },
  },
  thresholds: {
    'failover_failed_requests': ['count==0'],
    'failover_retried_requests': ['count>=0'], // no bound: shown in the summary even when it stays 0
    'failover_served_by_drained': ['count==0'],
    'failover_served_by_restored': ['count>0'],
    'checks{scenario:drain}': ['rate==1'],
    'checks{scenario:restore}': ['rate==1'],
  },
};

export function setup() {
  requireToken();
  const servers = apiOk('GET', `/pools/${SOURCE_POOL}/servers`);
  const id = __ENV.DRAIN_SERVER || servers.map((s) => s.id).sort()[0];
  const original = read(`/pools/${SOURCE_POOL}/servers/${id}`);
  if (!original) {
    throw new Error(`DRAIN_SERVER ${id} is not a server of pool ${SOURCE_POOL}`);
  }
  if (original.state !== 'ready') {
    throw new Error(`server ${id} of pool ${SOURCE_POOL} is ${original.state}, not ready (left so by an aborted run?)`);
  }
  let extraId = null;
  if (EXTRA) {
    const [host, port] = EXTRA.split(':');
    extraId = `extra-${port}`;
    apiOk('PUT', `/pools/${SOURCE_POOL}/servers/${extraId}`, { host, port: parseInt(port, 10) });
  }
  return { t0: Date.now(), id, original, extraId };
}

export function teardown(data) {
  // whatever happened, the drained server is back as it was and the extra one is gone
  apiOk('PUT', `/pools/${SOURCE_POOL}/servers/${data.id}`, data.original);
  if (data.extraId) {
    apiOk('DELETE', `/pools/${SOURCE_POOL}/servers/${data.extraId}`);
  }
}

export function steady(data) {
  const i = __ITER % GATEWAYS.length;
  const t = (Date.now() - data.t0) / 1000;
  const r = getWithRetry(i, `/k6/failover/${__ITER % 50}`, { tags: { name: 'failover' } });
  if (r.retried) {
    retried.add(1, { gateway: gatewayName(i) });
  }
  const server = servedBy(r.res);
  if (r.res.status !== 200) {
    failed.add(1, { gateway: gatewayName(r.gateway), status: String(r.res.status) });
    console.warn(`t=${t.toFixed(1)}s ${gatewayName(i)}${r.retried ? ` then ${gatewayName(r.gateway)}` : ''}: `
      + `${r.res.status} ${r.res.error || ''} ${server ? `from ${server}` : ''}`);
    return;
  }
  served.add(1, { server: server || 'none' });
  if (server === data.id) {
    if (t > seconds(DRAIN_AT) + DRAIN_GRACE && t < seconds(RESTORE_AT)) {
      servedByDrained.add(1);
      console.warn(`t=${t.toFixed(1)}s: answered by ${server}, drained since ${DRAIN_AT}`);
    } else if (t > seconds(RESTORE_AT) + DRAIN_GRACE) {
      servedByRestored.add(1);
    }
  }
}

export function drain(data) {
  const after = apiOk('PATCH', `/pools/${SOURCE_POOL}/servers/${data.id}`, { state: 'drain' });
  check(after, { 'server drained': (s) => s.state === 'drain' });
  console.log(`t=${((Date.now() - data.t0) / 1000).toFixed(1)}s: drained ${data.id}`);
}

export function restore(data) {
  const after = apiOk('PUT', `/pools/${SOURCE_POOL}/servers/${data.id}`, data.original);
  check(after, { 'server restored': (s) => s.state === data.original.state });
  console.log(`t=${((Date.now() - data.t0) / 1000).toFixed(1)}s: restored ${data.id}`);
}
