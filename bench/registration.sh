#!/usr/bin/env bash
# Registration benchmark: starts a release server on a fresh database with the demo congress and
# lets N participants register, confirm and enroll, C at a time.
#   bench/registration.sh [N] [C]                         # SQLite
#   DATABASE_URL=postgres://…/empty_db bench/registration.sh [N] [C]   # PostgreSQL (empty database)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-500}
C=${2:-16}
PORT=${PORT:-18180}
work=$(mktemp -d)
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
cargo build --release --quiet --bin kongress --example bench_registration
export DATABASE_URL=${DATABASE_URL:-sqlite://$work/bench.db}
export KONGRESS_REGISTRATION_LIMIT=1000000 RUST_LOG=warn MAIL_DIR="$work/mail"
target/release/kongress demo >/dev/null
target/release/kongress serve --bind "127.0.0.1:$PORT" >"$work/serve.log" 2>&1 &
echo $! >"$work/pid"
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
echo "backend: ${DATABASE_URL%%:*}"
target/release/examples/bench_registration "http://127.0.0.1:$PORT" "$DATABASE_URL" smart-city-2027 "$N" "$C"
