# Sourced by .ci/run and bench/run.sh: the local services Talkwire needs on a java-maven-svc machine, made ready
# idempotently. PostgreSQL with the talkwire role and database (application.yml's defaults), RabbitMQ running with
# the STOMP plugin (the relay) and the management plugin (console; the tests read queues there).

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
psql_admin() { psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -tAc "$1"; }
[ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = 'talkwire'")" = 1 ] ||
  psql_admin "CREATE ROLE talkwire LOGIN PASSWORD 'talkwire'"
[ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = 'talkwire'")" = 1 ] ||
  psql_admin "CREATE DATABASE talkwire OWNER talkwire"

# (a RabbitMQ that a session restarted itself does not outlive the session: start it, and wait until the node
# answers before await_startup, which fails at once on a node that has not registered yet)
if ! rabbitmqctl -q ping >/dev/null 2>&1; then
  rabbitmq-server -detached
  for _ in $(seq 120); do rabbitmqctl -q ping >/dev/null 2>&1 && break; sleep 1; done
fi
rabbitmqctl -q await_startup --timeout 120
rabbitmq-plugins -q enable rabbitmq_stomp rabbitmq_management
for port in 61613 15672; do
  for _ in $(seq 60); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 1; done
done
