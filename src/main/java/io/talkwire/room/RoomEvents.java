package io.talkwire.room;

/** Personal events on {@code /user/queue/events}. */
final class RoomEvents {

    private RoomEvents() {
    }

    record RoomAdded(String type, Room room) {
        RoomAdded(Room room) {
            this("ROOM_ADDED", room);
        }
    }

    record RoomRemoved(String type, long roomId) {
        RoomRemoved(long roomId) {
            this("ROOM_REMOVED", roomId);
        }
    }
}
