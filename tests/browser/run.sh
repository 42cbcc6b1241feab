#!/usr/bin/env bash
# Runs the status page's browser test (status_page.test.mjs) against a fresh stack.sh (real
# pipeline-sim, usdcop_exporter and Alertmanager) and stops everything it started.
#
#   bash tests/browser/run.sh          the page as the exporter serves it on its control port
#
# PIPELINE_SIM and USDCOP_EXPORTER name the binaries (default: build/...); DIR (default
# /tmp/status-page-<pid>) holds the stack's files; STATUS_PAGE_ARTIFACTS the screenshots (default
# $DIR/artifacts). Exit code: the test's (77: Chromium or playwright-core missing).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DIR=${DIR:-/tmp/status-page-$$}
export STATUS_PAGE_ARTIFACTS=${STATUS_PAGE_ARTIFACTS:-$DIR/artifacts}
[ -x /usr/bin/chromium ] || { echo "SKIP: /usr/bin/chromium is missing (bash scripts/install-deps)"; exit 77; }
bash "$here/install.sh" >/dev/null || { echo "SKIP: playwright-core could not be installed (bash tests/browser/install.sh)"; exit 77; }
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
mkdir -p "$DIR"
rm -f "$DIR/env"
bash "$here/stack.sh" >"$DIR.stack.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do [ -s "$DIR/env" ] && break; sleep 0.2; done
[ -s "$DIR/env" ] || { echo "run.sh: the stack did not start:" >&2; cat "$DIR.stack.log" >&2; exit 1; }
set -a; source "$DIR/env"; set +a
export STATUS_PAGE_STATE_DB=$DIR/usdcop_exporter.db
export STATUS_PAGE_URL=$STATUS_PAGE_CONTROL_URL
# Every probe's first result (the exporter's readiness), so that the page starts from a steady
# state; bounded at 30 s.
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null --max-time 1 "$STATUS_PAGE_EXPORTER_URL/-/ready" 2>/dev/null && break
  sleep 0.2
done
node "$here/status_page.test.mjs"
