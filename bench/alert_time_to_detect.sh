#!/usr/bin/env bash
# Time to detect, per critical alert: from the fault injected in pipeline-sim to Alertmanager's
# notification at the webhook, minus the rule's (shortened) `for`. Runs the end-to-end test
# AlertPathIT ROUNDS times (default 5; real exporter, pipeline-sim, Prometheus and Alertmanager
# over loopback) and prints the median per alert against the bound the pipeline's own intervals
# set: scrape interval + evaluation interval + group_wait (1 s + 1 s + 1 s in the test).
#   bash bench/alert_time_to_detect.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
bin=build/tests/usdcop_integration_tests
[[ -x $bin ]] || bash scripts/build >/dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((i = 1; i <= rounds; i++)); do
  echo "round $i of $rounds..." >&2
  USDCOP_TTD_OUT=$out "$bin" --gtest_filter='AlertPathIT.*' >/dev/null
done
python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r["alert"], []).append(r["seconds"])
bound = 1 + 1 + 1  # scrape_interval + evaluation_interval + group_wait of the test's copies
# What else sits on each path: the exporter's probe interval (1 s) for every alert; for L0DataGap
# also the missing bar's own due time and arrival grace (a gap exists only once a bar is late).
print(f"time to detect, minus for, over {sys.argv[2]} rounds (bound: scrape 1 s + eval 1 s + group_wait 1 s = {bound} s)")
print(f"{'alert':<28}{'median s':>10}{'min s':>8}{'max s':>8}{'median / bound':>16}")
for name, xs in by.items():
    m = statistics.median(xs)
    print(f"{name:<28}{m:>10.2f}{min(xs):>8.2f}{max(xs):>8.2f}{m / bound:>16.2f}")
allm = statistics.median([x for xs in by.values() for x in xs])
print(f"{'all alerts':<28}{allm:>10.2f}")
PY
