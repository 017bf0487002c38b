#!/usr/bin/env bash
# Move the Dockerfiles' base-image pins to what their tags point at now:
# for golang:1.26-bookworm and distroless static-debian12:nonroot, ask the
# registry for the digest of the tag (the multi-platform index, so both
# architectures resolve from one pin) with crane, and rewrite the
# GO_IMAGE and BASE_IMAGE defaults of Dockerfile.predict and
# Dockerfile.train. Review the diff and commit it; CI builds and checks
# the images from it. Needs the internet (not available in CI here).
#
# Usage: infra/pin-base-images.sh [--check]   (--check: fail if a pin is stale, change nothing)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=infra/lib.sh
. infra/lib.sh
command -v crane >/dev/null || fail "crane is not installed (run .ci/install-image-tools.sh)"

stale=0
for pair in GO_IMAGE=docker.io/library/golang:1.26-bookworm BASE_IMAGE=gcr.io/distroless/static-debian12:nonroot; do
	arg=${pair%%=*} ref=${pair#*=}
	digest=$(crane digest "$ref") || fail "crane digest $ref failed"
	for f in Dockerfile.predict Dockerfile.train; do
		current=$(sed -n "s|^ARG $arg=$ref@\(sha256:[0-9a-f]*\)$|\1|p" "$f")
		[ -n "$current" ] || fail "$f has no line ARG $arg=$ref@sha256:…"
		if [ "$current" = "$digest" ]; then
			echo "$f: $ref is pinned to $digest, its current digest"
		elif [ "${1:-}" = --check ]; then
			echo "$f: $ref is pinned to $current; the tag now points at $digest" >&2
			stale=1
		else
			sed -i "s|^ARG $arg=$ref@sha256:[0-9a-f]*$|ARG $arg=$ref@$digest|" "$f"
			echo "$f: $ref moved from $current to $digest"
		fi
	done
done
exit "$stale"
