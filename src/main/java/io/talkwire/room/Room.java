package io.talkwire.room;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/** A room as clients see it (PROTOCOL.md {@code Room}). */
public record Room(long id, String name, Kind kind, @Nullable String owner, long memberCount, long onlineCount,
        long lastSeq, Instant createdAt) {

    public enum Kind {
        PUBLIC, PRIVATE, DIRECT
    }
}
