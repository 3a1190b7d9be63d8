package io.talkwire.delivery;

import io.talkwire.room.MarkerMoved;
import io.talkwire.room.MembershipChanged;
import io.talkwire.room.Room;
import io.talkwire.room.RoomService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.messaging.MessagingException;
import org.springframework.messaging.simp.SimpMessagingTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Tells users on {@code /user/queue/events}, through the relay, that they were added to or removed from a room, once
 * committed. A broker outage must not turn a committed change into a failure (clients recover it over REST), so
 * publish errors are logged, not thrown.
 */
@Component
public class PersonalEvents {

    private static final Logger log = LoggerFactory.getLogger(PersonalEvents.class);

    private final RoomService rooms;

    private final SimpMessagingTemplate template;

    PersonalEvents(RoomService rooms, SimpMessagingTemplate template) {
        this.rooms = rooms;
        this.template = template;
    }

    /** After {@link SubscriptionRevoker}: ROOM_REMOVED is the last thing the room sends them. */
    @TransactionalEventListener
    void on(MembershipChanged change) {
        if (change.added()) {
            rooms.find(change.roomId(), change.username()).ifPresent(room -> toUser(change.username(), new RoomAdded(room)));
        }
        else {
            toUser(change.username(), new RoomRemoved(change.roomId()));
        }
    }

    /** {@code READ} to the reader's sessions, once the marker is committed. */
    @TransactionalEventListener
    void on(MarkerMoved marker) {
        toUser(marker.username(), new Read(marker.roomId(), marker.seq()));
    }

    /**
     * Sends {@code event} (JSON) to every session of the user, on every instance, that subscribes to
     * {@code /user/queue/events}; a user with none gets nothing, and a broker outage is logged, not thrown.
     */
    public void toUser(String username, Object event) {
        try {
            template.convertAndSendToUser(username, "/queue/events", event);
        }
        catch (MessagingException ex) {
            log.warn("Could not publish to events of {} (broker unavailable?): {}", username, ex.getMessage());
        }
    }

    record RoomAdded(String type, Room room) {
        RoomAdded(Room room) {
            this("ROOM_ADDED", room);
        }
    }

    record Read(String type, long roomId, long seq) {
        Read(long roomId, long seq) {
            this("READ", roomId, seq);
        }
    }

    record RoomRemoved(String type, long roomId) {
        RoomRemoved(long roomId) {
            this("ROOM_REMOVED", roomId);
        }
    }
}
