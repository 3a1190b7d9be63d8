package io.talkwire.room;

/**
 * Something every subscriber of {@code /topic/rooms.{roomId}} is told, published as an application event once it is
 * committed; delivery sends {@code payload} (the JSON body) to the room. Published on one thread per room in commit
 * order, so that subscribers see a room's events in that order.
 *
 * @param seq the seq of the message a {@code MESSAGE} event carries, by which every subscriber gets a room's messages
 *            in order whichever instance committed them; 0 for every other event
 */
public record RoomEvent(long roomId, long seq, Object payload) {

    /** An event that is not a new message. */
    public RoomEvent(long roomId, Object payload) {
        this(roomId, 0, payload);
    }
}
