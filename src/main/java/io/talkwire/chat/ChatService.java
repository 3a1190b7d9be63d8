package io.talkwire.chat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.talkwire.RateLimiter;
import io.talkwire.TalkwireProperties;
import io.talkwire.Text;
import io.talkwire.chat.ChatEvents.SendRequest;
import io.talkwire.room.RoomService;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.web.server.ResponseStatusException;

/** Sending (validate, commit, then publish) and reading history; the same rules for STOMP and REST. */
@Service
class ChatService {

    static final int MAX_CONTENT = 4000;

    static final int MAX_CLIENT_MESSAGE_ID = 100;

    private final MessageStore store;

    private final RoomService rooms;

    private final GroupCommit groupCommit;

    /**
     * One bucket per user for STOMP and REST sends alike: more sessions or REST do not buy a higher rate (on one
     * instance; each instance keeps its own buckets).
     */
    private final RateLimiter sendsPerUser;

    ChatService(MessageStore store, RoomService rooms, GroupCommit groupCommit, TalkwireProperties properties) {
        this.store = store;
        this.rooms = rooms;
        this.groupCommit = groupCommit;
        this.sendsPerUser = new RateLimiter(properties.limits().sendPerSecond(), properties.limits().sendBurst());
    }

    /**
     * Validates the send, then hands it to the group commit. The future completes once the message is durable and
     * published to the room, so the caller may acknowledge it; a repeated clientMessageId completes with the stored
     * message and publishes nothing. Invalid sends fail at once.
     */
    CompletableFuture<ChatMessage> send(long roomId, String sender, SendRequest request) {
        checkRate(sender);
        return sendUnlimited(roomId, sender, request);
    }

    /**
     * {@link #send} without the user's rate limit: for what a backend service posts as the user through
     * {@code talkwire.inbound} (it holds the broker's credentials, and the queue paces it).
     */
    CompletableFuture<ChatMessage> sendUnlimited(long roomId, String sender, SendRequest request) {
        String content = validContent(request.content());
        String clientMessageId = request.clientMessageId();
        if (clientMessageId != null && (clientMessageId.isEmpty()
                || clientMessageId.codePointCount(0, clientMessageId.length()) > MAX_CLIENT_MESSAGE_ID
                || !Text.storable(clientMessageId))) {
            throw SendRejectedException.invalid("INVALID_CLIENT_MESSAGE_ID", "clientMessageId must be 1 to "
                    + MAX_CLIENT_MESSAGE_ID + " characters of Unicode text, without U+0000 or a lone surrogate");
        }
        return groupCommit.submit(roomId, sender, content, clientMessageId);
    }

    /** The content as it is stored (trimmed), or why it cannot be: the rule for sends and edits. */
    static String validContent(@Nullable String requested) {
        String content = requested == null ? "" : requested.strip();
        int length = content.codePointCount(0, content.length());
        if (length == 0 || length > MAX_CONTENT) {
            throw SendRejectedException.invalid("INVALID_CONTENT",
                    "content must be 1 to " + MAX_CONTENT + " characters after trimming, it has " + length);
        }
        if (!Text.storable(content)) {
            // everything else is stored exactly as sent, and the answer is what was stored
            throw SendRejectedException.invalid("INVALID_CONTENT",
                    "content must not contain U+0000 or a lone surrogate (not valid Unicode text)");
        }
        return content;
    }

    /** Takes one send from the user's bucket (edits cost the same), or refuses with RATE_LIMITED. */
    void checkRate(String user) {
        if (!sendsPerUser.tryAcquire(user)) {
            throw new SendRejectedException(HttpStatus.TOO_MANY_REQUESTS, "RATE_LIMITED",
                    "too many messages: slow down and send this one again");
        }
    }

    /** {@link #send} for callers that wait (REST): the failure as it was thrown, not wrapped. */
    ChatMessage sendAndWait(long roomId, String sender, SendRequest request) {
        try {
            return send(roomId, sender, request).join();
        }
        catch (CompletionException ex) {
            throw ex.getCause() instanceof RuntimeException cause ? cause : ex;
        }
    }

    @Scheduled(fixedDelay = 60_000)
    void forgetIdleSenders() {
        sendsPerUser.forgetIdle();
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
