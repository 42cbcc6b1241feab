# shellcheck shell=bash
# Shared by the benchmark scripts (sourced): stopping by PID, waiting for a log line, ports,
# and the /metrics benchmarks' set-up (pipeline-sim with many layers, the exporter probing them,
# the pushgateway holding the same exposition) and wrk's figures.
# The set-up functions expect the caller's die and log functions, TMP (a private temp dir) and,
# for the layers, SIM, EXPORTER, LAYERS, MIN_SERIES and READY_TIMEOUT.

stop_pid() {  # stop_pid PID: SIGTERM, wait up to 5 s, then SIGKILL
  local pid=$1 i
  [[ -n $pid ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# wait_for_line FILE REGEX PID SECONDS: print the first line of FILE matching REGEX
wait_for_line() {
  local file=$1 re=$2 pid=$3 secs=$4 i line
  for ((i = 0; i < secs * 10; i++)); do
    line=$(grep -m1 -E "$re" "$file" 2>/dev/null || true)
    if [[ -n $line ]]; then
      echo "$line"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# A free TCP port on 127.0.0.1 below 32768 (outside the ephemeral range).
free_port() {
  python3 - <<'EOF'
import random, socket
ports = list(range(20000, 32000))
random.shuffle(ports)
for p in ports[:500]:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
else:
    raise SystemExit("no free port found in 20000-32000")
EOF
}

# --- processes: each one started is tracked at once and stopped by PID on exit -------------
TRACKED_PIDS=()
track_pid() { TRACKED_PIDS+=("$@"); }

# Stops the tracked processes in the order they were tracked (an nginx master before its
# workers, which it would otherwise respawn).
stop_tracked() {
  local pid
  for pid in "${TRACKED_PIDS[@]}"; do stop_pid "$pid"; done
  TRACKED_PIDS=()
}

# stop_untrack PID: stop one tracked process now and forget it (its PID may be reused later).
stop_untrack() {
  local pid kept=()
  stop_pid "$1"
  for pid in "${TRACKED_PIDS[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
  TRACKED_PIDS=("${kept[@]}")
}

# On exit: stop every tracked process, show the end of TMP's logs if the script failed, remove TMP.
bench_cleanup() {
  local rc=$? f
  trap - EXIT INT TERM
  stop_tracked
  if ((rc != 0)); then show_logs "$TMP"/*.err "$TMP"/sim.out; fi
  rm -rf "$TMP"
  exit "$rc"
}
bench_traps() {
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# start_on_free_port NAME READY_PATH LAUNCH: LAUNCH PORT starts a server in the background (in
# this shell, so that $! is its PID); it must answer http://127.0.0.1:PORT READY_PATH within
# 10 s, else it is stopped and tried again on another port (a free port can be taken between
# the check and the bind). Sets STARTED_PID and STARTED_PORT.
start_on_free_port() {
  local name=$1 path=$2 launch=$3 attempt port pid i
  STARTED_PID="" STARTED_PORT=""
  for attempt in 1 2 3; do
    port=$(free_port) || die "no free port for $name"
    "$launch" "$port"
    pid=$!
    track_pid "$pid"
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      if curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$port$path" 2>/dev/null; then
        STARTED_PID=$pid STARTED_PORT=$port
        return 0
      fi
      sleep 0.1
    done
    stop_untrack "$pid"
    log "$name did not start on port $port (attempt $attempt)"
  done
  die "$name did not start"
}

sample_lines() { grep -cvE '^(#|$)' "$1" || true; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# The kernel's count of connections dropped because a listen queue was full (this network
# namespace, all sockets): a server with a short accept backlog overflows it when wrk opens
# all its connections at once, and each dropped handshake costs the client a 1 s retransmit.
listen_overflows() {
  awk '/^TcpExt:/ { if (!h) { for (i = 2; i <= NF; i++) if ($i == "ListenOverflows") c = i; h = 1 }
                    else { print (c ? $c : 0) } }' /proc/net/netstat 2>/dev/null || echo 0
}

# --- pipeline-sim with LAYERS DAGs, each with a newer successful run ---------------------
# Sets SIM_PID, SIM_URL and DAG_IDS.
start_layer_sim() {
  local line id ids_json run_args=() i
  mkdir -p "$TMP/sim-state"
  "$SIM" --listen 127.0.0.1:0 --state-dir "$TMP/sim-state" --quiet >"$TMP/sim.out" 2>"$TMP/sim.err" &
  SIM_PID=$!
  track_pid "$SIM_PID"
  line=$(wait_for_line "$TMP/sim.out" 'pipeline-sim listening on http://127\.0\.0\.1:[0-9]+' "$SIM_PID" 10) ||
    die "pipeline-sim did not start"
  SIM_URL=http://127.0.0.1:${line##*:}
  log "pipeline-sim pid $SIM_PID on $SIM_URL"

  DAG_IDS=()
  for ((i = 0; i < LAYERS; i++)); do DAG_IDS+=("$(printf 'bench_dag_%03d' "$i")"); done
  ids_json=$(printf '"%s",' "${DAG_IDS[@]}")
  curl -fsS --max-time 30 -H 'Content-Type: application/json' \
    -d "{\"dag_ids\": [${ids_json%,}], \"runs_each\": 3}" "$SIM_URL/sim/airflow/dags" >/dev/null ||
    die "POST /sim/airflow/dags failed"
  # One newer successful run per DAG, with an XCom record count (curl reuses one connection).
  for id in "${DAG_IDS[@]}"; do
    ((${#run_args[@]} == 0)) || run_args+=(--next)
    run_args+=(-fsS --max-time 10 -o /dev/null -H 'Content-Type: application/json'
      -d '{"state": "success", "records": 60, "duration_seconds": 5}' "$SIM_URL/sim/airflow/dags/$id/runs")
  done
  curl "${run_args[@]}" || die "POST /sim/airflow/dags/{dag_id}/runs failed"
}

# --- the exporter probing those layers ------------------------------------------------------
# The pipeline probe runs with interval 1h and timeout 20s: it runs once at start (well within
# the 20 s for 250 layers) and never again during the measurement, so the exporter serves a
# cached exposition throughout, as it does between two probe runs in production.
write_layer_config() {  # write_layer_config FILE
  local i
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
      printf '      - {layer: B%03d, dag_id: %s, records_xcom: {task_id: report, key: records}}\n' "$i" "${DAG_IDS[$i]}"
    done
  } >"$1"
  "$EXPORTER" --config.check --config.file="$1" >"$TMP/config-check.out" 2>&1 ||
    die "generated config is invalid: $(cat "$TMP/config-check.out")"
}

# start_exporter CONFIG NAME [FLAGS...]: $EXPORTER with CONFIG on a port of its choosing (logs in
# TMP/NAME.err, state in TMP/NAME.db), once it says where it listens. Sets EXPORTER_PID and
# EXPORTER_URL (its /metrics).
start_exporter() {
  local config=$1 name=$2 line
  shift 2
  "$EXPORTER" --config.file="$config" --web.listen-address=127.0.0.1:0 \
    --storage.path="$TMP/$name.db" "$@" 2>"$TMP/$name.err" >/dev/null &
  EXPORTER_PID=$!
  track_pid "$EXPORTER_PID"
  line=$(wait_for_line "$TMP/$name.err" 'msg=listening address=127\.0\.0\.1:[0-9]+' "$EXPORTER_PID" 10) ||
    die "the exporter did not start"
  line=$(grep -oE 'address=127\.0\.0\.1:[0-9]+' <<<"$line")
  EXPORTER_URL=http://127.0.0.1:${line##*:}/metrics
}

# start_layer_exporter NAME [FLAGS...]: an exporter (logs in TMP/NAME.err, state in
# TMP/NAME.db) that has probed the layers, its exposition saved to TMP/exporter.prom.
# Sets EXPORTER_PID, EXPORTER_URL, SERIES (sample lines) and USDCOP_SERIES.
start_layer_exporter() {
  local name=$1 probe_ok=0 i
  shift
  [[ -s $TMP/exporter.yml ]] || write_layer_config "$TMP/exporter.yml"
  start_exporter "$TMP/exporter.yml" "$name" "$@"
  log "exporter pid $EXPORTER_PID on $EXPORTER_URL${*:+ ($*)}"

  SERIES=0
  for ((i = 0; i < READY_TIMEOUT * 2; i++)); do
    kill -0 "$EXPORTER_PID" 2>/dev/null || die "the exporter exited"
    if curl -fsS --max-time 5 -o "$TMP/exporter.prom" "$EXPORTER_URL" 2>/dev/null; then
      grep -qxF 'usdcop_probe_success{probe="pipeline"} 1' "$TMP/exporter.prom" && probe_ok=1 || probe_ok=0
      SERIES=$(sample_lines "$TMP/exporter.prom")
      ((probe_ok == 1 && SERIES >= MIN_SERIES)) && break
    fi
    sleep 0.5
  done
  ((probe_ok == 1)) || die "usdcop_probe_success{probe=\"pipeline\"} is not 1 after ${READY_TIMEOUT}s: $(grep -E '^usdcop_probe_(success|errors_total)' "$TMP/exporter.prom" 2>/dev/null | grep -v ' 0$' | tr '\n' ' ')"
  ((SERIES >= MIN_SERIES)) || die "the exposition has $SERIES sample lines after ${READY_TIMEOUT}s, want >= $MIN_SERIES (LAYERS=$LAYERS)"
  USDCOP_SERIES=$(grep -cE '^usdcop_' "$TMP/exporter.prom" || true)
  log "exporter exposition: $SERIES sample lines ($USDCOP_SERIES usdcop_*)"
}

# --- prometheus-pushgateway, in memory only (no persistence file) ------------------------------
launch_pushgateway() {
  prometheus-pushgateway --web.listen-address="127.0.0.1:$1" --persistence.file= \
    --persistence.interval=1h --log.level=warn >/dev/null 2>"$TMP/pushgateway.err" &
}
start_pushgateway() {  # sets PGW_PID and PGW_URL
  start_on_free_port pushgateway /-/ready launch_pushgateway
  PGW_PID=$STARTED_PID
  PGW_URL=http://127.0.0.1:$STARTED_PORT/metrics
  log "pushgateway pid $PGW_PID on $PGW_URL"
}

# push_exposition FILE: PUT FILE (the exporter's exposition) to the pushgateway, replacing what
# it held, and check that it serves the same usdcop_* series. Sets PGW_SERIES (sample lines).
push_exposition() {
  local file=$1 want got=0 i
  want=$(grep -cE '^usdcop_' "$file" || true)
  curl -fsS --max-time 30 -X PUT --data-binary "@$file" "${PGW_URL%/metrics}/metrics/job/usdcop_bench" \
    >"$TMP/push.out" 2>&1 || die "PUT to the pushgateway failed: $(cat "$TMP/push.out")"
  # The push is applied asynchronously: wait until the series show up.
  for ((i = 0; i < 50; i++)); do
    curl -fsS --max-time 5 -o "$TMP/pushgateway.prom" "$PGW_URL" 2>/dev/null || true
    got=$(grep -cE '^usdcop_' "$TMP/pushgateway.prom" 2>/dev/null || true)
    ((got >= want)) && break
    sleep 0.1
  done
  ((got == want)) || die "the pushgateway serves $got usdcop_* series, the exporter $want"
  # Same series: compare names and label sets, ignoring the job/instance labels the pushgateway adds.
  python3 - "$file" "$TMP/pushgateway.prom" <<'EOF' || die "the pushgateway's usdcop_* series differ from the exporter's"
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
  PGW_SERIES=$(sample_lines "$TMP/pushgateway.prom")
  log "pushgateway exposition: $PGW_SERIES sample lines ($got usdcop_*)"
}

# --- wrk ---------------------------------------------------------------------------------------
# wrk_once OUT URL CONNECTIONS [WRK ARGS...]: one bounded wrk run (THREADS threads, DURATION s,
# latency distribution) into OUT; then prints "req/s<TAB>p99 ms<TAB>requests<TAB>errors", errors
# being non-2xx/3xx answers and socket errors. p99 is "nan" when no request completed (wrk then
# prints a distribution of zeros).
wrk_once() {
  local out=$1 url=$2 conns=$3
  shift 3
  timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" --timeout 10s --latency "$@" "$url" \
    >"$out" 2>&1 || die "wrk failed against $url: $(cat "$out")"
  python3 - "$out" <<'EOF' || die "cannot parse wrk output $out: $(cat "$out")"
import re, sys
text = open(sys.argv[1]).read()
rps = re.search(r"^Requests/sec:\s+([0-9.]+)", text, re.M)
p99 = re.search(r"^\s+99%\s+([0-9.]+)(us|ms|s|m)\s*$", text, re.M)
done = re.search(r"^\s+(\d+) requests in ", text, re.M)
if not rps or not p99 or not done:
    sys.exit(1)
ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[p99.group(2)]
errors = 0
m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
if m:
    errors += int(m.group(1))
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
if m:
    errors += sum(int(x) for x in m.groups())
p99_text = f"{ms:.3f}" if int(done.group(1)) > 0 else "nan"
print(f"{rps.group(1)}\t{p99_text}\t{done.group(1)}\t{errors}")
EOF
}

# The last lines of each non-empty log file, to stderr (when a benchmark failed).
show_logs() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    echo "--- last lines of ${f#"$TMP"/} ---" >&2
    tail -n 15 "$f" >&2
  done
}
