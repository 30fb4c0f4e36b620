// Distribution: how each balancing algorithm spreads requests, tallied from X-LB-Server per server.
//   TOKEN=$(cat .mesh/admin-token) k6 run k6/distribution.js
// One pool of its own per algorithm (copies of the first three servers of pool `default`, routed from
// /k6/<pool>/, made in setup() and deleted in teardown()), one scenario each, all at once:
//   round-robin            REQUESTS requests, alternating the gateways: each server 1/3 (within TOLERANCE)
//   weighted-round-robin   weights 5:3:2: shares 50/30/20 % (within TOLERANCE)
//   least-connections      weights 5:3:2, ROUNDS rounds of BATCH slow requests (?delay=DELAY_MS) in flight
//                          at once: shares 50/30/20 % (within LC_TOLERANCE: ties are broken at random)
//   ip-hash                every request comes from this one address: all on one server, on both gateways
//   url-hash               PATHS paths, each REPEAT times over both gateways: one server per path, and the
//                          paths spread over every server (over two when PATHS < 20)
// A Counter of violations per algorithm (threshold count==0) fails the run; handleSummary prints the table.
import http from 'k6/http';
import { Counter } from 'k6/metrics';
import {
  GATEWAYS, createPool, envInt, pad, padLeft, prefixOf, removePool, requireToken, servedBy, serverIds,
  textSummary, trafficParams,
} from './lib/mesh.js';

const REQUESTS = envInt('REQUESTS', 600);
const TOLERANCE = envInt('TOLERANCE', 2);        // percentage points
const LC_TOLERANCE = envInt('LC_TOLERANCE', 6);  // percentage points
const ROUNDS = envInt('ROUNDS', 10);
const BATCH = envInt('BATCH', 30);
const DELAY_MS = envInt('DELAY_MS', 200);
const PATHS = envInt('PATHS', 30);
const REPEAT = envInt('REPEAT', 4);
const PARALLEL = 10; // requests sent at once by the fast scenarios (http.batch), over the gateways

/** algorithm -> its pool, server weights, what to check. */
const ALGOS = {
  'round-robin': { pool: 'k6-dist-rr', weights: [1, 1, 1], run: spreadRun },
  'weighted-round-robin': { pool: 'k6-dist-wrr', weights: [5, 3, 2], run: spreadRun },
  'least-connections': { pool: 'k6-dist-lc', weights: [5, 3, 2], run: slowRun },
  'ip-hash': { pool: 'k6-dist-ip', weights: [1, 1, 1], run: spreadRun },
  'url-hash': { pool: 'k6-dist-url', weights: [1, 1, 1], run: pathsRun },
};
const NAMES = Object.keys(ALGOS);

const served = new Counter('lb_served');           // {algo, server}
const failed = new Counter('dist_failed_requests'); // {algo}
const violations = new Counter('dist_violations');  // {algo}
const pathsOn = new Counter('dist_paths');         // url-hash: paths per {server}

const scenarios = {};
const thresholds = {
  'dist_violations': ['count==0'],
  'dist_failed_requests': ['count==0'],
};
NAMES.forEach((algo) => {
  scenarios[algo] = {
    executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: '3m', exec: 'measure', env: { ALGO: algo },
  };
  thresholds[`dist_violations{algo:${algo}}`] = ['count==0'];
  // count>=0: always true, there so the summary carries each tally (k6 reports only submetrics it must judge)
  serverIds(ALGOS[algo].pool, 3).forEach((id) => {
    thresholds[`lb_served{algo:${algo},server:${id}}`] = ['count>=0'];
    if (algo === 'url-hash') {
      thresholds[`dist_paths{server:${id}}`] = ['count>=0'];
    }
  });
});

export const options = {
  scenarios,
  thresholds,
  batch: Math.max(BATCH, PARALLEL),
  batchPerHost: Math.max(BATCH, PARALLEL),
  discardResponseBodies: true,
};

export function setup() {
  requireToken();
  NAMES.forEach((algo) => createPool(ALGOS[algo].pool, { algorithm: algo }, ALGOS[algo].weights));
}

export function teardown() {
  NAMES.forEach((algo) => removePool(ALGOS[algo].pool));
}

export function measure() {
  const algo = __ENV.ALGO;
  const a = ALGOS[algo];
  const ids = serverIds(a.pool, 3);
  const counts = {};
  ids.forEach((id) => { counts[id] = 0; });
  const extra = a.run(algo, a, counts);
  const problems = spreadProblems(algo, ids.map((id) => counts[id]), a.weights, extra);
  problems.forEach((p) => console.warn(`${algo}: ${p}`));
  violations.add(problems.length, { algo });
}

/**
 * GETs every path of `paths` in batches of `size` sent at once, path j through gateway `gatewayOf(j)`
 * (default: alternating); tallies the answering servers into `counts`.
 */
function send(algo, counts, paths, size, onAnswer, gatewayOf) {
  const pick = gatewayOf || ((j) => j % GATEWAYS.length);
  for (let k = 0; k < paths.length; k += size) {
    const reqs = [];
    for (let j = k; j < Math.min(k + size, paths.length); j++) {
      const g = pick(j);
      reqs.push(['GET', `${GATEWAYS[g]}${paths[j]}`, null, trafficParams(g, { tags: { algo, name: algo } })]);
    }
    http.batch(reqs).forEach((r, j) => {
      const server = servedBy(r);
      if (r.status !== 200 || !server) {
        failed.add(1, { algo });
        return;
      }
      if (!(server in counts)) {
        counts[server] = 0; // not one of this pool's servers: reported as a violation
      }
      counts[server]++;
      served.add(1, { algo, server });
      if (onAnswer) {
        onAnswer(paths[k + j], server);
      }
    });
  }
}

function spreadRun(algo, a, counts) {
  const paths = Array.from({ length: REQUESTS }, (_, n) => `${prefixOf(a.pool)}r/${n}`);
  send(algo, counts, paths, PARALLEL);
  return { unknown: Object.keys(counts).filter((s) => serverIds(a.pool, 3).indexOf(s) < 0) };
}

function slowRun(algo, a, counts) {
  for (let r = 0; r < ROUNDS; r++) {
    const paths = Array.from({ length: BATCH }, (_, n) => `${prefixOf(a.pool)}slow/${r}/${n}?delay=${DELAY_MS}`);
    send(algo, counts, paths, BATCH);
  }
  return { unknown: Object.keys(counts).filter((s) => serverIds(a.pool, 3).indexOf(s) < 0) };
}

function pathsRun(algo, a, counts) {
  const seen = {}; // path -> {server: answers}
  const paths = [];
  for (let rep = 0; rep < REPEAT; rep++) {
    for (let p = 0; p < PATHS; p++) {
      paths.push(`${prefixOf(a.pool)}item/${p}`);
    }
  }
  // each path goes through every gateway in turn: repetition rep of path p through gateway (p + rep) % n
  send(algo, counts, paths, PARALLEL, (path, server) => {
    seen[path] = seen[path] || {};
    seen[path][server] = (seen[path][server] || 0) + 1;
  }, (j) => ((j % PATHS) + Math.floor(j / PATHS)) % GATEWAYS.length);
  const split = Object.keys(seen).filter((p) => Object.keys(seen[p]).length > 1);
  const owners = {};
  Object.keys(seen).forEach((p) => {
    if (Object.keys(seen[p]).length === 1) {
      const s = Object.keys(seen[p])[0];
      owners[s] = (owners[s] || 0) + 1;
      pathsOn.add(1, { server: s });
    }
  });
  split.forEach((p) => console.warn(`url-hash: ${p} answered by ${JSON.stringify(seen[p])}`));
  return { split: split.length, owners, unknown: Object.keys(counts).filter((s) => serverIds(a.pool, 3).indexOf(s) < 0) };
}

/**
 * What is wrong with a spread: `counts` per server (in pool order), `weights`, and for url-hash the
 * number of paths answered by more than one server and the paths per server. Empty when all is well.
 */
function spreadProblems(algo, counts, weights, extra) {
  const total = counts.reduce((x, y) => x + y, 0);
  const problems = [];
  if (total === 0) {
    return ['no answers at all'];
  }
  if (extra && extra.unknown && extra.unknown.length) {
    problems.push(`answers from servers not in the pool: ${extra.unknown.join(', ')}`);
  }
  if (algo === 'ip-hash') {
    const used = counts.filter((c) => c > 0).length;
    if (used !== 1) {
      problems.push(`one client address was answered by ${used} servers (${counts.join('/')}), not one`);
    }
    return problems;
  }
  if (algo === 'url-hash') {
    if (extra.split > 0) {
      problems.push(`${extra.split} of ${PATHS} paths answered by more than one server`);
    }
    const used = Object.keys(extra.owners).length;
    const need = PATHS >= 20 ? weights.length : Math.min(2, weights.length);
    if (used < need) {
      problems.push(`${PATHS} paths landed on ${used} servers, expected at least ${need}`);
    }
    return problems;
  }
  const tolerance = algo === 'least-connections' ? LC_TOLERANCE : TOLERANCE;
  const wsum = weights.reduce((x, y) => x + y, 0);
  counts.forEach((c, i) => {
    const share = (100 * c) / total;
    const want = (100 * weights[i]) / wsum;
    if (Math.abs(share - want) > tolerance) {
      problems.push(`server ${i + 1}: ${share.toFixed(1)} % of ${total}, expected ${want.toFixed(1)} ± ${tolerance}`);
    }
  });
  return problems;
}

export function handleSummary(data) {
  const count = (name) => (data.metrics[name] ? data.metrics[name].values.count : 0);
  const lines = ['', '  distribution: answers per server (X-LB-Server), share, and what was expected', ''];
  lines.push(`  ${pad('algorithm', 22)}${padLeft('server 1', 16)}${padLeft('server 2', 16)}${padLeft('server 3', 16)}`
    + `   ${pad('expected', 30)}verdict`);
  NAMES.forEach((algo) => {
    const a = ALGOS[algo];
    const ids = serverIds(a.pool, 3);
    const counts = ids.map((id) => count(`lb_served{algo:${algo},server:${id}}`));
    const total = counts.reduce((x, y) => x + y, 0);
    const cells = counts.map((c) => padLeft(`${c} ${total ? ((100 * c) / total).toFixed(1) : '0.0'}%`, 16)).join('');
    let expected;
    if (algo === 'ip-hash') {
      expected = 'all on one server';
    } else if (algo === 'url-hash') {
      const owners = ids.map((id) => count(`dist_paths{server:${id}}`));
      expected = `1 server/path (${owners.join('/')} paths)`;
    } else {
      const tol = algo === 'least-connections' ? LC_TOLERANCE : TOLERANCE;
      expected = `${a.weights.join(':')} ± ${tol} points`;
    }
    const bad = count(`dist_violations{algo:${algo}}`);
    const verdict = total === 0 ? 'FAIL (no answers)' : bad === 0 ? 'ok' : `FAIL (${bad})`;
    lines.push(`  ${pad(algo, 22)}${cells}   ${pad(expected, 30)}${verdict}`);
  });
  lines.push('');
  lines.push(`  failed requests: ${count('dist_failed_requests')}; servers are <pool>-1..3, copies of pool default's first three`);
  return { stdout: `${lines.join('\n')}\n${textSummary(data)}` };
}
