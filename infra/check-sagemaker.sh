#!/usr/bin/env bash
# Check the predict image as SageMaker runs it, the way SageMaker local
# mode does (`docker run IMAGE serve`): the container started with the
# argument serve and no PORT listens on 8080, GET /ping answers 200 once
# the model is loaded, and POST /invocations scores a headerless CSV as
# Batch Transform sends it (SplitType=Line, BatchStrategy=MultiRecord), one
# answer line a record, the same numbers as POST /predict.
#
# The model store is a directory trained here with `go run ./functions/train`
# and mounted read-only at /opt/ml/model, where SageMaker unpacks a model's
# ModelDataUrl. The containers use the host network (PODMAN_FLAGS), so when
# 8080 is taken on this host the check sets PORT to a free port instead,
# and says so.
#
# Usage: infra/check-sagemaker.sh       Env: OUT_DIR (as for images.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=infra/lib.sh
. infra/lib.sh

out=${OUT_DIR:-/tmp/studentperf-images}
[ -r "$out/images.env" ] || fail "no $out/images.env: run infra/images.sh first"
# shellcheck disable=SC1091
. "$out/images.env"
for tool in podman curl go; do
	command -v "$tool" >/dev/null || fail "$tool is not installed"
done

tmp=$(mktemp -d)
cleanup_add "rm -rf '$tmp'"
go run ./functions/train run -store "$tmp/model" -seed 42 >/dev/null 2>"$tmp/train.log" ||
	{ cat "$tmp/train.log" >&2; fail "training the store failed"; }
chmod -R a+rX "$tmp"

port=8080
env=()
if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then
	port=$(free_port)
	env=(-e PORT="$port")
	log "8080 is taken on this host: the container gets PORT=$port"
fi
name=check-sagemaker-$$
podman run -d --name "$name" "${PODMAN_FLAGS[@]}" "${env[@]}" \
	-v "$tmp/model:/opt/ml/model:ro" -e MODEL_STORE=/opt/ml/model "$PREDICT_IMAGE" serve >/dev/null
cleanup_add "podman rm -f $name >/dev/null 2>&1"
base=http://127.0.0.1:$port

deadline=$((SECONDS + 30))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/ping")" = 200 ]; do
	[ "$SECONDS" -lt "$deadline" ] || { podman logs "$name" >&2; fail "GET /ping never answered 200"; }
	sleep 0.2
done
echo "sagemaker: GET /ping 200: $(curl -fsS "$base/ping")"

# Three records, no header, the schema's feature order.
csv=$'female,group B,bachelor\'s degree,standard,none,72,74\nmale,group E,master\'s degree,free/reduced,completed,55,61.5\n"female","group A","some high school","standard","completed",98,100\n'
answer=$(curl -fsS "$base/invocations" -H 'Content-Type: text/csv' --data-binary "$csv") ||
	fail "POST /invocations with headerless CSV failed"
echo "sagemaker: POST /invocations (headerless CSV, 3 rows): $(tr '\n' ' ' <<<"$answer")"
[ "$(wc -l <<<"$answer")" = 3 ] || fail "want 3 answer lines, one a record: $answer"
grep -Evq '^-?[0-9.eE+-]+$' <<<"$answer" && fail "an answer line is not a number: $answer"
one=$(curl -fsS "$base/predict" -H 'Content-Type: application/json' -d "$RECORD")
first=$(head -1 <<<"$answer")
grep -q "\"math_score\":$first," <<<"$one" || fail "the first line $first is not /predict's answer $one"

json=$(curl -fsS "$base/invocations" -H 'Content-Type: text/csv' -H 'Accept: application/json' --data-binary "$csv")
echo "sagemaker: POST /invocations, Accept: application/json: $json"
grep -q '"predictions":\[' <<<"$json" || fail "no predictions in $json"
echo "infra/check-sagemaker.sh: the predict image keeps SageMaker's container contract"
