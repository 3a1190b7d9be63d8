package io.talkwire.room;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A room as one user sees it (docs/protocol.md, {@code Room}): {@code lastReadSeq} is how far that user has read, and
 * {@code unreadCount} the messages above it that others sent and are not deleted.
 */
public record Room(long id, String name, Kind kind, @Nullable String owner, long memberCount, long onlineCount,
        long lastSeq, Instant createdAt, long lastReadSeq, long unreadCount) {

    public enum Kind {
        PUBLIC, PRIVATE, DIRECT
    }
}
