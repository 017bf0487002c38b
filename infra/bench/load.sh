#!/usr/bin/env bash
# Load test of predict on loopback, as the issue's acceptance measures it:
# wrk with 64 connections for 10 s against GET /healthz and POST /predict
# of the same server in one run, the server's peak RSS under that load,
# and cold start (process start to the first successful prediction),
# median of 5. Only 127.0.0.1 is ever targeted; every loop is bounded.
#
# Usage: infra/bench/load.sh [duration=10s] [connections=64]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10s}
conns=${2:-64}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/train" ./functions/train
CGO_ENABLED=0 go build -o "$work/predict" ./functions/predict
data=../shared/data/students
if [ -f "$data/train.csv" ]; then
  "$work/train" -store "$work/models" -data "$data/train.csv" -test-data "$data/test.csv" >/dev/null
else
  "$work/train" -store "$work/models" >/dev/null
fi

port=18181
PORT=127.0.0.1:$port MODEL_STORE="$work/models" LOG_LEVEL=${LOG_LEVEL:-info} "$work/predict" serve 2>"$work/server.log" &
pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.05; done

# Peak RSS sampled every 100 ms while wrk runs.
sample_rss() { local peak=0; while kill -0 "$pid" 2>/dev/null; do
  r=$(awk '/VmRSS/{print $2}' /proc/$pid/status 2>/dev/null || echo 0); [ "${r:-0}" -gt "$peak" ] && peak=$r
  echo "$peak" >"$work/rss"; sleep 0.1; done; }
sample_rss & sampler=$!

echo "== GET /healthz c=$conns $duration"
wrk -t2 -c"$conns" -d"$duration" --latency -s infra/bench/health.lua "http://127.0.0.1:$port/healthz" | tee "$work/health.txt"
echo "== POST /predict c=$conns $duration"
wrk -t2 -c"$conns" -d"$duration" --latency -s infra/bench/post-predict.lua "http://127.0.0.1:$port/predict" | tee "$work/predict.txt"
kill "$sampler" 2>/dev/null || true
hr=$(awk '/Requests\/sec/{print $2}' "$work/health.txt")
pr=$(awk '/Requests\/sec/{print $2}' "$work/predict.txt")
echo "== summary"
echo "healthz_rps $hr"
echo "predict_rps $pr"
awk -v p="$pr" -v h="$hr" 'BEGIN{printf "predict_over_healthz %.2f\n", p/h}'
echo "server_peak_rss_mb $(awk '{printf "%.1f", $1/1024}' "$work/rss")"
grep -q "Non-2xx" "$work/predict.txt" && echo "ERRORS: non-2xx responses" || echo "non_2xx 0"
kill "$pid"; wait "$pid" 2>/dev/null || true

echo "== cold start: process start to first successful prediction (5 runs)"
body='{"gender":"female","race_ethnicity":"group B","parental_level_of_education":"bachelor'"'"'s degree","lunch":"standard","test_preparation_course":"none","reading_score":72,"writing_score":74}'
times=()
for i in 1 2 3 4 5; do
  port=$((18200 + i))
  start=$(date +%s%N)
  PORT=127.0.0.1:$port MODEL_STORE="$work/models" LOG_LEVEL=warn "$work/predict" serve 2>/dev/null &
  p=$!
  for _ in $(seq 2000); do
    curl -fsS -o /dev/null -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$port/predict" 2>/dev/null && break
    sleep 0.001
  done
  end=$(date +%s%N)
  kill "$p"; wait "$p" 2>/dev/null || true
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  echo "run $i: ${ms} ms"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END{print "cold_start_median_ms", a[3]}'
