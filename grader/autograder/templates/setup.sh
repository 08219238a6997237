#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# It installs the grader's Python dependencies into /autograder/pylib: from the wheels shipped
# in this zip when there are any (no network needed), else from the package index.
set -euo pipefail
cd /autograder/source

if ! command -v python3 >/dev/null 2>&1 || ! python3 -c "import numpy" >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3 python3-numpy >/dev/null
fi

mkdir -p /autograder/pylib
if ls wheels/pip-*.whl >/dev/null 2>&1; then
  pip_whl=$(ls wheels/pip-*.whl | head -n 1)
  python3 "$pip_whl/pip" install --quiet --no-index --find-links wheels \
    --target /autograder/pylib -r requirements.txt
else
  python3 -m pip install --quiet --target /autograder/pylib -r requirements.txt
fi
python3 - <<'PY'
import sys
sys.path[:0] = ["/autograder/pylib", "/autograder/source/src"]
import grader.autograder.runner  # noqa: F401  (fails the build early if anything is missing)
print("autograder ready")
PY
