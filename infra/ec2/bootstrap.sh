#!/usr/bin/env bash
# Bootstrap the EC2 host that serves predict and runs the GitHub Actions
# self-hosted runner (Amazon Linux 2023 or Debian/Ubuntu). Idempotent: run
# it again to repair or upgrade. Run as root, e.g. from user data:
#   GITHUB_REPOSITORY=owner/name RUNNER_TOKEN=… REGION=eu-west-2 MODEL_STORE=s3://BUCKET/store bash bootstrap.sh
# RUNNER_TOKEN is the short-lived registration token from the repository's
# Settings → Actions → Runners → New self-hosted runner (it expires in an
# hour and is not stored). The host has NO AWS keys: the instance profile
# (RunnerInstanceProfile in infra/template.yaml) gives ECR pull and the
# model prefix of the bucket, and the SDK in the containers finds it.
#
# Installs: Docker, the AWS CLI (ECR login), nginx (the public port 8080 in
# front of the blue/green slots of infra/deploy.sh), the runner as a
# systemd service under the user `runner` with the label studentperf, and
# /etc/studentperf/predict.env (the containers' environment).
set -euo pipefail

: "${GITHUB_REPOSITORY:?owner/name of the repository}"
: "${REGION:?the AWS region}"
: "${MODEL_STORE:?s3://BUCKET/PREFIX, the stack output ModelStore}"
# The runner release and the sha256 GitHub publishes for its linux-x64
# tarball (the release page's "Validate the hash" line). Another version
# needs its own RUNNER_SHA256: the download is never run unchecked.
RUNNER_VERSION=${RUNNER_VERSION:-2.321.0}
if [ "$RUNNER_VERSION" = 2.321.0 ]; then
	RUNNER_SHA256=${RUNNER_SHA256:-ba46ba7ce3a4d7236b16fbe44419fb453bc08f866b24f04d549ec89f1722a29e}
fi
: "${RUNNER_SHA256:?the published sha256 of actions-runner-linux-x64-$RUNNER_VERSION.tar.gz}"
RUNNER_USER=runner
RUNNER_DIR=/opt/actions-runner
STATE_DIR=/var/lib/studentperf
PUBLIC_PORT=${PUBLIC_PORT:-8080}

log() { echo "bootstrap: $*" >&2; }
[ "$(id -u)" = 0 ] || { echo "bootstrap: run as root" >&2; exit 1; }

# Packages.
if command -v dnf >/dev/null; then
	dnf install -y -q docker nginx awscli tar gzip curl >/dev/null
else
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq docker.io nginx awscli tar gzip curl >/dev/null
fi
systemctl enable --now docker

# The runner's user: in the docker group, allowed to reload nginx and to
# install the retraining timer, nothing else as root.
id "$RUNNER_USER" >/dev/null 2>&1 || useradd --system --create-home --shell /bin/bash "$RUNNER_USER"
usermod -aG docker "$RUNNER_USER"
# The timer installer is copied root-owned: the runner cannot change what it runs as root.
here=$(cd "$(dirname "$0")" && pwd)
install -m 0755 -o root -g root "$here/install-train-timer.sh" /usr/local/sbin/studentperf-install-train-timer
cat >/etc/sudoers.d/studentperf-runner <<SUDO
$RUNNER_USER ALL=(root) NOPASSWD: /usr/sbin/nginx -s reload, /usr/local/sbin/studentperf-install-train-timer *
SUDO
chmod 0440 /etc/sudoers.d/studentperf-runner

# State and environment of the containers: no keys, the region and the store.
install -d -o "$RUNNER_USER" -m 0755 "$STATE_DIR"
install -d -m 0755 /etc/studentperf
cat >/etc/studentperf/predict.env <<ENV
AWS_REGION=$REGION
MODEL_STORE=$MODEL_STORE
ENV
cp /etc/studentperf/predict.env /etc/studentperf/train.env

# nginx: the public port, upstream rewritten by infra/deploy.sh.
[ -e "$STATE_DIR/upstream.conf" ] || { echo 'server 127.0.0.1:18081;' >"$STATE_DIR/upstream.conf"; chown "$RUNNER_USER" "$STATE_DIR/upstream.conf"; }
sed -e "s|@LISTEN@|$PUBLIC_PORT|; s|@UPSTREAM@|$STATE_DIR/upstream.conf|" "$here/nginx-studentperf.conf" >/etc/nginx/conf.d/studentperf.conf
nginx -t
systemctl enable nginx
systemctl reload-or-restart nginx

# The GitHub runner as a service.
if [ ! -x "$RUNNER_DIR/run.sh" ]; then
	log "installing the GitHub Actions runner $RUNNER_VERSION"
	install -d -o "$RUNNER_USER" "$RUNNER_DIR"
	tarball=$(mktemp)
	curl -fsSL -o "$tarball" "https://github.com/actions/runner/releases/download/v$RUNNER_VERSION/actions-runner-linux-x64-$RUNNER_VERSION.tar.gz"
	if ! echo "$RUNNER_SHA256  $tarball" | sha256sum -c --quiet -; then
		rm -f "$tarball"
		echo "bootstrap: the runner tarball's sha256 is not the published $RUNNER_SHA256; not installing it" >&2
		exit 1
	fi
	chmod 0644 "$tarball"
	sudo -u "$RUNNER_USER" tar -xz -C "$RUNNER_DIR" -f "$tarball"
	rm -f "$tarball"
fi
if [ ! -e "$RUNNER_DIR/.runner" ]; then
	: "${RUNNER_TOKEN:?the runner registration token (only needed the first time)}"
	sudo -u "$RUNNER_USER" "$RUNNER_DIR/config.sh" --unattended --replace \
		--url "https://github.com/$GITHUB_REPOSITORY" --token "$RUNNER_TOKEN" \
		--name "$(hostname)" --labels studentperf --work "/home/$RUNNER_USER/work"
fi
if ! systemctl list-units --all --type=service | grep -q 'actions.runner'; then
	(cd "$RUNNER_DIR" && ./svc.sh install "$RUNNER_USER")
fi
(cd "$RUNNER_DIR" && ./svc.sh start) || true
log "done: runner labelled studentperf, nginx on :$PUBLIC_PORT, state in $STATE_DIR"
