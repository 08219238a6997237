#!/usr/bin/env bash
# Build local stand-ins for the official images docker-compose.yml names, from Debian's
# packages, for machines that reach no image registry (as build-base-image.sh does for the
# sandbox's base): debootstrap a minimal Debian (minbase) with the packages of KIND, add the
# stand-in's entrypoint, then `docker import`. The mirror and release are read from this
# machine's apt sources.
#
#   docker/build-standin-image.sh KIND [IMAGE]      KIND: python | postgres | redis
#   FORCE=1 docker/build-standin-image.sh KIND      rebuild even if IMAGE exists
#
#   python   -> grader-python:<release>    for python:3.12-slim (base of docker/api.Dockerfile):
#               python3 (venv, numpy), bubblewrap, ca-certificates
#   postgres -> grader-postgres:<release>  for postgres:16: Debian's PostgreSQL (15 on
#               bookworm) behind an entrypoint that honours POSTGRES_USER, POSTGRES_PASSWORD,
#               POSTGRES_DB and PGDATA like the official image's
#   redis    -> grader-redis:<release>     for redis:7: Debian's redis-server (7.0 on bookworm),
#               unprotected like the official image (reached only on the compose network)
#
# Needs root (debootstrap) and a running Docker engine; installs debootstrap if missing.
# Downloaded packages are kept in $GRADER_DEBOOTSTRAP_CACHE/KIND (default
# /var/cache/grader-debootstrap/KIND), so a rebuild downloads nothing. About a minute per image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

kind=${1:?usage: build-standin-image.sh python|postgres|redis [IMAGE]}
release=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
image=${2:-grader-$kind:$release}
# one cache per kind: the builds may run at once (scripts/compose-setup.sh)
cache=${GRADER_DEBOOTSTRAP_CACHE:-/var/cache/grader-debootstrap}/$kind

case $kind in
  python)
    packages=python3,python3-venv,python3-numpy,bubblewrap,ca-certificates
    changes=('CMD ["python3"]') ;;
  postgres)
    packages=postgresql,util-linux
    changes=('ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' 'CMD ["postgres"]'
             'ENV PGDATA=/var/lib/postgresql/data' 'EXPOSE 5432') ;;
  redis)
    packages=redis-server
    changes=('ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' 'CMD ["redis-server"]'
             'WORKDIR /data' 'EXPOSE 6379') ;;
  *) echo "build-standin-image: unknown kind $kind (python, postgres or redis)" >&2; exit 2 ;;
esac

if [ -z "${FORCE:-}" ] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "stand-in image $image: present, not rebuilt"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "build-standin-image: debootstrap needs root; run as root (or with sudo)" >&2
  exit 1
fi

mirror=$("$here/debian-mirror.sh" "$release") || exit 1

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "build-standin-image: installing debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

root=$(mktemp -d /var/tmp/grader-$kind.XXXXXX)
trap 'rm -rf "$root" "$root.log"' EXIT
mkdir -p "$cache"
echo "stand-in image $image: debootstrap $release (minbase + ${packages//,/, }) from $mirror"
debootstrap --variant=minbase --cache-dir="$cache" --include="$packages" "$release" "$root" \
  "$mirror" > "$root.log" 2>&1 || { tail -n 30 "$root.log" >&2; exit 1; }

case $kind in
  postgres)
    # the package made a cluster of its own; the entrypoint makes one in $PGDATA instead
    rm -rf "$root"/var/lib/postgresql/* "$root"/etc/postgresql/*
    install -m 0755 "$here/standins/postgres-entrypoint.sh" \
      "$root/usr/local/bin/docker-entrypoint.sh"
    bin=$(cd "$root" && ls -d usr/lib/postgresql/*/bin | sort -V | tail -n1)
    changes+=("ENV PATH=/$bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") ;;
  redis)
    install -m 0755 "$here/standins/redis-entrypoint.sh" \
      "$root/usr/local/bin/docker-entrypoint.sh"
    mkdir -p "$root/data" && chroot "$root" chown redis:redis /data ;;
esac
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc \
  "$root"/usr/share/man "$root"/usr/share/info
args=(-c 'ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
for c in "${changes[@]}"; do args+=(-c "$c"); done
tar -C "$root" --numeric-owner -c . | docker import "${args[@]}" \
  -m "debootstrap $release minbase + $packages (stand-in)" - "$image" >/dev/null
echo "stand-in image $image: built ($(docker image inspect -f '{{.Size}}' "$image" | \
  awk '{printf "%.0f MB", $1 / 1e6}'))"
