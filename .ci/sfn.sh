#!/usr/bin/env bash
# The bulk-scoring state machine (infra/sfn, docs/bulk-scoring.md):
#   1. asl-validator (npm, the version infra/sfn/package.json pins) passes
#      infra/sfn/score.asl.json after the template's DefinitionSubstitutions,
#      and refuses a planted mistake (so the check can fail);
#   2. every ${NAME} in the definition is one the template substitutes;
#   3. infra/sfn/run-local.sh runs it end to end with aws-local-stepfunctions
#      on Lambda emulators and versitygw, and writes the bytes `predict batch`
#      writes on a file with bad rows on shard edges and inside quoted fields
#      spanning lines, with and without -errors.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo ".ci/sfn.sh: $*" >&2; exit 1; }

prefix=$(bash infra/sfn/npm-tools.sh) || fail "npm tools missing"
validator=$prefix/node_modules/.bin/asl-validator
[ -x "$validator" ] || fail "asl-validator is missing from $prefix"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

def=infra/sfn/score.asl.json
# shellcheck disable=SC2016 # the ${NAME}s are the definition's, not the shell's
subs=$(grep -o '\${[A-Za-z0-9_]*}' "$def" | sort -u | tr -d '${}')
for s in $subs; do
	grep -q "^        $s: " infra/template.yaml || fail "$def uses \${$s}, which infra/template.yaml's DefinitionSubstitutions do not set"
done
# shellcheck disable=SC2016
sed -e 's/\${ScoreFunctionArn}/arn:aws:lambda:us-east-1:123456789012:function:score/g' -e 's/\${MaxConcurrency}/16/g' "$def" >"$tmp/score.json"
"$validator" --json-path "$tmp/score.json" || fail "asl-validator refuses $def"
# A planted mistake: a Map state with no ItemProcessor.
node -e 'const d = require(process.argv[1]); delete d.States.Score.ItemProcessor; require("fs").writeFileSync(process.argv[2], JSON.stringify(d))' "$tmp/score.json" "$tmp/broken.json"
if "$validator" --silent --json-path "$tmp/broken.json" 2>/dev/null; then
	fail "asl-validator passed a Map state without ItemProcessor: the check cannot fail"
fi

# End to end: a model, a file with planted bad rows, predict batch as the reference.
go run ./functions/train run -store "$tmp/store" -families linear >/dev/null 2>&1 || fail "train failed"
go run ./infra/bench/genbatch -n 60000 -seed 3 -csv "$tmp/gen.csv"
go run ./infra/sfn/plantbad -in "$tmp/gen.csv" -out "$tmp/in.csv" -shards 6 2>/dev/null
go build -o "$tmp/predict" ./functions/predict
"$tmp/predict" batch -store "$tmp/store" -in "$tmp/in.csv" -out "$tmp/want.csv" -errors "$tmp/want.errors.csv" 2>/dev/null
MODEL_STORE=$tmp/store bash infra/sfn/run-local.sh -in "$tmp/in.csv" -out "$tmp/got.csv" -errors "$tmp/got.errors.csv" -shards 6 -concurrency 3
cmp "$tmp/want.csv" "$tmp/got.csv" || fail "the state machine's output differs from predict batch's"
cmp "$tmp/want.errors.csv" "$tmp/got.errors.csv" || fail "the state machine's errors file differs from predict batch's"
echo ".ci/sfn.sh: 6 shards: the output and errors file are predict batch's, byte for byte" >&2

# Without -errors: predict batch's failure, naming the first bad row, and no output.
want=$("$tmp/predict" batch -store "$tmp/store" -in "$tmp/in.csv" -out "$tmp/none.csv" 2>&1 >/dev/null | grep -o 'bad row: .*' || true)
[ -n "$want" ] || fail "predict batch did not fail on the bad rows"
if got=$(MODEL_STORE=$tmp/store bash infra/sfn/run-local.sh -in "$tmp/in.csv" -out "$tmp/none.csv" -shards 6 2>&1); then
	fail "run-local.sh succeeded without -errors on a file with bad rows"
fi
grep -qF "$want" <<<"$got" || fail "run-local.sh without -errors said: $got; want predict batch's: $want"
[ ! -e "$tmp/none.csv" ] || fail "run-local.sh left an output after a failed job"
echo ".ci/sfn.sh: without -errors: fails as predict batch does ($want)" >&2
