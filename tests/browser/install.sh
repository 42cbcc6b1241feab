#!/usr/bin/env bash
# Installs the status page's browser test driver: npm's playwright-core at the version pinned in
# package-lock.json, with `npm ci` into tests/browser/node_modules (git-ignored), no install
# scripts run (playwright-core downloads no browser: the test drives Debian's /usr/bin/chromium,
# which scripts/install-deps installs). Needs Node.js >= 20 (playwright-core 1.65's minimum).
# Skips the install when node_modules already holds the pinned version.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null || { echo "install.sh: npm is missing (bash scripts/install-deps)" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "install.sh: Node.js $(node --version) is too old: playwright-core needs >= 20" >&2; exit 1; }
want=$(node -p 'require("./package-lock.json").packages["node_modules/playwright-core"].version')
have=$(node -p 'try { require("./node_modules/playwright-core/package.json").version } catch { "" }')
if [ "$have" = "$want" ]; then echo "install.sh: playwright-core $have present"; exit 0; fi
timeout 600 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
echo "install.sh: playwright-core $want installed in $(pwd)/node_modules"
[ -x /usr/bin/chromium ] || echo "install.sh: note: /usr/bin/chromium is missing (bash scripts/install-deps installs it)" >&2
