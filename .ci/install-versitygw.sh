#!/usr/bin/env bash
# Install versitygw, the S3-compatible server the S3 tests run against
# (shared/testkit/s3test), at the version shared/testkit/s3test/INSTALL pins.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/go-install.sh shared/testkit/s3test/INSTALL versitygw github.com/versity/versitygw
versitygw --version >/dev/null || { echo ".ci/install-versitygw.sh: versitygw --version failed" >&2; exit 1; }
