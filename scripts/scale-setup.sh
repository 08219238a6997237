#!/usr/bin/env bash
# What the scale-out tests need on a fresh Debian/Ubuntu machine, installed when missing:
# Redis and PostgreSQL servers (the tests start their own on free ports in temporary folders;
# no system service is used or needed) and iproute2 (`ip netns` for the separate-machines
# test). Called by `make test`; safe to run again.
set -euo pipefail

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "scale-setup: installing system packages: ${need[*]}"
# Installing a server package must not start a system-wide server: block service starts
# (policy-rc.d) for the time of the install unless the machine already has a policy.
policy=/usr/sbin/policy-rc.d
ours=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  ours=1
fi
trap '[ -n "$ours" ] && $SUDO rm -f "$policy"' EXIT
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  "${need[@]}" >/dev/null
