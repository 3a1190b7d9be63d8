package io.talkwire.chat;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Messages in PostgreSQL, numbered 1, 2, 3, ... per room with no gap. */
@Repository
class MessageStore {

    private static final String COLUMNS = "id, room_id, seq, sender, content, client_message_id, sent_at";

    private final JdbcClient jdbc;

    MessageStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Takes the next {@code count} numbers of a room and returns the last. Called inside the sending transaction:
     * the room row stays locked until the commit, which orders concurrent senders, and a rollback returns the
     * numbers, so seq has no gaps.
     */
    long takeSeqs(long roomId, int count) {
        return jdbc.sql("UPDATE rooms SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq")
            .params(count, roomId)
            .query(Long.class)
            .single();
    }

    /** One multi-row INSERT for a batch. */
    void insertAll(List<ChatMessage> messages) {
        StringBuilder sql = new StringBuilder("INSERT INTO messages (" + COLUMNS + ") VALUES ");
        List<Object> params = new ArrayList<>(messages.size() * 7);
        for (ChatMessage message : messages) {
            sql.append(params.isEmpty() ? "" : ", ").append("(?, ?, ?, ?, ?, ?, ?)");
            Collections.addAll(params, UUID.fromString(message.id()), message.roomId(), message.seq(), message.sender(),
                    message.content(), message.clientMessageId(), Timestamp.from(message.sentAt()));
        }
        jdbc.sql(sql.toString()).params(params).update();
    }

    /** The stored messages of a room with these clientMessageIds, keyed by sender + "\n" + clientMessageId. */
    Map<String, ChatMessage> findAll(long roomId, List<String> clientMessageIds) {
        if (clientMessageIds.isEmpty()) {
            return Map.of();
        }
        List<Object> params = new ArrayList<>(clientMessageIds.size() + 1);
        params.add(roomId);
        params.addAll(clientMessageIds);
        String placeholders = String.join(", ", Collections.nCopies(clientMessageIds.size(), "?"));
        return jdbc.sql("SELECT " + COLUMNS + " FROM messages WHERE room_id = ? AND client_message_id IN (" + placeholders + ")")
            .params(params)
            .query(ChatMessage.class)
            .list()
            .stream()
            .collect(Collectors.toMap(m -> m.sender() + "\n" + m.clientMessageId(), m -> m));
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
