// The status page: reads GET /api/session once and GET /api/status every few seconds (one
// request in flight at a time, backing off when the exporter is slow or failing), and draws
// every section from it. The shapes are specified in docs/status-page.md.
//
// Rules this file keeps (the page runs under a strict Content-Security-Policy):
// - every value from the exporter goes into the page as text (textContent, or an attribute
//   through setAttribute); never innerHTML, never a string evaluated as code;
// - no inline style: looks come from classes and data-* attributes in style.css; SVG geometry
//   is set as attributes;
// - nothing is fetched from another host.
'use strict';

(() => {
  const REFRESH_MS = 5000;       // between the end of one answer and the next request
  const HIDDEN_REFRESH_MS = 30000; // while the tab is hidden
  const MAX_DELAY_MS = 60000;    // the longest back-off
  const TIMEOUT_MS = 10000;      // a request not answered by then is given up (and counts as failed)
  const SLOW_MS = 2000;          // an answer slower than this doubles the next wait
  const STALE_PAGE_S = 30;       // no good answer for this long: every section shows stale
  const SVG_NS = 'http://www.w3.org/2000/svg';

  // Each section: its element id, the probes it reads, its renderer (returns its own health).
  const SECTIONS = [
    { id: 'pipeline', title: 'Pipeline', probes: ['pipeline'], render: renderPipeline },
    { id: 'quality', title: 'Data quality', probes: ['market_data'], render: renderQuality },
    { id: 'ready', title: 'Ready signal', probes: ['ready_signal'], render: renderReady },
    { id: 'backups', title: 'Backups', probes: ['backups'], render: renderBackups },
    { id: 'websocket', title: 'WebSocket', probes: ['websocket'], render: renderWebSocket },
    { id: 'usage', title: 'API usage', probes: ['vendor_api'], render: renderUsage },
    { id: 'alerts', title: 'Alerts', probes: ['alertmanager'], render: renderAlerts },
    { id: 'trends', title: 'Trends', probes: [], render: renderTrends },
  ];
  const HEALTH_WORDS = { ok: 'OK', warn: 'Warning', failed: 'FAILED', stale: 'STALE', unknown: 'No data' };

  let session = null;     // {caller, role, csrf_token, expires_at}
  let lastStatus = null;  // the newest /api/status answer
  let lastGoodAt = 0;     // Date.now() of the newest good answer
  let inFlight = false;
  let timer = 0;
  let leaving = false;  // logging out: no more refreshes
  let delayMs = REFRESH_MS;
  let failures = 0;

  // ---- DOM helpers: text only ----------------------------------------------------------------

  const $ = (id) => document.getElementById(id);

  // el('td', {class: 'num', data: {health: 'ok'}}, 'text', childNode, ...)
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'data') for (const [dk, dv] of Object.entries(v)) node.dataset[dk] = String(dv);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
  }

  function append(node, children) {
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }

  // Replaces node's children, keeping keyboard focus on the control with the same data-key.
  function fill(node, ...children) {
    const active = document.activeElement;
    const key = active && node.contains(active) ? active.dataset.key : undefined;
    node.replaceChildren();
    append(node, children);
    if (key) {
      const again = [...node.querySelectorAll('[data-key]')].find((n) => n.dataset.key === key);
      if (again) again.focus();
    }
  }

  function state(word, stateName) {
    return el('span', { class: 'state', data: { state: stateName || word } }, word);
  }

  function facts(list, pairs) {
    fill(list, pairs.filter(Boolean).map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  }

  // ---- formatting ----------------------------------------------------------------------------

  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const DASH = '\u2014';

  function fmtAge(s) {
    if (!isNum(s)) return DASH;
    const a = Math.abs(s);
    const sign = s < 0 ? '-' : '';
    if (a < 60) return `${sign}${a < 10 ? a.toFixed(1) : Math.round(a)} s`;
    if (a < 3600) return `${sign}${Math.floor(a / 60)} min ${Math.round(a % 60)} s`;
    if (a < 86400) return `${sign}${Math.floor(a / 3600)} h ${Math.round((a % 3600) / 60)} min`;
    return `${sign}${(a / 86400).toFixed(1)} d`;
  }

  function fmtDuration(s) {
    if (!isNum(s)) return DASH;
    if (s < 1) return `${Math.round(s * 1000)} ms`;
    return fmtAge(s);
  }

  function fmtTime(unix) {
    if (!isNum(unix)) return DASH;
    const d = new Date(unix * 1000);
    const today = new Date().toDateString() === d.toDateString();
    return today ? d.toLocaleTimeString([], { hour12: false })
      : d.toLocaleString([], { hour12: false, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  }

  function fmtPct(ratio, digits = 1) {
    return isNum(ratio) ? `${(ratio * 100).toFixed(digits)} %` : DASH;
  }

  function fmtNum(v, digits = 0) {
    return isNum(v) ? v.toLocaleString([], { maximumFractionDigits: digits }) : DASH;
  }

  function fmtBytes(b) {
    if (!isNum(b)) return DASH;
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (b >= 1024 && i < units.length - 1) { b /= 1024; i += 1; }
    return `${b.toFixed(i ? 1 : 0)} ${units[i]}`;
  }

  function when(unix, ageS) {
    return isNum(unix) ? `${fmtTime(unix)} (${fmtAge(ageS)} ago)` : 'never';
  }

  // ---- the requests --------------------------------------------------------------------------

  function requestId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  }

  async function api(path, options = {}) {
    const controller = new AbortController();
    const t = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const res = await fetch(path, {
        credentials: 'same-origin', cache: 'no-store', redirect: 'error', signal: controller.signal, ...options,
        headers: { Accept: 'application/json', ...(options.headers || {}) },
      });
      if (res.status === 401) {
        window.location.assign('/login?expired=1');
        throw new Error('the session has ended');
      }
      let body = null;
      try { body = await res.json(); } catch { body = null; }
      return { status: res.status, ok: res.ok, body, retryAfter: Number(res.headers.get('Retry-After')) || 0 };
    } finally {
      clearTimeout(t);
    }
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(poll, ms);
  }

  async function poll() {
    if (inFlight || leaving) return;  // never two at once, and none once logging out
    inFlight = true;
    const started = performance.now();
    let wait = document.hidden ? HIDDEN_REFRESH_MS : REFRESH_MS;
    try {
      const res = await api('/api/status');
      const took = performance.now() - started;
      if (!res.ok || !res.body) throw Object.assign(new Error(errorText(res)), { retryAfter: res.retryAfter });
      lastStatus = res.body;
      lastGoodAt = Date.now();
      failures = 0;
      delayMs = took > SLOW_MS ? Math.min(delayMs * 2, MAX_DELAY_MS) : REFRESH_MS;
      wait = Math.max(wait, delayMs);
      setConn(took > SLOW_MS ? 'slow' : 'ok',
        took > SLOW_MS ? `Slow answers (${(took / 1000).toFixed(1)} s): next in ${Math.round(wait / 1000)} s`
          : `Updated ${fmtTime(lastStatus.generated_at)}`);
      render(lastStatus);
    } catch (e) {
      failures += 1;
      delayMs = Math.min(REFRESH_MS * 2 ** failures, MAX_DELAY_MS);
      wait = Math.max(wait, delayMs, (e.retryAfter || 0) * 1000);
      setConn('failing', `No answer from the exporter (${e.message || 'error'}); retrying in ${Math.round(wait / 1000)} s`);
      if (lastStatus) render(lastStatus);  // ages and staleness move on
    } finally {
      inFlight = false;
      schedule(wait);
    }
  }

  function errorText(res) {
    if (res.body && typeof res.body.error === 'string') return `${res.status}: ${res.body.error}`;
    return `HTTP ${res.status}`;
  }

  // The connection line changes every refresh, so it is not a live region; a change of its
  // state (ok, slow, failing) is announced once to screen readers.
  function setConn(stateName, text) {
    const c = $('conn');
    if (c.dataset.state !== stateName && c.dataset.state !== 'loading') announce(text);
    c.dataset.state = stateName;
    c.textContent = text;
  }

  function announce(text) {
    $('announce').textContent = text;
  }

  function notice(text, kind) {
    const n = $('notice');
    n.hidden = false;
    n.dataset.kind = kind || 'info';
    n.textContent = text;
  }

  // ---- sections: the shared frame ------------------------------------------------------------

  // A probe's state as the summary gives it, with staleness decided here when it is not given.
  function probeOf(status, name) {
    const p = (status.probes || {})[name];
    if (!p) return { configured: false };
    if (p.stale === undefined && p.has_run) {
      const limit = isNum(p.interval_seconds) ? 3 * p.interval_seconds + 10 : 120;
      return { ...p, stale: p.age_seconds > limit };
    }
    return p;
  }

  function probeLine(name, p) {
    if (!p.configured) return `${name}: not configured`;
    if (!p.has_run) return `${name}: no run yet`;
    const ran = `${name} checked ${fmtTime(p.checked_at)} (${fmtAge(p.age_seconds)} ago)`;
    if (!p.success) return `${ran}: failed`;
    return `${ran}: succeeded`;
  }

  // Decides and shows a section's health: the probe's own state first, then what its content says.
  function frame(section, status, content) {
    const node = $(section.id);
    let health = content.health;
    let reasons = content.reasons || [];
    const lines = [];
    for (const name of section.probes) {
      const p = probeOf(status, name);
      lines.push(probeLine(name, p));
      if (!p.configured) { health = 'unknown'; reasons = [`probes.${name} is not configured`]; }
      else if (!p.has_run) { health = 'unknown'; reasons = ['waiting for the first run']; }
      else if (!p.success) {
        health = 'failed';
        const err = p.error || {};
        reasons = [`the probe's last run failed (${err.reason || 'error'}${err.message ? `: ${err.message}` : ''})`, ...reasons];
      } else if (p.stale && health !== 'failed') {
        health = 'stale';
        reasons = [`no run for ${fmtAge(p.age_seconds)}`, ...reasons];
      }
    }
    const pageAge = (Date.now() - lastGoodAt) / 1000;
    if (lastGoodAt && pageAge > STALE_PAGE_S) {
      health = 'stale';
      reasons = [`no answer from the exporter for ${fmtAge(pageAge)}: showing its last answer`];
    }
    node.dataset.health = health;
    node.querySelector('.health').textContent =
      `${HEALTH_WORDS[health]}${reasons.length ? `: ${reasons.join('; ')}` : ''}`;
    node.querySelector('.probe-line').textContent = lines.join(' \u00b7 ');
    return health;
  }

  function worst(a, b) {
    const rank = { ok: 0, unknown: 1, warn: 2, stale: 3, failed: 4 };
    return rank[b] > rank[a] ? b : a;
  }

  let lastHealths = null;

  function render(status) {
    const healths = {};
    for (const section of SECTIONS) {
      let content;
      try {
        content = section.render(status);
      } catch (e) {  // a shape we did not expect: say so in the section, keep the others
        content = { health: 'failed', reasons: [`the page could not read this section (${e.message})`] };
      }
      healths[section.id] = frame(section, status, content);
    }
    renderToc(healths);
    // Screen readers hear a section change its health, not every refresh.
    if (lastHealths) {
      const changed = SECTIONS.filter((sec) => healths[sec.id] !== lastHealths[sec.id])
        .map((sec) => `${sec.title}: ${HEALTH_WORDS[healths[sec.id]]}`);
      if (changed.length) announce(changed.join('. '));
    }
    lastHealths = healths;
  }

  function renderToc(healths) {
    fill($('toc'), SECTIONS.map((s) => el('li', {},
      el('a', { href: `#${s.id}`, data: { health: healths[s.id], key: `toc-${s.id}` } },
        `${s.title}: ${HEALTH_WORDS[healths[s.id]]}`))));
  }

  // ---- Pipeline ------------------------------------------------------------------------------

  function renderPipeline(status) {
    const p = status.pipeline || {};
    const layers = p.layers || [];
    let health = 'ok';
    const reasons = [];
    fill($('pipeline-rows'), layers.map((l) => {
      let rowHealth = 'ok';
      if (l.status === 'failed') { rowHealth = 'failed'; reasons.push(`${l.layer} failed`); }
      else if (l.current === false) { rowHealth = 'warn'; reasons.push(`${l.layer} not current`); }
      health = worst(health, rowHealth);
      return el('tr', { data: { health: rowHealth, layer: l.layer } },
        el('th', { scope: 'row' }, l.layer),
        el('td', {}, state(l.status || 'unknown'), l.current === false ? el('span', { class: 'sub' }, 'not current') : null),
        el('td', {}, fmtTime(l.last_run_start)),
        el('td', {}, fmtTime(l.last_success), el('span', { class: 'sub' }, `${fmtAge(l.since_last_success_seconds)} ago`)),
        el('td', { class: 'num' }, fmtDuration(l.last_run_duration_seconds)),
        el('td', { class: 'num' }, fmtPct(l.error_ratio),
          el('span', { class: 'sub' }, `${fmtNum(l.runs_failed)} of ${fmtNum((l.runs_failed || 0) + (l.runs_succeeded || 0))} failed`)),
        el('td', { class: 'num' }, fmtNum(l.records_per_minute, 1),
          el('span', { class: 'sub' }, `last run ${fmtNum(l.records_last_run)}`)),
        el('td', { class: 'mono' }, l.dag_id || l.status_file || DASH));
    }));
    if (!layers.length) fill($('pipeline-rows'), el('tr', {}, el('td', { colspan: 8, class: 'empty' }, 'No layer reported.')));
    const airflow = p.airflow;
    const chips = [];
    if (airflow && airflow.components) {
      for (const [name, h] of Object.entries(airflow.components)) {
        if (h !== 'healthy') { health = 'failed'; reasons.push(`Airflow ${name} ${h}`); }
        chips.push(el('li', {}, `${name} `, state(h)));
      }
      chips.push(el('li', {}, `scheduler heartbeat ${fmtAge(airflow.scheduler_heartbeat_age_seconds)} ago`));
    } else {
      chips.push(el('li', { class: 'empty' }, 'no Airflow health (status files only)'));
    }
    fill($('airflow'), chips);
    return { health, reasons };
  }

  // ---- Data quality --------------------------------------------------------------------------

  // A horizontal bar of ratio (0..1) with a target mark; the bar is drawn, the numbers are text.
  function ratioBar(ratio, target, label) {
    const w = 200;
    const v = isNum(ratio) ? Math.max(0, Math.min(1, ratio)) : 0;
    const below = isNum(target) && isNum(ratio) && ratio < target;
    return svg('svg', { viewBox: `0 0 ${w} 12`, preserveAspectRatio: 'none', role: 'img', 'aria-label': label, class: 'ratio' },
      svg('title', {}, label),
      svg('rect', { class: 'bar-bg', x: 0, y: 1, width: w, height: 10 }),
      svg('rect', { class: below ? 'bar-bad' : 'bar-ok', x: 0, y: 1, width: (v * w).toFixed(1), height: 10 }),
      isNum(target) ? svg('line', { class: 'target', x1: target * w, x2: target * w, y1: 0, y2: 12 }) : null);
  }

  // p50, p90 and p99 as marks (circle, square, triangle: told apart without colour) on a scale
  // of twice the target, the target drawn dashed.
  function latencyMeter(lat, target) {
    const w = 200;
    const max = 2 * target;
    const x = (v) => (Math.min(v, max) / max) * w;
    const label = `ingest latency p50 ${fmtDuration(lat.p50_seconds)}, p90 ${fmtDuration(lat.p90_seconds)}, p99 ${fmtDuration(lat.p99_seconds)}; target ${fmtAge(target)}`;
    const marks = [];
    if (isNum(lat.p50_seconds)) marks.push(svg('circle', { class: 'bar-ok', cx: x(lat.p50_seconds), cy: 6, r: 3.5 }));
    if (isNum(lat.p90_seconds)) marks.push(svg('rect', { class: lat.p90_seconds > target ? 'bar-bad' : 'bar-ok', x: x(lat.p90_seconds) - 3.5, y: 2.5, width: 7, height: 7 }));
    if (isNum(lat.p99_seconds)) {
      const px = x(lat.p99_seconds);
      marks.push(svg('path', { class: lat.p99_seconds > target ? 'bar-bad' : 'bar-warn', d: `M${px - 4},10 L${px + 4},10 L${px},2 Z` }));
    }
    return svg('svg', { viewBox: `-5 0 ${w + 10} 12`, class: 'latency-meter', role: 'img', 'aria-label': label },
      svg('title', {}, label),
      svg('line', { class: 'axis', x1: 0, x2: w, y1: 6, y2: 6 }),
      svg('line', { class: 'target', x1: w / 2, x2: w / 2, y1: 0, y2: 12 }),
      marks);
  }

  function renderQuality(status) {
    const dq = status.data_quality || {};
    const target = isNum(dq.completeness_target) ? dq.completeness_target : 0.995;
    const latencyTarget = isNum(dq.latency_target_seconds) ? dq.latency_target_seconds : 30;
    const m = status.market;
    if (m) {
      const next = m.open ? ['closes', m.next_close] : ['opens', m.next_open];
      $('market').replaceChildren(state(m.open ? 'Market open' : 'Market closed', m.open ? 'ok' : 'idle'),
        isNum(next[1]) ? ` \u00b7 ${next[0]} ${fmtTime(next[1])} (in ${fmtAge(next[1] - status.generated_at)})` : '');
    } else {
      $('market').textContent = '';
    }
    let health = 'ok';
    const reasons = [];
    const blocks = (dq.symbols || []).map((s) => {
      let sh = 'ok';
      const windows = Object.entries(s.windows || {});
      const rows = windows.map(([name, w]) => {
        let wh = 'ok';
        if (w.missing > 0 || w.gaps > 0 || (isNum(w.completeness_ratio) && w.completeness_ratio < target)) {
          wh = 'failed';
          reasons.push(`${s.symbol} ${name}: ${fmtNum(w.missing)} bars missing, ${fmtNum(w.gaps)} gaps`);
        } else if (w.duplicates > 0 || Object.values(w.outliers || {}).some((n) => n > 0)) {
          wh = 'warn';
          reasons.push(`${s.symbol} ${name}: duplicates or outliers`);
        }
        sh = worst(sh, wh);
        const outliers = Object.entries(w.outliers || {}).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`);
        return el('tr', { data: { health: wh, window: name } },
          el('th', { scope: 'row' }, name),
          el('td', {}, ratioBar(w.completeness_ratio, target, `completeness ${fmtPct(w.completeness_ratio, 2)} against the ${fmtPct(target)} target`),
            el('span', { class: 'sub' }, `${fmtPct(w.completeness_ratio, 2)} (target ${fmtPct(target)})`)),
          el('td', { class: 'num' }, `${fmtNum(w.observed)} / ${fmtNum(w.expected)}`),
          el('td', { class: 'num' }, fmtNum(w.missing)),
          el('td', { class: 'num' }, fmtNum(w.gaps), el('span', { class: 'sub' }, w.gaps > 0 ? `largest ${fmtAge(w.largest_gap_seconds)}` : '')),
          el('td', { class: 'num' }, fmtNum(w.duplicates)),
          el('td', {}, outliers.length ? outliers.join(', ') : 'none'));
      });
      const lat = s.ingest_latency;
      let latText = 'no new rows measured';
      let latChart = null;
      if (lat && isNum(lat.p90_seconds)) {
        latText = `\u25CF p50 ${fmtDuration(lat.p50_seconds)} \u00b7 \u25A0 p90 ${fmtDuration(lat.p90_seconds)} \u00b7 \u25B2 p99 ${fmtDuration(lat.p99_seconds)} (dashed: the ${fmtAge(latencyTarget)} target; ${fmtNum(lat.count)} rows${isNum(lat.window_seconds) ? ` in the last ${fmtAge(lat.window_seconds)}` : ''})`;
        if (lat.p90_seconds > latencyTarget) { sh = worst(sh, 'warn'); reasons.push(`${s.symbol}: ingest p90 above ${latencyTarget} s`); }
        latChart = latencyMeter(lat, latencyTarget);
      }
      health = worst(health, sh);
      return el('div', { class: 'symbol', data: { health: sh, symbol: s.symbol } },
        el('h3', {}, s.symbol, ' ', state(HEALTH_WORDS[sh], sh === 'ok' ? 'ok' : sh === 'warn' ? 'warn' : 'failed')),
        el('div', { class: 'table-wrap' }, el('table', {},
          el('thead', {}, el('tr', {}, ['Window', 'Completeness', 'Bars', 'Missing', 'Gaps', 'Duplicates', 'Outliers']
            .map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, rows))),
        el('dl', { class: 'facts latency' },
          el('dt', {}, 'Newest bar'), el('dd', {}, when(s.last_bar, s.last_bar_age_seconds)),
          el('dt', {}, 'Staleness'), el('dd', {}, fmtAge(s.staleness_seconds)),
          el('dt', {}, 'Ingest latency'), el('dd', {}, latText, latChart)));
    });
    fill($('quality-symbols'), blocks.length ? blocks : el('p', { class: 'empty' }, 'No symbol reported.'));
    return { health, reasons };
  }

  // ---- Ready signal, WebSocket ---------------------------------------------------------------

  function renderReady(status) {
    const r = status.ready_signal;
    if (!r) { facts($('ready-list'), []); return { health: 'unknown', reasons: [] }; }
    let health = r.present ? 'ok' : 'failed';
    const reasons = r.present ? [] : ['no ready signal'];
    const h = r.handover;
    if (h && h.pending_records > 0) { health = worst(health, 'warn'); reasons.push(`${h.pending_records} records not handed over`); }
    facts($('ready-list'), [
      ['Ready signal', state(r.present ? 'present' : 'absent', r.present ? 'ok' : 'failed')],
      ['Written', when(r.timestamp, r.age_seconds)],
      h && ['Last published bar', fmtTime(h.last_published_bar)],
      h && ['Pending records', fmtNum(h.pending_records)],
      h && ['Handover lag', fmtAge(h.lag_seconds)],
    ]);
    return { health, reasons };
  }

  function renderWebSocket(status) {
    const w = status.websocket;
    if (!w) { facts($('websocket-list'), []); return { health: 'unknown', reasons: [] }; }
    const health = w.up ? 'ok' : 'failed';
    facts($('websocket-list'), [
      ['Service', state(w.up ? 'up' : 'down')],
      ['Handshake', fmtDuration(w.handshake_seconds)],
      ['First message', fmtDuration(w.first_message_seconds)],
      ['Connected clients', fmtNum(w.connected_clients)],
      ['Newest message', when(w.last_message, w.last_message_age_seconds)],
      ['Messages received', fmtNum(w.messages_received_total)],
    ]);
    return { health, reasons: w.up ? [] : ['the WebSocket is down (handshake or first message failed)'] };
  }

  // ---- Backups -------------------------------------------------------------------------------

  function renderBackups(status) {
    const layers = (status.backups || {}).layers || [];
    const operator = isOperator();
    let health = 'ok';
    const reasons = [];
    document.querySelectorAll('#backups .op-col').forEach((n) => { n.hidden = !operator; });
    fill($('backup-rows'), layers.map((b) => {
      let rh = 'ok';
      const failed = Object.entries(b.integrity_failures || {}).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`);
      if (!b.present) { rh = 'failed'; reasons.push(`${b.layer}: no backup`); }
      else if (b.integrity_ok === false) { rh = 'failed'; reasons.push(`${b.layer}: integrity failed (${failed.join(', ') || 'see the set'})`); }
      else if (b.gaps > 0) { rh = 'warn'; reasons.push(`${b.layer}: ${b.gaps} gaps`); }
      health = worst(health, rh);
      const integrity = !b.present ? state('none', 'failed')
        : b.integrity_ok === true ? state('intact', 'ok')
          : b.integrity_ok === false ? state('damaged', 'failed') : state('not checked', 'unknown');
      return el('tr', { data: { health: rh, layer: b.layer } },
        el('th', { scope: 'row' }, b.layer),
        el('td', {}, integrity, failed.length ? el('span', { class: 'sub' }, failed.join(', ')) : null),
        el('td', {}, fmtTime(b.newest), el('span', { class: 'sub' }, `${fmtAge(b.newest_age_seconds)} ago \u00b7 ${fmtNum(b.files)} files`)),
        el('td', { class: 'num' }, fmtBytes(b.size_bytes)),
        el('td', { class: 'num' }, fmtNum(b.gaps)),
        el('td', { class: 'num' }, fmtAge(b.retention_reach_seconds)),
        el('td', {}, fmtTime(b.last_verification)),
        operator ? el('td', {}, el('button', {
          type: 'button', class: 'op', data: { key: `verify-${b.layer}`, action: 'verify-integrity', layer: b.layer },
        }, `Verify ${b.layer}`)) : null);
    }));
    if (!layers.length) fill($('backup-rows'), el('tr', {}, el('td', { colspan: 8, class: 'empty' }, 'No backup layer reported.')));
    return { health, reasons };
  }

  // ---- API usage -----------------------------------------------------------------------------

  function usageMeter(period, u, warnAt, critAt) {
    const w = 200;
    const r = isNum(u.ratio) ? u.ratio : 0;
    const cls = r >= critAt ? 'bar-bad' : r >= warnAt ? 'bar-warn' : 'bar-ok';
    const word = r >= critAt ? 'critical' : r >= warnAt ? 'warning' : 'ok';
    const label = `${period}: ${fmtNum(u.used)} of ${fmtNum(u.limit)} (${fmtPct(u.ratio, 0)}), ${word}`;
    const remaining = isNum(u.remaining) ? u.remaining : (isNum(u.limit) && isNum(u.used) ? u.limit - u.used : null);
    return el('div', { class: 'meter', data: { period, level: word } },
      el('span', {}, `per ${period}`),
      svg('svg', { viewBox: `0 0 ${w} 12`, preserveAspectRatio: 'none', role: 'img', 'aria-label': label },
        svg('title', {}, label),
        svg('rect', { class: 'bar-bg', x: 0, y: 1, width: w, height: 10 }),
        svg('rect', { class: cls, x: 0, y: 1, width: (Math.min(1, r) * w).toFixed(1), height: 10 }),
        svg('line', { class: 'mark-warn', x1: warnAt * w, x2: warnAt * w, y1: 0, y2: 12 }),
        svg('line', { class: 'mark-bad', x1: critAt * w, x2: critAt * w, y1: 0, y2: 12 })),
      el('span', {}, `${fmtNum(u.used)} / ${fmtNum(u.limit)} (${fmtPct(u.ratio, 0)})`, r >= warnAt ? ` ${word.toUpperCase()}` : '',
        el('span', { class: 'sub' }, `${fmtNum(remaining)} left`)));
  }

  function renderUsage(status) {
    const usage = status.api_usage || {};
    const warnAt = isNum(usage.warning_ratio) ? usage.warning_ratio : 0.8;
    const critAt = isNum(usage.critical_ratio) ? usage.critical_ratio : 0.95;
    let health = 'ok';
    const reasons = [];
    const cards = (usage.keys || []).map((k) => {
      let kh = 'ok';
      for (const [period, u] of Object.entries(k.usage || {})) {
        if (u.ratio >= critAt) { kh = 'failed'; reasons.push(`${k.key_id}: ${fmtPct(u.ratio, 0)} of its ${period} limit`); }
        else if (u.ratio >= warnAt) { kh = worst(kh, 'warn'); reasons.push(`${k.key_id}: ${fmtPct(u.ratio, 0)} of its ${period} limit`); }
      }
      if (isNum(k.days_to_expiry) && k.days_to_expiry < 7) { kh = worst(kh, 'warn'); reasons.push(`${k.key_id} expires in ${k.days_to_expiry.toFixed(1)} days`); }
      health = worst(health, kh);
      return el('div', { class: 'key', data: { health: kh, key: `key-${k.key_id}` } },
        el('h3', {}, k.key_id, ' ', k.active ? state('active', 'ok') : state('standby', 'idle')),
        Object.entries(k.usage || {}).map(([period, u]) => usageMeter(period, u, warnAt, critAt)),
        el('p', { class: 'sub' }, `created ${fmtAge((k.age_days || 0) * 86400)} ago \u00b7 `,
          isNum(k.days_to_expiry) ? `expires in ${k.days_to_expiry.toFixed(1)} days (${fmtTime(k.expires)})` : 'no expiry set'));
    });
    const provider = usage.provider ? el('p', { class: 'sub' }, `provider: ${usage.provider}`) : null;
    fill($('usage-keys'), provider, cards.length ? cards : el('p', { class: 'empty' }, 'No key reported.'));
    return { health, reasons };
  }

  // ---- Alerts --------------------------------------------------------------------------------

  const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };

  function renderAlerts(status) {
    const a = status.alerts || {};
    const am = a.alertmanager || {};
    const alerts = [...(am.alerts || [])].sort((x, y) =>
      (SEVERITY_RANK[x.severity] ?? 9) - (SEVERITY_RANK[y.severity] ?? 9) || x.starts_at - y.starts_at);
    const operator = isOperator();
    document.querySelectorAll('#alerts .op-col').forEach((n) => { n.hidden = !operator; });
    let health = 'ok';
    const reasons = [];
    fill($('alert-rows'), alerts.map((x) => {
      const acked = x.acknowledged === true || (x.silenced_by || []).length > 0;
      const sev = x.severity || 'none';
      let rh = 'ok';
      if (!acked && x.state === 'active') {
        rh = sev === 'critical' ? 'failed' : 'warn';
        reasons.push(`${x.alertname} (${sev}) firing`);
      }
      health = worst(health, rh);
      // An absolute http(s) link is followed; a path (docs/runbooks/X.md without
      // control.runbook_base_url) is shown as text, never as a link that would 404 here.
      const runbook = !x.runbook_url ? DASH
        : /^https?:\/\//i.test(x.runbook_url) ? el('a', { href: safeHref(x.runbook_url), rel: 'noopener noreferrer' }, 'runbook')
          : el('span', { class: 'mono' }, x.runbook_url);
      return el('tr', { data: { health: rh, fingerprint: x.fingerprint } },
        el('td', {}, state(sev, sev)),
        el('th', { scope: 'row' }, x.alertname || '(no name)'),
        el('td', {}, x.component || DASH),
        el('td', {}, x.summary || DASH),
        el('td', {}, fmtTime(x.starts_at), el('span', { class: 'sub' }, `firing ${fmtAge(x.firing_seconds)}`)),
        el('td', {}, acked ? state(x.acknowledged_by ? `yes, ${x.acknowledged_by}` : 'yes (silenced)', 'ok')
          : state(x.state === 'active' ? 'no' : x.state || 'no', 'warn')),
        el('td', {}, runbook),
        operator ? el('td', {}, acked ? DASH : el('button', {
          type: 'button', class: 'op', data: { key: `ack-${x.fingerprint}`, action: 'acknowledge-alert', fingerprint: x.fingerprint, alertname: x.alertname },
        }, 'Acknowledge')) : null);
    }));
    $('alerts-empty').hidden = alerts.length > 0;
    const counts = [];
    for (const [st, bySeverity] of Object.entries(am.counts || {}))
      for (const [sev, n] of Object.entries(bySeverity)) counts.push(el('li', {}, state(sev, sev), ` ${st}: ${n}`));
    if (am.cluster) counts.push(el('li', {}, `Alertmanager ${am.cluster.version || ''} \u00b7 cluster ${am.cluster.status}`));
    fill($('alert-counts'), counts);
    const r = a.response || {};
    const perSeverity = (m) => Object.entries(m || {}).map(([sev, v]) => `${sev} ${fmtAge(v.mean_seconds)} (${v.count})`).join(', ') || 'none yet';
    facts($('alert-response'), [
      ['Mean time to resolve', perSeverity(r.mttr)],
      ['Mean time to acknowledge', perSeverity(r.time_to_acknowledge)],
      ['Notifications received', fmtNum(r.notifications_received)],
    ]);
    return { health, reasons };
  }

  // Only http(s) links and links relative to the page are followed; anything else shows as text.
  function safeHref(url) {
    try {
      const u = new URL(url);
      if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
    } catch { /* not a URL */ }
    return '#';
  }

  // ---- Trends --------------------------------------------------------------------------------

  const TREND_TITLES = {
    records_per_minute: ['Records per minute', 'layer', { min: 0 }],
    completeness_ratio: ['Completeness', 'symbol', { min: null, max: 1, ratio: true, target: 'completeness_target' }],
    ingest_latency_p90_seconds: ['Ingest latency p90', 'symbol', { min: 0, seconds: true, target: 'latency_target_seconds' }],
    api_usage_ratio: ['API usage', 'key_id', { min: 0, max: 1, ratio: true, marks: [0.8, 0.95] }],
    websocket_clients: ['WebSocket clients', null, { min: 0 }],
  };

  function renderTrends(status) {
    const t = status.trends;
    if (!t || !Array.isArray(t.series)) {
      fill($('trend-charts'), el('p', { class: 'empty' }, 'The exporter sends no trends.'));
      return { health: 'unknown', reasons: ['no trend data'] };
    }
    const targets = { completeness_target: (status.data_quality || {}).completeness_target ?? 0.995,
      latency_target_seconds: (status.data_quality || {}).latency_target_seconds ?? 30 };
    const charts = [];
    const empty = [];  // series without a single value yet (e.g. a layer that reports no records)
    for (const s of t.series) {
      const [title, labelKey, opts] = TREND_TITLES[s.name] || [s.name, null, {}];
      const labelText = Object.values(s.labels || {}).join(' ');
      const name = labelText ? `${title} (${labelText})` : title;
      const target = opts.target ? targets[opts.target] : null;
      if (!(s.points || []).some((p) => isNum(p[1]))) { empty.push(name); continue; }
      charts.push(lineChart(name, s.points, { ...opts, target, span: t.span_seconds, now: status.generated_at, key: labelKey }));
    }
    fill($('trend-charts'), charts.length ? charts : el('p', { class: 'empty' }, 'No trend yet.'),
      empty.length ? el('p', { class: 'sub trend-empty' }, `No values yet: ${empty.join(', ')}.`) : null);
    return { health: 'ok', reasons: [`the last ${fmtAge(t.span_seconds)}, a point every ${fmtAge(t.step_seconds)}`] };
  }

  function fmtValue(v, opts) {
    if (!isNum(v)) return DASH;
    if (opts.ratio) return fmtPct(v, 1);
    if (opts.seconds) return fmtDuration(v);
    return fmtNum(v, 1);
  }

  // A line chart of [[t, v|null], ...]: drawn in a 300x80 box stretched to the card's width
  // (non-scaling strokes); the numbers (now, min, max, span) are HTML text beside it.
  function lineChart(title, points, opts) {
    const W = 300;
    const H = 80;
    const good = points.filter((p) => isNum(p[0]) && isNum(p[1]));
    const values = good.map((p) => p[1]);
    const extra = [opts.target, ...(opts.marks || [])].filter(isNum);
    let lo = opts.min ?? Math.min(...values, ...extra);
    let hi = opts.max ?? Math.max(...values, ...extra);
    if (!isNum(lo)) lo = 0;
    if (!isNum(hi) || hi <= lo) hi = lo + 1;
    if (opts.min === null && values.length) lo = Math.min(lo, ...values);
    const t1 = isNum(opts.now) ? opts.now : Math.max(...good.map((p) => p[0]));
    const t0 = t1 - (isNum(opts.span) ? opts.span : 3600);
    const x = (t) => ((t - t0) / (t1 - t0)) * W;
    const y = (v) => H - ((v - lo) / (hi - lo)) * (H - 4) - 2;
    // Break the line where a point is missing (null): no line is drawn across a gap.
    let d = '';
    let pen = false;
    for (const [t, v] of points) {
      if (!isNum(t) || t < t0) continue;
      if (!isNum(v)) { pen = false; continue; }
      d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    const last = good.length ? good[good.length - 1][1] : null;
    const label = `${title}: now ${fmtValue(last, opts)}, from ${fmtValue(Math.min(...values), opts)} to ${fmtValue(Math.max(...values), opts)} over ${fmtAge(t1 - t0)}`;
    const lines = [svg('line', { class: 'axis', x1: 0, x2: W, y1: H - 1, y2: H - 1, 'vector-effect': 'non-scaling-stroke' })];
    if (isNum(opts.target)) lines.push(svg('line', { class: 'target', x1: 0, x2: W, y1: y(opts.target), y2: y(opts.target), 'vector-effect': 'non-scaling-stroke' }));
    for (const m of opts.marks || []) lines.push(svg('line', { class: m >= 0.95 ? 'mark-bad' : 'mark-warn', x1: 0, x2: W, y1: y(m), y2: y(m), 'vector-effect': 'non-scaling-stroke' }));
    return el('div', { class: 'chart' }, el('figure', {},
      el('figcaption', {}, title, el('span', { class: 'now' }, fmtValue(last, opts))),
      svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': label },
        svg('title', {}, label), lines,
        d ? svg('path', { class: 'line', d, 'vector-effect': 'non-scaling-stroke' }) : null),
      el('span', { class: 'sub' }, good.length
        ? `${fmtValue(lo, opts)} to ${fmtValue(hi, opts)} \u00b7 last ${fmtAge(t1 - t0)}${isNum(opts.target) ? ` \u00b7 dashed: target ${fmtValue(opts.target, opts)}` : ''}`
        : 'no points yet')));
  }

  // ---- operator actions ----------------------------------------------------------------------

  function isOperator() {
    return !!session && session.role === 'operator';
  }

  // Asks in a modal dialog (keyboard: Tab between the buttons, Esc cancels); resolves true on Confirm.
  function confirmAction(text) {
    const dialog = $('confirm');
    $('confirm-text').textContent = text;
    dialog.returnValue = 'cancel';
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
      dialog.showModal();
      $('confirm-cancel').focus();
    });
  }

  async function act(endpoint, body, question, button) {
    if (!isOperator()) return;
    if (!(await confirmAction(question))) { notice('Cancelled.'); return; }
    if (button) button.disabled = true;
    notice(`${body.action}: sent, waiting for the answer...`);
    try {
      const res = await api(endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token, 'Idempotency-Key': requestId() },
        body: JSON.stringify(body),
      });
      if (res.ok) notice(`${body.action}: done (${res.status})${describe(res.body)}`);
      else notice(`${body.action}: refused, ${errorText(res)}`, 'error');
    } catch (e) {
      notice(`${body.action}: no answer (${e.message})`, 'error');
    } finally {
      if (button) button.disabled = false;
      schedule(0);  // show the effect now (poll() itself never overlaps)
    }
  }

  function describe(body) {
    if (!body || typeof body !== 'object') return '';
    if (typeof body.silence_id === 'string') return `: silence ${body.silence_id}`;
    if (typeof body.result === 'string') return `: ${body.result}`;
    if (Array.isArray(body.probes_run)) return `: ran ${body.probes_run.join(', ')}`;
    return '';
  }

  function onClick(event) {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const d = button.dataset;
    if (d.action === 'acknowledge-alert') {
      act('/api/alerts/system', { action: 'acknowledge-alert', fingerprint: d.fingerprint, comment: 'acknowledged from the status page' },
        `Acknowledge the alert ${d.alertname} (${d.fingerprint})? This creates a silence in Alertmanager.`, button);
    } else if (d.action === 'verify-integrity') {
      act('/api/backup/status', { action: 'verify-integrity', layer: d.layer },
        `Verify the newest ${d.layer} backup set now? Every file is hashed again.`, button);
    } else if (d.action === 'run-checks') {
      act('/api/l0/health', { action: 'run-checks' }, 'Run every probe now?', button);
    }
  }

  // Ends the session (DELETE /api/session with the CSRF token), then the login page.
  async function logOut() {
    // A refresh answered after the session is gone would be a 401 (and a jump to "expired"):
    // stop refreshing, and let one already in flight finish first (bounded: 5 s).
    leaving = true;
    clearTimeout(timer);
    for (let i = 0; inFlight && i < 100; i += 1) await new Promise((r) => setTimeout(r, 50));
    try {
      await api('/api/session', { method: 'DELETE', headers: { 'X-CSRF-Token': session.csrf_token } });
    } finally {
      window.location.assign('/login');
    }
  }

  // ---- start ---------------------------------------------------------------------------------

  async function start() {
    document.addEventListener('click', onClick);
    document.addEventListener('visibilitychange', () => { if (!document.hidden) schedule(0); });
    try {
      const res = await api('/api/session');
      if (!res.ok || !res.body) throw new Error(errorText(res));
      session = res.body;
    } catch (e) {
      setConn('failing', `Cannot read the session (${e.message}); retrying`);
      setTimeout(start, 5000);
      return;
    }
    $('who').textContent = `${session.caller} (${session.role})`;
    $('logout').addEventListener('click', logOut);
    const run = $('run-checks');
    run.hidden = !isOperator();
    if (isOperator()) run.dataset.action = 'run-checks';
    else run.remove();
    poll();
  }

  document.addEventListener('DOMContentLoaded', start);
})();
