#!/usr/bin/env bash
# Install what the portal's browser test needs, if missing: Debian's headless-capable
# `chromium` (driven by Playwright through `executable_path`; Playwright's own browser
# downloads are never used). Called by `make test`; safe to run again.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "setup-browser: installing Debian's chromium (for the portal's browser test)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  chromium fonts-dejavu-core >/dev/null
