#!/usr/bin/env bash
# The tour and the whole test suite, with both cores kept busy.
#
# Timing tests that only pass on an idle machine are flaky tests. This script
# starts one busy loop per CPU, runs the tour and `cargo test` RUNS times
# (default 1), and fails on the first failure. Run it from the repository root:
#
#   bash tests/stress.sh        # once, as CI does
#   RUNS=5 bash tests/stress.sh # five runs in a row
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-1}
cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)

busy=()
cleanup() { for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
cargo build --locked --quiet --all-targets
for _ in $(seq "$cpus"); do
  ( while :; do :; done ) &
  busy+=("$!")
done
echo "stress: $cpus busy loops running; $runs run(s) of the tour and cargo test"

for run in $(seq "$runs"); do
  started=$(date +%s)
  cargo run --locked --quiet --bin tour -- --out-dir target/stress-tour >target/stress-tour.log 2>&1 \
    || { cat target/stress-tour.log; echo "stress run $run: the tour failed under load" >&2; exit 1; }
  cargo test --locked --quiet >target/stress-test.log 2>&1 \
    || { grep -E '^(test |---- |thread|failures)' target/stress-test.log | tail -60; echo "stress run $run: cargo test failed under load" >&2; exit 1; }
  echo "stress run $run passed in $(( $(date +%s) - started )) s"
done
