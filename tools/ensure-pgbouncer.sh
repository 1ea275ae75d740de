#!/usr/bin/env bash
# Starts a PgBouncer in transaction pooling in front of the local PostgreSQL, for the
# production-path tests and benchmarks (make pytest-pgbouncer, make bench-http
# ARGS=--pgbouncer). Idempotent: an instance already answering on the port is kept.
#
# Transaction pooling is the strictest mode: a server connection serves a client for one
# transaction only, so anything that relies on session state (prepared statements, SET
# outside a transaction, advisory locks held across transactions, LISTEN) breaks. Session
# pooling is strictly easier and is covered by the same run.
set -euo pipefail
PORT="${PGBOUNCER_PORT:-6432}"
DIR="${PGBOUNCER_DIR:-/tmp/django-totp-native-pgbouncer}"

if pg_isready -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; then
  echo "PgBouncer is up on 127.0.0.1:$PORT"
  exit 0
fi
if ! command -v pgbouncer >/dev/null && [ ! -x /usr/sbin/pgbouncer ]; then
  echo "Installing Debian's pgbouncer"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends pgbouncer
fi
PGBOUNCER="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"

mkdir -p "$DIR"
# trust: no password, as the PostgreSQL it fronts (127.0.0.1, trust); the user must still
# be listed. "*": every database (the test runner creates test_<name> through it).
printf '"postgres" ""\n' >"$DIR/userlist.txt"
cat >"$DIR/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
auth_type = trust
auth_file = $DIR/userlist.txt
pool_mode = transaction
max_client_conn = 400
default_pool_size = 20
max_db_connections = 60
server_idle_timeout = 10
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
admin_users = postgres
EOF
# PgBouncer refuses to run as root: as root, it runs as the postgres user.
AS_USER=()
if [ "$(id -u)" -eq 0 ]; then
  chown -R postgres "$DIR"
  AS_USER=(-u postgres)
fi
rm -f "$DIR/pgbouncer.pid"
"$PGBOUNCER" -d "${AS_USER[@]}" "$DIR/pgbouncer.ini"
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$PORT" && break; sleep 0.5; done
pg_isready -q -h 127.0.0.1 -p "$PORT" || { echo "PgBouncer did not start; see $DIR/pgbouncer.log" >&2; exit 1; }
echo "PgBouncer (transaction pooling) is up on 127.0.0.1:$PORT in front of 127.0.0.1:5432"
