#!/usr/bin/env bash
# S6: fuzz the REST API from its own OpenAPI document with schemathesis.
# Starts a server on a temporary database, runs a bounded number of examples
# per operation, and fails on any server error (5xx) or any response that
# does not match the documented status codes, content types and schemas.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${BACKCHANNEL_BIN:-target/release/backchannel}"
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-25}"
if ! command -v st >/dev/null 2>&1; then
  echo "schemathesis is not installed: pip install schemathesis" >&2
  exit 1
fi
[ -x "$BIN" ] || cargo build --release --bin backchannel

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token="schemathesis-admin-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$BIN" --bind "127.0.0.1:$port" --database-url "sqlite://$dir/bc.db" --admin-token "$token" \
  --log-format json >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done

cd "$dir"
st run "http://127.0.0.1:$port/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$EXAMPLES" \
  --phases examples,coverage,fuzzing \
  --workers 2 \
  --seed 1 \
  --generation-deterministic \
  --max-time 300
if grep -q '"level":"ERROR"' server.log; then
  echo "the server logged errors during the run:" >&2
  grep '"level":"ERROR"' server.log | head -20 >&2
  exit 1
fi
