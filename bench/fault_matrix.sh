#!/usr/bin/env bash
# /metrics p99 latency while the dependencies fail (issue 19's benchmark).
#
# pipeline-sim (Airflow with --auto, market data in SQLite, WebSocket service, backups, the
# vendor's usage API) and the real exporter running every probe but alertmanager each second
# (timeout 700 ms). wrk loads /metrics for DURATION s with no fault ("quiet"), then for DURATION
# s while the faults of the matrix are switched on in turn, each for FAULT_SECONDS, by
# pipeline-sim's run-time faults and by file faults ("faulted"): Airflow hung, garbage and 500;
# the WebSocket service silent, garbage, dropping and slow; the vendor API garbage, 500 and 429;
# the SQLite market file removed; the backup directory removed; the exporter's disk full
# (RLIMIT_FSIZE 0 on its process, set with prlimit). ROUNDS alternating rounds; the medians of
# the p99s and their ratio are printed against the target of the issue: faulted p99 within 1.5x
# of the quiet p99. A benchmark: it prints PASS/FAIL and exits 0 unless something broke.
#
# Usage: bench/fault_matrix.sh
# Environment:
#   BUILD_DIR      build directory (default: <repo>/build)
#   ROUNDS         rounds of quiet + faulted (default 3; medians reported)
#   DURATION       seconds per wrk run (default 20)
#   FAULT_SECONDS  seconds each fault stays on (default 2)
#   CONNECTIONS    wrk connections (default 16)
#   THREADS        wrk threads (default 2)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-20}
FAULT_SECONDS=${FAULT_SECONDS:-2}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}

EXPORTER=$BUILD_DIR/exporter/usdcop_exporter
SIM=$BUILD_DIR/tools/pipeline-sim/pipeline-sim

die() { echo "fault_matrix: error: $*" >&2; exit 1; }
log() { echo "fault_matrix: $*" >&2; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for n in ROUNDS DURATION FAULT_SECONDS CONNECTIONS THREADS; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "$n must be a positive integer (got '${!n}')"
done
[[ -x $EXPORTER ]] || die "no exporter at $EXPORTER (build first, or set BUILD_DIR)"
[[ -x $SIM ]] || die "no pipeline-sim at $SIM (build first, or set BUILD_DIR)"
for tool in wrk curl python3 prlimit; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

TMP=$(mktemp -d /tmp/usdcop-fault-matrix.XXXXXX)
FAULTER_PID=""
stop_faulter() {
  [[ -n $FAULTER_PID ]] && stop_pid "$FAULTER_PID"
  FAULTER_PID=""
}
cleanup() {
  stop_faulter
  bench_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the simulated pipeline and the exporter -----------------------------------------------
printf 'admin' >"$TMP/airflow_password"
printf 'planted-TD-key-bench' >"$TMP/td_key"
"$SIM" --listen 127.0.0.1:0 --state-dir "$TMP/sim-state" --quiet --airflow.password-file "$TMP/airflow_password" \
  --auto --speed 300 --market.sqlite "$TMP/market.db" --market.calendar always --market.timezone Etc/UTC \
  --market.bar-interval 5s --market.latency 0s --market.backfill-days 1 \
  --websocket.listen 127.0.0.1:0 --websocket.port-file "$TMP/ws.port" \
  --backups.dir "$TMP/backups" --backups.cadence 1h --backups.backfill 2 --backups.files 2 \
  --backups.file-size 4KiB >"$TMP/sim.out" 2>"$TMP/sim.err" &
SIM_PID=$!
track_pid "$SIM_PID"
line=$(wait_for_line "$TMP/sim.out" 'pipeline-sim listening on http://127\.0\.0\.1:[0-9]+' "$SIM_PID" 20) ||
  die "pipeline-sim did not start"
SIM_URL=http://127.0.0.1:${line##*:}
WS_PORT=$(cat "$TMP/ws.port")
curl -fsS --max-time 5 -H 'Content-Type: application/json' \
  -d '{"id": "primary", "apikey": "planted-TD-key-bench"}' "$SIM_URL/sim/vendor/keys" >/dev/null
log "pipeline-sim pid $SIM_PID on $SIM_URL, WebSocket on $WS_PORT"

T='    interval: 1s
    timeout: 700ms'
cat >"$TMP/exporter.yml" <<EOF
calendar:
  timezone: Etc/UTC
  sessions: [{days: [sun, mon, tue, wed, thu, fri, sat], open: "00:00", close: "23:59"}]
  bar_interval: 5s
  holidays: []
probes:
  pipeline:
$T
    airflow: {url: "$SIM_URL", username: admin, password_file: $TMP/airflow_password}
    layers: [{layer: L0, dag_id: usdcop_m5__01_l0_intelligent_acquire}]
  market_data:
$T
    source: {sqlite: $TMP/market.db}
    windows: [10m]
    lookback: 1m
  backups:
$T
    layers: [{layer: L0, path: $TMP/backups/l0, cadence: 1h}]
  websocket:
$T
    url: "ws://127.0.0.1:$WS_PORT/ws"
    connect_timeout: 300ms
    handshake_timeout: 300ms
    read_timeout: 400ms
  vendor_api:
$T
    url: "$SIM_URL"
    keys: [{id: primary, key_file: $TMP/td_key, created: 2026-01-10}]
EOF
"$EXPORTER" --config.check --config.file="$TMP/exporter.yml" >"$TMP/check.out" 2>&1 ||
  die "config: $(cat "$TMP/check.out")"
start_exporter "$TMP/exporter.yml" state
URL=$EXPORTER_URL
for ((i = 0; i < 60; i++)); do
  ok=$(curl -fsS --max-time 2 "$URL" 2>/dev/null | grep -c '^usdcop_probe_success{.*} 1$' || true)
  ((ok == 5)) && break
  sleep 0.5
done
((ok == 5)) || die "not every probe succeeds: $(curl -fsS "$URL" | grep '^usdcop_probe_success')"
log "exporter pid $EXPORTER_PID on $URL, 5 probes succeeding"

# --- the faults, in turn ---------------------------------------------------------------------
sim() { curl -fsS --max-time 5 -o /dev/null -H 'Content-Type: application/json' -d "$2" "$SIM_URL$1"; }
clear_all() {
  sim /sim/airflow/fault '{"fault": "none"}' || true
  sim /sim/websocket/fault '{"fault": "none"}' || true
  sim /sim/vendor/fault '{"fault": "none"}' || true
  [[ -e $TMP/market.db.kept ]] && mv "$TMP/market.db.kept" "$TMP/market.db"
  [[ -e $TMP/backups/l0.away ]] && mv "$TMP/backups/l0.away" "$TMP/backups/l0"
  prlimit --pid "$EXPORTER_PID" --fsize=unlimited:unlimited
}
FAULTS=(
  "sim /sim/airflow/fault '{\"fault\": \"hang\", \"hang_seconds\": 5}'"
  "sim /sim/airflow/fault '{\"fault\": \"garbage\"}'"
  "sim /sim/airflow/fault '{\"fault\": \"server_error\"}'"
  "sim /sim/websocket/fault '{\"fault\": \"silent\"}'"
  "sim /sim/websocket/fault '{\"fault\": \"garbage\"}'"
  "sim /sim/websocket/fault '{\"fault\": \"drop\"}'"
  "sim /sim/websocket/fault '{\"fault\": \"slow\", \"seconds\": 5}'"
  "sim /sim/vendor/fault '{\"fault\": \"garbage\"}'"
  "sim /sim/vendor/fault '{\"fault\": \"server_error\"}'"
  "sim /sim/vendor/fault '{\"fault\": \"rate_limited_429\"}'"
  "ln $TMP/market.db $TMP/market.db.kept && rm $TMP/market.db"
  "mv $TMP/backups/l0 $TMP/backups/l0.away"
  "prlimit --pid $EXPORTER_PID --fsize=0:unlimited"
)
# Runs in the background until stopped: each fault for FAULT_SECONDS, in turn, from where the
# last round stopped (TMP/next-fault holds the next one's index), so that the rounds together go
# through the whole list.
faulter() {
  local i
  i=$(cat "$TMP/next-fault" 2>/dev/null || echo 0)
  while true; do
    echo $(((i + 1) % ${#FAULTS[@]})) >"$TMP/next-fault"
    echo "fault $((i % ${#FAULTS[@]})): ${FAULTS[i % ${#FAULTS[@]}]}"
    eval "${FAULTS[i % ${#FAULTS[@]}]}" || true
    sleep "$FAULT_SECONDS"
    clear_all || true
    i=$((i + 1))
  done
}

# --- rounds ------------------------------------------------------------------------------------
quiet=() faulted=()
for ((r = 1; r <= ROUNDS; r++)); do
  res=$(wrk_once "$TMP/wrk-quiet-$r.txt" "$URL" "$CONNECTIONS")
  quiet+=("$(cut -f2 <<<"$res")")
  log "round $r quiet:   $(cut -f1 <<<"$res") req/s, p99 $(cut -f2 <<<"$res") ms, errors $(cut -f4 <<<"$res")"
  faulter >"$TMP/faulter.log" 2>&1 &
  FAULTER_PID=$!
  res=$(wrk_once "$TMP/wrk-faulted-$r.txt" "$URL" "$CONNECTIONS")
  stop_faulter
  clear_all
  kill -0 "$EXPORTER_PID" 2>/dev/null || die "the exporter died under the faults: $(tail -5 "$TMP/state.err")"
  faulted+=("$(cut -f2 <<<"$res")")
  log "round $r faulted: $(cut -f1 <<<"$res") req/s, p99 $(cut -f2 <<<"$res") ms, errors $(cut -f4 <<<"$res"), faults run: $(grep -c '^fault ' "$TMP/faulter.log")"
  cat "$TMP/faulter.log" >>"$TMP/faults-run.log"
  [[ $(cut -f4 <<<"$res") == 0 ]] || die "wrk saw errors under the faults"
done
errors=$(curl -fsS --max-time 5 "$URL" | grep -E '^usdcop_probe_errors_total' | grep -v ' 0$' | tr '\n' ' ')
log "errors counted by the probes: $errors"
log "distinct faults run under load: $(sort -u "$TMP/faults-run.log" | grep -c '^fault ') of ${#FAULTS[@]}"

python3 - "${quiet[*]}" "${faulted[*]}" <<'EOF'
import statistics, sys
q = [float(x) for x in sys.argv[1].split()]
f = [float(x) for x in sys.argv[2].split()]
mq, mf = statistics.median(q), statistics.median(f)
ratio = mf / mq
print(f"quiet p99 (median of {len(q)}): {mq:.3f} ms   [{', '.join(f'{x:.3f}' for x in q)}]")
print(f"faulted p99 (median of {len(f)}): {mf:.3f} ms   [{', '.join(f'{x:.3f}' for x in f)}]")
print(f"ratio faulted/quiet: {ratio:.2f}  (target <= 1.5: {'PASS' if ratio <= 1.5 else 'FAIL'})")
EOF
