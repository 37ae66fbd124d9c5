#!/usr/bin/env bash
# Start the cluster topology of docker-compose.yml from local processes: two
# Backchannel nodes on different ports, sharing this machine's PostgreSQL and
# Redis. (No proxy: point clients at either node; both serve everything.)
#
#   scripts/cluster.sh start    # build, start both nodes, wait until ready
#   scripts/cluster.sh status
#   scripts/cluster.sh stop
#
# Settings (environment):
#   DATABASE_URL            default postgres://root@127.0.0.1:5432/test
#   BACKCHANNEL_REDIS_URL   default redis://127.0.0.1:6379
#   BACKCHANNEL_ADMIN_TOKEN default: a random one, printed
#   CLUSTER_PORTS           default "8081 8082"
#   CLUSTER_DIR             where pids and logs go (default ./data/cluster)
#   CLUSTER_PREFIX          Redis channel prefix (default backchannel)
#   BACKCHANNEL_BIN         the binary (default: build target/release/backchannel)
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:=postgres://root@127.0.0.1:5432/test}"
: "${BACKCHANNEL_REDIS_URL:=redis://127.0.0.1:6379}"
: "${CLUSTER_PORTS:=8081 8082}"
: "${CLUSTER_DIR:=./data/cluster}"
: "${CLUSTER_PREFIX:=backchannel}"
export DATABASE_URL BACKCHANNEL_REDIS_URL

start() {
  mkdir -p "$CLUSTER_DIR"
  if [ -z "${BACKCHANNEL_BIN:-}" ]; then
    cargo build --release --bin backchannel >&2
    BACKCHANNEL_BIN=target/release/backchannel
  fi
  if [ -z "${BACKCHANNEL_ADMIN_TOKEN:-}" ]; then
    BACKCHANNEL_ADMIN_TOKEN="bcadmin_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "admin token: $BACKCHANNEL_ADMIN_TOKEN"
  fi
  export BACKCHANNEL_ADMIN_TOKEN
  local i=0
  for port in $CLUSTER_PORTS; do
    i=$((i + 1))
    "$BACKCHANNEL_BIN" --bind "127.0.0.1:$port" --node-id "node-$i" --redis-prefix "$CLUSTER_PREFIX" \
      --log-format json >"$CLUSTER_DIR/node-$i.log" 2>&1 &
    echo $! >"$CLUSTER_DIR/node-$i.pid"
  done
  for port in $CLUSTER_PORTS; do
    for _ in $(seq 1 100); do
      if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
      sleep 0.1
    done
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { echo "node on $port did not become ready; see $CLUSTER_DIR" >&2; exit 1; }
    echo "node ready: http://127.0.0.1:$port"
  done
}

stop() {
  for pidfile in "$CLUSTER_DIR"/node-*.pid; do
    [ -f "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

status() {
  for port in $CLUSTER_PORTS; do
    printf '%s ' "127.0.0.1:$port"
    curl -fsS "http://127.0.0.1:$port/readyz" 2>/dev/null || echo "down"
    echo
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
