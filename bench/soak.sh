#!/usr/bin/env bash
# Soak: the exporter against the whole simulated pipeline (tests/browser/stack.sh: pipeline-sim
# with every source, a real Alertmanager, every probe every 2 s, the control API) for MINUTES,
# while faults are switched on and off in turn (Airflow hang/garbage/server_error, market gap/
# duplicate/outlier, WebSocket silent/drop/garbage, vendor 429/usage_96, backup corruption and a
# new set), the config is reloaded (SIGHUP) every 5 minutes, and the control API is called a few
# times a second (GETs of every view, run-checks, Alertmanager webhook posts). Every SAMPLE
# seconds: the exporter's RSS, open file descriptors, threads, and the state store's size
# (database and WAL) and audit rows. At the end: each one's least-squares slope per hour over the
# samples after WARMUP minutes, beside its spread (max - min) over that span, and a verdict:
# flat when the growth the slope predicts over the span is within the spread of the residuals
# (noise), growing otherwise. The state store is reported with its bound: the audit log keeps
# control.audit_retention (1 h here, the least allowed), so it grows for the first hour and is
# pruned from then on; run MINUTES > 70 to see it level.
#
# Usage: bench/soak.sh            (MINUTES=60 SAMPLE=60 WARMUP=5)
# Environment: BUILD_DIR (default <repo>/build), MINUTES, SAMPLE (seconds), WARMUP (minutes),
#              OUT (the samples as CSV; default: a temp file, printed path).
# A benchmark: it prints its figures and exits 0 unless something broke (the exporter died).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
MINUTES=${MINUTES:-60}
SAMPLE=${SAMPLE:-60}
WARMUP=${WARMUP:-5}

die() { echo "soak: error: $*" >&2; exit 1; }
log() { echo "soak: $(date -u +%H:%M:%S) $*" >&2; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for v in MINUTES SAMPLE WARMUP; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number (got '${!v}')"
done
((MINUTES > WARMUP)) || die "MINUTES must be above WARMUP"
for tool in curl python3 openssl prometheus-alertmanager sqlite3; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
[[ -x $BUILD_DIR/exporter/usdcop_exporter ]] || die "no exporter in $BUILD_DIR (build first)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/usdcop-soak.XXXXXX")
OUT=${OUT:-${TMPDIR:-/tmp}/usdcop-soak-$(date -u +%Y%m%dT%H%M%SZ).csv}
bench_traps

# --- the stack ----------------------------------------------------------------------------
SIM_PORT=$(free_port); WS_PORT=$(free_port); EXPORTER_PORT=$(free_port)
CONTROL_PORT=$(free_port); AM_PORT=$(free_port)
export SIM_PORT WS_PORT EXPORTER_PORT CONTROL_PORT AM_PORT
export PIPELINE_SIM=$BUILD_DIR/tools/pipeline-sim/pipeline-sim
export USDCOP_EXPORTER=$BUILD_DIR/exporter/usdcop_exporter
export DIR=$TMP/stack
bash "$REPO/tests/browser/stack.sh" >"$TMP/stack.out" 2>&1 &
track_pid $!
for ((i = 0; i < 300; i++)); do [[ -s $DIR/env ]] && break; sleep 0.2; done
[[ -s $DIR/env ]] || { cat "$TMP/stack.out" >&2; die "the stack did not start"; }
# shellcheck disable=SC1091
source "$DIR/env"
# The audit log's retention at its least (1h), so that an hour's soak reaches its bound.
sed -i 's/^  trend_step: 1s.*/  trend_step: 1s\n  audit_retention: 1h/' "$DIR/config.yml"
EXPORTER_PID=$(pgrep -f -- "--config.file=$DIR/config.yml" | head -n1)
[[ -n $EXPORTER_PID ]] || die "cannot find the exporter's pid"
kill -HUP "$EXPORTER_PID"
SIM=$STATUS_PAGE_SIM_URL CONTROL=$STATUS_PAGE_CONTROL_URL
WEBHOOK_TOKEN=$STATUS_PAGE_WEBHOOK_TOKEN
log "stack up (exporter pid $EXPORTER_PID); $MINUTES min, a sample every $SAMPLE s, into $OUT"

sim() { curl -fsS --max-time 5 -X POST -d "$2" "$SIM$1" >/dev/null 2>&1 || true; }
ctl() {  # ctl TOKEN [curl args...]
  local token=$1; shift
  curl -sS --max-time 10 -o /dev/null -H "Authorization: Bearer $token" "$@" 2>/dev/null || true
}

# --- traffic: control calls a few times a second -------------------------------------------
traffic() {
  local n=0 views=(/api/l0/health /api/pipeline/health /api/backup/status /api/websocket/status
    /api/usage/monitoring /api/alerts/system)
  while kill -0 "$EXPORTER_PID" 2>/dev/null; do
    n=$((n + 1))
    ctl "$STATUS_PAGE_VIEWER_TOKEN" "$CONTROL${views[n % 6]}"
    if ((n % 10 == 0)); then
      ctl "$STATUS_PAGE_OPERATOR_TOKEN" -X POST -H 'Content-Type: application/json' \
        -d '{"action": "run-checks"}' "$CONTROL/api/l0/health"
    fi
    if ((n % 5 == 0)); then
      ctl "$WEBHOOK_TOKEN" -X POST -H 'Content-Type: application/json' -d "{\"version\": \"4\",
        \"status\": \"firing\", \"alerts\": [{\"status\": \"firing\", \"labels\": {\"alertname\":
        \"SoakProbe\", \"severity\": \"warning\"}, \"startsAt\": \"2026-12-01T00:00:00Z\",
        \"endsAt\": \"0001-01-01T00:00:00Z\", \"fingerprint\": \"soak$((n % 50))\"}]}" \
        "$CONTROL/api/alerts/webhook"
    fi
    curl -fsS --max-time 5 -o /dev/null "$STATUS_PAGE_EXPORTER_URL/metrics" 2>/dev/null || true
    sleep 0.25
  done
}
traffic &
track_pid $!

# --- faults: one on for a minute, then off, in turn; a reload every 5 minutes ---------------
FAULTS=(
  "/sim/airflow/fault|{\"fault\": \"hang\", \"hang_seconds\": 5}|/sim/airflow/fault|{\"fault\": \"none\"}"
  "/sim/market/fault|{\"fault\": \"gap\", \"bars\": 3}|/sim/market/fault|{\"fault\": \"none\"}"
  "/sim/websocket/fault|{\"fault\": \"silent\"}|/sim/websocket/fault|{\"fault\": \"none\"}"
  "/sim/vendor/fault|{\"fault\": \"rate_limited_429\"}|/sim/vendor/fault|{\"fault\": \"none\"}"
  "/sim/backups/fault|{\"fault\": \"flip_byte\"}|/sim/backups/create|{}"
  "/sim/airflow/fault|{\"fault\": \"garbage\"}|/sim/airflow/fault|{\"fault\": \"none\"}"
  "/sim/market/fault|{\"fault\": \"duplicate\"}|/sim/market/fault|{\"fault\": \"none\"}"
  "/sim/websocket/fault|{\"fault\": \"drop\", \"after_messages\": 3}|/sim/websocket/fault|{\"fault\": \"none\"}"
  "/sim/vendor/fault|{\"fault\": \"usage_96\"}|/sim/vendor/fault|{\"fault\": \"none\"}"
  "/sim/airflow/fault|{\"fault\": \"server_error\"}|/sim/airflow/fault|{\"fault\": \"none\"}"
  "/sim/market/fault|{\"fault\": \"outlier\", \"kind\": \"price_jump\"}|/sim/market/fault|{\"fault\": \"none\"}"
  "/sim/websocket/fault|{\"fault\": \"garbage\"}|/sim/websocket/fault|{\"fault\": \"none\"}"
)

sample() {  # one CSV row: minute, rss_kb, fds, threads, db_bytes, wal_bytes, audit_rows
  local t=$1 db=$DIR/usdcop_exporter.db rss fds threads dbb walb rows
  rss=$(status_kb "$EXPORTER_PID" VmRSS)
  threads=$(status_kb "$EXPORTER_PID" Threads)
  fds=$(find "/proc/$EXPORTER_PID/fd" -mindepth 1 -maxdepth 1 | wc -l)
  dbb=$(stat -c %s "$db" 2>/dev/null || echo 0)
  walb=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
  rows=$(sqlite3 -readonly "file:$db?mode=ro" 'SELECT count(*) FROM audit_log' 2>/dev/null || echo 0)
  echo "$t,$rss,$fds,$threads,$dbb,$walb,$rows" >>"$OUT"
}

echo "minute,rss_kb,fds,threads,db_bytes,wal_bytes,audit_rows" >"$OUT"
start=$(date +%s)
next_sample=$start
fault=0
while :; do
  now=$(date +%s)
  elapsed=$((now - start))
  ((elapsed < MINUTES * 60)) || break
  kill -0 "$EXPORTER_PID" 2>/dev/null || die "the exporter died (log: $DIR/usdcop_exporter.log)"
  if ((now >= next_sample)); then
    sample "$(python3 -c "print(round($elapsed / 60, 2))")"
    next_sample=$((next_sample + SAMPLE))
  fi
  # Each minute: the fault of this minute on at its start, off at its half.
  minute=$((elapsed / 60))
  if ((minute >= fault)); then
    IFS='|' read -r on_path on_body off_path off_body <<<"${FAULTS[fault % ${#FAULTS[@]}]}"
    sim "$on_path" "$on_body"
    (sleep 30; sim "$off_path" "$off_body") &
    if ((fault % 5 == 4)); then kill -HUP "$EXPORTER_PID"; fi
    fault=$((fault + 1))
  fi
  sleep 1
done
kill -0 "$EXPORTER_PID" 2>/dev/null || die "the exporter died (log: $DIR/usdcop_exporter.log)"
sample "$MINUTES"

python3 - "$OUT" "$WARMUP" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
warm = float(sys.argv[2])
rows = [r for r in rows if float(r["minute"]) >= warm]
if len(rows) < 3:
    sys.exit("soak: too few samples after the warm-up for a slope")
t = [float(r["minute"]) / 60 for r in rows]  # hours
print(f"{'measure':<12} {'first':>12} {'last':>12} {'slope/h':>12} {'spread':>12}  verdict")
for key in ["rss_kb", "fds", "threads", "db_bytes", "wal_bytes", "audit_rows"]:
    y = [float(r[key]) for r in rows]
    slope, intercept = statistics.linear_regression(t, y)
    residuals = [yi - (slope * ti + intercept) for ti, yi in zip(t, y)]
    noise = max(residuals) - min(residuals)
    growth = slope * (t[-1] - t[0])
    verdict = "flat" if abs(growth) <= max(noise, 1e-9) or slope == 0 else "growing"
    print(f"{key:<12} {y[0]:>12.0f} {y[-1]:>12.0f} {slope:>12.1f} {max(y) - min(y):>12.0f}  {verdict}")
EOF
echo "soak: samples in $OUT"
