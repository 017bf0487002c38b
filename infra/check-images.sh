#!/usr/bin/env bash
# Check the images infra/images.sh built (its images.env): each is at most
# 20 MiB as a registry stores it (gzip-compressed layers, the size ECR
# shows; the uncompressed size is printed beside it), runs as the non-root user 65532 and holds no shell or package
# manager; the train image trains into an S3 store on a local versitygw,
# the predict image serves a prediction from that store (/readyz, then
# POST /predict), and both answer a sample event under the AWS Lambda
# Runtime Interface Emulator mounted into the container (as AWS documents
# for images that do not ship it). Also measures the predict container's
# cold start: podman run to the first 200 from /predict, median of 5.
#
# Usage: infra/check-images.sh       Env: OUT_DIR (as for images.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=infra/lib.sh
. infra/lib.sh

out=${OUT_DIR:-/tmp/studentperf-images}
[ -r "$out/images.env" ] || fail "no $out/images.env: run infra/images.sh first"
# shellcheck disable=SC1091
. "$out/images.env"
for tool in podman curl versitygw aws-lambda-rie; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (run .ci/install-image-tools.sh)"
done

max=$((20 * 1024 * 1024))
for img in "$PREDICT_IMAGE" "$TRAIN_IMAGE" ${PREDICT_IMAGE_ARM64:+"$PREDICT_IMAGE_ARM64"} ${TRAIN_IMAGE_ARM64:+"$TRAIN_IMAGE_ARM64"}; do
	size=$(podman image inspect --format '{{.Size}}' "$img")
	gz=$(podman save --format docker-archive "$img" 2>/dev/null | gzip -6 | wc -c)
	user=$(podman image inspect --format '{{.Config.User}}' "$img")
	[ "$gz" -le "$max" ] || fail "$img is $gz bytes compressed, over 20 MiB"
	case $user in "" | 0 | 0:* | root | root:*) fail "$img runs as root (User=$user)" ;; esac
	mnt=$(podman image mount "$img")
	files=$(cd "$mnt" && find . -mindepth 1 \( -type f -o -type l \) | sort | tr '\n' ' ')
	for bad in sh bash ash dash busybox apt apt-get dpkg apk yum microdnf; do
		if (cd "$mnt" && find . -name "$bad" | grep -q .); then
			podman image unmount "$img" >/dev/null
			fail "$img holds $bad"
		fi
	done
	podman image unmount "$img" >/dev/null
	if podman run --rm "${PODMAN_FLAGS[@]}" --entrypoint /bin/sh "$img" -c true >/dev/null 2>&1; then
		fail "$img ran /bin/sh"
	fi
	echo "image $img ($(podman image inspect --format '{{.Os}}/{{.Architecture}}' "$img")): compressed $gz bytes ($(awk -v s="$gz" 'BEGIN { printf "%.1f MiB", s / 1048576 }')), uncompressed $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.1f MiB", s / 1048576 }')), user $user, files: $files; /bin/sh: not found"
done

# The S3 store on versitygw, a bucket made with curl's SigV4 signing.
s3_start
s3_bucket models
s3env=(-e AWS_ACCESS_KEY_ID="$S3_KEY" -e AWS_SECRET_ACCESS_KEY="$S3_SECRET" -e AWS_REGION=us-east-1
	-e AWS_ENDPOINT_URL_S3="$S3_ENDPOINT" -e MODEL_STORE=s3://models/store)

echo "train image: train run into s3://models/store"
podman run --rm "${PODMAN_FLAGS[@]}" "${s3env[@]}" "$TRAIN_IMAGE" run | tail -3

port=$(free_port)
name=check-predict-$$
podman run -d --name "$name" "${PODMAN_FLAGS[@]}" "${s3env[@]}" -e PORT="127.0.0.1:$port" "$PREDICT_IMAGE" >/dev/null
cleanup_add "podman rm -f $name >/dev/null 2>&1"
wait_ready "http://127.0.0.1:$port" 30 || { podman logs "$name" >&2; fail "predict container never became ready"; }
echo "predict container user: $(podman top "$name" huser user | tail -1)"
body=$(curl -fsS "http://127.0.0.1:$port/predict" -H 'Content-Type: application/json' -d "$RECORD")
echo "predict container POST /predict: $body"
grep -q '"math_score"' <<<"$body" || fail "no math_score in $body"
podman rm -f "$name" >/dev/null

# The arm64 images' binaries, taken out of the images and run under
# qemu-user-static on this amd64 machine: predict serves a prediction from
# the same store, train lists its versions.
if [ -n "${PREDICT_IMAGE_ARM64:-}" ]; then
	command -v qemu-aarch64-static >/dev/null || fail "qemu-aarch64-static is not installed (run .ci/install-image-tools.sh)"
	bin=$(mktemp -d)
	cleanup_add "rm -rf '$bin'"
	for pair in "$PREDICT_IMAGE_ARM64:predict" "$TRAIN_IMAGE_ARM64:train"; do
		mnt=$(podman image mount "${pair%:*}")
		cp "$mnt/${pair##*:}" "$bin/"
		podman image unmount "${pair%:*}" >/dev/null
		# ELF e_machine (bytes 18-19): b7 00 is aarch64.
		[ "$(od -An -tx1 -j18 -N2 "$bin/${pair##*:}" | tr -d ' \n')" = b700 ] || fail "${pair##*:} of ${pair%:*} is not an aarch64 binary"
	done
	qenv=(AWS_ACCESS_KEY_ID="$S3_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET" AWS_REGION=us-east-1
		AWS_ENDPOINT_URL_S3="$S3_ENDPOINT" MODEL_STORE=s3://models/store AWS_EC2_METADATA_DISABLED=true)
	echo "arm64 train under qemu: $(env "${qenv[@]}" qemu-aarch64-static "$bin/train" versions | head -2 | tr '\n' ' ')"
	port=$(free_port)
	env "${qenv[@]}" PORT="127.0.0.1:$port" qemu-aarch64-static "$bin/predict" serve 2>"$bin/predict.log" &
	qpid=$!
	cleanup_add "kill $qpid 2>/dev/null"
	wait_ready "http://127.0.0.1:$port" 60 || { cat "$bin/predict.log" >&2; fail "arm64 predict under qemu never became ready"; }
	body=$(curl -fsS "http://127.0.0.1:$port/predict" -H 'Content-Type: application/json' -d "$RECORD")
	kill "$qpid"
	echo "arm64 predict under qemu POST /predict: $body"
	grep -q '"math_score"' <<<"$body" || fail "arm64 predict under qemu: no math_score in $body"
fi

# Both images under the Runtime Interface Emulator, mounted in, the way
# Lambda runs an image: as Lambda's own default user, not the image's USER
# (and the emulator never switches user itself), starting in the image's
# working directory. So emulator and function run as 993:990, a non-root
# user other than the image's 65532, with no --workdir: an image whose
# working directory that user cannot enter (distroless's /home/nonroot is
# 0700) fails here as it fails on Lambda (Runtime.InvalidEntrypoint).
rie=$(command -v aws-lambda-rie)
lambda_user=993:990
lambda_invoke() { # image binary event
	local p name resp
	p=$(free_port)
	name=check-rie-$$-$(basename "$2")
	echo "$(basename "$2") under the emulator as $lambda_user in the image's working directory $(podman image inspect --format '{{.Config.WorkingDir}}' "$1")" >&2
	podman run -d --name "$name" "${PODMAN_FLAGS[@]}" "${s3env[@]}" -v "$rie:/aws-lambda-rie:ro" \
		--user "$lambda_user" --entrypoint /aws-lambda-rie "$1" \
		--runtime-interface-emulator-address "127.0.0.1:$p" --runtime-api-address "127.0.0.1:$(free_port)" "$2" >/dev/null ||
		fail "$(basename "$2") under the emulator as $lambda_user did not start (above: the runtime's reason)"
	cleanup_add "podman rm -f $name >/dev/null 2>&1"
	for _ in $(seq 100); do
		resp=$(curl -sS -d @"$3" "http://127.0.0.1:$p/2015-03-31/functions/function/invocations" 2>/dev/null) && break
		sleep 0.1
	done
	[ -n "$resp" ] || podman logs "$name" >&2 2>&1 || true
	podman rm -f "$name" >/dev/null
	echo "$resp"
}
resp=$(lambda_invoke "$PREDICT_IMAGE" /predict events/predict-http-api.json)
echo "predict under the emulator (events/predict-http-api.json): ${resp:0:300}"
grep -q '"statusCode":200' <<<"$resp" || fail "predict under the emulator: $resp"
resp=$(lambda_invoke "$TRAIN_IMAGE" /train events/train-direct.json)
echo "train under the emulator (events/train-direct.json): ${resp:0:300}"
grep -qi 'error' <<<"${resp:0:40}" && fail "train under the emulator: $resp"
[ -n "$resp" ] || fail "train under the emulator gave no answer"

# Cold start: podman run to the first 200 from POST /predict, median of 5.
times=()
for i in 1 2 3 4 5; do
	port=$(free_port)
	name=cold-$$-$i
	t0=$(date +%s%N)
	podman run -d --name "$name" "${PODMAN_FLAGS[@]}" "${s3env[@]}" -e PORT="127.0.0.1:$port" "$PREDICT_IMAGE" >/dev/null
	until curl -fsS -o /dev/null "http://127.0.0.1:$port/predict" -H 'Content-Type: application/json' -d "$RECORD" 2>/dev/null; do
		[ $(($(date +%s%N) - t0)) -lt 30000000000 ] || fail "cold start $i: no 200 within 30s"
		sleep 0.01
	done
	t1=$(date +%s%N)
	podman rm -f "$name" >/dev/null
	times+=($(((t1 - t0) / 1000000)))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
echo "cold start, podman run -> first 200 from /predict (ms): $sorted; median $(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p) ms"
echo "infra/check-images.sh: all image checks passed"
