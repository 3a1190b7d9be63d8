package io.talkwire.delivery;

import java.util.Map;

/**
 * How room events reach the subscribers of {@code /topic/rooms.{id}}: one implementation per {@code talkwire.fanout}
 * mode. Subscriptions are started and ended through {@link RoomSubscriptions}, which keeps presence in step.
 */
interface RoomDelivery {

    /**
     * Delivers a committed event to every subscriber of the room on every instance, in the order of the calls: a
     * room's messages are published by its committer thread, in seq order. {@code seq} is the seq of a {@code MESSAGE}
     * event (0 for others), sent along as {@link RoomRoutes#SEQ_HEADER} for {@link RoomOrder}.
     */
    void publish(long roomId, long seq, byte[] json);

    /**
     * Delivers an event that is not stored (TYPING) to every subscriber of the room on every instance except the
     * session {@code exceptSessionId}, which is one of this instance's. It may be lost: it is dropped rather than
     * queued behind a backlog of committed events (a broker that is away), and it never delays them. It may be
     * called from any thread; committed events keep their order.
     */
    void publishExcept(long roomId, byte[] json, String exceptSessionId);

    /** Whether the relay carries room SUBSCRIBE and UNSUBSCRIBE frames to RabbitMQ. */
    boolean relaysSubscriptions();

    /** A room subscription Talkwire accepted. */
    void subscribed(String sessionId, String subscriptionId, long roomId);

    /** The client unsubscribed. */
    void unsubscribed(String sessionId, String subscriptionId, long roomId);

    /** Ends a subscription the client did not end (its user may no longer read the room). */
    void revoke(String sessionId, String subscriptionId, long roomId);

    /** The session ended, with these room subscriptions (id to room) still live. */
    void disconnected(String sessionId, Map<String, Long> subscriptions);
}
