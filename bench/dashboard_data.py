#!/usr/bin/env python3
"""Synthesises days of scrapes from one real scrape per job, as OpenMetrics text for
`promtool tsdb create-blocks-from openmetrics` (bench/dashboard_queries.sh drives it).

  python3 bench/dashboard_data.py --end UNIX_SECONDS --days 7 --interval 15 --out DIR \
      [--dashboards DIR] [--alert-rules rules/usdcop_alerts.yml] \
      JOB=INSTANCE[,INSTANCE...]=SCRAPE_FILE...

Each SCRAPE_FILE is one real /metrics body (Prometheus text format). Every series in it gets one
sample per interval over the days, labelled with `job` and each `instance` given, so the TSDB
holds the series set a real Prometheus would have, with values that behave like the real ones:
- counters grow at a rate taken from the scraped value (as if it had accumulated over an hour,
  the exporter's age when scraped), with noise; a counter at 0 gets a rare increment (errors);
- gauges: Unix timestamps move with time at their scraped age; 0/1 gauges (states, up, flags)
  keep their scraped value and flip for rare episodes; ratios wander within [0, 1]; other
  gauges follow a daily cycle around the scraped value with noise;
- histograms stay cumulative in time and across `le` (observations at a rate from `_count`,
  distributed over the buckets as in the scrape); summaries: quantiles as gauges, `_sum`,
  `_count` as counters;
- one restart of every job in the middle of the span: counters and histograms reset to 0,
  `process_start_time_seconds` moves (what `rate` and `increase` must handle).
`--dashboards DIR`: for jobs other than the first, keep only the families whose name a
dashboard query mentions (node_exporter and Alertmanager publish hundreds the dashboards never
read; the first job, the exporter, keeps its full set). `--alert-rules`: ALERTS series
(alertstate pending, then firing) for every alert of the file, in a few episodes each, with the
rule's labels, since `promtool tsdb create-blocks-from rules` backfills recording rules only.

Output: one file DIR/day-N.om per UTC day (the backfill parses its input once per block, so a
file per 24 h block keeps that linear), each ending in `# EOF`. With --backfill-into TSDB each
file is handed to `promtool tsdb create-blocks-from openmetrics --max-block-duration=24h` as soon
as it is written, then deleted (disk: one day of text at a time). Prints, as JSON, the series
count, the sample count and the seconds taken. Deterministic for a given --seed.
"""
import argparse
import glob
import json
import math
import os
import random
import re
import subprocess
import sys
import time

DAY = 86400
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+\S+)?$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_scrape(text):
    """[(family, type, sample name, labels dict, value)] of a Prometheus text exposition."""
    types = {}
    out = []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(None, 3)
            types[name] = kind.strip()
            continue
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        if not m:
            raise ValueError(f"unparsable exposition line: {line!r}")
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        family, kind = name, types.get(name, "untyped")
        for suffix in ("_bucket", "_sum", "_count"):
            base = name[: -len(suffix)]
            if name.endswith(suffix) and types.get(base) in ("histogram", "summary"):
                family, kind = base, types[base]
        out.append((family, kind, name, dict(LABEL.findall(labels)), float(value)))
    return out


def fmt_labels(labels):
    return "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def fmt_value(v):
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}" if abs(v) < 1e-3 or abs(v) >= 1e6 else f"{v:.6f}".rstrip("0")


class Counter:
    def __init__(self, rng, v0, restart_step):
        self.rng = rng
        self.rate = v0 / 3600.0  # per second
        self.zero = v0 == 0
        self.value = v0 * rng.uniform(0.0, 0.1)
        self.restart_step = restart_step

    def step(self, i, dt):
        if i == self.restart_step:
            self.value = 0.0
        elif self.zero:
            if self.rng.random() < dt / (6 * 3600):  # about four increments a day
                self.value += 1
        else:
            self.value += self.rate * dt * self.rng.uniform(0.5, 1.5)
        return self.value


class Gauge:
    def __init__(self, rng, name, v0, scrape_time, restart_time):
        self.rng = rng
        self.v0 = v0
        self.phase = rng.uniform(0, 2 * math.pi)
        if name.endswith("start_time_seconds") and v0 > 1e9:
            self.kind = "start"
            self.restart_time = restart_time
        elif v0 > 1e9 and ("timestamp" in name or name.endswith("_time_seconds") or "last_" in name):
            self.kind = "timestamp"
            self.age = max(scrape_time - v0, 0.0)
        elif v0 in (0.0, 1.0):
            self.kind = "flag"
            self.flip_until = -1
        elif "ratio" in name or (0.0 < v0 < 1.0 and ("score" in name or "completeness" in name)):
            self.kind = "ratio"
            self.value = v0
        else:
            self.kind = "cycle"
            self.integer = v0 == int(v0)

    def step(self, i, t, dt):
        if self.kind == "start":
            return self.restart_time if t >= self.restart_time else self.restart_time - 3.5 * DAY
        if self.kind == "timestamp":
            return float(int(t - self.age))
        if self.kind == "flag":
            if i < self.flip_until:
                return 1.0 - self.v0
            if self.rng.random() < dt / (12 * 3600):  # an episode about twice a day, 1-30 min long
                self.flip_until = i + int(self.rng.uniform(60, 1800) / dt)
            return self.v0
        if self.kind == "ratio":
            self.value = min(1.0, max(0.0, self.value + self.rng.gauss(0, 0.005) + (self.v0 - self.value) * 0.01))
            return self.value
        v = self.v0 * (1 + 0.1 * math.sin(2 * math.pi * t / DAY + self.phase)) + self.rng.gauss(0, abs(self.v0) * 0.02)
        if self.v0 >= 0:
            v = max(v, 0.0)
        return float(round(v)) if self.integer else v


class Histogram:
    """One histogram's series (every bucket, _sum, _count) moving together."""

    def __init__(self, rng, buckets, count, total, restart_step):
        self.rng = rng
        self.les = sorted(buckets, key=lambda le: math.inf if le == "+Inf" else float(le))
        cumulative = [buckets[le] for le in self.les]
        top = cumulative[-1] if cumulative and cumulative[-1] > 0 else 0
        if top > 0:
            self.fractions = [c / top for c in cumulative]
        else:  # nothing observed yet: assume the middle bucket holds the typical observation
            mid = len(self.les) // 2
            self.fractions = [0.0 if k < mid else 1.0 for k in range(len(self.les))]
        self.mean = total / count if count > 0 else self._middle()
        self.rate = max(count, 1) / 3600.0
        self.n = 0.0
        self.restart_step = restart_step

    def _middle(self):
        finite = [float(le) for le in self.les if le != "+Inf"]
        return finite[len(finite) // 2] if finite else 1.0

    def step(self, i, dt):
        if i == self.restart_step:
            self.n = 0.0
        else:
            self.n += self.rate * dt * self.rng.uniform(0.5, 1.5)
        return [math.floor(self.n * f) for f in self.fractions], math.floor(self.n), self.n * self.mean


def referenced_names(dashboards):
    names = set()
    for path in dashboards:
        with open(path) as f:
            text = json.dumps(json.load(f))
        names.update(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text))
    return names


def alert_series(path):
    """[(labels)] of every alerting rule of a rules file (python3-yaml)."""
    import yaml

    with open(path) as f:
        doc = yaml.safe_load(f)
    out = []
    for group in doc.get("groups", []):
        for rule in group.get("rules", []):
            if "alert" in rule:
                labels = {"alertname": rule["alert"]}
                labels.update({k: str(v) for k, v in (rule.get("labels") or {}).items()})
                out.append((labels, rule.get("for", "0s")))
    return out


def duration_seconds(text):
    total = 0
    for n, unit in re.findall(r"(\d+)([smhdw])", str(text)):
        total += int(n) * {"s": 1, "m": 60, "h": 3600, "d": DAY, "w": 7 * DAY}[unit]
    return total


def build(args):
    rng = random.Random(args.seed)
    start = args.end - args.days * DAY
    steps = int(args.days * DAY // args.interval)
    restart_step = steps // 2 + int(rng.uniform(-0.1, 0.1) * steps)
    restart_time = start + restart_step * args.interval
    keep = None
    if args.dashboards:
        keep = referenced_names(sorted(glob.glob(os.path.join(args.dashboards, "*.json"))))
    series = []  # (model, [(name, labels string)]) ; model.step gives the values in that order
    for n, spec in enumerate(args.jobs):
        job, instances, path = spec.split("=", 2)
        with open(path) as f:
            samples = parse_scrape(f.read())
        scrape_time = os.path.getmtime(path)
        for instance in instances.split(","):
            target = {"job": job, "instance": instance}
            hist = {}
            for family, kind, name, labels, value in samples:
                if keep is not None and n > 0 and family not in keep:
                    continue
                full = {**labels, **target}
                if kind == "histogram":
                    key = (family, tuple(sorted((k, v) for k, v in full.items() if k != "le")))
                    h = hist.setdefault(key, {"buckets": {}, "count": 0.0, "sum": 0.0, "labels": full})
                    if name.endswith("_bucket"):
                        h["buckets"][labels["le"]] = value
                    elif name.endswith("_count"):
                        h["count"] = value
                    else:
                        h["sum"] = value
                elif kind == "counter" or (kind == "summary" and name.endswith(("_sum", "_count"))):
                    series.append(("counter", Counter(rng, value, restart_step), name, fmt_labels(full)))
                else:
                    model = Gauge(rng, name, value, scrape_time, restart_time)
                    if "quantile" in labels and model.kind == "flag":  # a quantile of 0 s is no flag
                        model.kind, model.integer = "cycle", False
                    series.append(("gauge", model, name, fmt_labels(full)))
            for (family, _), h in hist.items():
                base = {k: v for k, v in h["labels"].items() if k != "le"}
                model = Histogram(rng, h["buckets"], h["count"], h["sum"], restart_step)
                names = [(f"{family}_bucket", fmt_labels({**base, "le": le})) for le in model.les]
                names += [(f"{family}_count", fmt_labels(base)), (f"{family}_sum", fmt_labels(base))]
                series.append(("histogram", model, names, None))
    alerts = []
    if args.alert_rules:
        target = {"job": args.jobs[0].split("=", 1)[0], "instance": args.jobs[0].split("=", 2)[1].split(",")[0]}
        for labels, pending in alert_series(args.alert_rules):
            episodes = []
            for _ in range(rng.randint(0, 4)):  # 0-4 episodes in the span
                begin = rng.randint(0, steps - 1)
                length = int(rng.uniform(600, 7200) / args.interval)
                pend = int(duration_seconds(pending) / args.interval)
                episodes.append((begin, begin + pend, begin + pend + length))
            for state in ("pending", "firing"):
                alerts.append((episodes, state, fmt_labels({**labels, **target, "alertstate": state})))
    return start, steps, series, alerts


def write_days(args, start, steps, series, alerts):
    os.makedirs(args.out, exist_ok=True)
    total_series = sum(len(s[2]) if s[0] == "histogram" else 1 for s in series) + len(alerts)
    samples = 0
    day_of = lambda t: int(t // DAY)
    i = 0
    files = []
    pending = None

    def finish(job):
        if job:
            if job[0].wait() != 0:
                raise SystemExit(f"promtool failed on {job[1]}")
            os.remove(job[1])

    while i < steps:
        day = day_of(start + i * args.interval)
        path = os.path.join(args.out, f"day-{len(files):02d}.om")
        files.append(path)
        with open(path, "w", buffering=1 << 20) as f:
            while i < steps and day_of(start + i * args.interval) == day:
                t = start + i * args.interval
                ts = str(int(t))
                lines = []
                for kind, model, name, labels in series:
                    if kind == "counter":
                        lines.append(f"{name}{labels} {fmt_value(model.step(i, args.interval))} {ts}\n")
                    elif kind == "gauge":
                        lines.append(f"{name}{labels} {fmt_value(model.step(i, t, args.interval))} {ts}\n")
                    else:
                        buckets, count, total = model.step(i, args.interval)
                        for (n, l), v in zip(name, buckets + [count]):
                            lines.append(f"{n}{l} {v} {ts}\n")
                        lines.append(f"{name[-1][0]}{name[-1][1]} {fmt_value(total)} {ts}\n")
                for episodes, state, labels in alerts:
                    for begin, fire, end in episodes:
                        if (state == "pending" and begin <= i < fire) or (state == "firing" and fire <= i < end):
                            lines.append(f"ALERTS{labels} 1 {ts}\n")
                            break
                samples += len(lines)
                f.write("".join(lines))
                i += 1
            f.write("# EOF\n")
        if args.backfill_into:  # promtool parses this day while the next one is written
            finish(pending)
            pending = (subprocess.Popen([args.promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet",
                                         "--max-block-duration=24h", path, args.backfill_into],
                                        stdout=subprocess.DEVNULL), path)
    finish(pending)
    print(json.dumps({"files": files, "series": total_series, "samples": samples, "start": start,
                      "end": start + steps * args.interval, "seconds": time.monotonic() - args.started}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--end", type=float, required=True)
    p.add_argument("--days", type=float, default=7)
    p.add_argument("--interval", type=float, default=15)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--dashboards", help="keep only the families these dashboards name (jobs after the first)")
    p.add_argument("--alert-rules")
    p.add_argument("--backfill-into", help="TSDB directory: backfill each day's file, then delete it")
    p.add_argument("--promtool", default="promtool")
    p.add_argument("jobs", nargs="+", help="JOB=INSTANCE[,INSTANCE...]=SCRAPE_FILE")
    args = p.parse_args()
    args.started = time.monotonic()
    args.end = int(args.end // args.interval * args.interval)
    start, steps, series, alerts = build(args)
    write_days(args, start, steps, series, alerts)


if __name__ == "__main__":
    sys.exit(main())
