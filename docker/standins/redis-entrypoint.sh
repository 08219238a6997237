#!/bin/sh
# Entrypoint of the Redis stand-in (docker/build-standin-image.sh redis): like the official
# redis image, the server runs as the redis user in /data without protected mode (it is
# reached only on the compose network), with the options given on the command line.
set -eu
if [ "${1:-}" = redis-server ]; then
  shift
  mkdir -p /data && chown redis:redis /data
  cd /data
  exec setpriv --reuid=redis --regid=redis --init-groups redis-server --protected-mode no "$@"
fi
exec "$@"
