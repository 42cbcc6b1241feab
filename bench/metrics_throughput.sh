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
# The exporter probes the layers once (interval 1h) and serves a cached exposition throughout,
# as it does between two probe runs in production (bench/lib.sh, start_layer_exporter).
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
bench_traps

# --- 1. pipeline-sim with LAYERS DAGs; 2. the exporter probing them -----------------------
start_layer_sim
start_layer_exporter exporter
series=$SERIES
usdcop_series=$USDCOP_SERIES

# --- 3. the pushgateway with the same series --------------------------------------------
start_pushgateway
push_exposition "$TMP/exporter.prom"
pgw_series=$PGW_SERIES

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
      summary=$(wrk_once "$out" "$url" "$conns" "${hdr_args[@]}") || exit 1
      overflows=$(($(listen_overflows) - overflows_before))
      read -r rps p99 _ errors <<<"$summary"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$peer" "$conns" "$round" "$rps" "$p99" "$errors" "$overflows" >>"$results"
      log "round $round, $conns connections, $peer: $rps req/s, p99 $p99 ms, $errors errors, $overflows listen-queue overflows"
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
      f"exporter with its default flags; $(nproc) CPUs shared by wrk and the servers")
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
