#!/usr/bin/env bash
# The mlmon demo, end to end: builds the example model server (a logistic
# regression on the Breast Cancer Wisconsin data, instrumented with mlmon),
# starts it with drift detection, data-quality checks, live accuracy from
# delayed labels and in-process alert rules, drives it with mlmon-loadgen,
# and a third of the way in drifts four input features and slows the labels
# down. Every 5 s it prints what the monitor sees; it shows the first alert
# the log notifier writes (and what an Alertmanager received, if one is
# given), then stops by itself after DURATION seconds (default 90) or on
# Ctrl-C. docs/demo.md explains the output.
#
#   scripts/demo.sh [DURATION]
#
# Environment (everything stays on loopback):
#   MLMON_DEMO_APP           app endpoint, /predict and /feedback (default 127.0.0.1:8080)
#   MLMON_DEMO_METRICS       /metrics, /dashboard, /api/v1/alerts (default 127.0.0.1:9464)
#   MLMON_DEMO_RPS           requests per second (default 50)
#   MLMON_DEMO_ALERTMANAGER  an Alertmanager to notify too, e.g. http://127.0.0.1:9093
#   MLMON_DEMO_BUILD_DIR     CMake build directory (default build)
#   MLMON_DEMO_SKIP_BUILD=1  use the binaries already built there
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${1:-90}"
app="${MLMON_DEMO_APP:-127.0.0.1:8080}"
metrics="${MLMON_DEMO_METRICS:-127.0.0.1:9464}"
rps="${MLMON_DEMO_RPS:-50}"
alertmanager="${MLMON_DEMO_ALERTMANAGER:-}"
build_dir="${MLMON_DEMO_BUILD_DIR:-build}"
bin="$build_dir/bin"

die() { echo "demo: $*" >&2; exit 2; }

case "$duration" in '' | *[!0-9]*) die "DURATION must be whole seconds, got '$duration'" ;; esac
[ "$duration" -ge 20 ] || die "DURATION must be at least 20 s (the drift starts at a third of it)"
case "$rps" in '' | *[!0-9]*) die "MLMON_DEMO_RPS must be a whole number, got '$rps'" ;; esac
[ "$rps" -ge 1 ] || die "MLMON_DEMO_RPS must be >= 1"

# Loopback only: the host part of HOST:PORT or of a URL.
host_of() {
  local rest="${1#*://}"
  rest="${rest%%/*}"
  if [ "${rest#\[}" != "$rest" ]; then echo "${rest%%]*}]"; else echo "${rest%:*}"; fi
}
is_loopback() {
  case "$1" in localhost | \[::1\] | 127.*) return 0 ;; *) return 1 ;; esac
}
for address in "$app" "$metrics"; do
  is_loopback "$(host_of "$address")" || die "'$address' is not a loopback address; the demo never listens elsewhere"
done
if [ -n "$alertmanager" ]; then
  case "$alertmanager" in http://*) ;; *) die "MLMON_DEMO_ALERTMANAGER must be an http:// URL" ;; esac
  is_loopback "$(host_of "$alertmanager")" || die "MLMON_DEMO_ALERTMANAGER must be on loopback, got '$alertmanager'"
  alertmanager="${alertmanager%/}"
fi

if [ "${MLMON_DEMO_SKIP_BUILD:-0}" != 1 ]; then
  ./scripts/setup.sh
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build_dir" -j"$(nproc)" --target mlmon-example-server mlmon-loadgen mlmon_cli
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/mlmon-demo.XXXXXX")"
server_pid=""
loadgen_pid=""
cleanup() {
  trap - EXIT INT TERM
  [ -n "$loadgen_pid" ] && kill "$loadgen_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# Ctrl-C reaches the whole process group; the loop below notices the flag
# (or the load generator's "interrupted") and the EXIT trap cleans up.
interrupted=0
trap 'interrupted=1' INT TERM
stop_if_interrupted() {
  if [ "$interrupted" = 1 ] || grep -q '"interrupted":true' "$work/loadgen.out" 2>/dev/null; then
    echo
    echo "demo: interrupted"
    exit 130
  fi
}

# The shipped demo configuration: reference profile of the training data,
# drift windows of 200 rows (4 s at 50 requests/s), accuracy windows of 50
# labels, the shipped rule files plus examples/rules/demo_alerts.yml (demo
# timing), the log notifier. The command line only sets the endpoints.
config=examples/config/demo.yml
server_args=(--listen "$app" --metrics-listen "$metrics" --duration 0)
server_help="$("$bin/mlmon-example-server" --help 2>&1 || true)"
if [ -f "$config" ] && [ "${server_help#*--config}" != "$server_help" ]; then
  server_args+=(--config "$config")
else
  # A server without --config: the same monitor from flags, with a profile
  # of the training features (no target column, so the multivariate model
  # covers exactly the model's 30 inputs).
  cut -d, -f1-30 examples/data/breast_cancer.csv >"$work/training_features.csv"
  "$bin/mlmon" profile --data "$work/training_features.csv" --out "$work/reference.json" >/dev/null
  server_args+=(--reference "$work/reference.json" --drift-window 200 --performance-window 50
    --rules examples/rules/demo_alerts.yml)
fi
[ -n "$alertmanager" ] && server_args+=(--alertmanager "$alertmanager")
"$bin/mlmon-example-server" "${server_args[@]}" >"$work/server.log" 2>&1 &
server_pid=$!

# The server prints its bound URLs once both endpoints listen.
line_value() { sed -n "s/^$1: //p" "$work/server.log" | head -n 1; }
for _ in $(seq 1 200); do
  [ -n "$(line_value alerts)" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$work/server.log" >&2
    echo "demo: the server exited (port taken? set MLMON_DEMO_APP / MLMON_DEMO_METRICS)" >&2
    exit 1
  fi
  sleep 0.1
done
predict_url="$(line_value app)"
metrics_url="$(line_value metrics)"
alerts_url="$(line_value alerts)"
[ -n "$alerts_url" ] || { cat "$work/server.log" >&2; echo "demo: the server did not start" >&2; exit 1; }
base_url="${metrics_url%/metrics}"

drift_after=$((duration / 3))
label_delay=1
drift_label_delay=8
sed -n 's/^model: /demo: model        /p; s/^config: /demo: config       /p' "$work/server.log"
echo
echo "demo: model server   $predict_url"
echo "demo: metrics        $metrics_url"
echo "demo: dashboard      $base_url/dashboard"
echo "demo: alerts         $alerts_url"
[ -n "$alertmanager" ] && echo "demo: alertmanager   $alertmanager (alerts are sent there too)"
echo "demo: $rps requests/s for $duration s; labels come back ${label_delay} s after each answer."
echo "demo: at ${drift_after} s four features drift (x2) and labels slow down to ${drift_label_delay} s (Ctrl-C stops)."
echo

# Three request connections plus one for the labels: the example server
# answers on four threads, and a fifth kept-alive connection would wait.
"$bin/mlmon-loadgen" --target "$predict_url" --rps "$rps" --duration "$duration" --seed 7 --threads 3 \
  --drift-after "$drift_after" --drift-factor 2 \
  --feedback-delay "$label_delay" --drift-feedback-delay "$drift_label_delay" \
  >"$work/loadgen.out" 2>"$work/loadgen.err" &
loadgen_pid=$!

# One status line from /metrics and /api/v1/alerts. The label delay is the
# mean over the labels joined since the previous line.
delay_sum_before=0
delay_count_before=0
status_line() {
  local elapsed="$1" page alerts
  page="$(curl -fsS --max-time 2 "$metrics_url" 2>/dev/null || true)"
  alerts="$(curl -fsS --max-time 2 "$alerts_url" 2>/dev/null || true)"
  local summary
  summary="$(printf '%s\n' "$page" | awk -v sum0="$delay_sum_before" -v count0="$delay_count_before" '
    function value(line) { n = split(line, f, " "); return f[n] }
    function known(v) { return v != "" && tolower(v) != "nan" }
    function label(line, name,   rest) {
      if (!match(line, name "=\"[^\"]*\"")) return ""
      rest = substr(line, RSTART + length(name) + 2, RLENGTH - length(name) - 3)
      return rest
    }
    /^model_predictions_total\{/ { requests += value($0) }
    /^model_drift_score\{/ && /method="psi"/ {
      v = value($0)
      if (known(v) && (best == "" || v + 0 > best + 0)) { best = v; feature = label($0, "feature") }
    }
    /^model_dataset_drift_share\{/ { share = value($0) }
    /^model_dataset_drift_detected\{/ { detected = value($0) }
    /^model_multivariate_drift_score\{/ { mv = value($0) }
    /^model_accuracy\{/ && !/segment="[^"]/ { accuracy = value($0) }
    /^model_label_delay_seconds_sum\{/ { delay_sum = value($0) }
    /^model_label_delay_seconds_count\{/ { delay_count = value($0) }
    END {
      printf "requests %d", requests
      if (best == "") printf " | max PSI -"; else printf " | max PSI %.2f (%s)", best, feature
      if (!known(share)) printf " | drifted share -"; else printf " | drifted share %.2f%s", share, (detected == "1" ? " DATASET DRIFT" : "")
      if (!known(mv)) printf " | reconstruction -"; else printf " | reconstruction %.2f", mv
      if (!known(accuracy)) printf " | accuracy -"; else printf " | accuracy %.3f", accuracy
      if (delay_count - count0 > 0) printf " | label delay %.1f s", (delay_sum - sum0) / (delay_count - count0)
      else if (count0 > 0) printf " | no label joined"
      printf "\t%s %s", (delay_sum == "" ? sum0 : delay_sum), (delay_count == "" ? count0 : delay_count)
    }' || true)"
  # The awk program appends the delay totals after a tab, for the next line.
  local totals="${summary##*$'\t'}"
  summary="${summary%$'\t'*}"
  if [ "$totals" != "$summary" ]; then
    delay_sum_before="${totals% *}"
    delay_count_before="${totals#* }"
  fi
  # /api/v1/alerts: each alert object has its labels (alertname) before its
  # state; firing alerts counted per name, pending ones in total.
  local active
  active="$(printf '%s' "$alerts" | grep -oE '"alertname":"[^"]*"|"state":"[a-z]+"' | awk -F'"' '
    $2 == "alertname" { name = $4; next }
    $2 == "state" && name != "" { if ($4 == "firing") firing[name]++; else pending++; name = "" }
    END {
      for (k in firing) out = out (out == "" ? "firing " : ", ") k " x" firing[k]
      if (pending > 0) out = out (out == "" ? "" : "; ") pending " pending"
      printf "%s", out
    }' || true)"
  printf 'demo: [%3ds] %s | alerts: %s\n' "$elapsed" "$summary" "${active:-none}"
}

# Each alert name the first time the log notifier writes it firing, with
# its summary; the first such line also in full.
shown_alerts=" "
shown_alert=0
report_new_alerts() {
  local line name summary
  while IFS= read -r line; do
    name="$(printf '%s' "$line" | grep -oE '"alertname":"[^"]*"' | head -n 1 | cut -d'"' -f4 || true)"
    case "$shown_alerts" in *" $name "*) continue ;; esac
    shown_alerts="$shown_alerts$name "
    summary="$(printf '%s' "$line" | grep -oE '"summary":"[^"]*"' | head -n 1 | cut -d'"' -f4 || true)"
    echo "demo: ALERT $name firing -> log notifier${alertmanager:+ and Alertmanager}: $summary"
    if [ "$shown_alert" = 0 ]; then
      echo "demo: the log notifier's line (server stderr, one JSON line per alert):"
      echo "        $line"
      shown_alert=1
    fi
  done < <(grep '"event":"alert"' "$work/server.log" | grep '"status":"firing"' || true)
}

start=$SECONDS
next_status=5
while [ "$interrupted" = 0 ] && kill -0 "$loadgen_pid" 2>/dev/null; do
  sleep 1
  elapsed=$((SECONDS - start))
  if [ "$elapsed" -ge "$next_status" ]; then
    status_line "$elapsed"
    next_status=$((next_status + 5))
  fi
  report_new_alerts
done
stop_if_interrupted
wait "$loadgen_pid" || true
loadgen_pid=""
stop_if_interrupted
status_line "$((SECONDS - start))"

echo
echo "demo: load generator: $(cat "$work/loadgen.out")"
fired="$(grep -c '"event":"alert"' "$work/server.log" || true)"
if [ "$fired" -gt 0 ]; then
  echo "demo: the log notifier wrote $fired alert line(s); the alerts by name and status:"
  grep '"event":"alert"' "$work/server.log" |
    grep -oE '"alertname":"[^"]*"|"status":"[a-z]+"' | awk -F'"' '
      $2 == "alertname" { name = $4 } $2 == "status" { status = $4 }
      name != "" && status != "" { n[name " (" status ")"]++; name = ""; status = "" }
      END { for (k in n) printf "        %-45s %d\n", k, n[k] }' | sort
else
  echo "demo: no alert fired (a duration of at least 40 s lets the drift alerts fire)"
fi
if [ -n "$alertmanager" ]; then
  echo "demo: $alertmanager/api/v2/alerts now holds:"
  received="$(curl -fsS --max-time 5 "$alertmanager/api/v2/alerts" 2>/dev/null || true)"
  if [ -z "$received" ]; then
    echo "        (no answer from the Alertmanager)"
  else
    printf '%s' "$received" | grep -oE '"alertname":"[^"]*"' | cut -d'"' -f4 | sort | uniq -c |
      awk '{ printf "        %-45s %d\n", $2, $1 }' || true
  fi
fi
echo
echo "demo: the series behind the status lines (curl -s $metrics_url):"
curl -fsS --max-time 2 "$metrics_url" |
  grep -E '^model_(predictions_total|accuracy|dataset_drift_share|dataset_drift_detected|multivariate_drift_score|labels_total\{[^}]*outcome="joined")|^model_drift_score\{[^}]*feature="mean radius"[^}]*method="psi"|^ALERTS\{alertname="FeatureDrift"' |
  head -n 20 | sed 's/^/        /' || true
echo
echo "demo: done; the server stops now. Its URLs while it ran: $metrics_url, $base_url/dashboard"
