#!/bin/bash
# Entrypoint of the postgis/postgis:15-3.3 stand-in: the official image's behaviour that
# compose.yaml uses, written for Debian's packages. First start (empty $PGDATA): initdb with
# POSTGRES_PASSWORD for POSTGRES_USER (postgres), scram-sha-256 for network clients, trust on
# the local socket; a temporary server creates POSTGRES_DB, the postgis extension in it (as the
# official postgis image does) and runs /docker-entrypoint-initdb.d. Like the official image's,
# that server listens on the Unix socket only, not on TCP: a healthcheck probing the socket
# (pg_isready without -h) passes during initialisation, one over TCP only once it is done.
set -Eeuo pipefail

if [[ ${1:0:1} == - ]]; then set -- postgres "$@"; fi

if [[ $1 == postgres && $(id -u) == 0 ]]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 2777 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [[ $1 == postgres && ! -s $PGDATA/PG_VERSION ]]; then
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  if [[ -z ${POSTGRES_PASSWORD:-} ]]; then
    echo 'POSTGRES_PASSWORD is not set: the database would accept no network client' >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb --username="$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 -D "$PGDATA"
  rm -f "$pwfile"
  printf '\n# network clients (any address) with a password, as the official image\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"

  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start
  psql=(psql -v ON_ERROR_STOP=1 --username "$user" --no-password --no-psqlrc)
  if [[ $db != postgres ]]; then
    "${psql[@]}" --dbname postgres --set db="$db" <<<'CREATE DATABASE :"db";'
  fi
  "${psql[@]}" --dbname "$db" <<<'CREATE EXTENSION IF NOT EXISTS postgis;'
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) echo "running $f"; PGUSER=$user PGDATABASE=$db . "$f" ;;
      *.sql) echo "running $f"; "${psql[@]}" --dbname "$db" -f "$f" ;;
      *) ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo 'PostgreSQL init process complete; ready for start up.'
fi

exec "$@"
