#!/usr/bin/env bash
# The status page's browser test's stack: pipeline-sim (an always-open market with 2 s bars, L0 run
# every 30 s), usdcop_exporter (control API with a viewer, an operator and a webhook token) and a
# single Alertmanager, all real processes on 127.0.0.1. Writes $DIR/env (the URLs and tokens, as
# STATUS_PAGE_* variables) and runs until killed (SIGTERM/SIGINT stop every process it started).
# tests/browser/run.sh starts it; by hand:
#
#   PIPELINE_SIM=... USDCOP_EXPORTER=... DIR=/tmp/status-page-dev bash tests/browser/stack.sh
#
# Ports (each overridable): SIM_PORT 28080, WS_PORT 28081, EXPORTER_PORT 29812,
# CONTROL_PORT 29813, AM_PORT 29093. MARKUP=1 adds a second market symbol whose name is markup
# (shown as text, but it has no bars, so the data quality section is failed throughout).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
SIM=${PIPELINE_SIM:-$root/build/tools/pipeline-sim/pipeline-sim}
EXPORTER=${USDCOP_EXPORTER:-$root/build/exporter/usdcop_exporter}
DIR=${DIR:-/tmp/status-page-dev}
SIM_PORT=${SIM_PORT:-28080}; WS_PORT=${WS_PORT:-28081}
EXPORTER_PORT=${EXPORTER_PORT:-29812}; CONTROL_PORT=${CONTROL_PORT:-29813}; AM_PORT=${AM_PORT:-29093}
MARKUP=${MARKUP:-0}
# An L0 run every 5 min / SIM_SPEED: at 10, every 30 s, running 6 s, so that a failed run stays
# the newest for about 24 s (at 60 it would be 4 s, shorter than the page's refresh).
SIM_SPEED=${SIM_SPEED:-10}

rm -rf "$DIR"; mkdir -p "$DIR/ready-signals" "$DIR/am"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 0' INT TERM

wait_http() {  # wait_http URL: up to 20 s
  for _ in $(seq 1 100); do curl -fsS --max-time 1 "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "stack.sh: $1 did not answer (logs in $DIR)" >&2; exit 1
}

"$SIM" --listen "127.0.0.1:$SIM_PORT" --state-dir "$DIR/sim" --auto --speed "$SIM_SPEED" \
  --market.sqlite "$DIR/market.db" --market.calendar always --market.bar-interval 2s --market.latency 500ms \
  --market.backfill-days 1 --ready.flag-file "$DIR/ready-signals/l0_ready.flag" \
  --backups.dir "$DIR/backups" --backups.layers L0,L1 --backups.cadence 1h --backups.backfill 3 \
  --backups.retention 1d --websocket.listen "127.0.0.1:$WS_PORT" >"$DIR/pipeline-sim.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$SIM_PORT/sim/state"

KEY1=$(openssl rand -hex 16); KEY2=$(openssl rand -hex 16)
curl -fsS -X POST -d "{\"id\": \"primary\", \"apikey\": \"$KEY1\", \"current_usage\": 3}" "http://127.0.0.1:$SIM_PORT/sim/vendor/keys" >/dev/null
curl -fsS -X POST -d "{\"id\": \"backup\", \"apikey\": \"$KEY2\"}" "http://127.0.0.1:$SIM_PORT/sim/vendor/keys" >/dev/null
echo primary >"$DIR/active_key"

cat >"$DIR/am/alertmanager.yml" <<AM
route: {receiver: blackhole, group_wait: 1s, group_interval: 1s, repeat_interval: 1h}
receivers: [{name: blackhole}]
AM
prometheus-alertmanager --config.file="$DIR/am/alertmanager.yml" --storage.path="$DIR/am/data" \
  --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= --log.level=warn >"$DIR/alertmanager.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$AM_PORT/-/ready"

VIEWER_TOKEN=$(openssl rand -hex 24); OPERATOR_TOKEN=$(openssl rand -hex 24); WEBHOOK_TOKEN=$(openssl rand -hex 24)
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
symbols='[USD/COP]'
if [ "$MARKUP" = 1 ]; then symbols='[USD/COP, "<img src=x onerror=alert(1)>"]'; fi
# An always-open market with 2 s bars (as AlertPathIT's), so that a gap shows at any hour.
cat >"$DIR/config.yml" <<CFG
storage: {path: $DIR/usdcop_exporter.db}
calendar:
  timezone: UTC
  sessions: [{days: [sun, mon, tue, wed, thu, fri, sat], open: "00:00", close: "23:59"}]
  bar_interval: 2s
  holidays: []
probes:
  alertmanager: {interval: 2s, timeout: 1500ms, url: http://127.0.0.1:$AM_PORT}
  pipeline:
    interval: 2s
    timeout: 1500ms
    airflow: {url: http://127.0.0.1:$SIM_PORT, api: v1, username: admin, password_env: USDCOP_AIRFLOW_PASSWORD}
    layers:
      - {layer: L0, dag_id: usdcop_m5__01_l0_intelligent_acquire, expected_every: 5m, records_xcom: {task_id: report, key: records}}
      - {layer: L1, dag_id: usdcop_m5__02_l1_standardize, expected_every: 2h, records_xcom: {task_id: report, key: records}}
      - {layer: L2, dag_id: usdcop_m5__03_l2_prepare, expected_every: 2h}
      - {layer: L3, dag_id: usdcop_m5__04_l3_feature, expected_every: 2h}
      - {layer: L4, dag_id: usdcop_m5__05_l4_rlready, expected_every: 2h}
      - {layer: L5, dag_id: usdcop_m5__06_l5_serving, expected_every: 2h}
  market_data:
    interval: 2s
    timeout: 1500ms
    source: {sqlite: $DIR/market.db}
    symbols: $symbols
    windows: [session, 1h]
    lookback: 1m
    arrival_grace: 1s
  ready_signal:
    interval: 2s
    timeout: 1500ms
    flag_file: $DIR/ready-signals/l0_ready.flag
    handover: {status_url: http://127.0.0.1:$WS_PORT/status, last_bar_field: /last_published_bar}
  backups:
    interval: 2s
    timeout: 1500ms
    layers:
      - {layer: L0, path: $DIR/backups/l0, cadence: 1h, retention: 1d}
      - {layer: L1, path: $DIR/backups/l1, cadence: 1h, retention: 1d}
  websocket:
    interval: 2s
    timeout: 1500ms
    url: ws://127.0.0.1:$WS_PORT/ws
    status_url: http://127.0.0.1:$WS_PORT/status
    connect_timeout: 500ms
    handshake_timeout: 500ms
    read_timeout: 1s
  vendor_api:
    interval: 2s
    timeout: 1500ms
    backoff: 5s
    provider: twelvedata
    url: http://127.0.0.1:$SIM_PORT
    keys:
      - {id: primary, key_env: TWELVEDATA_API_KEY_1, created: 2026-01-10, expires: 2027-01-10}
      - {id: backup, key_env: TWELVEDATA_API_KEY_2, created: 2026-03-01}
    active_key: {file: $DIR/active_key}
CFG
cat >>"$DIR/config.yml" <<CFG
control:
  tokens:
    - {name: page-viewer, sha256: $(sha "$VIEWER_TOKEN"), role: viewer}
    - {name: page-operator, sha256: $(sha "$OPERATOR_TOKEN"), role: operator}
    - {name: alertmanager, sha256: $(sha "$WEBHOOK_TOKEN"), role: webhook}
  alertmanager: {url: http://127.0.0.1:$AM_PORT}
  backup_dags: {L0: usdcop_m5__01_l0_intelligent_acquire}
  trend_step: 1s   # the trend charts fill within seconds (the default is 1m)
CFG
TWELVEDATA_API_KEY_1=$KEY1 TWELVEDATA_API_KEY_2=$KEY2 USDCOP_AIRFLOW_PASSWORD=admin \
  "$EXPORTER" --config.file="$DIR/config.yml" --web.listen-address="127.0.0.1:$EXPORTER_PORT" \
  --control.listen-address="127.0.0.1:$CONTROL_PORT" >"$DIR/usdcop_exporter.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$EXPORTER_PORT/-/healthy"

(
  umask 077
  cat >"$DIR/env" <<ENV
STATUS_PAGE_SIM_URL=http://127.0.0.1:$SIM_PORT
STATUS_PAGE_EXPORTER_URL=http://127.0.0.1:$EXPORTER_PORT
STATUS_PAGE_CONTROL_URL=http://127.0.0.1:$CONTROL_PORT
STATUS_PAGE_ALERTMANAGER_URL=http://127.0.0.1:$AM_PORT
STATUS_PAGE_VIEWER_TOKEN=$VIEWER_TOKEN
STATUS_PAGE_OPERATOR_TOKEN=$OPERATOR_TOKEN
STATUS_PAGE_WEBHOOK_TOKEN=$WEBHOOK_TOKEN
ENV
)
echo "stack.sh: up; $DIR/env has the URLs and tokens"
wait
