package io.talkwire.delivery;

import io.talkwire.room.RoomEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

import tools.jackson.databind.json.JsonMapper;

/**
 * Sends every committed {@link RoomEvent} to the room's subscribers, on the thread that published it (one per room,
 * in commit order): encoded once, then handed to the fan-out mode in use. It is the first listener of the event, so the
 * deliveries leave before the work that can wait (mentions, notifications to offline members) is started.
 */
@Component
class Broadcaster {

    private static final Logger log = LoggerFactory.getLogger(Broadcaster.class);

    private final RoomDelivery delivery;

    private final JsonMapper json;

    Broadcaster(RoomDelivery delivery, JsonMapper json) {
        this.delivery = delivery;
        this.json = json;
    }

    /** Never throws: the event is committed, and its publisher (a committer with more of its batch) goes on. */
    @EventListener
    @Order(Ordered.HIGHEST_PRECEDENCE)
    void on(RoomEvent event) {
        try {
            delivery.publish(event.roomId(), event.seq(), json.writeValueAsBytes(event.payload()));
        }
        catch (RuntimeException ex) {
            log.error("Could not publish an event of room {}; clients recover it over REST", event.roomId(), ex);
        }
    }
}
