#!/usr/bin/env bash
# The exporter's front door: GET /metrics of usdcop_exporter against nginx serving the same
# exposition bytes as a static file, and prometheus-pushgateway holding the same series, in one run.
#
# pipeline-sim simulates LAYERS layers; the exporter probes them once (interval 1h) and serves the
# cached exposition. Its identity and gzip answers are saved as metrics and metrics.gz; nginx
# serves them (sendfile, gzip_static: a request with Accept-Encoding: gzip gets metrics.gz) and the
# pushgateway is PUT the same exposition. wrk (-t THREADS, --latency) then loads the three in
# turn (exporter, nginx, pushgateway, exporter, ...) for every connection count and encoding, for
# ROUNDS rounds; medians are reported. The whole is done twice: first plain, then while
# IDLE_CONNS idle connections (opened by bench/idle_conns.py, sending nothing) are held open to
# the port being measured. Targets (issue 15), for every cell of both phases:
#   exporter req/s >= 0.8x nginx's, exporter p99 <= 1.5x nginx's;
#   exporter VmRSS at rest (after the load and REST_SECONDS idle) < 20 MB.
# Beside them: each server's CPU time per request (user + system of all its processes, from
# /proc/PID/stat), which bounds req/s when wrk and the servers share the cores, and nginx's RSS.
# nginx's copy is a snapshot: the exporter refreshes its process_* values once a second, so its
# answers differ from the copy by a few bytes during the runs.
# It is a benchmark: it prints PASS/FAIL per target and exits 0 unless something broke.
#
# nginx runs NGINX_WORKERS worker processes, 2 by default: the exporter serves /metrics from 2 I/O
# threads and the machine has 2 cores, so 2 workers give nginx the same parallelism (1 would cap
# it at one core; more would only time-share the same 2 cores).
#
# For the idle phase the exporter is restarted with --web.max-connections N and
# --web.max-connections-per-address N (N = 4096, or IDLE_CONNS + 1024 if larger) when its --help
# lists them; else (an older build) with its defaults, and the table says so.
#
# Usage: bash bench/front_door.sh
# Environment:
#   BUILD_DIR     build directory (default: <repo>/build)
#   ROUNDS        rounds per cell (default 3; the median is reported)
#   DURATION      seconds per wrk run (default 5)
#   CONNECTIONS   wrk connection counts (default "16 64")
#   ENCODINGS     "identity" and/or "gzip" (Accept-Encoding: gzip, as Prometheus asks) (default both)
#   THREADS       wrk threads (default 2)
#   IDLE_CONNS    idle connections held during the second phase (default 2000; 0 skips it)
#   NGINX_WORKERS nginx worker processes (default 2, see above)
#   REST_SECONDS  idle time before reading the RSS (default 5)
#   LAYERS        pipeline layers to simulate (default 250, ~10 series each)
#   MIN_SERIES    required sample lines in the exposition (default 2000)
set -euo pipefail

# --- parameters ------------------------------------------------------------------------
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-"16 64"}
ENCODINGS=${ENCODINGS:-"identity gzip"}
THREADS=${THREADS:-2}
IDLE_CONNS=${IDLE_CONNS:-2000}
NGINX_WORKERS=${NGINX_WORKERS:-2}
REST_SECONDS=${REST_SECONDS:-5}
LAYERS=${LAYERS:-250}
MIN_SERIES=${MIN_SERIES:-2000}
READY_TIMEOUT=30     # seconds to wait for the probe and the exposition
CONTENT_TYPE="text/plain; version=0.0.4; charset=utf-8"
CLK_TCK=$(getconf CLK_TCK)

EXPORTER=$BUILD_DIR/exporter/usdcop_exporter
SIM=$BUILD_DIR/tools/pipeline-sim/pipeline-sim
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
IDLE_HELPER=$REPO/bench/idle_conns.py

die() { echo "front_door: error: $*" >&2; exit 1; }
log() { echo "front_door: $*" >&2; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for n in ROUNDS DURATION THREADS NGINX_WORKERS LAYERS MIN_SERIES; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "$n must be a positive integer (got '${!n}')"
done
for n in IDLE_CONNS REST_SECONDS; do
  [[ ${!n} =~ ^[0-9]+$ ]] || die "$n must be a non-negative integer (got '${!n}')"
done
for c in $CONNECTIONS; do
  [[ $c =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be positive integers (got '$c')"
done
for e in $ENCODINGS; do
  [[ $e == identity || $e == gzip ]] || die "ENCODINGS may hold identity and gzip (got '$e')"
done
[[ -x $EXPORTER ]] || die "no exporter at $EXPORTER (build first, or set BUILD_DIR)"
[[ -x $SIM ]] || die "no pipeline-sim at $SIM (build first, or set BUILD_DIR)"
[[ -x $NGINX ]] || die "nginx is not installed (bash scripts/install-deps)"
for tool in wrk prometheus-pushgateway curl python3 gzip cmp timeout; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

# Every process here inherits the limit: the exporter, an nginx worker and the idle helper each
# hold IDLE_CONNS connections at once, plus wrk's.
fd_need=$((IDLE_CONNS * 2 + 1024))
fd_hard=$(ulimit -Hn)
if [[ $fd_hard != unlimited ]] && ((fd_hard < fd_need)); then
  ((fd_hard >= IDLE_CONNS + 512)) || die "the hard limit of open files ($fd_hard) is too low for IDLE_CONNS=$IDLE_CONNS"
  fd_need=$fd_hard
fi
(($(ulimit -Sn) >= fd_need)) || ulimit -Sn "$fd_need"

# --- processes and cleanup -------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/usdcop-bench.XXXXXX")
bench_traps
mkdir -p "$TMP/www" "$TMP/nginx"

# --- the exporter's exposition, saved for nginx ------------------------------------------
# save_exposition: TMP/www/metrics and metrics.gz, the exporter's identity and gzip answers.
# The probe does not run again, but process_* are refreshed once a second: the two answers are
# taken again until they hold the same exposition.
save_exposition() {
  local attempt
  for attempt in 1 2 3 4 5; do
    curl -fsS --max-time 10 -o "$TMP/www/metrics" "$EXPORTER_URL" || die "GET $EXPORTER_URL failed"
    curl -fsS --max-time 10 -H 'Accept-Encoding: gzip' -D "$TMP/gzip.headers" -o "$TMP/www/metrics.gz" \
      "$EXPORTER_URL" || die "GET $EXPORTER_URL with Accept-Encoding: gzip failed"
    grep -qiE '^content-encoding: *gzip' "$TMP/gzip.headers" || die "the exporter did not answer gzip"
    gzip -dc "$TMP/www/metrics.gz" | cmp -s - "$TMP/www/metrics" && return 0
  done
  die "the exporter's gzip and identity answers differ in 5 attempts"
}

# --- nginx -------------------------------------------------------------------------------
write_nginx_conf() {  # write_nginx_conf PORT
  local p=$TMP/nginx
  {
    # As root, the workers would switch to nobody, who cannot read TMP: keep the caller's user.
    ((EUID != 0)) || echo "user $(id -un) $(id -gn);"
    cat <<EOF
daemon off;
worker_processes $NGINX_WORKERS;
worker_rlimit_nofile $fd_need;
pid $p/nginx.pid;
error_log $TMP/nginx.err warn;
events {
  worker_connections $((IDLE_CONNS + 1024));
}
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  server_tokens off;
  types {}
  default_type "$CONTENT_TYPE";
  client_body_temp_path $p/client_body;
  proxy_temp_path $p/proxy;
  fastcgi_temp_path $p/fastcgi;
  uwsgi_temp_path $p/uwsgi;
  scgi_temp_path $p/scgi;
  server {
    listen 127.0.0.1:$1 backlog=4096;
    root $TMP/www;
    location = /metrics {
      gzip_static on;
    }
    location / {
      return 404;
    }
  }
}
EOF
  } >"$p/nginx.conf"
}
launch_nginx() {
  write_nginx_conf "$1"
  "$NGINX" -p "$TMP/nginx/" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx.err" >/dev/null 2>"$TMP/nginx-stderr.err" &
}

# check_nginx: nginx answers the saved bytes, identity and gzip, with the exporter's content type.
check_nginx() {
  local type
  curl -fsS --max-time 10 -D "$TMP/nginx.headers" -o "$TMP/nginx.body" "$NGINX_URL" || die "GET $NGINX_URL failed"
  cmp -s "$TMP/nginx.body" "$TMP/www/metrics" || die "nginx's identity answer differs from the exporter's"
  type=$(awk 'tolower($1) == "content-type:" { sub(/^[^:]*: */, ""); sub(/\r$/, ""); print }' "$TMP/nginx.headers")
  [[ $type == "$CONTENT_TYPE" ]] || die "nginx answers Content-Type '$type', want '$CONTENT_TYPE'"
  curl -fsS --max-time 10 -H 'Accept-Encoding: gzip' -D "$TMP/nginx.headers" -o "$TMP/nginx.body" "$NGINX_URL" ||
    die "GET $NGINX_URL with Accept-Encoding: gzip failed"
  grep -qiE '^content-encoding: *gzip' "$TMP/nginx.headers" || die "nginx did not answer gzip (gzip_static)"
  cmp -s "$TMP/nginx.body" "$TMP/www/metrics.gz" || die "nginx's gzip answer differs from the exporter's"
}

# cpu_ms PID...: user + system CPU time of the processes (all their threads), in ms.
cpu_ms() {
  local pid ticks=0
  for pid in "$@"; do
    ticks=$((ticks + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
  done
  echo $((ticks * 1000 / CLK_TCK))
}

nginx_rss_kb() {  # the master's VmRSS plus its workers'
  local pid sum=0
  for pid in "$NGINX_PID" "${NGINX_WORKER_PIDS[@]}"; do sum=$((sum + $(status_kb "$pid" VmRSS))); done
  echo "$sum"
}

# --- one phase: ROUNDS x CONNECTIONS x ENCODINGS x the three peers -------------------------
# run_phase IDLE: appends to TMP/results.tsv one row per wrk run: idle, peer, connections,
# encoding, round, req/s, p99 ms, requests, errors, listen-queue overflows, the server's CPU ms,
# and with IDLE > 0 the idle connections opened, open when wrk started and open when it ended.
run_phase() {
  local idle=$1 round conns enc peer url pid pids port out summary rps p99 requests errors before overflows cpu
  local helper="" line opened open_start open_end hdr
  for ((round = 1; round <= ROUNDS; round++)); do
    for conns in $CONNECTIONS; do
      for enc in $ENCODINGS; do
        hdr=()
        [[ $enc == identity ]] || hdr=(-H "Accept-Encoding: $enc")
        for peer in exporter nginx pushgateway; do
          case $peer in
            exporter) url=$EXPORTER_URL pids=("$EXPORTER_PID") ;;
            nginx) url=$NGINX_URL pids=("$NGINX_PID" "${NGINX_WORKER_PIDS[@]}") ;;
            pushgateway) url=$PGW_URL pids=("$PGW_PID") ;;
          esac
          for pid in "${pids[@]}"; do
            kill -0 "$pid" 2>/dev/null || die "the $peer (pid $pid) exited during the benchmark"
          done
          opened=- open_start=- open_end=-
          if ((idle > 0)); then
            port=${url#http://127.0.0.1:}
            port=${port%%/*}
            python3 "$IDLE_HELPER" "$port" "$idle" --max-seconds $((DURATION + 120)) \
              >"$TMP/idle.out" 2>"$TMP/idle.err" &
            helper=$!
            track_pid "$helper"
            line=$(wait_for_line "$TMP/idle.out" '^opened=' "$helper" 60) || die "idle_conns.py did not open its connections"
            [[ $line =~ ^opened=([0-9]+)\ failed=[0-9]+\ open=([0-9]+)$ ]] || die "idle_conns.py said '$line'"
            opened=${BASH_REMATCH[1]} open_start=${BASH_REMATCH[2]}
          fi
          out=$TMP/wrk-$idle-$peer-$conns-$enc-$round.txt
          before=$(listen_overflows)
          cpu=$(cpu_ms "${pids[@]}")
          summary=$(wrk_once "$out" "$url" "$conns" "${hdr[@]}") || exit 1
          cpu=$(($(cpu_ms "${pids[@]}") - cpu))
          overflows=$(($(listen_overflows) - before))
          if ((idle > 0)); then
            kill -USR1 "$helper"
            line=$(wait_for_line "$TMP/idle.out" '^open=' "$helper" 10) || die "idle_conns.py did not report"
            open_end=${line#open=}
            stop_untrack "$helper"
          fi
          read -r rps p99 requests errors <<<"$summary"
          printf '%s\t' "$idle" "$peer" "$conns" "$enc" "$round" "$rps" "$p99" "$requests" "$errors" \
            "$overflows" "$cpu" "$opened" "$open_start" >>"$TMP/results.tsv"
          printf '%s\n' "$open_end" >>"$TMP/results.tsv"
          log "idle $idle, round $round, $conns connections, $enc, $peer: $rps req/s, p99 $p99 ms, $errors errors${helper:+, idle open $open_start -> $open_end of $idle}"
          helper=""
        done
      done
    done
  done
}

# rest_and_measure NAME: after REST_SECONDS idle, the exporter's and nginx's memory as facts.
rest_and_measure() {
  sleep "$REST_SECONDS"
  kill -0 "$EXPORTER_PID" 2>/dev/null || die "the exporter exited during the benchmark"
  fact "$1_rss_kb" "$(status_kb "$EXPORTER_PID" VmRSS)"
  fact "$1_hwm_kb" "$(status_kb "$EXPORTER_PID" VmHWM)"
  fact "$1_anon_kb" "$(status_kb "$EXPORTER_PID" RssAnon)"
  fact "$1_file_kb" "$(status_kb "$EXPORTER_PID" RssFile)"
  fact "$1_threads" "$(status_kb "$EXPORTER_PID" Threads)"
  fact "$1_nginx_rss_kb" "$(nginx_rss_kb)"
}
fact() { printf '%s\t%s\n' "$1" "$2" >>"$TMP/facts.tsv"; }

# body_bytes: response sizes per peer and encoding, as facts.
body_bytes() {
  local peer url enc hdr bytes
  for peer in exporter nginx pushgateway; do
    case $peer in exporter) url=$EXPORTER_URL ;; nginx) url=$NGINX_URL ;; pushgateway) url=$PGW_URL ;; esac
    for enc in identity gzip; do
      hdr=()
      [[ $enc == identity ]] || hdr=(-H "Accept-Encoding: $enc")
      bytes=$(curl -fsS --max-time 10 "${hdr[@]}" -o /dev/null -w '%{size_download}' "$url") || die "GET $url failed"
      fact "bytes_${peer}_$enc" "$bytes"
    done
  done
}

: >"$TMP/results.tsv"
: >"$TMP/facts.tsv"

# --- 1. pipeline-sim, the exporter (defaults), nginx, the pushgateway -------------------------
start_layer_sim
start_layer_exporter exporter
save_exposition
start_on_free_port nginx /metrics launch_nginx
NGINX_PID=$STARTED_PID
NGINX_URL=http://127.0.0.1:$STARTED_PORT/metrics
NGINX_WORKER_PIDS=()
for ((i = 0; i < 50 && ${#NGINX_WORKER_PIDS[@]} < NGINX_WORKERS; i++)); do
  mapfile -t NGINX_WORKER_PIDS < <(ps -o pid= --ppid "$NGINX_PID" | tr -d ' ')
  sleep 0.1
done
((${#NGINX_WORKER_PIDS[@]} == NGINX_WORKERS)) || die "nginx has ${#NGINX_WORKER_PIDS[@]} workers, want $NGINX_WORKERS"
track_pid "${NGINX_WORKER_PIDS[@]}"
log "nginx pid $NGINX_PID (workers ${NGINX_WORKER_PIDS[*]}) on $NGINX_URL"
check_nginx
start_pushgateway
push_exposition "$TMP/www/metrics"

fact series "$SERIES"
fact usdcop_series "$USDCOP_SERIES"
fact pgw_series "$PGW_SERIES"
body_bytes

runs=$((ROUNDS * $(wc -w <<<"$CONNECTIONS") * $(wc -w <<<"$ENCODINGS") * 3))
phases=$((IDLE_CONNS > 0 ? 2 : 1))
log "running wrk: $phases phases x $runs runs x ${DURATION}s (~$((phases * runs * (DURATION + 1) / 60 + 1)) min)"

# --- 2. no idle connections -----------------------------------------------------------------
run_phase 0
rest_and_measure plain

# --- 3. IDLE_CONNS idle connections to the port measured ---------------------------------------
idle_flags=()
if ((IDLE_CONNS > 0)); then
  if "$EXPORTER" --help 2>&1 | grep -q -- '--web.max-connections-per-address'; then
    limit=$((IDLE_CONNS + 1024 > 4096 ? IDLE_CONNS + 1024 : 4096))
    idle_flags=(--web.max-connections "$limit" --web.max-connections-per-address "$limit")
  fi
  # A fresh exporter (so that its RSS tells what this phase costs), with its own exposition:
  # nginx and the pushgateway get that one.
  stop_untrack "$EXPORTER_PID"
  start_layer_exporter exporter-idle "${idle_flags[@]}"
  save_exposition
  check_nginx
  push_exposition "$TMP/www/metrics"
  run_phase "$IDLE_CONNS"
  rest_and_measure idle
fi

# --- 4. the table ---------------------------------------------------------------------------
fact idle_flags "${idle_flags[*]:-none (this build does not list --web.max-connections-per-address)}"
fact nginx_version "$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')"
fact pgw_version "$(prometheus-pushgateway --version 2>&1 | head -n1 | awk '{print $3}')"
fact cpus "$(nproc)"
fact command "ROUNDS=$ROUNDS DURATION=$DURATION CONNECTIONS=\"$CONNECTIONS\" ENCODINGS=\"$ENCODINGS\" THREADS=$THREADS IDLE_CONNS=$IDLE_CONNS NGINX_WORKERS=$NGINX_WORKERS REST_SECONDS=$REST_SECONDS LAYERS=$LAYERS bash bench/front_door.sh"
python3 - "$TMP/results.tsv" "$TMP/facts.tsv" "$THREADS" "$DURATION" "$ROUNDS" "$NGINX_WORKERS" <<'EOF'
import math, statistics, sys
results, facts_path, threads, duration, rounds, workers = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(results) if l.strip()]
facts = dict(l.rstrip("\n").split("\t", 1) for l in open(facts_path) if l.strip())
IDLE, PEER, CONNS, ENC, ROUND, RPS, P99, REQS, ERRS, OVF, CPU, OPENED, OPEN0, OPEN1 = range(14)

def cells():
    seen = []
    for r in rows:
        k = (r[IDLE], r[CONNS], r[ENC])
        if k not in seen:
            seen.append(k)
    return seen

def pick(k, peer):
    return [r for r in rows if (r[IDLE], r[CONNS], r[ENC]) == k and r[PEER] == peer]

def med(k, peer, col):
    # p99 is nan when no request completed: such a round counts as infinitely slow.
    vals = [float(r[col]) for r in pick(k, peer)]
    return statistics.median([math.inf if math.isnan(v) else v for v in vals])

def cpu_us(k, peer):
    # server CPU time per answered request (all its processes and threads), median of the rounds
    vals = [float(r[CPU]) * 1000 / int(r[REQS]) if int(r[REQS]) else math.inf for r in pick(k, peer)]
    return statistics.median(vals)

def us(v):
    return "n/a" if math.isinf(v) else f"{v:.0f}"

def ms(v):
    return "none completed" if math.isinf(v) else f"{v:.2f} ms"

def ratio(a, b):
    if math.isinf(a):
        return math.inf
    return a / b if b else math.inf

def times(v, suffix="x"):
    return "n/a" if math.isinf(v) else f"{v:.2f}{suffix}"

def mb(kb):
    return f"{int(kb) * 1024 / 1e6:.1f} MB"

def idle_label(idle):
    return "none" if idle == "0" else f"{int(idle):,}"

print()
print("## usdcop_exporter vs nginx (static file) vs prometheus-pushgateway: GET /metrics")
print(f"wrk -t{threads} -d{duration}s --latency, median of {rounds} rounds per cell, peers alternating; "
      f"{facts['cpus']} CPUs shared by wrk and the servers; nginx {facts['nginx_version']} "
      f"({workers} workers, sendfile, gzip_static), pushgateway {facts['pgw_version']}")
print(f"exposition: {facts['series']} sample lines ({facts['usdcop_series']} usdcop_*); "
      f"body bytes identity/gzip: exporter {facts['bytes_exporter_identity']}/{facts['bytes_exporter_gzip']}, "
      f"nginx {facts['bytes_nginx_identity']}/{facts['bytes_nginx_gzip']}, "
      f"pushgateway {facts['bytes_pushgateway_identity']}/{facts['bytes_pushgateway_gzip']}")
if any(r[IDLE] != "0" for r in rows):
    print(f"idle phase: exporter flags: {facts['idle_flags']}")
print()
print("| idle connections | connections | encoding | exporter req/s | nginx req/s | ratio | exporter p99 | nginx p99 | p99 ratio | pushgateway req/s | pushgateway p99 |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
verdicts = []
for k in cells():
    idle, conns, enc = k
    er, nr, pr = med(k, "exporter", RPS), med(k, "nginx", RPS), med(k, "pushgateway", RPS)
    el, nl, pl = med(k, "exporter", P99), med(k, "nginx", P99), med(k, "pushgateway", P99)
    rr, lr = ratio(er, nr), ratio(el, nl)
    print(f"| {idle_label(idle)} | {conns} | {enc} | {er:,.0f} | {nr:,.0f} | {times(rr)} | {ms(el)} | {ms(nl)} | "
          f"{times(lr, '')} | {pr:,.0f} | {ms(pl)} |")
    where = f"{conns} conns, {enc}, idle {idle_label(idle)}"
    verdicts.append((f"req/s >= 0.8x nginx's ({where})", times(rr), rr >= 0.8))
    verdicts.append((f"p99 <= 1.5x nginx's ({where})", times(lr), lr <= 1.5))
print()
for phase, what in (("plain", "after the plain runs"), ("idle", "after the idle-connection runs")):
    if f"{phase}_rss_kb" not in facts:
        continue
    rss = int(facts[f"{phase}_rss_kb"])
    print(f"exporter VmRSS at rest {what}: {mb(rss)} (RssAnon {mb(facts[phase + '_anon_kb'])}, "
          f"RssFile {mb(facts[phase + '_file_kb'])}; peak VmHWM {mb(facts[phase + '_hwm_kb'])}; "
          f"{facts[phase + '_threads']} threads); nginx (master + workers): {mb(facts[phase + '_nginx_rss_kb'])}")
    verdicts.append((f"exporter RSS at rest < 20 MB ({what})", mb(rss), rss * 1024 < 20e6))

print()
print("Server CPU time per request (µs, user + system, all processes and threads; median of the rounds):")
print()
print("| idle connections | connections | encoding | exporter | nginx | pushgateway |")
print("|---|---|---|---|---|---|")
for k in cells():
    idle, conns, enc = k
    print(f"| {idle_label(idle)} | {conns} | {enc} | {us(cpu_us(k, 'exporter'))} | {us(cpu_us(k, 'nginx'))} | "
          f"{us(cpu_us(k, 'pushgateway'))} |")

problems = []
for peer in ("exporter", "nginx", "pushgateway"):
    errs = sum(int(r[ERRS]) for r in rows if r[PEER] == peer)
    if errs:
        problems.append(f"{peer}: {errs} wrk errors (non-2xx or socket errors) in all")
    idle_rows = [r for r in rows if r[PEER] == peer and r[IDLE] != "0"]
    if idle_rows:
        lo = min(min(int(r[OPEN0]), int(r[OPEN1])) for r in idle_rows)
        want = int(idle_rows[0][IDLE])
        if lo < want:
            problems.append(f"{peer}: as few as {lo} of the {want} idle connections open during a run")
print()
print("targets:")
for name, value, ok in verdicts:
    print(f"  {'PASS' if ok else 'FAIL'}  {name:<64} {value}")
if problems:
    print()
    print("noticed:")
    for p in problems:
        print(f"  {p}")
print()
print("per run (idle, peer, connections, encoding, round, req/s, p99 ms, requests, errors, listen overflows,")
print("         server CPU ms, idle connections opened / open at start / open at end):")
for r in rows:
    print(f"  {r[IDLE]:>5} {r[PEER]:<12} {r[CONNS]:>4} {r[ENC]:<8} {r[ROUND]:>2} {float(r[RPS]):>10.1f} {r[P99]:>9} "
          f"{r[REQS]:>8} {r[ERRS]:>5} {r[OVF]:>5} {r[CPU]:>6}  {r[OPENED]}/{r[OPEN0]}/{r[OPEN1]}")
print()
print("reproduce:")
print(f"  {facts['command']}")
EOF
log "done"
