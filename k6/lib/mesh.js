// What every script in k6/ shares: where the mesh is (GATEWAYS, REGISTRY, TOKEN from __ENV), the registry
// API, pools of a script's own, requests through the gateways and a plain-text summary.
import http from 'k6/http';
import { fail, sleep } from 'k6';

/** Gateway base URLs, without a trailing slash. */
export const GATEWAYS = list(__ENV.GATEWAYS || 'http://127.0.0.1:8080,http://127.0.0.1:8081');
export const REGISTRY = trimSlash(__ENV.REGISTRY || 'http://127.0.0.1:9000');
export const TOKEN = (__ENV.TOKEN || '').trim();
/** The pool whose servers the scripts copy into pools of their own (./mesh up registers pool `default`). */
export const SOURCE_POOL = __ENV.POOL || 'default';

/** Tag of every request sent through a gateway: thresholds on `{kind:traffic}` leave the registry calls out. */
export const TRAFFIC = 'traffic';

/** Short name of gateway i for tags and tables: gw1, gw2, ... */
export function gatewayName(i) {
  return `gw${i + 1}`;
}

export function envInt(name, dflt) {
  const v = __ENV[name];
  if (v === undefined || v === '') {
    return dflt;
  }
  const n = parseInt(v, 10);
  if (isNaN(n) || n < 0) {
    fail(`${name}=${v}: expected a non-negative integer`);
  }
  return n;
}

/** A k6 duration string (30s, 2m) from the environment. */
export function envDuration(name, dflt) {
  const v = __ENV[name] || dflt;
  if (!/^(\d+(ms|s|m|h))+$/.test(v)) {
    fail(`${name}=${v}: expected a k6 duration such as 30s or 2m`);
  }
  return v;
}

/** Seconds in a k6 duration string ('1m30s' -> 90). */
export function seconds(duration) {
  const units = { ms: 0.001, s: 1, m: 60, h: 3600 };
  let total = 0;
  duration.replace(/(\d+)(ms|s|m|h)/g, (_, n, u) => {
    total += parseInt(n, 10) * units[u];
    return '';
  });
  return total;
}

export function requireToken() {
  if (!TOKEN) {
    fail('TOKEN is not set: this script changes pools through the registry API and needs the admin token'
      + ' (./mesh up writes it to .mesh/admin-token: TOKEN=$(cat .mesh/admin-token) k6 run ...)');
  }
}

// ---------------------------------------------------------------------------------------------------
// Registry API

/** One registry call below /api/v1; `body` (an object) is sent as JSON. Tagged kind:registry. */
export function api(method, path, body) {
  const params = {
    headers: { Authorization: `Bearer ${TOKEN}` },
    tags: { kind: 'registry', name: `${method} /api/v1${path.replace(/\/[^/]+$/, '/*')}` },
    responseCallback: http.expectedStatuses({ min: 200, max: 299 }, 404),
    responseType: 'text', // even in a script with discardResponseBodies
    timeout: '10s',
  };
  let payload = null;
  if (body !== undefined && body !== null) {
    payload = JSON.stringify(body);
    params.headers['Content-Type'] = 'application/json';
  }
  return http.request(method, `${REGISTRY}/api/v1${path}`, payload, params);
}

/** {@link api}, failing the test unless the answer is 2xx; returns the parsed body (or null). */
export function apiOk(method, path, body) {
  const r = api(method, path, body);
  if (r.status < 200 || r.status > 299) {
    const hint = r.status === 401 || r.status === 403 ? ' (is TOKEN the admin token of this mesh? .mesh/admin-token)' : '';
    fail(`${method} ${REGISTRY}/api/v1${path} answered ${r.status}${hint}: ${String(r.body).slice(0, 400)}`);
  }
  return r.body ? r.json() : null;
}

/** A resource as the registry holds it, without its version (to PUT it back later), or null when absent. */
export function read(path) {
  const r = api('GET', path);
  if (r.status === 404) {
    return null;
  }
  if (r.status !== 200) {
    fail(`GET ${REGISTRY}/api/v1${path} answered ${r.status}: ${String(r.body).slice(0, 400)}`);
  }
  const v = r.json();
  delete v.version;
  return v;
}

/** The `n` first ready servers of SOURCE_POOL (what ./mesh up registered), to copy into a pool of our own. */
export function sourceServers(n) {
  const all = apiOk('GET', `/pools/${SOURCE_POOL}/servers`).filter((s) => s.state === 'ready');
  if (all.length < n) {
    fail(`pool '${SOURCE_POOL}' at ${REGISTRY} has ${all.length} ready servers; this script needs ${n}`);
  }
  return all.slice(0, n);
}

/**
 * The ids of the servers of a pool of a script's own: known before setup() runs, so thresholds on
 * `{server:<id>}` submetrics can be declared in `options`.
 */
export function serverIds(pool, n) {
  return Array.from({ length: n }, (_, i) => `${pool}-${i + 1}`);
}

/** The path prefix routed to a pool of a script's own. */
export function prefixOf(pool) {
  return `/k6/${pool}/`;
}

/**
 * Creates (or recreates, after an aborted run) pool `name` with `settings`, copies of the first servers of
 * SOURCE_POOL with the given weights, and a route from {@link prefixOf}(name) to it; then waits until every
 * gateway routes there. SOURCE_POOL itself is never changed. Undone by {@link removePool}.
 */
export function createPool(name, settings, weights) {
  const src = sourceServers(weights.length);
  removePool(name);
  const health = read(`/pools/${SOURCE_POOL}`).healthCheck;
  apiOk('PUT', `/pools/${name}`, Object.assign({ healthCheck: health }, settings));
  const ids = serverIds(name, weights.length);
  ids.forEach((id, i) => {
    apiOk('PUT', `/pools/${name}/servers/${id}`,
      { host: src[i].host, port: src[i].port, dc: src[i].dc, weight: weights[i] });
  });
  apiOk('PUT', `/routes/${name}`, { pathPrefix: prefixOf(name), pool: name });
  if (health && health.type && health.type !== 'none') {
    awaitHealthy(name, ids);
  }
  awaitRouted(prefixOf(name), ids);
  return { pool: name, prefix: prefixOf(name), ids };
}

/**
 * Waits (at most 30 s) until the cluster view shows every server of `pool` up: a new server's first active
 * checks change the gateways' routing tables, and a spread measured while they arrive is a spread over
 * several tables.
 */
export function awaitHealthy(pool, ids) {
  const deadline = Date.now() + 30000;
  for (;;) {
    const r = http.get(`${REGISTRY}/api/v1/cluster`,
      { tags: { kind: 'registry', name: 'await health' }, timeout: '5s', responseType: 'text' });
    let up = [];
    if (r.status === 200) {
      const p = (r.json().pools || []).find((x) => x.name === pool);
      up = p ? p.servers.filter((x) => x.health === 'up').map((x) => x.id) : [];
    }
    if (ids.every((id) => up.indexOf(id) >= 0)) {
      return;
    }
    if (Date.now() > deadline) {
      fail(`pool ${pool}: servers up after 30 s: ${up.join(',') || 'none'} (want ${ids.join(',')})`);
    }
    sleep(0.2);
  }
}

/** Deletes what {@link createPool} made: route, servers, pool (each may already be gone). */
export function removePool(name) {
  api('DELETE', `/routes/${name}`);
  const r = api('GET', `/pools/${name}/servers`);
  if (r.status === 200) {
    r.json().forEach((s) => api('DELETE', `/pools/${name}/servers/${s.id}`));
  }
  api('DELETE', `/pools/${name}`);
}

/** Waits (at most 30 s) until every gateway answers `prefix` from one of `ids`: the change reached them all. */
export function awaitRouted(prefix, ids) {
  const deadline = Date.now() + 30000;
  GATEWAYS.forEach((g) => {
    for (;;) {
      const r = http.get(`${g}${prefix}ready`, { tags: { kind: 'registry', name: 'await route' }, timeout: '5s',
        responseCallback: http.expectedStatuses({ min: 100, max: 599 }) });
      if (r.status === 200 && ids.indexOf(r.headers['X-Lb-Server']) >= 0) {
        return;
      }
      if (Date.now() > deadline) {
        fail(`${g}${prefix} still not served by ${ids.join('/')} after 30 s (status ${r.status},`
          + ` X-LB-Server ${r.headers['X-Lb-Server']}); is LB_EXPOSE_SERVER_HEADER=true on the gateways?`);
      }
      sleep(0.2);
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Traffic

/** The server that answered (X-LB-Server), or undefined. */
export function servedBy(res) {
  return res.headers['X-Lb-Server'];
}

/** Params for a request through gateway i: tagged kind:traffic and gateway:gwN, 200 the only success. */
export function trafficParams(i, extra) {
  const p = Object.assign({ timeout: '10s', responseCallback: http.expectedStatuses(200) }, extra || {});
  p.tags = Object.assign({ kind: TRAFFIC, gateway: gatewayName(i) }, (extra && extra.tags) || {});
  return p;
}

/**
 * GET `path` through gateway `i`; when the gateway cannot be reached or drops the connection (status 0:
 * refused, reset, timed out), once more through the next gateway, as a client behind round-robin DNS does.
 * Returns {res, gateway, retried}. The first try is tagged attempt:first, the retry attempt:retry.
 */
export function getWithRetry(i, path, extra) {
  const first = http.get(`${GATEWAYS[i]}${path}`, trafficParams(i, withTag(extra, 'attempt', 'first')));
  if (first.status !== 0 || GATEWAYS.length < 2) {
    return { res: first, gateway: i, retried: false, firstError: null };
  }
  const j = (i + 1) % GATEWAYS.length;
  const res = http.get(`${GATEWAYS[j]}${path}`, trafficParams(j, withTag(extra, 'attempt', 'retry')));
  return { res, gateway: j, retried: true, firstError: first.error };
}

function withTag(extra, k, v) {
  const e = Object.assign({}, extra || {});
  e.tags = Object.assign({}, e.tags || {}, { [k]: v });
  return e;
}

// ---------------------------------------------------------------------------------------------------
// Summary

/**
 * A plain-text end-of-test summary (k6's own is replaced as soon as a script has handleSummary): every
 * metric with values, then every threshold with its verdict, leaving out `count>=0` thresholds that only
 * make k6 report a tagged submetric.
 */
export function textSummary(data) {
  const out = [];
  const names = Object.keys(data.metrics).sort();
  const thresholds = [];
  names.forEach((name) => {
    const m = data.metrics[name];
    const v = m.values;
    let line;
    if (m.type === 'trend') {
      line = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'].filter((k) => k in v)
        .map((k) => `${k}=${fmt(v[k], m.contains)}`).join(' ');
    } else if (m.type === 'rate') {
      line = `${(100 * v.rate).toFixed(2)}% (${v.passes} of ${v.passes + v.fails})`;
    } else if (m.type === 'counter') {
      line = `${v.count} (${v.rate.toFixed(1)}/s)`;
    } else {
      line = Object.keys(v).map((k) => `${k}=${v[k]}`).join(' ');
    }
    if (name.indexOf('{') < 0 || m.thresholds) {
      const real = Object.keys(m.thresholds || {}).filter((t) => t !== 'count>=0');
      if (name.indexOf('{') < 0 || real.length) {
        out.push(`  ${pad(name, 44)} ${line}`);
      }
      real.forEach((t) => thresholds.push(`  ${m.thresholds[t].ok ? 'ok  ' : 'FAIL'} ${name}: ${t}`));
    }
  });
  const secs = (data.state.testRunDurationMs / 1000).toFixed(1);
  return `\n  metrics (run ${secs} s)\n${out.join('\n')}\n\n  thresholds\n${thresholds.join('\n') || '  (none)'}\n`;
}

function fmt(x, contains) {
  return contains === 'time' ? `${x.toFixed(2)}ms` : x.toFixed(2);
}

export function pad(s, n) {
  s = String(s);
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function padLeft(s, n) {
  s = String(s);
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

function list(s) {
  return s.split(',').map((x) => trimSlash(x.trim())).filter((x) => x.length > 0);
}

function trimSlash(s) {
  return s.replace(/\/+$/, '');
}
