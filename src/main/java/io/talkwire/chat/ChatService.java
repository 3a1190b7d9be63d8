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

    /** STOMP SENDs: a bucket per session, {@code send-burst} at once and {@code send-per-second} sustained. */
    private final RateLimiter sendsPerSession;

    /**
     * REST sends and edits: a bucket per user (and instance) as large as all the sessions the user may hold together,
     * so REST buys no higher rate than STOMP already gives, and a script can post a burst of history.
     */
    private final RateLimiter restSendsPerUser;

    ChatService(MessageStore store, RoomService rooms, GroupCommit groupCommit, TalkwireProperties properties) {
        this.store = store;
        this.rooms = rooms;
        this.groupCommit = groupCommit;
        TalkwireProperties.Limits limits = properties.limits();
        this.sendsPerSession = new RateLimiter(limits.sendPerSecond(), limits.sendBurst());
        this.restSendsPerUser = new RateLimiter(limits.sendPerSecond() * limits.sessionsPerUser(),
                (int) Math.min(Integer.MAX_VALUE, (long) limits.sendBurst() * limits.sessionsPerUser()));
    }

    /**
     * Validates the send, then hands it to the group commit. The future completes once the message is durable and
     * published to the room, so the caller may acknowledge it; a repeated clientMessageId completes with the stored
     * message and publishes nothing. Invalid sends fail at once, a SEND past its session's rate with RATE_LIMITED.
     */
    CompletableFuture<ChatMessage> send(long roomId, String sender, String sessionId, SendRequest request) {
        if (!sendsPerSession.tryAcquire(sessionId)) {
            throw rateLimited();
        }
        return sendUnlimited(roomId, sender, request);
    }

    /**
     * {@link #send} without a rate limit: for what a backend service posts as the user through
     * {@code talkwire.inbound} (it holds the broker's credentials, and the queue paces it), and for REST once its
     * bucket has been checked.
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

    /** Takes one send from the user's REST bucket (an edit costs a send), or refuses with RATE_LIMITED. */
    void checkRestRate(String user) {
        if (!restSendsPerUser.tryAcquire(user)) {
            throw rateLimited();
        }
    }

    private static SendRejectedException rateLimited() {
        return new SendRejectedException(HttpStatus.TOO_MANY_REQUESTS, "RATE_LIMITED",
                "too many messages: slow down and send this one again");
    }

    /** A send over REST: the user's REST bucket, then the commit, waited for; the failure as it was thrown. */
    ChatMessage sendAndWait(long roomId, String sender, SendRequest request) {
        checkRestRate(sender);
        try {
            return sendUnlimited(roomId, sender, request).join();
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
