// Load: a constant arrival rate spread over every gateway, with per-gateway latency and error metrics.
//   k6 run -e RATE=100 -e DURATION=1m -e P95_MS=200 k6/load.js
// Fails when more than 0.1 % of the requests fail or the p95 of the answers exceeds P95_MS, overall or
// on any one gateway.
import { check } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import http from 'k6/http';
import { GATEWAYS, envDuration, envInt, gatewayName, servedBy, trafficParams } from './lib/mesh.js';

const RATE = envInt('RATE', 100);          // requests per second, over all gateways together
const DURATION = envDuration('DURATION', '1m');
const P95_MS = envInt('P95_MS', 200);
const DELAY_MS = envInt('DELAY_MS', 0);    // the demo backend's ?delay=ms, to model a slower upstream
const VUS = envInt('VUS', Math.max(20, Math.ceil(RATE / 5))); // pre-allocated; at most 4x

const gwDuration = new Trend('gateway_duration', true);
const gwRequests = new Counter('gateway_requests');
const gwFailed = new Rate('gateway_failed');
const served = new Counter('lb_served');

const thresholds = {
  'http_req_failed{kind:traffic}': ['rate<0.001'],
  'http_req_duration{kind:traffic}': [`p(95)<${P95_MS}`],
};
GATEWAYS.forEach((_, i) => {
  const gw = gatewayName(i);
  thresholds[`gateway_failed{gateway:${gw}}`] = ['rate<0.001'];
  thresholds[`gateway_duration{gateway:${gw}}`] = [`p(95)<${P95_MS}`];
  thresholds[`gateway_requests{gateway:${gw}}`] = ['count>0'];
});

export const options = {
  discardResponseBodies: true,
  scenarios: {
    load: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: VUS,
      maxVUs: VUS * 4,
    },
  },
  thresholds,
};

export default function () {
  // arrivals take turns over the gateways, as round-robin DNS or an L4 balancer in front would
  const i = (__VU * 7919 + __ITER) % GATEWAYS.length;
  const gw = gatewayName(i);
  const path = `/k6/load/${__ITER % 100}${DELAY_MS ? `?delay=${DELAY_MS}` : ''}`;
  const r = http.get(`${GATEWAYS[i]}${path}`, trafficParams(i, { tags: { name: 'load' } }));
  const ok = check(r, { 'status 200': (x) => x.status === 200 });
  gwRequests.add(1, { gateway: gw });
  gwFailed.add(!ok, { gateway: gw });
  if (r.status !== 0) {
    gwDuration.add(r.timings.duration, { gateway: gw });
  }
  if (ok) {
    served.add(1, { server: servedBy(r) || 'none' });
  }
}
