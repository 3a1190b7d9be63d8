#!/usr/bin/env bash
# Talkwire's benchmark: Talkwire vs RabbitMQ's Web-STOMP used directly, in one run on this machine.
# Usage: bench/run.sh [seconds=15] [stepSeconds=5] [sessions=10000] [instances=2] [heap=512m] [scenarios=...] [out=...]
# Uses the local PostgreSQL and RabbitMQ, made ready as for the tests (.ci/services.sh), with rabbitmq_web_stomp
# enabled for the baseline. Results: bench/results/{results.json,results.md,latency.png}
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/jdk.sh
. .ci/services.sh

# Scenario 3 holds thousands of sessions, each a RabbitMQ connection (the relay's, or Web-STOMP's for the baseline),
# but Debian's rabbitmq-server starts with 1,024 open files: restart it with the hard limit when that is too few.
sessions=$(printf '%s\n' "$@" | sed -n 's/^sessions=//p' | tail -1)
beam=$(pgrep -u rabbitmq -f beam.smp | head -1 || true)
if [ -n "$beam" ]; then
  soft=$(awk '/Max open files/ {print $4}' "/proc/$beam/limits")
  if [ "$soft" -lt $(( ${sessions:-10000} + 1000 )) ]; then
    echo "RabbitMQ may open $soft files; restarting it with $(ulimit -Hn) for ${sessions:-10000} sessions"
    rabbitmqctl -q stop
    (cd /var/lib/rabbitmq && su rabbitmq -s /bin/sh -c "ulimit -n $(ulimit -Hn); /usr/lib/rabbitmq/bin/rabbitmq-server -detached")
    for _ in $(seq 60); do rabbitmqctl -q status >/dev/null 2>&1 && break; sleep 1; done
    rabbitmqctl -q await_startup --timeout 120
  fi
fi
rabbitmq-plugins -q enable rabbitmq_stomp rabbitmq_web_stomp rabbitmq_management
for port in 61613 15674 15672; do
  for _ in $(seq 60); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 1; done
done
./mvnw -q -B -Pbench verify -Dbench.args="$*"
