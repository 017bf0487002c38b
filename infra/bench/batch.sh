#!/usr/bin/env bash
# Bulk scoring benchmarks, as the bulk scoring issue's acceptance measures
# them, all on loopback: wrk at c=8 posting one 5,000-row batch as JSON and
# as CSV (latency distribution); then predict batch on 1,000,000 generated
# rows from a local CSV and from versitygw, with wall time and peak RSS
# (/usr/bin/time -v). Every loop is bounded; only 127.0.0.1 is targeted.
#
# Usage: infra/bench/batch.sh [duration=10s] [rows=1000000]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10s}
rows=${2:-1000000}
for tool in wrk versitygw /usr/bin/time curl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (wrk: apt-get install -y wrk; time: apt-get install -y time; versitygw: .ci/install-versitygw.sh)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/train" ./functions/train
CGO_ENABLED=0 go build -trimpath -o "$work/predict" ./functions/predict
go build -o "$work/genbatch" ./infra/bench/genbatch
"$work/train" -store "$work/models" >/dev/null
"$work/genbatch" -n 5000 -seed 3 -csv "$work/b5000.csv" -json "$work/b5000.json"

port=18182
PORT=127.0.0.1:$port MODEL_STORE="$work/models" LOG_LEVEL=warn "$work/predict" serve 2>"$work/server.log" &
pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.05; done

echo "== POST /predict 5000-row JSON batch, c=8 $duration"
BODY="$work/b5000.json" CT=application/json wrk -t2 -c8 -d"$duration" --latency -s infra/bench/post-file.lua "http://127.0.0.1:$port/predict"
echo "== POST /predict 5000-row CSV, c=8 $duration"
BODY="$work/b5000.csv" CT=text/csv wrk -t2 -c8 -d"$duration" --latency -s infra/bench/post-file.lua "http://127.0.0.1:$port/predict"
kill "$pid"; wait "$pid" 2>/dev/null || true

echo "== predict batch, $rows rows from a local file"
"$work/genbatch" -n "$rows" -seed 4 -csv "$work/big.csv"
ls -l "$work/big.csv"
MODEL_STORE="$work/models" /usr/bin/time -v "$work/predict" batch -in "$work/big.csv" -out "$work/big.out.csv" 2>&1 |
  grep -E 'batch:|Elapsed|Maximum resident'

echo "== predict batch, $rows rows from and to versitygw"
mkdir -p "$work/s3/bench"
vport=17171
ROOT_ACCESS_KEY=bench ROOT_SECRET_KEY=benchsecret versitygw --port 127.0.0.1:$vport --quiet posix "$work/s3" >"$work/vgw.log" 2>&1 &
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$vport/" && break; sleep 0.05; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=benchsecret AWS_REGION=us-east-1 AWS_ENDPOINT_URL_S3=http://127.0.0.1:$vport AWS_EC2_METADATA_DISABLED=true
# The input object is put there by a first batch: its output (the same rows plus a math_score
# column) is the S3 input of the measured one.
MODEL_STORE="$work/models" "$work/predict" batch -in "$work/big.csv" -out s3://bench/in/big.csv 2>/dev/null
MODEL_STORE="$work/models" /usr/bin/time -v "$work/predict" batch -in s3://bench/in/big.csv -out s3://bench/out/big.out.csv 2>&1 |
  grep -E 'batch:|Elapsed|Maximum resident'
