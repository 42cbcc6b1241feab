// The status page in a real browser: Debian's Chromium, headless, driven by playwright-core
// (tests/browser/install.sh installs it), against a running exporter and pipeline-sim.
//
//   node tests/browser/status_page.test.mjs
//
// Environment (tests/browser/run.sh sets it; tests/browser/stack.sh writes the STATUS_PAGE_*_URL
// and token variables into its env file):
//   STATUS_PAGE_URL               the page's origin: the exporter's control port (http://127.0.0.1:9813)
//   STATUS_PAGE_VIEWER_TOKEN, STATUS_PAGE_OPERATOR_TOKEN   control API tokens with those roles
//   STATUS_PAGE_SIM_URL           pipeline-sim's main port (its /sim/... fault endpoints)
//   STATUS_PAGE_ALERTMANAGER_URL  the Alertmanager the exporter's alertmanager probe and
//                                 acknowledge-alert use (alerts are posted to it here)
//   STATUS_PAGE_EXPORTER_URL      the metrics port (its landing page links to the page); optional
//   STATUS_PAGE_STATE_DB          the exporter's SQLite state file (the audit log); optional
//   STATUS_PAGE_ARTIFACTS         where the screenshots go (default: a new directory under /tmp)
//   CHROMIUM                      default /usr/bin/chromium
//
// Every wait is bounded. Exit code: 0 every check passed (skips allowed), 1 a check failed,
// 77 (ctest's skip) when Chromium or playwright-core is missing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const env = process.env;
const PAGE = (env.STATUS_PAGE_URL || '').replace(/\/$/, '');
const SIM = (env.STATUS_PAGE_SIM_URL || '').replace(/\/$/, '');
const AM = (env.STATUS_PAGE_ALERTMANAGER_URL || '').replace(/\/$/, '');
const VIEWER = env.STATUS_PAGE_VIEWER_TOKEN || '';
const OPERATOR = env.STATUS_PAGE_OPERATOR_TOKEN || '';
const CHROMIUM = env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = env.STATUS_PAGE_ARTIFACTS || mkdtempSync(join(tmpdir(), 'status-page-artifacts-'));
const REFRESH_S = 5;          // the page's refresh period (app.js REFRESH_MS)
const PROBE_S = 2;            // the stack's probe interval
// "within two refreshes": two refresh periods, one probe interval for the fault to be seen, and
// the simulator's own cadence (an L0 run every 5 s, a bar every 2 s); bounded, never a timing assertion.
const FAULT_WAIT_MS = (2 * REFRESH_S + PROBE_S + 10) * 1000;
const MARKUP_ALERT = '<script>window.__pwned = 1</script>';
const MARKUP_COMPONENT = '<img src=x onerror="window.__pwned = 2">';
const L0_DAG = 'usdcop_m5__01_l0_intelligent_acquire';

for (const [name, v] of Object.entries({ STATUS_PAGE_URL: PAGE, STATUS_PAGE_SIM_URL: SIM, STATUS_PAGE_ALERTMANAGER_URL: AM,
  STATUS_PAGE_VIEWER_TOKEN: VIEWER, STATUS_PAGE_OPERATOR_TOKEN: OPERATOR })) {
  if (!v) { console.error(`status_page.test: set ${name}`); process.exit(2); }
}
if (!existsSync(CHROMIUM)) { console.log(`SKIP: ${CHROMIUM} is missing (bash scripts/install-deps)`); process.exit(77); }
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  console.log('SKIP: playwright-core is not installed (bash tests/browser/install.sh)');
  process.exit(77);
}
mkdirSync(ARTIFACTS, { recursive: true });

// ---- the checks' bookkeeping ---------------------------------------------------------------------

const results = [];
async function check(name, fn, { skip } = {}) {
  if (skip) { results.push(['SKIP', name, skip]); console.log(`SKIP ${name}: ${skip}`); return; }
  const t0 = Date.now();
  try {
    const note = await fn();
    results.push(['PASS', name, note || '']);
    console.log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)${note ? `: ${note}` : ''}`);
  } catch (e) {
    results.push(['FAIL', name, e.message]);
    console.log(`FAIL ${name}: ${e.message}`);
  }
}
function assert(cond, message) { if (!cond) throw new Error(message); }

async function waitFor(what, fn, timeoutMs, stepMs = 250) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e.message; }
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last: ${JSON.stringify(last)})` : ''}`);
}

async function post(base, path, body) {
  const res = await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${path} ${JSON.stringify(body)}: ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : null;
}
const sim = (path, body) => post(SIM, path, body);
async function amAlert(labels, annotations = {}) {
  const res = await fetch(`${AM}/api/v2/alerts`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify([{ labels, annotations, startsAt: new Date().toISOString() }]), signal: AbortSignal.timeout(5000) });
  assert(res.ok, `Alertmanager refused the alert: ${res.status}`);
}

// ---- the browser ---------------------------------------------------------------------------------

// Flags that keep Chromium off the network: every host name but 127.0.0.1 resolves to nothing, and
// none of its background services (updates, sync, safe browsing, metrics, translate) start.
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox',
    '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
    '--disable-background-networking', '--disable-component-update', '--disable-default-apps',
    '--disable-sync', '--disable-domain-reliability', '--disable-client-side-phishing-detection',
    '--disable-breakpad', '--metrics-recording-only', '--no-first-run', '--no-default-browser-check', '--no-pings',
    '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,InterestFeedContentSuggestions',
  ],
});

const origin = new URL(PAGE).origin;
const foreign = [];        // requests to another origin
const consoleErrors = [];  // console errors and uncaught exceptions, CSP violations included
let expectFailedLoads = false;  // set while the test itself makes /api/status fail
let statusInFlight = 0;
let statusMaxInFlight = 0;
let statusRequests = 0;

async function newPage(viewport = { width: 1280, height: 900 }, { collectConsole = true } = {}) {
  const context = await browser.newContext({ viewport, serviceWorkers: 'block' });
  const page = await context.newPage();
  page.on('request', (r) => {
    if (new URL(r.url()).origin !== origin) foreign.push(r.url());
    if (new URL(r.url()).pathname === '/api/status') {
      statusRequests += 1;
      statusInFlight += 1;
      statusMaxInFlight = Math.max(statusMaxInFlight, statusInFlight);
    }
  });
  const done = (r) => { if (new URL(r.url()).pathname === '/api/status') statusInFlight -= 1; };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  page.on('console', (m) => {
    if (!collectConsole || m.type() !== 'error') return;
    if (expectFailedLoads && /^Failed to load resource/.test(m.text())) return;
    consoleErrors.push(`${m.text()} @ ${m.location().url || ''}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
  return { context, page };
}

async function logIn(page, token) {
  await page.goto(`${PAGE}/`, { timeout: 15000 });
  await page.waitForURL(/\/login/, { timeout: 10000 });
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(`${PAGE}/`, { timeout: 15000 }), page.click('#login-submit')]);
  await waitFor('every section drawn', () => page.evaluate(() =>
    [...document.querySelectorAll('main > section')].every((s) => s.dataset.health !== 'unknown'
      || s.querySelector('.health').textContent !== '')), 30000);
}

const health = (page, id) => page.$eval(`#${id}`, (s) => s.dataset.health);
// Back from a fault: anything but failed (a warning may stay, e.g. the late bars a backfill wrote).
async function waitRecovered(page, id, timeoutMs = 30000) {
  await waitFor(`#${id} not failed`, async () => !['failed', 'stale'].includes(await health(page, id)), timeoutMs);
}
async function waitHealth(page, id, want, timeoutMs = FAULT_WAIT_MS) {
  const t0 = Date.now();
  await waitFor(`#${id} ${want}`, async () => (await health(page, id)) === want, timeoutMs);
  const text = await page.$eval(`#${id} .health`, (n) => n.textContent);
  return `${((Date.now() - t0) / 1000).toFixed(1)} s: "${text.slice(0, 120)}"`;
}

// ---- the checks ----------------------------------------------------------------------------------

await check('static: exporter/web has no HTML sink, no eval, no inline script or style, no other host', async () => {
  const web = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'exporter', 'web');
  const bad = [];
  for (const f of readdirSync(web)) {
    // Comments may name what is forbidden ("never innerHTML"): only code and markup are checked.
    const text = readFileSync(join(web, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/<!--[\s\S]*?-->/g, '')
      .replace(/(^|[^:])\/\/.*$/gm, f.endsWith('.js') ? '$1' : '$&');
    const rules = f.endsWith('.js') ? [/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\s*\(|new Function|setTimeout\(\s*['"`]/, /setAttribute\(\s*['"](style|on\w+)['"]/, /\.style\./]
      : f.endsWith('.html') ? [/<script(?![^>]*\bsrc=)[^>]*>/i, /\sstyle\s*=/i, /\son[a-z]+\s*=/i, /<style/i]
        : [];
    rules.push(/['"`(=]\s*(?:https?:)?\/\/(?!www\.w3\.org\/2000\/svg)/i);  // a URL of another host
    for (const r of rules) if (r.test(text)) bad.push(`${f}: ${r}`);
  }
  assert(bad.length === 0, bad.join('; '));
});

await check('headers: a strict Content-Security-Policy on the page', async () => {
  const res = await fetch(`${PAGE}/login`, { signal: AbortSignal.timeout(5000) });
  const csp = res.headers.get('content-security-policy') || '';
  for (const d of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"])
    assert(csp.includes(d), `CSP lacks ${d}: ${csp}`);
  assert(!/unsafe-inline|unsafe-eval|https?:/.test(csp), `CSP allows too much: ${csp}`);
  assert(res.headers.get('x-content-type-options') === 'nosniff', 'no X-Content-Type-Options: nosniff');
  return csp;
});

await check('auth: no cookie -> the login page', async () => {
  const { context, page } = await newPage();
  await page.goto(`${PAGE}/`, { timeout: 15000 });
  await page.waitForURL(/\/login/, { timeout: 10000 });
  assert(await page.isVisible('form input#token'), 'no token field');
  await context.close();
});

await check('auth: a wrong token is refused (and audited, when STATUS_PAGE_STATE_DB is given)', async () => {
  const since = Date.now() * 1000;
  const { context, page } = await newPage(undefined, { collectConsole: false });  // the 401 is expected
  await page.goto(`${PAGE}/login`, { timeout: 15000 });
  await page.fill('#token', 'not-a-valid-token-0000');
  const [answer] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/api/session', { timeout: 10000 }),
    page.click('button[type=submit]')]);
  assert(answer.status() === 401, `POST /api/session answered ${answer.status()}`);
  await page.waitForSelector('#login-error:not([hidden])', { timeout: 5000 });
  assert(/refused/.test(await page.textContent('#login-error')), 'no refusal shown');
  const cookies = await context.cookies();
  assert(!cookies.some((c) => c.name.endsWith('usdcop_session')), 'a session cookie was set for a wrong token');
  await context.close();
  if (!env.STATUS_PAGE_STATE_DB) return 'audit not checked (no STATUS_PAGE_STATE_DB)';
  const row = await waitFor('an audit row with code 401', () => execFileSync('sqlite3', ['-readonly', env.STATUS_PAGE_STATE_DB,
    `SELECT endpoint || ' ' || result FROM audit_log WHERE code = 401 AND time_us >= ${since} ORDER BY id DESC LIMIT 1`],
  { encoding: 'utf8', timeout: 5000 }).trim(), 5000);
  return `audited: ${row}`;
});

// The viewer: every section, no operator control, escaping, the faults.
const viewer = await newPage();
const vp = viewer.page;

await check('viewer: logs in; the session cookie is HttpOnly and SameSite=Strict', async () => {
  await logIn(vp, VIEWER);
  // usdcop_session, or __Host-usdcop_session under TLS (docs/status-page.md)
  const c = (await viewer.context.cookies()).find((x) => x.name.endsWith('usdcop_session'));
  assert(c, 'no usdcop_session cookie');
  assert(c.httpOnly, 'the cookie is not HttpOnly');
  assert(c.sameSite === 'Strict', `SameSite is ${c.sameSite}`);
  assert(c.expires > 0, 'the cookie does not expire');
  const who = await vp.textContent('#who');
  assert(/viewer/.test(who), `the page says ${who}`);
  return who;
});

await check('viewer: each section drawn from the exporter, with its probe\'s last run', async () => {
  const sections = await vp.$$eval('main > section', (all) => all.map((s) => ({
    id: s.id, health: s.dataset.health, probe: s.querySelector('.probe-line').textContent })));
  for (const s of sections) {
    if (s.id === 'trends') continue;
    assert(/checked .* ago/.test(s.probe), `#${s.id} does not say when its probe ran: "${s.probe}"`);
  }
  assert(await vp.$$eval('#pipeline-rows tr', (r) => r.length) === 6, 'not six layers');
  assert(await vp.$eval('#pipeline-rows tr[data-layer="L0"]', (r) => r.textContent.includes('usdcop_m5__01')), 'L0 without its DAG');
  assert(await vp.$$eval('#quality-symbols .symbol', (r) => r.length) >= 1, 'no symbol in data quality');
  assert(await vp.$$eval('#backup-rows tr', (r) => r.length) >= 1, 'no backup layer');
  assert(await vp.$$eval('#usage-keys .key', (r) => r.length) >= 1, 'no vendor key');
  assert(await vp.$$eval('#websocket-list dd', (r) => r.length) >= 4, 'no WebSocket facts');
  assert(await vp.$$eval('#ready-list dd', (r) => r.length) >= 2, 'no ready signal facts');
  await waitFor('3 trend charts with values', () => vp.$$eval('#trend-charts svg', (r) => r.length >= 3), 15000);
  const notOk = await vp.$$eval('main > section:not([data-health="ok"]) .health', (h) => h.map((x) => x.textContent));
  return `${sections.map((s) => `${s.id}=${s.health}`).join(' ')}${notOk.length ? ` (${notOk.join('; ')})` : ''}`;
});

await check('viewer: a change in the simulator shows on the page (a key\'s usage)', async () => {
  await sim('/sim/vendor/usage', { id: 'primary', current_usage: 5 });
  await waitFor('"5 / 8" beside the primary key', () => vp.$eval('#usage-keys [data-key="key-primary"] [data-period="minute"]',
    (m) => m.textContent.includes('5 / 8')), FAULT_WAIT_MS);
  await sim('/sim/vendor/usage', { id: 'primary', current_usage: 1 });
});

await check('viewer: no operator button', async () => {
  const n = await vp.$$eval('button.op, button[data-action], #run-checks', (b) => b.length);
  assert(n === 0, `${n} operator control(s) in a viewer's page`);
});

await check('viewer: an action without the CSRF token is refused with 403', async () => {
  // With the viewer's session cookie (the context's cookie jar) but no X-CSRF-Token; sent from
  // the test, not the page, so that the expected 403 is no console error of the page's.
  const res = await viewer.context.request.post(`${PAGE}/api/backup/status`, {
    headers: { 'Content-Type': 'application/json', Origin: origin }, data: { action: 'verify-integrity', layer: 'L0' } });
  assert(res.status() === 403, `answered ${res.status()}`);
  return (await res.text()).slice(0, 120);
});

await check('escaping: an alert whose name and component hold markup shows as text', async () => {
  await amAlert({ alertname: MARKUP_ALERT, severity: 'warning', component: MARKUP_COMPONENT },
    { summary: '<b>not bold</b> & <i>not italic</i>' });
  await waitFor('the markup alert in the table', () => vp.$$eval('#alert-rows tr th',
    (ths, name) => ths.some((th) => th.textContent === name), MARKUP_ALERT), FAULT_WAIT_MS);
  const row = await vp.evaluate((name) => {
    const tr = [...document.querySelectorAll('#alert-rows tr')].find((r) => r.querySelector('th').textContent === name);
    return { text: tr.textContent, elements: [...tr.querySelectorAll('script, img, b, i')].length };
  }, MARKUP_ALERT);
  assert(row.elements === 0, 'markup became elements');
  assert(row.text.includes(MARKUP_COMPONENT) && row.text.includes('<b>not bold</b>'), `the text is not shown as sent: ${row.text}`);
  assert(await vp.evaluate(() => window.__pwned === undefined), 'the markup ran');
  const symbols = await vp.$$eval('#quality-symbols .symbol h3', (h) => h.map((x) => x.textContent));
  const markupSymbol = symbols.find((s) => s.includes('<'));
  return markupSymbol ? `and the symbol ${markupSymbol}` : 'alert labels and annotations';
});

// Faults: each section turns to its failed state, then back. A fault is cleared however its
// check ends, so that one failure does not cascade into the next checks.
async function withFault(inject, clear, body) {
  await inject();
  try {
    return await body();
  } finally {
    await clear();
  }
}

await check('fault: a failed L0 run -> Pipeline failed', async () => {
  await waitHealth(vp, 'pipeline', 'ok', 30000);
  // As AlertPathIT: L0's newest run turns failed now; and the run --auto finishes next fails too,
  // so that the failure stays the newest run until the one after starts.
  const took = await withFault(async () => {
    await sim('/sim/airflow/fault', { fault: 'fail_next', dag_id: L0_DAG });
    await sim(`/sim/airflow/dags/${L0_DAG}/state`, { state: 'failed' });
  }, async () => {
    await sim('/sim/airflow/fault', { fault: 'none' });
    await sim(`/sim/airflow/dags/${L0_DAG}/runs`, { state: 'success' });
  }, async () => {
      const t = await waitHealth(vp, 'pipeline', 'failed');
      assert(await vp.$eval('#pipeline-rows tr[data-layer="L0"]', (r) => r.dataset.health) === 'failed', 'the L0 row is not failed');
      await waitFor('the change announced to screen readers', async () =>
        /Pipeline: FAILED/.test(await vp.textContent('#announce')), 10000);
      return t;
    });
  await waitRecovered(vp, 'pipeline');
  return took;
});

await check('fault: a gap -> Data quality failed', async () => {
  const took = await withFault(() => sim('/sim/market/fault', { fault: 'gap', bars: 2 }), async () => {
    await sim('/sim/market/fault', { fault: 'none' });
    await sim('/sim/market/backfill', { days: 1, created_at: 'on_time' });  // fills the gap
  }, () => waitHealth(vp, 'quality', 'failed'));
  await waitRecovered(vp, 'quality');
  return took;
});

await check('fault: a flipped backup byte -> Backups failed', async () => {
  const took = await withFault(() => sim('/sim/backups/fault', { fault: 'flip_byte', layer: 'L0' }),
    () => sim('/sim/backups/create', { layer: 'L0' }), async () => {  // a new, intact newest set
      const t = await waitHealth(vp, 'backups', 'failed');
      const text = await vp.$eval('#backup-rows tr[data-layer="L0"]', (r) => r.textContent);
      assert(/damaged/.test(text) && /digest_mismatch/.test(text), `the L0 row says ${text}`);
      return t;
    });
  await waitRecovered(vp, 'backups');
  return took;
});

await check('fault: 96 % API usage -> API usage failed', async () => {
  const took = await withFault(() => sim('/sim/vendor/fault', { fault: 'usage_96' }), async () => {
    await sim('/sim/vendor/fault', { fault: 'none' });
    await sim('/sim/vendor/usage', { current_usage: 1, daily_usage: 1 });
  }, async () => {
    const t = await waitHealth(vp, 'usage', 'failed');
    assert(/CRITICAL/.test(await vp.textContent('#usage-keys')), 'no CRITICAL word beside the meter');
    return t;
  });
  await waitRecovered(vp, 'usage');
  return took;
});

await check('fault: a refused WebSocket upgrade -> WebSocket failed', async () => {
  const took = await withFault(() => sim('/sim/websocket/fault', { fault: 'refuse_upgrade' }),
    () => sim('/sim/websocket/fault', { fault: 'none' }), () => waitHealth(vp, 'websocket', 'failed'));
  await waitRecovered(vp, 'websocket');
  return took;
});

await check('refresh: one /api/status in flight at a time, backing off when slow', async () => {
  // Every answer held 6 s (longer than the refresh period) for 20 s.
  const delayed = async (route) => { await new Promise((r) => setTimeout(r, 6000)); await route.continue(); };
  await viewer.context.route('**/api/status', delayed);
  const before = statusRequests;
  await waitFor('the page to say its answers are slow', async () =>
    (await vp.$eval('#conn', (c) => c.dataset.state)) === 'slow', 25000);
  await viewer.context.unroute('**/api/status', delayed);
  assert(statusMaxInFlight === 1, `${statusMaxInFlight} requests were in flight at once`);
  return `${statusRequests - before} requests while slow; at most ${statusMaxInFlight} in flight; "${await vp.textContent('#conn')}"`;
});

await check('stale and unreachable: a probe that stopped running shows STALE; a dead exporter shows failing', async () => {
  // The page's own logic, fed an answer whose backups probe last ran 10 minutes ago.
  const stale = async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    body.probes.backups = { ...body.probes.backups, age_seconds: 600, checked_at: body.generated_at - 600, stale: undefined };
    await route.fulfill({ response: res, json: body });
  };
  await viewer.context.route('**/api/status', stale);
  try {
    await waitHealth(vp, 'backups', 'stale', FAULT_WAIT_MS);
    assert(/STALE: no run for 10 min/.test(await vp.textContent('#backups .health')), 'no STALE text');
  } finally {
    await viewer.context.unroute('**/api/status', stale);
  }
  const dead = (route) => route.abort('connectionrefused');
  expectFailedLoads = true;
  await viewer.context.route('**/api/status', dead);
  try {
    await waitFor('the page to say the exporter does not answer', async () =>
      (await vp.$eval('#conn', (c) => c.dataset.state)) === 'failing', FAULT_WAIT_MS);
  } finally {
    await viewer.context.unroute('**/api/status', dead);
  }
  const text = await vp.textContent('#conn');
  await waitFor('the page to recover', async () => (await vp.$eval('#conn', (c) => c.dataset.state)) === 'ok', 70000)
    .finally(() => { expectFailedLoads = false; });
  await waitRecovered(vp, 'backups');
  return text;
});

await check('layout: readable on a phone (no sideways scrolling of the page)', async () => {
  const phone = await newPage({ width: 390, height: 844 });
  await logIn(phone.page, VIEWER);
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await phone.page.screenshot({ path: join(ARTIFACTS, 'status-page-phone.png'), fullPage: true });
  await phone.context.close();
  assert(overflow <= 1, `the page is ${overflow} px wider than the phone`);
  return join(ARTIFACTS, 'status-page-phone.png');
});

// The operator: buttons, confirmation, keyboard, acknowledging against the real Alertmanager.
const operator = await newPage();
const op = operator.page;
const ackName = `StatusPageTest${Date.now()}`;

await check('operator: sees the operator buttons', async () => {
  await amAlert({ alertname: ackName, severity: 'critical', component: 'status_page_test' }, { summary: 'raised by the browser test' });
  await logIn(op, OPERATOR);
  assert(await op.isVisible('#run-checks'), 'no Run checks button');
  await waitFor('a Verify button per backup layer', () => op.$$eval('#backup-rows button[data-action="verify-integrity"]', (b) => b.length > 0), 15000);
  await waitFor('an Acknowledge button on the test alert', () => op.$$eval('#alert-rows button[data-action="acknowledge-alert"]',
    (b, name) => b.some((x) => x.dataset.alertname === name), ackName), FAULT_WAIT_MS);
});

await check('operator: the keyboard reaches an action; Escape cancels it and nothing is sent', async () => {
  let posts = 0;
  const count = (r) => { if (r.method() === 'POST') posts += 1; };
  op.on('request', count);
  await op.focus('#run-checks');
  await op.keyboard.press('Enter');
  await waitFor('the confirmation dialog', () => op.$eval('#confirm', (d) => d.open), 5000);
  await op.keyboard.press('Escape');
  await waitFor('the dialog closed', async () => !(await op.$eval('#confirm', (d) => d.open)), 5000);
  await op.waitForTimeout(500);
  op.off('request', count);
  assert(posts === 0, `${posts} POST(s) sent after Escape`);
});

await check('operator: acknowledges an alert from the page; the silence exists in Alertmanager', async () => {
  let sent = null;
  const watch = (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/alerts/system')) sent = r.headers(); };
  op.on('request', watch);
  await op.click(`#alert-rows button[data-action="acknowledge-alert"][data-alertname="${ackName}"]`);
  await waitFor('the confirmation dialog', () => op.$eval('#confirm', (d) => d.open), 5000);
  await op.click('#confirm-ok');
  await waitFor('the answer', async () => /acknowledge-alert: (done|refused)/.test(await op.textContent('#notice')), 15000);
  op.off('request', watch);
  const notice = await op.textContent('#notice');
  assert(/done/.test(notice), notice);
  assert(sent && /^[0-9a-f]{16,}$/.test(sent['x-csrf-token'] || ''), 'the POST carried no X-CSRF-Token');
  assert(sent['idempotency-key'], 'the POST carried no Idempotency-Key');
  const silences = await (await fetch(`${AM}/api/v2/silences`, { signal: AbortSignal.timeout(5000) })).json();
  const s = silences.find((x) => x.status.state === 'active' && x.matchers.some((m) => m.name === 'alertname' && m.value === ackName));
  assert(s, `no active silence for ${ackName} in Alertmanager`);
  await waitFor('the alert shown as acknowledged', () => op.evaluate((name) => {
    const tr = [...document.querySelectorAll('#alert-rows tr')].find((r) => r.querySelector('th').textContent === name);
    return tr && /yes/.test(tr.textContent);
  }, ackName), FAULT_WAIT_MS);
  return `silence ${s.id}: ${notice}`;
});

await check('screenshot: the page with real data (laptop)', async () => {
  await op.waitForTimeout(1000);
  const path = join(ARTIFACTS, 'status-page.png');
  await op.screenshot({ path, fullPage: true });
  return path;
});

await check('viewer: Log out ends the session (the cookie no longer opens the page); no refresh after it', async () => {
  // The logout's answer is held for 1 s after the exporter ended the session, and a refresh is
  // asked for meanwhile (as the page's timer or a tab coming back would): none may be sent, or
  // it is a 401 and a jump to "session expired".
  let refreshes = 0;
  const count = (r) => { if (new URL(r.url()).pathname === '/api/status') refreshes += 1; };
  const hold = async (route) => {
    if (route.request().method() !== 'DELETE') return route.continue();
    const res = await route.fetch();
    vp.on('request', count);
    await vp.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await new Promise((r) => setTimeout(r, 1000));
    return route.fulfill({ response: res });
  };
  await viewer.context.route('**/api/session', hold);
  try {
    await Promise.all([vp.waitForURL(/\/login/, { timeout: 10000 }), vp.click('#logout')]);
  } finally {
    await viewer.context.unroute('**/api/session', hold);
    vp.off('request', count);
  }
  assert(refreshes === 0, `${refreshes} refresh(es) sent after the session ended`);
  assert(!/expired/.test(vp.url()), `landed on ${vp.url()}`);
  const res = await viewer.context.request.get(`${PAGE}/api/status`, { maxRedirects: 0 });
  assert(res.status() === 401, `/api/status answered ${res.status()} after logging out`);
});

await check('landing page: the metrics port\'s / links to the status page', async () => {
  const html = await (await fetch(`${env.STATUS_PAGE_EXPORTER_URL}/`, { signal: AbortSignal.timeout(5000) })).text();
  assert(html.includes(new URL(PAGE).port) || /status page/i.test(html), 'no link to the status page');
}, { skip: !env.STATUS_PAGE_EXPORTER_URL ? 'no STATUS_PAGE_EXPORTER_URL' : undefined });

await check('no console error, no CSP violation, no uncaught exception', async () => {
  assert(consoleErrors.length === 0, consoleErrors.slice(0, 5).join(' | '));
});

await check('no request to another host', async () => {
  assert(foreign.length === 0, foreign.slice(0, 5).join(' '));
});

await browser.close();
const failed = results.filter((r) => r[0] === 'FAIL');
console.log(`\n${results.filter((r) => r[0] === 'PASS').length} passed, ${failed.length} failed, `
  + `${results.filter((r) => r[0] === 'SKIP').length} skipped; screenshots in ${ARTIFACTS}`);
process.exit(failed.length ? 1 : 0);
