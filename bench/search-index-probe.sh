#!/usr/bin/env bash
# What the search index's pending list costs a commit: single-row inserts into a table shaped like messages, with
# its indexes (the GIN search index included) but not its foreign keys, at a steady rate with pgbench, each
# transaction's latency logged, in alternating runs with GIN's fastupdate on (PostgreSQL's default) and off
# (Talkwire's, db/migration/V6). Uses a scratch database, dropped afterwards. Usage (rate per second, seconds
# per run, runs per setting, the settings alternated: `on`, `off`, and `none` for no search index at all):
#
#     bench/search-index-probe.sh 400 120 2
#     bench/search-index-probe.sh 100 60 3 "off none"
set -euo pipefail
rate=${1:-400} seconds=${2:-120} runs=${3:-2} settings=${4:-on off}
db=talkwire_search_probe
export PGOPTIONS="-c client_min_messages=warning"
psql=(psql -h 127.0.0.1 -U postgres -qAt -v ON_ERROR_STOP=1)
work=$(mktemp -d)
trap '"${psql[@]}" -c "DROP DATABASE IF EXISTS $db" >/dev/null; rm -rf "$work"' EXIT

"${psql[@]}" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
"${psql[@]}" -d $db <<'SQL'
CREATE TABLE messages (
    id UUID PRIMARY KEY, room_id BIGINT NOT NULL, seq BIGINT NOT NULL, sender VARCHAR(32) NOT NULL,
    content VARCHAR(4000) NOT NULL, client_message_id VARCHAR(100), sent_at TIMESTAMPTZ NOT NULL, UNIQUE (room_id, seq));
CREATE UNIQUE INDEX messages_idempotency ON messages (room_id, sender, client_message_id)
    WHERE client_message_id IS NOT NULL;
CREATE INDEX messages_search ON messages USING gin (to_tsvector('simple', content));
CREATE SEQUENCE seqs;
SQL
# the benchmark's probe content: a few words, unique per message
cat > "$work/insert.sql" <<'SQL'
\set n random(1, 1000000000)
INSERT INTO messages VALUES (gen_random_uuid(), 1, nextval('seqs'), 'user-1',
    'probe:0:' || :n || ':' || (extract(epoch FROM clock_timestamp()) * 1e9)::bigint, NULL, now());
SQL
for ((run = 1; run <= runs; run++)); do
  for setting in $settings; do
    if [ "$setting" = none ]; then
      "${psql[@]}" -d $db -c "DROP INDEX IF EXISTS messages_search" -c "CHECKPOINT" >/dev/null
    else
      "${psql[@]}" -d $db -c "CREATE INDEX IF NOT EXISTS messages_search ON messages USING gin (to_tsvector('simple', content))" \
          -c "ALTER INDEX messages_search SET (fastupdate = $setting)" \
          -c "SELECT gin_clean_pending_list('messages_search')" -c "CHECKPOINT" >/dev/null
    fi
    rm -f "$work"/pgbench_log.*
    if ! (cd "$work" && pgbench -h 127.0.0.1 -U postgres -n -f insert.sql -R "$rate" -T "$seconds" -c 1 -l $db \
        >"$work/pgbench.out" 2>&1); then
      cat "$work/pgbench.out" >&2
      exit 1
    fi
    # the third field of pgbench's log is the transaction's latency in microseconds, from its scheduled start;
    # percentiles by nearest rank
    cat "$work"/pgbench_log.* | awk '{ print $3 / 1000 }' | LC_ALL=C sort -n | awk -v label="search index: $setting" '
      function rank(p) { r = int(NR * p); if (r < NR * p) r++; return r < 1 ? 1 : r }
      { ms[NR] = $1 } $1 > 100 { slow++ }
      END { printf "%s: %d inserts, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.1f ms, %d over 100 ms\n",
            label, NR, ms[rank(0.5)], ms[rank(0.99)], ms[rank(0.999)], ms[NR], slow + 0 }'
  done
done
