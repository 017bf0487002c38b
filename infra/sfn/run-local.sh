#!/usr/bin/env bash
# Runs the bulk-scoring state machine (infra/sfn/score.asl.json) locally, end
# to end, on one CSV file, and writes exactly the files `predict batch` would:
#
#   MODEL_STORE=./models infra/sfn/run-local.sh -in FILE -out FILE [-errors FILE] -shards N \
#       [-concurrency C] [-workers W] [-keep DIR]
#
# It starts versitygw (an S3-compatible server) on 127.0.0.1, uploads the
# input, starts W Lambda Runtime Interface Emulators (aws-lambda-rie) each
# running the predict function built as Lambda runs it, and runs the state
# machine with aws-local-stepfunctions (npm): Plan, the Map over the
# manifest (MaxConcurrency C, default 16), Assemble. Then it downloads the
# output (and errors file), which appear only when the job succeeded. Without
# -errors the first bad row fails the job, naming it, as predict batch does.
# -out - writes the output to standard output. -keep DIR keeps versitygw's
# data (input, manifest, parts, outputs) in DIR.
#
# MODEL_STORE (a directory or file://DIR; default ./models) and MODEL_NAME
# are read as predict batch reads them; the emulated functions read the
# store from this machine (an s3:// store is refused: they talk to the local
# S3 server only).
# Needs go, node, npm, versitygw (.ci/install-versitygw.sh) and aws-lambda-rie
# (.ci/install-rie.sh).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "run-local.sh: $*" >&2; exit 1; }
usage() { fail "usage: run-local.sh -in FILE -out FILE [-errors FILE] -shards N [-concurrency C] [-workers W] [-keep DIR]"; }

in='' out='' errs='' shards='' concurrency=16 workers=$(nproc) keep=''
while [ $# -gt 0 ]; do
	case $1 in
	-in) in=${2:-}; shift 2 || usage ;;
	-out) out=${2:-}; shift 2 || usage ;;
	-errors) errs=${2:-}; shift 2 || usage ;;
	-shards) shards=${2:-}; shift 2 || usage ;;
	-concurrency) concurrency=${2:-}; shift 2 || usage ;;
	-workers) workers=${2:-}; shift 2 || usage ;;
	-keep) keep=${2:-}; shift 2 || usage ;;
	*) usage ;;
	esac
done
if [ -z "$in" ] || [ -z "$out" ] || [ -z "$shards" ]; then usage; fi
[[ $shards =~ ^[1-9][0-9]*$ ]] || fail "-shards $shards: want a whole number of at least 1"
[[ $concurrency =~ ^[1-9][0-9]*$ ]] || fail "-concurrency $concurrency: want a whole number of at least 1"
[[ $workers =~ ^[1-9][0-9]*$ ]] || fail "-workers $workers: want a whole number of at least 1"
[ "$in" = - ] || [ -r "$in" ] || fail "-in $in: no such readable file"
for tool in go node versitygw aws-lambda-rie; do
	command -v "$tool" >/dev/null || fail "$tool is not on PATH (versitygw: .ci/install-versitygw.sh; aws-lambda-rie: .ci/install-rie.sh)"
done

store=${MODEL_STORE:-./models}
case $store in
s3://*) fail "MODEL_STORE $store: run-local.sh needs a directory store (its functions talk to the local S3 server only); copy the store to a directory first" ;;
file://*) store=$(cd "${store#file://}" && pwd) || fail "MODEL_STORE $MODEL_STORE: no such directory" ;;
*) store=$(cd "$store" && pwd) || fail "MODEL_STORE $store: no such directory" ;;
esac

prefix=$(bash "$repo/infra/sfn/npm-tools.sh")
tmp=$(mktemp -d -t sfn-local.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "run-local: building predict (as Lambda runs it) and s3cp" >&2
(cd "$repo" && CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -o "$tmp/bootstrap" ./functions/predict &&
	go build -o "$tmp/s3cp" ./infra/sfn/s3cp) || fail "build failed"

# freeports N prints N distinct free ports of 127.0.0.1 (held open together, then freed).
freeports() {
	node -e '
		const net = require("net");
		const n = +process.argv[1];
		const servers = Array.from({ length: n }, () => net.createServer());
		let ready = 0;
		for (const s of servers) s.listen(0, "127.0.0.1", () => {
			if (++ready < n) return;
			console.log(servers.map((x) => x.address().port).join(" "));
			for (const x of servers) x.close();
		});' "$1"
}
read -r -a ports <<<"$(freeports $((1 + 2 * workers)))"

# versitygw with its posix backend on a fresh directory, and the credentials
# every process here uses.
root=${keep:-$tmp/s3}
mkdir -p "$root"
s3port=${ports[0]}
export AWS_ACCESS_KEY_ID=run-local AWS_SECRET_ACCESS_KEY=run-local-secret AWS_REGION=us-east-1
export AWS_ENDPOINT_URL_S3=http://127.0.0.1:$s3port AWS_EC2_METADATA_DISABLED=true
versitygw --port "127.0.0.1:$s3port" --access "$AWS_ACCESS_KEY_ID" --secret "$AWS_SECRET_ACCESS_KEY" --region "$AWS_REGION" --quiet posix "$root" \
	>"$tmp/versitygw.log" 2>&1 &
pids+=($!)
for i in $(seq 100); do
	"$tmp/s3cp" mb bulk 2>/dev/null && break
	[ "$i" -lt 100 ] || { cat "$tmp/versitygw.log" >&2; fail "versitygw did not start"; }
	sleep 0.1
done

t0=$(date +%s.%N)
base=$(basename "${in/#-/stdin.csv}")
"$tmp/s3cp" put "${in/#-//dev/stdin}" "s3://bulk/in/$base" || fail "upload failed"

# The emulators: one invocation at a time each, as a Lambda environment.
urls=()
for i in $(seq "$workers"); do
	p=${ports[$((2 * i - 1))]} q=${ports[$((2 * i))]}
	env -u AWS_LAMBDA_RUNTIME_API MODEL_STORE="$store" MODEL_NAME="${MODEL_NAME:-student-math-score}" LOG_LEVEL=warn \
		AWS_LAMBDA_FUNCTION_TIMEOUT=900 AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1769 \
		aws-lambda-rie --runtime-interface-emulator-address "127.0.0.1:$p" --runtime-api-address "127.0.0.1:$q" "$tmp/bootstrap" \
		>"$tmp/rie-$i.log" 2>&1 &
	pids+=($!)
	urls+=("http://127.0.0.1:$p/2015-03-31/functions/function/invocations")
done

job=$(node -e 'const [i, o, e, n] = process.argv.slice(1); const j = { input: i, output: o, work: "s3://bulk/work/", shards: +n }; if (e) j.errors = e; console.log(JSON.stringify(j))' \
	"s3://bulk/in/$base" "s3://bulk/out/$base" "${errs:+s3://bulk/out/${base%.*}.errors.csv}" "$shards")
t1=$(date +%s.%N)
echo "run-local: state machine on $shards shards, MaxConcurrency $concurrency, $workers emulators" >&2
if ! summary=$(node "$repo/infra/sfn/run-local.mjs" --prefix "$prefix" --definition "$repo/infra/sfn/score.asl.json" \
	--sub "ScoreFunctionArn=arn:aws:lambda:us-east-1:000000000000:function:predict" --sub "MaxConcurrency=$concurrency" \
	--invoke "$(IFS=,; echo "${urls[*]}")" --s3cp "$tmp/s3cp" --input "$job"); then
	for i in $(seq "$workers"); do grep -h '"level":"ERROR"' "$tmp/rie-$i.log" >&2 || true; done
	exit 1
fi
t2=$(date +%s.%N)
if [ -n "$errs" ]; then
	"$tmp/s3cp" get "s3://bulk/out/${base%.*}.errors.csv" "$errs" || fail "download of the errors file failed"
fi
if [ "$out" = - ]; then
	"$tmp/s3cp" cat "s3://bulk/out/$base" || fail "download failed"
else
	"$tmp/s3cp" get "s3://bulk/out/$base" "$out" || fail "download failed"
fi
t3=$(date +%s.%N)
# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
	const s = JSON.parse(process.argv[1]);
	const [t0, t1, t2, t3] = process.argv.slice(2).map(Number);
	const f = (x) => x.toFixed(1);
	console.error(`run-local: ${s.scored} rows scored with model ${s.model_version} into ${process.argv[6]}` + (process.argv[7] ? `; ${s.bad} bad rows in ${process.argv[7]}` : ""));
	console.error(`run-local: ${s.rows} rows, ${s.parts} parts; state machine ${f(t2 - t1)} s (${Math.round(s.rows / (t2 - t1))} rows/s), upload and start ${f(t1 - t0)} s, download ${f(t3 - t2)} s, end to end ${f(t3 - t0)} s (${Math.round(s.rows / (t3 - t0))} rows/s)`);
' "$summary" "$t0" "$t1" "$t2" "$t3" "$out" "$errs"
