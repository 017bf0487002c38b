#!/usr/bin/env bash
# Installs the npm packages infra/sfn/package.json pins (aws-local-stepfunctions,
# asl-validator) into a cache prefix named after the pins, once, and prints
# the prefix. A changed pin installs afresh; an unchanged one is reused
# offline. Fails loudly when node or npm is missing or the install fails.
#
# Environment: NPM_CACHE_PREFIX (default $HOME/.cache/ci-npm).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "infra/sfn/npm-tools.sh: $*" >&2; exit 1; }
command -v node >/dev/null || fail "node is not installed (apt-get install nodejs npm)"
command -v npm >/dev/null || fail "npm is not installed (apt-get install npm)"

pins=$(node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1])).dependencies; console.log(Object.entries(d).map(([k, v]) => k + "-" + v).join("_"))' "$here/package.json")
prefix=${NPM_CACHE_PREFIX:-$HOME/.cache/ci-npm}/sfn-$pins
ok=$(node -e '
	const d = JSON.parse(require("fs").readFileSync(process.argv[1])).dependencies;
	try {
		for (const [k, v] of Object.entries(d)) if (require(process.argv[2] + "/node_modules/" + k + "/package.json").version !== v) throw 0;
		console.log("yes");
	} catch { }' "$here/package.json" "$prefix")
if [ "$ok" != yes ]; then
	echo "infra/sfn/npm-tools.sh: installing $pins into $prefix" >&2
	mkdir -p "$prefix"
	cp "$here/package.json" "$prefix/package.json"
	# aws-local-stepfunctions 3.0.0 declares node >= 22 but runs on 20
	# (run-local.sh's end-to-end run is the proof): no engine-strict.
	npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error >&2 ||
		fail "npm install of $pins failed"
fi
echo "$prefix"
