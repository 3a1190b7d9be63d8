package io.talkwire.presence;

import java.time.Instant;

/** {@code JOIN} / {@code LEAVE} on {@code /topic/rooms.{id}}; {@code online} counts distinct users. */
record PresenceEvent(String type, long roomId, String user, long online, Instant at) {
}
