package io.talkwire.chat;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

import io.talkwire.room.RoomService;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Messages in PostgreSQL, numbered 1, 2, 3, ... per room with no gap. */
@Repository
class MessageStore {

    static final String COLUMNS = "id, room_id, seq, sender, content, client_message_id, sent_at, edited_at, deleted";

    /**
     * A row of {@link #COLUMNS}, mapped by hand: Spring's record mapper asks the driver for each {@code Instant}
     * first, which PostgreSQL's refuses with an exception, once per row and column, before Spring converts a
     * {@code Timestamp} instead.
     */
    static final RowMapper<ChatMessage> ROW = MessageStore::message;

    private final JdbcClient jdbc;

    MessageStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Stores a batch of new messages (any rooms) in one statement, so one round trip and one commit: keeps those
     * whose sender may read the room, numbers them per room after its last seq in batch order, and inserts them. The
     * room rows are locked in id order, so concurrent batches never deadlock, and stay locked until the statement
     * commits, so seq has no gap. A clientMessageId that its sender already used in the room fails the whole batch
     * with a {@link org.springframework.dao.DuplicateKeyException}, found by the unique index rather than by a query
     * whose cached plan may predate the table's growth (a plan made on an empty table scans all of it).
     *
     * @return the seq of each stored message by its id; a message left out was not stored
     */
    Map<UUID, Long> appendAll(List<ChatMessage> messages) {
        int size = messages.size();
        UUID[] ids = new UUID[size];
        Long[] roomIds = new Long[size];
        String[] senders = new String[size];
        String[] contents = new String[size];
        String[] clientMessageIds = new String[size];
        for (int i = 0; i < size; i++) {
            ChatMessage message = messages.get(i);
            ids[i] = UUID.fromString(message.id());
            roomIds[i] = message.roomId();
            senders[i] = message.sender();
            contents[i] = message.content();
            clientMessageIds[i] = message.clientMessageId();
        }
        return jdbc.sql(APPEND)
            .params(ids, roomIds, senders, contents, clientMessageIds, Timestamp.from(messages.getFirst().sentAt()))
            .query((rs, row) -> Map.entry(rs.getObject("id", UUID.class), rs.getLong("seq")))
            .list()
            .stream()
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private static final String APPEND = """
            WITH input AS (
                SELECT * FROM unnest(?::uuid[], ?::bigint[], ?::varchar[], ?::varchar[], ?::varchar[]) WITH ORDINALITY
                    AS t(id, room_id, sender, content, client_message_id, ord)
            ), allowed AS (
                SELECT i.* FROM input i JOIN rooms r ON r.id = i.room_id
                WHERE %s
            ), locked AS MATERIALIZED (
                SELECT id FROM rooms WHERE id IN (SELECT room_id FROM allowed) ORDER BY id FOR UPDATE
            ), counts AS (
                SELECT room_id, count(*) AS n FROM allowed GROUP BY room_id
            ), numbered AS (
                -- the scalar subquery runs first, once: every room is locked, in order, before any is updated
                UPDATE rooms r SET last_seq = r.last_seq + c.n FROM counts c
                WHERE r.id = c.room_id AND (SELECT count(*) FROM locked) > 0
                RETURNING r.id, r.last_seq - c.n AS before_seq
            )
            INSERT INTO messages (id, room_id, seq, sender, content, client_message_id, sent_at)
            SELECT a.id, a.room_id, n.before_seq + row_number() OVER (PARTITION BY a.room_id ORDER BY a.ord),
                   a.sender, a.content, a.client_message_id, ?
            FROM allowed a JOIN numbered n ON n.id = a.room_id
            RETURNING id, seq
            """.formatted(RoomService.readable("i.sender"));

    Optional<ChatMessage> find(long roomId, String sender, String clientMessageId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM messages WHERE room_id = ? AND sender = ? AND client_message_id = ?")
            .params(roomId, sender, clientMessageId)
            .query(ROW)
            .optional();
    }

    /** The latest {@code limit} messages, ascending. */
    List<ChatMessage> latest(long roomId, int limit) {
        return before(roomId, Long.MAX_VALUE, limit);
    }

    /** The {@code limit} messages just below {@code seq}, ascending. */
    List<ChatMessage> before(long roomId, long seq, int limit) {
        return jdbc.sql("SELECT * FROM (SELECT " + COLUMNS + " FROM messages WHERE room_id = ? AND seq < ? "
                + "ORDER BY seq DESC LIMIT ?) page ORDER BY seq")
            .params(roomId, seq, limit)
            .query(ROW)
            .list();
    }

    /** The first {@code limit} messages above {@code seq}, ascending. */
    List<ChatMessage> after(long roomId, long seq, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM messages WHERE room_id = ? AND seq > ? ORDER BY seq LIMIT ?")
            .params(roomId, seq, limit)
            .query(ROW)
            .list();
    }

    private static ChatMessage message(ResultSet rs, int row) throws SQLException {
        Timestamp editedAt = rs.getTimestamp("edited_at");
        return new ChatMessage(rs.getString("id"), rs.getLong("room_id"), rs.getLong("seq"), rs.getString("sender"),
                rs.getString("content"), rs.getString("client_message_id"), rs.getTimestamp("sent_at").toInstant(),
                editedAt == null ? null : editedAt.toInstant(), rs.getBoolean("deleted"));
    }
}
