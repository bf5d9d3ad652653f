#!/usr/bin/env bash
# Starts Docker's daemon in the background when none answers (this machine has no systemd).
# --iptables=false: the sandbox allows no iptables; --ip: published ports bind to loopback.
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
command -v dockerd >/dev/null || { echo "dockerd not found (apt-get install docker.io)" >&2; exit 1; }
nohup dockerd --iptables=false --ip=127.0.0.1 >/tmp/dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 0.5
done
echo "dockerd did not start within 30 s; see /tmp/dockerd.log" >&2
exit 1
