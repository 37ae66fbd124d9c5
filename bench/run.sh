#!/usr/bin/env bash
# The benchmark: Backchannel beside Bun's server.publish (uWebSockets), Node ws,
# Socket.IO and the raw-TCP floor, on this machine, in one run, back to back.
#
#   bash bench/run.sh                    # the full comparison (10k subscribers)
#   bash bench/run.sh --conns 2000       # any `backchannel-bench run` option passes through
#
# Builds what it needs (release), installs the peers from npm (bench/peers),
# pins each server to core 0 and the load client to core 1, prints the table,
# writes bench/results/<date>.json and latest.json, and regenerates the
# generated part of docs/benchmarks.md. Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
echo "==> building (release)" >&2
cargo build --release --bin backchannel --bin backchannel-bench -p backchannel -p backchannel-bench >&2

if [ ! -x bench/peers/node_modules/bun/bin/bun.exe ] || [ ! -d bench/peers/node_modules/socket.io ]; then
  echo "==> installing the peers (npm ci in bench/peers)" >&2
  (cd bench/peers && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

load=$(cut -d' ' -f1 /proc/loadavg)
echo "==> load average before the run: $load (best below 0.5)" >&2

ulimit -n "$(ulimit -Hn)" || true
exec taskset -c 1 "$target/release/backchannel-bench" run \
  --bin-dir "$target/release" \
  --out bench/results \
  --docs docs/benchmarks.md \
  --command "bash bench/run.sh${*:+ $*}" \
  "$@"
