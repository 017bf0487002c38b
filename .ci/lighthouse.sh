#!/usr/bin/env bash
# Lighthouse audits of predict's web pages: the form (/), the page after a
# submit with its explanations (POST /predictdata) and the training report
# (/model/report) of the student model, and the form and result page of a
# model of a generated table that is not the student data (its inputs made
# from its inferred schema). Fails unless accessibility and best practices
# are 1.00 on all of them, printing the scores and every audit that cost
# points.
#
# It installs the npm package lighthouse (the version .ci/lighthouse/
# package.json pins) into a cache prefix, builds predict, trains a model
# into a temporary directory store, serves it on 127.0.0.1 and runs the
# user flow .ci/lighthouse/flow.mjs against Debian's Chromium. Nothing but
# the npm install (once per version) needs the network.
#
# Environment: CHROME_PATH (default /usr/bin/chromium), NPM_CACHE_PREFIX
# (default $HOME/.cache/ci-npm), ARTIFACTS_DIR (the flow report goes to
# $ARTIFACTS_DIR/lighthouse; default a new temporary directory, printed).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo ".ci/lighthouse.sh: $*" >&2; exit 1; }

export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
[ -x "$CHROME_PATH" ] || fail "$CHROME_PATH is missing: run bash .ci/install-chromium.sh"
command -v node >/dev/null || fail "node is not installed"
command -v npm >/dev/null || fail "npm is not installed"
command -v curl >/dev/null || fail "curl is not installed"

# Lighthouse into a cache prefix named after the pinned version, so that a
# changed pin installs afresh and an unchanged one is reused offline.
pkg=.ci/lighthouse/package.json
version=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).dependencies.lighthouse)' "$pkg")
prefix=${NPM_CACHE_PREFIX:-$HOME/.cache/ci-npm}/lighthouse-$version
installed=$(node -e 'try { console.log(require(process.argv[1] + "/node_modules/lighthouse/package.json").version) } catch { }' "$prefix")
if [ "$installed" != "$version" ]; then
	echo ".ci/lighthouse.sh: installing lighthouse $version into $prefix" >&2
	mkdir -p "$prefix"
	cp "$pkg" "$prefix/package.json"
	npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error >&2 ||
		fail "npm install lighthouse@$version failed"
fi
# The flow script runs from the prefix so that its imports resolve there.
cp .ci/lighthouse/flow.mjs "$prefix/flow.mjs"

tmp=$(mktemp -d)
server=
generic_server=
cleanup() {
	for pid in $server $generic_server; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ -n "${ARTIFACTS_DIR:-}" ]; then
	out=$ARTIFACTS_DIR/lighthouse
	mkdir -p "$out"
else
	out=$(mktemp -d -t lighthouse.XXXXXX)
fi

# shellcheck source=.ci/serve-predict.sh
source .ci/serve-predict.sh
serve_predict "$tmp"
serve_generic "$tmp"

status=0
BASE_URL=$base GENERIC_URL=$generic_base OUT_DIR=$out node "$prefix/flow.mjs" || status=$?
echo ".ci/lighthouse.sh: flow report: $out/lighthouse-flow.html" >&2
if [ "$status" -ne 0 ]; then
	echo ".ci/lighthouse.sh: predict's log:" >&2
	tail -n 20 "$tmp/predict.log" "$tmp/predict-price.log" >&2
	fail "the Lighthouse audit failed (exit $status)"
fi
