#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for benchmarks and trying the postgres provider by hand (not for production):
#   scripts/scratch-postgres.sh start [DIR] [PORT]   initdb in DIR (default /tmp/alertpipeline-pg), start on 127.0.0.1:PORT
#                                                    (default 55432) with PostgreSQL's durable defaults (fsync on,
#                                                    synchronous_commit on), create database 'alertpipeline', and print
#                                                    the Npgsql connection string
#   scripts/scratch-postgres.sh stop [DIR]           stop it and delete DIR
# Needs Debian's postgresql package (scripts/test.sh installs it). Run as root or as the postgres account.
set -euo pipefail
action=${1:?usage: scratch-postgres.sh start|stop [DIR] [PORT]}
dir=${2:-/tmp/alertpipeline-pg}
port=${3:-55432}
bin=/usr/lib/postgresql/15/bin
as_postgres() { if [ "$(id -un)" = root ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$action" in
  start)
    [ -x "$bin/initdb" ] || { echo "error: $bin/initdb is missing: apt-get install postgresql" >&2; exit 2; }
    mkdir -p "$dir"
    [ "$(id -un)" = root ] && chown postgres:postgres "$dir"
    (cd /tmp && as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null)
    (cd /tmp && as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null)
    (cd /tmp && as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres alertpipeline)
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=alertpipeline"
    ;;
  stop)
    (cd /tmp && as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null) || true
    rm -rf "$dir"
    ;;
  *) echo "usage: scratch-postgres.sh start|stop [DIR] [PORT]" >&2; exit 2 ;;
esac
