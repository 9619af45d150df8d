#!/usr/bin/env bash
# Export benchmark (issue 6): a FOSDEM-sized congress (1,000 sessions, 40 rooms, 3 days) and a
# quarter-sized one are imported through `kongress import`; then wrk (c=16) measures
# schedule.xml, schedule.json, schedule.ics and the programme page of both, and nginx serving
# the large schedule.xml from a file as the baseline of the same run. The last lines compare
# time per request large/small with the session ratio (4): at or below it means linear or better.
#
#   bench/formats.sh                                  # SQLite
#   DATABASE_URL=postgres://…/empty_db bench/formats.sh   # PostgreSQL
# Needs wrk and nginx (Debian: apt-get install wrk nginx-light).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-16}
PORT=${PORT:-18280}
NGINX_PORT=${NGINX_PORT:-18281}
LARGE=${LARGE:-1000}
work=$(mktemp -d)
chmod 755 "$work"
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
cargo build --release --quiet --bin kongress
bin=target/release/kongress
export DATABASE_URL=${DATABASE_URL:-sqlite://$work/bench.db}
export RUST_LOG=warn MAIL_DIR="$work/mail"
small=$((LARGE / 4))
python3 bench/gen_schedule.py "$LARGE" "$work/large.json"
python3 bench/gen_schedule.py "$small" "$work/small.json" small
/usr/bin/time -f "import of $LARGE sessions: %e s, max RSS %M KiB" "$bin" import --congress large "$work/large.json" >/dev/null
"$bin" import --congress small "$work/small.json" >/dev/null
"$bin" serve --bind "127.0.0.1:$PORT" >"$work/serve.log" 2>&1 &
echo $! >"$work/kongress.pid"
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
echo "backend: ${DATABASE_URL%%:*}"
mkdir -p "$work/www"
curl -fs "http://127.0.0.1:$PORT/large/schedule.xml" >"$work/www/schedule.xml"
cat >"$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:$NGINX_PORT; root $work/www; } }
CONF
nginx -c "$work/nginx.conf"
sleep 0.3
printf '%-22s %8s %10s %10s %10s\n' endpoint KiB req/s p50 p99
run() { # label url
  local out rps p50 p99 size
  size=$(curl -fs "$2" | wc -c)
  out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency "$2")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  grep -qE "Non-2xx|Socket errors" <<<"$out" && echo "  errors in $1: $(grep -E 'Non-2xx|Socket errors' <<<"$out")"
  printf '%-22s %8d %10s %10s %10s\n' "$1" $((size / 1024)) "$rps" "$p50" "$p99"
  echo "$rps" >"$work/rps-$1"
}
run nginx-schedule.xml "http://127.0.0.1:$NGINX_PORT/schedule.xml"
for c in large small; do
  for f in schedule.xml schedule.json schedule.ics program; do
    run "$c-$f" "http://127.0.0.1:$PORT/$c/$f"
  done
done
echo "RSS after load: $(ps -o rss= -p "$(cat "$work/kongress.pid")") KiB"
for f in schedule.xml schedule.json schedule.ics program; do
  awk -v l="$(cat "$work/rps-large-$f")" -v s="$(cat "$work/rps-small-$f")" -v n="$(cat "$work/rps-nginx-schedule.xml")" -v f="$f" \
    'BEGIN{printf "%-14s large/nginx(xml) = %.2f   time per request large/small = %.2f (sessions x4)\n", f, l/n, s/l}'
done
