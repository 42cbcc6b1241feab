#!/usr/bin/env bash
# Latency of the control API: GET /api/l0/health with a bearer token, under wrk with 16
# connections, against two peers of the same exporter in the same run: its /metrics (no token, no
# audit row, a cached exposition) and its /-/healthy (a static 28-byte answer: the floor, what this
# machine and wrk give any answer at all). Each control GET checks the token (SHA-256), takes a
# rate-limit token, takes the view (rendered once per millisecond and probe results) and hands its
# audit row to the store's audit writer, which commits the rows queued meanwhile in one transaction
# and only then sends each answer: the ratios show what that costs. Then a 2 s flood without a
# token, and the audit rows it added. The exporter probes pipeline-sim's Airflow (six layers) and a
# backup directory, so the view is a real one. Prints p50 and p99 (median of ROUNDS rounds) and the
# seed's SLA (2 s) and our aim (2 ms) beside them.
#   bash bench/control_api_latency.sh
# Environment: BUILD_DIR (default <repo>/build), ROUNDS (3), DURATION (seconds per run, 5),
# CONNECTIONS (16), THREADS (2).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
EXPORTER=$BUILD_DIR/exporter/usdcop_exporter
SIM=$BUILD_DIR/tools/pipeline-sim/pipeline-sim
die() { echo "control_api_latency: error: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ -x $EXPORTER && -x $SIM ]] || die "build first (bash scripts/build), or set BUILD_DIR"
command -v wrk >/dev/null || die "wrk is not installed"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/usdcop-bench.XXXXXX")
SIM_PID="" EXPORTER_PID=""
cleanup() { stop_pid "$EXPORTER_PID"; stop_pid "$SIM_PID"; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

"$SIM" --listen 127.0.0.1:0 --state-dir "$TMP/sim" --port-file "$TMP/sim.port" --quiet >"$TMP/sim.out" 2>"$TMP/sim.err" &
SIM_PID=$!
wait_for_line "$TMP/sim.out" "listening" "$SIM_PID" 10 >/dev/null || die "pipeline-sim did not start"
SIM_PORT=$(cat "$TMP/sim.port")
curl -sf -XPOST "http://127.0.0.1:$SIM_PORT/sim/airflow/dags" -d '{"dag_ids": [], "runs_each": 3}' >/dev/null || true
printf 'admin\n' >"$TMP/airflow_pw"
TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
HASH=$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)
mkdir -p "$TMP/backups/L0"
CONTROL_PORT=$(free_port)
cat >"$TMP/config.yml" <<YAML
probes:
  pipeline:
    interval: 1h
    timeout: 10s
    airflow: {url: "http://127.0.0.1:$SIM_PORT", username: admin, password_file: airflow_pw}
    layers:
      - {layer: L0, dag_id: usdcop_m5__01_l0_intelligent_acquire}
      - {layer: L1, dag_id: usdcop_m5__02_l1_standardize}
      - {layer: L2, dag_id: usdcop_m5__03_l2_prepare}
      - {layer: L3, dag_id: usdcop_m5__04_l3_feature}
      - {layer: L4, dag_id: usdcop_m5__05_l4_rlready}
      - {layer: L5, dag_id: usdcop_m5__06_l5_serving}
  backups:
    interval: 1h
    timeout: 30s
    layers: [{layer: L0, path: $TMP/backups/L0}]
control:
  tokens: [{name: bench, sha256: $HASH, role: viewer}]
  rate_limit: {per_second: 100000, burst: 100000}
YAML
"$EXPORTER" --config.file="$TMP/config.yml" --web.listen-address=127.0.0.1:0 \
  --control.listen-address=127.0.0.1:"$CONTROL_PORT" --storage.path="$TMP/state.db" 2>"$TMP/exporter.err" &
EXPORTER_PID=$!
line=$(wait_for_line "$TMP/exporter.err" "msg=listening" "$EXPORTER_PID" 10) || die "the exporter did not start"
METRICS_PORT=$(sed -E 's/.*address=127\.0\.0\.1:([0-9]+).*/\1/' <<<"$line")
for ((i = 0; i < 50; i++)); do
  curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$CONTROL_PORT/api/l0/health" | grep -q '"success":true' && break
  sleep 0.2
done

# wrk_run URL [HEADER]: "p50_ms p99_ms req_per_s"
wrk_run() {
  local out
  if [[ -n ${2:-} ]]; then
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "$2" "$1")
  else
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$1")
  fi
  grep -q "Non-2xx" <<<"$out" && die "non-2xx answers from $1"
  python3 - "$out" <<'PY'
import re, sys
t = sys.argv[1]
def ms(v, u): return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[u]
p = {k: ms(v, u) for k, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)}
rps = re.search(r"Requests/sec:\s+([\d.]+)", t).group(1)
print(p["50"], p["99"], rps)
PY
}
: >"$TMP/results"
for ((r = 1; r <= ROUNDS; r++)); do
  echo "round $r of $ROUNDS..." >&2
  echo "control $(wrk_run "http://127.0.0.1:$CONTROL_PORT/api/l0/health" "Authorization: Bearer $TOKEN")" >>"$TMP/results"
  echo "metrics $(wrk_run "http://127.0.0.1:$METRICS_PORT/metrics")" >>"$TMP/results"
  echo "floor $(wrk_run "http://127.0.0.1:$METRICS_PORT/-/healthy")" >>"$TMP/results"
done
rows=$(sqlite3 "$TMP/state.db" 'SELECT count(*) FROM audit_log' 2>/dev/null || echo "?")
# The flood: requests without a token to paths that do not exist, as fast as wrk sends them, then
# what they cost: audit rows added (a row per kind and minute, not one each) and the /metrics
# scrape during the flood (the probes' part of the exposition is not re-rendered).
flood_out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "http://127.0.0.1:$CONTROL_PORT/api/no-such-endpoint" &
  sleep 1
  curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$METRICS_PORT/metrics" >"$TMP/scrape_time"
  wait)
flood_requests=$(sed -nE 's/^ *([0-9]+) requests in.*/\1/p' <<<"$flood_out")
sleep 3  # the counts are written every 2 s
flood_rows=$(sqlite3 "$TMP/state.db" "SELECT count(*), coalesce(sum(count), 0) FROM audit_log WHERE caller = ''" 2>/dev/null || echo "?")
python3 - "$TMP/results" "$CONNECTIONS" "$ROUNDS" "$rows" "$flood_requests" "$flood_rows" "$(cat "$TMP/scrape_time")" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = lambda who, i: statistics.median(float(r[i]) for r in rows if r[0] == who)
print(f"GET /api/l0/health vs /metrics and /-/healthy, {sys.argv[2]} connections, median of {sys.argv[3]} rounds; audit rows written: {sys.argv[4]}")
print(f"{'endpoint':<22}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>10}")
for who, name in (("control", "/api/l0/health"), ("metrics", "/metrics (peer)"), ("floor", "/-/healthy (floor)")):
    print(f"{name:<22}{med(who, 1):>9.3f}{med(who, 2):>9.3f}{med(who, 3):>10.0f}")
c50, c99 = med("control", 1), med("control", 2)
print(f"ratio control/metrics: p50 {c50 / med('metrics', 1):.2f}x, p99 {c99 / med('metrics', 2):.2f}x")
print(f"ratio control/floor: p50 {c50 / med('floor', 1):.2f}x, p99 {c99 / med('floor', 2):.2f}x")
f99 = med("floor", 2)
print(f"aim p99 < 2 ms: {'met' if c99 < 2 else 'NOT met'} ({c99:.3f} ms; a static answer's p99 in the same run: {f99:.3f} ms); "
      f"seed SLA 2 s: {2000 / c99:.0f}x under")
rows, counted = (sys.argv[6].split("|") + ["?"])[:2]
print(f"flood of {sys.argv[5]} requests without a token in 2 s: {rows} audit rows holding {counted} counted refusals; "
      f"a /metrics scrape during it: {float(sys.argv[7]) * 1000:.1f} ms")
PY
