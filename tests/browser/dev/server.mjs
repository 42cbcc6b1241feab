// DEVELOPMENT HARNESS ONLY: a stand-in for the exporter's own serving of the status page, which
// does not exist yet (issue 18; the C++ side follows docs/status-page.md). It is NOT the product
// and not a test: it lets exporter/web/ and tests/browser/status_page.test.mjs run today against
// the real exporter's control API.
//
// It serves the routes docs/status-page.md specifies, the same way:
//   GET  /            the page (a valid session cookie), else 303 to /login
//   GET  /login       the login form
//   POST /api/session {"token"} -> the session cookie and {caller, role, csrf_token, expires_at}
//   GET  /api/session the same, for the session's cookie;  DELETE /api/session (X-CSRF-Token) ends it
//   GET  /assets/*    app.js, login.js, style.css, favicon.svg
//   GET  /api/status  the summary, COMPOSED HERE from the control API's six GET views plus
//                     /metrics (market open, ingest latency, records per minute) and a ring buffer
//                     of its own for the trends: what the exporter will compute in C++
//   POST /api/...     an action: needs the session cookie and X-CSRF-Token; forwarded with the
//                     session's bearer token to the control API
// with the Content-Security-Policy and the other headers of the spec.
//
// The role of a token is taken from the environment (STATUS_PAGE_OPERATOR_TOKEN is the operator,
// any other token the control API accepts is a viewer): the real exporter knows it from its
// config. Environment: STATUS_PAGE_CONTROL_URL, STATUS_PAGE_EXPORTER_URL (metrics port),
// STATUS_PAGE_OPERATOR_TOKEN, DEV_PORT (default 29800; 0: any), DEV_PORT_FILE (written once
// listening), PROBE_INTERVAL_SECONDS (default 2: the stack's probe interval).
import { createServer } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = join(here, '..', '..', '..', 'exporter', 'web');
const CONTROL = process.env.STATUS_PAGE_CONTROL_URL;
const METRICS = process.env.STATUS_PAGE_EXPORTER_URL;
const OPERATOR_TOKEN = process.env.STATUS_PAGE_OPERATOR_TOKEN || '';
const PROBE_INTERVAL = Number(process.env.PROBE_INTERVAL_SECONDS || 2);
const SESSION_SECONDS = 8 * 3600;
const TREND_STEP = 5;          // seconds between trend points (the exporter: 60)
const TREND_SPAN = 30 * 60;    // seconds of trend kept (the exporter: 6 h)
const LATENCY_WINDOW = 600;    // percentiles over the last 10 minutes

if (!CONTROL || !METRICS) {
  console.error('server.mjs: set STATUS_PAGE_CONTROL_URL and STATUS_PAGE_EXPORTER_URL (tests/browser/stack.sh writes them)');
  process.exit(2);
}

export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
  + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const COMMON_HEADERS = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',  // not no-referrer: Chromium then sends "Origin: null" on the login form's POST
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
const ASSETS = {
  '/assets/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/assets/login.js': ['login.js', 'text/javascript; charset=utf-8'],
  '/assets/style.css': ['style.css', 'text/css; charset=utf-8'],
  '/assets/favicon.svg': ['favicon.svg', 'image/svg+xml'],
};

const sessions = new Map();  // id -> {token, caller, role, csrf, expires}
const stats = { requests: 0, refused_logins: 0 };

function send(res, code, body, headers = {}) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body ?? '');
  res.writeHead(code, { ...COMMON_HEADERS, 'Content-Length': buf.length, ...headers });
  res.end(buf);
}
const json = (res, code, value, headers = {}) =>
  send(res, code, JSON.stringify(value), { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
const redirect = (res, to, headers = {}) => send(res, 303, '', { Location: to, 'Cache-Control': 'no-store', ...headers });

function equal(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

function sessionOf(req) {
  const m = /(?:^|;\s*)usdcop_session=([0-9a-f]{64})(?:;|$)/.exec(req.headers.cookie || '');
  if (!m) return null;
  const s = sessions.get(m[1]);
  if (!s || s.expires < Date.now() / 1000) { sessions.delete(m?.[1]); return null; }
  return { id: m[1], ...s };
}

async function readBody(req, limit = 65536) {
  const chunks = [];
  let n = 0;
  for await (const c of req) {
    n += c.length;
    if (n > limit) throw new Error('body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// A browser's own request from this origin (login CSRF): Origin, when sent, must be ours.
function sameOrigin(req) {
  const origin = req.headers.origin;
  if (!origin) return (req.headers['sec-fetch-site'] || 'same-origin') === 'same-origin';
  return origin === `http://${req.headers.host}`;
}

async function control(path, token, options = {}) {
  const res = await fetch(CONTROL + path, {
    ...options,
    headers: { Authorization: `Bearer ${token}`, ...(options.headers || {}) },
    signal: AbortSignal.timeout(8000),
  });
  const text = await res.text();
  let body = null;
  try { body = JSON.parse(text); } catch { body = { error: text.slice(0, 200) }; }
  return { status: res.status, body, headers: res.headers };
}

// ---- the summary: what the exporter will compute in C++ --------------------------------------

// /metrics as Map("name{labels}" -> value), and helpers over it.
function parseMetrics(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
function labelsOf(key) {
  const m = /\{(.*)\}$/.exec(key);
  const labels = {};
  if (m) for (const [, k, v] of m[1].matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
  return labels;
}
function series(metrics, name) {
  const out = [];
  for (const [k, v] of metrics) if (k === name || k.startsWith(`${name}{`)) out.push([labelsOf(k), v]);
  return out;
}

const snapshots = [];  // [{t, metrics}], every TREND_STEP s, TREND_SPAN + LATENCY_WINDOW kept
const trendPoints = new Map();  // series key -> {name, labels, points: [[t, v]]}

function snapshotAgo(seconds, now) {
  let best = null;
  for (const s of snapshots) if (s.t <= now - seconds) best = s;
  return best || snapshots[0];
}

// histogram_quantile over the increase of a cumulative histogram between two snapshots.
function quantile(q, now, before, symbol) {
  const buckets = [];
  for (const [labels, v] of series(now, 'usdcop_l0_ingest_latency_seconds_bucket')) {
    if (labels.symbol !== symbol) continue;
    const key = `usdcop_l0_ingest_latency_seconds_bucket{symbol="${symbol}",le="${labels.le}"}`;
    buckets.push([labels.le === '+Inf' ? Infinity : Number(labels.le), v - (before?.get(key) ?? 0)]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
  const total = buckets.length ? buckets[buckets.length - 1][1] : 0;
  if (!total) return { count: 0, value: null };
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, c] of buckets) {
    if (c >= rank) {
      if (le === Infinity) return { count: total, value: prevLe };
      return { count: total, value: prevLe + (le - prevLe) * ((rank - prevCount) / Math.max(c - prevCount, 1e-9)) };
    }
    prevLe = le;
    prevCount = c;
  }
  return { count: total, value: prevLe };
}

function addPoint(name, labels, t, v) {
  const key = `${name}${JSON.stringify(labels)}`;
  if (!trendPoints.has(key)) trendPoints.set(key, { name, labels, points: [] });
  const s = trendPoints.get(key);
  s.points.push([t, Number.isFinite(v) ? v : null]);
  while (s.points.length && s.points[0][0] < t - TREND_SPAN) s.points.shift();
}

async function buildStatus(token) {
  const paths = ['/api/l0/health', '/api/pipeline/health', '/api/backup/status', '/api/websocket/status',
    '/api/usage/monitoring', '/api/alerts/system'];
  const answers = await Promise.all(paths.map((p) => control(p, token)));
  const bad = answers.find((a) => a.status !== 200);
  if (bad) return { status: bad.status, body: bad.body };
  const [l0, pipeline, backup, ws, usage, alerts] = answers.map((a) => a.body);
  const metricsText = await (await fetch(`${METRICS}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const metrics = parseMetrics(metricsText);
  const now = l0.generated_at;

  if (!snapshots.length || now - snapshots[snapshots.length - 1].t >= TREND_STEP) {
    snapshots.push({ t: now, metrics });
    while (snapshots.length && snapshots[0].t < now - TREND_SPAN - LATENCY_WINDOW) snapshots.shift();
  }
  const tenMinAgo = snapshotAgo(LATENCY_WINDOW, now);
  const elapsed = Math.max(now - tenMinAgo.t, 1);

  const probes = {};
  for (const [name, p] of Object.entries({
    ...l0.probes, websocket: ws.probes.websocket, alertmanager: alerts.probe,
  })) probes[name] = { ...p, interval_seconds: PROBE_INTERVAL };

  const rpm = {};
  for (const [labels, v] of series(metrics, 'usdcop_pipeline_records_processed_total')) {
    const before = tenMinAgo.metrics.get(`usdcop_pipeline_records_processed_total{layer="${labels.layer}"}`);
    rpm[labels.layer] = tenMinAgo.t === now || before === undefined ? null : ((v - before) / elapsed) * 60;
  }
  const layers = pipeline.layers.map((l) => ({ ...l, records_per_minute: rpm[l.layer] ?? null }));

  const symbols = l0.data_quality.map((s) => {
    const before = tenMinAgo.t === now ? null : tenMinAgo.metrics;
    const p = [0.5, 0.9, 0.99].map((q) => quantile(q, metrics, before, s.symbol));
    return { ...s, ingest_latency: p[0].count ? { count: p[0].count, window_seconds: Math.round(elapsed),
      p50_seconds: p[0].value, p90_seconds: p[1].value, p99_seconds: p[2].value } : null };
  });

  const keys = usage.keys.map((k) => ({
    ...k,
    usage: Object.fromEntries(Object.entries(k.usage).map(([period, u]) => [period, { ...u, remaining: Math.max(u.limit - u.used, 0) }])),
  }));

  const episodes = new Map(alerts.response.episodes.map((e) => [e.fingerprint, e]));
  const am = alerts.alertmanager && {
    ...alerts.alertmanager,
    alerts: alerts.alertmanager.alerts.map((a) => {
      const e = episodes.get(a.fingerprint);
      return { ...a, runbook_url: /^[A-Za-z]\w*$/.test(a.alertname) ? `docs/runbooks/${a.alertname}.md` : null,
        acknowledged: a.silenced_by.length > 0 || !!(e && e.acknowledged_at && !e.resolved_at),
        acknowledged_by: e && e.acknowledged_by ? e.acknowledged_by : null };
    }),
  };

  const open = series(metrics, 'usdcop_market_open')[0];

  if (snapshots[snapshots.length - 1].t === now) {
    for (const l of layers) addPoint('records_per_minute', { layer: l.layer }, now, l.records_per_minute);
    for (const s of symbols) {
      const session = s.windows.session || Object.values(s.windows)[0];
      addPoint('completeness_ratio', { symbol: s.symbol, window: 'session' }, now, session?.completeness_ratio);
      addPoint('ingest_latency_p90_seconds', { symbol: s.symbol }, now, s.ingest_latency?.p90_seconds);
    }
    for (const k of keys) addPoint('api_usage_ratio', { key_id: k.key_id, period: 'minute' }, now, k.usage.minute?.ratio);
    addPoint('websocket_clients', {}, now, ws.websocket?.connected_clients);
  }

  return {
    status: 200,
    body: {
      generated_at: now,
      refresh_seconds: 5,
      market: open ? { open: open[1] === 1, next_open: null, next_close: null } : null,
      probes,
      pipeline: { layers, airflow: pipeline.airflow ?? null },
      data_quality: { completeness_target: 0.995, latency_target_seconds: 30, symbols },
      ready_signal: ws.ready_signal,
      backups: { layers: backup.layers },
      websocket: ws.websocket,
      api_usage: { provider: usage.provider ?? null, warning_ratio: 0.8, critical_ratio: 0.95, keys },
      alerts: { alertmanager: am, response: { ...alerts.response, episodes: undefined } },
      trends: { step_seconds: TREND_STEP, span_seconds: TREND_SPAN, series: [...trendPoints.values()] },
    },
  };
}

// ---- routes ----------------------------------------------------------------------------------

async function handle(req, res) {
  stats.requests += 1;
  const url = new URL(req.url, `http://${req.headers.host}`);
  const path = url.pathname;
  const session = sessionOf(req);

  if (req.method === 'GET' && ASSETS[path]) {
    const [file, type] = ASSETS[path];
    return send(res, 200, await readFile(join(webDir, file)), { 'Content-Type': type, 'Cache-Control': 'no-cache' });
  }
  if (req.method === 'GET' && path === '/login') {
    return send(res, 200, await readFile(join(webDir, 'login.html')), { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  }
  if (req.method === 'GET' && path === '/') {
    if (!session) return redirect(res, '/login');
    return send(res, 200, await readFile(join(webDir, 'index.html')), { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  }
  if (req.method === 'POST' && path === '/api/session') {
    if (!sameOrigin(req)) return json(res, 403, { error: `a login must come from this page (Origin ${req.headers.origin})`, field: 'Origin' });
    if (!/^application\/json\b/.test(req.headers['content-type'] || '')) return json(res, 415, { error: 'send JSON', field: 'Content-Type' });
    let token = '';
    try { token = String(JSON.parse(await readBody(req, 4096)).token || ''); } catch { return json(res, 400, { error: 'not JSON', field: 'token' }); }
    // The control API checks the token (and audits a wrong one, as the exporter will at /api/session).
    const check = token ? await control('/api/l0/health', token) : { status: 401 };
    if (check.status !== 200) {
      stats.refused_logins += 1;
      const headers = check.headers?.get('retry-after') ? { 'Retry-After': check.headers.get('retry-after') } : {};
      return json(res, check.status === 429 ? 429 : 401, { error: 'invalid token', field: 'token' }, headers);
    }
    const id = randomBytes(32).toString('hex');
    const role = OPERATOR_TOKEN && equal(token, OPERATOR_TOKEN) ? 'operator' : 'viewer';
    const expires = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
    const s = { token, caller: role === 'operator' ? 'page-operator' : 'page-viewer', role, csrf: randomBytes(32).toString('hex'), expires };
    sessions.set(id, s);
    return json(res, 200, { caller: s.caller, role, csrf_token: s.csrf, expires_at: expires }, {
      'Set-Cookie': `usdcop_session=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_SECONDS}`,
    });
  }
  if (req.method === 'DELETE' && path === '/api/session') {
    if (!session) return json(res, 401, { error: 'no session', field: 'Cookie' });
    if (!equal(req.headers['x-csrf-token'] || '', session.csrf)) return json(res, 403, { error: 'CSRF token missing or wrong (X-CSRF-Token)', field: 'X-CSRF-Token' });
    sessions.delete(session.id);
    return send(res, 204, '', { 'Set-Cookie': 'usdcop_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0', 'Cache-Control': 'no-store' });
  }
  if (path.startsWith('/api/')) {
    if (!session) return json(res, 401, { error: 'log in first (a session cookie or a bearer token)', field: 'Authorization' });
    if (req.method === 'GET' && path === '/api/session') {
      return json(res, 200, { caller: session.caller, role: session.role, csrf_token: session.csrf, expires_at: session.expires });
    }
    if (req.method === 'GET' && path === '/api/status') {
      const r = await buildStatus(session.token);
      return json(res, r.status, r.body);
    }
    if (req.method === 'POST') {
      if (!equal(req.headers['x-csrf-token'] || '', session.csrf)) return json(res, 403, { error: 'CSRF token missing or wrong (X-CSRF-Token)', field: 'X-CSRF-Token' });
      const body = await readBody(req);
      const headers = { 'Content-Type': 'application/json' };
      if (req.headers['idempotency-key']) headers['Idempotency-Key'] = req.headers['idempotency-key'];
      const r = await control(path, session.token, { method: 'POST', body, headers });
      return json(res, r.status, r.body);
    }
    if (req.method === 'GET') {
      const r = await control(path, session.token);
      return json(res, r.status, r.body);
    }
  }
  return json(res, 404, { error: 'no such page', field: 'path' });
}

const server = createServer((req, res) => {
  handle(req, res).catch((e) => {
    if (!res.headersSent) json(res, 502, { error: `dev server: ${e.message}` });
    else res.destroy();
  });
});
server.listen(Number(process.env.DEV_PORT ?? 29800), '127.0.0.1', async () => {
  const { port } = server.address();
  if (process.env.DEV_PORT_FILE) await writeFile(process.env.DEV_PORT_FILE, `${port}\n`);
  console.log(`dev server (development harness only) on http://127.0.0.1:${port}/`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
