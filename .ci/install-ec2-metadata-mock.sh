#!/usr/bin/env bash
# Install amazon-ec2-metadata-mock (ec2-metadata-mock), which serves the
# instance-role credentials of infra's EC2-path test, at the version
# infra/ec2/IMDS-MOCK-INSTALL pins.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/go-install.sh infra/ec2/IMDS-MOCK-INSTALL ec2-metadata-mock github.com/aws/amazon-ec2-metadata-mock
