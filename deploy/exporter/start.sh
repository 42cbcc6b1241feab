#!/bin/sh
# The exporter's entrypoint in docker-compose.yml: renders the config template (each
# "@sha256:NAME@" becomes the SHA-256 of the secret file $SECRETS_DIR/NAME, without its trailing
# newline, as `printf %s TOKEN | sha256sum` gives it) and runs the exporter with the copy.
#   TEMPLATE  the template          (default /etc/usdcop_exporter/config.yml)
#   RENDERED  where the copy goes   (default /var/lib/usdcop_exporter/config.yml)
#   SECRETS_DIR                     (default /run/secrets)
#   EXPORTER  the binary            (default usdcop_exporter)
# `start.sh --render-only` renders and stops (deploy/tests/check.sh uses it); other arguments go
# to the exporter. A placeholder whose secret file is missing or empty stops the start.
set -eu
template=${TEMPLATE:-/etc/usdcop_exporter/config.yml}
rendered=${RENDERED:-/var/lib/usdcop_exporter/config.yml}
secrets=${SECRETS_DIR:-/run/secrets}
exporter=${EXPORTER:-usdcop_exporter}

tmp="$rendered.tmp.$$"
cp "$template" "$tmp"
for name in $(grep -v '^[[:space:]]*#' "$template" | grep -o '@sha256:[A-Za-z0-9_.-]*@' | sed 's/^@sha256:\(.*\)@$/\1/' | sort -u); do
  file="$secrets/$name"
  if [ ! -s "$file" ]; then
    echo "start.sh: $file is missing or empty (run deploy/make-secrets)" >&2
    rm -f "$tmp"
    exit 1
  fi
  digest=$(tr -d '\n' <"$file" | sha256sum | cut -d' ' -f1)
  sed -i "s/@sha256:$name@/$digest/g" "$tmp"
done
mv "$tmp" "$rendered"
if [ "${1:-}" = "--render-only" ]; then exit 0; fi
exec "$exporter" --config.file="$rendered" "$@"
