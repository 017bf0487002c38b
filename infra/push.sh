#!/usr/bin/env bash
# Push the images infra/images.sh built (its images.env) to a registry,
# tagged with the full git SHA: REGISTRY/studentperf-predict:SHA and
# REGISTRY/studentperf-train:SHA (amd64), and SHA-arm64 for the arm64
# images, each a single-platform image manifest (Lambda takes no index).
# Never `latest`: the ECR repositories have immutable tags. Prints one
# line per image: NAME REFERENCE DIGEST (NAME: predict, train,
# predict-arm64, train-arm64).
#
# Usage: infra/push.sh REGISTRY [TAG]     (TAG defaults to the built revision)
# Env:   OUT_DIR (as for images.sh); TLS_VERIFY=false for a plain-HTTP
#        registry on 127.0.0.1 (the rehearsal's stand-in for ECR)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=infra/lib.sh
. infra/lib.sh

[ $# -ge 1 ] || fail "usage: infra/push.sh REGISTRY [TAG]"
registry=$1
out=${OUT_DIR:-/tmp/studentperf-images}
[ -r "$out/images.env" ] || fail "no $out/images.env: run infra/images.sh first"
# shellcheck disable=SC1091
. "$out/images.env"
tag=${2:-$REVISION}
command -v buildah >/dev/null || fail "buildah is not installed (run .ci/install-image-tools.sh)"

for fn in predict train; do
	for arch in amd64 arm64; do
		suffix='' var=$(echo "$fn" | tr '[:lower:]' '[:upper:]')_IMAGE
		if [ "$arch" = arm64 ]; then suffix=-arm64 var=${var}_ARM64; fi
		[ -n "${!var:-}" ] || continue # built without this architecture (ARCHES)
		ref=$registry/studentperf-$fn:$tag$suffix
		buildah push --quiet --tls-verify="${TLS_VERIFY:-true}" --format oci --digestfile "$out/$fn$suffix.digest" \
			"${!var}" "docker://$ref" >/dev/null || fail "push $ref failed"
		echo "$fn$suffix $ref $(cat "$out/$fn$suffix.digest")"
	done
done
