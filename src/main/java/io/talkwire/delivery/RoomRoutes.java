package io.talkwire.delivery;

/** Where room events travel, in STOMP and in RabbitMQ: the names clients and the console see. */
public final class RoomRoutes {

    /** STOMP destinations of room events: {@code /topic/rooms.{id}}. */
    public static final String TOPIC_PREFIX = "/topic/rooms.";

    /** RabbitMQ's topic exchange, which the STOMP plugin maps {@code /topic/...} destinations to. */
    static final String AMQ_TOPIC = "amq.topic";

    /** Routing keys of room events: {@code rooms.{id}}. */
    static final String KEY_PREFIX = "rooms.";

    /**
     * An AMQP header of a room event that must not reach one session (a TYPING event, not its sender), naming that
     * session. RabbitMQ's STOMP plugin turns it into a header of the MESSAGE frame for every subscriber, and the
     * outbound channel drops the frame for that session and removes the header for the others.
     */
    public static final String EXCEPT_SESSION_HEADER = "talkwire-except-session";

    /**
     * A header of a {@code MESSAGE} event, in AMQP and on the STOMP frame: the message's seq, the same as in its body.
     * By it {@link RoomOrder} hands each subscriber a room's messages in seq order, whichever instance committed them.
     */
    public static final String SEQ_HEADER = "talkwire-seq";

    private RoomRoutes() {
    }

    /**
     * Where the relay subscribes a session to a room at RabbitMQ: {@code /exchange/amq.topic/rooms.{id}}, the same
     * binding as {@code /topic/rooms.{id}} but an exclusive queue (the STOMP plugin makes {@code /topic/} queues
     * non-exclusive, which RabbitMQ 4 deprecates). Messages still carry {@code destination:/topic/rooms.{id}}, which
     * the plugin derives from the exchange and routing key they were published with.
     */
    public static String relayedSubscription(long roomId) {
        return "/exchange/" + AMQ_TOPIC + "/" + key(roomId);
    }

    static String key(long roomId) {
        return KEY_PREFIX + roomId;
    }
}
