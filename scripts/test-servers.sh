#!/bin/sh
# Makes sure the server binaries that test/checks/*.test.ts start are installed:
# PostgreSQL, MariaDB, Redis and RabbitMQ from Debian's packages. The tests start
# their own instances on free loopback ports; this only installs the programs.
# Also valgrind, whose callgrind the instruction benchmark's test runs once.
# A binary still missing afterwards fails the tests loudly; they never skip.
set -eu

missing=""
has_pg() { ls /usr/lib/postgresql/*/bin/postgres /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v psql >/dev/null 2>&1; }
has_pg || missing="$missing postgresql"
{ command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; } && command -v mariadb-install-db >/dev/null 2>&1 || missing="$missing mariadb-server"
command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || missing="$missing redis-server"
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing="$missing rabbitmq-server"
command -v valgrind >/dev/null 2>&1 && command -v callgrind_control >/dev/null 2>&1 || missing="$missing valgrind"

if [ -z "$missing" ]; then
  echo "test:servers: postgresql, mariadb-server, redis-server, rabbitmq-server and valgrind are installed"
  exit 0
fi

echo "test:servers: installing$missing"
if [ "$(id -u)" != 0 ]; then
  echo "test:servers: not root: install$missing yourself (apt-get install -y$missing)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "test:servers: no apt-get: install$missing yourself" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The packages' own services are not started: the tests start theirs, and a 2-core machine
# has no room for idle servers beside them. A policy-rc.d that was there before is kept.
policy=/usr/sbin/policy-rc.d
own_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  own_policy=1
fi
status=0
# shellcheck disable=SC2086
apt-get update && apt-get install -y --no-install-recommends $missing || status=$?
[ -z "$own_policy" ] || rm -f "$policy"
exit "$status"

