#!/usr/bin/env bash
# Load figures for the public programme page and the congress API, against nginx serving the
# same bytes from a file in the same run (SPEC §9: quote ratios, the machines are noisy).
#
#   tools/bench.sh                      # SQLite (temp database with the demo congress)
#   DATABASE_URL=postgres://… tools/bench.sh   # PostgreSQL (the database must be empty or hold the demo)
#
# Needs wrk and nginx (Debian: apt-get install wrk nginx-light). c=16 connections, 10 s each.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-16}
PORT=${PORT:-18080}
NGINX_PORT=${NGINX_PORT:-18081}
work=$(mktemp -d)
chmod 755 "$work"   # nginx workers read the files as their own user
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release --quiet
bin=target/release/kongress
export DATABASE_URL=${DATABASE_URL:-sqlite://$work/bench.db}
export RUST_LOG=warn
"$bin" demo >/dev/null
"$bin" serve --bind "127.0.0.1:$PORT" >"$work/serve.log" 2>&1 &
echo $! >"$work/kongress.pid"
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
slug=$(curl -fs "http://127.0.0.1:$PORT/api/v1/congresses" | sed -E 's/.*"slug":"([^"]+)".*/\1/')
echo "backend: ${DATABASE_URL%%:*}  congress: $slug"
echo "RSS after start: $(ps -o rss= -p "$(cat "$work/kongress.pid")") KiB"

mkdir -p "$work/www"
curl -fs "http://127.0.0.1:$PORT/$slug/program" >"$work/www/program.html"
curl -fs "http://127.0.0.1:$PORT/api/v1/congresses/$slug" >"$work/www/congress.json"
cat >"$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server { listen 127.0.0.1:$NGINX_PORT; root $work/www; }
}
CONF
nginx -c "$work/nginx.conf"
sleep 0.3

run() { # label url
  local out
  out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency "$2")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  local errors
  errors=$(grep -E "Non-2xx|Socket errors" <<<"$out" || true)
  printf '%-28s %10s req/s  p50 %8s  p99 %8s %s\n' "$1" "$rps" "$p50" "$p99" "$errors"
  echo "$rps" >"$work/rps-$1"
}
run nginx-program "http://127.0.0.1:$NGINX_PORT/program.html"
run kongress-program "http://127.0.0.1:$PORT/$slug/program"
run nginx-api "http://127.0.0.1:$NGINX_PORT/congress.json"
run kongress-api "http://127.0.0.1:$PORT/api/v1/congresses/$slug"
echo "RSS after load: $(ps -o rss= -p "$(cat "$work/kongress.pid")") KiB"
awk -v a="$(cat "$work/rps-kongress-program")" -v b="$(cat "$work/rps-nginx-program")" 'BEGIN{printf "program / nginx = %.2f\n", a/b}'
awk -v a="$(cat "$work/rps-kongress-api")" -v b="$(cat "$work/rps-nginx-api")" 'BEGIN{printf "api / nginx     = %.2f\n", a/b}'
