#!/usr/bin/env bash
# Hostile load (issue 11): starts the release server on a free port with the demo congress on a
# fresh SQLite database, runs bench/hostile.py against it (16 MB uploads, concurrent logins, a
# fuzz run) and prints the server's RSS before, at the peak of each attack and 60 s after.
#   bench/hostile.sh                 # builds and runs target/release/kongress
#   KONGRESS_BIN=/path/to/kongress bench/hostile.sh   # another build, e.g. to compare
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${KONGRESS_BIN:-}" ]; then
  cargo build --release --quiet --bin kongress
  KONGRESS_BIN=target/release/kongress
fi
work=$(mktemp -d)
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite://$work/hostile.db" MAIL_DIR="$work/mail" RUST_LOG=error
"$KONGRESS_BIN" serve --demo --bind "127.0.0.1:$PORT" >"$work/serve.log" 2>&1 &
echo $! >"$work/pid"
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
sleep 1
echo "binary: $KONGRESS_BIN, port $PORT, $(nproc) cores"
python3 bench/hostile.py "http://127.0.0.1:$PORT" "$(cat "$work/pid")"
