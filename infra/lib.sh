# Shared helpers of the infra/ scripts (sourced, not run).
# shellcheck shell=bash

fail() { echo "${0##*/}: $*" >&2; exit 1; }
log() { echo "${0##*/}: $*" >&2; }

# The podman flags that work on this kind of machine (no systemd, no
# cgroup delegation, low default limits); ENGINE_FLAGS overrides them.
if [ -n "${ENGINE_FLAGS:-}" ]; then
	read -r -a PODMAN_FLAGS <<<"$ENGINE_FLAGS"
else
	PODMAN_FLAGS=(--runtime runc --ulimit nofile=20000:20000 --ulimit nproc=1000:1000 --network=host)
fi
export PODMAN_FLAGS

# One record of the data set, for prediction checks.
# shellcheck disable=SC2034 # used by the scripts that source this file
RECORD='{"gender":"female","race_ethnicity":"group B","parental_level_of_education":"bachelor'"'"'s degree","lunch":"standard","test_preparation_course":"none","reading_score":72,"writing_score":74}'

# Commands run on exit, last added first.
_cleanups=()
cleanup_add() { _cleanups=("$1" "${_cleanups[@]}"); }
_cleanup() {
	local c
	for c in "${_cleanups[@]}"; do eval "$c" || true; done
}
trap _cleanup EXIT

# free_port prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	fail "no free port found"
}

# wait_ready BASE-URL SECONDS: until GET /readyz answers 200.
wait_ready() {
	local deadline=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$deadline" ]; do
		curl -fsS -o /dev/null --max-time 2 "$1/readyz" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# s3_start runs versitygw (posix backend) on a free loopback port with a
# fresh data directory, and sets S3_ENDPOINT, S3_KEY, S3_SECRET.
s3_start() {
	local dir port
	dir=$(mktemp -d)
	port=$(free_port)
	S3_KEY=ci-access S3_SECRET=ci-secret-key
	S3_ENDPOINT=http://127.0.0.1:$port
	ROOT_ACCESS_KEY=$S3_KEY ROOT_SECRET_KEY=$S3_SECRET versitygw --port "127.0.0.1:$port" posix "$dir" >"$dir.log" 2>&1 &
	local pid=$!
	cleanup_add "kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf '$dir' '$dir.log'"
	for _ in $(seq 100); do
		# An unsigned GET / is refused with 403 once it is up.
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$S3_ENDPOINT/")" = 403 ] && return 0
		sleep 0.1
	done
	cat "$dir.log" >&2
	fail "versitygw did not start on $S3_ENDPOINT"
}

# s3_bucket NAME creates a bucket, signed with curl's SigV4.
s3_bucket() {
	local empty
	empty=$(printf '' | sha256sum | cut -d' ' -f1)
	curl -fsS --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_KEY:$S3_SECRET" \
		-H "x-amz-content-sha256: $empty" -X PUT "$S3_ENDPOINT/$1" >/dev/null ||
		fail "cannot create bucket $1 on $S3_ENDPOINT"
}
