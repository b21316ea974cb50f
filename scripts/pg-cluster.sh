#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the scale-out demo and benchmark: never a
# production server (docs/scale-out.md says how to set one up).
#
#   scripts/pg-cluster.sh start DIR [--fsync on|off] [--shared-buffers SIZE]
#   scripts/pg-cluster.sh stop DIR
#   scripts/pg-cluster.sh psql DIR [--db NAME] [psql arguments...]
#                                  (as the superuser; database postgres by default)
#
# start: initdb into DIR/data (DIR must not hold a cluster yet), unix socket
# only (listen_addresses='', socket in DIR/socket) on a free port number, and
# starts it. It creates the role `periscope` with a random password, owning
# the database `periscope` (and any database created for it later); the
# password goes to DIR/pgpass (mode 600, libpq's password file format), and
# the store URI to DIR/uri:
#   postgresql:///periscope?host=DIR/socket&port=N&user=periscope
# so that  PGPASSFILE=DIR/pgpass periscope-store --db "$(cat DIR/uri)" init
# works as it would against a real server. fsync is on by default (the
# durability of a production server); --fsync off for tests. The superuser
# `postgres` connects by trust over the socket (psql below); every other role
# needs its password (scram-sha-256).
# PostgreSQL refuses to run as root: as root the server runs as user postgres
# (runuser), which must be able to reach DIR (its parents need o+x).
# stop: pg_ctl stop -m fast (then immediate), leaves DIR in place.
set -euo pipefail

usage() {
  echo "usage: scripts/pg-cluster.sh start DIR [--fsync on|off] [--shared-buffers SIZE]" >&2
  echo "       scripts/pg-cluster.sh stop DIR | psql DIR [--db NAME] [ARGS...]" >&2
  exit 2
}
[ $# -ge 2 ] || usage
action=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
shift 2

bin=/usr/lib/postgresql/15/bin
if [ ! -x "$bin/postgres" ] && command -v pg_config >/dev/null; then bin=$(pg_config --bindir); fi
if [ ! -x "$bin/postgres" ]; then
  echo "pg-cluster: no PostgreSQL server binaries in $bin (Debian: apt-get install postgresql-15)" >&2
  exit 2
fi
as_server=()
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "pg-cluster: running as root and there is no user postgres to run the server" >&2
    exit 2
  fi
  as_server=(runuser -u postgres --)
fi
pg_ctl() { "${as_server[@]}" env LC_ALL=C "$bin/pg_ctl" -D "$dir/data" "$@"; }
port_of() { sed -n 's/^port = \([0-9]*\)$/\1/p' "$dir/data/postgresql.conf" | tail -1; }
super_psql() {  # super_psql [--db NAME] [psql arguments...]
  local db=postgres
  if [ "${1:-}" = --db ]; then db=$2; shift 2; fi
  psql -X -q -w -v ON_ERROR_STOP=1 \
    -d "postgresql:///$db?host=$dir/socket&port=$(port_of)&user=postgres" "$@"
}

case "$action" in
  start)
    fsync=on
    shared_buffers=256MB
    while [ $# -gt 0 ]; do
      case "$1" in
        --fsync) fsync=$2; shift 2 ;;
        --shared-buffers) shared_buffers=$2; shift 2 ;;
        *) usage ;;
      esac
    done
    case "$fsync" in on | off) ;; *) usage ;; esac
    if [ -e "$dir/data/PG_VERSION" ]; then
      echo "pg-cluster: $dir already holds a cluster (scripts/pg-cluster.sh stop $dir; rm -rf it)" >&2
      exit 1
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$dir/data" "$dir/socket"
    chmod 755 "$dir"
    if [ ${#as_server[@]} -gt 0 ]; then
      chown postgres:postgres "$dir" "$dir/data" "$dir/socket"
      if ! "${as_server[@]}" test -x "$dir/data"; then
        echo "pg-cluster: user postgres cannot reach $dir (a parent directory lacks o+x)" >&2
        exit 1
      fi
    fi
    chmod 700 "$dir/data"
    "${as_server[@]}" env LC_ALL=C "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust \
      --auth-host=reject -E UTF8 --locale=C --no-instructions >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    synchronous_commit=on
    full_page_writes=on
    if [ "$fsync" = off ]; then synchronous_commit=off full_page_writes=off; fi
    cat >>"$dir/data/postgresql.conf" <<CONF

# scripts/pg-cluster.sh: a throwaway cluster
listen_addresses = ''
port = $port
unix_socket_directories = '$dir/socket'
fsync = $fsync
synchronous_commit = $synchronous_commit
full_page_writes = $full_page_writes
shared_buffers = $shared_buffers
max_connections = 100
max_parallel_workers_per_gather = 0
idle_in_transaction_session_timeout = '5min'
CONF
    cat >"$dir/data/pg_hba.conf" <<CONF
# scripts/pg-cluster.sh: the superuser by trust, every other role by password
local all postgres trust
local all all scram-sha-256
CONF
    pg_ctl -l "$dir/server.log" -w -t 60 start >/dev/null || {
      tail -20 "$dir/server.log" >&2
      exit 1
    }
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    super_psql -c "CREATE ROLE periscope LOGIN PASSWORD '$password'" \
      -c "CREATE DATABASE periscope OWNER periscope"
    umask 077
    printf '*:%s:*:periscope:%s\n' "$port" "$password" >"$dir/pgpass"
    printf 'postgresql:///periscope?host=%s/socket&port=%s&user=periscope\n' "$dir" "$port" \
      >"$dir/uri"
    cat "$dir/uri"
    ;;
  stop)
    [ $# -eq 0 ] || usage
    if [ -e "$dir/data/postmaster.pid" ]; then
      pg_ctl -m fast -w -t 30 stop >/dev/null 2>&1 || pg_ctl -m immediate stop >/dev/null 2>&1 || true
    fi
    ;;
  psql)
    super_psql "$@"
    ;;
  *) usage ;;
esac
