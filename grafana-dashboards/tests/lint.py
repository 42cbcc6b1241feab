#!/usr/bin/env python3
"""Lint of the Grafana dashboards in grafana-dashboards/ (no Grafana needed).

    python3 grafana-dashboards/tests/lint.py [--repo DIR] [--shared DIR]   # lint; exit 0 pass, 1 fail
    python3 grafana-dashboards/tests/lint.py --self-test                   # every rule fires on a mutated copy
Exit 77 (skipped) when PyYAML is missing.

The rules of grafana/dashboard-linter, reimplemented, plus the project's own. Each problem is
printed as `DASHBOARD / PANEL: [rule] message`.

  url            uid, title slug and file name give the seed's URLs /d/<uid>/<slug>
  schema-version schemaVersion of current Grafana (>= 39)
  no-inputs      no `__inputs`, no `${DS_...}` (grafana#10786: such dashboards cannot be provisioned)
  datasource     a `datasource` variable (type datasource, query prometheus); every panel with
                 queries and every target uses {"type": "prometheus", "uid": "${datasource}"}
  variables      `job` and `instance` (and every other query variable): datasource ${datasource},
                 multi-select, includeAll, allValue `.+`; a query names only variables that exist
  job-instance   every selector filters on job=~"$job",instance=~"$instance". Exceptions, each
                 because the series do not come from the exporter:
                   ALERTS, ALERTS_FOR_STATE: instance=~"$instance|": Prometheus makes them, and an
                     alert may have no instance (ExporterDown's absent() branch); the empty
                     alternative keeps it visible;
                   alertmanager_*: job="alertmanager",instance=~"$alertmanager" (Alertmanager's
                     own metrics, its scrape job, its own variable);
                   node_*: job="node",instance=~"$node" (node_exporter's, idem).
  exporter-only  a query of a process_* metric also says `and on (job, instance)
                 usdcop_build_info{job=~"$job",instance=~"$instance"}`: Alertmanager, node_exporter and
                 Prometheus publish process_* too, and at "All" (job=~".+") the exporter's resource
                 panels would show theirs (DashboardsIT caught it)
  rate-interval  rate/irate/increase take [$__rate_interval]. Exception: increase(...[$__range])
                 in an instant target (a stat, gauge, bar gauge or table showing one figure over
                 the dashboard's whole range: MTTR, percentiles of acknowledgement times).
  counter        a `*_total` series only inside rate(), irate() or increase()
  unit           every panel with queries has a unit, matching each target's metric (below)
  description    every panel has a description
  layout         unique panel ids; no two panels' gridPos overlap
  contract       every metric a query uses is in the metric contract (README.md's metric table,
                 ../shared/DESIGN.md's when present), a standard process_* metric, ALERTS /
                 ALERTS_FOR_STATE, one of the alertmanager_* / node_* metrics listed below, or a
                 recording rule of rules/*.yml
  alerts         every alert of rules/usdcop_alerts.yml is listed on the alerting dashboard with a
                 link to its runbook docs/runbooks/NAME.md, which exists
  provisioning   provisioning.yml is a `file` provider whose path maps (through
                 docker-compose.yml's volume of the grafana service, or the documented mount
                 ./grafana-dashboards -> /var/lib/grafana/dashboards/usdcop) to a directory of the
                 repository holding the three dashboards, and every *.json Grafana would load
                 there (git-tracked files) is a dashboard; datasources.yml has the uids the
                 dashboards default to.
"""
import copy
import json
import os
import re
import subprocess
import sys

try:
    import yaml
except ImportError:  # pragma: no cover
    print("SKIP: PyYAML not found (Debian package python3-yaml: bash scripts/install-deps)", file=sys.stderr)
    sys.exit(77)

# The seed README's Quick Reference: the URLs users have bookmarked.
DASHBOARDS = {
    "l0-pipeline-monitoring.json": ("l0-pipeline", "L0 Pipeline Monitoring", "/d/l0-pipeline/l0-pipeline-monitoring"),
    "pipeline-health-overview.json": ("pipeline-health", "Pipeline Health Overview",
                                      "/d/pipeline-health/pipeline-health-overview"),
    "alerting-dashboard.json": ("alerts", "Alerting Dashboard", "/d/alerts/alerting-dashboard"),
}
ALERTING = "alerting-dashboard.json"
DS_REF = {"type": "prometheus", "uid": "${datasource}"}
MIN_SCHEMA_VERSION = 39
# The documented mount (common.md, docker-compose.yml): repository dir -> container path.
DOCUMENTED_MOUNT = ("grafana-dashboards", "/var/lib/grafana/dashboards/usdcop")
DATASOURCE_UIDS = {"prometheus-a", "prometheus-b"}

# Metrics from outside the exporter that the dashboards may use, listed one by one.
PROCESS_METRICS = {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
                   "process_open_fds", "process_max_fds", "process_start_time_seconds"}
PROMETHEUS_METRICS = {"ALERTS", "ALERTS_FOR_STATE"}
ALERTMANAGER_METRICS = {"alertmanager_notifications_total", "alertmanager_notifications_failed_total",
                        "alertmanager_build_info", "alertmanager_alerts", "alertmanager_cluster_members",
                        "alertmanager_notification_latency_seconds_bucket"}
NODE_METRICS = {"node_cpu_seconds_total", "node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes",
                "node_load1", "node_uname_info", "node_filesystem_avail_bytes", "node_filesystem_size_bytes"}

# Matchers each family must carry (see job-instance above).
FILTERS = [
    (lambda m: m in PROMETHEUS_METRICS, {"job": ("=~", "$job"), "instance": ("=~", "$instance|")}),
    (lambda m: m.startswith("alertmanager_"), {"job": ("=", "alertmanager"), "instance": ("=~", "$alertmanager")}),
    (lambda m: m.startswith("node_"), {"job": ("=", "node"), "instance": ("=~", "$node")}),
    (lambda m: True, {"job": ("=~", "$job"), "instance": ("=~", "$instance")}),
]
BUILTIN_VARS = {"__rate_interval", "__interval", "__interval_ms", "__range", "__range_s", "__range_ms", "__from",
                "__to", "__all", "__url_time_range", "__value", "__data", "__field", "__series", "__name"}

# Units: a class per target, the units accepted for it.
UNITS = {
    "time": {"s", "ms", "m", "h", "d", "dtdurations", "dtdurationms"},
    "percent": {"percentunit", "percent"},
    "bytes": {"bytes", "decbytes", "kbytes", "mbytes"},
    "byterate": {"Bps", "binBps", "decBps"},
    "persecond": {"cps", "ops", "reqps", "rps", "wps", "iops", "pps"},
    "count": {"short", "none", "locale"},
}
# What restricts a process_* query to the exporter's targets (exporter-only above).
EXPORTER_ONLY_RE = re.compile(r'\band\s+on\s*\(\s*job\s*,\s*instance\s*\)\s*'
                              r'usdcop_build_info\{job=~"\$job",instance=~"\$instance"\}')
FUNC_RE = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*\(")
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset",
            "inf", "nan"}


class Problem:
    def __init__(self, dashboard, panel, rule, message):
        self.dashboard, self.panel, self.rule, self.message = dashboard, panel, rule, message

    def __str__(self):
        where = self.dashboard + (" / " + self.panel if self.panel else "")
        return f"{where}: [{self.rule}] {self.message}"


# --- PromQL, just enough -------------------------------------------------------------------------
def strip_strings(expr):
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)


def selectors(expr):
    """(metric, {label: (op, value)}, start offset) for each vector selector of `expr`."""
    out = []
    # name{matchers}
    for m in re.finditer(r'([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{((?:[^{}"]|"(?:[^"\\]|\\.)*")*)\}', expr):
        matchers = {}
        for lm in re.finditer(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"', m.group(2)):
            matchers[lm.group(1)] = (lm.group(2), lm.group(3))
        out.append((m.group(1), matchers, m.start()))
    # bare names (no matchers at all)
    masked = re.sub(r'\{((?:[^{}"]|"(?:[^"\\]|\\.)*")*)\}', lambda m: " " * len(m.group(0)), expr)
    masked = strip_strings(masked)
    masked = re.sub(r"\[[^\]]*\]", lambda m: " " * len(m.group(0)), masked)
    masked = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)",
                    lambda m: " " * len(m.group(0)), masked)
    for m in re.finditer(r"(?<![a-zA-Z0-9_:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![a-zA-Z0-9_:])", masked):
        name = m.group(1)
        rest = masked[m.end():]
        if name.lower() in KEYWORDS or re.match(r"\s*\(", rest):
            continue
        if any(m.start() == s for _, _, s in out):
            continue
        # a name directly followed by a {matcher} block was found above
        if re.match(r"\s*\{", expr[m.end():]):
            continue
        out.append((name, {}, m.start()))
    return out


def enclosing_function(expr, pos):
    """The name of the innermost function call whose parentheses enclose `pos`, or ''."""
    depth = 0
    i = pos - 1
    while i >= 0:
        c = expr[i]
        if c == ")":
            depth += 1
        elif c == "(":
            if depth == 0:
                m = re.search(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*$", expr[:i])
                return m.group(1) if m else ""
            depth -= 1
        i -= 1
    return ""


def range_calls(expr):
    """(function, range text) for each rate/irate/increase call."""
    out = []
    for m in re.finditer(r"\b(rate|irate|increase)\s*\(", expr):
        depth, j = 1, m.end()
        while j < len(expr) and depth:
            depth += {"(": 1, ")": -1}.get(expr[j], 0)
            j += 1
        inner = expr[m.end():j - 1]
        ranges = re.findall(r"\[([^\]]*)\]", inner)
        out.append((m.group(1), ranges[-1] if ranges else ""))
    return out


def variables_used(text):
    return set(re.findall(r"\$\{?([a-zA-Z_][a-zA-Z0-9_]*)", text))


def unit_class(expr):
    """The unit class a target's value has, from its metrics and its shape."""
    e = strip_strings(expr)
    names = [n for n, _, _ in selectors(expr)]
    if not names:
        return None
    if "histogram_quantile" in e:
        return "time" if any(n.endswith("_seconds_bucket") for n in names) else "count"
    first = names[0]
    # A division by something other than a number is a ratio, unless it is a histogram's sum / count.
    if re.search(r"/\s*(?![\d\s])", re.sub(r"\[[^\]]*\]", "", e)):
        if {n.rsplit("_", 1)[0] for n in names} == {first.rsplit("_", 1)[0]} and \
                {n.rsplit("_", 1)[1] for n in names} == {"sum", "count"}:
            return "time" if first.endswith("_seconds_sum") or first.endswith("_seconds_count") else "count"
        if re.search(r"/\s*86400\b", e):
            pass
        else:
            return "percent"
    if first.endswith("_bucket"):  # a heatmap of buckets: the axis is the metric's unit
        return "time" if first.endswith("_seconds_bucket") else "count"
    if first.endswith("_seconds_total"):
        return "percent"  # seconds per second: a share of a CPU
    if first.endswith("_bytes_total"):
        return "byterate"
    if first.endswith("_total"):
        return "persecond" if re.search(r"\b(rate|irate)\s*\(", e) else "count"
    if first.endswith("_timestamp_seconds"):
        if "time()" not in e.replace(" ", ""):
            return "timestamp"
        return "days" if re.search(r"/\s*86400\b", e) else "time"
    if first.endswith("_seconds"):
        return "time"
    if first.endswith("_bytes"):
        return "bytes"
    if first.endswith("_ratio") or first.endswith(":score"):
        return "percent"
    if re.search(r":(i?rate)\w*$", first):  # a recording rule of a rate (level:metric:rate1m)
        return "persecond"
    return "count"


def accepted_units(cls):
    if cls == "days":
        return {"d"}
    if cls == "timestamp":
        return set()  # a raw Unix time in seconds: show an age (time() - x) instead
    return UNITS[cls]


# --- The contract ----------------------------------------------------------------------------------
def contract_metrics(repo, shared):
    names = set()
    sources = [os.path.join(repo, "README.md")]
    if shared and os.path.exists(os.path.join(shared, "DESIGN.md")):
        sources.append(os.path.join(shared, "DESIGN.md"))
    design = set()
    rows = []
    for i, path in enumerate(sources):
        for line in open(path, encoding="utf-8"):
            m = re.match(r"\|\s*(`usdcop_[^|]*)\|\s*([a-z]+)\s*\|", line)
            if not m:
                continue
            found = re.findall(r"`([a-zA-Z_:][a-zA-Z0-9_:]*)`", m.group(1))
            rows.append((found, m.group(2), i))
            if i == 1:
                design.update(found)
    for found, mtype, _ in rows:
        first = found[0]
        expanded = [first]
        for short in found[1:]:
            if not short.startswith("_"):
                expanded.append(short)
                continue
            parts = first.split("_")
            candidates = ["_".join(parts[:k]) + short for k in range(1, len(parts))]
            known = [c for c in candidates if c in design]
            expanded += known or candidates
        for n in expanded:
            names.add(n)
            if mtype == "histogram":
                names.update({n + "_bucket", n + "_sum", n + "_count"})
    return names


def recording_rules(repo):
    names, alerts = set(), {}
    rules_dir = os.path.join(repo, "rules")
    for f in sorted(os.listdir(rules_dir)):
        if not f.endswith(".yml"):
            continue
        doc = yaml.safe_load(open(os.path.join(rules_dir, f))) or {}
        for g in doc.get("groups", []):
            for r in g.get("rules", []):
                if "record" in r:
                    names.add(r["record"])
                if "alert" in r and f == "usdcop_alerts.yml":
                    alerts[r["alert"]] = r.get("annotations", {}).get("runbook_url", "")
    return names, alerts


# --- The lint --------------------------------------------------------------------------------------
def all_panels(dash):
    for p in dash.get("panels", []):
        yield p
        for q in p.get("panels", []) or []:
            yield q


def slug(title):
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", title.lower())).strip("-")


def lint_dashboard(name, dash, ctx):
    problems = []

    def bad(panel, rule, message):
        problems.append(Problem(name, panel, rule, message))

    text = json.dumps(dash)
    uid, title, url = DASHBOARDS[name]
    got_url = f"/d/{dash.get('uid')}/{slug(dash.get('title', ''))}"
    if got_url != url:
        bad("", "url", f"uid {dash.get('uid')!r} and title {dash.get('title')!r} give {got_url}, the seed's URL is {url}")
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < MIN_SCHEMA_VERSION:
        bad("", "schema-version", f"schemaVersion {dash.get('schemaVersion')} is older than {MIN_SCHEMA_VERSION}")
    if "__inputs" in dash or "__requires" in dash:
        bad("", "no-inputs", "has __inputs/__requires (an export for sharing): provisioning cannot fill them")
    if re.search(r"\$\{?DS_", text):
        bad("", "no-inputs", "uses ${DS_...}: use the datasource variable ${datasource}")

    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        bad("", "datasource", "needs a template variable `datasource` of type datasource, query prometheus")
    elif (ds.get("current") or {}).get("value") not in DATASOURCE_UIDS:
        bad("", "datasource", f"the datasource variable's current value {ds.get('current')!r} is not one of {sorted(DATASOURCE_UIDS)}")
    for required in ("job", "instance"):
        if required not in variables:
            bad("", "variables", f"needs a `{required}` query variable")
    for vname, v in variables.items():
        if v.get("type") != "query":
            continue
        if v.get("datasource") != DS_REF:
            bad("", "variables", f"variable {vname} must use datasource {DS_REF}")
        if not v.get("multi") or not v.get("includeAll") or v.get("allValue") != ".+":
            bad("", "variables", f"variable {vname} must be multi-select with includeAll and allValue .+")
        q = v.get("query")
        q = q.get("query", "") if isinstance(q, dict) else (q or "")
        problems.extend(check_variable_query(name, vname, q, ctx, variables))

    ids, boxes = {}, []
    for p in all_panels(dash):
        ptitle = p.get("title") or f"panel id {p.get('id')}"
        if p.get("id") in ids:
            bad(ptitle, "layout", f"panel id {p.get('id')} is used by {ids[p.get('id')]!r} too")
        ids[p.get("id")] = ptitle
        g = p.get("gridPos") or {}
        if not all(isinstance(g.get(k), int) for k in ("x", "y", "w", "h")):
            bad(ptitle, "layout", "has no complete gridPos")
        else:
            if g["x"] + g["w"] > 24:
                bad(ptitle, "layout", "is wider than the 24-column grid")
            for other, og in boxes:
                if g["x"] < og["x"] + og["w"] and og["x"] < g["x"] + g["w"] and \
                        g["y"] < og["y"] + og["h"] and og["y"] < g["y"] + g["h"]:
                    bad(ptitle, "layout", f"overlaps panel {other!r}")
            boxes.append((ptitle, g))
        if p.get("type") == "row":
            continue
        if not (p.get("description") or "").strip():
            bad(ptitle, "description", "has no description")
        targets = p.get("targets") or []
        if not targets:
            continue
        if p.get("datasource") != DS_REF:
            bad(ptitle, "datasource", f"panel datasource {p.get('datasource')!r} is not {DS_REF}")
        defaults = (p.get("fieldConfig") or {}).get("defaults") or {}
        units_by_ref = {}
        for o in (p.get("fieldConfig") or {}).get("overrides") or []:
            if (o.get("matcher") or {}).get("id") == "byFrameRefID":
                for prop in o.get("properties", []):
                    if prop.get("id") == "unit":
                        units_by_ref[o["matcher"].get("options")] = prop.get("value")
        if not defaults.get("unit"):
            bad(ptitle, "unit", "has no unit (fieldConfig.defaults.unit)")
        refs = set()
        for t in targets:
            ref = t.get("refId", "?")
            if ref in refs:
                bad(ptitle, "layout", f"refId {ref} is used twice")
            refs.add(ref)
            if t.get("datasource") != DS_REF:
                bad(ptitle, "datasource", f"target {ref} datasource {t.get('datasource')!r} is not {DS_REF}")
            expr = t.get("expr") or ""
            if not expr.strip():
                bad(ptitle, "contract", f"target {ref} has no query")
                continue
            instant = bool(t.get("instant")) and not t.get("range")
            for pr in check_query(name, ptitle, expr, ctx, instant=instant, variables=variables, ref=ref):
                problems.append(pr)
            cls = unit_class(expr)
            unit = units_by_ref.get(ref, defaults.get("unit"))
            if cls and unit and unit not in accepted_units(cls):
                bad(ptitle, "unit", f"target {ref}: unit {unit!r} does not fit the query's {cls} "
                                    f"(one of {sorted(accepted_units(cls)) or 'an age: time() - x, unit s'})")
    return problems


def check_query(name, ptitle, expr, ctx, instant, variables, ref=""):
    problems = []
    tag = f"target {ref}: " if ref else ""

    def bad(rule, message):
        problems.append(Problem(name, ptitle, rule, f"{tag}{message} in `{' '.join(expr.split())}`"))

    for v in variables_used(expr):
        if v not in variables and v not in BUILTIN_VARS:
            bad("variables", f"${v} is not a variable of the dashboard")
    for fn, rng in range_calls(expr):
        if rng == "$__rate_interval":
            continue
        if fn == "increase" and rng == "$__range" and instant:
            continue
        bad("rate-interval", f"{fn}() over [{rng}]: use [$__rate_interval]"
                             + (" ([$__range] only in an instant target)" if rng == "$__range" else ""))
    if any(m.startswith("process_") for m, _, _ in selectors(expr)) and not EXPORTER_ONLY_RE.search(expr):
        bad("exporter-only", "process_* is published by every job (Alertmanager, node_exporter, Prometheus): add "
                             "`and on (job, instance) usdcop_build_info{job=~\"$job\",instance=~\"$instance\"}`")
    for metric, matchers, pos in selectors(expr):
        if metric.endswith("_total") and enclosing_function(expr, pos) not in ("rate", "irate", "increase"):
            bad("counter", f"counter {metric} outside rate(), irate() or increase()")
        if metric not in ctx["contract"]:
            bad("contract", f"{metric} is not in the metric contract, the listed outside metrics or rules/*.yml")
        for applies, required in FILTERS:
            if applies(metric):
                for label, (op, value) in required.items():
                    if matchers.get(label) != (op, value):
                        bad("job-instance", f"{metric} must filter {label}{op}\"{value}\"")
                break
    return problems


def check_variable_query(name, vname, q, ctx, variables):
    """A query variable is `label_values(SELECTOR, LABEL)`: its metric in the contract, and the job
    filter of its family (the variable chooses the instance, so that filter is not required; the
    job variable itself is the root and needs no filter)."""
    where = f"variable {vname}"
    m = re.fullmatch(r"\s*label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*", q or "", re.S)
    if not m:
        return [Problem(name, where, "variables", f"query {q!r} is not label_values(SELECTOR, LABEL)")]
    problems = []
    for v in variables_used(q):
        if v not in variables and v not in BUILTIN_VARS:
            problems.append(Problem(name, where, "variables", f"${v} is not a variable of the dashboard in `{q}`"))
    for metric, matchers, _ in selectors(m.group(1)):
        if metric not in ctx["contract"]:
            problems.append(Problem(name, where, "contract", f"{metric} is not in the metric contract in `{q}`"))
        for applies, required in FILTERS:
            if applies(metric):
                op, value = required["job"]
                if vname != "job" and matchers.get("job") != (op, value):
                    problems.append(Problem(name, where, "job-instance", f"{metric} must filter job{op}\"{value}\" in `{q}`"))
                break
    return problems


def lint_alerts(dash, ctx):
    problems = []
    text_panels = [p for p in all_panels(dash) if p.get("type") == "text"]
    content = "\n".join((p.get("options") or {}).get("content", "") for p in text_panels)
    everything = json.dumps(dash)
    for alert, runbook in sorted(ctx["alerts"].items()):
        link = f"docs/runbooks/{alert}.md"
        if not re.search(r"\b" + re.escape(alert) + r"\b", everything):
            problems.append(Problem(ALERTING, "", "alerts", f"alert {alert} of rules/usdcop_alerts.yml is not on the dashboard"))
            continue
        if not re.search(r"\|\s*" + re.escape(alert) + r"\s*\|.*\(\$\{runbook_base\}" + re.escape(link) + r"\)", content):
            problems.append(Problem(ALERTING, "Alerts and runbooks", "alerts",
                                    f"alert {alert} has no row linking ${{runbook_base}}{link} in a text panel"))
        if runbook and runbook != link:
            problems.append(Problem(ALERTING, "", "alerts", f"alert {alert}'s runbook_url {runbook} is not {link}"))
        if not os.path.exists(os.path.join(ctx["repo"], link)):
            problems.append(Problem(ALERTING, "", "alerts", f"runbook {link} of alert {alert} does not exist"))
    for listed in sorted(set(re.findall(r"docs/runbooks/([A-Za-z0-9]+)\.md", content))):
        if listed not in ctx["alerts"]:
            problems.append(Problem(ALERTING, "Alerts and runbooks", "alerts",
                                    f"lists {listed}, which rules/usdcop_alerts.yml does not define"))
    return problems


def lint_provisioning(repo, provisioning, datasources):
    problems = []

    def bad(message, where="provisioning.yml"):
        problems.append(Problem(where, "", "provisioning", message))

    providers = (provisioning or {}).get("providers") or []
    if not providers:
        bad("has no providers")
    mounts = compose_mounts(repo)
    for prov in providers:
        if prov.get("type") != "file":
            bad(f"provider {prov.get('name')!r} is of type {prov.get('type')!r}, not file")
            continue
        path = (prov.get("options") or {}).get("path", "")
        local = None
        for host, container in mounts:
            if path == container or path.startswith(container.rstrip("/") + "/"):
                local = os.path.normpath(os.path.join(repo, host, os.path.relpath(path, container)))
        # Files mounted one by one into the provider path (what docker-compose.yml does, so that
        # Grafana sees the dashboards and nothing else of the repository).
        files = {os.path.basename(c): os.path.normpath(os.path.join(repo, h)) for h, c in mounts
                 if os.path.dirname(c.rstrip("/")) == path.rstrip("/")}
        if local is None and files:
            for f in DASHBOARDS:
                if f not in files:
                    bad(f"provider path {path!r} does not get {f} mounted")
            for name, host in sorted(files.items()):
                try:
                    doc = json.load(open(host))
                except (OSError, ValueError) as e:
                    bad(f"{os.path.relpath(host, repo)}, mounted as {path}/{name}, is not readable JSON: {e}")
                    continue
                if not (isinstance(doc, dict) and doc.get("title") and "panels" in doc):
                    bad(f"{os.path.relpath(host, repo)}, mounted as {path}/{name}, is not a dashboard")
            continue
        if local is None:
            bad(f"provider path {path!r} is not a mounted directory ({', '.join(c for _, c in mounts) or 'no mounts'})")
            continue
        if not os.path.isdir(local):
            bad(f"provider path {path!r} maps to {os.path.relpath(local, repo)}, which does not exist")
            continue
        for f in DASHBOARDS:
            if not os.path.exists(os.path.join(local, f)):
                bad(f"provider path {path!r} ({os.path.relpath(local, repo)}) does not hold {f}")
        for f in tracked_json(repo, local):
            try:
                doc = json.load(open(os.path.join(local, f)))
            except (OSError, ValueError) as e:
                bad(f"{os.path.relpath(os.path.join(local, f), repo)} under the provider path is not JSON: {e}")
                continue
            if not (isinstance(doc, dict) and doc.get("title") and "panels" in doc):
                bad(f"{os.path.relpath(os.path.join(local, f), repo)} under the provider path is not a dashboard: "
                    "Grafana's file provider loads every *.json there (recursively) and logs an error for it")
    uids = {d.get("uid"): d for d in (datasources or {}).get("datasources") or []}
    for uid in sorted(DATASOURCE_UIDS):
        d = uids.get(uid)
        if not d or d.get("type") != "prometheus":
            bad(f"has no prometheus datasource with uid {uid}", "datasources.yml")
    if uids.get("prometheus-a") and not uids["prometheus-a"].get("isDefault"):
        bad("prometheus-a must be the default datasource", "datasources.yml")
    return problems


def compose_mounts(repo):
    """(repository path, container path) of the grafana service's volumes, else the documented one."""
    compose = os.path.join(repo, "docker-compose.yml")
    if not os.path.exists(compose):
        return [DOCUMENTED_MOUNT]
    doc = yaml.safe_load(open(compose)) or {}
    out = []
    for v in ((doc.get("services") or {}).get("grafana") or {}).get("volumes") or []:
        if isinstance(v, dict):
            src, dst = v.get("source", ""), v.get("target", "")
        else:
            parts = str(v).split(":")
            if len(parts) < 2:
                continue
            src, dst = parts[0], parts[1]
        if src.startswith(".") or src.startswith("/"):
            out.append((os.path.normpath(src), dst))
    return out


def tracked_json(repo, local):
    try:
        r = subprocess.run(["git", "-C", repo, "ls-files", "--", os.path.relpath(local, repo)],
                           capture_output=True, text=True, timeout=30)
        if r.returncode == 0:
            rel = os.path.relpath(local, repo)
            return [os.path.relpath(f, rel) for f in r.stdout.split() if f.endswith(".json")]
    except (OSError, subprocess.SubprocessError):
        pass
    found = []
    for root, dirs, files in os.walk(local):
        dirs[:] = [d for d in dirs if d != "node_modules"]
        found += [os.path.relpath(os.path.join(root, f), local) for f in files if f.endswith(".json")]
    return found


def load(repo):
    base = os.path.join(repo, "grafana-dashboards")
    dashboards = {f: json.load(open(os.path.join(base, f))) for f in DASHBOARDS}
    provisioning = yaml.safe_load(open(os.path.join(base, "provisioning.yml")))
    datasources = yaml.safe_load(open(os.path.join(base, "datasources.yml")))
    return dashboards, provisioning, datasources


def context(repo, shared):
    records, alerts = recording_rules(repo)
    contract = contract_metrics(repo, shared) | PROCESS_METRICS | PROMETHEUS_METRICS | ALERTMANAGER_METRICS | \
        NODE_METRICS | records
    return {"repo": repo, "contract": contract, "alerts": alerts}


def lint(repo, dashboards, provisioning, datasources, ctx):
    problems = []
    for name, dash in dashboards.items():
        problems += lint_dashboard(name, dash, ctx)
    problems += lint_alerts(dashboards[ALERTING], ctx)
    problems += lint_provisioning(repo, provisioning, datasources)
    return problems


# --- Self-test: each rule fires on a copy mutated in memory ------------------------------------------
def first_target(dash, pred=lambda p, t: True):
    for p in all_panels(dash):
        for t in p.get("targets") or []:
            if pred(p, t):
                return p, t
    raise AssertionError("no target matches")


def self_test(repo, shared):
    dashboards, provisioning, datasources = load(repo)
    L0, H = "l0-pipeline-monitoring.json", "pipeline-health-overview.json"

    def sub_expr(dn, old, new, pred=lambda p, t: True):
        def f(d):
            p, t = first_target(d[dn], lambda p, t: old in t["expr"] and pred(p, t))
            t["expr"] = t["expr"].replace(old, new, 1)
        return f

    def set_panel(dn, key, value, title=None):
        def f(d):
            for p in all_panels(d[dn]):
                if p.get("type") != "row" and (title is None or p["title"] == title):
                    p[key] = value
                    return
        return f

    def seconds_panel_unit(d):
        p, _ = first_target(d[L0], lambda p, t: "usdcop_l0_staleness_seconds" in t["expr"])
        p["fieldConfig"]["defaults"]["unit"] = "bytes"

    def overlap(d):
        ps = [p for p in d[H]["panels"] if p["type"] != "row"]
        ps[1]["gridPos"] = dict(ps[0]["gridPos"])

    def dup_id(d):
        ps = d[H]["panels"]
        ps[2]["id"] = ps[1]["id"]

    def var(name, key, value):
        def f(d):
            for v in d[L0]["templating"]["list"]:
                if v["name"] == name:
                    v[key] = value
        return f

    def drop_alert_row(d):
        for p in all_panels(d[ALERTING]):
            if p.get("type") == "text":
                p["options"]["content"] = "\n".join(l for l in p["options"]["content"].splitlines()
                                                    if "L0DataGap" not in l)

    def prov_path(pv, ds):
        pv["providers"][0]["options"]["path"] = "/var/lib/grafana/dashboards/elsewhere"

    def ds_uid(pv, ds):
        ds["datasources"][0]["uid"] = "prometheus"

    def alert_in_query(d):
        # An alert mentioned only in a query still needs its runbook row.
        drop_alert_row(d)
        for p in all_panels(d[ALERTING]):
            if p.get("type") == "text":
                p["options"]["content"] = p["options"]["content"].replace("L0DataGap", "")
        first_target(d[ALERTING])[1]["expr"] += ' or ALERTS{alertname="L0DataGap",job=~"$job",instance=~"$instance|"}'

    cases = [
        ("url", lambda d: d[L0].__setitem__("uid", "l0")),
        ("url", lambda d: d[H].__setitem__("title", "Pipeline health")),
        ("schema-version", lambda d: d[L0].__setitem__("schemaVersion", 27)),
        ("no-inputs", lambda d: d[L0].__setitem__("__inputs", [{"name": "DS_PROMETHEUS"}])),
        ("no-inputs", lambda d: first_target(d[H])[1].__setitem__("datasource", {"uid": "${DS_PROMETHEUS}"})),
        ("datasource", lambda d: first_target(d[H])[1].__setitem__("datasource", {"type": "prometheus", "uid": "prometheus-a"})),
        ("datasource", set_panel(ALERTING, "datasource", None, "Active alerts")),
        ("datasource", lambda d: d[L0]["templating"]["list"].pop(0)),
        ("variables", var("job", "allValue", ".*")),
        ("variables", var("instance", "multi", False)),
        ("variables", sub_expr(L0, "$instance", "$host")),
        ("job-instance", sub_expr(L0, 'job=~"$job",', "")),
        ("job-instance", sub_expr(ALERTING, 'instance=~"$instance|"', 'instance=~"$instance"')),
        ("job-instance", sub_expr(ALERTING, 'job="alertmanager"', 'job=~"$job"')),
        ("job-instance", sub_expr(H, 'job="node",', "")),
        ("exporter-only", sub_expr(H, '\nand on (job, instance) usdcop_build_info{job=~"$job",instance=~"$instance"}', "",
                                   lambda p, t: "process_resident_memory_bytes" in t["expr"])),
        ("rate-interval", sub_expr(H, "[$__rate_interval]", "[5m]")),
        ("rate-interval", sub_expr(L0, "[$__rate_interval]", "[$__range]")),
        ("counter", sub_expr(H, "rate(process_cpu_seconds_total", "(process_cpu_seconds_total")),
        ("counter", sub_expr(L0, "sum by (symbol) (rate(usdcop_l0_records_ingested_total{job=~\"$job\",instance=~\"$instance\"}[$__rate_interval]))",
                             'sum by (symbol) (usdcop_l0_records_ingested_total{job=~"$job",instance=~"$instance"})')),
        ("unit", seconds_panel_unit),
        ("unit", set_panel(H, "fieldConfig", {"defaults": {}, "overrides": []}, "Exporter memory")),
        ("unit", sub_expr(L0, "time() - usdcop_backup_last_timestamp_seconds", "usdcop_backup_last_timestamp_seconds")),
        ("description", set_panel(H, "description", "")),
        ("layout", overlap),
        ("layout", dup_id),
        ("contract", sub_expr(L0, "usdcop_l0_staleness_seconds", "usdcop_l0_freshness_seconds")),
        ("contract", sub_expr(H, "node_load1", "node_load5")),
        ("alerts", drop_alert_row),
        ("alerts", alert_in_query),
        ("provisioning", ("prov", prov_path)),
        ("provisioning", ("prov", ds_uid)),
    ]
    base = lint(repo, dashboards, provisioning, datasources, context(repo, shared))
    failures = 0
    for rule, mutate in cases:
        d, pv, ds = copy.deepcopy(dashboards), copy.deepcopy(provisioning), copy.deepcopy(datasources)
        if isinstance(mutate, tuple):
            mutate[1](pv, ds)
        else:
            mutate(d)
        before = {str(p) for p in base if p.rule == rule}
        after = [p for p in lint(repo, d, pv, ds, context(repo, shared)) if p.rule == rule and str(p) not in before]
        if after:
            print(f"ok   [{rule}] fires: {after[0]}")
        else:
            failures += 1
            print(f"FAIL [{rule}] did not fire on its mutation", file=sys.stderr)
    print(f"self-test: {len(cases) - failures} of {len(cases)} mutations caught")
    return 1 if failures else 0


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.normpath(os.path.join(here, "..", ".."))
    shared = None
    args = list(argv)
    if "--repo" in args:
        repo = args[args.index("--repo") + 1]
    if "--shared" in args:
        shared = args[args.index("--shared") + 1]
    elif os.path.isdir(os.path.join(repo, "..", "shared")):
        shared = os.path.join(repo, "..", "shared")
    if "--self-test" in args:
        return self_test(repo, shared)
    dashboards, provisioning, datasources = load(repo)
    ctx = context(repo, shared)
    problems = lint(repo, dashboards, provisioning, datasources, ctx)
    for p in problems:
        print(p, file=sys.stderr)
    panels = sum(1 for d in dashboards.values() for p in all_panels(d) if p.get("type") != "row")
    targets = sum(len(p.get("targets") or []) for d in dashboards.values() for p in all_panels(d))
    print(f"{len(dashboards)} dashboards, {panels} panels, {targets} queries, "
          f"{len(ctx['alerts'])} alerts: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
