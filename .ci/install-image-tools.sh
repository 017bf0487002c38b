#!/usr/bin/env bash
# Install what the image build, the image checks, the deploy rehearsal and
# the workflow lint need: buildah, podman, runc, nginx, shellcheck, curl and
# qemu-user-static (the arm64 images' binaries run under it) from Debian; crane (go-containerregistry) and actionlint through the Go
# module proxy, at pinned versions. Idempotent: each is installed only when
# missing (or, for the Go tools, not the pinned version).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo ".ci/install-image-tools.sh: $*" >&2; exit 1; }
crane_version=v0.22.1
actionlint_version=v1.7.12

missing=()
for pair in buildah:buildah podman:podman runc:runc nginx:nginx-light shellcheck:shellcheck curl:curl qemu-aarch64-static:qemu-user-static; do
	command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
[ -r /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
if [ ${#missing[@]} -gt 0 ]; then
	echo ".ci/install-image-tools.sh: apt-get install ${missing[*]}" >&2
	command -v apt-get >/dev/null || fail "no apt-get to install ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

go_tool() { # binary module version
	local have=
	if command -v "$1" >/dev/null; then
		have=$(go version -m "$(command -v "$1")" 2>/dev/null | awk -v m="$2" '$1 == "mod" && $2 == m { print $3 }') || true
	fi
	[ "$have" = "$3" ] && return
	echo ".ci/install-image-tools.sh: installing $1 $3 (found: ${have:-none})" >&2
	GOBIN=${GOBIN:-/usr/local/bin} CGO_ENABLED=0 go install "$4@$3"
}
go_tool crane github.com/google/go-containerregistry "$crane_version" github.com/google/go-containerregistry/cmd/crane
go_tool actionlint github.com/rhysd/actionlint "$actionlint_version" github.com/rhysd/actionlint/cmd/actionlint
hash -r

for tool in buildah podman runc nginx shellcheck curl qemu-aarch64-static crane actionlint; do
	command -v "$tool" >/dev/null || fail "$tool is missing after install"
done
