package io.talkwire.room;

import java.util.Map;

import io.talkwire.Api;
import io.talkwire.Api.User;
import io.talkwire.IntegrationTest;
import io.talkwire.TalkwireInstance;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unread counts stay cheap: a user in 500 rooms, each with unread messages, gets the whole list in one page with one
 * SQL statement, counted at the JDBC driver (every statement the instance prepares during the request).
 */
class RoomListStatementsIT extends IntegrationTest {

    @Test
    void fiveHundredRoomsWithTheirUnreadCountsTakeOneStatement() {
        Api api = api();
        User reader = api.newUser("reader");
        User writer = api.newUser("writer");
        try (TalkwireInstance instance = TalkwireInstance.startWith(Map.of(), StatementCounter.class)) {
            JdbcClient sql = instance.bean(JdbcClient.class);
            // 500 PRIVATE rooms of the writer with the reader as member, 3 messages each, 1 read: made in SQL for speed
            sql.sql("""
                    WITH made AS (
                        INSERT INTO rooms (name, kind, owner, last_seq)
                        SELECT 'unread ' || n, 'PRIVATE', ?, 3 FROM generate_series(1, 500) n RETURNING id
                    ), members AS (
                        INSERT INTO room_members (room_id, username, role, last_read_seq)
                        SELECT id, ?, 'MEMBER', 1 FROM made
                        UNION ALL SELECT id, ?, 'OWNER', 0 FROM made
                    )
                    INSERT INTO messages (id, room_id, seq, sender, content, sent_at)
                    SELECT gen_random_uuid(), id, s, ?, 'message ' || s, now() FROM made, generate_series(1, 3) s
                    """)
                .params(writer.name(), reader.name(), writer.name(), writer.name())
                .update();
            long first = sql.sql("SELECT min(id) FROM rooms WHERE owner = ? AND name LIKE 'unread %'")
                .param(writer.name())
                .query(Long.class)
                .single();
            instance.api().get("/api/me", reader.token()); // the token's user read once, outside the count

            StatementCounter.PREPARED.set(0);
            JsonNode rooms = instance.api().get("/api/rooms?limit=500&after=" + (first - 1), reader.token()).json();
            int statements = StatementCounter.PREPARED.get();

            long mine = rooms.valueStream().filter(r -> r.get("name").asString().startsWith("unread ")).count();
            assertThat(mine).isEqualTo(500);
            assertThat(rooms.valueStream().filter(r -> r.get("name").asString().startsWith("unread ")))
                .allSatisfy(r -> {
                    assertThat(r.get("lastReadSeq").asLong()).isEqualTo(1);
                    assertThat(r.get("unreadCount").asLong()).isEqualTo(2);
                });
            assertThat(statements).as("SQL statements for one page of 500 rooms").isLessThanOrEqualTo(2);
        }
    }
}
