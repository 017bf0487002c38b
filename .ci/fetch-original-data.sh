#!/usr/bin/env bash
# Put the Python original's student data (stud.csv and its exact 800/200
# split, train.csv and test.csv) where the tests that check the original's
# figures look for it: ../shared/data/students beside the checkout
# (shared/realdata). It is never copied into this repository. The files
# come from the original's public repository at one pinned commit, and
# each must match its pinned sha256, or this fails; files already there
# are checked the same way and kept.
#
# Usage: .ci/fetch-original-data.sh [DIR]   (default ../shared/data/students)
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo ".ci/fetch-original-data.sh: $*" >&2; exit 1; }

repo=krishnaik06/mlproject
commit=34ab2e9091473eeedfd7a4cddc4ee1bcd16faaa4
dir=${1:-../shared/data/students}
# name path-in-the-repository sha256
files=(
	"stud.csv notebook/data/stud.csv 802478d1fb131fea8481d61c88e74d2333d3e5580ff1c13483dda971eed8f880"
	"train.csv artifacts/train.csv f1d443d9506ab19e98652b1104f96af1adb44d906ff37f312cdf69aef9276253"
	"test.csv artifacts/test.csv 5a4dbde7a9781eadaeaa0e36105f13c1da71398ad6410dab92fdf620675e87e4"
)

mkdir -p "$dir"
for f in "${files[@]}"; do
	read -r name path sum <<<"$f"
	if [ -r "$dir/$name" ] && echo "$sum  $dir/$name" | sha256sum -c --quiet - 2>/dev/null; then
		echo ".ci/fetch-original-data.sh: $dir/$name is already there (sha256 $sum)"
		continue
	fi
	[ -w "$dir" ] || fail "$dir/$name is missing or differs, and $dir is read-only"
	tmp=$(mktemp)
	curl -fsSL --retry 3 -o "$tmp" "https://raw.githubusercontent.com/$repo/$commit/$path" ||
		{ rm -f "$tmp"; fail "cannot fetch $path of $repo at $commit"; }
	got=$(sha256sum "$tmp" | cut -d' ' -f1)
	[ "$got" = "$sum" ] || { rm -f "$tmp"; fail "$path of $repo at $commit has sha256 $got, want $sum"; }
	mv "$tmp" "$dir/$name"
	chmod 0444 "$dir/$name"
	echo ".ci/fetch-original-data.sh: fetched $dir/$name from $repo@${commit:0:12} (sha256 $sum)"
done
