package io.talkwire.room;

/** Application event: {@code username} has read room {@code roomId} up to {@code seq} (published in the transaction). */
public record MarkerMoved(long roomId, String username, long seq) {
}
