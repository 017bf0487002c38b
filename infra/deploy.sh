#!/usr/bin/env bash
# Deploy one predict image on the EC2 host without dropping a request:
# pull IMAGE:TAG, start it in the idle slot (blue or green, each its own
# loopback port) beside the running container, wait for its /readyz, and
# only then move traffic: the nginx front (the public port) is pointed at
# the new slot and reloaded gracefully, and the old container is stopped
# (SIGTERM; the server finishes its in-flight requests). A release that
# does not become ready within READY_TIMEOUT is removed and traffic never
# leaves the previous release; if that one is not running (say, after a
# reboot) the previous tag is started again. Exits 0 when TAG serves,
# 1 when it was rolled back.
#
# The CD job (.github/workflows/deploy.yml) runs this on the self-hosted
# runner; the rehearsal (infra/rehearse.sh) runs the very same script in CI.
#
# Usage: infra/deploy.sh IMAGE TAG        e.g. 123456789012.dkr.ecr.eu-west-2.amazonaws.com/studentperf-predict 1a2b…
# Env:   ENGINE         docker (default when installed) or podman
#        ENGINE_FLAGS   extra run flags (default: --network host, plus a
#                       restart policy for docker, the podman flags of infra/lib.sh for podman)
#        PULL_FLAGS     extra pull flags (the rehearsal: --tls-verify=false)
#        ENV_FILE       the container's environment (MODEL_STORE, AWS_REGION…;
#                       no keys: credentials come from the instance profile)
#        STATE_DIR      slot state and the nginx upstream file (default /var/lib/studentperf)
#        SLOT_PORTS     the two slots' ports (default "18081 18082")
#        FRONT_RELOAD   how to reload the front (default: nginx -s reload)
#        READY_TIMEOUT  seconds to wait for /readyz (default 60)
#        NAME           container name prefix (default studentperf-predict)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=infra/lib.sh
. infra/lib.sh
trap - EXIT

[ $# -eq 2 ] || fail "usage: infra/deploy.sh IMAGE TAG"
image=$1 tag=$2
engine=${ENGINE:-$(command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 && echo docker || echo podman)}
command -v "$engine" >/dev/null || fail "$engine is not installed"
if [ -n "${ENGINE_FLAGS:-}" ]; then
	read -r -a run_flags <<<"$ENGINE_FLAGS"
elif [ "$engine" = docker ]; then
	run_flags=(--network host --restart unless-stopped)
else
	run_flags=("${PODMAN_FLAGS[@]}")
fi
read -r -a pull_flags <<<"${PULL_FLAGS:-}"
state=${STATE_DIR:-/var/lib/studentperf}
read -r -a ports <<<"${SLOT_PORTS:-18081 18082}"
timeout=${READY_TIMEOUT:-60}
name=${NAME:-studentperf-predict}
env_flags=()
[ -z "${ENV_FILE:-}" ] || env_flags=(--env-file "$ENV_FILE")
mkdir -p "$state"

# State: "SLOT TAG" of what serves now, and of what served before it.
cur_slot='' cur_tag=''
[ ! -r "$state/current" ] || read -r cur_slot cur_tag <"$state/current"
new_slot=blue new_port=${ports[0]}
if [ "$cur_slot" = blue ]; then new_slot=green new_port=${ports[1]}; fi
port_of() { if [ "$1" = blue ]; then echo "${ports[0]}"; else echo "${ports[1]}"; fi; }

start() { # slot tag
	"$engine" rm -f "$name-$1" >/dev/null 2>&1 || true
	"$engine" run -d --name "$name-$1" "${run_flags[@]}" "${env_flags[@]}" \
		-e PORT="127.0.0.1:$(port_of "$1")" "$image:$2" >/dev/null
}
point_front() { # slot
	printf 'server 127.0.0.1:%s;\n' "$(port_of "$1")" >"$state/upstream.conf.new"
	mv "$state/upstream.conf.new" "$state/upstream.conf"
	${FRONT_RELOAD:-nginx -s reload}
}

log "pulling $image:$tag"
"$engine" pull -q "${pull_flags[@]}" "$image:$tag" >/dev/null || fail "pull $image:$tag failed"

log "starting $tag in slot $new_slot (127.0.0.1:$new_port) beside ${cur_tag:-nothing} in slot ${cur_slot:-none}"
start "$new_slot" "$tag"
if wait_ready "http://127.0.0.1:$new_port" "$timeout"; then
	point_front "$new_slot"
	# nginx's old workers finish their requests on the old slot; then stop it.
	sleep "${DRAIN_SECONDS:-2}"
	[ -z "$cur_slot" ] || "$engine" stop -t 15 "$name-$cur_slot" >/dev/null 2>&1 || true
	[ -z "$cur_slot" ] || "$engine" rm -f "$name-$cur_slot" >/dev/null 2>&1 || true
	[ -z "$cur_tag" ] || echo "$cur_slot $cur_tag" >"$state/previous"
	echo "$new_slot $tag" >"$state/current"
	echo "deployed $image:$tag in slot $new_slot; replaced ${cur_tag:-nothing}"
	exit 0
fi

log "$tag did not answer /readyz within ${timeout}s; its last log lines:"
"$engine" logs --tail 5 "$name-$new_slot" >&2 2>&1 || true
"$engine" rm -f "$name-$new_slot" >/dev/null 2>&1 || true
if [ -z "$cur_tag" ]; then
	fail "rolled back: $tag never became ready and there is no previous release"
fi
if ! wait_ready "http://127.0.0.1:$(port_of "$cur_slot")" 1; then
	log "previous release $cur_tag is not running; starting it again"
	start "$cur_slot" "$cur_tag"
	wait_ready "http://127.0.0.1:$(port_of "$cur_slot")" "$timeout" || fail "previous release $cur_tag does not become ready either"
	point_front "$cur_slot"
fi
echo "rolled back: $tag never became ready; $image:$cur_tag still serves in slot $cur_slot"
exit 1
