#!/usr/bin/env bash
# Builds mlmon and runs the demo: the example model server (a logistic
# regression on the Breast Cancer Wisconsin data) under generated traffic.
# Prints where /metrics is, stops by itself after DURATION seconds (default
# 60) or on Ctrl-C.
#   scripts/demo.sh [DURATION]
# Ports: MLMON_DEMO_APP (default 127.0.0.1:8080), MLMON_DEMO_METRICS
# (default 127.0.0.1:9464). Requests per second: MLMON_DEMO_RPS (default 50).
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${1:-60}"
app="${MLMON_DEMO_APP:-127.0.0.1:8080}"
metrics="${MLMON_DEMO_METRICS:-127.0.0.1:9464}"
rps="${MLMON_DEMO_RPS:-50}"

./scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target mlmon-example-server mlmon-loadgen

server_pid=""
loadgen_pid=""
cleanup() {
  [ -n "$loadgen_pid" ] && kill "$loadgen_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM

build/bin/mlmon-example-server --listen "$app" --metrics-listen "$metrics" --duration 0 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://$metrics/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "demo: the server exited (port taken? set MLMON_DEMO_APP / MLMON_DEMO_METRICS)"; exit 1; }
  sleep 0.1
done

echo
echo "demo: model server   http://$app/predict"
echo "demo: metrics        http://$metrics/metrics"
echo "demo: sending $rps requests/s for $duration s (Ctrl-C stops)"
echo

build/bin/mlmon-loadgen --target "http://$app/predict" --rps "$rps" --duration "$duration" &
loadgen_pid=$!
wait "$loadgen_pid" || true
loadgen_pid=""

echo
echo "demo: a few of the series a Prometheus would scrape from http://$metrics/metrics:"
curl -fsS "http://$metrics/metrics" |
  grep -E '^model_(predictions_total|prediction_errors_total|prediction_latency_seconds_(count|sum)|requests_in_flight|predicted_class_total)|^model_feature_value\{[^}]*feature_name="mean radius"' || true
