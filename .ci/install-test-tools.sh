#!/usr/bin/env bash
# Installs the real components the Go tests use and fails loudly when one
# is missing afterwards. .ci/run and ci.yml's race job call it, so that a
# job under CI=true (where a missing component fails its tests) has them.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo ".ci/install-test-tools.sh: $*" >&2; exit 1; }

# Real components: headless Chromium for the web form test, the AWS Lambda
# Runtime Interface Emulator for the Lambda path, versitygw for the S3
# store and data source (the tests start it on 127.0.0.1 themselves).
bash .ci/install-chromium.sh
bash .ci/install-rie.sh
bash .ci/install-versitygw.sh
# aws-sam-translator (infra's tests translate the SAM template), cfn-lint,
# moto's server and the AWS CLI, pinned.
bash .ci/install-deploy-tools.sh
# amazon-ec2-metadata-mock: instance-role credentials for the EC2-path test.
bash .ci/install-ec2-metadata-mock.sh
command -v chromium >/dev/null || fail "chromium is missing after install"
command -v aws-lambda-rie >/dev/null || fail "aws-lambda-rie is missing after install"
command -v versitygw >/dev/null || fail "versitygw is missing after install"
