#!/usr/bin/env bash
# Run every test: Rust unit and integration tests, then the browser suite and
# the benchmark smoke run when their tools are installed (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> release build (the crash test, API fuzzing and the browser tests run it)"
cargo build --release --bin backchannel
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
export BACKCHANNEL_BIN="$target_dir/release/backchannel"

echo "==> cargo test (unit and integration, SQLite)"
cargo test --workspace --all-targets

if [ -n "${BACKCHANNEL_TEST_POSTGRES_URL:-}" ]; then
  echo "==> integration tests again, on PostgreSQL ($BACKCHANNEL_TEST_POSTGRES_URL)"
  BACKCHANNEL_TEST_BACKEND=postgres cargo test --test integration -- --skip cluster::
else
  echo "==> SKIPPED PostgreSQL run: set BACKCHANNEL_TEST_POSTGRES_URL (e.g. postgres://root@127.0.0.1:5432/test) to run it" >&2
fi

if command -v st >/dev/null 2>&1; then
  echo "==> API fuzzing (schemathesis against /api/openapi.json)"
  bash scripts/schemathesis.sh
else
  echo "==> SKIPPED API fuzzing: pip install schemathesis (or run .ci/run)" >&2
  if [ "${CI:-}" = "1" ]; then exit 1; fi
fi

if [ -f tests/e2e/package.json ]; then
  if [ -x /usr/bin/chromium ] && [ -d tests/e2e/node_modules ]; then
    echo "==> browser tests (tests/e2e)"
    (cd tests/e2e && npm test)
  else
    echo "==> SKIPPED browser tests: install chromium and run 'npm ci' in tests/e2e (or run .ci/run)" >&2
    if [ "${CI:-}" = "1" ]; then exit 1; fi
  fi
fi

if [ -x bench/smoke.sh ]; then
  echo "==> benchmark smoke run"
  bash bench/smoke.sh
fi
