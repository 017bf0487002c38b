#!/usr/bin/env bash
# Install (or move to a new image) the retraining schedule on the EC2
# host: a systemd timer that runs `train run` in the train image nightly
# against the model store, with the instance profile's credentials.
# Idempotent. Run as root (the deploy workflow does, through sudo).
#
# Usage: install-train-timer.sh IMAGE     e.g. ACCOUNT.dkr.ecr.REGION.amazonaws.com/studentperf-train:SHA
# Env:   ON_CALENDAR (default *-*-* 03:00:00 UTC), ENV_FILE (default /etc/studentperf/train.env)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: install-train-timer.sh IMAGE" >&2; exit 2; }
case $1 in *[!A-Za-z0-9./:@_-]*) echo "install-train-timer.sh: bad image reference $1" >&2; exit 2 ;; esac
image=$1
calendar=${ON_CALENDAR:-*-*-* 03:00:00 UTC}
env_file=${ENV_FILE:-/etc/studentperf/train.env}
docker=$(command -v docker)

docker pull -q "$image" >/dev/null
cat >/etc/systemd/system/studentperf-train.service <<UNIT
[Unit]
Description=studentperf: retrain the model and push it to the store
Wants=network-online.target
After=network-online.target docker.service

[Service]
Type=oneshot
ExecStart=$docker run --rm --name studentperf-train --network host --env-file $env_file $image run
UNIT
cat >/etc/systemd/system/studentperf-train.timer <<UNIT
[Unit]
Description=studentperf: nightly retraining

[Timer]
OnCalendar=$calendar
Persistent=true
RandomizedDelaySec=10m

[Install]
WantedBy=timers.target
UNIT
systemctl daemon-reload
systemctl enable --now studentperf-train.timer
systemctl list-timers studentperf-train.timer --no-pager
