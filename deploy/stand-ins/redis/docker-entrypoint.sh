#!/bin/sh
# Entrypoint of the redis:7 stand-in. Like the official one: arguments alone (`--maxmemory 1gb`)
# or a .conf file mean redis-server with them; redis-server runs as the redis user. Without a
# config file Redis binds every interface but, with protected-mode on (Debian's default), it
# refuses clients from other containers; the official image builds with protected-mode off,
# so it is turned off here unless the command sets it.
set -e
case "$1" in
  -* | *.conf) set -- redis-server "$@" ;;
esac
if [ "$1" = redis-server ]; then
  case " $* " in
    *protected-mode* | *.conf\ *) ;;
    *) set -- "$@" --protected-mode no ;;
  esac
  if [ "$(id -u)" = 0 ]; then
    chown -R redis:redis /data 2>/dev/null || true
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
