package io.talkwire.presence;

import java.time.Instant;
import java.util.List;

/**
 * {@code PRESENCE} on {@code /topic/rooms.{id}}: everyone online in the room right now, over all instances (sorted),
 * and their number. Sent where JOIN or LEAVE events may have been lost ({@link PresenceSnapshots}).
 */
record PresenceSnapshot(String type, long roomId, long online, List<String> users, Instant at) {

    PresenceSnapshot(long roomId, List<String> users, Instant at) {
        this("PRESENCE", roomId, users.size(), users, at);
    }
}
