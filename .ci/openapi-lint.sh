#!/usr/bin/env bash
# Lints the OpenAPI description that predict actually serves, with Redocly
# CLI's recommended rules: fails on any error or warning.
#
# It installs the npm package @redocly/cli (the version pinned below) into
# a cache prefix, builds train and predict, trains a model on the embedded
# sample and one on a generated table into a temporary directory store,
# serves each on 127.0.0.1, fetches GET /openapi.json of each (the
# document follows the model's schema) and lints both documents. Nothing but the npm install
# (once per version) needs the network.
#
# Environment: NPM_CACHE_PREFIX (default $HOME/.cache/ci-npm),
# REDOCLY_VERSION (default the pin below).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo ".ci/openapi-lint.sh: $*" >&2; exit 1; }

version=${REDOCLY_VERSION:-2.77.0}
command -v node >/dev/null || fail "node is not installed (apt-get install -y nodejs npm)"
command -v npm >/dev/null || fail "npm is not installed (apt-get install -y npm)"
command -v curl >/dev/null || fail "curl is not installed"
command -v go >/dev/null || fail "go is not installed"

# Redocly CLI into a cache prefix named after the version, so that a new
# pin installs afresh and an unchanged one is reused offline.
prefix=${NPM_CACHE_PREFIX:-$HOME/.cache/ci-npm}/redocly-$version
installed=$(node -e 'try { console.log(require(process.argv[1] + "/node_modules/@redocly/cli/package.json").version) } catch { }' "$prefix")
if [ "$installed" != "$version" ]; then
	echo ".ci/openapi-lint.sh: installing @redocly/cli $version into $prefix" >&2
	mkdir -p "$prefix"
	npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "@redocly/cli@$version" >&2 ||
		fail "npm install @redocly/cli@$version failed"
fi
redocly=$prefix/node_modules/.bin/redocly
[ -x "$redocly" ] || fail "$redocly is missing after install"
# No telemetry, no update check: CI has no network beyond the registries.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

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

# The document follows the model's schema: lint the student model's and
# that of a model of a generated table that is not the student data.
# shellcheck source=.ci/serve-predict.sh
source .ci/serve-predict.sh
serve_predict "$tmp"
serve_generic "$tmp"
curl -fsS -o "$tmp/openapi.json" "$base/openapi.json" || fail "GET /openapi.json failed"
curl -fsS -o "$tmp/openapi-price.json" "$generic_base/openapi.json" || fail "GET /openapi.json of the price model failed"

# Lint from the temporary directory, so that no stray redocly.yaml changes
# the rules: the built-in recommended set applies. The stylish output is
# for people; the JSON totals decide.
cd "$tmp"
for doc in openapi.json openapi-price.json; do
	"$redocly" lint "$doc" || true
	"$redocly" lint --format=json "$doc" >lint.json 2>/dev/null || true
	totals=$(node -e '
		const t = JSON.parse(require("fs").readFileSync("lint.json", "utf8")).totals;
		console.log(t.errors + " " + t.warnings);
	') || fail "could not read the lint totals of $doc"
	read -r errors warnings <<<"$totals"
	echo ".ci/openapi-lint.sh: served $doc: $errors errors, $warnings warnings (redocly $version, recommended rules)"
	if [ "$errors" != 0 ] || [ "$warnings" != 0 ]; then
		fail "the OpenAPI description $doc must lint clean"
	fi
done
