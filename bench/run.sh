#!/usr/bin/env bash
# Talkwire's benchmark: Talkwire vs RabbitMQ's Web-STOMP used directly, in one run on this machine.
# Usage: bench/run.sh [seconds=15] [stepSeconds=5] [sessions=700]
# Needs the local PostgreSQL (database talkwire) and RabbitMQ with rabbitmq_stomp, rabbitmq_web_stomp and
# rabbitmq_management enabled (this script enables them). Results: bench/results/{results.json,results.md,latency.png}
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/jdk.sh
rabbitmq-plugins -q enable rabbitmq_stomp rabbitmq_web_stomp rabbitmq_management
for port in 61613 15674 15672; do
  for _ in $(seq 60); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 1; done
done
./mvnw -q -B -Pbench verify -Dbench.args="$*"
