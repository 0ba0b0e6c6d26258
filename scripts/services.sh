#!/usr/bin/env bash
# Starts the local PostgreSQL and Redis the tests use, if they are not already answering.
# PostgreSQL: 127.0.0.1:5432 (trust auth, database `test`); Redis: 127.0.0.1:6379.
set -u

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { [ "$(printf 'PING\r\n' | timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/6379; cat >&3; head -c 7 <&3' 2>/dev/null)" = "+PONG"$'\r' ]; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 0.5; done
  fi
  pg_up || echo "warning: PostgreSQL is not reachable on 127.0.0.1:5432; its tests will fail" >&2
fi

if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
    for _ in $(seq 1 30); do redis_up && break; sleep 0.2; done
  fi
  redis_up || echo "warning: Redis is not reachable on 127.0.0.1:6379; its tests will fail" >&2
fi
exit 0
