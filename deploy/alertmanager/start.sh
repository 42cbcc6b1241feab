#!/bin/sh
# Each Alertmanager's entrypoint in docker-compose.yml (the image's busybox sh). It renders the
# shipped alertmanager/alertmanager.yml by one replacement: the webhook's loopback URL
# (http://127.0.0.1:9813/api/alerts/webhook, right when Alertmanager and the exporter share a
# host) becomes the exporter's service (http://exporter:9813/api/alerts/webhook), and runs
# Alertmanager with the copy. Everything else, secrets and templates included, is the shipped file.
#   SHIPPED   the shipped config   (default /etc/alertmanager/shipped/alertmanager.yml)
#   RENDERED  the copy             (default /etc/alertmanager/alertmanager.yml: the image's own
#                                   config path, in a directory its user owns; templates/*.tmpl
#                                   resolve next to it, where compose mounts them)
#   WEBHOOK_URL                    (default http://exporter:9813/api/alerts/webhook)
# `start.sh --render-only` renders and stops (deploy/tests/compose_check.py uses it); other arguments go
# to Alertmanager. When the shipped file no longer holds the loopback URL the start fails.
set -eu
shipped=${SHIPPED:-/etc/alertmanager/shipped/alertmanager.yml}
rendered=${RENDERED:-/etc/alertmanager/alertmanager.yml}
from='http://127.0.0.1:9813/api/alerts/webhook'
to=${WEBHOOK_URL:-http://exporter:9813/api/alerts/webhook}

if ! grep -qF "$from" "$shipped"; then
  echo "start.sh: $shipped no longer holds $from; update deploy/alertmanager/start.sh" >&2
  exit 1
fi
sed "s#$from#$to#g" "$shipped" >"$rendered.tmp"
mv "$rendered.tmp" "$rendered"
if [ "${1:-}" = "--render-only" ]; then exit 0; fi
exec /bin/alertmanager --config.file="$rendered" "$@"
