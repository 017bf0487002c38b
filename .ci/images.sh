#!/usr/bin/env bash
# CI's image steps: build both images from the commit, check them (size,
# non-root, no shell, the S3 store on versitygw, the Lambda emulator, cold
# start, the arm64 binaries under qemu), rebuild without the layer cache
# and compare digests (the images are reproducible), rehearse the EC2
# deploy (good release, bad release rolled back, 0 failed requests), and
# rehearse the first AWS deploy and the workflow's Lambda step on moto.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo ".ci/images.sh: $*" >&2; exit 1; }
start=$SECONDS

bash .ci/install-image-tools.sh
bash .ci/install-versitygw.sh >/dev/null
bash .ci/install-rie.sh >/dev/null
bash .ci/install-deploy-tools.sh

if [ -z "${OUT_DIR:-}" ]; then
	OUT_DIR=$(mktemp -d)
	trap 'rm -rf "$OUT_DIR"' EXIT
fi
export OUT_DIR
rev=$(git rev-parse HEAD) # both builds of this one commit, whatever lands meanwhile
infra/images.sh "$rev" | tee "$OUT_DIR/first"
infra/check-images.sh
infra/check-sagemaker.sh # SageMaker's container contract, as its local mode runs the image

# Reproducibility: the images removed and built again (the Go caches are
# cache mounts, so this is quick); the image IDs must match.
for fn in predict train predict-arm64 train-arm64; do buildah rmi "$(cut -d' ' -f2 <<<"$(grep "^$fn " "$OUT_DIR/first")")" >/dev/null; done
infra/images.sh "$rev" | tee "$OUT_DIR/second"
diff <(cut -d' ' -f1,3 "$OUT_DIR/first") <(cut -d' ' -f1,3 "$OUT_DIR/second") ||
	fail "two builds of one commit gave different image IDs"
echo "reproducible: $(cut -d' ' -f1,3 "$OUT_DIR/second" | tr '\n' ' ')"

infra/rehearse.sh
# The first deploy and the deploy workflow's Lambda step, against moto.
infra/moto-rehearse.sh
echo ".ci/images.sh: done in $((SECONDS - start))s"
