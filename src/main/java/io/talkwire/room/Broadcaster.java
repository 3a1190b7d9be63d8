package io.talkwire.room;

import io.talkwire.stomp.RoomFanout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.annotation.Lazy;
import org.springframework.messaging.MessagingException;
import org.springframework.messaging.simp.SimpMessagingTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes events: room events to the subscribers of {@code /topic/rooms.{id}} on every instance
 * ({@link RoomFanout}), personal events through the broker relay to {@code /user/queue/events}. Called only after the
 * change is committed; a broker outage must not turn a committed change into a failure (clients recover it over
 * REST), so publish errors are logged, not thrown.
 */
@Component
public class Broadcaster {

    private static final Logger log = LoggerFactory.getLogger(Broadcaster.class);

    private final SimpMessagingTemplate template;

    private final RoomFanout fanout;

    /** Lazy: the messaging template is built from the STOMP configuration, whose interceptor needs this. */
    Broadcaster(@Lazy SimpMessagingTemplate template, RoomFanout fanout) {
        this.template = template;
        this.fanout = fanout;
    }

    public void toRoom(long roomId, Object event) {
        fanout.publish(roomId, event);
    }

    public void toUser(String username, Object event) {
        publish(() -> template.convertAndSendToUser(username, "/queue/events", event), "events of " + username);
    }

    private static void publish(Runnable send, String target) {
        try {
            send.run();
        }
        catch (MessagingException ex) {
            log.warn("Could not publish to {} (broker unavailable?): {}", target, ex.getMessage());
        }
    }
}
