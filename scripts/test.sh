#!/usr/bin/env bash
# Builds mlmon and runs the whole test suite: every unit and integration test
# (real Prometheus, promtool, Pushgateway on loopback) in a Release build,
# the unit tests and the find_package consumer against a shared libmlmon,
# then the unit tests (concurrency stress included) under ThreadSanitizer.
#   scripts/test.sh            everything
#   scripts/test.sh --no-tsan  skip the ThreadSanitizer pass
set -euo pipefail
cd "$(dirname "$0")/.."

run_tsan=1
for arg in "$@"; do
  case "$arg" in
    --no-tsan) run_tsan=0 ;;
    *) echo "usage: $0 [--no-tsan]" >&2; exit 2 ;;
  esac
done

./scripts/setup.sh
jobs=$(nproc)

echo "== Release build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMLMON_WARNINGS_AS_ERRORS=ON
cmake --build build -j"$jobs"
# Benchmarks are excluded here (label "benchmark"); run build/bin/mlmon_benchmarks.
ctest --test-dir build -LE benchmark --output-on-failure -j"$jobs"

echo "== Shared-library build and tests"
cmake -S . -B build-shared -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
  -DMLMON_BUILD_EXAMPLES=OFF -DMLMON_BUILD_BENCHMARKS=OFF -DMLMON_WARNINGS_AS_ERRORS=ON
cmake --build build-shared -j"$jobs"
ctest --test-dir build-shared -L "unit|install" --output-on-failure -j"$jobs"

if [ "$run_tsan" -eq 1 ]; then
  echo "== ThreadSanitizer build and tests"
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMLMON_SANITIZE=thread \
    -DMLMON_BUILD_EXAMPLES=OFF -DMLMON_BUILD_BENCHMARKS=OFF -DMLMON_WARNINGS_AS_ERRORS=ON
  cmake --build build-tsan -j"$jobs"
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    ctest --test-dir build-tsan -L unit --output-on-failure -j"$jobs"
fi
