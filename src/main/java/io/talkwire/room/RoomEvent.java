package io.talkwire.room;

/**
 * Something every subscriber of {@code /topic/rooms.{roomId}} is told, published as an application event once it is
 * committed; delivery sends {@code payload} (the JSON body) to the room. Published on one thread per room in commit
 * order, so that subscribers see a room's events in that order.
 */
public record RoomEvent(long roomId, Object payload) {
}
