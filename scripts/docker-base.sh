#!/usr/bin/env bash
# The image's base, made without a registry: Debian bookworm (minbase) by debootstrap from
# the mirror apt is configured with, then `docker import`. Built once per machine.
set -euo pipefail
IMAGE="${1:-tokstack-base:bookworm}"
if docker image inspect "$IMAGE" >/dev/null 2>&1; then exit 0; fi
MIRROR="$(grep -h -m1 -oE 'https?://[^ ]+/debian/?$' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1 || true)"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
ROOT="$(mktemp -d /tmp/tokstack-base.XXXXXX)"
trap 'rm -rf "$ROOT"' EXIT
echo "tokstack: debootstrap bookworm (minbase) from $MIRROR"
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >/tmp/debootstrap.log 2>&1 \
  || { tail -20 /tmp/debootstrap.log >&2; exit 1; }
# what a server image never reads: apt's lists and caches, docs, man pages, locales
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/cache/apt/archives/*.deb \
  "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/*
find "$ROOT"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'C.UTF-8' -exec rm -rf {} +
cp /etc/apt/sources.list.d/debian.sources "$ROOT"/etc/apt/sources.list.d/ 2>/dev/null || true
tar -C "$ROOT" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' - "$IMAGE" >/dev/null
echo "tokstack: base image $IMAGE built"
