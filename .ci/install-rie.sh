#!/usr/bin/env bash
# Install the AWS Lambda Runtime Interface Emulator (aws-lambda-rie) that the
# Lambda tests run functions under, with the command in
# shared/lambdatest/INSTALL (a go install through the Go module proxy).
# Idempotent: skips the install when the aws-lambda-rie on PATH was built
# from the version INSTALL names.
set -euo pipefail
cd "$(dirname "$0")/.."

install_file=shared/lambdatest/INSTALL
fail() { echo ".ci/install-rie.sh: $*" >&2; exit 1; }

[ -r "$install_file" ] || fail "$install_file is missing"
install_cmd=$(grep -v '^[[:space:]]*\(#\|$\)' "$install_file")
[ "$(printf '%s\n' "$install_cmd" | wc -l)" -eq 1 ] || fail "$install_file must hold one command line"
want=${install_cmd##*@}
want=${want%%[[:space:]]*}
[ -n "$want" ] || fail "no @version in $install_file"

have=
if current=$(command -v aws-lambda-rie); then
	have=$(go version -m "$current" 2>/dev/null |
		awk '$1 == "mod" && $2 == "github.com/aws/aws-lambda-runtime-interface-emulator" { print $3 }') || true
fi

if [ "$have" = "$want" ]; then
	echo ".ci/install-rie.sh: $current is already $want" >&2
else
	echo ".ci/install-rie.sh: installing aws-lambda-rie $want (found: ${have:-none})" >&2
	bash -c "$install_cmd"
	hash -r
fi

command -v aws-lambda-rie || fail "aws-lambda-rie is not on PATH after: $install_cmd"
