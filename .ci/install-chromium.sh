#!/usr/bin/env bash
# Install headless Chromium (Debian's package) for the browser tests of
# functions/predict. Idempotent: does nothing when /usr/bin/chromium exists.
# Fonts come along so that pages render text in screenshots.
set -euo pipefail

chromium=/usr/bin/chromium

if [ ! -x "$chromium" ]; then
	echo ".ci/install-chromium.sh: installing chromium" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y --no-install-recommends chromium fonts-dejavu-core fonts-liberation
fi

if [ ! -x "$chromium" ]; then
	echo ".ci/install-chromium.sh: $chromium is still missing after apt-get install chromium" >&2
	exit 1
fi
# Debian's wrapper script prints a harmless shell warning on some machines;
# the version line is what matters.
"$chromium" --version 2>/dev/null || { echo ".ci/install-chromium.sh: $chromium --version failed" >&2; exit 1; }
