#!/usr/bin/env bash
# Print the Debian mirror serving RELEASE (default: this machine's) as this machine's apt
# sources name it: the first deb822 stanza of /etc/apt/sources.list.d/debian.sources whose
# Suites hold RELEASE itself, else the first one-line entry of /etc/apt/sources.list. Exits 1
# (saying where it looked) if there is none. Used by the image builders of this folder.
set -euo pipefail
release=${1:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}
mirror=
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk -v rel="$release" '
    /^[[:space:]]*$/ { if (uri != "" && hit) { print uri; exit } uri = ""; hit = 0; next }
    /^URIs:/ { uri = $2 }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == rel) hit = 1 }
    END { if (uri != "" && hit) print uri }' /etc/apt/sources.list.d/debian.sources | head -n1)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk -v rel="$release" '$1 == "deb" && $3 == rel { print $2; exit }' \
    /etc/apt/sources.list)
fi
if [ -z "$mirror" ]; then
  echo "no Debian mirror for $release found in /etc/apt/sources.list.d/debian.sources or" \
       "/etc/apt/sources.list" >&2
  exit 1
fi
echo "$mirror"
