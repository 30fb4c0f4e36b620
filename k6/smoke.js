// Smoke: a few requests through every gateway. Each must answer 200 with X-LB-Server; any error fails the run.
//   k6 run k6/smoke.js                       (REQUESTS per gateway, default 10)
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import { GATEWAYS, REGISTRY, envInt, gatewayName, servedBy, trafficParams } from './lib/mesh.js';

const REQUESTS = envInt('REQUESTS', 10);
const served = new Counter('lb_served');

const perGateway = {};
GATEWAYS.forEach((_, i) => {
  // every gateway must have answered every request, so a dead or skipped gateway cannot pass
  perGateway[`lb_served{gateway:${gatewayName(i)}}`] = [`count>=${REQUESTS}`];
});

export const options = {
  scenarios: {
    smoke: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: '60s' },
  },
  thresholds: Object.assign({
    'http_req_failed{kind:traffic}': ['rate==0'],
    'checks': ['rate==1'],
  }, perGateway),
};

export default function () {
  const cluster = http.get(`${REGISTRY}/api/v1/cluster`, { tags: { kind: 'registry' }, timeout: '10s' });
  check(cluster, { 'registry: cluster view 200': (r) => r.status === 200 });
  GATEWAYS.forEach((g, i) => {
    for (let n = 0; n < REQUESTS; n++) {
      const r = http.get(`${g}/k6/smoke/${n}`, trafficParams(i));
      const ok = check(r, {
        'status 200': (x) => x.status === 200,
        'X-LB-Server present': (x) => !!servedBy(x),
      });
      if (ok) {
        served.add(1, { gateway: gatewayName(i), server: servedBy(r) });
      }
    }
  });
}
