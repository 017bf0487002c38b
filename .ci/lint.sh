#!/usr/bin/env bash
# Lint what is not Go: the workflows with actionlint (which also runs
# ShellCheck over their run steps), every shell script with ShellCheck,
# the SAM template with cfn-lint, and the Go code with staticcheck.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-image-tools.sh
actionlint -shellcheck "$(command -v shellcheck)" .github/workflows/*.yml
mapfile -t scripts < <(git ls-files '*.sh' .ci/run)
shellcheck -x "${scripts[@]}"
echo ".ci/lint.sh: actionlint and shellcheck clean (${#scripts[@]} scripts)"
# cfn-lint (pinned) on the SAM template, informational findings included,
# and the planted range, enum and Fargate errors it must catch.
bash .ci/install-deploy-tools.sh
infra/cfn-lint.sh
# staticcheck, pinned, through the module proxy: its findings fail the run
# (STATICCHECK_STRICT=0 makes them a warning, for a local look).
if go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...; then
	echo ".ci/lint.sh: staticcheck clean"
elif [ "${STATICCHECK_STRICT:-1}" = 1 ]; then
	echo ".ci/lint.sh: staticcheck found problems" >&2
	exit 1
else
	echo ".ci/lint.sh: WARNING: staticcheck found the problems above" >&2
fi
