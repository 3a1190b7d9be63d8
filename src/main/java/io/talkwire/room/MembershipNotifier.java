package io.talkwire.room;

import io.talkwire.room.RoomEvents.RoomAdded;
import io.talkwire.room.RoomEvents.RoomRemoved;

import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/** Tells users on {@code /user/queue/events} that they were added to or removed from a room, once committed. */
@Component
class MembershipNotifier {

    private final RoomService rooms;

    private final Broadcaster broadcaster;

    MembershipNotifier(RoomService rooms, Broadcaster broadcaster) {
        this.rooms = rooms;
        this.broadcaster = broadcaster;
    }

    @TransactionalEventListener
    void on(MembershipChanged change) {
        if (change.added()) {
            rooms.find(change.roomId()).ifPresent(room -> broadcaster.toUser(change.username(), new RoomAdded(room)));
        }
        else {
            broadcaster.toUser(change.username(), new RoomRemoved(change.roomId()));
        }
    }
}
