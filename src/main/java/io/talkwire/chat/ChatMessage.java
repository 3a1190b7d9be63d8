package io.talkwire.chat;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/** A stored message (PROTOCOL.md {@code Message}). */
public record ChatMessage(String id, long roomId, long seq, String sender, String content,
        @Nullable String clientMessageId, Instant sentAt) {

    ChatMessage withSeq(long seq) {
        return new ChatMessage(id, roomId, seq, sender, content, clientMessageId, sentAt);
    }
}
