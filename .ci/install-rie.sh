#!/usr/bin/env bash
# Install the AWS Lambda Runtime Interface Emulator (aws-lambda-rie) that the
# Lambda tests run functions under, at the version shared/testkit/lambdatest/INSTALL
# pins.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/go-install.sh shared/testkit/lambdatest/INSTALL aws-lambda-rie github.com/aws/aws-lambda-runtime-interface-emulator
