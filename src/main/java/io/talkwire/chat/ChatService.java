package io.talkwire.chat;

import java.util.List;

import io.talkwire.chat.ChatEvents.MessageEvent;
import io.talkwire.chat.ChatEvents.SendRequest;
import io.talkwire.chat.MessageStore.Appended;
import io.talkwire.room.Broadcaster;
import io.talkwire.room.RoomService;
import org.jspecify.annotations.Nullable;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.web.server.ResponseStatusException;

/** Sending (validate, commit, then publish) and reading history; the same rules for STOMP and REST. */
@Service
class ChatService {

    static final int MAX_CONTENT = 4000;

    static final int MAX_CLIENT_MESSAGE_ID = 100;

    private final MessageStore store;

    private final RoomService rooms;

    private final Broadcaster broadcaster;

    ChatService(MessageStore store, RoomService rooms, Broadcaster broadcaster) {
        this.store = store;
        this.rooms = rooms;
        this.broadcaster = broadcaster;
    }

    /**
     * Commits the message, then publishes it to the room. Returns once it is durable, so the caller may
     * acknowledge it. A repeated clientMessageId returns the stored message and publishes nothing.
     */
    Appended send(long roomId, String sender, SendRequest request) {
        String content = request.content() == null ? "" : request.content().strip();
        int length = content.codePointCount(0, content.length());
        if (length == 0 || length > MAX_CONTENT) {
            throw SendRejectedException.invalid("INVALID_CONTENT",
                    "content must be 1 to " + MAX_CONTENT + " characters after trimming, it has " + length);
        }
        if (content.indexOf('\0') >= 0) {
            // PostgreSQL text cannot hold U+0000; every other character is stored exactly as sent
            throw SendRejectedException.invalid("INVALID_CONTENT", "content must not contain the character U+0000");
        }
        String clientMessageId = request.clientMessageId();
        if (clientMessageId != null && (clientMessageId.isEmpty() || clientMessageId.length() > MAX_CLIENT_MESSAGE_ID)) {
            throw SendRejectedException.invalid("INVALID_CLIENT_MESSAGE_ID",
                    "clientMessageId must be 1 to " + MAX_CLIENT_MESSAGE_ID + " characters");
        }
        if (!rooms.canRead(roomId, sender)) {
            throw new SendRejectedException(HttpStatus.NOT_FOUND, "NOT_FOUND", "room " + roomId + " not found");
        }
        Appended appended = append(roomId, sender, content, clientMessageId);
        if (appended.created()) {
            broadcaster.toRoom(roomId, new MessageEvent(appended.message()));
        }
        return appended;
    }

    private Appended append(long roomId, String sender, String content, @Nullable String clientMessageId) {
        try {
            return store.append(roomId, sender, content, clientMessageId);
        }
        catch (DuplicateKeyException concurrentRetry) {
            // the same clientMessageId committed by a concurrent send just now: that one is the message
            return store.find(roomId, sender, clientMessageId).map(m -> new Appended(m, false))
                .orElseThrow(() -> concurrentRetry);
        }
    }

    List<ChatMessage> history(long roomId, String reader, @Nullable Integer limit, @Nullable Long before,
            @Nullable Long after) {
        int size = limit == null ? 50 : limit;
        if (size < 1 || size > 200) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "limit must be 1 to 200");
        }
        if (before != null && after != null) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "give before or after, not both");
        }
        rooms.checkReadable(roomId, reader);
        if (before != null) {
            return store.before(roomId, before, size);
        }
        if (after != null) {
            return store.after(roomId, after, size);
        }
        return store.latest(roomId, size);
    }
}
