package io.talkwire.chat;

import java.time.Instant;
import java.util.Optional;

import io.talkwire.StripedLocks;
import io.talkwire.room.Room;
import io.talkwire.room.Room.Kind;
import io.talkwire.room.RoomEvent;
import io.talkwire.room.RoomService;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.server.ResponseStatusException;

/**
 * Editing and deleting stored messages. The sender edits and deletes; the owner of a PUBLIC or PRIVATE room deletes
 * any message in it. A deleted message keeps its seq, loses its content, and cannot be edited. The room hears
 * {@code MESSAGE_EDITED} / {@code MESSAGE_DELETED} once the change is committed.
 */
@Service
class MessageEdits {

    private final JdbcClient jdbc;

    private final TransactionTemplate transactions;

    private final RoomService rooms;

    private final ChatService chat;

    private final ApplicationEventPublisher events;

    /**
     * One change to a room's messages at a time on this instance, from its transaction to its event, so that the
     * events leave in the order of the commits (two edits of one message, or an edit and a delete, would otherwise
     * race from their commits to the publish, and a subscriber could keep the older text).
     */
    private final StripedLocks inOrder = new StripedLocks();

    MessageEdits(JdbcClient jdbc, TransactionTemplate transactions, RoomService rooms, ChatService chat,
            ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.rooms = rooms;
        this.chat = chat;
        this.events = events;
    }

    ChatMessage edit(long roomId, long seq, String user, ChatEvents.SendRequest request) {
        String content = ChatService.validContent(request.content());
        rooms.checkReadable(roomId, user);
        chat.checkRestRate(user);
        return inOrder.holding(roomId, () -> applyEdit(roomId, seq, user, content));
    }

    private ChatMessage applyEdit(long roomId, long seq, String user, String content) {
        ChatMessage edited = transactions.execute(tx -> {
            Stored stored = lockLive(roomId, seq);
            if (!stored.sender().equals(user)) {
                throw new ResponseStatusException(HttpStatus.FORBIDDEN, "only the sender edits a message");
            }
            return jdbc.sql("UPDATE messages SET content = ?, edited_at = date_trunc('milliseconds', clock_timestamp()) "
                    + "WHERE room_id = ? AND seq = ? RETURNING " + MessageStore.COLUMNS)
                .params(content, roomId, seq)
                .query(MessageStore.ROW)
                .single();
        });
        events.publishEvent(new RoomEvent(roomId, new Edited(roomId, seq, edited.content(), edited.editedAt())));
        return edited;
    }

    /** Deleting a deleted message again changes nothing and tells nobody (a retried DELETE is fine). */
    void delete(long roomId, long seq, String user) {
        Room room = rooms.get(roomId, user);
        inOrder.holding(roomId, () -> applyDelete(room, seq, user));
    }

    private boolean applyDelete(Room room, long seq, String user) {
        long roomId = room.id();
        boolean deleted = Boolean.TRUE.equals(transactions.execute(tx -> {
            Optional<Stored> found = lock(roomId, seq);
            Stored stored = found.orElseThrow(() -> noMessage(roomId, seq));
            boolean owner = room.kind() != Kind.DIRECT && user.equals(room.owner());
            if (!stored.sender().equals(user) && !owner) {
                throw new ResponseStatusException(HttpStatus.FORBIDDEN,
                        "only the sender, or the owner of the room, deletes a message");
            }
            if (stored.deleted()) {
                return false;
            }
            jdbc.sql("UPDATE messages SET content = '', deleted = true WHERE room_id = ? AND seq = ?")
                .params(roomId, seq)
                .update();
            return true;
        }));
        if (deleted) {
            events.publishEvent(new RoomEvent(roomId, new Deleted(roomId, seq, user)));
        }
        return deleted;
    }

    private Stored lockLive(long roomId, long seq) {
        return lock(roomId, seq).filter(stored -> !stored.deleted()).orElseThrow(() -> noMessage(roomId, seq));
    }

    private Optional<Stored> lock(long roomId, long seq) {
        return jdbc.sql("SELECT sender, deleted FROM messages WHERE room_id = ? AND seq = ? FOR UPDATE")
            .params(roomId, seq)
            .query((rs, row) -> new Stored(rs.getString("sender"), rs.getBoolean("deleted")))
            .optional();
    }

    private static ResponseStatusException noMessage(long roomId, long seq) {
        return new ResponseStatusException(HttpStatus.NOT_FOUND, "no message " + seq + " in room " + roomId);
    }

    private record Stored(String sender, boolean deleted) {
    }

    /** {@code {"type":"MESSAGE_EDITED","roomId","seq","content","editedAt"}} on the room's topic. */
    record Edited(String type, long roomId, long seq, String content, Instant editedAt) {
        Edited(long roomId, long seq, String content, Instant editedAt) {
            this("MESSAGE_EDITED", roomId, seq, content, editedAt);
        }
    }

    /** {@code {"type":"MESSAGE_DELETED","roomId","seq","by"}} on the room's topic. */
    record Deleted(String type, long roomId, long seq, String by) {
        Deleted(long roomId, long seq, String by) {
            this("MESSAGE_DELETED", roomId, seq, by);
        }
    }
}
