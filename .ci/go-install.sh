#!/usr/bin/env bash
# Install a tool the tests run, with the one `go install …@VERSION` line of
# its INSTALL file (through the Go module proxy). Idempotent: skips the
# install when the binary on PATH was built from the module version the
# INSTALL file names.
#
# Usage: .ci/go-install.sh INSTALL_FILE BINARY MODULE
set -euo pipefail
cd "$(dirname "$0")/.."

install_file=$1 bin=$2 module=$3
fail() { echo ".ci/go-install.sh ($bin): $*" >&2; exit 1; }

[ -r "$install_file" ] || fail "$install_file is missing"
install_cmd=$(grep -v '^[[:space:]]*\(#\|$\)' "$install_file")
[ "$(printf '%s\n' "$install_cmd" | wc -l)" -eq 1 ] || fail "$install_file must hold one command line"
want=${install_cmd##*@}
want=${want%%[[:space:]]*}
[ -n "$want" ] || fail "no @version in $install_file"

have=
if current=$(command -v "$bin"); then
	have=$(go version -m "$current" 2>/dev/null |
		awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }') || true
fi

if [ "$have" = "$want" ]; then
	echo ".ci/go-install.sh: $current is already $want" >&2
else
	echo ".ci/go-install.sh: installing $bin $want (found: ${have:-none})" >&2
	bash -c "$install_cmd"
	hash -r
fi

command -v "$bin" || fail "$bin is not on PATH after: $install_cmd"
