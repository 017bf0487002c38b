#!/usr/bin/env bash
# Rehearse the CD job on this machine, with a local OCI registry on
# 127.0.0.1 (crane registry serve) standing in for ECR and the S3 store on
# versitygw: push the images infra/images.sh built, tagged with the git
# SHA; deploy an earlier release; then run infra/deploy.sh (the script the
# CD job runs on the EC2 host) twice while a client polls POST /predict
# through the nginx front the whole time:
#   1. the good release (the SHA) replaces the old one: exit 0;
#   2. a bad release (the same image told to serve a model that does not
#      exist, so /readyz never turns 200) is rolled back: exit 1, and the
#      good release still serves.
# Each phase prints the client's count of requests and failures; any
# failed request fails the rehearsal.
#
# Usage: infra/rehearse.sh     Env: OUT_DIR (as for images.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=infra/lib.sh
. infra/lib.sh

out=${OUT_DIR:-/tmp/studentperf-images}
[ -r "$out/images.env" ] || fail "no $out/images.env: run infra/images.sh first"
# shellcheck disable=SC1091
. "$out/images.env"
for tool in crane podman nginx curl versitygw; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (run .ci/install-image-tools.sh)"
done
work=$(mktemp -d)
cleanup_add "rm -rf '$work'"

# The registry standing in for ECR.
reg_port=$(free_port)
registry=127.0.0.1:$reg_port
mkdir -p "$work/registry"
crane registry serve --address "$registry" --disk "$work/registry" >"$work/registry.log" 2>&1 &
reg_pid=$!
cleanup_add "kill $reg_pid 2>/dev/null"
for _ in $(seq 50); do curl -fsS -o /dev/null "http://$registry/v2/" 2>/dev/null && break; sleep 0.1; done
TLS_VERIFY=false infra/push.sh "$registry" | sed 's/^/pushed: /'
repo=$registry/studentperf-predict
sha=$REVISION

# The earlier release (the same bytes under another tag: what matters here
# is that a running container is replaced), and the bad release.
crane copy --insecure "$repo:$sha" "$repo:previous-release" 2>/dev/null
crane mutate --insecure "$repo:$sha" --cmd serve,-model,no-such-model -t "$repo:$sha-broken" >/dev/null 2>&1

# The store, and a model in it.
s3_start
s3_bucket models
cat >"$work/predict.env" <<ENV
AWS_ACCESS_KEY_ID=$S3_KEY
AWS_SECRET_ACCESS_KEY=$S3_SECRET
AWS_REGION=us-east-1
AWS_ENDPOINT_URL_S3=$S3_ENDPOINT
MODEL_STORE=s3://models/store
ENV
podman run --rm "${PODMAN_FLAGS[@]}" --env-file "$work/predict.env" "$TRAIN_IMAGE" run >/dev/null

# The nginx front on the public port, as infra/ec2/bootstrap.sh installs it.
front=$(free_port)
mkdir -p "$work/nginx/tmp" "$work/state"
read -r p1 p2 <<<"$(free_port) $(free_port)"
printf 'server 127.0.0.1:%s;\n' "$p1" >"$work/state/upstream.conf"
sed -e "s|@LISTEN@|127.0.0.1:$front|; s|@UPSTREAM@|$work/state/upstream.conf|" infra/ec2/nginx-studentperf.conf >"$work/nginx/site.conf"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $work/nginx/tmp/body;
	proxy_temp_path $work/nginx/tmp/proxy;
	fastcgi_temp_path $work/nginx/tmp/fastcgi;
	uwsgi_temp_path $work/nginx/tmp/uwsgi;
	scgi_temp_path $work/nginx/tmp/scgi;
	include $work/nginx/site.conf;
}
CONF
nginx_cmd="nginx -p $work/nginx -c $work/nginx/nginx.conf"
$nginx_cmd || fail "nginx did not start"
cleanup_add "$nginx_cmd -s quit 2>/dev/null"

export ENGINE=podman PULL_FLAGS=--tls-verify=false ENV_FILE=$work/predict.env STATE_DIR=$work/state \
	SLOT_PORTS="$p1 $p2" FRONT_RELOAD="$nginx_cmd -s reload" READY_TIMEOUT=${READY_TIMEOUT:-15} NAME=rehearsal-$$
cleanup_add "podman rm -f $NAME-blue >/dev/null 2>&1; podman rm -f $NAME-green >/dev/null 2>&1"

# poll FILE: POST /predict through the front until FILE.stop appears;
# writes "requests failures" to FILE.
poll() {
	local ok=0 bad=0
	while [ ! -e "$1.stop" ]; do
		if curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$front/predict" \
			-H 'Content-Type: application/json' -d "$RECORD" 2>>"$1.err"; then
			ok=$((ok + 1))
		else
			bad=$((bad + 1))
		fi
		sleep 0.01
	done
	echo "$((ok + bad)) $bad" >"$1"
}
phase() { # label expected-exit tag
	local rc=0 total failed
	poll "$work/poll" &
	local poller=$!
	sleep 1
	infra/deploy.sh "$repo" "$3" || rc=$?
	sleep 1
	touch "$work/poll.stop"
	wait "$poller"
	read -r total failed <"$work/poll"
	rm -f "$work/poll" "$work/poll.stop"
	echo "rehearsal $1: infra/deploy.sh exit $rc (want $2); client polling /predict throughout: $total requests, $failed failed"
	[ "$rc" = "$2" ] || fail "$1: deploy.sh exited $rc, want $2"
	[ "$failed" = 0 ] || { cat "$work/poll.err" >&2; fail "$1: $failed requests failed"; }
}

infra/deploy.sh "$repo" previous-release | sed 's/^/initial: /'
wait_ready "http://127.0.0.1:$front" 10 || fail "the front does not reach the initial release"
phase "good release" 0 "$sha"
serving=$(podman ps --filter "name=$NAME" --format '{{.Image}}')
echo "rehearsal good release: now serving $serving"
[ "$serving" = "$repo:$sha" ] || fail "after the good release $serving serves, want $repo:$sha"
phase "bad release" 1 "$sha-broken"
serving=$(podman ps --filter "name=$NAME" --format '{{.Image}}')
echo "rehearsal bad release: still serving $serving; front: $(curl -fsS "http://127.0.0.1:$front/predict" -H 'Content-Type: application/json' -d "$RECORD")"
[ "$serving" = "$repo:$sha" ] || fail "after the bad release $serving serves, want $repo:$sha"
echo "infra/rehearse.sh: both outcomes rehearsed"
