#!/usr/bin/env bash
# Make the Docker sandbox usable here (called by `make test`): if no Docker engine answers,
# install Debian's docker.io when dockerd is missing and start dockerd in the background
# (log: $GRADER_DOCKERD_LOG, default /var/log/grader-dockerd.log); then build the sandbox's
# images if they are missing (`grader sandbox build`: base image from Debian packages, about a
# minute the first time, then the runner image). Safe to run again: it skips what is present.
#
# Without root (or sudo) it cannot install or start anything: it says why and the Docker tests
# are skipped with that reason; under CI=true that is an error (CI requires the Docker tests).
set -uo pipefail
cd "$(dirname "$0")/.."

log=${GRADER_DOCKERD_LOG:-/var/log/grader-dockerd.log}

give_up() {
  echo "docker-setup: $*" >&2
  if [ "${CI:-}" = "true" ]; then
    echo "docker-setup: CI=true requires the Docker sandbox; failing" >&2
    exit 1
  fi
  echo "docker-setup: the Docker tests will be skipped" >&2
  exit 0
}

answers() { docker info >/dev/null 2>&1; }

if ! answers; then
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    give_up "no Docker engine answers, and installing or starting one needs root"
  fi
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    echo "docker-setup: installing Debian's docker.io"
    $SUDO apt-get update -qq || give_up "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker.io >/dev/null \
      || give_up "could not install docker.io"
  fi
  if ! answers; then
    echo "docker-setup: starting dockerd in the background (log: $log)"
    $SUDO sh -c "setsid nohup dockerd >>'$log' 2>&1 </dev/null &"
    for _ in $(seq 120); do
      answers && break
      sleep 0.5
    done
    answers || { tail -n 20 "$log" >&2; give_up "dockerd did not answer within 60 s"; }
  fi
fi
echo "docker-setup: Docker engine $(docker version --format '{{.Server.Version}}') answers"
.venv/bin/grader sandbox build || give_up "building the sandbox images failed"
