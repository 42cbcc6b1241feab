#!/usr/bin/env bash
# Backup verification speed: the exporter's SHA-256 hasher vs `openssl dgst -sha256` and
# `sha256sum`, and the re-check of an unchanged 10,000-file backup set.
#
# 1. One file of SIZE_MIB MiB (default 1 GiB) of random bytes, read once to warm the page cache;
#    then ROUNDS rounds, each hashing it with usdcop_sha256_bench (the exporter's Sha256Hasher:
#    64 KiB reads through OpenSSL EVP), openssl dgst -sha256 and sha256sum, in turn. Each is
#    timed as a whole process (wall clock, start-up included, the same for all three); the
#    medians give MB/s and the ratios. All three digests must agree.
# 2. usdcop_sha256_bench recheck: a set of FILES small files with a manifest.json (then with a
#    SHA256SUMS), verified once (everything hashed), then re-checked unchanged RECHECK_ROUNDS
#    times by the same verifier, as the probe does every interval (the median is the figure),
#    and as after a restart (a new verifier, the cache read back from SQLite).
# Targets of the issue: hashing >= 0.9x openssl's throughput; re-check of 10,000 files < 50 ms.
# It is a benchmark: it prints PASS/FAIL per target and exits 0 unless something broke.
#
# Usage: bench/sha256_throughput.sh
# Environment:
#   BUILD_DIR       build directory (default: <repo>/build)
#   SIZE_MIB        size of the hashed file in MiB (default 1024); TMPDIR needs that much free
#   ROUNDS          rounds of the three hashers (default 3; the median is reported)
#   FILES           files of the re-checked set (default 10000)
#   RECHECK_ROUNDS  timed re-checks per kind (default 5; the median is reported)
set -euo pipefail

# --- parameters ------------------------------------------------------------------------
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
SIZE_MIB=${SIZE_MIB:-1024}
ROUNDS=${ROUNDS:-3}
FILES=${FILES:-10000}
RECHECK_ROUNDS=${RECHECK_ROUNDS:-5}
BENCH=$BUILD_DIR/bench/usdcop_sha256_bench

die() { echo "sha256_throughput: error: $*" >&2; exit 1; }
log() { echo "sha256_throughput: $*" >&2; }

for n in SIZE_MIB ROUNDS FILES RECHECK_ROUNDS; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "$n must be a positive integer (got '${!n}')"
done
[[ -x $BENCH ]] || die "no usdcop_sha256_bench at $BENCH (build first, or set BUILD_DIR)"
for tool in openssl sha256sum python3; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/usdcop-sha256-bench.XXXXXX")
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bytes=$((SIZE_MIB * 1024 * 1024))
free_kb=$(df -Pk "$TMP" | awk 'NR == 2 {print $4}')
((free_kb * 1024 > bytes + (64 << 20))) || die "$TMP has $((free_kb / 1024)) MiB free, need $SIZE_MIB MiB and some"
avail_kb=$(awk '$1 == "MemAvailable:" {print $2}' /proc/meminfo)
((avail_kb * 1024 > bytes * 2)) ||
  log "warning: MemAvailable is $((avail_kb / 1024)) MiB: the page cache may not hold the file, reads may hit the disk"

# --- 1. hashing throughput ----------------------------------------------------------------
FILE=$TMP/data.bin
log "writing $SIZE_MIB MiB of random bytes to $FILE"
head -c "$bytes" /dev/urandom >"$FILE"
cat "$FILE" >/dev/null  # warm the page cache
cat "$FILE" >/dev/null

# run_timed NAME CMD...: appends "NAME<TAB>seconds<TAB>digest" to $TMP/times.tsv
run_timed() {
  local name=$1 start end out digest
  shift
  start=$(date +%s%N)
  out=$("$@") || die "$name failed: $*"
  end=$(date +%s%N)
  case $name in
    exporter) digest=$(grep -oE 'sha256=[0-9a-f]{64}' <<<"$out") digest=${digest#sha256=} ;;
    openssl) digest=${out##* } ;;
    sha256sum) digest=${out%% *} ;;
  esac
  [[ $digest =~ ^[0-9a-f]{64}$ ]] || die "$name printed no digest: $out"
  printf '%s\t%s\t%s\n' "$name" "$(((end - start) / 1000))" "$digest" >>"$TMP/times.tsv"
  log "round $round, $name: $(awk -v us=$(((end - start) / 1000)) -v b="$bytes" 'BEGIN {printf "%.3f s, %.0f MB/s", us / 1e6, b / us}')"
}

: >"$TMP/times.tsv"
for ((round = 1; round <= ROUNDS; round++)); do
  run_timed exporter "$BENCH" hash "$FILE"
  run_timed openssl openssl dgst -sha256 "$FILE"
  run_timed sha256sum sha256sum "$FILE"
done

# --- 2. re-check of an unchanged set -----------------------------------------------------
mkdir -p "$TMP/recheck"
for format in json sums; do
  log "re-check: $FILES files with a $format manifest, $RECHECK_ROUNDS re-checks"
  "$BENCH" recheck "$TMP/recheck" "$FILES" "$format" "$RECHECK_ROUNDS" >"$TMP/recheck-$format.txt" ||
    die "usdcop_sha256_bench recheck ($format) failed: $(cat "$TMP/recheck-$format.txt")"
done

# --- 3. the table ---------------------------------------------------------------------------
python3 - "$TMP/times.tsv" "$TMP/recheck-json.txt" "$TMP/recheck-sums.txt" <<EOF
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
digests = {r[2] for r in rows}
if len(digests) != 1:
    sys.exit(f"the digests differ: {sorted(digests)}")
size = $bytes
def med(name):
    return statistics.median(int(r[1]) for r in rows if r[0] == name) / 1e6
secs = {n: med(n) for n in ("exporter", "openssl", "sha256sum")}
mbps = {n: size / s / 1e6 for n, s in secs.items()}
print()
print(f"SHA-256 of one {size >> 20} MiB file, warm page cache, median of $ROUNDS rounds "
      f"(wall clock per process, $(nproc) CPUs shared)")
print(f"digest {digests.pop()}, the same for all three")
print()
print(f"{'':34}{'seconds':>10}{'MB/s':>10}{'exporter is':>14}")
for name, label in (("exporter", "exporter (usdcop_sha256_bench)"), ("openssl", "openssl dgst -sha256"),
                    ("sha256sum", "sha256sum")):
    ratio = "" if name == "exporter" else f"{mbps['exporter'] / mbps[name]:.2f}x"
    print(f"{label:34}{secs[name]:>10.3f}{mbps[name]:>10.0f}{ratio:>14}")
print()
def kv(path):
    return dict(f.split("=", 1) for f in open(path).read().split())
rc = {fmt: kv(p) for fmt, p in (("json", sys.argv[2]), ("SHA256SUMS", sys.argv[3]))}
print(f"re-check of an unchanged set of $FILES files (median of $RECHECK_ROUNDS):")
print(f"{'manifest':12}{'first run ms':>14}{'hashed MB':>11}{'re-check ms':>13}{'min ms':>8}"
      f"{'after restart ms':>18}{'re-hashed B':>13}")
for fmt, r in rc.items():
    print(f"{fmt:12}{float(r['first_ms']):>14.1f}{int(r['first_bytes_hashed']) / 1e6:>11.1f}"
          f"{float(r['recheck_ms']):>13.1f}{float(r['recheck_min_ms']):>8.1f}"
          f"{float(r['restart_recheck_ms']):>18.1f}{int(r['recheck_bytes_hashed']):>13}")
print("(re-check: the same verifier again, as the probe each interval; after restart: a new")
print(" verifier, the manifest parsed and the cache read back from SQLite)")
ratio = mbps["exporter"] / mbps["openssl"]
worst = max(float(r["recheck_ms"]) for r in rc.values())
rehashed = sum(int(r["recheck_bytes_hashed"]) for r in rc.values())
print()
print("targets:")
for ok, name, value in (
    (ratio >= 0.9, "hashing >= 0.9x openssl dgst -sha256", f"{ratio:.2f}x"),
    (worst < 50 and rehashed == 0, "re-check of $FILES unchanged files < 50 ms", f"{worst:.1f} ms, {rehashed} bytes re-hashed"),
):
    print(f"  {'PASS' if ok else 'FAIL'}  {name:<45} {value}")
EOF
log "done"
