#!/usr/bin/env bash
# Install versitygw, the S3-compatible server the S3 tests run against
# (shared/s3test), with the command in shared/s3test/INSTALL (a go install
# through the Go module proxy). Idempotent: skips the install when the
# versitygw on PATH was built from the version INSTALL names.
set -euo pipefail
cd "$(dirname "$0")/.."

install_file=shared/s3test/INSTALL
fail() { echo ".ci/install-versitygw.sh: $*" >&2; exit 1; }

[ -r "$install_file" ] || fail "$install_file is missing"
install_cmd=$(grep -v '^[[:space:]]*\(#\|$\)' "$install_file")
[ "$(printf '%s\n' "$install_cmd" | wc -l)" -eq 1 ] || fail "$install_file must hold one command line"
want=${install_cmd##*@}
want=${want%%[[:space:]]*}
[ -n "$want" ] || fail "no @version in $install_file"

have=
if current=$(command -v versitygw); then
	have=$(go version -m "$current" 2>/dev/null |
		awk '$1 == "mod" && $2 == "github.com/versity/versitygw" { print $3 }') || true
fi

if [ "$have" = "$want" ]; then
	echo ".ci/install-versitygw.sh: $current is already $want" >&2
else
	echo ".ci/install-versitygw.sh: installing versitygw $want (found: ${have:-none})" >&2
	bash -c "$install_cmd"
	hash -r
fi

command -v versitygw || fail "versitygw is not on PATH after: $install_cmd"
versitygw --version >/dev/null || fail "versitygw --version failed"
