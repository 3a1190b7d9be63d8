package io.talkwire.delivery;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

import tools.jackson.databind.json.JsonMapper;

/**
 * Room events that are not stored (TYPING): published at once, on the caller's thread, rather than as a
 * {@code RoomEvent} after a commit, so that they never wait behind one, and to every subscriber of the room but the
 * session they came from. They may be lost (a broker outage, a long backlog): a client that misses one misses nothing
 * it could ask for again.
 */
@Component
public class EphemeralEvents {

    private static final Logger log = LoggerFactory.getLogger(EphemeralEvents.class);

    private final RoomDelivery delivery;

    private final JsonMapper json;

    EphemeralEvents(RoomDelivery delivery, JsonMapper json) {
        this.delivery = delivery;
        this.json = json;
    }

    /** Never throws: the caller (a client's frame) has nothing to retry. */
    public void publishExcept(long roomId, Object payload, String exceptSessionId) {
        try {
            delivery.publishExcept(roomId, json.writeValueAsBytes(payload), exceptSessionId);
        }
        catch (RuntimeException ex) {
            log.warn("Could not publish an ephemeral event of room {}: {}", roomId, ex.getMessage());
        }
    }
}
