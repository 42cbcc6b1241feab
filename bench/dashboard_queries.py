#!/usr/bin/env python3
"""Times every query of the Grafana dashboards against a Prometheus, as Grafana would send them
(bench/dashboard_queries.sh starts that Prometheus on 7 days of data and runs this).

  python3 bench/dashboard_queries.py --url http://127.0.0.1:PORT --now UNIX_SECONDS \
      [--rounds 30] [--target-ms 100] [--datasources grafana-dashboards/datasources.yml] DASHBOARD.json...

For each dashboard, at its default time range (`time.from`/`time.to`, a panel's `timeFrom` and
`timeShift` applied) ending at --now:
- the template variables are resolved as Grafana resolves them on load: a `query` variable runs
  its `label_values(...)` (timed too, as "variable" rows); with `includeAll` the default is All,
  i.e. its `allValue` (`.+` for job and instance) or every value as a regex alternation;
  otherwise its saved `current`, or the first value; `constant`, `custom`, `textbox` and
  `interval` variables take their value;
- each target that is not hidden is expanded as Grafana's Prometheus data source expands it:
  `$__interval` from the range divided by maxDataPoints (the panel's, or its width in pixels at a
  1920 px wide screen), rounded by Grafana's `roundInterval`, at least the panel's `interval` or
  the data source's `timeInterval` (datasources.yml, default 15s); step = max(interval x
  intervalFactor, min step, range / 11000); `$__rate_interval` = max(interval + scrape interval,
  4 x scrape interval); `$__range`, `$__range_s`, `$__range_ms`; start and end aligned to the step;
- every target runs both as an instant query (at the end of the range) and as a range query
  (start, end, step), whatever its `instant`/`range` flags (the `sent` column says whether
  Grafana sends that kind for the target; the summary is given for those and for all), --rounds times, after one warm-up
  round; the order of the queries is shuffled in every round, one query at a time over one
  keep-alive connection (POST, as the data sources are configured).
Reported per query and overall: the median and p99 of the time the client waited, and of the
`execTotalTime` Prometheus reports (`stats=all`); queries whose p99 is above --target-ms are
flagged with their expanded text, and so are queries that returned no series. Exit 0, or 1
when a query failed (an HTTP or PromQL error), so the figures are never of failing queries.
"""
import argparse
import http.client
import json
import math
import random
import re
import statistics
import sys
import time
import urllib.parse

SCREEN_PX = 1920  # Grafana's grid is 24 columns across the dashboard's width
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000, "y": 31536000}
# Grafana's rangeutil.roundInterval: (below this many ms, round to this many ms).
ROUND = [(15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500), (1500, 1000), (3500, 2000),
         (7500, 5000), (12500, 10000), (17500, 15000), (25000, 20000), (45000, 30000), (90000, 60000),
         (210000, 120000), (450000, 300000), (750000, 600000), (1050000, 900000), (1500000, 1200000),
         (2700000, 1800000), (5400000, 3600000), (9000000, 7200000), (16200000, 10800000),
         (32400000, 21600000), (86400000, 43200000), (604800000, 86400000), (1814400000, 604800000),
         (3628800000, 2592000000)]


def seconds(text):
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)(ms|s|m|h|d|w|M|y)\s*", str(text))
    if not m:
        raise ValueError(f"not a duration: {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def round_interval_ms(ms):
    for below, to in ROUND:
        if ms < below:
            return to
    return 31536000000


def relative_time(text, now):
    """Grafana's `now`, `now-6h` (no `/d` rounding); a number is epoch milliseconds."""
    text = str(text).strip()
    if text == "now":
        return now
    m = re.fullmatch(r"now-(\d+)(s|m|h|d|w|M|y)", text)
    if m:
        return now - int(m.group(1)) * UNITS[m.group(2)]
    if text.isdigit():
        return int(text) / 1000
    raise ValueError(f"time not supported by this benchmark: {text!r}")


def fmt_duration(s):
    return f"{int(s)}s" if s == int(s) else f"{int(s * 1000)}ms"


class Prometheus:
    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def call(self, method, path, params):
        """(answer, seconds waited); GET for the label values API (it has no POST), else POST."""
        body = urllib.parse.urlencode(params, doseq=True)
        started = time.perf_counter()
        try:
            if method == "GET":
                self.conn.request("GET", path + "?" + body)
            else:
                self.conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            raise
        elapsed = time.perf_counter() - started
        doc = json.loads(data)
        if response.status != 200 or doc.get("status") != "success":
            raise RuntimeError(f"{path} {params}: HTTP {response.status}: {doc.get('error', data[:300])}")
        return doc, elapsed


def escape_regex(value):
    # Grafana's prometheusSpecialRegexEscape
    value = value.replace("\\", "\\\\\\\\")
    return re.sub(r"[$^*{}\[\]'+?.()|]", lambda m: "\\\\" + m.group(0), value)


class Variables:
    """Template variables resolved as Grafana does on a dashboard's load."""

    def __init__(self, dashboard, prom, start, end, timed):
        self.values = {}  # name -> (list of values | str raw, multi-ish)
        for var in (dashboard.get("templating") or {}).get("list") or []:
            self.resolve(var, prom, start, end, timed)

    def resolve(self, var, prom, start, end, timed):
        name, kind = var["name"], var.get("type")
        current = var.get("current") or {}
        multi = bool(var.get("multi") or var.get("includeAll"))
        if kind == "datasource":
            self.values[name] = (current.get("value") or "prometheus-a", False)
            return
        if kind == "constant":
            self.values[name] = (str(var.get("query", "")), False)
            return
        if kind in ("custom", "interval"):
            options = [o.strip() for o in str(var.get("query", "")).split(",") if o.strip()]
        elif kind == "textbox":
            options = [str(current.get("value") or var.get("query") or "")]
        elif kind == "query":
            query = var.get("query")
            query = query.get("query") if isinstance(query, dict) else query
            options = self.label_values(self.expand(query), prom, start, end, timed, var["name"])
            if var.get("regex"):
                options = [o for o in options if re.search(var["regex"].strip("/"), o)]
        else:
            raise ValueError(f"variable type not supported by this benchmark: {kind} ({name})")
        selected = current.get("value")
        if var.get("includeAll") and (selected in (None, "$__all", ["$__all"]) or not current):
            if var.get("allValue"):
                self.values[name] = (var["allValue"], None)  # a custom all value is used as written
            else:
                self.values[name] = (options, multi)
        elif selected not in (None, "", []):
            self.values[name] = (selected if isinstance(selected, list) else [selected], multi)
        else:
            self.values[name] = (options[:1], multi)

    def label_values(self, query, prom, start, end, timed, var_name):
        m = re.fullmatch(r"\s*label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*", query or "", re.S)
        if m:
            match, label = m.group(1), m.group(2)
            params = {"match[]": match, "start": int(start), "end": int(end)}
        else:
            m = re.fullmatch(r"\s*label_values\(\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*", query or "")
            if not m:
                raise ValueError(f"variable query not supported by this benchmark: {query!r}")
            label, params = m.group(1), {"start": int(start), "end": int(end)}
        path = f"/api/v1/label/{label}/values"
        doc, _ = prom.call("GET", path, params)
        timed.append({"kind": "variable", "sent": True, "panel": f"${var_name}", "method": "GET", "path": path,
                      "params": params, "text": query})
        return sorted(doc["data"])

    def expand(self, text, builtins=None):
        builtins = builtins or {}

        def value_of(name, fmt):
            if name in builtins:
                return builtins[name]
            if name not in self.values:
                raise KeyError(name)
            value, multi = self.values[name]
            if multi is None or isinstance(value, str):
                return value
            if fmt == "csv":
                return ",".join(value)
            if fmt == "pipe":
                return "|".join(value)
            if fmt == "raw" or fmt == "text":
                return ",".join(value)
            if fmt == "regex" or multi:
                escaped = [escape_regex(v) for v in value]
                return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
            return value[0].replace("\\", "\\\\").replace("'", "\\\\'") if value else ""

        def sub(m):
            name = m.group(1) or m.group(3) or m.group(5)
            fmt = m.group(2) or m.group(4)
            try:
                return value_of(name, fmt)
            except KeyError:
                raise ValueError(f"unknown variable ${name} in {text!r}")

        return re.sub(r"\$\{(\w+)(?::(\w+))?\}|\[\[(\w+)(?::(\w+))?\]\]|\$(\w+)", sub, text)


def panels_of(dashboard):
    for panel in dashboard.get("panels") or []:
        if panel.get("type") == "row":
            yield from panel.get("panels") or []
        else:
            yield panel


def build_queries(path, dashboard, prom, now, scrape_interval):
    """Every query the dashboard sends on load, expanded: dicts with kind, panel, path, params."""
    time_cfg = dashboard.get("time") or {"from": "now-6h", "to": "now"}
    d_from, d_to = relative_time(time_cfg["from"], now), relative_time(time_cfg["to"], now)
    queries = []
    variables = Variables(dashboard, prom, d_from, d_to, queries)
    for q in queries:
        q["dashboard"] = dashboard.get("uid") or path
    for panel in panels_of(dashboard):
        start, end = d_from, d_to
        if panel.get("timeFrom"):
            start = end - seconds(str(panel["timeFrom"]).replace("now-", ""))
        if panel.get("timeShift"):
            shift = seconds(str(panel["timeShift"]))
            start, end = start - shift, end - shift
        range_s = end - start
        width_px = max(int(panel.get("gridPos", {}).get("w", 12) * SCREEN_PX / 24) - 16, 1)
        max_points = panel.get("maxDataPoints") or width_px
        low_limit = seconds(panel["interval"]) if panel.get("interval") else scrape_interval
        interval = max(round_interval_ms(range_s * 1000 / max_points) / 1000, low_limit)
        for target in panel.get("targets") or []:
            if target.get("hide") or not target.get("expr"):
                continue
            min_step = seconds(variables.expand(target["interval"])) if target.get("interval") else interval
            target_scrape = min_step if target.get("interval") else scrape_interval
            step = max(interval * (target.get("intervalFactor") or 1), min_step,
                       math.ceil(range_s / 11000) if range_s / 11000 > 1 else range_s / 11000)
            rate_interval = max(step + target_scrape, 4 * target_scrape)
            builtins = {
                "__interval": fmt_duration(step), "__interval_ms": str(int(step * 1000)),
                "__rate_interval": fmt_duration(rate_interval),
                "__rate_interval_ms": str(int(rate_interval * 1000)),
                "__range": f"{round(range_s)}s", "__range_s": str(round(range_s)),
                "__range_ms": str(int(range_s * 1000)),
            }
            expr = variables.expand(target["expr"], builtins)
            a_start, a_end = math.floor(start / step) * step, math.floor(end / step) * step
            title = f"{panel.get('title', '?')} [{target.get('refId', '?')}]"
            common = {"dashboard": dashboard.get("uid") or path, "panel": title, "text": expr}
            # What Grafana sends: `instant` and `range` as set; neither set means a range query.
            sends_range = target["range"] if "range" in target else not target.get("instant", False)
            queries.append({**common, "kind": "instant", "sent": bool(target.get("instant")), "path": "/api/v1/query",
                            "params": {"query": expr, "time": end, "stats": "all"}})
            queries.append({**common, "kind": "range", "sent": bool(sends_range), "path": "/api/v1/query_range",
                            "params": {"query": expr, "start": a_start, "end": a_end, "step": step, "stats": "all"},
                            "step": step})
    return queries


def percentile(values, q):
    """Nearest-rank percentile (with fewer than 100 values, p99 is the maximum)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def series_count(doc):
    result = doc["data"]
    if isinstance(result, list):
        return len(result)
    r = result.get("result")
    return len(r) if isinstance(r, list) else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", required=True)
    p.add_argument("--now", type=float, required=True)
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--target-ms", type=float, default=100)
    p.add_argument("--datasources")
    p.add_argument("--json-out")
    p.add_argument("dashboards", nargs="+")
    args = p.parse_args()

    scrape_interval = 15.0
    if args.datasources:
        import yaml

        with open(args.datasources) as f:
            for ds in yaml.safe_load(f).get("datasources", []):
                if ds.get("isDefault") and (ds.get("jsonData") or {}).get("timeInterval"):
                    scrape_interval = seconds(ds["jsonData"]["timeInterval"])
    prom = Prometheus(args.url)
    queries = []
    for path in args.dashboards:
        with open(path) as f:
            queries += build_queries(path, json.load(f), prom, args.now, scrape_interval)
    rng = random.Random(14)
    failures = []
    for q in queries:
        q["client"], q["server"] = [], []
    for round_no in range(args.rounds + 1):
        order = list(range(len(queries)))
        rng.shuffle(order)
        for k in order:
            q = queries[k]
            try:
                doc, elapsed = prom.call(q.get("method", "POST"), q["path"], q["params"])
            except (RuntimeError, OSError, http.client.HTTPException) as e:
                failures.append(f"{q['dashboard']} / {q['panel']} ({q['kind']}): {e}")
                q["failed"] = True
                continue
            if round_no == 0:  # warm-up: not counted
                q["series"] = series_count(doc)
                continue
            q["client"].append(elapsed * 1000)
            timings = (doc["data"].get("stats") or {}).get("timings") if isinstance(doc["data"], dict) else None
            if timings:
                q["server"].append(timings["execTotalTime"] * 1000)
    if failures:
        print("FAILED queries (no figures for them):")
        for f in sorted(set(failures)):
            print("  " + f)

    ok = [q for q in queries if not q.get("failed")]
    print(f"\n{len(ok)} queries ({sum(q['kind'] == 'variable' for q in ok)} variable, "
          f"{sum(q['kind'] == 'instant' for q in ok)} instant, {sum(q['kind'] == 'range' for q in ok)} range), "
          f"{args.rounds} rounds each; times in ms; p99 is nearest-rank over {args.rounds} rounds"
          f"{' (the maximum)' if args.rounds < 100 else ''}; target p99 < {args.target_ms:g} ms\n")
    header = f"{'dashboard':<16} {'panel [refId]':<46} {'kind':<8} {'sent':>4} {'series':>6} {'med':>7} {'p99':>7} {'srv med':>8} {'srv p99':>8}  flag"
    print(header)
    print("-" * len(header))
    slow, empty = [], []
    for q in sorted(ok, key=lambda q: (q["dashboard"], q["panel"], q["kind"])):
        med, p99 = statistics.median(q["client"]), percentile(q["client"], 99)
        smed = statistics.median(q["server"]) if q["server"] else float("nan")
        sp99 = percentile(q["server"], 99) if q["server"] else float("nan")
        q.update(median=med, p99=p99, server_median=smed, server_p99=sp99)
        flags = []
        if p99 > args.target_ms:
            flags.append("SLOW")
            slow.append(q)
        if q.get("series", 0) == 0:
            flags.append("EMPTY")
            empty.append(q)
        flag = " ".join(flags)
        print(f"{q['dashboard'][:16]:<16} {q['panel'][:46]:<46} {q['kind']:<8} {'yes' if q['sent'] else 'no':>4} {q.get('series', 0):>6} "
              f"{med:>7.2f} {p99:>7.2f} {smed:>8.2f} {sp99:>8.2f}  {flag}")

    all_client = [x for q in ok for x in q["client"]]
    all_server = [x for q in ok for x in q["server"]]
    print()
    sent = [q for q in ok if q["sent"]]
    for label, sel in (("sent", sent), ("all", ok), ("instant", [q for q in sent if q["kind"] == "instant"]),
                       ("range", [q for q in sent if q["kind"] == "range"]),
                       ("variable", [q for q in sent if q["kind"] == "variable"]),
                       ("not sent", [q for q in ok if not q["sent"]])):
        xs = [x for q in sel for x in q["client"]]
        ss = [x for q in sel for x in q["server"]]
        if not xs:
            continue
        line = (f"{label:<9} {len(sel):>4} queries: client median {statistics.median(xs):7.2f} ms  p99 {percentile(xs, 99):7.2f} ms "
                f"(p99 / target {percentile(xs, 99) / args.target_ms:.2f})")
        if ss:
            line += f"  prometheus median {statistics.median(ss):7.2f} ms  p99 {percentile(ss, 99):7.2f} ms"
        print(line)
    for label, sel in (("sent by Grafana", sent), ("not sent by Grafana", [q for q in ok if not q["sent"]])):
        worst = max(sel, key=lambda q: q["p99"]) if sel else None
        if worst:
            print(f"slowest query {label}: p99 {worst['p99']:.2f} ms = {worst['p99'] / args.target_ms:.2f} x target: "
              f"{worst['dashboard']} / {worst['panel']} ({worst['kind']})")
    by_dash = {}
    for q in sent:
        by_dash.setdefault(q["dashboard"], []).append(q["median"])
    for dash, meds in sorted(by_dash.items()):
        print(f"dashboard {dash}: {len(meds)} queries sent on load, sum of their medians {sum(meds):.1f} ms (one at a time)")
    print(f"\nqueries with p99 above {args.target_ms:g} ms: {sum(q['sent'] for q in slow)} of those Grafana sends, "
          f"{sum(not q['sent'] for q in slow)} of those it does not")
    for q in sorted(slow, key=lambda q: not q["sent"]):
        print(f"  SLOW{'' if q['sent'] else ' (not sent)'} {q['dashboard']} / {q['panel']} ({q['kind']}, "
              f"median {q['median']:.1f} ms, p99 {q['p99']:.1f} ms): {' '.join(q['text'].split())}")
    print(f"queries that returned no series: {len(empty)}")
    for q in empty:
        print(f"  EMPTY {q['dashboard']} / {q['panel']} ({q['kind']}): {' '.join(q['text'].split())[:200]}")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump([{k: v for k, v in q.items() if k not in ("client", "server")} for q in ok], f, indent=1)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
