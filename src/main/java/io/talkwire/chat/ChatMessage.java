package io.talkwire.chat;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A stored message (docs/protocol.md, {@code Message}); a deleted one keeps its seq, with empty content and
 * {@code deleted} set.
 */
public record ChatMessage(String id, long roomId, long seq, String sender, String content,
        @Nullable String clientMessageId, Instant sentAt, @Nullable Instant editedAt, boolean deleted) {

    /** A new message, before it is stored. */
    ChatMessage(String id, long roomId, String sender, String content, @Nullable String clientMessageId, Instant sentAt) {
        this(id, roomId, 0, sender, content, clientMessageId, sentAt, null, false);
    }

    ChatMessage withSeq(long seq) {
        return new ChatMessage(id, roomId, seq, sender, content, clientMessageId, sentAt, editedAt, deleted);
    }
}
