package io.talkwire.chat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** Messages in PostgreSQL, numbered 1, 2, 3, ... per room with no gap. */
@Repository
class MessageStore {

    private static final String COLUMNS = "id, room_id, seq, sender, content, client_message_id, sent_at";

    private final JdbcClient jdbc;

    MessageStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Stores a message unless the same (room, sender, clientMessageId) is already stored. The room's counter row
     * is bumped in the same transaction: its row lock orders concurrent senders, and a rollback returns the number.
     * Two concurrent sends of one clientMessageId: the second fails on the unique index (DuplicateKeyException)
     * and is rolled back, so its number is not used either.
     */
    @Transactional
    Appended append(long roomId, String sender, String content, @Nullable String clientMessageId) {
        if (clientMessageId != null) {
            Optional<ChatMessage> existing = find(roomId, sender, clientMessageId);
            if (existing.isPresent()) {
                return new Appended(existing.get(), false);
            }
        }
        long seq = jdbc.sql("UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq")
            .param(roomId)
            .query(Long.class)
            .single();
        var message = new ChatMessage(UUID.randomUUID().toString(), roomId, seq, sender, content, clientMessageId,
                Instant.now().truncatedTo(ChronoUnit.MILLIS));
        jdbc.sql("INSERT INTO messages (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")
            .params(UUID.fromString(message.id()), roomId, seq, sender, content, clientMessageId,
                    java.sql.Timestamp.from(message.sentAt()))
            .update();
        return new Appended(message, true);
    }

    Optional<ChatMessage> find(long roomId, String sender, String clientMessageId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM messages WHERE room_id = ? AND sender = ? AND client_message_id = ?")
            .params(roomId, sender, clientMessageId)
            .query(ChatMessage.class)
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
            .query(ChatMessage.class)
            .list();
    }

    /** The first {@code limit} messages above {@code seq}, ascending. */
    List<ChatMessage> after(long roomId, long seq, int limit) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM messages WHERE room_id = ? AND seq > ? ORDER BY seq LIMIT ?")
            .params(roomId, seq, limit)
            .query(ChatMessage.class)
            .list();
    }

    record Appended(ChatMessage message, boolean created) {
    }
}
