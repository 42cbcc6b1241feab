#!/usr/bin/env bash
# market_data probe cycle time vs table size, and vs a plain full-window SQL scan.
#
# One PostgreSQL 15 cluster; for each size N (10k, 1M, 10M rows) a database bench_N holds
# usdcop_m5_ohlcv (the DESIGN.md schema) with N 5-minute USD/COP bars ending at the current
# 5-minute boundary, indexed on (symbol, created_at) and (symbol, time). An exporter with a
# 24/7 calendar (every row on the calendar) and windows [session, 7d, 30d] probes it every 2 s:
#   cold cycle:        usdcop_probe_duration_seconds of the first successful run (reads the window)
#   incremental cycle: median usdcop_probe_duration_seconds of the next ROUNDS runs, while a
#                      background loop inserts one new bar row every 2 s
#   full scan:         one SQL query computing expected / observed / missing / duplicates /
#                      outliers for the same three windows from the table, timed by psql
#                      (\timing), median of ROUNDS runs
# and the targets of the issue are checked:
#   cycle(10M)/cycle(10k) < 2 (incremental medians), full scan / incremental >= 50 at 1M,
#   cold cycle at 1M < 2 s.
# It is a benchmark: it prints PASS/FAIL per target and exits 0 unless something broke.
#
# Usage: bench/market_data_cycle.sh
# Environment:
#   BUILD_DIR  build directory (default: <repo>/build)
#   SIZES      row counts (default "10000 1000000 10000000")
#   ROUNDS     incremental runs and full-scan runs per size (default 10; the median is reported)
#   PG_BIN     PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
#
# Run as root (PostgreSQL runs as the postgres user via runuser) or as a user who may run
# initdb/postgres itself.
set -euo pipefail

# --- parameters ------------------------------------------------------------------------
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
SIZES=${SIZES:-"10000 1000000 10000000"}
ROUNDS=${ROUNDS:-10}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
INTERVAL_S=2           # probe interval (s); the inserter adds one row per interval
READY_TIMEOUT=30       # seconds to wait for a process or the first successful run
LOAD_TIMEOUT=1800      # seconds for loading one size (10M rows take a minute or two)
SYMBOL='USD/COP'

EXPORTER=$BUILD_DIR/exporter/usdcop_exporter

die() { echo "market_data_cycle: error: $*" >&2; exit 1; }
log() { echo "market_data_cycle: $*" >&2; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer (got '$ROUNDS')"
[[ -n ${SIZES// /} ]] || die "SIZES is empty"
for n in $SIZES; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "SIZES must be positive integers (got '$n')"
done
[[ -x $EXPORTER ]] || die "no exporter at $EXPORTER (build first, or set BUILD_DIR)"
for tool in initdb postgres psql pg_isready; do
  [[ -x $PG_BIN/$tool ]] || die "no $tool in $PG_BIN (apt-get install postgresql-15, or set PG_BIN)"
done
for tool in curl python3 timeout; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

# --- processes and cleanup -------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/usdcop-bench.XXXXXX")
PGDATA_DIR=$TMP/pg/data
SOCK_DIR=$TMP/pg
PG_PID=""          # runuser (or postgres itself) as started
EXPORTER_PID=""
INSERTER_PID=""

as_owner() {  # run a PostgreSQL server binary as the postgres user when we are root
  if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi
}


stop_postgres() {  # SIGINT (fast shutdown) to the postmaster named in postmaster.pid
  local pid="" i
  [[ -n $PG_PID ]] || return 0
  if [[ -f $PGDATA_DIR/postmaster.pid ]]; then
    pid=$(head -n1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true)
  fi
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null || true
  else
    kill -INT "$PG_PID" 2>/dev/null || true
  fi
  for ((i = 0; i < 150; i++)); do
    kill -0 "$PG_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$PG_PID" 2>/dev/null; then
    [[ $pid =~ ^[0-9]+$ ]] && kill -QUIT "$pid" 2>/dev/null || true
    sleep 1
    stop_pid "$PG_PID"
  fi
  wait "$PG_PID" 2>/dev/null || true
  PG_PID=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$INSERTER_PID"
  stop_pid "$EXPORTER_PID"
  stop_postgres
  if ((rc != 0)); then show_logs "$TMP"/exporter-*.err "$TMP"/inserter-*.err "$TMP/pg/server.log"; fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM



PG_PORT=""
psql_db() {  # psql_db DB [psql args...]: as postgres over the socket, stop on the first error
  local db=$1
  shift
  "$PG_BIN/psql" -X -h "$SOCK_DIR" -p "$PG_PORT" -U postgres -d "$db" -v ON_ERROR_STOP=1 -q "$@"
}

# --- 1. PostgreSQL ----------------------------------------------------------------------
mkdir -p "$SOCK_DIR"
if ((EUID == 0)); then
  getent passwd postgres >/dev/null || die "no postgres user (apt-get install postgresql)"
  chown postgres: "$TMP" "$SOCK_DIR"
fi
as_owner "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  -E UTF8 --locale=C >"$TMP/initdb.out" 2>&1 || die "initdb failed: $(tail -n 5 "$TMP/initdb.out")"
for attempt in 1 2 3; do
  PG_PORT=$(free_port) || die "no free port for PostgreSQL"
  as_owner "$PG_BIN/postgres" -D "$PGDATA_DIR" -k "$SOCK_DIR" -c listen_addresses=127.0.0.1 -p "$PG_PORT" \
    -c fsync=off -c max_connections=50 -c shared_buffers=256MB -c maintenance_work_mem=512MB \
    >"$SOCK_DIR/server.log" 2>&1 &
  PG_PID=$!
  ready=0
  for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
    kill -0 "$PG_PID" 2>/dev/null || break
    if "$PG_BIN/pg_isready" -q -h "$SOCK_DIR" -p "$PG_PORT" 2>/dev/null; then
      ready=1
      break
    fi
    sleep 0.1
  done
  ((ready == 1)) && break
  log "PostgreSQL did not start on port $PG_PORT (attempt $attempt): $(tail -n1 "$SOCK_DIR/server.log" 2>/dev/null)"
  stop_postgres
done
((ready == 1)) || die "PostgreSQL did not start"
log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') pid $PG_PID on 127.0.0.1:$PG_PORT (socket $SOCK_DIR)"

MONITOR_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
printf '%s' "$MONITOR_PASSWORD" >"$TMP/monitor_password"
chmod 600 "$TMP/monitor_password"
psql_db postgres -c "CREATE ROLE monitor LOGIN PASSWORD '$MONITOR_PASSWORD'" || die "CREATE ROLE monitor failed"

# --- the SQL ---------------------------------------------------------------------------
# N bars, newest at the current 5-minute boundary; ingested 5 min + 2 s after the bar opened.
load_sql() {
  local n=$1
  cat <<EOF
CREATE TABLE usdcop_m5_ohlcv (
  time timestamptz NOT NULL,
  symbol text NOT NULL,
  open float8,
  high float8,
  low float8,
  close float8,
  volume float8,
  source text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz
);
INSERT INTO usdcop_m5_ohlcv (time, symbol, open, high, low, close, volume, source, created_at, updated_at)
SELECT t, '$SYMBOL', o, greatest(o, c) + 0.5, least(o, c) - 0.5, c, 1000 + (i % 97), 'bench',
       t + interval '5 min 2 s', t + interval '5 min 2 s'
FROM (
  SELECT i, t,
         4000 + 15 * sin((i + 1) / 40.0) + ((i + 1) % 7) * 0.1 AS o,
         4000 + 15 * sin(i / 40.0) + (i % 7) * 0.1 AS c
  FROM (
    SELECT i, to_timestamp(floor(extract(epoch FROM now()) / 300) * 300) - i * interval '5 min' AS t
    FROM generate_series(0, $n - 1) AS g(i)
  ) s
) p;
CREATE INDEX ON usdcop_m5_ohlcv (symbol, created_at);
CREATE INDEX ON usdcop_m5_ohlcv (symbol, time);
ANALYZE usdcop_m5_ohlcv;
GRANT SELECT ON usdcop_m5_ohlcv TO monitor;
EOF
}

# The same windows as the probe (calendar 24/7 in America/Bogota, 5-minute bars, arrival
# grace 30 s), computed from the table in one query: expected bars on the grid of each window
# that closed (plus the grace) by now, LEFT JOINed to the per-bar-time aggregate of its rows.
read -r -d '' FULL_SCAN_SQL <<EOF || true
WITH win(w, from_t, as_of) AS (
  VALUES ('session', date_trunc('day', now() AT TIME ZONE 'America/Bogota') AT TIME ZONE 'America/Bogota', now()),
         ('7d', now() - interval '7 days', now()),
         ('30d', now() - interval '30 days', now())
), expected AS (
  SELECT win.w, g.t
  FROM win, generate_series(to_timestamp(ceil(extract(epoch FROM win.from_t) / 300) * 300),
                            win.as_of - interval '5 min 30 s', interval '5 min') AS g(t)
), bars AS (
  SELECT win.w, o.time AS t, count(*) AS n,
         bool_or(o.high < o.low OR o.high < greatest(o.open, o.close) OR o.low > least(o.open, o.close)) AS bad_ohlc,
         bool_or(o.open <= 0 OR o.high <= 0 OR o.low <= 0 OR o.close <= 0) AS non_positive
  FROM win JOIN usdcop_m5_ohlcv o ON o.symbol = '$SYMBOL' AND o.time >= win.from_t AND o.time < win.as_of
  GROUP BY win.w, o.time
), coverage AS (
  SELECT e.w, count(*) AS expected, count(b.t) AS observed
  FROM expected e LEFT JOIN bars b ON b.w = e.w AND b.t = e.t
  GROUP BY e.w
), quality AS (
  SELECT w, sum(n - 1) AS duplicates,
         count(*) FILTER (WHERE bad_ohlc) + count(*) FILTER (WHERE non_positive) AS outliers
  FROM bars GROUP BY w
)
SELECT win.w, coalesce(c.expected, 0) AS expected, coalesce(c.observed, 0) AS observed,
       coalesce(c.expected, 0) - coalesce(c.observed, 0) AS missing,
       coalesce(q.duplicates, 0) AS duplicates, coalesce(q.outliers, 0) AS outliers
FROM win LEFT JOIN coverage c USING (w) LEFT JOIN quality q USING (w)
ORDER BY win.w;
EOF

# One new bar per call: the bar after the newest, ingested now.
INSERT_SQL="INSERT INTO usdcop_m5_ohlcv (time, symbol, open, high, low, close, volume, source, created_at)
SELECT t, '$SYMBOL', 4000, 4001, 3999, 4000.5, 1000, 'bench-insert', clock_timestamp()
FROM (SELECT max(time) + interval '5 min' AS t FROM usdcop_m5_ohlcv WHERE symbol = '$SYMBOL') m;"

# metric NAME FILE: the value of the sample NAME (exact series text) in an exposition file
metric() { awk -v k="$1" '$1 == k {print $2; exit}' "$2"; }

D_SERIES='usdcop_probe_duration_seconds{probe="market_data"}'
T_SERIES='usdcop_probe_last_run_timestamp_seconds{probe="market_data"}'
S_SERIES='usdcop_probe_success{probe="market_data"}'

# next_run URL LAST_TS SECONDS OUT: wait for a run newer than LAST_TS; leaves the scrape in OUT
next_run() {
  local url=$1 last=$2 secs=$3 out=$4 i ts
  for ((i = 0; i < secs * 20; i++)); do
    kill -0 "$EXPORTER_PID" 2>/dev/null || die "the exporter exited"
    if curl -fsS --max-time 2 -o "$out" "$url" 2>/dev/null; then
      ts=$(metric "$T_SERIES" "$out")
      if [[ -n $ts && $ts != "$last" && $ts != 0 ]]; then
        echo "$ts"
        return 0
      fi
    fi
    sleep 0.05
  done
  return 1
}

RESULTS=$TMP/results.tsv
: >"$RESULTS"

# --- 2. per size ------------------------------------------------------------------------
for N in $SIZES; do
  DB=bench_$N
  log "--- $N rows: loading $DB"
  psql_db postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" || die "CREATE DATABASE $DB failed"
  load_start=$(date +%s.%N)
  load_sql "$N" | timeout "$LOAD_TIMEOUT" "$PG_BIN/psql" -X -h "$SOCK_DIR" -p "$PG_PORT" -U postgres -d "$DB" \
    -v ON_ERROR_STOP=1 -q -f - >"$TMP/load-$N.out" 2>&1 || die "loading $N rows failed: $(tail -n 5 "$TMP/load-$N.out")"
  load_s=$(python3 -c "import time; print(f'{time.time() - $load_start:.1f}')")
  count=$(psql_db "$DB" -At -c "SELECT count(*) FROM usdcop_m5_ohlcv")
  [[ $count == "$N" ]] || die "$DB has $count rows, want $N"
  table_mb=$(psql_db "$DB" -At -c "SELECT round(pg_total_relation_size('usdcop_m5_ohlcv') / 1048576.0)")
  log "$N rows loaded in ${load_s}s ($table_mb MiB with indexes)"

  # The exporter, with a fresh state file.
  cfg=$TMP/exporter-$N.yml
  cat >"$cfg" <<EOF
calendar:
  sessions:
    - {days: [sun, mon, tue, wed, thu, fri, sat], open: "00:00", close: "23:55"}
  bar_interval: 5m
  holidays: []
probes:
  market_data:
    interval: ${INTERVAL_S}s
    timeout: 1500ms
    source:
      postgres: "host=127.0.0.1 port=$PG_PORT dbname=$DB user=monitor"
      password_file: $TMP/monitor_password
    windows: [session, 7d, 30d]
EOF
  "$EXPORTER" --config.check --config.file="$cfg" >"$TMP/config-check.out" 2>&1 ||
    die "generated config is invalid: $(cat "$TMP/config-check.out")"
  URL=""
  for attempt in 1 2 3; do
    port=$(free_port) || die "no free port for the exporter"
    "$EXPORTER" --config.file="$cfg" --web.listen-address="127.0.0.1:$port" --storage.path="$TMP/state_$N.db" \
      2>"$TMP/exporter-$N.err" >/dev/null &
    EXPORTER_PID=$!
    if wait_for_line "$TMP/exporter-$N.err" "msg=listening address=127\\.0\\.0\\.1:$port" "$EXPORTER_PID" 10 >/dev/null; then
      URL=http://127.0.0.1:$port/metrics
      break
    fi
    log "the exporter did not start on port $port (attempt $attempt): $(tail -n1 "$TMP/exporter-$N.err" 2>/dev/null)"
    stop_pid "$EXPORTER_PID"
    EXPORTER_PID=""
  done
  [[ -n $URL ]] || die "the exporter did not start"
  log "exporter pid $EXPORTER_PID on $URL"

  # Cold: the first run that succeeds (a failed run leaves the probe cold).
  scrape=$TMP/scrape-$N.prom
  last=""
  cold_ms=""
  for ((k = 0; k < 5; k++)); do
    last=$(next_run "$URL" "$last" "$READY_TIMEOUT" "$scrape") || die "no market_data run within ${READY_TIMEOUT}s"
    if [[ $(metric "$S_SERIES" "$scrape") == 1 ]]; then
      cold_ms=$(awk -v d="$(metric "$D_SERIES" "$scrape")" 'BEGIN {printf "%.3f", d * 1000}')
      break
    fi
    log "run failed: $(grep -E '^usdcop_probe_errors_total\{probe="market_data"' "$scrape" | grep -v ' 0$' | tr '\n' ' ')"
  done
  [[ -n $cold_ms ]] || die "usdcop_probe_success{probe=\"market_data\"} is not 1 after 5 runs: $(tail -n 3 "$TMP/exporter-$N.err")"
  cp "$scrape" "$TMP/cold-$N.prom"
  log "cold cycle ${cold_ms} ms"

  # Incremental: ROUNDS more runs, with one new row every INTERVAL_S seconds.
  inserts_max=$((ROUNDS * 2 + 20))
  (
    for ((j = 0; j < inserts_max; j++)); do
      "$PG_BIN/psql" -X -h "$SOCK_DIR" -p "$PG_PORT" -U postgres -d "$DB" -v ON_ERROR_STOP=1 -q -c "$INSERT_SQL" ||
        exit 1
      sleep "$INTERVAL_S"
    done
  ) >/dev/null 2>"$TMP/inserter-$N.err" &
  INSERTER_PID=$!
  incr=()
  failed=0
  for ((k = 0; k < ROUNDS; k++)); do
    last=$(next_run "$URL" "$last" $((INTERVAL_S * 3 + 5)) "$scrape") || die "no market_data run within $((INTERVAL_S * 3 + 5))s"
    if [[ $(metric "$S_SERIES" "$scrape") != 1 ]]; then
      failed=$((failed + 1))
      log "incremental run failed: $(grep -E '^usdcop_probe_errors_total\{probe="market_data"' "$scrape" | grep -v ' 0$' | tr '\n' ' ')$(grep -E 'market_data' "$TMP/exporter-$N.err" | grep -iE 'level=(warn|error)' | tail -n1)"
      continue
    fi
    incr+=("$(awk -v d="$(metric "$D_SERIES" "$scrape")" 'BEGIN {printf "%.3f", d * 1000}')")
  done
  stop_pid "$INSERTER_PID"
  INSERTER_PID=""
  ((${#incr[@]} > 0)) || die "no incremental run succeeded"
  ingested=$(metric 'usdcop_l0_records_ingested_total{symbol="USD/COP"}' "$scrape")
  log "incremental cycles (ms): ${incr[*]} ($failed failed; ${ingested:-?} rows ingested)"
  stop_pid "$EXPORTER_PID"
  EXPORTER_PID=""

  # Full scan: ROUNDS runs in one psql session, \timing on.
  {
    printf '%s\n' '\timing on'
    for ((k = 0; k < ROUNDS; k++)); do echo "$FULL_SCAN_SQL"; done
  } | timeout 600 "$PG_BIN/psql" -X -h "$SOCK_DIR" -p "$PG_PORT" -U postgres -d "$DB" -v ON_ERROR_STOP=1 \
    -At -F $'\t' -f - >"$TMP/scan-$N.out" 2>&1 || die "full scan failed: $(tail -n 5 "$TMP/scan-$N.out")"
  scans=$(grep -oE '^Time: [0-9.]+ ms' "$TMP/scan-$N.out" | awk '{print $2}' | tr '\n' ' ')
  [[ $(wc -w <<<"$scans") == "$ROUNDS" ]] || die "cannot parse psql timings: $(head -n 5 "$TMP/scan-$N.out")"
  scan_figures=$(grep -E $'^(30d|7d|session)\t' "$TMP/scan-$N.out" | tail -n 3 | tr '\t\n' ', ' | sed 's/, $//')
  probe_30d="$(metric 'usdcop_l0_bars_expected{symbol="USD/COP",window="30d"}' "$scrape")/$(metric 'usdcop_l0_bars_observed{symbol="USD/COP",window="30d"}' "$scrape")"
  log "full scan (ms): $scans"
  log "full scan figures (window, expected, observed, missing, duplicates, outliers): $scan_figures"
  log "probe 30d expected/observed: $probe_30d"

  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$N" "$load_s" "$table_mb" "$cold_ms" "${incr[*]}" "$scans" "$failed" >>"$RESULTS"
  psql_db postgres -c "DROP DATABASE $DB" || die "DROP DATABASE $DB failed"
done

# --- 3. the table ---------------------------------------------------------------------------
python3 - "$RESULTS" <<EOF
import statistics, sys
rows = []
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    n, load_s, mb, cold, incr, scans, failed = line.rstrip("\n").split("\t")
    rows.append(dict(n=int(n), load=float(load_s), mb=mb, cold=float(cold),
                     incr=statistics.median(float(x) for x in incr.split()),
                     incr_all=[float(x) for x in incr.split()],
                     scan=statistics.median(float(x) for x in scans.split()),
                     scan_first=float(scans.split()[0]), failed=int(failed)))
by_n = {r["n"]: r for r in rows}
print()
print("market_data probe cycle vs a full-window SQL scan (PostgreSQL 15, windows session/7d/30d, 24/7 5m calendar)")
print(f"$ROUNDS incremental runs and $ROUNDS full scans per size, median shown; one new row every ${INTERVAL_S}s "
      f"during the incremental runs; $(nproc) CPUs shared by PostgreSQL, the exporter and psql")
print()
hdr = (f"{'rows':>10} | {'load s':>7} {'MiB':>6} | {'cold ms':>8} {'incr ms':>8} | {'scan ms':>8} {'scan 1st':>8} | "
       f"{'scan/incr':>9} | {'failed':>6}")
print(hdr)
print("-" * len(hdr))
for r in rows:
    ratio = r["scan"] / r["incr"] if r["incr"] else float("inf")
    print(f"{r['n']:>10} | {r['load']:>7.1f} {r['mb']:>6} | {r['cold']:>8.2f} {r['incr']:>8.2f} | "
          f"{r['scan']:>8.2f} {r['scan_first']:>8.2f} | {ratio:>8.1f}x | {r['failed']:>6}")
print()
print("(cold: the first successful run, reading the window; incr: later runs, reading new rows only;")
print(" scan: one query computing the same figures from the table; scan 1st: its first run)")
print()
verdicts = []
small, big, mid = by_n.get(10000), by_n.get(10000000), by_n.get(1000000)
if small and big:
    v = big["incr"] / small["incr"]
    verdicts.append(("cycle(10M) / cycle(10k) < 2 (incremental medians)", f"{v:.2f}", v < 2))
else:
    verdicts.append(("cycle(10M) / cycle(10k) < 2 (incremental medians)", "not run (SIZES)", None))
if mid:
    v = mid["scan"] / mid["incr"]
    verdicts.append(("full scan / incremental cycle >= 50 at 1M rows", f"{v:.1f}x", v >= 50))
    verdicts.append(("cold cycle at 1M rows < 2000 ms", f"{mid['cold']:.1f} ms", mid["cold"] < 2000))
else:
    verdicts.append(("full scan / incremental cycle >= 50 at 1M rows", "not run (SIZES)", None))
    verdicts.append(("cold cycle at 1M rows < 2000 ms", "not run (SIZES)", None))
print("targets:")
for name, value, ok in verdicts:
    print(f"  {'SKIP' if ok is None else 'PASS' if ok else 'FAIL'}  {name:<52} {value}")
print()
print("per-run incremental cycles (ms):")
for r in rows:
    print(f"  {r['n']:>10}: " + " ".join(f"{x:.2f}" for x in r["incr_all"]))
EOF
log "done"
