#!/usr/bin/env bash
# Set up everything the grader and its tests need on a fresh Debian/Ubuntu machine:
# system packages (bubblewrap for the process sandbox; Debian's python3 + python3-numpy as the
# sandbox interpreter, readable by the unprivileged sandbox user) and a virtualenv in .venv
# with the grader installed in editable mode. Safe to run again: it skips what is present.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
/usr/bin/python3 -c "import numpy" >/dev/null 2>&1 || need+=(python3 python3-numpy)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "setup: installing system packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)"
  $PY -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: installing the grader and its test tools into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# Byte-compile the grader as a regular (non-editable) install does: every `grader grade`
# then imports it, and hands the sandbox its harness, without compiling (files edited later
# are compiled on import as usual).
.venv/bin/python -m compileall -q grader >/dev/null
