#!/usr/bin/env bash
# Builds mlmon and runs the whole test suite: every unit and integration test
# (real Prometheus, promtool, Pushgateway on loopback) in a Release build,
# the unit tests and the find_package consumer against a shared libmlmon,
# then the unit tests (concurrency stress included) under ThreadSanitizer, and
# a bounded libFuzzer run of the rule-expression parser (clang).
#   scripts/test.sh            everything
#   scripts/test.sh --no-tsan  skip the ThreadSanitizer pass
#   scripts/test.sh --no-fuzz  skip the fuzzing run
set -euo pipefail
cd "$(dirname "$0")/.."

run_tsan=1
run_fuzz=1
for arg in "$@"; do
  case "$arg" in
    --no-tsan) run_tsan=0 ;;
    --no-fuzz) run_fuzz=0 ;;
    *) echo "usage: $0 [--no-tsan] [--no-fuzz]" >&2; exit 2 ;;
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

if [ "$run_fuzz" -eq 1 ]; then
  # A fixed seed and number of inputs from a fresh copy of the committed
  # corpus: each run tries much the same inputs (libFuzzer's corpus
  # bookkeeping still varies a little), so CI does not pass or fail by luck.
  # Open-ended fuzzing is the same command with another -seed and
  # -max_total_time (docs/alerting-expressions.md).
  echo "== libFuzzer: rule expressions, 1 000 000 inputs from seed 1"
  cmake -S fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build build-fuzz -j"$jobs"
  rm -rf build-fuzz/corpus
  mkdir -p build-fuzz/corpus
  cp fuzz/corpus/expression/* build-fuzz/corpus/
  build-fuzz/bin/mlmon_expression_fuzz -dict=fuzz/expression.dict -seed=1 -runs=1000000 -max_total_time=600 \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix=build-fuzz/ build-fuzz/corpus
fi

if [ "$run_tsan" -eq 1 ]; then
  echo "== ThreadSanitizer build and tests"
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMLMON_SANITIZE=thread \
    -DMLMON_BUILD_EXAMPLES=OFF -DMLMON_BUILD_BENCHMARKS=OFF -DMLMON_WARNINGS_AS_ERRORS=ON
  cmake --build build-tsan -j"$jobs"
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    ctest --test-dir build-tsan -L unit --output-on-failure -j"$jobs"
fi
