#!/usr/bin/env bash
# The same person's identical requests at once, many times over: runs the race tests of
# tests/it/races.rs with KONGRESS_RACE_ROUNDS rounds each (default 20) on PostgreSQL (and on
# SQLite with --sqlite). Needs PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres), or set
# TEST_DATABASE_URL. Each round starts from a fresh database; every round checks that the
# state is the one a single request leaves, with one mail, and that counters equal rows.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${KONGRESS_RACE_ROUNDS:-20}"
if [ "${1:-}" = "--sqlite" ]; then
  unset TEST_DATABASE_URL
  backend=SQLite
else
  export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  backend=PostgreSQL
fi
start=$(date +%s)
KONGRESS_RACE_ROUNDS="$rounds" cargo test --test it races:: -- --test-threads 2
echo "races: $rounds rounds per test on $backend, green in $(( $(date +%s) - start )) s"
