#!/usr/bin/env bash
# /metrics throughput and p99 latency: usdcop_exporter vs prometheus-pushgateway.
#
# Both serve the same >= 2,000 usdcop_* series in the same run: the exporter gets them from
# ~250 pipeline layers simulated by pipeline-sim; the pushgateway gets the exporter's
# exposition, saved and PUT to it. wrk then loads both /metrics endpoints at 16 and 64
# connections, alternating exporter / pushgateway, for ROUNDS rounds, and the medians are
# compared against the targets of the issue:
#   exporter req/s >= 2x pushgateway's, exporter p99 <= 1/2 of pushgateway's, exporter RSS < 20 MB.
# It is a benchmark: it prints PASS/FAIL per target and exits 0 unless something broke.
#
# Usage: bench/metrics_throughput.sh
# Environment:
#   BUILD_DIR    build directory (default: <repo>/build)
#   ROUNDS       rounds per peer and connection count (default 3; the median is reported)
#   DURATION     seconds per wrk run (default 5)
#   LAYERS       pipeline layers to simulate (default 250, ~10 series each)
#   CONNECTIONS  wrk connection counts (default "16 64")
#   THREADS      wrk threads (default 2)
#   MIN_SERIES   required sample lines in the exposition (default 2000)
#   ACCEPT_ENCODING  sent by wrk as Accept-Encoding when set (e.g. gzip, as Prometheus
#                scrapes); default: none, so both peers send the plain text
#
# The pipeline probe runs with interval 1h and timeout 20s: it runs once at start (well within
# the 20 s for 250 layers) and never again during the measurement, so the exporter serves a
# cached exposition throughout, as it does between two probe runs in production.
set -euo pipefail

# --- parameters ------------------------------------------------------------------------
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
LAYERS=${LAYERS:-250}
CONNECTIONS=${CONNECTIONS:-"16 64"}
THREADS=${THREADS:-2}
MIN_SERIES=${MIN_SERIES:-2000}
ACCEPT_ENCODING=${ACCEPT_ENCODING:-}
RUNS_EACH=3          # finished runs per DAG created with the DAG
READY_TIMEOUT=30     # seconds to wait for the probe and the exposition

EXPORTER=$BUILD_DIR/exporter/usdcop_exporter
SIM=$BUILD_DIR/tools/pipeline-sim/pipeline-sim

die() { echo "metrics_throughput: error: $*" >&2; exit 1; }
log() { echo "metrics_throughput: $*" >&2; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for n in ROUNDS DURATION LAYERS THREADS MIN_SERIES; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "$n must be a positive integer (got '${!n}')"
done
for c in $CONNECTIONS; do
  [[ $c =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be positive integers (got '$c')"
done
[[ -x $EXPORTER ]] || die "no exporter at $EXPORTER (build first, or set BUILD_DIR)"
[[ -x $SIM ]] || die "no pipeline-sim at $SIM (build first, or set BUILD_DIR)"
for tool in wrk prometheus-pushgateway curl python3; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

# --- processes and cleanup -------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/usdcop-bench.XXXXXX")
SIM_PID=""
EXPORTER_PID=""
PGW_PID=""


cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$PGW_PID"
  stop_pid "$EXPORTER_PID"
  stop_pid "$SIM_PID"
  if ((rc != 0)); then
    for f in sim.out sim.err exporter.err pushgateway.err; do
      [[ -s $TMP/$f ]] || continue
      echo "--- last lines of $f ---" >&2
      tail -n 15 "$TMP/$f" >&2
    done
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM



sample_lines() { grep -cvE '^(#|$)' "$1" || true; }

# The kernel's count of connections dropped because a listen queue was full (this network
# namespace, all sockets): a server with a short accept backlog overflows it when wrk opens
# all its connections at once, and each dropped handshake costs the client a 1 s retransmit.
listen_overflows() {
  awk '/^TcpExt:/ { if (!h) { for (i = 2; i <= NF; i++) if ($i == "ListenOverflows") c = i; h = 1 }
                    else { print (c ? $c : 0) } }' /proc/net/netstat 2>/dev/null || echo 0
}

status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# --- 1. pipeline-sim with LAYERS DAGs ----------------------------------------------------
mkdir -p "$TMP/sim-state"
"$SIM" --listen 127.0.0.1:0 --state-dir "$TMP/sim-state" --quiet >"$TMP/sim.out" 2>"$TMP/sim.err" &
SIM_PID=$!
line=$(wait_for_line "$TMP/sim.out" 'pipeline-sim listening on http://127\.0\.0\.1:[0-9]+' "$SIM_PID" 10) ||
  die "pipeline-sim did not start"
SIM_PORT=${line##*:}
SIM_URL=http://127.0.0.1:$SIM_PORT
log "pipeline-sim pid $SIM_PID on $SIM_URL"

dag_ids=()
for ((i = 0; i < LAYERS; i++)); do dag_ids+=("$(printf 'bench_dag_%03d' "$i")"); done
ids_json=$(printf '"%s",' "${dag_ids[@]}")
curl -fsS --max-time 30 -H 'Content-Type: application/json' \
  -d "{\"dag_ids\": [${ids_json%,}], \"runs_each\": $RUNS_EACH}" "$SIM_URL/sim/airflow/dags" >/dev/null ||
  die "POST /sim/airflow/dags failed"
# One newer successful run per DAG, with an XCom record count (curl reuses one connection).
run_args=()
for id in "${dag_ids[@]}"; do
  ((${#run_args[@]} == 0)) || run_args+=(--next)
  run_args+=(-fsS --max-time 10 -o /dev/null -H 'Content-Type: application/json'
    -d '{"state": "success", "records": 60, "duration_seconds": 5}' "$SIM_URL/sim/airflow/dags/$id/runs")
done
curl "${run_args[@]}" || die "POST /sim/airflow/dags/{dag_id}/runs failed"

# --- 2. the exporter ---------------------------------------------------------------------
printf 'admin' >"$TMP/airflow_password"
{
  echo "probes:"
  echo "  pipeline:"
  echo "    interval: 1h"
  echo "    timeout: 20s"
  echo "    airflow:"
  echo "      url: $SIM_URL"
  echo "      api: v1"
  echo "      username: admin"
  echo "      password_file: $TMP/airflow_password"
  echo "    layers:"
  for ((i = 0; i < LAYERS; i++)); do
    printf '      - {layer: B%03d, dag_id: %s, records_xcom: {task_id: report, key: records}}\n' "$i" "${dag_ids[$i]}"
  done
} >"$TMP/exporter.yml"
"$EXPORTER" --config.check --config.file="$TMP/exporter.yml" >"$TMP/config-check.out" 2>&1 ||
  die "generated config is invalid: $(cat "$TMP/config-check.out")"

"$EXPORTER" --config.file="$TMP/exporter.yml" --web.listen-address=127.0.0.1:0 \
  --storage.path="$TMP/state.db" 2>"$TMP/exporter.err" >/dev/null &
EXPORTER_PID=$!
line=$(wait_for_line "$TMP/exporter.err" 'msg=listening address=127\.0\.0\.1:[0-9]+' "$EXPORTER_PID" 10) ||
  die "the exporter did not start"
line=$(grep -oE 'address=127\.0\.0\.1:[0-9]+' <<<"$line")
EXPORTER_PORT=${line##*:}
EXPORTER_URL=http://127.0.0.1:$EXPORTER_PORT/metrics
log "exporter pid $EXPORTER_PID on $EXPORTER_URL"

series=0
probe_ok=0
for ((i = 0; i < READY_TIMEOUT * 2; i++)); do
  kill -0 "$EXPORTER_PID" 2>/dev/null || die "the exporter exited"
  if curl -fsS --max-time 5 -o "$TMP/exporter.prom" "$EXPORTER_URL" 2>/dev/null; then
    grep -qxF 'usdcop_probe_success{probe="pipeline"} 1' "$TMP/exporter.prom" && probe_ok=1 || probe_ok=0
    series=$(sample_lines "$TMP/exporter.prom")
    ((probe_ok == 1 && series >= MIN_SERIES)) && break
  fi
  sleep 0.5
done
((probe_ok == 1)) || die "usdcop_probe_success{probe=\"pipeline\"} is not 1 after ${READY_TIMEOUT}s: $(grep -E '^usdcop_probe_(success|errors_total)' "$TMP/exporter.prom" 2>/dev/null | grep -v ' 0$' | tr '\n' ' ')"
((series >= MIN_SERIES)) || die "the exposition has $series sample lines after ${READY_TIMEOUT}s, want >= $MIN_SERIES (LAYERS=$LAYERS)"
usdcop_series=$(grep -cE '^usdcop_' "$TMP/exporter.prom" || true)
log "exporter exposition: $series sample lines ($usdcop_series usdcop_*)"

# --- 3. the pushgateway with the same series --------------------------------------------
PGW_PORT=""
for attempt in 1 2 3; do
  port=$(free_port) || die "no free port for the pushgateway"
  # In memory only (no persistence file), so nothing outside TMP is read or written.
  prometheus-pushgateway --web.listen-address="127.0.0.1:$port" --persistence.file= \
    --persistence.interval=1h --log.level=warn >/dev/null 2>"$TMP/pushgateway.err" &
  PGW_PID=$!
  for ((i = 0; i < 100; i++)); do
    kill -0 "$PGW_PID" 2>/dev/null || break
    if curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$port/-/ready" 2>/dev/null; then
      PGW_PORT=$port
      break
    fi
    sleep 0.1
  done
  [[ -n $PGW_PORT ]] && break
  stop_pid "$PGW_PID"
  PGW_PID=""
  log "pushgateway did not start on port $port (attempt $attempt): $(tail -n1 "$TMP/pushgateway.err" 2>/dev/null)"
done
[[ -n $PGW_PORT ]] || die "the pushgateway did not start"
PGW_URL=http://127.0.0.1:$PGW_PORT/metrics
log "pushgateway pid $PGW_PID on $PGW_URL"

curl -fsS --max-time 30 -X PUT --data-binary "@$TMP/exporter.prom" \
  "http://127.0.0.1:$PGW_PORT/metrics/job/usdcop_bench" >"$TMP/push.out" 2>&1 ||
  die "PUT to the pushgateway failed: $(cat "$TMP/push.out")"
# The push is applied asynchronously: wait until the series show up.
pgw_usdcop=0
for ((i = 0; i < 50; i++)); do
  curl -fsS --max-time 5 -o "$TMP/pushgateway.prom" "$PGW_URL" 2>/dev/null || true
  pgw_usdcop=$(grep -cE '^usdcop_' "$TMP/pushgateway.prom" 2>/dev/null || true)
  ((pgw_usdcop >= usdcop_series)) && break
  sleep 0.1
done
((pgw_usdcop == usdcop_series)) ||
  die "the pushgateway serves $pgw_usdcop usdcop_* series, the exporter $usdcop_series"
# Same series: compare names and label sets, ignoring the job/instance labels the pushgateway adds.
python3 - "$TMP/exporter.prom" "$TMP/pushgateway.prom" <<'EOF' || die "the pushgateway's usdcop_* series differ from the exporter's"
import re, sys
def series(path):
    out = set()
    for line in open(path):
        if not line.startswith("usdcop_"):
            continue
        m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ', line)
        labels = re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or "")
        labels = tuple(sorted(l for l in labels if l[0] not in ("job", "instance")))
        out.add((m.group(1), labels))
    return out
a, b = series(sys.argv[1]), series(sys.argv[2])
if a != b:
    print(f"only in exporter: {len(a - b)}, only in pushgateway: {len(b - a)}", file=sys.stderr)
    sys.exit(1)
EOF
pgw_series=$(sample_lines "$TMP/pushgateway.prom")
log "pushgateway exposition: $pgw_series sample lines ($pgw_usdcop usdcop_*)"

# --- 4. wrk, alternating the peers ------------------------------------------------------
idle_rss_kb=$(status_kb "$EXPORTER_PID" VmRSS)
hdr_args=()
[[ -z $ACCEPT_ENCODING ]] || hdr_args=(-H "Accept-Encoding: $ACCEPT_ENCODING")
# Response sizes (body bytes, as sent) with the headers wrk sends.
exp_bytes=$(curl -fsS --max-time 5 "${hdr_args[@]}" -o /dev/null -w '%{size_download}' "$EXPORTER_URL")
pgw_bytes=$(curl -fsS --max-time 5 "${hdr_args[@]}" -o /dev/null -w '%{size_download}' "$PGW_URL")

results=$TMP/results.tsv
: >"$results"
total_runs=$((ROUNDS * $(wc -w <<<"$CONNECTIONS") * 2))
log "running wrk: $ROUNDS rounds x connections {$CONNECTIONS} x 2 peers x ${DURATION}s (~$((total_runs * (DURATION + 1)))s)"
for ((round = 1; round <= ROUNDS; round++)); do
  for conns in $CONNECTIONS; do
    for peer in exporter pushgateway; do
      if [[ $peer == exporter ]]; then url=$EXPORTER_URL; pid=$EXPORTER_PID; else url=$PGW_URL; pid=$PGW_PID; fi
      kill -0 "$pid" 2>/dev/null || die "the $peer exited during the benchmark"
      out=$TMP/wrk-$peer-$conns-$round.txt
      overflows_before=$(listen_overflows)
      timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" --timeout 10s --latency "${hdr_args[@]}" "$url" \
        >"$out" 2>&1 || die "wrk failed against the $peer: $(cat "$out")"
      overflows=$(($(listen_overflows) - overflows_before))
      python3 - "$out" "$peer" "$conns" "$round" "$overflows" >>"$results" <<'EOF' || die "cannot parse wrk output $out: $(cat "$out")"
import re, sys
path, peer, conns, rnd, overflows = sys.argv[1:]
text = open(path).read()
rps = re.search(r"^Requests/sec:\s+([0-9.]+)", text, re.M)
p99 = re.search(r"^\s+99%\s+([0-9.]+)(us|ms|s|m)\s*$", text, re.M)
if not rps or not p99:
    sys.exit(1)
ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[p99.group(2)]
errors = 0
m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
if m:
    errors += int(m.group(1))
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
if m:
    errors += sum(int(x) for x in m.groups())
print(f"{peer}\t{conns}\t{rnd}\t{rps.group(1)}\t{ms:.3f}\t{errors}\t{overflows}")
EOF
      log "round $round, $conns connections, $peer: $(tail -n1 "$results" | cut -f4,5,6 | awk -F'\t' '{printf "%s req/s, p99 %s ms, %s errors", $1, $2, $3}'), $overflows listen-queue overflows"
    done
  done
done

# --- 5. exporter memory ----------------------------------------------------------------
kill -0 "$EXPORTER_PID" 2>/dev/null || die "the exporter exited during the benchmark"
vm_rss_kb=$(status_kb "$EXPORTER_PID" VmRSS)
vm_hwm_kb=$(status_kb "$EXPORTER_PID" VmHWM)
rss_anon_kb=$(status_kb "$EXPORTER_PID" RssAnon)
rss_file_kb=$(status_kb "$EXPORTER_PID" RssFile)
exp_threads=$(status_kb "$EXPORTER_PID" Threads)
pgw_rss_kb=$(status_kb "$PGW_PID" VmRSS)

# --- 6. the table -------------------------------------------------------------------------
python3 - "$results" <<EOF
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
conns = "$CONNECTIONS".split()
def med(peer, c, col):
    return statistics.median(float(r[col]) for r in rows if r[0] == peer and r[1] == c)
def errs(peer, c):
    return sum(int(r[5]) for r in rows if r[0] == peer and r[1] == c)
def ovf(peer, c):
    return sum(int(r[6]) for r in rows if r[0] == peer and r[1] == c)
def verdict(ok):
    return "PASS" if ok else "FAIL"
series, usdcop, pgw_series = $series, $usdcop_series, $pgw_series
exp_bytes, pgw_bytes = $exp_bytes, $pgw_bytes
rss_kb, hwm_kb, pgw_rss_kb, threads = $vm_rss_kb, $vm_hwm_kb, $pgw_rss_kb, $exp_threads
idle_kb, anon_kb, file_kb = $idle_rss_kb, $rss_anon_kb, $rss_file_kb
print()
print("usdcop_exporter vs prometheus-pushgateway: GET /metrics, same usdcop_* series")
print(f"wrk -t$THREADS -d${DURATION}s --latency, $ROUNDS rounds per cell, median shown; "
      f"Accept-Encoding: {'$ACCEPT_ENCODING' or 'none'}; "
      f"exporter --web.max-connections=64 (default); $(nproc) CPUs shared by wrk and the servers")
print()
print(f"{'':28}{'exporter':>14}{'pushgateway':>14}")
print(f"{'sample lines (series)':28}{series:>14}{pgw_series:>14}")
print(f"{'  of which usdcop_*':28}{usdcop:>14}{usdcop:>14}")
print(f"{'bytes per response':28}{exp_bytes:>14}{pgw_bytes:>14}")
print()
hdr = f"{'conns':>5} | {'exp req/s':>10} {'pgw req/s':>10} {'ratio':>6} | {'exp p99 ms':>10} {'pgw p99 ms':>10} {'ratio':>6} | {'errors exp/pgw':>14} {'listen ovf exp/pgw':>18}"
print(hdr)
print("-" * len(hdr))
verdicts = []
for c in conns:
    er, pr = med("exporter", c, 3), med("pushgateway", c, 3)
    el, pl = med("exporter", c, 4), med("pushgateway", c, 4)
    rr = er / pr if pr else float("inf")
    lr = el / pl if pl else float("inf")
    print(f"{c:>5} | {er:>10.0f} {pr:>10.0f} {rr:>5.2f}x | {el:>10.2f} {pl:>10.2f} {lr:>6.2f} | "
          f"{str(errs('exporter', c)) + '/' + str(errs('pushgateway', c)):>14} "
          f"{str(ovf('exporter', c)) + '/' + str(ovf('pushgateway', c)):>18}")
    verdicts.append((f"req/s >= 2x pushgateway at {c} connections", f"{rr:.2f}x", rr >= 2.0))
    verdicts.append((f"p99 <= 1/2 pushgateway's at {c} connections", f"{lr:.2f}", lr <= 0.5))
print()
def mem(kb):
    return f"{kb / 1024:.1f} MiB ({kb * 1024 / 1e6:.1f} MB)"
print(f"exporter before the runs: VmRSS {mem(idle_kb)}")
print(f"exporter after the runs:  VmRSS {mem(rss_kb)} (RssAnon {mem(anon_kb)}, RssFile {mem(file_kb)}), "
      f"VmHWM (peak) {mem(hwm_kb)}, {threads} threads")
print(f"pushgateway after the runs: VmRSS {mem(pgw_rss_kb)}")
print("(errors: non-2xx responses and socket errors summed over the rounds; listen ovf: kernel")
print(" ListenOverflows during the runs, system-wide: handshakes dropped on a full accept queue)")
verdicts.append(("exporter RSS < 20 MB (peak VmHWM)", f"{hwm_kb * 1024 / 1e6:.1f} MB", hwm_kb * 1024 < 20e6))
print()
print("targets:")
for name, value, ok in verdicts:
    print(f"  {verdict(ok)}  {name:<45} {value}")
print()
print("per-round results (peer, connections, round, req/s, p99 ms, errors, listen overflows):")
for r in rows:
    print(f"  {r[0]:<12} {r[1]:>5} {r[2]:>3} {float(r[3]):>10.1f} {float(r[4]):>10.2f} {r[5]:>5} {r[6]:>5}")
EOF
log "done"
