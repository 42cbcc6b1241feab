#!/usr/bin/env bash
# The dashboards' query benchmark: every query of grafana-dashboards/*.json, as Grafana sends it
# at the dashboards' default time range, against a real Prometheus holding 7 days of data.
#   bash bench/dashboard_queries.sh [ROUNDS]        (default 30; KEEP=1 keeps the work directory;
#                                                   SCRAPES=DIR reuses the scrape/ of a kept run)
# 1. Real series: pipeline-sim and usdcop_exporter (as scripts/demo runs them), an Alertmanager
#    and node_exporter run on loopback (the exporter also probing that Alertmanager and receiving
#    its webhook: a test notification per severity, acknowledged); one scrape of each is taken once
#    the exporter's series set has held still for 15 s with every layer's first run done.
# 2. bench/dashboard_data.py synthesises DAYS (7) days of 15 s scrapes of those series (counters
#    growing, gauges moving, histograms cumulative, one restart; ALERTS episodes for every alert
#    of rules/usdcop_alerts.yml) and backfills them a day at a time with
#    `promtool tsdb create-blocks-from openmetrics`.
# 3. A Prometheus (loopback, free port) on that TSDB backfills rules/usdcop_recording.yml with
#    `promtool tsdb create-blocks-from rules`, one pass per dependency level (a rule over another
#    recorded series needs that series in the TSDB first), and is restarted on the result.
# 4. Once its compaction has settled, bench/dashboard_queries.py runs every query (instant and
#    range) ROUNDS times and prints the medians and p99s, flagging those above 100 ms.
# Needs build/exporter/usdcop_exporter and build/tools/pipeline-sim/pipeline-sim
# (cmake --build build --target usdcop_exporter pipeline-sim), prometheus and promtool (2.42),
# prometheus-alertmanager, prometheus-node-exporter, python3-yaml. Takes 4 to 8 minutes on 2
# cores (the scrape about 1, the 19 M samples 2 to 3, the rules 2.5, compaction 1.5, the queries
# 1), at most ~0.6 GB of memory in one process and ~0.5 GB of disk under /tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source bench/lib.sh

rounds=${1:-30}
days=${DAYS:-7}
interval=15
sim="$root/build/tools/pipeline-sim/pipeline-sim"
exporter="$root/build/exporter/usdcop_exporter"
if [[ -z ${SCRAPES:-} ]]; then
  for bin in "$sim" "$exporter"; do
    [[ -x $bin ]] || { echo "missing $bin: cmake --build build --target usdcop_exporter pipeline-sim" >&2; exit 1; }
  done
fi
alertmanager=$(command -v alertmanager || command -v prometheus-alertmanager)
node_exporter=$(command -v prometheus-node-exporter || command -v node_exporter)
for tool in prometheus promtool "$alertmanager" "$node_exporter"; do
  command -v "$tool" >/dev/null || { echo "missing $tool: bash scripts/install-deps" >&2; exit 1; }
done

work=$(mktemp -d /tmp/usdcop-dashbench.XXXXXX)
pids=()
prom_pid=
cleanup() {
  for pid in "${pids[@]}" $prom_pid; do stop_pid "$pid"; done
  if [[ -n ${KEEP:-} ]]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
log() { echo "[$(date +%T)] $*" >&2; }
t0=$(date +%s)

# --- 1. One real scrape of each job ---------------------------------------------------------
if [[ -n ${SCRAPES:-} ]]; then
  mkdir -p "$work/scrape"
  for job in exporter alertmanager node; do cp "$SCRAPES/$job.prom" "$work/scrape/"; done
  log "reusing the scrapes in $SCRAPES"
else
log "starting pipeline-sim, usdcop_exporter, alertmanager and node_exporter in $work"
mkdir -p "$work/data/ready-signals" "$work/scrape"
sim_port=$(free_port); ws_port=$(free_port); exp_port=$(free_port); ctl_port=$(free_port)
am_port=$(free_port); ne_port=$(free_port)
"$sim" --listen "127.0.0.1:$sim_port" --state-dir "$work/data/pipeline-sim" --auto --speed 60 \
  --market.sqlite "$work/data/market.db" --market.backfill-days 31 \
  --ready.flag-file "$work/data/ready-signals/l0_ready.flag" \
  --backups.dir "$work/data/backups" --backups.layers L0,L1 --backups.cadence 5m --backups.backfill 12 \
  --backups.retention 1d --websocket.listen "127.0.0.1:$ws_port" >"$work/pipeline-sim.log" 2>&1 &
pids+=($!)
TWELVEDATA_API_KEY_1=$(openssl rand -hex 16)
TWELVEDATA_API_KEY_2=$(openssl rand -hex 16)
export TWELVEDATA_API_KEY_1 TWELVEDATA_API_KEY_2
echo primary >"$work/data/active_key"
for _ in $(seq 1 100); do
  curl -fsS --max-time 1 "http://127.0.0.1:$sim_port/sim/state" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS --max-time 5 -X POST -d "{\"id\": \"primary\", \"apikey\": \"$TWELVEDATA_API_KEY_1\", \"current_usage\": 3}" \
  "http://127.0.0.1:$sim_port/sim/vendor/keys" >/dev/null
curl -fsS --max-time 5 -X POST -d "{\"id\": \"backup\", \"apikey\": \"$TWELVEDATA_API_KEY_2\"}" \
  "http://127.0.0.1:$sim_port/sim/vendor/keys" >/dev/null
# The demo's configuration, its paths and ports moved into the work directory.
# Plus, as a deployment has them, the Alertmanager probe and the control API with Alertmanager's
# webhook, so that the alert-lifecycle series exist (tokens random, only their SHA-256 written).
operator_token=$(openssl rand -hex 24); webhook_token=$(openssl rand -hex 24)
printf '%s\n' "$webhook_token" >"$work/webhook_token"
{
  sed -e "s#\.\./data/#$work/data/#g" -e "s#127.0.0.1:18080#127.0.0.1:$sim_port#g" \
    -e "s#127.0.0.1:18081#127.0.0.1:$ws_port#g" examples/config.yml
  echo "  alertmanager: {interval: 2s, timeout: 1500ms, url: 'http://127.0.0.1:$am_port'}"
  echo "control:"
  echo "  tokens:"
  echo "    - {name: bench, sha256: $(printf %s "$operator_token" | sha256sum | cut -d' ' -f1), role: operator}"
  echo "    - {name: alertmanager, sha256: $(printf %s "$webhook_token" | sha256sum | cut -d' ' -f1), role: webhook}"
} >"$work/config.yml"
USDCOP_AIRFLOW_PASSWORD=admin "$exporter" --config.file="$work/config.yml" \
  --web.listen-address="127.0.0.1:$exp_port" --control.listen-address="127.0.0.1:$ctl_port" \
  >"$work/usdcop_exporter.log" 2>&1 &
pids+=($!)
cat >"$work/alertmanager.yml" <<EOF
route: {receiver: exporter, group_by: [alertname], group_wait: 1s, group_interval: 1s, repeat_interval: 1h}
receivers:
  - name: exporter
    webhook_configs:
      - url: http://127.0.0.1:$ctl_port/api/alerts/webhook
        send_resolved: true
        http_config: {authorization: {credentials_file: $work/webhook_token}}
EOF
"$alertmanager" --config.file="$work/alertmanager.yml" --storage.path="$work/am" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= >"$work/alertmanager.log" 2>&1 &
pids+=($!)
"$node_exporter" --web.listen-address="127.0.0.1:$ne_port" >"$work/node_exporter.log" 2>&1 &
pids+=($!)

scrape() { curl -fsS --max-time 5 "$1" 2>/dev/null; }  # a grep -q that stops reading is no error
control() {  # control JSON: an action of /api/alerts/system, as the operator
  curl -fsS --max-time 10 -X POST -H "Authorization: Bearer $operator_token" -H 'Content-Type: application/json' \
    -H "Idempotency-Key: bench-$RANDOM$RANDOM" -d "$1" "http://127.0.0.1:$ctl_port/api/alerts/system" >/dev/null
}
for _ in $(seq 1 100); do
  curl -fsS --max-time 1 "http://127.0.0.1:$ctl_port/api/alerts/system" -H "Authorization: Bearer $operator_token" \
    >/dev/null 2>&1 && break
  sleep 0.1
done
# An alert's lifecycle per severity: a test notification through the routing to the webhook, then
# acknowledged (a silence through the control API).
for severity in critical warning; do
  control "{\"action\": \"test-notification\", \"severity\": \"$severity\"}" ||
    log "warning: test-notification ($severity) failed"
done
for _ in $(seq 1 100); do
  scrape "http://127.0.0.1:$exp_port/metrics" | grep -q 'usdcop_alert_notifications_received_total{.*severity="warning"' && break
  sleep 0.2
done
control '{"action": "acknowledge-alert", "alertname": "UsdcopTestNotification", "comment": "bench", "duration": "5m"}' ||
  log "warning: acknowledge-alert failed"
series() { scrape "http://127.0.0.1:$exp_port/metrics" 2>/dev/null | grep -vc '^#' || true; }
# The exporter's series set is complete once every probe has reported and the count holds still.
# (the slowest: L5's first completed run, about 2 minutes at the simulator's 60x speed).
stable=0; last=0
for ((i = 0; i < 240 && stable < 15; i++)); do
  sleep 1
  n=$(series)
  if [[ $n -gt 0 && $n -eq $last ]] && scrape "http://127.0.0.1:$exp_port/metrics" |
      grep -q 'usdcop_pipeline_runs_total{layer="L5"' && scrape "http://127.0.0.1:$exp_port/metrics" |
      grep -q 'usdcop_l0_bars_observed{symbol="USD/COP",window="30d"} [1-9]'; then
    stable=$((stable + 1))
  else
    stable=0
  fi
  last=$n
done
[[ $stable -ge 15 ]] || log "warning: the exporter's series set did not settle in 240 s (last: $last series)"
scrape "http://127.0.0.1:$exp_port/metrics" >"$work/scrape/exporter.prom"
scrape "http://127.0.0.1:$am_port/metrics" >"$work/scrape/alertmanager.prom"
scrape "http://127.0.0.1:$ne_port/metrics" >"$work/scrape/node.prom"
for pid in "${pids[@]}"; do stop_pid "$pid"; done
pids=()
log "scraped: exporter $(grep -vc '^#' "$work/scrape/exporter.prom") series" \
  "($(grep -c '^process_' "$work/scrape/exporter.prom" || true) process_*), alertmanager" \
  "$(grep -vc '^#' "$work/scrape/alertmanager.prom"), node_exporter $(grep -vc '^#' "$work/scrape/node.prom")"
fi

# --- 2. Seven days of samples, backfilled -----------------------------------------------------
now=$(( $(date +%s) / interval * interval ))
start=$(( now - days * 86400 ))
log "synthesising $days days at ${interval}s and backfilling with promtool"
python3 bench/dashboard_data.py --end "$now" --days "$days" --interval "$interval" --out "$work/om" \
  --dashboards grafana-dashboards --alert-rules rules/usdcop_alerts.yml \
  --backfill-into "$work/tsdb" \
  "usdcop_exporter=exporter:9812=$work/scrape/exporter.prom" \
  "alertmanager=alertmanager-0:9093,alertmanager-1:9093,alertmanager-2:9093=$work/scrape/alertmanager.prom" \
  "node=node-exporter:9100=$work/scrape/node.prom" >"$work/data.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("[data] %d series, %d samples in %.0f s" % (d["series"], d["samples"], d["seconds"]))' "$work/data.json" >&2

# --- 3. Recording rules, backfilled level by level --------------------------------------------
prom_port=$(free_port)
printf 'global: {scrape_interval: %ss, evaluation_interval: %ss}\n' "$interval" "$interval" >"$work/prometheus.yml"
start_prometheus() {
  prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --storage.tsdb.retention.time=30d --web.listen-address="127.0.0.1:$prom_port" \
    >>"$work/prometheus.log" 2>&1 &
  prom_pid=$!
  for _ in $(seq 1 300); do
    curl -fsS --max-time 1 "http://127.0.0.1:$prom_port/-/ready" >/dev/null 2>&1 && return 0
    kill -0 "$prom_pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "prometheus did not become ready; see $work/prometheus.log" >&2
  exit 1
}
levels=$(python3 - rules/usdcop_recording.yml "$work/rules" <<'PY'
# Splits the recording rules by dependency level: level 0 reads only scraped series, level n
# reads a series recorded at level n-1 (promtool's backfill queries what is already stored).
import os, re, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
rules = [(g, r) for g in doc["groups"] for r in g["rules"] if "record" in r]
names = {r["record"] for _, r in rules}
level = {}
def depth(rule, seen=()):
    used = {n for n in names if re.search(r"(?<![\w:])" + re.escape(n) + r"(?![\w:])", rule["expr"])}
    return 0 if not used else 1 + max(depth(next(r for _, r in rules if r["record"] == n), seen + (n,)) for n in used if n not in seen)
os.makedirs(sys.argv[2], exist_ok=True)
by = {}
for g, r in rules:
    d = depth(r)
    by.setdefault(d, {}).setdefault(g["name"], {"name": g["name"], **({"interval": g["interval"]} if "interval" in g else {}), "rules": []})["rules"].append(r)
for d, groups in sorted(by.items()):
    with open(os.path.join(sys.argv[2], f"level-{d}.yml"), "w") as f:
        yaml.safe_dump({"groups": list(groups.values())}, f, sort_keys=False)
print(" ".join(str(d) for d in sorted(by)))
PY
)
start_prometheus
for level in $levels; do
  n=$(grep -c 'record:' "$work/rules/level-$level.yml")
  log "backfilling recording rules, level $level ($n rules)"
  promtool tsdb create-blocks-from rules --quiet --start="$start" --end="$now" \
    --url="http://127.0.0.1:$prom_port" --eval-interval="${interval}s" \
    --output-dir="$work/rules-out-$level" "$work/rules/level-$level.yml" >>"$work/promtool-rules.log" 2>&1
  stop_pid "$prom_pid"
  find "$work/rules-out-$level" -mindepth 1 -maxdepth 1 -type d -exec mv {} "$work/tsdb/" \;
  start_prometheus
done

# --- 4. The queries ---------------------------------------------------------------------------
metric() {
  curl -fsS --max-time 2 "http://127.0.0.1:$prom_port/metrics" | awk -v m="$1" '$1 == m {print $2}'
}
log "waiting for Prometheus' compaction to settle (it first runs a minute after start)"
for ((i = 0; i < 300; i++)); do
  [[ $(metric prometheus_tsdb_compactions_triggered_total) != 0 ]] && break
  sleep 1
done
prev=""; same=0
for ((i = 0; i < 300 && same < 15; i++)); do
  cur="$(metric prometheus_tsdb_blocks_loaded) $(metric prometheus_tsdb_compactions_total) $(metric prometheus_tsdb_vertical_compactions_total)"
  if [[ $cur == "$prev" ]]; then same=$((same + 1)); else same=0; fi
  prev=$cur
  sleep 1
done
log "TSDB: $(metric prometheus_tsdb_blocks_loaded) blocks, $(du -sh "$work/tsdb" | cut -f1); data prepared in $(( $(date +%s) - t0 )) s"
log "running every dashboard query, $rounds rounds"
status=0
python3 bench/dashboard_queries.py --url "http://127.0.0.1:$prom_port" --now "$now" --rounds "$rounds" \
  --datasources grafana-dashboards/datasources.yml grafana-dashboards/*.json || status=$?
echo
echo "reproduce: bash bench/dashboard_queries.sh $rounds   (machine: $(nproc) cores, $(prometheus --version 2>&1 | head -1 | cut -d' ' -f1-3))"
exit $status
