#!/usr/bin/env bash
# Install what the template checks and the stack rehearsal need, at pinned
# versions: cfn-lint (with aws-sam-translator, which translates the SAM
# template), moto's server (the AWS stand-in of infra/moto-rehearse.sh),
# and the AWS CLI (the deploy workflow's own commands), from PyPI through
# pip. Idempotent: nothing is installed when the pinned versions are
# there (as on the project's machine image); fails loudly when a tool is
# still missing or at another version afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo ".ci/install-deploy-tools.sh: $*" >&2; exit 1; }

# package==version (pip), and the module that must import afterwards.
pins=("cfn-lint==1.51.0" "moto[server]==5.2.1" "awscli==1.45.11")
command -v python3 >/dev/null || fail "python3 is not installed"

have() { # package version
	[ "$(python3 -m pip show "$1" 2>/dev/null | awk '/^Version:/ { print $2 }')" = "$2" ]
}
missing=()
for pin in "${pins[@]}"; do
	name=${pin%%==*} version=${pin##*==}
	have "${name%%\[*}" "$version" || missing+=("$pin")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo ".ci/install-deploy-tools.sh: pip install ${missing[*]}" >&2
	# A CI runner's system Python (Ubuntu 24.04) refuses pip installs
	# (PEP 668) unless told; the tools must sit beside the python3 the
	# tests and scripts run, so they go there on that throwaway machine.
	PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet "${missing[@]}" || fail "pip install ${missing[*]} failed"
	hash -r
fi
for pin in "${pins[@]}"; do
	name=${pin%%==*} version=${pin##*==}
	have "${name%%\[*}" "$version" || fail "${name%%\[*} is not $version after install"
done
for tool in cfn-lint moto_server aws; do
	command -v "$tool" >/dev/null || fail "$tool is not on PATH after install"
done
python3 -c 'import samtranslator, yaml, boto3' || fail "python3 cannot import samtranslator, yaml and boto3"
