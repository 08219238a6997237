#!/usr/bin/env bash
# Make `docker-compose up` work on a machine that reaches no image registry (called by
# `make test`, after docker-setup.sh, for the end-to-end deployment test): install Debian's
# docker-compose when no Compose answers, build local stand-ins of the images the compose
# file names (docker/build-standin-image.sh: python, postgres, redis, from Debian's packages,
# in parallel, about two minutes the first time), a wheelhouse of the grader's dependencies
# for the service image (docker/wheels/cpXY/, so its build needs no package index), and
# write build/compose.env, which points the compose file's image variables at the stand-ins:
#
#   docker-compose --env-file build/compose.env up -d --build --scale worker=2
#
# Safe to run again: it skips what is present. Without root it cannot install or build: it
# says why (under CI=true that is an error: CI requires the deployment test).
set -uo pipefail
cd "$(dirname "$0")/.."

give_up() {
  echo "compose-setup: $*" >&2
  if [ "${CI:-}" = "true" ]; then
    echo "compose-setup: CI=true requires the compose deployment test; failing" >&2
    exit 1
  fi
  echo "compose-setup: the compose deployment test will be skipped" >&2
  exit 0
}

docker info >/dev/null 2>&1 || give_up "no Docker engine answers (run scripts/docker-setup.sh)"
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || give_up "installing docker-compose needs root"
  echo "compose-setup: installing Debian's docker-compose"
  apt-get update -qq || give_up "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null \
    || give_up "could not install docker-compose"
fi

release=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
if ! command -v debootstrap >/dev/null 2>&1; then  # once, before the parallel builds
  [ "$(id -u)" -eq 0 ] || give_up "building the stand-in images needs root (debootstrap)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap \
    >/dev/null || give_up "could not install debootstrap"
fi
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
pids=()
for kind in python postgres redis; do
  docker/build-standin-image.sh "$kind" >"$logs/$kind.log" 2>&1 &
  pids+=($!)
done
failed=
for i in 0 1 2; do
  kind=$(echo python postgres redis | cut -d' ' -f$((i + 1)))
  wait "${pids[$i]}" || failed="$failed $kind"
  cat "$logs/$kind.log"
done
[ -z "$failed" ] || give_up "building the stand-in image(s)$failed failed"

# The wheelhouse, for the stand-in's Python (Debian's python3); the project's own wheel is
# built in the image from its sources, so only the dependencies and the build backend.
py=/usr/bin/python3
if ! $py -m pip --version >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || give_up "Debian's python3-pip is missing and installing it needs root"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip \
    >/dev/null || give_up "could not install python3-pip"
fi
tag=cp$($py -c 'import sys; print("%d%d" % sys.version_info[:2])')
wheels=docker/wheels/$tag
stamp=$wheels/.stamp-$( (cat pyproject.toml; $py --version) | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "compose-setup: wheelhouse of the service image's dependencies in $wheels"
  rm -rf "$wheels" && mkdir -p "$wheels"
  reqs=$(mktemp)
  $py - "$reqs" <<'PY' || give_up "could not read pyproject.toml"
import sys, tomllib
deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]
open(sys.argv[1], "w").write("\n".join(deps + ["setuptools>=68", "wheel"]) + "\n")
PY
  # Debian's own python3 and pip (scripts/setup.sh installs them): environment markers are
  # then those of the stand-in's interpreter, which is the same package
  $py -m pip download -q --only-binary=:all: -d "$wheels" -r "$reqs" >"$logs/pip.log" 2>&1 \
    || { grep -v "is ignored: it is neither" "$logs/pip.log" | tail -n 20 >&2
         give_up "could not download the dependencies' wheels"; }
  rm -f "$reqs"
  touch "$stamp"
fi

# The sandbox's runner image of this checkout (its tag is a digest of the harness, so it
# matches the grader in the service image; a mutable :latest could be another checkout's).
runner=$(env -u GRADER_DOCKER_IMAGE .venv/bin/python -c "from grader.config import Settings
from grader.sandbox.images import runner_image
print(runner_image(Settings()))") || give_up "could not name the runner image"
if ! docker image inspect "$runner" >/dev/null 2>&1; then
  env -u GRADER_DOCKER_IMAGE .venv/bin/grader sandbox build || give_up "could not build $runner"
fi

mkdir -p build
cat > build/compose.env <<ENV
# Written by scripts/compose-setup.sh: the compose file's images, as local stand-ins built from
# Debian's packages (without this file the official images are used).
GRADER_BASE_IMAGE=grader-python:$release
POSTGRES_IMAGE=grader-postgres:$release
REDIS_IMAGE=grader-redis:$release
GRADER_DOCKER_IMAGE=$runner
ENV
echo "compose-setup: ready (docker-compose --env-file build/compose.env up -d --build)"
