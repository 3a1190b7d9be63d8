package io.talkwire.chat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.talkwire.chat.ChatEvents.MessageEvent;
import io.talkwire.chat.ChatEvents.SendRequest;
import io.talkwire.chat.MessageStore.Appended;
import io.talkwire.room.Broadcaster;
import io.talkwire.room.RoomService;
import org.jspecify.annotations.Nullable;

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

    private final GroupCommit groupCommit;

    ChatService(MessageStore store, RoomService rooms, Broadcaster broadcaster, GroupCommit groupCommit) {
        this.store = store;
        this.rooms = rooms;
        this.broadcaster = broadcaster;
        this.groupCommit = groupCommit;
    }

    /**
     * Validates the send, then hands it to the group commit. The future completes once the message is durable and
     * published to the room, so the caller may acknowledge it; a repeated clientMessageId completes with the stored
     * message and publishes nothing. Invalid sends fail at once.
     */
    CompletableFuture<Appended> send(long roomId, String sender, SendRequest request) {
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
        return groupCommit.submit(roomId, sender, content, clientMessageId).thenApply(appended -> {
            if (appended.created()) {
                broadcaster.toRoom(roomId, new MessageEvent(appended.message()));
            }
            return appended;
        });
    }

    /** {@link #send} for callers that wait (REST): the failure as it was thrown, not wrapped. */
    Appended sendAndWait(long roomId, String sender, SendRequest request) {
        try {
            return send(roomId, sender, request).join();
        }
        catch (CompletionException ex) {
            throw ex.getCause() instanceof RuntimeException cause ? cause : ex;
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
