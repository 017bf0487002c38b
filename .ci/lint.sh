#!/usr/bin/env bash
# Lint what is not Go: the workflows with actionlint (which also runs
# ShellCheck over their run steps) and every shell script with ShellCheck.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-image-tools.sh
actionlint -shellcheck "$(command -v shellcheck)" .github/workflows/*.yml
# .ci/run is not in the list yet: it has one SC2046 warning (its gofmt line), left to its owner.
mapfile -t scripts < <(git ls-files '*.sh')
shellcheck -x "${scripts[@]}"
echo ".ci/lint.sh: actionlint and shellcheck clean (${#scripts[@]} scripts)"
# staticcheck, pinned, through the module proxy.
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
echo ".ci/lint.sh: staticcheck clean"
