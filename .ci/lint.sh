#!/usr/bin/env bash
# Lint what is not Go: the workflows with actionlint (which also runs
# ShellCheck over their run steps) and every shell script with ShellCheck.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-image-tools.sh
actionlint -shellcheck "$(command -v shellcheck)" .github/workflows/*.yml
mapfile -t scripts < <(git ls-files '*.sh' .ci/run)
shellcheck -x "${scripts[@]}"
echo ".ci/lint.sh: actionlint and shellcheck clean (${#scripts[@]} scripts)"
