#!/usr/bin/env bash
# Build both function images (Dockerfile.predict, Dockerfile.train) with
# buildah from one commit, reproducibly: the build context is `git archive`
# of the commit (never the working tree), and every timestamp is the
# commit's time, so two builds of one commit give the same image digest.
#
# There is no Docker engine and no registry here, so unless GO_IMAGE and
# BASE_IMAGE name images already in local storage, this first makes local
# stand-ins: a `golang` image from the installed Go toolchain and a static
# base (scratch + CA certificates + /etc/passwd with the non-root user
# 65532, the shape of distroless static:nonroot).
#
# Each function is built for two architectures, one image each (Lambda
# takes no index): amd64, tagged REV as before, and arm64, tagged REV-arm64.
# The Go build runs natively and cross-compiles (Dockerfile: FROM
# --platform=$BUILDPLATFORM, GOARCH from TARGETARCH).
#
# Usage: infra/images.sh [REV]        (REV defaults to HEAD)
# Env:   ARCHES        the architectures (default "amd64 arm64")
#        IMAGE_PREFIX  where to tag the images (default localhost/studentperf)
#        GO_IMAGE      the build stage's image (default: the local stand-in)
#        BASE_IMAGE    the final stage's image (default: the local stand-in)
#        OUT_DIR       where predict.iid, train.iid and images.env are written
#                      (default /tmp/studentperf-images)
# It prints one line per image: NAME TAG IMAGE-ID SIZE-BYTES (NAME is
# predict, train, predict-arm64, train-arm64), and writes images.env
# (PREDICT_IMAGE=…, TRAIN_IMAGE=…, PREDICT_IMAGE_ARM64=…, TRAIN_IMAGE_ARM64=…,
# REVISION=…) for the scripts after it.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "infra/images.sh: $*" >&2; exit 1; }
log() { echo "infra/images.sh: $*" >&2; }

for tool in buildah git go; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (run .ci/install-image-tools.sh)"
done

rev=$(git rev-parse --verify "${1:-HEAD}^{commit}") || fail "no such commit: ${1:-HEAD}"
short=${rev:0:12}
epoch=$(git show -s --format=%ct "$rev")
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
prefix=${IMAGE_PREFIX:-localhost/studentperf}
out=${OUT_DIR:-/tmp/studentperf-images}
mkdir -p "$out"
source_url=${IMAGE_SOURCE:-https://github.com/${GITHUB_REPOSITORY:-studentperf/studentperf}}

# bud: the flags every build here uses. Chroot isolation needs no user
# namespaces or cgroups; --pull=never because there is no registry.
# --no-cache: a cached layer keeps the timestamp of the build that made it
# (another commit's), so every layer is rebuilt; that is quick, because the
# Go module and build caches are cache mounts, which stay.
bud() { buildah build --isolation chroot --pull=never --no-cache --format oci "$@"; }

# The Go stand-in: the installed GOROOT under /usr/local/go and the CA
# bundle (the build stage downloads modules through the proxy). Rebuilt only
# when missing: it is tagged with the Go version.
go_stand_in() {
	local goroot version name ctr certs empty
	goroot=$(go env GOROOT)
	version=$(go env GOVERSION)
	name=localhost/studentperf/golang:${version#go}
	if buildah inspect --type image "$name" >/dev/null 2>&1; then
		echo "$name"
		return
	fi
	certs=/etc/ssl/certs/ca-certificates.crt
	[ -r "$certs" ] || fail "no CA bundle at $certs (apt-get install ca-certificates)"
	log "making $name from $goroot"
	ctr=$(buildah from --pull=never scratch)
	buildah copy --quiet "$ctr" "$goroot" /usr/local/go >/dev/null
	buildah copy --quiet "$ctr" "$certs" /etc/ssl/certs/ca-certificates.crt >/dev/null
	empty=$(mktemp -d)
	buildah copy --quiet --chmod 1777 "$ctr" "$empty" /tmp >/dev/null
	rmdir "$empty"
	buildah config --env PATH=/usr/local/go/bin:/go/bin:/usr/local/bin:/usr/bin:/bin \
		--env GOPATH=/go --env HOME=/root --env GOTOOLCHAIN=local \
		--env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
		--workingdir /go "$ctr"
	buildah commit --quiet --timestamp 0 "$ctr" "$name" >/dev/null
	buildah rm "$ctr" >/dev/null
	echo "$name"
}

# The static stand-in: what distroless static:nonroot holds that a Go
# binary uses (CA certificates, passwd/group with nonroot 65532, /tmp,
# the user's home). Deterministic (fixed timestamp, fixed modes), so
# rebuilding it each time gives the same image ID.
static_stand_in() { # arch
	local name=localhost/studentperf/static:nonroot-$1 root
	root=$(mktemp -d)
	# shellcheck disable=SC2064 # expand now: the directory is local
	trap "rm -rf '$root'" RETURN
	mkdir -p "$root/rootfs/etc/ssl/certs" "$root/rootfs/tmp" "$root/rootfs/home/nonroot"
	cp /etc/ssl/certs/ca-certificates.crt "$root/rootfs/etc/ssl/certs/"
	printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
		'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$root/rootfs/etc/passwd"
	printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'nonroot:x:65532:' >"$root/rootfs/etc/group"
	chmod 0644 "$root/rootfs/etc/passwd" "$root/rootfs/etc/group" "$root/rootfs/etc/ssl/certs/ca-certificates.crt"
	chmod 1777 "$root/rootfs/tmp"
	chmod 0700 "$root/rootfs/home/nonroot"
	cat >"$root/Containerfile" <<-'EOF'
		FROM scratch
		COPY rootfs/ /
		COPY --chown=65532:65532 rootfs/home/nonroot /home/nonroot
		ENV PATH=/usr/local/bin:/usr/bin:/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
		USER 65532:65532
		WORKDIR /home/nonroot
	EOF
	bud --quiet --timestamp 0 --platform "$(platform "$1")" -t "$name" -f "$root/Containerfile" "$root" >/dev/null
	echo "$name"
}

# platform ARCH: the OCI platform of an architecture (arm64 is v8).
platform() { if [ "$1" = arm64 ]; then echo linux/arm64/v8; else echo "linux/$1"; fi; }

go_image=${GO_IMAGE:-$(go_stand_in)}
build_platform=linux/$(go env GOHOSTARCH)
read -r -a arches <<<"${ARCHES:-amd64 arm64}"

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
git archive --format=tar "$rev" | tar -x -C "$ctx"

: >"$out/images.env"
printf 'REVISION=%s\n' "$rev" >>"$out/images.env"
for arch in "${arches[@]}"; do
	case $arch in amd64 | arm64) ;; *) fail "architecture $arch: want amd64 or arm64" ;; esac
	base_image=${BASE_IMAGE:-$(static_stand_in "$arch")}
	suffix='' var_suffix=''
	if [ "$arch" != amd64 ]; then suffix=-$arch var_suffix=_$(echo "$arch" | tr '[:lower:]' '[:upper:]'); fi
	for fn in predict train; do
		tag=$prefix/$fn:$rev$suffix
		log "building $tag for linux/$arch (commit time $created) on $go_image / $base_image"
		# BuildKit sets the platform arguments itself; this buildah does not.
		bud --quiet --timestamp "$epoch" --platform "$(platform "$arch")" \
			--build-arg BUILDPLATFORM="$build_platform" --build-arg TARGETPLATFORM="$(platform "$arch")" \
			--build-arg TARGETOS=linux --build-arg TARGETARCH="$arch" \
			--build-arg GO_IMAGE="$go_image" --build-arg BASE_IMAGE="$base_image" \
			--build-arg GOPROXY="$(go env GOPROXY)" \
			--build-arg SOURCE="$source_url" --build-arg REVISION="$rev" --build-arg CREATED="$created" \
			--iidfile "$out/$fn$suffix.iid" -t "$tag" -t "$prefix/$fn:$short$suffix" \
			-f "$ctx/Dockerfile.$fn" "$ctx" >/dev/null
		got=$(buildah inspect --type image --format '{{.OCIv1.Architecture}}' "$tag")
		[ "$got" = "$arch" ] || fail "$tag is for $got, not $arch"
		size=$(buildah inspect --type image --format '{{.Docker.Size}}' "$tag" 2>/dev/null || true)
		if [ -z "$size" ] || [ "$size" = 0 ]; then
			size=$(podman image inspect --format '{{.Size}}' "$tag" 2>/dev/null || echo unknown)
		fi
		echo "$fn$suffix $tag $(cat "$out/$fn$suffix.iid") $size"
		upper=$(echo "$fn" | tr '[:lower:]' '[:upper:]')
		printf '%s_IMAGE%s=%s\n' "$upper" "$var_suffix" "$tag" >>"$out/images.env"
	done
done
