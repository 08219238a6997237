#!/usr/bin/env bash
# Build the runner's base image from Debian packages, for machines that reach no image
# registry: debootstrap a minimal Debian (minbase) with python3 and python3-numpy, then
# `docker import` it. The Debian mirror and release are read from this machine's apt sources,
# so the image matches the packages the process sandbox uses.
#
#   docker/build-base-image.sh [IMAGE]        default IMAGE: grader-base:<release>
#   FORCE=1 docker/build-base-image.sh        rebuild even if IMAGE exists
#
# Needs root (debootstrap) and a running Docker engine; installs debootstrap if missing.
# Takes about a minute.
set -euo pipefail

release=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
image=${1:-grader-base:$release}

if [ -z "${FORCE:-}" ] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "base image $image: present, not rebuilt"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "build-base-image: debootstrap needs root; run as root (or with sudo)" >&2
  exit 1
fi

# The mirror serving $release, as this machine's apt sources name it.
mirror=$("$(dirname "$0")/debian-mirror.sh" "$release") || exit 1

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "build-base-image: installing debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

root=$(mktemp -d /var/tmp/grader-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "base image $image: debootstrap $release (minbase + python3, python3-numpy) from $mirror"
debootstrap --variant=minbase --include=python3,python3-numpy "$release" "$root" "$mirror" \
  > "$root.log" 2>&1 || { tail -n 30 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
chroot "$root" python3 -c "import numpy; print('base image: python3 + numpy', numpy.__version__)"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc \
  "$root"/usr/share/man "$root"/usr/share/info
tar -C "$root" --numeric-owner -c . | docker import \
  -c 'ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'CMD ["python3"]' -m "debootstrap $release minbase + python3-numpy" - "$image" >/dev/null
echo "base image $image: built ($(docker image inspect -f '{{.Size}}' "$image" | \
  awk '{printf "%.0f MB", $1 / 1e6}'))"
