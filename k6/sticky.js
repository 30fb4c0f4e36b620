// Sticky sessions across gateways: every client (one iteration = one client with its own cookie jar, or
// its own header value) alternates the gateways and must be answered by the server of its first answer
// on every request. One scenario per sticky mode k6 can drive from one address: cookie and header.
//   TOKEN=$(cat .mesh/admin-token) k6 run -e CLIENTS=30 -e REQUESTS=10 k6/sticky.js
// setup() creates pools k6-sticky-cookie and k6-sticky-header (copies of the servers of pool `default`,
// routes /k6/k6-sticky-cookie/ and /k6/k6-sticky-header/); teardown() deletes them again.
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import {
  GATEWAYS, createPool, envInt, gatewayName, prefixOf, removePool, requireToken, servedBy, serverIds, trafficParams,
} from './lib/mesh.js';

const CLIENTS = envInt('CLIENTS', 30);    // per mode
const REQUESTS = envInt('REQUESTS', 10);  // per client, alternating the gateways
const VUS = envInt('VUS', 5);             // per mode
const HEADER = 'X-K6-Client';
const MODES = {
  cookie: { pool: 'k6-sticky-cookie', sticky: { mode: 'cookie', cookieName: 'K6STICKY' } },
  header: { pool: 'k6-sticky-header', sticky: { mode: `header:${HEADER}` } },
};

const switches = new Counter('sticky_switches');
const clients = new Counter('sticky_clients');
const failed = new Counter('sticky_failed_requests');
const firstServer = new Counter('sticky_first_server');

const scenarios = {};
const thresholds = {
  'sticky_switches': ['count==0'],
  'sticky_failed_requests': ['count==0'],
  'checks': ['rate==1'],
};
Object.keys(MODES).forEach((mode) => {
  scenarios[mode] = {
    executor: 'shared-iterations', vus: VUS, iterations: CLIENTS, maxDuration: '2m', exec: 'client', env: { MODE: mode },
  };
  // every client of each mode ran to the end: a mode that did nothing cannot pass
  thresholds[`sticky_clients{mode:${mode}}`] = [`count==${CLIENTS}`];
  thresholds[`sticky_switches{mode:${mode}}`] = ['count==0'];
  // the clients really were spread over the servers (else staying put would prove nothing); with few
  // clients a server may by chance be nobody's first, so then the tally is only reported (count>=0)
  serverIds(MODES[mode].pool, 3).forEach((id) => {
    thresholds[`sticky_first_server{server:${id}}`] = [CLIENTS >= 30 ? 'count>0' : 'count>=0'];
  });
});

export const options = { scenarios, thresholds };

export function setup() {
  requireToken();
  Object.keys(MODES).forEach((mode) => {
    const m = MODES[mode];
    createPool(m.pool, { algorithm: 'round-robin', sticky: m.sticky }, [1, 1, 1]);
  });
}

export function teardown() {
  Object.keys(MODES).forEach((mode) => removePool(MODES[mode].pool));
}

export function client() {
  const mode = __ENV.MODE;
  const m = MODES[mode];
  const jar = new http.CookieJar(); // this client's own, whatever the VU did before
  const id = `vu${__VU}-it${__ITER}`;
  let first;
  let moved = 0;
  for (let n = 0; n < REQUESTS; n++) {
    const g = (__ITER + n) % GATEWAYS.length; // the first gateway differs between clients, then they alternate
    const params = trafficParams(g, { jar, tags: { mode, name: `sticky ${mode}` } });
    if (mode === 'header') {
      params.headers = { [HEADER]: id };
    }
    const r = http.get(`${GATEWAYS[g]}${prefixOf(m.pool)}${id}/${n}`, params);
    const server = servedBy(r);
    const ok = check(r, { 'status 200 with X-LB-Server': (x) => x.status === 200 && !!server }, { mode });
    if (!ok) {
      failed.add(1, { mode });
      continue;
    }
    if (mode === 'cookie' && n === 0) {
      check(r, { 'cookie mode: the first answer sets the sticky cookie': (x) => !!x.cookies.K6STICKY }, { mode });
      // the gateways may sit on different hosts: the cookie goes to every one of them
      (r.cookies.K6STICKY || []).forEach((c) => GATEWAYS.forEach((url) => jar.set(url, c.name, c.value)));
    }
    if (first === undefined) {
      first = server;
      firstServer.add(1, { mode, server });
    } else if (server !== first) {
      moved++;
      console.warn(`${mode} client ${id}: request ${n} via ${gatewayName(g)} served by ${server}, first by ${first}`);
    }
  }
  switches.add(moved, { mode });
  clients.add(1, { mode });
}
