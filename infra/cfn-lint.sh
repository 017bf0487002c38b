#!/usr/bin/env bash
# cfn-lint on infra/template.yaml, informational findings included (the
# template is clean of all three levels; an informational finding is
# either fixed or, with a reason, ignored in the template's Metadata), and
# proof that it would catch what goformation's parse does not: a value out
# of range, a value outside an enum, and a Fargate CPU/memory pair AWS
# refuses, each planted in a copy of the template, must fail it.
#
# Usage: infra/cfn-lint.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=infra/lib.sh
. infra/lib.sh
command -v cfn-lint >/dev/null || fail "cfn-lint is not installed (run .ci/install-deploy-tools.sh)"

cfn-lint --include-checks I -- infra/template.yaml || fail "cfn-lint found the problems above in infra/template.yaml"
echo "cfn-lint $(cfn-lint --version | awk '{ print $2 }'): infra/template.yaml clean (errors, warnings and informational)"

work=$(mktemp -d)
cleanup_add "rm -rf '$work'"
# name|the line as the template has it|the planted line
plants=(
	"range: SQS retention over 14 days|      MessageRetentionPeriod: 1209600|      MessageRetentionPeriod: 1209700"
	"range: Lambda timeout over 15 minutes|      Timeout: 900|      Timeout: 1000"
	"enum: log retention of 31 days|      RetentionInDays: 30|      RetentionInDays: 31"
	"enum: ECR tag mutability|      ImageTagMutability: IMMUTABLE|      ImageTagMutability: IMMUTABLY"
	"Fargate: 4 vCPU with 40 GB|      Memory: \"30720\"|      Memory: \"40960\""
)
for p in "${plants[@]}"; do
	IFS='|' read -r name from to <<<"$p"
	[ "$(grep -cxF -- "$from" infra/template.yaml)" -ge 1 ] || fail "plant $name: \"$from\" is not in infra/template.yaml"
	awk -v from="$from" -v to="$to" '!done && $0 == from { print to; done = 1; next } { print }' infra/template.yaml >"$work/template.yaml"
	if out=$(cfn-lint -- "$work/template.yaml" 2>&1); then
		fail "plant $name: cfn-lint passed it"
	fi
	echo "cfn-lint caught the planted $name: $(grep -m1 -E '^[EW][0-9]+' <<<"$out")"
done
