package io.talkwire.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A push service's queue on the topic exchange talkwire.notifications (scenario 7): the benchmark's own, a plain
 * classic queue, exclusive and auto-delete (RabbitMQ 3.x refuses the arguments of Spring's AnonymousQueue), bound
 * with {@code user.*} and consumed with automatic acks. It records when each notification of the watched rooms
 * arrived (epoch ms, by room and seq), and the publish-to-consume latency of the baseline's messages, published
 * straight to it through the default exchange and stamped with their send time.
 */
final class NotificationQueue implements AutoCloseable {

    private static final String NOTIFICATIONS = "talkwire.notifications";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Connection connection;

    private final String name = "bench-notifications-" + UUID.randomUUID();

    private final Set<Long> rooms = ConcurrentHashMap.newKeySet();

    private final Map<RoomSeq, Long> arrivals = new ConcurrentHashMap<>();

    private final AtomicLong duplicates = new AtomicLong();

    private final AtomicLong unreadable = new AtomicLong();

    /** The baseline's publish-to-consume latencies. */
    private final Latencies direct = new Latencies();

    private final AtomicLong directReceived = new AtomicLong();

    /** Declares, binds and consumes the queue, on a connection of its own. */
    NotificationQueue() throws Exception {
        connection = RabbitAmqp.connect("talkwire-bench-notifications");
        Channel consumer = connection.createChannel();
        consumer.queueDeclare(name, false, true, true, Map.of());
        consumer.queueBind(name, NOTIFICATIONS, "user.*");
        consumer.basicConsume(name, true, (tag, delivery) -> received(delivery.getBody()), tag -> { });
    }

    /** Notifications of these rooms are recorded from now on (those of other rooms are not). */
    void watch(Collection<Long> roomIds) {
        rooms.addAll(roomIds);
    }

    /** A channel of its own for the baseline's publisher (a channel is for one thread at a time). */
    Channel newChannel() throws IOException {
        return connection.createChannel();
    }

    /** One message of the baseline: persistent JSON straight to this queue, stamped with this JVM's nanoTime. */
    void publishDirect(Channel publisher) {
        byte[] body = ("{\"type\":\"BASELINE\",\"sentNanos\":" + System.nanoTime() + "}").getBytes();
        try {
            publisher.basicPublish("", name, RabbitAmqp.PERSISTENT_JSON, body);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** When the notification of message {@code seq} of a watched room arrived (epoch ms), or null if it has not. */
    Long arrival(long roomId, long seq) {
        return arrivals.get(new RoomSeq(roomId, seq));
    }

    /** Distinct notifications of the watched rooms received so far. */
    long notified() {
        return arrivals.size();
    }

    /** Notifications of the watched rooms received more than once. */
    long duplicates() {
        return duplicates.get();
    }

    /** Messages that were no JSON, or JSON without what its type says. */
    long unreadable() {
        return unreadable.get();
    }

    Latencies direct() {
        return direct;
    }

    long directReceived() {
        return directReceived.get();
    }

    /** Closes the connection; the queue goes with it. */
    @Override
    public void close() throws IOException {
        connection.close();
    }

    /** Both clocks are read first, before parsing. Never throws: that would close the consumer's channel. */
    private void received(byte[] body) {
        long arrivedMillis = System.currentTimeMillis();
        long arrivedNanos = System.nanoTime();
        try {
            JsonNode event = JSON.readTree(body);
            String type = event.has("type") ? event.get("type").asString() : "";
            if (type.equals("BASELINE")) {
                direct.recordNanos(arrivedNanos - event.get("sentNanos").asLong());
                directReceived.incrementAndGet();
            }
            else if (type.equals("NOTIFICATION") && rooms.contains(event.get("roomId").asLong())) {
                RoomSeq message = new RoomSeq(event.get("roomId").asLong(), event.get("seq").asLong());
                if (arrivals.putIfAbsent(message, arrivedMillis) != null) {
                    duplicates.incrementAndGet();
                }
            }
        }
        catch (RuntimeException ex) {
            unreadable.incrementAndGet();
        }
    }

    /** A message of a room. */
    private record RoomSeq(long roomId, long seq) {
    }
}
