#!/usr/bin/env bash
# Benchmark smoke run (CI): Backchannel only, 500 subscribers, a few seconds per
# workload, debug build, no npm. Checks that the benchmark still runs end to end
# and that nothing is lost: exits non-zero on any lost, duplicated or
# out-of-order delivery, an inexact tally or an incomplete resume. It asserts
# no timings (benchmarks are a command, not a timed test).
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
cargo build --bin backchannel --bin backchannel-bench -p backchannel -p backchannel-bench
work=$(mktemp -d /tmp/backchannel-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT

ulimit -n "$(ulimit -Hn)" || true
# W6 (two nodes) needs PostgreSQL and Redis: CI sets these; a laptop skips it.
if [ -n "${BACKCHANNEL_TEST_POSTGRES_URL:-}" ] && [ -n "${BACKCHANNEL_TEST_REDIS_URL:-}" ]; then
  w6=(--w6-database-url "$BACKCHANNEL_TEST_POSTGRES_URL" --w6-redis-url "$BACKCHANNEL_TEST_REDIS_URL")
else
  echo "smoke: W6 skipped (set BACKCHANNEL_TEST_POSTGRES_URL and BACKCHANNEL_TEST_REDIS_URL to run it)"
  w6=(--skip-w6)
fi
"$target/debug/backchannel-bench" run \
  --peers backchannel \
  --conns 500 \
  --idle-secs 0 \
  --w2a-rate 20 --w2a-count 40 \
  --w2b-rate 100 --w2b-count 50 \
  --trials 2 \
  --w5-count 20 \
  --w3-stress-rate 2000 --w3-stress-rounds 2 \
  --w4-secs 4 \
  --server-core -1 --client-core -1 \
  --bin-dir "$target/debug" \
  --work "$work" \
  --command "bash bench/smoke.sh" \
  "${w6[@]}" \
  --strict
